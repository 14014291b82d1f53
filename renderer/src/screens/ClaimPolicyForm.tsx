import { useEffect, useState, type FormEvent } from 'react';
import type { ClaimPolicySettings } from '../../../shared/api/settings.ts';
import { ApiCallError, call } from '../api.ts';
import { Rule } from '../ui/kit.tsx';

const FIELDS: { key: keyof ClaimPolicySettings; label: string; unit: string; rule: string }[] = [
  { key: 'claimWindowEndDay', label: '申报截止日', unit: '日（次月 1 日起）', rule: '004 第四十九条' },
  { key: 'maxDeferralMonths', label: '最长延期', unit: '个月', rule: '004 第四十九条' },
  { key: 'reviewCutoffDay', label: '审核、异议截止日', unit: '日', rule: '004 第五十条' },
  { key: 'confirmationDay', label: '清算确认截止日', unit: '日', rule: '004 第五十一条' },
  { key: 'directShareTarget', label: '直接结算率目标', unit: '%', rule: '003' },
];

/** The region's clearing calendar and target; the services check the order of the days. */
export function ClaimPolicyForm({ editable }: { editable: boolean }) {
  const [form, setForm] = useState<Record<keyof ClaimPolicySettings, string> | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const load = (p: ClaimPolicySettings) => setForm(Object.fromEntries(FIELDS.map((f) => [f.key, String(p[f.key])])) as Record<keyof ClaimPolicySettings, string>);
  useEffect(() => {
    call('settings.get', {}).then((s) => load(s.claimPolicy)).catch(() => undefined);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    setMessage(null);
    try {
      const claimPolicy = Object.fromEntries(FIELDS.map((f) => [f.key, Number(form[f.key])])) as unknown as ClaimPolicySettings;
      load((await call('settings.update', { claimPolicy })).claimPolicy);
      setMessage({ ok: true, text: '清算政策参数已保存' });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiCallError ? err.message : '保存失败' });
    }
  }

  if (!form) return <p className="progress">正在读取…</p>;
  return (
    <form className="form-grid" onSubmit={save} aria-label="清算政策参数">
      {FIELDS.map((f) => (
        <label key={f.key}>{f.label} <Rule rule={f.rule} />
          <span><input type="number" inputMode="numeric" value={form[f.key]} onChange={(e) => setForm({ ...form, [f.key]: e.target.value })} disabled={!editable} /> {f.unit}</span>
        </label>
      ))}
      {editable && <div className="actions"><button type="submit" className="primary">保存清算参数</button></div>}
      {message && <p role="status" className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
    </form>
  );
}
