import { resendSettlement } from '../../sync/detailResend.ts';
import { refusalAdvice } from '../../../shared/agency/refusalAdvice.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import {
  listRejected, nextDueAt, recentReversals, outboxDepth, queueByInfno, recentResends, rejectedRows, replaceRejected, resendRejected, resolveRejected,
  type FieldChange, type OutboxRow, type ResendRecord,
} from '../../../db/repos/outbox.ts';
import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { syncHooks } from '../../sync/hooks.ts';
import { agencyTextSummary } from '../../sync/agencyText.ts';
import { newEnvelope } from '../agencyLink.ts';
import { codeLabel, type Dictionaries } from '../../../shared/codes.ts';
import { currentDictionaries } from '../dictionaryLabels.ts';
import { addDays, todayCST } from '../../../shared/dates.ts';
import { requestFullDownload } from '../../sync/nationalCatalogue.ts';
import { infnoLabel, type DetailReconciliationView, type DownloadKind, type ReconciliationDayView, type SyncDownloadView, type SyncResendView, type syncApi } from '../../../shared/api/sync.ts';
import { deadlines, reconcileDay, reconciliations, type ReconciliationDay } from '../../sync/reconcile.ts';
import { reconcileDetail, type DetailRun } from '../../sync/detailReconcile.ts';
import { noteDifference, reverseUnmatched } from '../../sync/detailResolve.ts';
import { lastSyncSuccess } from '../../sync/outboxWorker.ts';
import type { ReferenceStatus } from '../../sync/referenceDownloads.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';

const KIND_LABEL: Record<DownloadKind, string> = { catalogue: '就医地目录', policies: '参保地待遇政策', national: '国家目录文件' };

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

function detailView(r: DetailRun): DetailReconciliationView {
  const { id: _id, day: _day, ...rest } = r;
  return rest;
}

function dayView(d: ReconciliationDay, dicts?: Dictionaries): ReconciliationDayView {
  return {
    day: d.day,
    at: d.at,
    balanced: d.balanced,
    rows: d.rows.map((r) => {
      const scheme = r.insutype === '' ? '全部险种合计' : codeLabel('insutype', r.insutype, dicts, r.insutype);
      // The visits' rows (clr_type 11) say so; the stays' keep their label as before.
      return { ...r, insutypeLabel: r.clrType === '11' ? `门诊·${scheme}` : scheme };
    }),
    detail: d.detail && detailView(d.detail),
  };
}

/** The leaves of two inputs that differ (path like `mdtrtinfo.adm_diag_dscr`, `diseinfo[0].diag_code`). */
export function inputChanges(before: unknown, after: unknown, path = ''): FieldChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => inputChanges(before[k], after[k], Array.isArray(before) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before: before ?? null, after: after ?? null }];
}

/** Whether 重新发送 builds a new message: the agency refused it (its words are kept) and its module can rebuild it. */
function rebuilds(row: Pick<OutboxRow, 'refusalRaw' | 'infno'>): boolean {
  return row.refusalRaw !== null && syncHooks.hasRebuild(row.infno);
}

function resendView(r: ResendRecord | (Omit<ResendRecord, 'at' | 'by' | 'state'> & { at?: string; state?: ResendRecord['state'] })): SyncResendView {
  return {
    oldMsgid: r.oldMsgid, newMsgid: r.newMsgid, infno: r.infno, label: infnoLabel(r.infno), subject: r.subject,
    refusal: r.refusal, changes: r.changes, sent: r.payload !== null && typeof r.payload === 'object' ? (r.payload as RequestEnvelope).input : r.payload,
    at: r.at ?? new Date().toISOString(), state: r.state ?? 'pending',
  };
}

/**
 * 重新发送 of one rejected item (issue 21 point 3). A message the agency refused is rebuilt from the
 * desk's current, corrected state by its module (hooks.ts registerRebuildHandler) and queued as a
 * NEW message (new msgid) in the refused one's place; the refused one stays as history. The same
 * msgid would only get the stored refusal back (and on the national platform, which does not
 * deduplicate, 报文ID重复 — issue 13: a new message after 冲正). A local failure (the desk could
 * not prepare or store) goes again under its msgid: the agency may already hold it.
 */
function resendOne(tx: Tx, row: OutboxRow, who: { clerkId: number; login: string; name: string }): { resent: string; replaced: SyncResendView | null } {
  if (!rebuilds(row)) {
    resendRejected(tx, row.msgid);
    return { resent: row.msgid, replaced: null };
  }
  const old = JSON.parse(row.payload) as RequestEnvelope;
  let input: unknown;
  try {
    input = syncHooks.runRebuild(tx, old);
  } catch (e) {
    throw new ServiceError('REBUILD_FAILED', `报文 ${row.msgid}（${infnoLabel(row.infno)}）无法按当前信息重新生成：${(e as Error).message}`, 'msgid');
  }
  const env = newEnvelope(tx, { login: who.login, name: who.name }, row.infno, input, old.insuplc_admdvs || undefined);
  const changes = inputChanges(old.input, env.input);
  const r = replaceRejected(tx, row.msgid, { msgid: env.msgid, payload: env, changes, by: who.clerkId });
  if (!r) throw new ServiceError('NOT_REJECTED', `报文 ${row.msgid} 不在被拒列表中（可能已重新发送或已处理）`, 'msgid');
  return { resent: row.msgid, replaced: resendView({ ...r, payload: env }) };
}

/** The sync screen: outbox, downloads, reconciliation, deadlines (issue 6). */
export function syncHandlers(desk: DeskParts): HandlersFor<keyof typeof syncApi> {
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
          msgid: r.msgid, infno: r.infno, label: infnoLabel(r.infno), orderKey: r.orderKey, subject: r.subject, attempts: r.attempts,
          message: r.lastError ?? '（无说明）', createdAt: r.createdAt, waitingBehind: r.waitingBehind,
          rebuilds: rebuilds({ refusalRaw: r.refusedByAgency ? '' : null, infno: r.infno }),
          advice: refusalAdvice(r.infno, r.lastError ?? ''),
        })),
        resends: recentResends(db).map(resendView),
        reversals: recentReversals(db).map((v) => ({
          itemMsgid: v.itemMsgid, infno: v.infno, label: infnoLabel(v.infno), omsgid: v.omsgid, reversalMsgid: v.reversalMsgid,
          outcome: v.outcome, reason: v.reason, errMsg: v.errMsg, nextMsgid: v.nextMsgid, at: v.at,
        })),
        lastSuccessAt: lastSyncSuccess(db),
        lastError: w.lastError === null ? null : agencyTextSummary(w.lastError),
        nextAttemptAt: nextDueAt(db),
        progress: w.progress && { ...w.progress },
        downloads: (['catalogue', 'national', 'policies'] as const).map((k) => downloadView(desk.reference.status(k))),
      };
    },
    'sync.resend': ({ msgid, all }, ctx) => {
      const s = ctx.session!;
      const out = desk.db.transaction((tx) => {
        const rows = all ? rejectedRows(tx) : rejectedRows(tx).filter((r) => r.msgid === msgid);
        if (!all && rows.length === 0) throw new ServiceError('NOT_REJECTED', `报文 ${msgid} 不在被拒列表中（可能已重新发送或已处理）`, 'msgid');
        const done = rows.map((r) => resendOne(tx, r, { clerkId: s.clerkId, login: s.login, name: s.name }));
        const replaced = done.flatMap((d) => (d.replaced ? [d.replaced] : []));
        appendAudit(tx, {
          clerkId: s.clerkId, action: 'sync.resend', entity: 'outbox', entityId: all ? 'all' : msgid,
          detail: { msgids: done.map((d) => d.resent), replaced: replaced.map((r) => ({ old: r.oldMsgid, new: r.newMsgid, refusal: r.refusal, changes: r.changes })) },
        });
        return { resent: done.map((d) => d.resent), replaced };
      });
      desk.syncWorker.notify();
      return out;
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
    'sync.downloadNational': ({ wait, full }, ctx) => {
      if (full) desk.db.transaction((tx) => requestFullDownload(tx));
      return download('national', wait, ctx.session!.clerkId);
    },
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
      return dayView(r, currentDictionaries(desk.db));
    },
    'sync.reconcileDetail': async ({ day }, ctx) => {
      const s = ctx.session!;
      return detailView(await reconcileDetail(() => desk.db, desk.agency(), day, { clerkId: s.clerkId, login: s.login, name: s.name }, { trigger: 'request' }));
    },
    'sync.reverseUnmatched': async (input, ctx) => {
      const s = ctx.session!;
      return reverseUnmatched(() => desk.db, desk.agency(), input, { clerkId: s.clerkId, login: s.login, name: s.name });
    },
    'sync.noteDifference': (input, ctx) => noteDifference(desk.db, input, ctx.session!.clerkId),
    'sync.resendSettlement': (input, ctx) => {
      const s = ctx.session!;
      return resendSettlement(desk, input, { clerkId: s.clerkId, login: s.login, name: s.name });
    },
    'sync.reconciliations': ({ from, to }) => {
      const today = todayCST();
      const dicts = currentDictionaries(desk.db);
      return reconciliations(desk.db, from ?? addDays(today, -40), to ?? today).map((d) => dayView(d, dicts));
    },
    'sync.deadlines': () => deadlines(desk.db).map((d) => ({ ...d })),
  };
}

