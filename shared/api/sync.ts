import { z } from 'zod';
import { calendarDate } from '../dates.ts';
import { empty, method } from './contract.ts';
import type { DetailDifference } from '../detailReconciliation.ts';

/** The sync screen's view of the outbox, downloads, reconciliation and deadlines (issue 6). */

/** Names of the transactions the desk sends, for the queue by kind. */
export const INFNO_LABEL: Record<string, string> = {
  '9001': '签到', '1101': '人员信息获取', '2401': '入院办理', '2402': '出院办理', '2403': '入院信息变更', '2404': '入院撤销', '2405': '出院撤销',
  '2301': '费用明细上传', '2302': '费用明细撤销', '2303': '预结算', '2304': '住院结算', '2305': '结算撤销', '2601': '冲正',
  '2501': '转院备案', '2507': '意外伤害备案', '3201': '对总账', '3202': '对明细账', '3203': '清算申请', '3204': '清算撤销',
};

export function infnoLabel(infno: string): string {
  return INFNO_LABEL[infno] ?? `交易 ${infno}`;
}

export interface SyncQueueKind {
  infno: string;
  label: string;
  pending: number;
  /** Answered once, waiting for the confirming repeat. */
  /** Outcome unknown, waiting for its 2601 冲正. */
  awaitingReversal: number;
  rejected: number;
  oldestAt: string;
}

export interface SyncRejectedItem {
  msgid: string;
  infno: string;
  label: string;
  orderKey: string;
  attempts: number;
  /** The agency's own message (or the desk's, for a local failure). */
  message: string;
  createdAt: string;
  /** What it is about (`adm:<id>`…); the queue orders a stay's messages by person. */
  subject: string;
  /** Messages of the same person waiting behind it. */
  waitingBehind: number;
  /** What the clerk can do about it, when the desk recognises the refusal (with its article). */
  advice: string | null;
  /** 重新发送 builds a new message from the corrected state (true), or sends this one again (false: a local failure, or a kind the desk cannot rebuild). */
  rebuilds: boolean;
}

export interface SyncFieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** A refused message put right by a new one (issue 21 point 3): what was wrong, what changed, what was sent. */
export interface SyncResendView {
  oldMsgid: string;
  newMsgid: string;
  infno: string;
  label: string;
  subject: string;
  /** The agency's refusal of the old message (short Chinese summary). */
  refusal: string;
  changes: SyncFieldChange[];
  /** The new message's input as queued. */
  sent: unknown;
  at: string;
  state: 'pending' | 'rejected' | 'delivered';
}

/** national: the platform's catalogue files and paged queries (docs/catalogue.md). */
export type DownloadKind = 'catalogue' | 'policies' | 'national';

export interface SyncDownloadView {
  kind: DownloadKind;
  label: string;
  state: 'idle' | 'downloading' | 'held';
  running: boolean;
  summary: string;
  run: { startedAt: string; pages: number; received: number; total: number | null; lastError: string | null } | null;
  held: { reason: string; at: string; before: number; after: number; removed: number } | null;
  last: { completedAt: string; outcome: 'applied' | 'discarded'; received: number; applied: number; removed: number } | null;
}

export interface SyncStatus {
  online: boolean | null;
  lastContactAt: string | null;
  /** The background worker is running. */
  running: boolean;
  pending: number;
  rejected: number;
  queue: SyncQueueKind[];
  rejectedItems: SyncRejectedItem[];
  /** The latest refused messages replaced by corrected ones, newest first. */
  resends: SyncResendView[];
  /** The latest 2601 冲正 of unknown outcomes, newest first (docs/agency.md). */
  reversals: SyncReversalView[];
  /** When the last message was confirmed by the agency. */
  lastSuccessAt: string | null;
  /** What keeps the queue from moving (offline, key refused…), null when nothing does. */
  lastError: string | null;
  /** When the next retry is due, if items are waiting out a backoff. */
  nextAttemptAt: string | null;
  /** A send in progress: confirmed so far of the current backlog. */
  progress: { done: number; total: number; inFlight: number; startedAt: string } | null;
  downloads: SyncDownloadView[];
}

export interface SyncReversalView {
  itemMsgid: string;
  infno: string;
  label: string;
  /** The msgid whose outcome was unknown. */
  omsgid: string;
  reversalMsgid: string;
  /** not-yet: 原交易不存在 while the original may still be in flight — another 2601 follows, no resend yet. */
  outcome: 'reversed' | 'not-in-effect' | 'refused' | 'not-yet';
  reason: string;
  errMsg: string | null;
  /** The msgid the item went out under next (null when the 冲正 was refused). */
  nextMsgid: string | null;
  at: string;
}

export interface SyncRoundView {
  sent: number;
  confirmed: number;
  /** Sends whose outcome became unknown this round (each is resolved by a 2601 冲正). */
  unknown: number;
  /** 2601 冲正 answered this round (the item goes out again under a new msgid). */
  reversed: number;
  rejected: number;
  retry: number;
  error: string | null;
}

export interface SettlementDifferenceView {
  settlementId: number;
  msgid: string;
  kind: 'settlement' | 'reversal';
  insutype: string;
  medfeeSumamt: string;
  reason: string;
}

export interface ReconciliationRowView {
  /** '' = all schemes together. */
  insutype: string;
  /** 清算类别 of the 3201: 21 the stays, 11 the visits (门诊). */
  clrType: '11' | '21';
  insutypeLabel: string;
  localCount: number;
  localMedfee: string;
  localFund: string;
  localAcct: string;
  stmtRslt: '0' | '1';
  stmtRsltDscr: string | null;
  differences: SettlementDifferenceView[];
}

/** One settlement the 3202 result file shows as 不平, with both sides and what to do (shared/detailReconciliation.ts). */
export interface DetailResolutionView {
  /** resend: 重新结算 — msgid the new 2304, omsgid the void settlement's msgid, note the reason. */
  action: 'reversal' | 'note' | 'resend';
  /** reversal: the 2601 sent, the msgid it named, how it ended (reversed / not-in-effect = 原交易不存在或已冲正 / refused / unknown). */
  msgid: string | null;
  omsgid: string | null;
  outcome: 'reversed' | 'not-in-effect' | 'refused' | 'unknown' | null;
  errMsg: string | null;
  note: string | null;
  at: string;
}

export interface DetailDifferenceView extends DetailDifference {
  kindLabel: string;
  trace: { settlementId: number | null; reversedBy: string | null } | null;
  resolutions: DetailResolutionView[];
}

/** A 3202 run (docs/reconciliation.md): the two files, how many matched, each difference; or why it did not finish. */
export interface DetailReconciliationView {
  at: string;
  trigger: 'unbalanced' | 'request';
  msgid: string | null;
  uploadFileQuryNo: string | null;
  resultFileQuryNo: string | null;
  sentCount: number;
  unsent: number;
  matched: number;
  differences: DetailDifferenceView[];
  error: string | null;
}

export interface ReconciliationDayView {
  day: string;
  at: string;
  balanced: boolean;
  rows: ReconciliationRowView[];
  /** The latest detail reconciliation (3202) of the day: after a 不平 3201, or on request. */
  detail: DetailReconciliationView | null;
}

export interface SyncDeadlineView {
  level: 'info' | 'warning' | 'overdue';
  code: string;
  message: string;
  due: string | null;
  items: string[];
  rule: string;
}

const day = calendarDate;
const kind = z.enum(['catalogue', 'policies', 'national'], '下载类型应为 catalogue、policies 或 national');

export const syncApi = {
  'sync.status': method<SyncStatus>()(empty, 'clerk'),
  /**
   * Rejected item(s) sent again: one, or every rejected item. A message the agency refused is
   * rebuilt from the corrected state as a new message (new msgid) in its place, the old one kept
   * as history (`replaced`); a local failure goes again under its msgid.
   */
  'sync.resend': method<{ resent: string[]; replaced: SyncResendView[] }>()(
    z.strictObject({ msgid: z.string().min(1).optional(), all: z.boolean().optional() }).refine((v) => (v.msgid !== undefined) !== (v.all === true), { message: '请指定一条报文（msgid）或全部（all）', path: ['msgid'] }),
    'clerk',
  ),
  /** A rejected item settled another way: it leaves the queue with the supervisor's note kept as its result. */
  'sync.resolve': method<{ resolved: string }>()(z.strictObject({ msgid: z.string().min(1, '请选择报文'), note: z.string().trim().min(2, '请填写处理说明（至少 2 个字）').max(500) }), 'supervisor'),
  /** Send now: every backoff ends; answers with the round's outcome. */
  'sync.runNow': method<SyncRoundView>()(empty, 'clerk'),
  /** Starts (or joins) the download; `wait` answers when it has ended, else at once (poll sync.status). */
  'sync.downloadCatalogue': method<SyncDownloadView>()(z.strictObject({ wait: z.boolean().default(false) }), 'clerk'),
  /** The national catalogue files 1301–1311, 1313–1315, 1320, 1321 and queries 1312/1316–1319/1901; `full` asks every file from version "0". */
  'sync.downloadNational': method<SyncDownloadView>()(z.strictObject({ wait: z.boolean().default(false), full: z.boolean().default(false) }), 'supervisor'),
  'sync.downloadPolicies': method<SyncDownloadView>()(z.strictObject({ wait: z.boolean().default(false) }), 'clerk'),
  /** A held download (mass-removal fail-safe) applied as it is, after a supervisor checked it. */
  'sync.confirmShrink': method<SyncDownloadView>()(z.strictObject({ kind, confirm: z.literal(true, { error: '请确认应用本次下载' }) }), 'supervisor'),
  'sync.discardDownload': method<SyncDownloadView>()(z.strictObject({ kind }), 'supervisor'),
  /** Daily reconciliation (3201) of one day, per scheme and in total. */
  'sync.reconcile': method<ReconciliationDayView>()(z.strictObject({ day }), 'clerk'),
  /** Detail reconciliation (3202) of one day on request: detail file → 9101 → 3202 → 9102 of the result. */
  'sync.reconcileDetail': method<DetailReconciliationView>()(z.strictObject({ day }), 'clerk'),
  /** 冲正 (2601) of a settlement only the platform holds, with the msgid of the latest 3202 result of the day. */
  'sync.reverseUnmatched': method<DetailResolutionView>()(z.strictObject({ day, setlId: z.string().trim().min(1, '请选择差异结算（结算ID）').max(40, '结算ID过长') }), 'supervisor'),
  /** 重新结算 of a stay's settlement the platform does not hold (本机有、经办机构无): the old one void, a new 2304 queued. */
  'sync.resendSettlement': method<DetailResolutionView>()(z.strictObject({ day, setlId: z.string().trim().min(1, '请选择差异结算（结算ID）').max(40, '结算ID过长') }), 'supervisor'),
  /** A supervisor's note on a difference of the latest 3202 run (amounts differ: the agency's figures taken; a resend arranged). */
  'sync.noteDifference': method<DetailResolutionView>()(
    z.strictObject({ day, setlId: z.string().trim().min(1, '请选择差异结算（结算ID）').max(40, '结算ID过长'), note: z.string().trim().min(2, '请填写处理说明（至少 2 个字）').max(500, '处理说明最多 500 字') }),
    'supervisor',
  ),
  /** The latest reconciliation of each day in a range (default: the last 40 days). */
  'sync.reconciliations': method<ReconciliationDayView[]>()(z.strictObject({ from: day.optional(), to: day.optional() }), 'clerk'),
  'sync.deadlines': method<SyncDeadlineView[]>()(empty, 'clerk'),
} as const;
