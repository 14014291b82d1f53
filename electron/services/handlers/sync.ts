import { appendAudit } from '../../../db/repos/audit.ts';
import { listRejected, nextDueAt, outboxDepth, queueByInfno, resendRejected, resolveRejected } from '../../../db/repos/outbox.ts';
import { INSUTYPE } from '../../../shared/codes.ts';
import { addDays, todayCST } from '../../../shared/dates.ts';
import { infnoLabel, type DownloadKind, type ReconciliationDayView, type SyncDownloadView, type syncApi } from '../../../shared/api/sync.ts';
import { deadlines, reconcileDay, reconciliations, type ReconciliationDay } from '../../sync/reconcile.ts';
import { lastSyncSuccess } from '../../sync/outboxWorker.ts';
import type { ReferenceStatus } from '../../sync/referenceDownloads.ts';
import type { Desk, HandlersFor } from '../desk.ts';
import { ServiceError } from '../errors.ts';

const KIND_LABEL: Record<DownloadKind, string> = { catalogue: '就医地目录', policies: '参保地待遇政策' };

function downloadView(s: ReferenceStatus): SyncDownloadView {
  return {
    kind: s.kind,
    label: KIND_LABEL[s.kind],
    state: s.state,
    running: s.running,
    summary: s.summary,
    run: s.run && { startedAt: s.run.startedAt, pages: s.run.pages, received: s.run.received, total: s.run.total, lastError: s.run.lastError },
    held: s.held && { reason: s.held.reason, at: s.held.at, before: s.held.facts.before ?? 0, after: s.held.facts.after ?? 0, removed: s.held.facts.removed ?? 0 },
    last: s.last && { completedAt: s.last.completedAt, outcome: s.last.outcome, received: s.last.received, applied: s.last.applied, removed: s.last.removed },
  };
}

function dayView(d: ReconciliationDay): ReconciliationDayView {
  return {
    day: d.day,
    at: d.at,
    balanced: d.balanced,
    rows: d.rows.map((r) => ({ ...r, insutypeLabel: r.insutype === '' ? '全部险种合计' : (INSUTYPE as Record<string, string>)[r.insutype] ?? r.insutype })),
  };
}

/** The sync screen: outbox, downloads, reconciliation, deadlines (issue 6). */
export function syncHandlers(desk: Desk): HandlersFor<keyof typeof syncApi> {
  const download = async (kind: DownloadKind, wait: boolean, clerkId: number): Promise<SyncDownloadView> => {
    const job = desk.reference.download(kind, { clerkId });
    if (wait) {
      const outcome = await job;
      if (outcome.status === 'invalid') throw new ServiceError('INVALID_DOWNLOAD', outcome.error, kind);
    } else {
      job.catch((e: unknown) => console.error(`[${kind}] 下载失败：${(e as Error).message}`));
    }
    return downloadView(desk.reference.status(kind));
  };
  return {
    'sync.status': () => {
      const db = desk.db;
      const w = desk.syncWorker;
      const depth = outboxDepth(db);
      return {
        online: desk.connectivity.online,
        lastContactAt: desk.connectivity.lastContactAt,
        running: w.running,
        pending: depth.pending,
        rejected: depth.rejected,
        queue: queueByInfno(db).map((q) => ({ ...q, label: infnoLabel(q.infno) })),
        rejectedItems: listRejected(db).map((r) => ({
          msgid: r.msgid, infno: r.infno, label: infnoLabel(r.infno), orderKey: r.orderKey, attempts: r.attempts,
          message: r.lastError ?? '（无说明）', createdAt: r.createdAt, waitingBehind: r.waitingBehind,
        })),
        lastSuccessAt: lastSyncSuccess(db),
        lastError: w.lastError,
        nextAttemptAt: nextDueAt(db),
        progress: w.progress && { ...w.progress },
        downloads: (['catalogue', 'policies'] as const).map((k) => downloadView(desk.reference.status(k))),
      };
    },
    'sync.resend': ({ msgid, all }, ctx) => {
      const resent = desk.db.transaction((tx) => {
        const ids = resendRejected(tx, all ? null : msgid!);
        if (!all && ids.length === 0) throw new ServiceError('NOT_REJECTED', `报文 ${msgid} 不在被拒列表中（可能已重新发送或已处理）`, 'msgid');
        appendAudit(tx, { clerkId: ctx.session!.clerkId, action: 'sync.resend', entity: 'outbox', entityId: all ? 'all' : msgid, detail: { msgids: ids } });
        return ids;
      });
      desk.syncWorker.notify();
      return { resent };
    },
    'sync.resolve': ({ msgid, note }, ctx) => {
      desk.db.transaction((tx) => {
        const row = resolveRejected(tx, msgid, { by: ctx.session!.clerkId, note });
        if (!row) throw new ServiceError('NOT_REJECTED', `报文 ${msgid} 不在被拒列表中`, 'msgid');
        appendAudit(tx, { clerkId: ctx.session!.clerkId, action: 'sync.resolve', entity: 'outbox', entityId: msgid, detail: { infno: row.infno, orderKey: row.orderKey, error: row.lastError, note, payload: JSON.parse(row.payload) as unknown } });
      });
      desk.syncWorker.notify();
      return { resolved: msgid };
    },
    'sync.runNow': async () => {
      const r = await desk.syncWorker.runNow();
      return { ...r };
    },
    'sync.downloadCatalogue': ({ wait }, ctx) => download('catalogue', wait, ctx.session!.clerkId),
    'sync.downloadPolicies': ({ wait }, ctx) => download('policies', wait, ctx.session!.clerkId),
    'sync.confirmShrink': ({ kind }, ctx) => {
      desk.reference.confirm(kind, ctx.session!.clerkId);
      return downloadView(desk.reference.status(kind));
    },
    'sync.discardDownload': ({ kind }, ctx) => {
      desk.reference.discard(kind, ctx.session!.clerkId);
      return downloadView(desk.reference.status(kind));
    },
    'sync.reconcile': async ({ day }, ctx) => {
      const s = ctx.session!;
      const r = await reconcileDay(() => desk.db, desk.agency(), day, { clerkId: s.clerkId, login: s.login, name: s.name });
      return dayView(r);
    },
    'sync.reconciliations': ({ from, to }) => {
      const today = todayCST();
      return reconciliations(desk.db, from ?? addDays(today, -40), to ?? today).map(dayView);
    },
    'sync.deadlines': () => deadlines(desk.db).map((d) => ({ ...d })),
  };
}

