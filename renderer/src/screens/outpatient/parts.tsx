import type { OutpatientPreview, OutpatientSettlementView, OutpatientVisitView } from '../../../../shared/api/outpatient.ts';
import { yuan } from '../../ui/format.ts';

/** The outpatient screen's read-only parts: the fee lines with both splits, the preview side by side, the settlements. */

const ROWS: [keyof OutpatientSettlementView['amounts'], string][] = [
  ['medfee_sumamt', '医疗费总额'], ['inscp_scp_amt', '医保范围内'], ['preselfpay_amt', '乙类先行自付'], ['overlmt_selfpay', '超限价自付'],
  ['fulamt_ownpay_amt', '全自费'], ['act_pay_dedc', '实际支付起付线'], ['fund_pay_sumamt', '基金支付合计'], ['psn_part_amt', '个人负担'], ['psn_cash_pay', '个人现金支付'],
];

export function FeeLines({ visit }: { visit: OutpatientVisitView }) {
  return (
    <table className="grid compact" aria-label="门诊费用明细">
      <thead><tr><th>批次</th><th>项目</th><th className="num">数量</th><th className="num">单价</th><th className="num">金额</th><th className="num">范围内</th><th className="num">自费</th><th>状态</th></tr></thead>
      <tbody>
        {visit.lines.length === 0 && <tr><td colSpan={8} className="muted">尚无费用：粘贴 HIS 导出的明细后按 Ctrl+Enter</td></tr>}
        {visit.lines.map((l) => (
          <tr key={`${l.chrgBchno}/${l.feedetlSn}`} className={l.withdrawn ? 'muted' : undefined}>
            <td className="small">{l.chrgBchno}</td><td>{l.name}</td><td className="num">{l.cnt}</td><td className="num">{l.pric}</td><td className="num">{yuan(l.amount)}</td>
            <td className="num">{yuan(l.split.inscp)}</td><td className="num">{yuan(l.split.full)}</td>
            <td className="small">
              {l.withdrawn ? '已撤销' : l.settled ? '已结算' : '未结算'}
              {l.agencySplit === null ? ' · 待上传' : l.splitDiffers.length > 0 ? <span className="warn"> · 与参保地拆分不同：{l.splitDiffers.join('、')}</span> : ' · 拆分一致'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PreviewTable({ preview }: { preview: OutpatientPreview }) {
  const agency = preview.agency.amounts;
  return (
    <div>
      <table className="grid compact otp-preview" aria-label="预结算">
        <thead><tr><th>项目</th><th className="num">{preview.agency.available ? '参保地预结算（2206）' : '参保地预结算'}</th><th className="num">{preview.estimate.withPolicy ? '本机估算' : '本机拆分'}</th></tr></thead>
        <tbody>
          {ROWS.map(([f, label]) => (
            <tr key={f} className={f === 'psn_cash_pay' ? 'total' : undefined}>
              <td>{label}</td><td className="num" data-testid={`agency-${f}`}>{agency ? yuan(agency[f]) : '—'}</td><td className="num" data-testid={`estimate-${f}`}>{yuan(preview.estimate.amounts[f])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview.agency.funds.length > 0 && <p className="small">基金支付：{preview.agency.funds.map((f) => `${f.fund_pay_type_name} ${yuan(f.fund_payamt)}`).join('；')}</p>}
      <p className={preview.agency.available ? 'muted small' : 'warn small'} role="status">{preview.agency.note}</p>
      <p className="muted small">{preview.agency.available ? preview.estimate.note : `估算：${preview.estimate.note}`}</p>
    </div>
  );
}

export function Settlements({ visit, onPrint, onRefund }: { visit: OutpatientVisitView; onPrint: (id: number, format: 'a4' | '80mm') => void; onRefund: (s: OutpatientSettlementView) => void }) {
  if (visit.settlements.length === 0) return null;
  return (
    <table className="grid compact" aria-label="门诊结算记录">
      <thead><tr><th>类别</th><th>时间</th><th>结算ID</th><th className="num">总费用</th><th className="num">基金支付</th><th className="num">个人现金</th><th /></tr></thead>
      <tbody>
        {visit.settlements.map((s) => (
          <tr key={s.id}>
            <td>{s.kind === 'refund' ? '退费' : s.refundedBy !== null ? '结算（已退费）' : s.voided ? <span title={s.voided.reason}>结算（已作废：{s.voided.reason}）</span> : '结算'}{s.claim && <span className="muted small">（{s.claim.period} 期{s.claim.statusLabel}）</span>}</td><td className="small">{s.setlTime}</td><td className="small">{s.setlId}</td>
            <td className="num">{yuan(s.amounts.medfee_sumamt)}</td><td className="num">{yuan(s.amounts.fund_pay_sumamt)}</td><td className="num">{yuan(s.amounts.psn_cash_pay)}</td>
            {/* A void settlement (重新结算) was never at the platform: no receipt, no refund. */}
            <td>{s.voided === null && (<>
              <button onClick={() => onPrint(s.id, 'a4')}>打印</button>
              <button onClick={() => onPrint(s.id, '80mm')}>小票</button>
              {s.kind === 'settlement' && s.refundedBy === null && <button onClick={() => onRefund(s)}>退费</button>}
            </>)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** HIS export pasted as text: 医保编码,医院编码,名称,数量,单价,金额[,自费] per line (a header line is skipped). */
export function parseFeeText(text: string, firstSn: number): { lines: { feedetlSn: string; medListCodg: string; medinsListCodg: string; name: string; cnt: string; pric: string; amount: string; selfPay: boolean }[]; error: string | null } {
  const rows = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !/^医保编码|^med_list_codg/i.test(l));
  const lines = [];
  for (const [i, row] of rows.entries()) {
    const c = row.split(/[,\t，]/).map((x) => x.trim());
    if (c.length < 6) return { lines: [], error: `第 ${i + 1} 行应有 6 列（医保编码,医院编码,名称,数量,单价,金额），现有 ${c.length} 列` };
    lines.push({ feedetlSn: String(firstSn + i), medListCodg: c[0]!, medinsListCodg: c[1]!, name: c[2]!, cnt: c[3]!, pric: c[4]!, amount: c[5]!, selfPay: c[6] === '1' || c[6] === '自费' });
  }
  if (lines.length === 0) return { lines: [], error: '请粘贴费用明细（每行：医保编码,医院编码,名称,数量,单价,金额）' };
  return { lines, error: null };
}
