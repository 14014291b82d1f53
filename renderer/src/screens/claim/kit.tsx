import { useState } from 'react';
import { call } from '../../api.ts';
import { downloadBase64 } from '../../download.ts';
import { useFormAction } from '../../ui/useAction.ts';

/** A text note for a dialog: Enter confirms (Shift+Enter for a new line). */
export function NoteField({ label, value, onChange, onEnter, placeholder }: { label: string; value: string; onChange: (v: string) => void; onEnter: () => void; placeholder?: string }) {
  return (
    <label className="claim-note">
      {label}
      <textarea
        autoFocus
        rows={3}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            onEnter();
          }
        }}
      />
    </label>
  );
}

const TABLES = [
  { id: 'hospital', label: '医院拨付表', source: '004 附件11' },
  { id: 'employees', label: '职工医保应付基金明细表', source: '004 附件13' },
  { id: 'residents', label: '城乡居民医保应付基金明细表', source: '004 附件14' },
  { id: 'detail', label: '结算明细', source: '逐笔清单' },
] as const;

/** The clearing tables of the period as PDF (A4 landscape) or Excel, saved through the browser. */
export function Exports({ period, declared }: { period: string; declared: boolean }) {
  const action = useFormAction();
  const busy = action.busy;
  const error = action.error?.message ?? null;
  const [message, setMessage] = useState<string | null>(null);
  async function run(table: (typeof TABLES)[number]['id'], format: 'pdf' | 'xlsx', label: string) {
    setMessage(null);
    await action.run(`${label} ${format === 'pdf' ? 'PDF' : 'Excel'}`, async () => {
      const f = await call('claim.export', { period, table, format });
      downloadBase64(f.fileName, f.base64, f.mime);
      setMessage(`已生成 ${f.fileName}（${f.rows} 行）${f.preview ? '：本期尚未申报，按预览内容生成' : ''}`);
    }, { fallback: '生成报表失败' });
  }
  return (
    <div className="panel" aria-label="报表导出">
      <h3>报表导出 <span className="muted small">（{declared ? '按已申报内容' : '本期尚未申报：按预览内容，文件标注“预览”'}）</span></h3>
      <table className="grid compact claim-exports">
        <tbody>
          {TABLES.map((t) => (
            <tr key={t.id}>
              <td>{t.label}</td>
              <td className="muted small">{t.source}</td>
              <td className="actions-cell">
                <button disabled={busy !== null} onClick={() => void run(t.id, 'pdf', t.label)}>PDF</button>{' '}
                <button disabled={busy !== null} onClick={() => void run(t.id, 'xlsx', t.label)}>Excel</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {busy && <p className="progress"><span className="spinner" /> 正在生成 {busy}…</p>}
      {message && <p className="ok-text" role="status">{message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
