import { useEffect, useState } from 'react';
import type { InvoiceNumberView } from '../../../../shared/api/settlement.ts';
import { call } from '../../api.ts';
import { Rule } from '../../ui/kit.tsx';
import { useAction } from '../../ui/useAction.ts';

/**
 * 发票号 of a stay (F4) or a visit (F5) (issue 15): a stay's usually comes with the HIS's fee file; it
 * is entered here when it did not come, or corrected with a reason (a new record: the earlier number
 * stays findable by 协查).
 */
export function InvoicePanel({ target }: { target: { admissionId: number } | { visitId: number } }) {
  const key = 'admissionId' in target ? `a${target.admissionId}` : `v${target.visitId}`;
  const [view, setView] = useState<InvoiceNumberView | null>(null);
  const [invono, setInvono] = useState('');
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction('保存发票号失败');
  useEffect(() => {
    void run(async () => setView('admissionId' in target ? await call('settlement.invoice', target) : await call('outpatient.invoice', target)), '读取发票号失败');
    // `key` names the target (the object is new on each render).
  }, [key, run]);
  const current = view?.invono ?? null;
  async function save() {
    await run(async () => {
      const input = { invono, ...(current !== null && reason.trim() !== '' ? { reason } : {}) };
      const v = 'admissionId' in target ? await call('settlement.setInvoice', { ...target, ...input }) : await call('outpatient.setInvoice', { ...target, ...input });
      setView(v);
      setInvono('');
      setReason('');
    });
  }
  const enter = (e: React.KeyboardEvent) => { if (e.key === 'Enter') { e.preventDefault(); void save(); } };
  return (
    <div className="panel" data-testid="invoice-panel">
      <h3>发票号 <Rule rule="004 第六十六条（协查可按发票号）" /></h3>
      <p className="small">
        {current === null ? <span className="muted">尚未记录发票号（{'admissionId' in target ? 'HIS 费用明细文件的 invono 列，或在此录入' : '在此录入'}）</span> : <>当前：<strong data-testid="invoice-current">{current}</strong></>}
        {view && view.history.length > 1 && <span className="muted"> · 此前：{view.history.slice(0, -1).reverse().map((h) => h.invono).join('、')}</span>}
      </p>
      <div className="actions">
        <label>{current === null ? '录入发票号' : '更正为'}<input value={invono} maxLength={20} onChange={(e) => setInvono(e.target.value)} onKeyDown={enter} /></label>
        {current !== null && <label>更正原因<input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} onKeyDown={enter} /></label>}
        <button onClick={() => void save()} disabled={busy || invono.trim() === ''}>{current === null ? '保存发票号' : '保存更正'}</button>
      </div>
      {error && <p className="error">{error}</p>}
    </div>
  );
}
