import { useEffect, useRef, useState } from 'react';
import type { RegionalPolicyView } from '../../../../shared/api/settlement.ts';
import { call } from '../../api.ts';
import { errorText, Rule } from '../../ui/kit.tsx';
import { readAsBase64 } from './parts.tsx';

/**
 * The insured regions' parameters the office keeps for the estimate (issue 14 §2), each with its
 * source and date; a supervisor imports one policy file at a time. A real platform never sends
 * them: without them the preview shows the hospital region's split only.
 */
export function PolicyImport() {
  const [list, setList] = useState<RegionalPolicyView[]>([]);
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('');
  const [sourceDate, setSourceDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const load = () => call('settlement.policies', {}).then(setList).catch(() => undefined);
  useEffect(() => void load(), []);
  async function run() {
    if (!file) return;
    setBusy(true);
    setMessage(null);
    try {
      const b64 = await readAsBase64(file, () => undefined);
      const p = await call('settlement.importPolicy', { fileName: file.name, contentBase64: b64, source, sourceDate });
      setMessage({ ok: true, text: `已导入参保地 ${p.insuplcAdmdvs} 险种 ${p.insutype} ${p.year} 年度政策参数（版本 ${p.version}）。` });
      await load();
    } catch (e) {
      setMessage({ ok: false, text: errorText(e, '政策参数导入失败') });
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="panel" data-testid="policy-import">
      <h3>参保地政策参数（用于估算） <Rule rule="001 规程 第二十七条" /></h3>
      <p className="muted small">结算以参保地返回结果为准；本机参数只用于预结算估算。没有参数的参保地只显示就医地拆分。</p>
      <table className="grid compact" aria-label="参保地政策参数">
        <thead><tr><th>参保地</th><th>险种</th><th>年度</th><th>版本</th><th>来源</th><th>日期</th></tr></thead>
        <tbody>
          {list.length === 0 && <tr><td colSpan={6} className="muted">暂无</td></tr>}
          {list.map((p) => (
            <tr key={p.id} className={p.retired ? 'muted' : undefined}>
              <td>{p.insuplcAdmdvs}</td><td>{p.insutype}</td><td>{p.year}</td><td>{p.version}{p.retired ? '（已停用）' : ''}</td>
              <td>{p.source ?? '演示数据或政策下发（桌面扩展）'}</td><td>{p.sourceDate ?? p.importedAt.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="file-button" onClick={() => picker.current?.click()}>选择政策文件…</button>
        <input ref={picker} type="file" className="file-input" tabIndex={-1} accept=".json" aria-label="选择政策文件" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <span className="muted small">{file?.name ?? ''}</span>
        <label>来源<input value={source} onChange={(e) => setSource(e.target.value)} placeholder="如 武汉市医疗保障局文件名称" /></label>
        <label>日期<input type="date" value={sourceDate} onChange={(e) => setSourceDate(e.target.value)} /></label>
        <button disabled={!file || source.trim().length < 2 || sourceDate === '' || busy} onClick={() => void run()}>导入参数</button>
      </div>
      {message && <p className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
    </div>
  );
}
