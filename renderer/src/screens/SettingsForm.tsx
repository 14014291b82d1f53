import { useEffect, useState, type FormEvent } from 'react';
import type { DeskSettings } from '../../../shared/api/index.ts';
import { ApiCallError, call } from '../api.ts';

/** The institution and the printer; only a supervisor may change them (enforced in the services). The agency connection has its own panel (settings/AgencyConnectionPanel.tsx). */
export function SettingsForm({ editable }: { editable: boolean }) {
  const [s, setS] = useState<DeskSettings | null>(null);
  const [form, setForm] = useState({ fixmedinsCode: '', fixmedinsName: '', level: '3', admdvs: '', networked: true, printerName: '' });
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  function load(x: DeskSettings) {
    setS(x);
    setForm({
      fixmedinsCode: x.institution?.fixmedinsCode ?? '', fixmedinsName: x.institution?.fixmedinsName ?? '', level: String(x.institution?.level ?? 3),
      admdvs: x.institution?.admdvs ?? '', networked: x.institution?.networked ?? true, printerName: x.printerName,
    });
  }

  useEffect(() => {
    call('settings.get', {}).then(load).catch(() => undefined);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      const updated = await call('settings.update', {
        institution: { fixmedinsCode: form.fixmedinsCode.trim(), fixmedinsName: form.fixmedinsName.trim(), level: Number(form.level), admdvs: form.admdvs.trim(), networked: form.networked },
        printerName: form.printerName,
      });
      load(updated);
      setMessage({ ok: true, text: '设置已保存' });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiCallError ? err.message : '保存失败' });
    }
  }

  if (!s) return <p className="progress">正在读取设置…</p>;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <form className="form-grid" onSubmit={save} aria-label="机构设置">
      <label>定点医疗机构编号<input value={form.fixmedinsCode} onChange={set('fixmedinsCode')} disabled={!editable} /></label>
      <label>医疗机构名称<input value={form.fixmedinsName} onChange={set('fixmedinsName')} disabled={!editable} /></label>
      <label>医院等级
        <select value={form.level} onChange={set('level')} disabled={!editable}><option value="1">一级</option><option value="2">二级</option><option value="3">三级</option></select>
      </label>
      <label>就医地医保区划<input value={form.admdvs} onChange={set('admdvs')} disabled={!editable} /><small className="muted">{s.institution?.regionName}</small></label>
      <label className="check"><input type="checkbox" checked={form.networked} onChange={(e) => setForm({ ...form, networked: e.target.checked })} disabled={!editable} />已开通异地就医直接结算联网</label>
      <label>打印机<input value={form.printerName} onChange={set('printerName')} disabled={!editable} placeholder="系统默认打印机" /></label>
      <p className="muted">无操作 {s.idleMinutes} 分钟后自动锁屏。</p>
      {editable && <div className="actions"><button type="submit" className="primary">保存设置</button></div>}
      {message && <p role="status" className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
    </form>
  );
}
