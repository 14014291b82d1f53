import { createHash } from 'node:crypto';
import { appendAudit } from '../../db/repos/audit.ts';
import {
  answerDeduction,
  claimItemFunds,
  claimItemRows,
  claimsOfPeriod,
  claimSourceFunds,
  claimSourceRow,
  claimEngineRows,
  deductionList,
  deferralList,
  findClaim,
  findDeduction,
  insertClaim,
  insertDeferral,
  releaseClaimItems,
  LIVE_CLAIM_STATUSES,
  monthlyDirectShare,
  monthlyFundTotals,
  deductionsOfClaims,
  agencyFiguresBetween,
  reversalsOfUnclaimed,
  agencyFiguresOfClaims,
  type AgencyFigures,
  openDisputes,
  unansweredDeductionCount,
  updateClaim,
  type ClaimRow,
  settlementPersons,
  type ClaimEngineRow,
  type SettlementPerson,
  type FundAmountRow,
} from '../../db/repos/claims.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution, getSetting } from '../../db/repos/institution.ts';
import { cancelUnsent, enqueueMessage, findOutboxItem } from '../../db/repos/outbox.ts';
import {
  buildClaim,
  claimCalendar,
  decideItem,
  dueNotices,
  national3203Input,
  orphanReversalWarning,
  type ClaimCalendarPolicy,
  type ClaimInput,
  type ClaimLine,
  type ClaimPolicy,
  type ClaimReason,
  type ClaimResult,
  type ClaimSettlement,
} from '../../shared/claim.ts';
import type { TableItem, TableRefund } from '../../shared/claimTables.ts';
import type {
  ClaimItemView as ItemView,
  ClaimLineView as LineView,
  ClaimOverview as OverviewView,
  ClaimPreview as PreviewView,
  DeferralItem as DeferralView,
  MonthFigure,
  ReviewDeduction as DeductionView,
  SubmittedClaim as ClaimView,
} from '../../shared/api/claim.ts';
import { FUND_PAY_TYPE, INSUTYPE, nameOf } from '../../shared/codes.ts';
import { addPeriods, daysBetween, daysInMonth, monthOf, splitDate, todayCST, formatYmd, type CalendarDate } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { Decimal, formatYuan, fromFen, parseAmount, toText, ZERO } from '../../shared/money.ts';
import { decideDeduction, reviewCutoffOf } from '../../shared/reviewDisputes.ts';
import { readSettlement } from '../agency/envelope.ts';
import { newEnvelope } from './agencyLink.ts';
import { deductionsCountingIn, factOf, lineKey, tableRefunds } from './claimDeductions.ts';
import type { Desk } from './desk.ts';
import { ServiceError } from './errors.ts';

/**
 * The monthly claim (清算申报, DOMAIN §9; 004 第四十九条–第五十三条) on the desk's database:
 * the engine of shared/claim.ts (buildClaim, decideItem, national3203Input, claimCalendar,
 * dueNotices — the same functions the `claim` CLI runs) fed with the settlements, reversals,
 * earlier declarations (claim_items) and deferrals stored here; submission and withdrawal
 * (3203 / 3204), deferral requests (3290) and answers to review deductions (3291) written to the
 * outbox in the same transaction as their rows. What the agency sends back arrives through the
 * outbox results (electron/services/claimSync.ts) and the clearing download.
 */

/** Transaction codes. 3203/3204 are national; 3290/3291 are desk extensions (no national code found). */
export const CLAIM_INFNO = { claim: '3203', withdraw: '3204', deferral: '3290', review: '3291' } as const;

export const SCOPE_LABEL: Record<'cross' | 'in', string> = { cross: '跨省', in: '省内异地' };

export const STATUS_LABEL: Record<ClaimRow['status'], string> = {
  submitted: '待上传',
  applied: '已申请',
  accepted: '已受理',
  cleared: '已清算',
  withdrawing: '撤销中',
  withdrawn: '已撤销',
  refused: '被退回',
};

export interface Opter {
  clerkId: number;
  login: string;
  name: string;
}

// ─── The office's calendar day ──────────────────────────────────────────────────────────────

const clocks = new WeakMap<Desk, () => CalendarDate>();

/**
 * Pins the calendar day the claim services of one desk see (tests and the e2e journey walk a
 * month's clearing in minutes); null goes back to today in China Standard Time.
 */
export function setClaimClock(desk: Desk, today: (() => CalendarDate) | null): void {
  if (today) clocks.set(desk, today);
  else clocks.delete(desk);
}

export function claimToday(desk: Desk): CalendarDate {
  return clocks.get(desk)?.() ?? todayCST();
}

/** Where each clearing policy value is kept in settings (the settings screen writes them). */
export const CLAIM_POLICY_KEYS = {
  claimWindowEndDay: 'claim.windowEndDay',
  maxDeferralMonths: 'claim.maxDeferralMonths',
  reviewCutoffDay: 'claim.reviewCutoffDay',
  confirmationDay: 'claim.confirmationDay',
  directShareTarget: 'claim.directShareTarget',
} as const;

/** 003: the share of discharges settled directly the office aims at (percent), setting `claim.directShareTarget` (70). */
export function directShareTarget(db: Tx): number {
  const v = getSetting(db, CLAIM_POLICY_KEYS.directShareTarget);
  return v !== undefined && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? Number(v) : 70;
}

/** The policy values of DOMAIN §12 the claim uses: settings `claim.windowEndDay` (5) and `claim.maxDeferralMonths` (2). */
export function claimPolicy(db: Tx): ClaimPolicy & Required<Pick<ClaimCalendarPolicy, 'reviewCutoffDay' | 'confirmationDay'>> {
  const int = (key: string, fallback: number): number => {
    const v = getSetting(db, key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
  };
  return {
    claimWindowEndDay: int('claim.windowEndDay', 5),
    maxDeferralMonths: int('claim.maxDeferralMonths', 2),
    reviewCutoffDay: int('claim.reviewCutoffDay', 20),
    confirmationDay: int('claim.confirmationDay', 25),
  };
}

export function firstDay(period: string): CalendarDate {
  return `${period}-01`;
}

export function lastDay(period: string): CalendarDate {
  const [y, m] = splitDate(firstDay(period));
  return formatYmd(y, m, daysInMonth(y, m));
}

/** The period a desk works on by default: the one whose window is this month (last month's). */
export function defaultPeriod(today: CalendarDate): string {
  return addPeriods(monthOf(today), -1);
}

// ─── Gathering the engine's input ───────────────────────────────────────────────────────────

export interface Gathered {
  period: string;
  today: CalendarDate;
  policy: ReturnType<typeof claimPolicy>;
  input: ClaimInput;
  result: ClaimResult;
  rows: Map<number, ClaimEngineRow>;
  funds: Map<number, FundAmountRow[]>;
  /** Items of the period itself the office asked to defer (request pending or approved): not in this claim. */
  deferred: ClaimEngineRow[];
  /** Settlements whose figures are the agency's (they differ from the desk's computation). */
  agencyFigures: Set<number>;
}

/**
 * Where the agency's settlement differs from the desk's computation (kept beside it, DOMAIN §6;
 * 001 规程 第二十七条: the insured region computes), the claim and its tables use the agency's
 * figures: the clearing is made of its records, and it checks a 3203's totals against them.
 * Rows and fund lists are replaced in place; returns the settlements that took the agency's figures.
 */
export function useAgencyFigures(figures: readonly AgencyFigures[], rows: ReadonlyMap<number, { medfee: string; fund: string; acct: string; cash: string }>, funds: Map<number, FundAmountRow[]>): Set<number> {
  const used = new Set<number>();
  for (const f of figures) {
    const row = rows.get(f.settlementId);
    if (!row) continue;
    let info: ReturnType<typeof readSettlement>;
    try {
      info = readSettlement(JSON.parse(f.body) as Parameters<typeof readSettlement>[0]);
    } catch {
      continue; // an answer that cannot be read was flagged when it arrived; ours stand
    }
    const pick = (field: 'medfee_sumamt' | 'fund_pay_sumamt' | 'acct_pay' | 'psn_cash_pay', ours: string): string => {
      const v = info.amounts[field];
      return v === null ? ours : toText(v);
    };
    row.medfee = pick('medfee_sumamt', row.medfee);
    row.fund = pick('fund_pay_sumamt', row.fund);
    row.acct = pick('acct_pay', row.acct);
    row.cash = pick('psn_cash_pay', row.cash);
    // The agency's fund rows replace ours; an empty list counts only when its funds paid nothing
    // (an answer without setldetail says nothing about the funds).
    if (f.funds.length > 0 || info.amounts.fund_pay_sumamt?.isZero() === true) funds.set(f.settlementId, f.funds);
    used.add(f.settlementId);
  }
  return used;
}

function groupFunds(funds: readonly FundAmountRow[]): Map<number, FundAmountRow[]> {
  const out = new Map<number, FundAmountRow[]>();
  for (const f of funds) {
    const list = out.get(f.settlementId);
    if (list) list.push(f);
    else out.set(f.settlementId, [f]);
  }
  return out;
}

/**
 * The settlements the claim of `period` looks at, as the `claim` input of CLI.md: the period, the earlier periods a deferral can still
 * reach (and the one just beyond), older reversals not yet declared, with claimedIn from
 * claim_items and the latest deferral.
 */
export function claimInputOf(db: Tx, period: string, today: CalendarDate, policy: ClaimPolicy): { input: ClaimInput; rows: Map<number, ClaimEngineRow>; funds: Map<number, FundAmountRow[]>; deferred: ClaimEngineRow[]; agencyFigures: Set<number> } {
  // One period beyond the deferral limit, so the items that just ran out of it are listed as lapsed.
  const from = firstDay(addPeriods(period, -policy.maxDeferralMonths - 1));
  const to = lastDay(period);
  const all = claimEngineRows(db, from, to);
  const funds = groupFunds(claimSourceFunds(db, from, to));
  const rows = new Map(all.map((r) => [r.id, r]));
  const agencyFigures = useAgencyFigures(agencyFiguresBetween(db, from, to), rows, funds);
  // A deferral request says "this item cannot be declared in time" (004 第四十九条): an item of the
  // period itself with a request pending or approved stays out of the period's claim and may join
  // a later one once approved (shared/claim.ts DEFERRED). A refused request puts it back.
  const deferred = all.filter((r) => r.claimId === null && monthOf(r.settledOn) === period && r.deferralOn !== null && r.deferralApproved !== 0);
  const out = new Set(deferred.map((r) => r.id));
  const list = out.size === 0 ? all : all.filter((r) => !out.has(r.id));
  // The engine's input built straight from the stored rows: the database already guarantees what
  // parseClaimInput checks on a JSON file (unique ids, one reversal per settlement), and on a
  // 20,000-settlement month its validation would cost more than the claim. Amounts still go
  // through parseAmount; equal texts share one (immutable) Decimal.
  const cache = new Map<string, Decimal>();
  const amount = (text: string, id: number, label: string): Decimal => {
    const hit = cache.get(text);
    if (hit) return hit;
    let d: Decimal;
    try {
      d = parseAmount(text, label);
    } catch (e) {
      if (e instanceof InputError) throw new ServiceError('CLAIM_DATA', `本机结算数据不能组成申报：结算 ${id} 的${e.message}`, 'settlementId');
      throw e;
    }
    cache.set(text, d);
    return d;
  };
  const input: ClaimInput = {
    period,
    today,
    policy: { claimWindowEndDay: policy.claimWindowEndDay, maxDeferralMonths: policy.maxDeferralMonths },
    settlements: list.map((r): ClaimSettlement => ({
      id: String(r.id),
      settledOn: r.settledOn,
      scheme: r.insutype,
      scope: r.scope,
      reversalOf: r.reversalOf === null ? null : String(r.reversalOf),
      claimedIn: r.claimedIn,
      // A request still waiting for the agency is not an approval (shared/claim.ts decideItem).
      deferral: r.deferralOn === null ? null : { requestedOn: r.deferralOn, approved: r.deferralApproved === 1 },
      medfee_sumamt: amount(r.medfee, r.id, '医疗费总额'),
      fund_pay_sumamt: amount(r.fund, r.id, '基金支付总额'),
      acct_pay: amount(r.acct, r.id, '个人账户支出'),
      psn_cash_pay: amount(r.cash, r.id, '个人现金支出'),
      setldetail: (funds.get(r.id) ?? []).map((f) => ({ fund_pay_type: f.fundPayType, fund_payamt: amount(f.amount, r.id, '基金支付金额') })),
    })),
  };
  return { input, rows, funds, deferred, agencyFigures };
}

export function gatherClaim(db: Tx, period: string, today: CalendarDate): Gathered {
  const policy = claimPolicy(db);
  const { input, rows, funds, deferred, agencyFigures } = claimInputOf(db, period, today, policy);
  return { period, today, policy, input, result: buildClaim(input), rows, funds, deferred, agencyFigures };
}

/** What the supervisor saw: the lines' ids and totals. Submit refuses when the claim changed since. */
export function fingerprintOf(result: ClaimResult): string {
  const lines = result.claims.map((c) => [c.scheme, c.scope, c.settlementIds, c.psntime, c.medfee_sumamt, c.fund_appy_sum, c.acct_pay, c.cash_payamt, c.byFund]);
  return createHash('sha256').update(JSON.stringify([result.period, lines])).digest('hex').slice(0, 32);
}

// ─── Views ──────────────────────────────────────────────────────────────────────────────────

const REASON_LABEL: Record<ClaimReason, string> = {
  OWN_PERIOD: '本期结算',
  DEFERRED: '往期结算（延期获准）',
  AFTER_PERIOD: '晚于本期',
  ALREADY_CLAIMED: '已申报',
  NO_DEFERRAL: '未按时申报，未提交延期说明',
  DEFERRAL_NOT_APPROVED: '延期说明未获经办机构认可',
  DEFERRAL_TOO_LATE: '延期说明晚于申报截止日提交',
  DEFERRAL_LIMIT: '已超过最长延期期限',
};


function deferralState(r: ClaimEngineRow): ItemView['deferral'] {
  if (r.deferralOn === null) return null;
  return { requestedOn: r.deferralOn, state: r.deferralApproved === null ? 'pending' : r.deferralApproved === 1 ? 'approved' : 'refused' };
}

function itemView(r: ClaimEngineRow, who: SettlementPerson | undefined, reason: ClaimReason, today: CalendarDate, policy: ClaimPolicy): ItemView {
  const deferUntil = claimCalendar(monthOf(r.settledOn), policy).windowCloses;
  const d = deferralState(r);
  return {
    settlementId: r.id,
    kind: r.kind,
    reversalOf: r.reversalOf,
    settledOn: r.settledOn,
    iptNo: who?.iptNo ?? '',
    psnName: who?.psnName ?? '',
    insutype: r.insutype,
    scope: r.scope,
    medfee: r.medfee,
    fund: r.fund,
    acct: r.acct,
    cash: r.cash,
    setlId: r.setlId,
    reason,
    reasonLabel: REASON_LABEL[reason],
    deferral: d,
    canDefer: r.claimId === null && today <= deferUntil && (d === null || d.state === 'refused'),
    deferUntil,
  };
}


function settledOnById(g: Gathered): Map<string, CalendarDate> {
  return new Map([...g.rows.values()].map((r) => [String(r.id), r.settledOn]));
}

function lineView(g: Gathered, line: ClaimLine, live: readonly ClaimRow[], dates: Map<string, CalendarDate>): LineView {
  return {
    scheme: line.scheme,
    schemeLabel: nameOf(INSUTYPE, line.scheme),
    scope: line.scope,
    scopeLabel: SCOPE_LABEL[line.scope],
    settlementIds: line.settlementIds.map(Number),
    psntime: line.psntime,
    medfee_sumamt: line.medfee_sumamt,
    fund_appy_sum: line.fund_appy_sum,
    acct_pay: line.acct_pay,
    cash_payamt: line.cash_payamt,
    byFund: line.byFund.map((f) => ({ ...f, name: nameOf(FUND_PAY_TYPE, f.fund_pay_type) })),
    national: national3203Input(g.period, line, dates),
    conflictsWith: live.find((c) => c.insutype === line.scheme && c.scope === line.scope)?.id ?? null,
  };
}

/** Items shown on screen per list; the detail list export carries all of them. */
export const ITEM_LIMIT = 300;


function liveClaims(db: Tx, period: string): (ClaimRow & { clerkName: string | null })[] {
  return claimsOfPeriod(db, period).filter((c) => LIVE_CLAIM_STATUSES.includes(c.status));
}

export function previewOf(db: Tx, g: Gathered): PreviewView {
  const { result, policy, today } = g;
  const live = liveClaims(db, g.period);
  const dates = settledOnById(g);
  const lines = result.claims.map((l) => lineView(g, l, live, dates));
  const byId = new Map(g.input.settlements.map((s) => [s.id, s]));
  const ids = result.claims.flatMap((c) => c.settlementIds);
  const shown = ids.slice(0, ITEM_LIMIT);
  const deferredShown = g.deferred.slice(0, ITEM_LIMIT);
  const who = settlementPersons(db, [...shown.map(Number), ...result.lapsed.slice(0, ITEM_LIMIT).map(Number), ...deferredShown.map((r) => r.id)]);
  const items = shown.map((id) => itemView(g.rows.get(Number(id))!, who.get(Number(id)), decideItem(byId.get(id)!, g.period, policy).reason, today, policy));
  const lapsedViews = result.lapsed.slice(0, ITEM_LIMIT).map((id) => {
    const s = byId.get(id)!;
    return itemView(g.rows.get(Number(id))!, who.get(Number(id)), decideItem(s, g.period, policy).reason, today, policy);
  });
  const deferred = deferredShown.map((r) => ({ ...itemView(r, who.get(r.id), 'OWN_PERIOD', today, policy), reasonLabel: r.deferralApproved === 1 ? '延期已获认可，不纳入本期' : '已申请延期，不纳入本期' }));
  const unconfirmed = ids.filter((id) => g.rows.get(Number(id))!.setlId === null).length;
  const warnings = [...result.warnings];
  // The engine warns of a reversal whose original lapsed when the original is among its input;
  // an older original (before the dates the claim looks at) is checked here.
  const olderOriginals = ids.map((id) => g.rows.get(Number(id))!).filter((r) => r.reversalOf !== null && !g.rows.has(r.reversalOf)).map((r) => r.id);
  const orphans = reversalsOfUnclaimed(db, olderOriginals);
  if (orphans.length > 0) warnings.push(orphanReversalWarning(orphans));
  const agencyFigured = ids.filter((id) => g.agencyFigures.has(Number(id))).length;
  if (agencyFigured > 0) warnings.push(`${agencyFigured} 笔结算经办机构的结算结果与本机计算不一致：申报与报表按经办机构结果（清算以经办机构结算记录为准），差异请在“结算”中核对并记录处理意见`);
  if (unconfirmed > 0) warnings.push(`${unconfirmed} 笔结算尚未得到经办机构确认（无结算ID）：申报会在它们上传确认后自动发送`);
  if (g.deferred.length > 0) warnings.push(`${g.deferred.length} 笔本期结算已申请延期申报，不纳入本期申报；经办机构认可后最长可在 ${addPeriods(g.period, policy.maxDeferralMonths)} 期前申报（004 第四十九条）`);
  const pendingDeferrals = lapsedViews.filter((v) => v.deferral?.state === 'pending').length;
  if (pendingDeferrals > 0) warnings.push(`${pendingDeferrals} 笔往期结算的延期说明尚待经办机构答复；获准后可在延期期限内申报`);
  const blockers: string[] = [];
  if (!result.windowOpen) blockers.push(`不在 ${g.period} 期申报窗口内（${claimCalendar(g.period, policy).windowOpens} 至 ${result.windowCloses}，004 第四十九条）`);
  if (lines.length === 0) blockers.push('没有可申报的结算');
  for (const l of lines) {
    if (l.conflictsWith !== null) blockers.push(`${l.schemeLabel}·${l.scopeLabel} 本期已有申报（编号 ${l.conflictsWith}）；如需更正，请先撤销该申报后重新申报`);
  }
  return {
    period: g.period,
    today,
    windowOpen: result.windowOpen,
    windowOpens: claimCalendar(g.period, policy).windowOpens,
    windowCloses: result.windowCloses,
    lines,
    items,
    itemCount: ids.length,
    lapsed: lapsedViews,
    lapsedCount: result.lapsed.length,
    deferred,
    deferredCount: g.deferred.length,
    warnings,
    unconfirmed,
    fingerprint: fingerprintOf(result),
    canSubmit: blockers.length === 0,
    blockers,
  };
}


export function claimView(db: Tx, c: ClaimRow & { clerkName?: string | null }): ClaimView {
  // 审核扣款 of the claim: its own deductions that count (a dispute agreed by the cutoff does not,
  // 004 第五十条), less the previous period's of its scheme × scope agreed later, which it pays
  // back — as the agency pays it. Whether they count depends on the agency's decision days only.
  let deducted = ZERO;
  if (LIVE_CLAIM_STATUSES.includes(c.status)) {
    const counted = deductionsCountingIn(db, c.setlym, todayCST(), claimPolicy(db));
    for (const { item } of counted.own) if (item.claimId === c.id) deducted = deducted.plus(item.amount);
    for (const { item } of counted.refunds) if (lineKey(item.insutype, item.scope) === lineKey(c.insutype, c.scope)) deducted = deducted.minus(item.amount);
  } else {
    const policy = claimPolicy(db);
    for (const d of deductionsOfClaims(db, [c.id]).map(factOf)) if (decideDeduction(d, todayCST(), policy).deductedInOwn) deducted = deducted.plus(d.amount);
  }
  const applied = parseAmount(c.fundAppySum).plus(parseAmount(c.acctPay));
  const msg = findOutboxItem(db, c.status === 'withdrawing' && c.withdrawMsgid ? c.withdrawMsgid : c.msgid);
  return {
    id: c.id,
    period: c.setlym,
    insutype: c.insutype,
    schemeLabel: nameOf(INSUTYPE, c.insutype),
    scope: c.scope,
    scopeLabel: SCOPE_LABEL[c.scope],
    status: c.status,
    statusLabel: STATUS_LABEL[c.status],
    psntime: c.psntime,
    medfee_sumamt: c.medfeeSumamt,
    fund_appy_sum: c.fundAppySum,
    acct_pay: c.acctPay,
    cash_payamt: c.cashPayamt,
    applied: toText(applied),
    deducted: toText(deducted),
    paid: c.paidAmount ?? toText(applied.minus(deducted)),
    paidByAgency: c.paidAmount !== null,
    itemCount: (JSON.parse(c.itemIds) as number[]).length,
    msgid: c.msgid,
    clrAppyEvtId: c.clrAppyEvtId,
    createdAt: c.createdAt,
    clerkName: c.clerkName ?? null,
    agencyMessage: c.agencyMessage,
    withdrawReason: c.withdrawReason,
    outbox: msg ? msg.status : null,
    canWithdraw: c.status === 'submitted' || c.status === 'applied',
  };
}

// ─── Overview ───────────────────────────────────────────────────────────────────────────────


export function overview(desk: Desk, period: string): OverviewView {
  const db = desk.db;
  const today = claimToday(desk);
  const g = gatherClaim(db, period, today);
  const calendar = claimCalendar(period, g.policy);
  const claims = claimsOfPeriod(db, period).map((c) => claimView(db, c));
  const live = claims.filter((c) => LIVE_CLAIM_STATUSES.includes(c.status));
  const preview = previewOf(db, g);
  const windowOpen = g.result.windowOpen;
  return {
    period,
    today,
    policy: g.policy,
    calendar,
    windowOpen,
    windowDaysLeft: windowOpen ? daysBetween(today, calendar.windowCloses) : null,
    notices: dueNotices(today, g.policy),
    claims,
    declared: {
      count: live.reduce((n, c) => n + c.itemCount, 0),
      medfee: toText(live.reduce((a, c) => a.plus(parseAmount(c.medfee_sumamt)), ZERO)),
      fund: toText(live.reduce((a, c) => a.plus(parseAmount(c.fund_appy_sum)), ZERO)),
    },
    preview,
    lastDayAlarm: lastDayAlarm(period, today, calendar.windowCloses, preview.itemCount, preview.lines),
    unansweredDeductions: unansweredDeductionCount(db),
    // Filled by the handler from the clearing download's record (claimSync), which imports this module.
    clearingFetchedAt: null,
  };
}

function lastDayAlarm(period: string, today: CalendarDate, closes: CalendarDate, count: number, lines: readonly LineView[]): string | null {
  if (today !== closes || count === 0) return null;
  const fund = lines.reduce((a, l) => a.plus(parseAmount(l.fund_appy_sum)), ZERO);
  return `【今日截止】今天（${today}）是 ${period} 期清算申报的最后一天，还有 ${count} 笔结算（基金 ${formatYuan(fund)} 元）未申报。请主管今天在“月度申报”（F6）提交申报；不能申报的须今天提交延期说明，否则费用由医院自行承担（004 第四十九条）`;
}

/**
 * The home screen's loud warning (issue 7 point 2): on the last day of the window of the
 * period under way, when items of it are still not declared.
 */
export function claimAlarms(desk: Desk): { text: string; level: 'danger' | 'warn' }[] {
  try {
    return alarmsOf(desk);
  } catch (e) {
    // The home screen must still open; say what stops the check instead.
    if (e instanceof ServiceError || e instanceof InputError) return [{ text: `月度申报检查未能完成：${e.message}`, level: 'warn' }];
    throw e;
  }
}

function alarmsOf(desk: Desk): { text: string; level: 'danger' | 'warn' }[] {
  const db = desk.db;
  const today = claimToday(desk);
  const out: { text: string; level: 'danger' | 'warn' }[] = [];
  const period = defaultPeriod(today);
  const policy = claimPolicy(db);
  const closes = claimCalendar(period, policy).windowCloses;
  if (today === closes) {
    const g = gatherClaim(db, period, today);
    const count = g.result.claims.reduce((n, c) => n + c.settlementIds.length, 0);
    const alarm = lastDayAlarm(period, today, closes, count, g.result.claims.map((l) => lineView(g, l, [], new Map())));
    if (alarm) out.push({ text: alarm, level: 'danger' });
  }
  // Exact sums per period (Decimal), never SQL floating point.
  const disputes = new Map<string, { setlym: string; n: number; amount: Decimal }>();
  for (const r of openDisputes(db)) {
    const g = disputes.get(r.setlym) ?? { setlym: r.setlym, n: 0, amount: ZERO };
    disputes.set(r.setlym, { ...g, n: g.n + 1, amount: g.amount.plus(parseAmount(r.amount)) });
  }
  for (const d of disputes.values()) {
    const cutoff = reviewCutoffOf(d.setlym, policy);
    const next = reviewCutoffOf(addPeriods(d.setlym, 1), policy);
    const left = daysBetween(today, today <= cutoff ? cutoff : next);
    if (left < 0) continue;
    const text = today <= cutoff
      ? `${d.setlym} 期有 ${d.n} 笔审核扣款（${formatYuan(d.amount)} 元）已提出异议、尚待经办机构答复：${cutoff} 前达成一致的纳入本期清算（还有 ${left} 天），否则最长延至下一期（004 第五十条）`
      : `${d.setlym} 期有 ${d.n} 笔审核扣款异议未在 ${cutoff} 前达成一致，已延至下一期：须在 ${next} 前达成一致（还有 ${left} 天），逾期扣款维持（004 第五十条）`;
    out.push({ text, level: left <= 2 ? 'danger' : 'warn' });
  }
  const open = unansweredDeductionCount(db);
  if (open > 0) out.push({ text: `经办机构下发了 ${open} 笔审核扣款待处理：请在“月度申报”（F6）中认可或提出异议；有异议的须在 ${claimCalendar(addPeriods(monthOf(today), -1), policy).reviewCutoff} 前达成一致方可纳入本期清算（004 第五十条）`, level: 'warn' });
  return out;
}

// ─── Submission and withdrawal ──────────────────────────────────────────────────────────────

/** Supervisor: the preview as seen (fingerprint) becomes one claim per line, with its 3203, in ONE transaction. */
export function submitClaim(desk: Desk, period: string, fingerprint: string, opter: Opter): { claimIds: number[] } {
  const today = claimToday(desk);
  const ids = desk.db.transaction((tx) => {
    const g = gatherClaim(tx, period, today);
    const view = previewOf(tx, g);
    if (!g.result.windowOpen) throw new ServiceError('WINDOW_CLOSED', view.blockers[0] ?? '不在申报窗口内', 'period');
    if (view.lines.length === 0) throw new ServiceError('NOTHING_TO_CLAIM', `${period} 期没有可申报的结算`, 'period');
    if (fingerprintOf(g.result) !== fingerprint) throw new ServiceError('PREVIEW_STALE', '申报内容在预览后发生了变化（有新的结算、撤销或延期结果），请重新预览核对后再申报', 'fingerprint');
    const conflict = view.lines.find((l) => l.conflictsWith !== null);
    if (conflict) throw new ServiceError('ALREADY_CLAIMED', `${conflict.schemeLabel}·${conflict.scopeLabel} ${period} 期已有申报（编号 ${conflict.conflictsWith}）；如需更正，请先撤销该申报后重新申报`, 'period');
    const dates = settledOnById(g);
    const created: number[] = [];
    for (const line of g.result.claims) {
      const national = national3203Input(period, line, dates);
      // insutype and clr_scope: a claim is per scheme and per 跨省 / 省内 (DOMAIN §9); setl_ids are
      // filled in just before the first send, once every settlement has its agency id (claimSync).
      const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.claim, { data: { ...national, insutype: line.scheme, clr_scope: line.scope, setl_ids: [] as string[] } });
      const id = insertClaim(tx, {
        setlym: period, insutype: line.scheme, scope: line.scope, psntime: line.psntime,
        medfeeSumamt: line.medfee_sumamt, fundAppySum: line.fund_appy_sum, acctPay: line.acct_pay, cashPayamt: line.cash_payamt,
        byFund: line.byFund, msgid: env.msgid, clerkId: opter.clerkId, settlementIds: line.settlementIds.map(Number),
      });
      enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.claim, orderKey: `claim:${id}`, payload: env });
      created.push(id);
    }
    appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.submit', entity: 'claim', entityId: created.join(','), detail: { period, fingerprint, lines: g.result.claims.map((l) => ({ scheme: l.scheme, scope: l.scope, n: l.settlementIds.length, medfee: l.medfee_sumamt, fund: l.fund_appy_sum })) } });
    return created;
  });
  desk.syncWorker.notify();
  return { claimIds: ids };
}

/** Supervisor: 3204 before the agency accepted the claim; its settlements are free again once the agency confirms. */
export function withdrawClaim(desk: Desk, claimId: number, reason: string, opter: Opter): ClaimView {
  const view = desk.db.transaction((tx) => {
    const c = findClaim(tx, claimId);
    if (!c) throw new ServiceError('NOT_FOUND', `没有编号为 ${claimId} 的申报`, 'claimId');
    if (c.status === 'accepted' || c.status === 'cleared') throw new ServiceError('ALREADY_ACCEPTED', `该申报经办机构已${STATUS_LABEL[c.status].replace('已', '')}，不能撤销；更正请在以后的清算期处理（004 第五十条）`, 'claimId');
    if (c.status !== 'submitted' && c.status !== 'applied') throw new ServiceError('CANNOT_WITHDRAW', `该申报状态为“${STATUS_LABEL[c.status]}”，不能撤销`, 'claimId');
    // A 3203 that never left the desk (it waits for its settlements' 结算ID) is taken back here:
    // a 3204 behind it would wait for a 清算申请事件ID that cannot come.
    if (c.status === 'submitted' && c.clrAppyEvtId === null && cancelUnsent(tx, c.msgid, { by: opter.clerkId, note: `撤销申报：${reason}` })) {
      releaseClaimItems(tx, c.id);
      updateClaim(tx, c.id, { status: 'withdrawn', withdrawReason: reason, statusAt: new Date().toISOString(), agencyMessage: '申报尚未发送，已在本机撤回' });
      appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.withdraw', entity: 'claim', entityId: c.id, detail: { reason, period: c.setlym, unsent: true } });
      return claimView(tx, findClaim(tx, c.id)!);
    }
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.withdraw, { data: { clr_appy_evt_id: c.clrAppyEvtId ?? '' } });
    updateClaim(tx, c.id, { status: 'withdrawing', withdrawMsgid: env.msgid, withdrawReason: reason, statusAt: new Date().toISOString() });
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.withdraw, orderKey: `claim:${c.id}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.withdraw', entity: 'claim', entityId: c.id, detail: { reason, period: c.setlym, clrAppyEvtId: c.clrAppyEvtId } });
    return claimView(tx, findClaim(tx, c.id)!);
  });
  desk.syncWorker.notify();
  return view;
}

// ─── Deferral requests (延期申报) ───────────────────────────────────────────────────────────

/**
 * An explanation for one settlement that cannot be declared in its window, filed on or before
 * the window's last day (004 第四十九条 "在申报日止前提出延期说明"); the agency's decision comes
 * back through the clearing download.
 */
export function requestDeferral(desk: Desk, settlementId: number, reason: string, opter: Opter): { deferralId: number; requestedOn: CalendarDate } {
  const today = claimToday(desk);
  const out = desk.db.transaction((tx) => {
    const r = claimSourceRow(tx, settlementId);
    if (!r) throw new ServiceError('NOT_FOUND', `没有编号为 ${settlementId} 的结算`, 'settlementId');
    if (r.claimId !== null) throw new ServiceError('ALREADY_CLAIMED', `该结算已在 ${r.claimedIn} 期申报，无需延期`, 'settlementId');
    const state = deferralState(r)?.state;
    if (state === 'pending') throw new ServiceError('DEFERRAL_PENDING', `该结算已于 ${r.deferralOn} 提交延期说明，正等待经办机构答复`, 'settlementId');
    if (state === 'approved') throw new ServiceError('ALREADY_DEFERRED', '该结算的延期说明已获经办机构认可', 'settlementId');
    const own = monthOf(r.settledOn);
    const policy = claimPolicy(tx);
    const closes = claimCalendar(own, policy).windowCloses;
    if (today > closes) {
      throw new ServiceError('DEFERRAL_TOO_LATE', `延期说明须在 ${own} 期申报截止日 ${closes} 前（含当日）提出（004 第四十九条），今天是 ${today}，已不能申请；该笔费用未按时申报，由医院自行承担`, 'settlementId');
    }
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.deferral, { data: { setl_id: r.setlId ?? '', setlym: own.replace('-', ''), reason, requested_on: today } });
    const id = insertDeferral(tx, { settlementId, reason, requestedOn: today, msgid: env.msgid, clerkId: opter.clerkId });
    // After the settlement's own messages (2304): the agency must know the settlement first.
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.deferral, orderKey: `adm:${r.admissionId}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'deferral.request', entity: 'settlement', entityId: settlementId, detail: { reason, requestedOn: today, windowCloses: closes } });
    return { deferralId: id, requestedOn: today };
  });
  desk.syncWorker.notify();
  return out;
}


export function deferralViews(db: Tx, from: CalendarDate, to: CalendarDate): DeferralView[] {
  const policy = claimPolicy(db);
  return deferralList(db, from, to).map((d) => {
    const state = d.approved === null ? 'pending' : d.approved ? 'approved' : 'refused';
    return {
      id: d.id,
      settlementId: d.settlementId,
      settledOn: d.settledOn,
      period: monthOf(d.settledOn),
      iptNo: d.iptNo,
      psnName: d.psnName,
      schemeLabel: nameOf(INSUTYPE, d.insutype),
      scopeLabel: SCOPE_LABEL[d.scope],
      medfee: d.medfee,
      reason: d.reason,
      requestedOn: d.requestedOn,
      state,
      stateLabel: state === 'pending' ? '待经办机构答复' : state === 'approved' ? '已认可' : '未认可',
      decidedAt: d.decidedAt,
      decisionNote: d.decisionNote,
      claimedIn: d.claimedIn,
      lastPeriod: addPeriods(monthOf(d.settledOn), policy.maxDeferralMonths),
      clerkName: d.clerkName,
    };
  });
}

// ─── Review deductions (审核扣款) ───────────────────────────────────────────────────────────


function agencyDecisionLabel(agencyStatus: 'issued' | 'revoked' | 'upheld', status: 'received' | 'accepted' | 'disputed'): string {
  if (agencyStatus === 'revoked') return '经办机构已撤销扣款';
  if (agencyStatus === 'upheld') return '经办机构维持扣款';
  return status === 'received' ? '待处理' : status === 'accepted' ? '已认可' : '已提出异议';
}

export function deductionViews(db: Tx, period: string | null, today: CalendarDate = todayCST()): DeductionView[] {
  const policy = claimPolicy(db);
  return deductionList(db, period).map((d) => {
    const decision = decideDeduction(factOf(d), today, policy);
    return {
    id: d.id,
    ddnId: d.agencyId,
    claimId: d.claimId,
    period: d.setlym,
    schemeLabel: nameOf(INSUTYPE, d.claimInsutype),
    scopeLabel: SCOPE_LABEL[d.claimScope],
    clrAppyEvtId: d.clrAppyEvtId,
    settlementId: d.settlementId,
    setlId: d.setlId,
    settledOn: d.settledOn,
    iptNo: d.iptNo,
    psnName: d.psnName,
    amount: d.amount,
    reason: d.reason,
    issuedOn: d.issuedOn,
    status: d.status,
    statusLabel: agencyDecisionLabel(d.agencyStatus, d.status),
    revoked: d.agencyStatus === 'revoked',
    agencyStatus: d.agencyStatus,
    decidedOn: d.decidedOn,
    agencyMemo: d.agencyMemo,
    outcome: decision.outcome,
    outcomeLabel: decision.label,
    deductedInOwn: decision.deductedInOwn,
    note: d.note,
    answeredAt: d.answeredAt,
    answeredByName: d.answeredByName,
    answerPending: d.answerMsgid !== null && findOutboxItem(db, d.answerMsgid) !== undefined,
    };
  });
}

/** Supervisor: accept a deduction, or dispute it with a note; the answer goes to the agency (3291). */
export function answerReview(desk: Desk, deductionId: number, opinion: 'accept' | 'dispute', note: string | null, opter: Opter): DeductionView {
  const today = claimToday(desk);
  const view = desk.db.transaction((tx) => {
    const d = findDeduction(tx, deductionId);
    if (!d) throw new ServiceError('NOT_FOUND', `没有编号为 ${deductionId} 的审核扣款`, 'deductionId');
    if (d.agencyStatus === 'revoked') throw new ServiceError('REVOKED', '经办机构已撤销该笔扣款，无需处理', 'deductionId');
    if (d.agencyStatus === 'upheld') throw new ServiceError('UPHELD', '经办机构已维持该笔扣款，异议已有结论（004 第五十条）', 'deductionId');
    if (d.status !== 'received') throw new ServiceError('ALREADY_ANSWERED', `该笔扣款已${d.status === 'accepted' ? '认可' : '提出异议'}`, 'deductionId');
    if (opinion === 'dispute' && (note === null || note.trim() === '')) throw new ServiceError('NOTE_REQUIRED', '提出异议须填写说明', 'note');
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.review, { data: { ddn_id: d.agencyId ?? '', opinion, memo: note ?? '' } });
    answerDeduction(tx, d.id, { status: opinion === 'accept' ? 'accepted' : 'disputed', note, at: new Date().toISOString(), by: opter.clerkId, msgid: env.msgid });
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.review, orderKey: `review:${d.id}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: opinion === 'accept' ? 'review.accept' : 'review.dispute', entity: 'review_deduction', entityId: d.id, detail: { amount: d.amount, note, today } });
    const c = findClaim(tx, d.claimId)!;
    return deductionViews(tx, c.setlym, today).find((x) => x.id === d.id)!;
  });
  desk.syncWorker.notify();
  return view;
}

// ─── Items for the tables ───────────────────────────────────────────────────────────────────

function tableItem(r: ClaimEngineRow & SettlementPerson, funds: readonly FundAmountRow[], deduction: Decimal): TableItem {
  return {
    id: String(r.id),
    kind: r.kind,
    settledOn: r.settledOn,
    scheme: r.insutype,
    scope: r.scope,
    insuredRegion: r.insuplcAdmdvs,
    iptNo: r.iptNo,
    psnName: r.psnName,
    setlId: r.setlId,
    medfee: parseAmount(r.medfee),
    fund: parseAmount(r.fund),
    acct: parseAmount(r.acct),
    cash: parseAmount(r.cash),
    funds: funds.map((f) => ({ fund_pay_type: f.fundPayType, amount: parseAmount(f.amount) })),
    deduction,
  };
}

export interface TableSource {
  period: string;
  /** true: the period has no live claim yet, the tables show what the preview would declare. */
  preview: boolean;
  items: TableItem[];
  /** Σ paid_amount when every live claim is cleared, else null. */
  paidByAgency: Decimal | null;
  notes: Map<string, string>;
  /** Deductions of the period before agreed after its cutoff: paid back in this period (004 第五十条). */
  refunds: TableRefund[];
}

/** The settlements of the period's live claims (or of the preview when none is submitted yet). */
export function tableSource(desk: Desk, period: string): TableSource {
  const db = desk.db;
  const live = liveClaims(db, period);
  const counted = deductionsCountingIn(db, period, claimToday(desk), claimPolicy(db));
  if (live.length > 0) {
    const refunds = tableRefunds(counted, new Set(live.map((c) => lineKey(c.insutype, c.scope))));
    const ids = live.map((c) => c.id);
    const funds = groupFunds(claimItemFunds(db, ids));
    const rows = claimItemRows(db, ids);
    useAgencyFigures(agencyFiguresOfClaims(db, ids), new Map(rows.map((r) => [r.id, r])), funds);
    const deductions = new Map<number, Decimal>();
    for (const { item: d } of counted.own) if (d.settlementId !== null) deductions.set(d.settlementId, (deductions.get(d.settlementId) ?? ZERO).plus(d.amount));
    const cleared = live.every((c) => c.status === 'cleared' && c.paidAmount !== null);
    const notes = new Map<string, string>();
    for (const r of rows) if (monthOf(r.settledOn) !== period) notes.set(String(r.id), `${monthOf(r.settledOn)} 结算`);
    return {
      period,
      preview: false,
      items: rows.map((r) => tableItem(r, funds.get(r.id) ?? [], deductions.get(r.id) ?? ZERO)),
      paidByAgency: cleared ? live.reduce((a, c) => a.plus(parseAmount(c.paidAmount!)), ZERO) : null,
      notes,
      refunds,
    };
  }
  const g = gatherClaim(db, period, claimToday(desk));
  const refunds = tableRefunds(counted, new Set(g.result.claims.map((c) => lineKey(c.scheme, c.scope))));
  const ids = g.result.claims.flatMap((c) => c.settlementIds).map(Number);
  const notes = new Map<string, string>();
  for (const id of ids) {
    const r = g.rows.get(id)!;
    if (monthOf(r.settledOn) !== period) notes.set(String(id), `${monthOf(r.settledOn)} 结算`);
  }
  const who = settlementPersons(db, ids);
  return { period, preview: true, items: ids.map((id) => tableItem({ ...g.rows.get(id)!, ...who.get(id)! }, g.funds.get(id) ?? [], ZERO)), paidByAgency: null, notes, refunds };
}

// ─── History for the chart ──────────────────────────────────────────────────────────────────


/** The last `months` months (this one included): fund payments by fund, and the direct-settlement share (003: ≥ 70 %). */
export function claimHistory(desk: Desk, months: number): { months: MonthFigure[]; target: number } {
  const db = desk.db;
  const today = claimToday(desk);
  const last = monthOf(today);
  const first = addPeriods(last, -(months - 1));
  const fundRows = monthlyFundTotals(db, firstDay(first), lastDay(last));
  const shares = new Map(monthlyDirectShare(db, firstDay(first), lastDay(last)).map((r) => [r.month, r]));
  const out: MonthFigure[] = [];
  for (let k = 0; k < months; k++) {
    const month = addPeriods(first, k);
    const funds = fundRows.filter((r) => r.month === month).map((r) => ({ fundPayType: r.fundPayType, name: r.name, amount: toText(fromFen(r.fen)) }));
    const total = funds.reduce((a, f) => a.plus(parseAmount(f.amount)), ZERO);
    const s = shares.get(month);
    out.push({
      month,
      funds,
      total: toText(total),
      discharged: s?.discharged ?? 0,
      direct: s?.direct ?? 0,
      share: s && s.discharged > 0 ? new Decimal(s.direct).times(100).dividedBy(s.discharged).toFixed(1) : null,
    });
  }
  return { months: out, target: directShareTarget(db) };
}

/** Institution facts the tables print. */
export function hospitalInfo(db: Tx): { code: string; gbCode: string; name: string } {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return { code: getSetting(db, 'institution.localCode') ?? inst.fixmedinsCode, gbCode: inst.fixmedinsCode, name: inst.fixmedinsName };
}
