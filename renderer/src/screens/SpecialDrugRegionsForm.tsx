import { useEffect, useState, type FormEvent } from 'react';
import { ApiCallError, call } from '../api.ts';

/**
 * The insured regions whose 5205 (人员慢特病用药记录查询) the stay screen's 查询经办机构记录 asks:
 * off for every region until a supervisor lists it here (not every region uses it).
 */
export function SpecialDrugRegionsForm({ editable }: { editable: boolean }) {
  const [text, setText] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    call('settings.get', {}).then((s) => setText(s.specialDrugRegions.join(' '))).catch(() => undefined);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (text === null) return;
    setMessage(null);
    try {
      const regions = text.split(/[\s,，、]+/).filter((r) => r !== '');
      setText((await call('settings.update', { specialDrugRegions: regions })).specialDrugRegions.join(' '));
      setMessage({ ok: true, text: regions.length === 0 ? '已关闭：不查询任何参保地的慢特病用药记录' : '已保存' });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiCallError ? err.message : '保存失败' });
    }
  }

  if (text === null) return <p className="progress">正在读取…</p>;
  return (
    <form className="form-grid" onSubmit={save} aria-label="查询慢特病用药记录的参保地">
      <label>参保地区划（6 位，空格分隔）
        <input value={text} onChange={(e) => setText(e.target.value)} disabled={!editable} placeholder="未启用" data-testid="special-drug-regions" />
      </label>
      {editable && <div className="actions"><button type="submit">保存</button></div>}
      {message && <p role="status" className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
    </form>
  );
}
