import { useEffect, useState } from 'react';
import type { AuditEntry } from '../../../shared/api/index.ts';
import { auditActionLabel, auditEntityLabel } from '../../../shared/auditLabels.ts';
import { formatInstantCST } from '../../../shared/dates.ts';
import { ApiCallError, call } from '../api.ts';
import { downloadBase64 } from '../download.ts';

/** The audit log for supervisors: the latest entries, and an export of a date range as CSV. */
export function AuditPanel() {
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [range, setRange] = useState({ from: '', to: '' });
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    call('audit.list', { limit: 50 }).then(setRows).catch(() => undefined);
  }, []);

  async function exportCsv() {
    setMessage(null);
    try {
      const r = await call('audit.export', { ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) });
      downloadBase64(r.fileName, r.csvBase64, 'text/csv;charset=utf-8');
      setMessage(`已导出 ${r.rows} 条：${r.fileName}`);
    } catch (e) {
      setMessage(e instanceof ApiCallError ? e.message : '导出失败');
    }
  }

  return (
    <div className="panel">
      <h3>审计日志</h3>
      <div className="actions">
        <label>从<input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} /></label>
        <label>至<input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} /></label>
        <button onClick={() => void exportCsv()}>导出 CSV</button>
      </div>
      {message && <p role="status" className="notice">{message}</p>}
      <table className="grid" aria-label="审计日志">
        <thead><tr><th>时间</th><th>经办人</th><th>操作</th><th>对象</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="nowrap">{formatInstantCST(r.at)}</td><td>{r.clerk ?? '系统'}</td>
              <td>{auditActionLabel(r.action) ?? r.action} {auditActionLabel(r.action) && <code className="muted small">{r.action}</code>}</td>
              <td>{auditEntityLabel(r.entity) ?? r.entity}{r.entityId ? ` ${r.entityId} 号` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
