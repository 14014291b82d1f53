import type { Db } from '../../../db/open.ts';
import {
  claimItemCount,
  findClaimByEvtId,
  releaseClaimItems,
  settlementIdBySetlId,
  updateClaim,
  upsertDeduction,
  type ClaimRow
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import type { CalendarDate } from '../../../shared/dates.ts';
import { InputError } from '../../../shared/errors.ts';
import { parseAmount, toText } from '../../../shared/money.ts';
import type { AgencyClient } from '../../agency/client.ts';
import { asObject, type JsonObject as Json, readAmount, readText } from '../../../shared/agency/envelope.ts';
import { readMeta, runPagedDownload, type DownloadOutcome, type PagedDownloadSpec } from '../../sync/pagedDownload.ts';
import { BackgroundJob } from '../../sync/repeater.ts';
import { deferralByMsgid } from './deferrals.ts';

/**
 * The clearing download (GET /api/pages/clearing, on the resumable paged-download machinery): the
 * agency's later decisions — claim accepted (已受理) and cleared with the amount paid, deferrals
 * approved or refused, review deductions issued or revoked. Applied idempotently: the whole list
 * comes every time and only what changed is written.
 */

const now = (): string => new Date().toISOString();

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
  const o = asObject(raw);
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

export function applyClearingItem(tx: Tx, item: ClearingItem, counts: ClearingCounts, today: CalendarDate): void {
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
    const d = deferralByMsgid(tx, item.requestMsgid);
    if (!d) {
      counts.unknown++;
      return;
    }
    if (d.decide(tx, item.approved, item.memo, item.decidedAt ?? now())) counts.deferrals++;
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
    amount: toText(parseAmount(item.amount)), reason: item.reason, issuedOn: item.issuedOn, agencyStatus: item.status, decidedOn: item.decidedOn, receivedOn: today, memo: item.memo,
  });
  if (r !== 'same') counts.deductions++;
}

/** The download's spec; `today` dates a decision that arrives without its day. */
export function clearingSpec(today: CalendarDate): PagedDownloadSpec<ClearingItem> {
  return {
    name: 'clearing',
    kind: 'clearing',
    pageSize: 500,
    parseItem: parseClearingItem,
    apply(tx, pages) {
      const counts: ClearingCounts = { claims: 0, deferrals: 0, deductions: 0, unknown: 0 };
      const all: ClearingItem[] = [];
      for (const page of pages) all.push(...page);
      all.sort((a, b) => a.seq - b.seq);
      for (const item of all) applyClearingItem(tx, item, counts, today);
      return { applied: counts.claims + counts.deferrals + counts.deductions, removed: 0 };
    },
  };
}

export function lastClearingDownload(db: Db): { completedAt: string; applied: number } | null {
  const last = readMeta(db, 'clearing').meta.last;
  return last ? { completedAt: last.completedAt, applied: last.applied } : null;
}

/**
 * The clearing download in the background (issue 7: review results and deferral decisions "come
 * back through sync"): soon after sync starts, then every `intervalMs`, while the agency answers.
 * A failure or an offline spell simply waits for the next round; the claim screen's 获取审核结果
 * joins a run under way (`download`) instead of starting a second one.
 */
export class ClearingRefresher extends BackgroundJob {
  private inFlight: Promise<DownloadOutcome> | null = null;

  constructor(
    private readonly getDb: () => Db,
    private readonly client: () => AgencyClient,
    private readonly online: () => boolean | null,
    private readonly today: () => CalendarDate,
  ) {
    super('[clearing] 清算信息下载失败', { intervalMs: 10 * 60_000, firstDelayMs: 45_000 });
  }

  /** Runs the download now for `clerkId` (null: the background); a second call while one runs joins it. */
  download(clerkId: number | null): Promise<DownloadOutcome> {
    this.inFlight ??= runPagedDownload(this.getDb, this.client(), clearingSpec(this.today()), { clerkId }).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async runOnce(): Promise<DownloadOutcome | null> {
    if (this.online() === false) return null;
    return this.download(null);
  }
}
