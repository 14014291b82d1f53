import { useCallback, useEffect, useState } from 'react';
import type { RosterStatusView } from '../../../../shared/api/index.ts';
import { ApiCallError, call } from '../../api.ts';
import { formatTime } from './format.ts';

/**
 * The local registration roster behind offline checks: how current it is, a download on demand
 * with its progress, and — when a download would drop most of the roster — the supervisor's
 * confirm / discard (issue 3 fail-safe).
 */
export function RosterPanel({ supervisor }: { supervisor: boolean }) {
  const [s, setS] = useState<RosterStatusView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => call('roster.status', {}).then(setS).catch(() => undefined), []);
  const busy = s?.running ?? false;

  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), busy ? 1500 : 15_000);
    return () => clearInterval(t);
  }, [load, busy]);

  async function act(fn: () => Promise<RosterStatusView>) {
    setError(null);
    try {
      setS(await fn());
    } catch (e) {
      setError(e instanceof ApiCallError ? e.message : '操作失败，请重试');
    }
  }

  if (!s) return null;
  return (
    <div className="panel roster-panel" aria-label="备案名单">
      <h3>本地备案名单（离线核验依据）</h3>
      <p>
        本院所在统筹区有效备案 <strong data-testid="roster-active">{s.activeInScope}</strong> 条
        {s.last ? ` · ${s.last.outcome === 'applied' ? '最近更新' : '最近一次下载已放弃'} ${formatTime(s.last.completedAt)}（收到 ${s.last.received} 条，删除 ${s.last.removed} 条）` : ' · 尚未从经办机构下载'}
        <button className="small" disabled={busy || s.state === 'held'} onClick={() => void act(() => call('roster.download', {}))}>立即下载</button>
      </p>
      {s.run && s.state === 'downloading' && (
        <p className={busy ? 'progress' : 'warn'} role="status">
          {busy ? <span className="spinner" aria-hidden /> : null} {busy ? '正在下载' : '下载未完成，下次从断点继续'}：已完成 {s.run.pages} 页，{s.run.received}{s.run.total !== null ? ` / ${s.run.total}` : ''} 条
          {s.run.lastError ? `（${s.run.lastError}）` : ''}
        </p>
      )}
      {s.held && (
        <div className="changed-banner" role="alert">
          <strong>本次下载暂未应用：</strong>
          <span>{s.held.reason}</span>
          {supervisor ? (
            <span className="actions">
              <button className="small primary" onClick={() => { if (window.confirm(`确认应用？有效备案将从 ${s.held!.before} 条变为 ${s.held!.after} 条。`)) void act(() => call('roster.confirmShrink', { confirm: true })); }}>确认应用</button>
              <button className="small" onClick={() => void act(() => call('roster.discard', {}))}>放弃本次下载</button>
            </span>
          ) : <span className="muted">请主管登录后核实并确认。</span>}
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
