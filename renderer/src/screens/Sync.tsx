import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeskStatus, SessionInfo } from '../../../shared/api/index.ts';
import type { DownloadKind, ReconciliationDayView, SyncDeadlineView, SyncDownloadView, SyncFieldChange, SyncResendView, SyncStatus } from '../../../shared/api/sync.ts';
import { nationalFieldLabel } from '../../../shared/nationalFieldLabels.ts';
import { formatInstantCST } from '../../../shared/dates.ts';
import { yuan } from '../ui/format.ts';
import { ApiCallError, call } from '../api.ts';
import { DetailReconciliation } from './sync/DetailReconciliation.tsx';

/** 同步 (F7): the upload queue, what the agency refused and why, downloads, reconciliation, deadlines (issue 6). */

function message(e: unknown, what: string): string {
  return e instanceof ApiCallError ? e.message : `${what}失败，请重试`;
}

const time = formatInstantCST;

const LEVEL: Record<SyncDeadlineView['level'], { label: string; cls: string }> = {
  overdue: { label: '已逾期', cls: 'sync-overdue' },
  warning: { label: '提醒', cls: 'sync-warning' },
  info: { label: '待办', cls: 'sync-info' },
};

function shown(v: unknown): string {
  if (v === null || v === undefined || v === '') return '（空）';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const RESEND_STATE: Record<SyncResendView['state'], { label: string; cls: string }> = {
  pending: { label: '待上传', cls: '' },
  rejected: { label: '再次被拒', cls: 'error' },
  delivered: { label: '已送达', cls: 'ok-text' },
};

/** What 重新发送 did, in the clerk's words: new messages from the corrected state, or the same one again. */
function resendNote(r: { resent: string[]; replaced: SyncResendView[] }): string {
  const same = r.resent.length - r.replaced.length;
  const parts: string[] = [];
  if (r.replaced.length > 0) parts.push(`${r.replaced.length} 条已按更正后的信息生成新报文（${r.replaced.map((x) => x.newMsgid).join('、')}），原报文保留为记录`);
  if (same > 0) parts.push(`${same} 条已重新排入队列（报文ID不变）`);
  return parts.length > 0 ? `已重新发送：${parts.join('；')}` : '没有可重新发送的报文';
}

function Changes({ changes }: { changes: SyncFieldChange[] }) {
  if (changes.length === 0) return <span className="warn">内容与被拒报文相同：请先在相应界面更正原因</span>;
  return (
    <ul className="sync-changes">
      {changes.map((c) => <li key={c.path}>{nationalFieldLabel(c.path)}：<del>{shown(c.before)}</del> → <ins>{shown(c.after)}</ins></li>)}
    </ul>
  );
}

function yesterday(today: string): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function Sync({ session, status }: { session: SessionInfo; status: DeskStatus | null }) {
  const supervisor = session.clerk.role === 'supervisor';
  const today = status?.today ?? new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const [s, setS] = useState<SyncStatus | null>(null);
  const [days, setDays] = useState<ReconciliationDayView[]>([]);
  const [warnings, setWarnings] = useState<SyncDeadlineView[]>([]);
  const [day, setDay] = useState(() => yesterday(today));
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  // The rejected item a supervisor is writing a resolution note for (Electron has no window.prompt).
  const [resolving, setResolving] = useState<{ msgid: string; text: string } | null>(null);
  const sendButton = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    const [st, w] = await Promise.all([call('sync.status', {}), call('sync.deadlines', {})]);
    setS(st);
    setWarnings(w);
  }, []);

  useEffect(() => {
    sendButton.current?.focus();
    void load().catch(() => undefined);
    call('sync.reconciliations', {}).then(setDays).catch(() => undefined);
  }, [load]);

  // Poll faster while something moves (a large send, a download) so the progress bar moves too.
  const moving = !!s && (s.progress !== null || s.downloads.some((d) => d.running));
  useEffect(() => {
    const t = setInterval(() => void load().catch(() => undefined), moving ? 700 : 3000);
    return () => clearInterval(t);
  }, [load, moving]);

  async function run<T>(label: string, fn: () => Promise<T>, done: (r: T) => string): Promise<void> {
    setBusy(label);
    setNote(null);
    try {
      const r = await fn();
      setNote({ text: done(r), error: false });
    } catch (e) {
      setNote({ text: message(e, label), error: true });
    } finally {
      setBusy(null);
      void load().catch(() => undefined);
    }
  }

  const reconcile = () => run('对账', () => call('sync.reconcile', { day }), (r) => {
    setDays((prev) => [r, ...prev.filter((d) => d.day !== r.day)].sort((a, b) => (a.day < b.day ? 1 : -1)));
    return r.balanced ? `${r.day} 对账结果：平` : `${r.day} 对账结果：不平，请查看下方差异`;
  });

  const reconcileDetail = () => run('明细对账', () => call('sync.reconcileDetail', { day }), (r) => {
    void call('sync.reconciliations', {}).then(setDays).catch(() => undefined);
    return r.differences.length === 0 ? `${day} 明细对账：逐笔相符（${r.matched} 笔）` : `${day} 明细对账：${r.differences.length} 笔差异，请查看下方处理办法`;
  });

  // The national catalogue files (docs/catalogue.md) are a supervisor's download.
  const download = (kind: DownloadKind) => run('下载', () => (kind === 'national' ? call('sync.downloadNational', { wait: true }) : call(kind === 'catalogue' ? 'sync.downloadCatalogue' : 'sync.downloadPolicies', { wait: true })), (d) =>
    d.state === 'held' ? `${d.label}下载已暂停，等待主管确认` : `${d.label}已更新：${d.summary}`);

  return (
    <section className="screen sync">
      <h2>同步</h2>

      {warnings.length > 0 && (
        <div className="panel sync-warnings" role="region" aria-label="期限提醒">
          <h3>期限提醒</h3>
          <ul>
            {warnings.map((w) => (
              <li key={w.code} className={LEVEL[w.level].cls}>
                <span className="badge">{LEVEL[w.level].label}</span> {w.message} <span className="small muted">（{w.rule}）</span>
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="panel" role="region" aria-label="上传队列">
        <h3>上传队列</h3>
        {!s ? <p className="progress">正在读取…</p> : (
          <>
            <dl className="facts">
              <dt>医保平台</dt><dd>{s.online === null ? '尚未连接' : s.online ? <span className="ok-text">在线</span> : <span className="error">离线</span>}（最近联系 {time(s.lastContactAt)}）</dd>
              <dt>待上传</dt><dd data-testid="sync-pending">{s.pending} 条{s.rejected > 0 && <span className="error">，被拒 {s.rejected} 条</span>}</dd>
              <dt>最近一次上传成功</dt><dd data-testid="sync-last-success">{time(s.lastSuccessAt)}</dd>
              {s.nextAttemptAt && <><dt>下次重试</dt><dd>{time(s.nextAttemptAt)}</dd></>}
              {s.lastError && <><dt>问题</dt><dd className="warn">{s.lastError}</dd></>}
            </dl>
            {s.progress && (
              <div className="sync-progress" role="progressbar" aria-label="上传进度" aria-valuemin={0} aria-valuemax={s.progress.total} aria-valuenow={s.progress.done}>
                <div className="sync-progress-bar" style={{ width: `${s.progress.total > 0 ? Math.round((s.progress.done / s.progress.total) * 100) : 0}%` }} />
                <span>正在上传：已确认 {s.progress.done} / {s.progress.total} 条{s.progress.inFlight > 0 ? `（本批 ${s.progress.inFlight} 条发送中）` : ''}</span>
              </div>
            )}
            <div className="actions">
              <button ref={sendButton} disabled={!!busy} onClick={() => void run('发送', () => call('sync.runNow', {}), (r) => (r.error ? `发送未成功：${r.error}` : `已发送 ${r.sent} 条，确认 ${r.confirmed} 条${r.unknown ? `，${r.unknown} 条结果未知（将冲正后重发）` : ''}${r.reversed ? `，已冲正 ${r.reversed} 条` : ''}${r.rejected ? `，被拒 ${r.rejected} 条` : ''}`))}>立即发送</button>
              {s.rejected > 0 && <button disabled={!!busy} onClick={() => void run('重新发送', () => call('sync.resend', { all: true }), resendNote)}>全部重新发送</button>}
            </div>
            {s.queue.length === 0 ? <p className="muted">队列为空：所有报文均已送达并确认。</p> : (
              <table className="grid" aria-label="按交易类型">
                <thead><tr><th>交易</th><th>待上传</th><th>待冲正</th><th>被拒</th><th>最早生成</th></tr></thead>
                <tbody>
                  {s.queue.map((q) => (
                    <tr key={q.infno}><td>{q.label}（{q.infno}）</td><td>{q.pending}</td><td>{q.awaitingReversal}</td><td className={q.rejected ? 'error' : ''}>{q.rejected}</td><td>{time(q.oldestAt)}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </div>

      {s && s.reversals.length > 0 && (
        <div className="panel sync-reversals" role="region" aria-label="冲正记录">
          <h3>冲正记录（2601）</h3>
          <p className="small muted">发送后结果未知（超时、断线、应答不完整）的报文，先向医保平台冲正原报文，再以新的报文ID重新发送，保证同一笔业务在平台只生效一次。</p>
          <table className="grid">
            <thead><tr><th>时间</th><th>交易</th><th>原报文ID</th><th>原因</th><th>冲正结果</th><th>重发报文ID</th></tr></thead>
            <tbody>
              {s.reversals.map((v) => (
                <tr key={v.reversalMsgid}>
                  <td>{time(v.at)}</td>
                  <td>{v.label}（{v.infno}）</td>
                  <td className="mono small">{v.omsgid}</td>
                  <td className="small">{v.reason}</td>
                  <td className={v.outcome === 'refused' ? 'error' : ''}>{v.outcome === 'reversed' ? '已冲正' : v.outcome === 'not-in-effect' ? '原交易未生效' : v.outcome === 'not-yet' ? '暂未查到原交易，稍后再冲正' : `冲正被拒：${v.errMsg ?? ''}`}</td>
                  <td className="mono small">{v.nextMsgid ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {s && s.rejectedItems.length > 0 && (
        <div className="panel sync-rejected" role="region" aria-label="被拒绝的报文">
          <h3>被经办机构拒绝的报文</h3>
          <p className="small muted">被拒报文只挡住同一就诊的后续报文，其他报文照常上传。先在相应界面更正原因（如入院登记的床位、诊断），再重新发送：按更正后的信息生成新报文（新的报文ID），原报文保留为记录；或由主管注明线下处理结果。</p>
          <table className="grid">
            <thead><tr><th>交易</th><th>报文ID</th><th>经办机构说明</th><th>其后等待</th><th /></tr></thead>
            <tbody>
              {s.rejectedItems.map((r) => (
                <tr key={r.msgid}>
                  <td>{r.label}（{r.infno}）</td>
                  <td className="mono small">{r.msgid}</td>
                  <td><span className="error">{r.message}</span>{r.advice && <p className="small sync-advice">{r.advice}</p>}</td>
                  <td>{r.waitingBehind > 0 ? `${r.waitingBehind} 条` : '—'}</td>
                  <td><div className="row-actions">
                    <button disabled={!!busy} title={r.rebuilds ? '按更正后的信息生成新报文' : '按原报文ID重新排队'} onClick={() => void run('重新发送', () => call('sync.resend', { msgid: r.msgid }), resendNote)}>重新发送</button>
                    {supervisor && resolving?.msgid !== r.msgid && <button disabled={!!busy} onClick={() => setResolving({ msgid: r.msgid, text: '' })}>标记已处理</button>}
                  </div>
                  {resolving?.msgid === r.msgid && (
                    <form className="row-actions sync-resolve" onSubmit={(e) => {
                      e.preventDefault();
                      const text = resolving.text;
                      void run('处理', () => call('sync.resolve', { msgid: r.msgid, note: text }), () => { setResolving(null); return `已标记为已处理：${r.msgid}`; });
                    }}>
                      <input autoFocus aria-label="处理说明" placeholder="处理说明，例如：已在经办机构窗口办理" value={resolving.text} onChange={(e) => setResolving({ msgid: r.msgid, text: e.target.value })} onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); setResolving(null); } }} />
                      <button type="submit" disabled={!!busy}>确定</button>
                    </form>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {s && s.resends.length > 0 && (
        <div className="panel sync-resends" role="region" aria-label="已更正重发">
          <h3>已更正重发的报文</h3>
          <table className="grid">
            <thead><tr><th>交易</th><th>原报文 → 新报文</th><th>被拒原因</th><th>更正内容</th><th>状态</th></tr></thead>
            <tbody>
              {s.resends.map((x) => (
                <tr key={x.newMsgid}>
                  <td>{x.label}（{x.infno}）<div className="small muted">{time(x.at)}</div></td>
                  <td className="mono small">{x.oldMsgid}<br />→ {x.newMsgid}</td>
                  <td className="error">{x.refusal}</td>
                  <td><Changes changes={x.changes} />
                    <details><summary className="small">发送内容</summary><pre className="mono small sync-sent">{JSON.stringify(x.sent, null, 2)}</pre></details></td>
                  <td className={RESEND_STATE[x.state].cls}>{RESEND_STATE[x.state].label}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <div className="panel" role="region" aria-label="下载">
        <h3>目录与政策下载</h3>
        {s?.downloads.map((d: SyncDownloadView) => (
          <div key={d.kind} className="sync-download">
            <div className="sync-download-head">
              <strong>{d.label}</strong>
              <span className="muted">{d.summary}</span>
              {d.last && <span className="small muted">上次：{time(d.last.completedAt)} {d.last.outcome === 'applied' ? `应用 ${d.last.applied} 条，停用 ${d.last.removed} 条` : '已放弃'}</span>}
              <button disabled={!!busy || d.running || d.state === 'held' || (d.kind === 'national' && !supervisor)} title={d.kind === 'national' && !supervisor ? '需要主管登录' : undefined} onClick={() => void download(d.kind)}>下载</button>
            </div>
            {d.running && d.run && <p className="progress" role="status"><span className="spinner" aria-hidden /> 已下载 {d.run.received}{d.run.total !== null ? ` / ${d.run.total}` : ''} 条</p>}
            {!d.running && d.state === 'downloading' && d.run?.lastError && <p className="warn">{d.run.lastError}（再次下载将从断点继续）</p>}
            {d.held && (
              <div className="notice sync-held">
                <p>{d.held.reason}</p>
                {supervisor ? (
                  <div className="actions">
                    <button disabled={!!busy} onClick={() => { if (window.confirm(`确认应用本次${d.label}下载？将有 ${d.held!.removed} 条不再有效。`)) void run('确认', () => call('sync.confirmShrink', { kind: d.kind, confirm: true }), () => `${d.label}已应用`); }}>确认应用</button>
                    <button disabled={!!busy} onClick={() => void run('放弃', () => call('sync.discardDownload', { kind: d.kind }), () => `已放弃本次${d.label}下载，保留本机数据`)}>放弃本次下载</button>
                  </div>
                ) : <p className="muted small">需要主管登录后确认或放弃。</p>}
              </div>
            )}
          </div>
        ))}
      </div>

      <div className="panel" role="region" aria-label="对账">
        <h3>每日对账（3201 总账 / 3202 明细）</h3>
        <div className="actions">
          <label>对账日期 <input type="date" value={day} max={today} onChange={(e) => setDay(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') void reconcile(); }} /></label>
          <button disabled={!!busy} onClick={() => void reconcile()}>对账</button>
          <button disabled={!!busy} onClick={() => void reconcileDetail()} title="上传当日结算明细（9101），对明细账（3202），下载结果文件（9102）">明细对账</button>
        </div>
        {days.length === 0 ? <p className="muted">尚无对账记录。每日应对前一日的结算对账，上月须于次月 3 日前对平（004 第四十一条）。</p> : days.map((d) => (
          <div key={d.day} className="sync-day">
            <h4>{d.day} <span className={`badge ${d.balanced ? 'sync-ok' : 'sync-bad'}`}>{d.balanced ? '平' : '不平'}</span> <span className="small muted">对账时间 {time(d.at)}</span></h4>
            <table className="grid">
              <thead><tr><th>险种</th><th>笔数</th><th>医疗费总额</th><th>基金支付</th><th>个人账户</th><th>结果</th><th>经办机构说明</th></tr></thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.insutype}>
                    <td>{r.insutypeLabel}</td><td>{r.localCount}</td><td className="num">{yuan(r.localMedfee)}</td><td className="num">{yuan(r.localFund)}</td><td className="num">{yuan(r.localAcct)}</td>
                    <td className={r.stmtRslt === '0' ? 'ok-text' : 'error'}>{r.stmtRslt === '0' ? '平' : '不平'}</td><td className="small">{r.stmtRsltDscr ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.rows.filter((r) => r.insutype === '').flatMap((r) => r.differences).length > 0 && (
              <ul className="sync-diffs">
                {d.rows.filter((r) => r.insutype === '').flatMap((r) => r.differences).map((x) => (
                  <li key={x.settlementId}>{x.kind === 'reversal' ? '结算撤销' : '结算'} #{x.settlementId}（{yuan(x.medfeeSumamt)} 元）：{x.reason}</li>
                ))}
              </ul>
            )}
            {d.detail && <DetailReconciliation detail={d.detail} day={d.day} supervisor={supervisor} busy={!!busy} run={async (label, fn, done) => {
              await run(label, fn, done);
              setDays(await call('sync.reconciliations', {}).catch(() => days));
            }} />}
          </div>
        ))}
      </div>

      {busy && <p className="progress" role="status"><span className="spinner" aria-hidden /> 正在{busy}…</p>}
      {note && <p role="status" className={note.error ? 'notice error' : 'notice'}>{note.text}</p>}
    </section>
  );
}
