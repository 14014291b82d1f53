import type { Db } from '../../db/open.ts';
import {
  agencyFiguresOfClaims,
  answerDeduction,
  attachClaimItems,
  claimItemRows,
  claimItemCount,
  decideDeferral,
  findClaimByEvtId,
  findClaimByMsgid,
  findClaimByWithdrawMsgid,
  findDeductionByAnswerMsgid,
  findDeferralByMsgid,
  releaseClaimItems,
  settlementIdBySetlId,
  setlIdsOf,
  updateClaim,
  upsertDeduction,
  type ClaimRow,
} from '../../db/repos/claims.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { todayCST } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { parseAmount, toText, ZERO, type Decimal } from '../../shared/money.ts';
import type { AgencyClient } from '../agency/client.ts';
import { readAmount, readText } from '../agency/envelope.ts';
import { NotReady, registerPrepareHandler, registerRejectedHandler, registerResultHandler } from '../sync/hooks.ts';
import { readMeta, runPagedDownload, type DownloadOutcome, type PagedDownloadSpec } from '../sync/pagedDownload.ts';
import { BackgroundJob } from '../sync/repeater.ts';
import { CLAIM_INFNO, useAgencyFigures } from './claimService.ts';

/**
 * What comes back for the monthly claim:
 * - outbox results (electron/sync/hooks.ts): 3203 → the agency's 清算申请事件ID (clr_appy_evt_id),
 *   3204 → the claim withdrawn and its settlements free again, refusals of either, of a deferral
 *   request (3290) or of an answer to a deduction (3291);
 * - the clearing download (GET /api/pages/clearing, on the resumable paged-download machinery):
 *   the agency's later decisions — claim accepted (已受理) and cleared with the amount paid,
 *   deferrals approved or refused, review deductions issued or revoked. Applied idempotently: the
 *   whole list comes every time and only what changed is written.
 */

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

function itemIdsOf(c: ClaimRow): number[] {
  return JSON.parse(c.itemIds) as number[];
}

const now = (): string => new Date().toISOString();

// ─── 3203 清算申请 ──────────────────────────────────────────────────────────────────────────

registerPrepareHandler(CLAIM_INFNO.claim, (tx, env) => {
  const c = findClaimByMsgid(tx, env.msgid);
  const input = obj(env.input);
  const data = obj(input?.data);
  if (!c || !input || !data) return env;
  const ids = itemIdsOf(c);
  const setl = setlIdsOf(tx, ids);
  const missing = ids.filter((id) => !setl.get(id));
  if (missing.length > 0) throw new NotReady(`${missing.length} 笔结算尚未得到经办机构确认（结算ID），申报待其上传确认后发送`);
  // Their answers came after the supervisor's preview: where the agency computed a settlement
  // differently, the totals approved are not the agency's records, and it would refuse them.
  // The claim is refused here (its items free again) to be previewed and submitted anew.
  const changed = totalsWithAgencyFigures(tx, c);
  if (changed) throw new Error(`提交后经办机构的结算结果与本机计算不一致（${changed}），申报未发送：请重新预览后提交`);
  return { ...env, input: { ...input, data: { ...data, setl_ids: ids.map((id) => setl.get(id)!) } } };
});

/** The claim's totals recomputed with the agency's figures; a description of what differs, or null. */
function totalsWithAgencyFigures(tx: Tx, c: ClaimRow): string | null {
  const rows = claimItemRows(tx, [c.id]);
  const used = useAgencyFigures(agencyFiguresOfClaims(tx, [c.id]), new Map(rows.map((r) => [r.id, r])), new Map());
  if (used.size === 0) return null;
  const sum = (f: (r: (typeof rows)[number]) => string) => rows.reduce((a, r) => a.plus(parseAmount(f(r))), ZERO);
  const diffs: string[] = [];
  const cmp = (label: string, approved: string, now: Decimal): void => {
    if (!parseAmount(approved).eq(now)) diffs.push(`${label} ${approved} → ${toText(now)}`);
  };
  cmp('医疗费总额', c.medfeeSumamt, sum((r) => r.medfee));
  cmp('基金申报总额', c.fundAppySum, sum((r) => r.fund));
  cmp('个人账户支出', c.acctPay, sum((r) => r.acct));
  cmp('现金支付', c.cashPayamt, sum((r) => r.cash));
  return diffs.length > 0 ? diffs.join('；') : null;
}

registerResultHandler(CLAIM_INFNO.claim, (tx, env, response) => {
  const c = findClaimByMsgid(tx, env.msgid);
  const out = obj(response.output);
  const evt = readText(out?.clr_appy_evt_id) ?? readText(obj(out?.data)?.clr_appy_evt_id);
  if (!c || evt === null) return;
  if (c.status === 'refused') {
    // Parked as refused, then resent by a person and accepted: the claim holds its items again.
    attachClaimItems(tx, c.id, itemIdsOf(c));
  }
  updateClaim(tx, c.id, { clrAppyEvtId: evt, status: c.status === 'submitted' || c.status === 'refused' ? 'applied' : c.status, statusAt: now(), agencyMessage: null });
});

registerRejectedHandler(CLAIM_INFNO.claim, (tx, env, message) => {
  const c = findClaimByMsgid(tx, env.msgid);
  if (!c || c.status === 'refused') return;
  // Refused: nothing was declared, so its settlements can go into a corrected claim.
  releaseClaimItems(tx, c.id);
  updateClaim(tx, c.id, { status: 'refused', agencyMessage: message, statusAt: now() });
});

// ─── 3204 清算申请撤销 ──────────────────────────────────────────────────────────────────────

registerPrepareHandler(CLAIM_INFNO.withdraw, (tx, env) => {
  const c = findClaimByWithdrawMsgid(tx, env.msgid);
  const input = obj(env.input);
  const data = obj(input?.data);
  if (!c || !input || !data || readText(data.clr_appy_evt_id) !== null) return env;
  if (!c.clrAppyEvtId) throw new NotReady('清算申请（3203）尚未返回清算申请事件ID');
  return { ...env, input: { ...input, data: { ...data, clr_appy_evt_id: c.clrAppyEvtId } } };
});

registerResultHandler(CLAIM_INFNO.withdraw, (tx, env) => {
  const c = findClaimByWithdrawMsgid(tx, env.msgid);
  if (!c || c.status === 'withdrawn') return;
  releaseClaimItems(tx, c.id);
  updateClaim(tx, c.id, { status: 'withdrawn', statusAt: now() });
});

registerRejectedHandler(CLAIM_INFNO.withdraw, (tx, env, message) => {
  const c = findClaimByWithdrawMsgid(tx, env.msgid);
  if (!c) return;
  updateClaim(tx, c.id, { status: c.status === 'withdrawing' ? (c.clrAppyEvtId ? 'applied' : 'submitted') : c.status, agencyMessage: `撤销未被经办机构受理：${message}`, statusAt: now() });
});

// ─── 3290 延期申报说明 ──────────────────────────────────────────────────────────────────────

registerPrepareHandler(CLAIM_INFNO.deferral, (tx, env) => {
  const input = obj(env.input);
  const data = obj(input?.data);
  if (!input || !data || readText(data.setl_id) !== null) return env;
  const d = findDeferralByMsgid(tx, env.msgid);
  if (!d) return env;
  const setlId = setlIdsOf(tx, [d.settlementId]).get(d.settlementId);
  if (!setlId) throw new NotReady('该结算尚未得到经办机构确认（结算ID），延期说明待其上传后发送');
  return { ...env, input: { ...input, data: { ...data, setl_id: setlId } } };
});

registerRejectedHandler(CLAIM_INFNO.deferral, (tx, env, message) => {
  const d = findDeferralByMsgid(tx, env.msgid);
  if (d) decideDeferral(tx, d.id, false, `经办机构未受理：${message}`, now());
});

// ─── 3291 审核扣款意见 ──────────────────────────────────────────────────────────────────────

registerRejectedHandler(CLAIM_INFNO.review, (tx, env, message) => {
  const d = findDeductionByAnswerMsgid(tx, env.msgid);
  if (!d) return;
  // Not taken: the deduction waits for an answer again, with what the agency said.
  answerDeduction(tx, d.id, { status: 'received', note: `${d.note ?? ''}（经办机构未受理：${message}）`.trim(), at: null, by: null, msgid: null });
});

// ─── The clearing download ──────────────────────────────────────────────────────────────────

export type ClearingItem =
  | { type: 'claim'; seq: number; clrAppyEvtId: string; status: string; statusTime: string | null; paidAmount: string | null; memo: string | null }
  | { type: 'deferral'; seq: number; requestMsgid: string; setlId: string; approved: boolean; decidedAt: string | null; memo: string | null }
  | { type: 'deduction'; seq: number; ddnId: string; clrAppyEvtId: string; setlId: string; amount: string; reason: string; issuedOn: string; status: 'issued' | 'revoked' | 'upheld'; decidedOn: string | null; memo: string | null };

function need(o: Json, field: string, label: string): string {
  const v = readText(o[field]);
  if (v === null) throw new InputError('MISSING_FIELD', `缺少${label}（${field}）`, field);
  return v;
}

/** One feed item as the agency sends it; InputError names the field. */
export function parseClearingItem(raw: unknown): ClearingItem {
  const o = obj(raw);
  if (!o) throw new InputError('INVALID_VALUE', '清算信息条目应为对象', '');
  const seq = typeof o.seq === 'number' ? o.seq : Number(o.seq ?? 0);
  const type = need(o, 'type', '类型');
  if (type === 'claim') {
    const status = need(o, 'status', '清算状态');
    if (!['00', '10', '20', '50'].includes(status)) throw new InputError('INVALID_VALUE', `清算状态（status）应为 00/10/20/50：${status}`, 'status');
    const p = readAmount(o.paid_amount, '实付金额（paid_amount）');
    const paid = p === null ? null : toText(p);
    if (status === '50' && paid === null) throw new InputError('MISSING_FIELD', '已清算的申请缺少实付金额（paid_amount）', 'paid_amount');
    return { type, seq, clrAppyEvtId: need(o, 'clr_appy_evt_id', '清算申请事件ID'), status, statusTime: readText(o.status_time), paidAmount: paid, memo: readText(o.memo) };
  }
  if (type === 'deferral') {
    const status = need(o, 'status', '延期审核结果');
    if (status !== 'approved' && status !== 'refused') throw new InputError('INVALID_VALUE', `延期审核结果（status）应为 approved 或 refused：${status}`, 'status');
    return { type, seq, requestMsgid: need(o, 'request_msgid', '延期说明报文ID'), setlId: need(o, 'setl_id', '结算ID'), approved: status === 'approved', decidedAt: readText(o.decided_at), memo: readText(o.memo) };
  }
  if (type === 'deduction') {
    const amount = readAmount(o.amount, '扣款金额（amount）');
    if (amount === null || !amount.gt(0)) throw new InputError('INVALID_AMOUNT', `扣款金额（amount）应为正数：${String(o.amount)}`, 'amount');
    const status = need(o, 'status', '扣款状态');
    if (status !== 'issued' && status !== 'revoked' && status !== 'upheld') throw new InputError('INVALID_VALUE', `扣款状态（status）应为 issued、revoked 或 upheld：${status}`, 'status');
    // The day of the agency's decision decides which period an agreed dispute enters (004 第五十条).
    const decided = readText(o.decided_on);
    const decidedOn = decided === null ? null : decided.slice(0, 10);
    if (decidedOn !== null && !/^\d{4}-\d{2}-\d{2}$/.test(decidedOn)) throw new InputError('INVALID_DATE', `扣款处理日期（decided_on）应为 YYYY-MM-DD：${decided}`, 'decided_on');
    return {
      type, seq, ddnId: need(o, 'ddn_id', '扣款编号'), clrAppyEvtId: need(o, 'clr_appy_evt_id', '清算申请事件ID'), setlId: need(o, 'setl_id', '结算ID'),
      amount: toText(amount), reason: need(o, 'reason', '扣款原因'), issuedOn: (readText(o.issued_on) ?? '').slice(0, 10), status,
      decidedOn: status === 'issued' ? null : decidedOn, memo: readText(o.memo),
    };
  }
  throw new InputError('INVALID_VALUE', `未知的清算信息类型（type）：${type}`, 'type');
}

/** Claim states in the order they can follow one another; a download never moves a claim back. */
const RANK: Record<ClaimRow['status'], number> = { submitted: 0, refused: 0, applied: 1, withdrawing: 1, accepted: 2, cleared: 3, withdrawn: 4 };

export interface ClearingCounts {
  claims: number;
  deferrals: number;
  deductions: number;
  /** Items about claims or settlements this desk does not know (another desk's, or not yet confirmed here). */
  unknown: number;
}

export function applyClearingItem(tx: Tx, item: ClearingItem, counts: ClearingCounts): void {
  if (item.type === 'claim') {
    const c = findClaimByEvtId(tx, item.clrAppyEvtId);
    if (!c) {
      counts.unknown++;
      return;
    }
    const at = item.statusTime ?? now();
    if (item.status === '00') {
      if (c.status === 'withdrawn') return;
      if (claimItemCount(tx, c.id) > 0) releaseClaimItems(tx, c.id);
      updateClaim(tx, c.id, { status: 'withdrawn', statusAt: at });
      counts.claims++;
      return;
    }
    const target: ClaimRow['status'] | null = item.status === '20' ? 'accepted' : item.status === '50' ? 'cleared' : null;
    if (target === null || c.status === 'withdrawn' || RANK[target] <= RANK[c.status]) return;
    updateClaim(tx, c.id, { status: target, statusAt: at, ...(target === 'cleared' ? { paidAmount: item.paidAmount } : {}) });
    counts.claims++;
    return;
  }
  if (item.type === 'deferral') {
    const d = findDeferralByMsgid(tx, item.requestMsgid);
    if (!d) {
      counts.unknown++;
      return;
    }
    if (decideDeferral(tx, d.id, item.approved, item.memo, item.decidedAt ?? now())) counts.deferrals++;
    return;
  }
  const c = findClaimByEvtId(tx, item.clrAppyEvtId);
  if (!c) {
    counts.unknown++;
    return;
  }
  // A decision without its day is dated the day it arrives (upsertDeduction): the day decides
  // the period it enters (004 第五十条), and it cannot have been later than that.
  const r = upsertDeduction(tx, {
    agencyId: item.ddnId, claimId: c.id, settlementId: settlementIdBySetlId(tx, item.setlId) ?? null, setlId: item.setlId,
    amount: toText(parseAmount(item.amount)), reason: item.reason, issuedOn: item.issuedOn, agencyStatus: item.status, decidedOn: item.decidedOn, receivedOn: todayCST(), memo: item.memo,
  });
  if (r !== 'same') counts.deductions++;
}

export const clearingSpec: PagedDownloadSpec<ClearingItem> = {
  name: 'clearing',
  kind: 'clearing',
  pageSize: 500,
  parseItem: parseClearingItem,
  apply(tx, pages) {
    const counts: ClearingCounts = { claims: 0, deferrals: 0, deductions: 0, unknown: 0 };
    const all: ClearingItem[] = [];
    for (const page of pages) all.push(...page);
    all.sort((a, b) => a.seq - b.seq);
    for (const item of all) applyClearingItem(tx, item, counts);
    return { applied: counts.claims + counts.deferrals + counts.deductions, removed: 0 };
  },
};

const running = new WeakMap<object, Promise<DownloadOutcome>>();

/** Runs the clearing download for a desk's database; a second call while one runs joins it. */
export function downloadClearing(getDb: () => Db, client: AgencyClient, clerkId: number | null, key: object): Promise<DownloadOutcome> {
  const busy = running.get(key);
  if (busy) return busy;
  const p = runPagedDownload(getDb, client, clearingSpec, { clerkId }).finally(() => running.delete(key));
  running.set(key, p);
  return p;
}

export function lastClearingDownload(db: Db): { completedAt: string; applied: number } | null {
  const last = readMeta(db, 'clearing').meta.last;
  return last ? { completedAt: last.completedAt, applied: last.applied } : null;
}

/**
 * The clearing download in the background (issue 7: review results and deferral decisions "come
 * back through sync"): soon after sync starts, then every `intervalMs`, while the agency answers.
 * A failure or an offline spell simply waits for the next round; the claim screen's 获取审核结果
 * joins a run under way instead of starting a second one.
 */
export class ClearingRefresher extends BackgroundJob {
  constructor(
    private readonly getDb: () => Db,
    private readonly client: () => AgencyClient,
    private readonly key: object,
    private readonly online: () => boolean | null,
  ) {
    super('[clearing] 清算信息下载失败', { intervalMs: 10 * 60_000, firstDelayMs: 45_000 });
  }

  async runOnce(): Promise<DownloadOutcome | null> {
    if (this.online() === false) return null;
    return downloadClearing(this.getDb, this.client(), null, this.key);
  }
}
