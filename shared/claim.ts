// Over 400 lines: the claim engine (DOMAIN §9) with its input schema and calendar: one rule set, 004 第四十九–五十一条.
import { z } from 'zod';
import { zodInputError } from './zodErrors.ts';
import { addPeriods, daysBetween, daysInMonth, formatYmd, monthOf, parseDate, periodsBetween, splitDate } from './dates.ts';
import type { CalendarDate } from './dates.ts';
import { InputError } from './errors.ts';
import { parseAmount, toText, ZERO } from './money.ts';
import type { Decimal } from './money.ts';

/**
 * Monthly claim submission (清算申报, DOMAIN.md §9; 004 第四十九条–第五十三条) and the `claim`
 * command of CLI.md. Pure: the caller passes `today` and the policy, so every desk, the reference
 * agency and the tests build the same claim from the same facts.
 */

// ─── Types ──────────────────────────────────────────────────────────────────────────────────

/** `cross` 跨省, `in` 省内异地: the agency clears them separately (DOMAIN §9 last point). */
export type ClaimScope = 'cross' | 'in';

/**
 * 清算类别 (national-interface.md 3203 clr_type): 21 住院, 11 门诊 (门诊慢特病 has no code of its own
 * and is cleared as 11). Optional in the CLI input: absent means the item is not typed, and the
 * output line then carries no clr_type (CLI.md's contract, stays only, is unchanged).
 */
export type ClrType = '11' | '21';

/** Policy parameters of DOMAIN §12 the claim needs; data per region, never constants. */
export interface ClaimPolicy {
  /** Last day of the declaration window, days 1..N of the following month (004 第四十九条: 1–5 日). */
  claimWindowEndDay: number;
  /** How many periods after its own an approved deferral may carry an item (004 第四十九条: 2). */
  maxDeferralMonths: number;
}

export interface Deferral {
  requestedOn: CalendarDate;
  approved: boolean;
}

export interface FundPayment {
  fund_pay_type: string;
  fund_payamt: Decimal;
}

export interface ClaimSettlement {
  id: string;
  settledOn: CalendarDate;
  scheme: string;
  scope: ClaimScope;
  /** The id of the settlement this reversal (结算撤销) cancels; null for a settlement. */
  reversalOf: string | null;
  /** The period ('YYYY-MM') it was already declared in; null when never declared. */
  claimedIn: string | null;
  deferral: Deferral | null;
  medfee_sumamt: Decimal;
  fund_pay_sumamt: Decimal;
  acct_pay: Decimal;
  psn_cash_pay: Decimal;
  setldetail: FundPayment[];
  /** 清算类别; undefined: untyped (the CLI's input), grouped apart from typed items. */
  clr_type?: ClrType;
}

/** What the rules read of an item (which period it goes to, its line, its person-time); its amounts are summed apart (LineSums). */
export type ClaimItem = Omit<ClaimSettlement, 'medfee_sumamt' | 'fund_pay_sumamt' | 'acct_pay' | 'psn_cash_pay' | 'setldetail'>;

/** The exact totals of one claim line's items; byFund lists every fund touched, a netted one at zero. */
export interface LineTotals {
  medfee: Decimal;
  fund: Decimal;
  acct: Decimal;
  cash: Decimal;
  byFund: ReadonlyMap<string, Decimal>;
}

/**
 * Sums the items the rules put in one line. buildClaim adds the items' Decimals; the desk may
 * sum the same stored amounts in SQL in integer fen (electron/services/claim/gather.ts).
 */
export type LineSums<S extends ClaimItem> = (items: readonly S[], scheme: string, scope: ClaimScope) => LineTotals;

export interface ClaimInput {
  period: string;
  today: CalendarDate;
  policy: ClaimPolicy;
  settlements: ClaimSettlement[];
}

/** One claim line of the output: one scheme × scope (CLI.md `claim`). */
export interface ClaimLine {
  scheme: string;
  scope: ClaimScope;
  /** Present when its items carry a clr_type: a claim is per scheme × scope × 清算类别. */
  clr_type?: ClrType;
  settlementIds: string[];
  psntime: number;
  medfee_sumamt: string;
  fund_appy_sum: string;
  acct_pay: string;
  cash_payamt: string;
  byFund: { fund_pay_type: string; amount: string }[];
}

export interface ClaimResult {
  period: string;
  windowOpen: boolean;
  windowCloses: CalendarDate;
  claims: ClaimLine[];
  lapsed: string[];
  warnings: string[];
}

// ─── Periods and windows ────────────────────────────────────────────────────────────────────

const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

function isPeriod(value: string): boolean {
  const m = PERIOD_RE.exec(value);
  return m !== null && Number(m[1]) >= 1;
}

/** Validates a 'YYYY-MM' period; `path` names it in the error. */
export function parsePeriod(value: unknown, path = 'period'): string {
  if (typeof value !== 'string' || !isPeriod(value.trim())) {
    throw new InputError('INVALID_PERIOD', `${path}（${labelOf(path)}）应为 YYYY-MM 格式的年月：${String(value)}`, path);
  }
  return value.trim();
}

export function firstDayOf(period: string): CalendarDate {
  return `${period}-01`;
}

export function lastDayOf(period: string): CalendarDate {
  const [y, m] = splitDate(firstDayOf(period));
  return formatYmd(y, m, daysInMonth(y, m));
}

/** The declaration window of a period: days 1..endDay of the next month (004 第四十九条). */
function windowOf(period: string, claimWindowEndDay: number): { opens: CalendarDate; closes: CalendarDate } {
  const month = addPeriods(period, 1);
  return { opens: `${month}-01`, closes: `${month}-${String(claimWindowEndDay).padStart(2, '0')}` };
}

// ─── Input validation (zod at the boundary, ARCHITECTURE.md) ────────────────────────────────

/** Chinese names of the input fields, so an error names the field a clerk recognises. */
const LABELS: Record<string, string> = {
  period: '清算期',
  today: '当前日期',
  policy: '政策参数',
  claimWindowEndDay: '申报截止日',
  maxDeferralMonths: '最长延期月数',
  reviewCutoffDay: '审核截止日',
  confirmationDay: '确认截止日',
  noticeFromDay: '提醒开始日',
  settlements: '结算记录',
  id: '结算编号',
  settledOn: '结算日期',
  scheme: '险种',
  scope: '结算范围',
  reversalOf: '被撤销的结算编号',
  claimedIn: '已申报清算期',
  deferral: '延期说明',
  requestedOn: '延期说明提交日期',
  approved: '经办机构是否认可',
  medfee_sumamt: '医疗费总额',
  fund_pay_sumamt: '基金支付总额',
  acct_pay: '个人账户支出',
  psn_cash_pay: '个人现金支出',
  setldetail: '基金支付明细',
  clr_type: '清算类别',
  fund_pay_type: '基金支付类型',
  fund_payamt: '基金支付金额',
};

function labelOf(path: string): string {
  const last = /([A-Za-z_]+)(\[\d+\])?$/.exec(path)?.[1] ?? '';
  return LABELS[last] ?? last;
}

/** A custom issue carrying our error code; zod adds the path. */
type Ctx = z.RefinementCtx;
function fail(ctx: Ctx, input: unknown, code: string, reason: string): never {
  ctx.issues.push({ code: 'custom', message: reason, input, params: { code } });
  return z.NEVER;
}

const MISSING = '缺少必填字段';

/** A non-empty text field (ids, codes). Kept verbatim: an id is an identity, not a display value. */
const text = z.unknown().transform((v, ctx): string => {
  if (v === undefined || v === null) return fail(ctx, v, 'MISSING_FIELD', MISSING);
  if (typeof v !== 'string' || v.trim() === '') return fail(ctx, v, 'INVALID_TYPE', '应为非空文本');
  return v;
});

// `.optional()` outside: zod skips an absent key before the transform runs, and the map in
// parseClaimInput turns that undefined into null.
const optionalText = z
  .unknown()
  .transform((v, ctx): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.trim() === '') return fail(ctx, v, 'INVALID_TYPE', '应为非空文本或 null');
    return v;
  })
  .optional();

const date = z.unknown().transform((v, ctx): CalendarDate => {
  if (v === undefined || v === null) return fail(ctx, v, 'MISSING_FIELD', MISSING);
  try {
    return parseDate(v);
  } catch {
    return fail(ctx, v, 'INVALID_DATE', `不是有效的 YYYY-MM-DD 日期：${String(v)}`);
  }
});

const period = z.unknown().transform((v, ctx): string => {
  if (v === undefined || v === null) return fail(ctx, v, 'MISSING_FIELD', MISSING);
  if (typeof v !== 'string' || !isPeriod(v.trim())) return fail(ctx, v, 'INVALID_PERIOD', `应为 YYYY-MM 格式的年月：${String(v)}`);
  return v.trim();
});

const optionalPeriod = z
  .unknown()
  .transform((v, ctx): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !isPeriod(v.trim())) return fail(ctx, v, 'INVALID_PERIOD', `应为 YYYY-MM 格式的年月或 null：${String(v)}`);
    return v.trim();
  })
  .optional();

const amount = z.unknown().transform((v, ctx): Decimal => {
  if (v === undefined || v === null) return fail(ctx, v, 'MISSING_FIELD', MISSING);
  try {
    // money.ts owns the amount grammar (≤ 2 decimals, |x| < 1e10; JSON numbers tolerated).
    return parseAmount(v, '金额');
  } catch (e) {
    return fail(ctx, v, e instanceof InputError ? e.code : 'INVALID_AMOUNT', e instanceof Error ? e.message.replace(/^金额 /, '') : '不是有效金额');
  }
});

function intIn(min: number, max: number) {
  return z.unknown().transform((v, ctx): number => {
    if (v === undefined || v === null) return fail(ctx, v, 'MISSING_FIELD', MISSING);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return fail(ctx, v, 'INVALID_POLICY', `应为 ${min} 到 ${max} 之间的整数：${JSON.stringify(v)}`);
    }
    return v;
  });
}

const fundPaymentSchema = z.object({ fund_pay_type: text, fund_payamt: amount });

const deferralSchema = z
  .object({
    requestedOn: date,
    approved: z.boolean(),
  })
  .nullable()
  .optional();

const settlementSchema = z.object({
  id: text,
  settledOn: date,
  scheme: text,
  scope: z.enum(['cross', 'in']),
  // Absent and null mean the same for these three: "none" (a settlement, never declared, no
  // deferral); requiring the caller to spell out null would add nothing.
  reversalOf: optionalText,
  claimedIn: optionalPeriod,
  deferral: deferralSchema,
  medfee_sumamt: amount,
  fund_pay_sumamt: amount,
  acct_pay: amount,
  psn_cash_pay: amount,
  setldetail: z.array(fundPaymentSchema),
  clr_type: z.enum(['11', '21']).optional(),
});

const claimInputSchema = z.object({
  period,
  today: date,
  policy: z.object({
    // ≤ 28 so that the window's last day exists in every month, February included.
    claimWindowEndDay: intIn(1, 28),
    maxDeferralMonths: intIn(0, 12),
  }),
  settlements: z.array(settlementSchema),
});

/** Amount fields of a settlement, for the sign check. */
const AMOUNT_FIELDS = ['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay'] as const;

/**
 * Checks what a schema cannot: unique ids, signs (a reversal carries negative amounts, CLI.md),
 * a reversal that points somewhere sensible, a claimedIn that is not before its own month.
 */
function checkConsistency(settlements: readonly ClaimSettlement[]): void {
  const byId = new Map<string, { index: number; s: ClaimSettlement }>();
  settlements.forEach((s, index) => {
    if (byId.has(s.id)) {
      throw new InputError('DUPLICATE_ID', `settlements[${index}].id（结算编号）重复：${s.id}（与 settlements[${byId.get(s.id)!.index}] 相同）`, `settlements[${index}].id`);
    }
    byId.set(s.id, { index, s });
  });
  const reversed = new Map<string, number>();
  settlements.forEach((s, index) => {
    const at = `settlements[${index}]`;
    const isReversal = s.reversalOf !== null;
    for (const field of AMOUNT_FIELDS) {
      const v = s[field];
      if (isReversal ? v.isPositive() && !v.isZero() : v.isNegative() && !v.isZero()) {
        throw new InputError('INVALID_AMOUNT', `${at}.${field}（${LABELS[field]}）：${isReversal ? '撤销记录的金额应为负数或零' : '结算金额不能为负数（撤销须单独记录并注明被撤销的结算编号）'}：${toText(v)}`, `${at}.${field}`);
      }
    }
    s.setldetail.forEach((f, j) => {
      const v = f.fund_payamt;
      if (isReversal ? v.isPositive() && !v.isZero() : v.isNegative() && !v.isZero()) {
        throw new InputError('INVALID_AMOUNT', `${at}.setldetail[${j}].fund_payamt（基金支付金额）：${isReversal ? '撤销记录的金额应为负数或零' : '结算金额不能为负数'}：${toText(v)}`, `${at}.setldetail[${j}].fund_payamt`);
      }
    });
    if (s.claimedIn !== null && s.claimedIn < monthOf(s.settledOn)) {
      throw new InputError('INVALID_PERIOD', `${at}.claimedIn（已申报清算期）${s.claimedIn} 早于结算所属月份 ${monthOf(s.settledOn)}`, `${at}.claimedIn`);
    }
    if (s.reversalOf !== null) {
      const original = byId.get(s.reversalOf);
      if (s.reversalOf === s.id) throw new InputError('INVALID_REVERSAL', `${at}.reversalOf（被撤销的结算编号）不能指向自身：${s.id}`, `${at}.reversalOf`);
      if (original?.s.reversalOf != null) {
        throw new InputError('INVALID_REVERSAL', `${at}.reversalOf（被撤销的结算编号）指向的 ${s.reversalOf} 本身是撤销记录`, `${at}.reversalOf`);
      }
      if (original && original.s.settledOn > s.settledOn) {
        throw new InputError('INVALID_REVERSAL', `${at}.settledOn（结算日期）${s.settledOn} 早于被撤销结算 ${s.reversalOf} 的日期 ${original.s.settledOn}`, `${at}.settledOn`);
      }
      const earlier = reversed.get(s.reversalOf);
      if (earlier !== undefined) {
        throw new InputError('INVALID_REVERSAL', `${at}.reversalOf（被撤销的结算编号）：${s.reversalOf} 已被 settlements[${earlier}] 撤销过`, `${at}.reversalOf`);
      }
      reversed.set(s.reversalOf, index);
    }
  });
}

/**
 * Validates the `claim` input of CLI.md. Unknown fields are ignored (zod strips them); the first
 * problem found is thrown as an InputError whose path points into the input
 * (`settlements[2].settledOn`).
 */
export function parseClaimInput(json: unknown): ClaimInput {
  const r = claimInputSchema.safeParse(json);
  if (!r.success) {
    throw zodInputError(r.error.issues, json, { style: 'cli', labels: LABELS, pathStyle: 'brackets', showPath: true });
  }
  const d = r.data;
  const settlements: ClaimSettlement[] = d.settlements.map((s) => ({
    id: s.id,
    settledOn: s.settledOn,
    scheme: s.scheme,
    scope: s.scope,
    reversalOf: s.reversalOf ?? null,
    claimedIn: s.claimedIn ?? null,
    deferral: s.deferral ?? null,
    medfee_sumamt: s.medfee_sumamt,
    fund_pay_sumamt: s.fund_pay_sumamt,
    acct_pay: s.acct_pay,
    psn_cash_pay: s.psn_cash_pay,
    setldetail: s.setldetail.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_payamt: f.fund_payamt })),
    ...(s.clr_type !== undefined ? { clr_type: s.clr_type } : {}),
  }));
  checkConsistency(settlements);
  return { period: d.period, today: d.today, policy: { claimWindowEndDay: d.policy.claimWindowEndDay, maxDeferralMonths: d.policy.maxDeferralMonths }, settlements };
}

// ─── Which period an item belongs to ────────────────────────────────────────────────────────

/**
 * What becomes of one settlement in the claim of `period`:
 * - `claim`: part of this claim;
 * - `lapsed`: its chance is gone — borne by the hospital, the fund does not pay it (004 第四十九条);
 * - `later`: dated after the period — not part of it, and not lapsed either (CLI.md);
 * - `claimed`: already declared in a period (`claimedIn`) — never declared again (CLI.md).
 */
export type ClaimStatus = 'claim' | 'lapsed' | 'later' | 'claimed';

export type ClaimReason =
  | 'OWN_PERIOD' // declared with the period of its own date
  | 'DEFERRED' // earlier period, approved deferral filed in time, within the limit
  | 'AFTER_PERIOD'
  | 'ALREADY_CLAIMED'
  | 'NO_DEFERRAL'
  | 'DEFERRAL_NOT_APPROVED'
  | 'DEFERRAL_TOO_LATE' // explanation filed after its own window closed
  | 'DEFERRAL_LIMIT'; // more than maxDeferralMonths periods after its own

export interface ItemDecision {
  status: ClaimStatus;
  reason: ClaimReason;
}

const REASON_TEXT: Partial<Record<ClaimReason, (policy: ClaimPolicy) => string>> = {
  NO_DEFERRAL: () => '未提交延期说明',
  DEFERRAL_NOT_APPROVED: () => '延期说明未获经办机构认可',
  DEFERRAL_TOO_LATE: () => '延期说明晚于申报截止日提交',
  DEFERRAL_LIMIT: (p) => `已超过最长延期 ${p.maxDeferralMonths} 个月`,
};

/**
 * The rule of CLI.md `claim` for one item. A reversal is judged exactly like a settlement, by its
 * own date ("A reversal is claimed in the period of its own date"): one of an earlier period not
 * declared then needs an approved deferral like any other item.
 */
export function decideItem(s: ClaimItem, period: string, policy: ClaimPolicy): ItemDecision {
  const own = monthOf(s.settledOn);
  // A reversal belongs to the period of its own date, not its original's (CLI.md), so `own`
  // is the same expression for both.
  if (own > period) return { status: 'later', reason: 'AFTER_PERIOD' };
  if (s.claimedIn !== null) return { status: 'claimed', reason: 'ALREADY_CLAIMED' };
  if (own === period) return { status: 'claim', reason: 'OWN_PERIOD' };
  // An earlier item: only with an approved deferral filed by the end of its own window and at
  // most maxDeferralMonths periods late (004 第四十九条 第二款; CLI.md: July → August or
  // September, not October). Otherwise it is borne by the hospital (第四十九条 第三款).
  const d = s.deferral;
  if (d === null) return { status: 'lapsed', reason: 'NO_DEFERRAL' };
  // `approved: false` is lapsed, not "pending": the input has no pending state, and 004
  // 第四十九条 第三款 puts an explanation "作出说明但未得到当地经办机构认可" with the hospital.
  // Should the agency accept it later, the desk records approved: true and the item becomes
  // claimable again within the limit — the engine only judges today's facts.
  if (!d.approved) return { status: 'lapsed', reason: 'DEFERRAL_NOT_APPROVED' };
  // "在申报日止前提出延期说明": on or before the last day of its own window.
  if (d.requestedOn > windowOf(own, policy.claimWindowEndDay).closes) return { status: 'lapsed', reason: 'DEFERRAL_TOO_LATE' };
  if (periodsBetween(own, period) > policy.maxDeferralMonths) return { status: 'lapsed', reason: 'DEFERRAL_LIMIT' };
  return { status: 'claim', reason: 'DEFERRED' };
}

// ─── Building the claim ─────────────────────────────────────────────────────────────────────

function byDateThenId(a: ClaimItem, b: ClaimItem): number {
  if (a.settledOn !== b.settledOn) return a.settledOn < b.settledOn ? -1 : 1;
  return compareText(a.id, b.id);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SCOPE_ORDER: Record<ClaimScope, number> = { cross: 0, in: 1 };
/** Stays (21, and untyped items) before visits (11) within a scheme × scope. */
const CLR_ORDER = (t: ClrType | undefined): number => (t === '11' ? 1 : 0);

/** The items' own Decimals, in one pass (a 20,000-settlement month is the benchmark `claim.20k`). */
function decimalSums(items: readonly ClaimSettlement[]): LineTotals {
  let medfee: Decimal = ZERO;
  let fund: Decimal = ZERO;
  let acct: Decimal = ZERO;
  let cash: Decimal = ZERO;
  const byFund = new Map<string, Decimal>();
  for (const s of items) {
    medfee = medfee.plus(s.medfee_sumamt);
    fund = fund.plus(s.fund_pay_sumamt);
    acct = acct.plus(s.acct_pay);
    cash = cash.plus(s.psn_cash_pay);
    for (const f of s.setldetail) byFund.set(f.fund_pay_type, (byFund.get(f.fund_pay_type) ?? ZERO).plus(f.fund_payamt));
  }
  return { medfee, fund, acct, cash, byFund };
}

/** One scheme × scope; totals equal the sum of its items to the cent (DOMAIN §9). */
function claimLine<S extends ClaimItem>(scheme: string, scope: ClaimScope, clrType: ClrType | undefined, items: S[], sums: LineSums<S>): ClaimLine {
  items.sort(byDateThenId);
  let psntime = 0;
  // 清算人次: a reversal cancels one person-time of its original (CLI.md).
  for (const s of items) psntime += s.reversalOf === null ? 1 : -1;
  const { medfee, fund, acct, cash, byFund: funds } = sums(items, scheme, scope);
  return {
    scheme,
    scope,
    ...(clrType !== undefined ? { clr_type: clrType } : {}),
    settlementIds: items.map((s) => s.id),
    psntime,
    medfee_sumamt: toText(medfee),
    // 基金申报总额 is what the funds paid: Σ fund_pay_sumamt.
    fund_appy_sum: toText(fund),
    acct_pay: toText(acct),
    cash_payamt: toText(cash),
    // A fund netted to 0.00 by a reversal stays listed: it shows the fund was touched this period.
    byFund: [...funds.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([fund_pay_type, total]) => ({ fund_pay_type, amount: toText(total) })),
  };
}

/** At most this many ids are quoted in one warning; the full list is in `lapsed`. */
const WARN_ID_LIMIT = 20;

/**
 * The warning for reversals claimed by their own date whose original was never declared (it
 * lapsed): the fund never paid what they cancel. The desk also uses it for originals older than
 * the dates its claim input covers.
 */
export function orphanReversalWarning(reversals: readonly { id: string | number; reversalOf: string | number }[]): string {
  const list = reversals.slice(0, WARN_ID_LIMIT).map((r) => `${r.id}（撤销 ${r.reversalOf}）`);
  return `${reversals.length} 笔结算撤销按其日期纳入本期申报，但其原结算已过申报期限、未曾申报：请与经办机构核实是否需要退回基金：${list.join('、')}${reversals.length > WARN_ID_LIMIT ? ' 等' : ''}`;
}

/** Builds the claim of `input.period` per CLI.md `claim` and DOMAIN §9. */
export function buildClaim(input: ClaimInput): ClaimResult {
  return buildClaimWith(input, decimalSums);
}

/** buildClaim with the lines' amounts summed by `sums`: the same rules decide every item. */
export function buildClaimWith<S extends ClaimItem>(input: { period: string; today: CalendarDate; policy: ClaimPolicy; settlements: readonly S[] }, sums: LineSums<S>): ClaimResult {
  const { period, today, policy } = input;
  const window = windowOf(period, policy.claimWindowEndDay);
  const decisions = new Map<string, ItemDecision>();
  for (const s of input.settlements) decisions.set(s.id, decideItem(s, period, policy));

  // A reversal in this claim whose original (present in the input) lapsed still goes in by its
  // own date (CLI.md), but the fund never paid what it cancels: the office is told to check.
  const orphanReversals: S[] = [];
  for (const s of input.settlements) {
    if (s.reversalOf !== null && decisions.get(s.id)?.status === 'claim' && decisions.get(s.reversalOf)?.status === 'lapsed') orphanReversals.push(s);
  }

  const groups = new Map<string, { scheme: string; scope: ClaimScope; clrType: ClrType | undefined; items: S[] }>();
  const lapsed: S[] = [];
  for (const s of input.settlements) {
    const d = decisions.get(s.id)!;
    if (d.status === 'lapsed') lapsed.push(s);
    if (d.status !== 'claim') continue;
    const key = `${s.scheme}\u0000${s.scope}\u0000${s.clr_type ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { scheme: s.scheme, scope: s.scope, clrType: s.clr_type, items: [] }));
    g.items.push(s);
  }

  const claims = [...groups.values()]
    .sort((a, b) => compareText(a.scheme, b.scheme) || SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || CLR_ORDER(a.clrType) - CLR_ORDER(b.clrType) || compareText(a.clrType ?? '', b.clrType ?? ''))
    .map((g) => claimLine(g.scheme, g.scope, g.clrType, g.items, sums));
  lapsed.sort((a, b) => compareText(a.id, b.id));
  const lapsedIds = lapsed.map((s) => s.id);

  const windowOpen = today >= window.opens && today <= window.closes;
  const itemCount = claims.reduce((n, c) => n + c.settlementIds.length, 0);
  const warnings: string[] = [];
  if (today < window.opens) {
    warnings.push(`${period} 期清算申报窗口为 ${window.opens} 至 ${window.closes}，今天（${today}）尚未开始：本结果仅为预览，不能申报（004 第四十九条）`);
  } else if (today > window.closes) {
    warnings.push(`${period} 期清算申报窗口已于 ${window.closes} 截止，今天（${today}）不在窗口内：本结果仅列出本期应含内容；未按时申报且未获延期认可的费用由医院自行承担（004 第四十九条）`);
  } else if (today === window.closes && itemCount > 0) {
    warnings.push(`今天（${today}）是 ${period} 期清算申报的最后一天，${itemCount} 笔结算须今日申报；不能按时申报的须今日提交延期说明，否则由医院自行承担（004 第四十九条）`);
  }
  if (lapsedIds.length > 0) {
    const detail = lapsed.slice(0, WARN_ID_LIMIT).map((s) => {
      const why = REASON_TEXT[decisions.get(s.id)!.reason]?.(policy) ?? '';
      return `${s.id}（${monthOf(s.settledOn)}，${why}）`;
    });
    const more = lapsed.length > WARN_ID_LIMIT ? ' 等' : '';
    warnings.push(`${lapsedIds.length} 笔往期结算已过申报期限、不能再申报，费用由医院自行承担，医保基金不予追补（004 第四十九条）：${detail.join('、')}${more}`);
  }
  if (orphanReversals.length > 0) {
    orphanReversals.sort((a, b) => compareText(a.id, b.id));
    warnings.push(orphanReversalWarning(orphanReversals.map((s) => ({ id: s.id, reversalOf: s.reversalOf! }))));
  }

  return { period, windowOpen, windowCloses: window.closes, claims, lapsed: lapsedIds, warnings };
}

// ─── The claim calendar ─────────────────────────────────────────────────────────────────────

/**
 * The policy values a desk starts with until a supervisor sets its own (DOMAIN §12):
 * window 1..5 of the next month (004 第四十九条), deferral up to 2 months, review until the 20th
 * (004 第五十条), clearing data confirmed by the 25th (004 第五十一条), notices from the 25th.
 */
export const CLAIM_POLICY_DEFAULTS = { claimWindowEndDay: 5, maxDeferralMonths: 2, reviewCutoffDay: 20, confirmationDay: 25, noticeFromDay: 25 } as const;

export interface ClaimCalendarPolicy {
  claimWindowEndDay: number;
  /** Agency review and agreed disputes until this day (004 第五十条: 20 日). */
  reviewCutoffDay?: number;
  /** Clearing data confirmed by this day (004 第五十一条: 25 日). */
  confirmationDay?: number;
  /** Notices of the next window start on this day of the month before it (default 25). */
  noticeFromDay?: number;
}

export interface ClaimCalendar {
  period: string;
  windowOpens: CalendarDate;
  windowCloses: CalendarDate;
  reviewCutoff: CalendarDate;
  confirmationBy: CalendarDate;
}

function calendarDays(policy: ClaimCalendarPolicy): { end: number; review: number; confirm: number; noticeFrom: number } {
  const end = policy.claimWindowEndDay;
  const review = policy.reviewCutoffDay ?? CLAIM_POLICY_DEFAULTS.reviewCutoffDay;
  const confirm = policy.confirmationDay ?? CLAIM_POLICY_DEFAULTS.confirmationDay;
  const noticeFrom = policy.noticeFromDay ?? CLAIM_POLICY_DEFAULTS.noticeFromDay;
  const check = (v: number, lo: number, field: string): void => {
    if (!Number.isInteger(v) || v < lo || v > 28) {
      throw new InputError('INVALID_POLICY', `policy.${field}（${LABELS[field]}）应为 ${lo} 到 28 之间的整数：${v}`, `policy.${field}`);
    }
  };
  // The steps follow one another inside the claim month (004 第四十九条–第五十一条).
  check(end, 1, 'claimWindowEndDay');
  check(review, end + 1, 'reviewCutoffDay');
  check(confirm, review + 1, 'confirmationDay');
  check(noticeFrom, 1, 'noticeFromDay');
  return { end, review, confirm, noticeFrom };
}

/** The dates of one period's clearing cycle, all in the month after the period. */
export function claimCalendar(period: string, policy: ClaimCalendarPolicy): ClaimCalendar {
  const p = parsePeriod(period);
  const { end, review, confirm } = calendarDays(policy);
  const month = addPeriods(p, 1);
  const day = (n: number): CalendarDate => `${month}-${String(n).padStart(2, '0')}`;
  return { period: p, windowOpens: day(1), windowCloses: day(end), reviewCutoff: day(review), confirmationBy: day(confirm) };
}

export type DueKind = 'windowOpens' | 'windowCloses' | 'reviewCutoff' | 'confirmationBy';

export interface DueNotice {
  date: CalendarDate;
  kind: DueKind;
  period: string;
  /** Days from today (0 = today). */
  daysLeft: number;
  text: string;
}

function when(daysLeft: number): string {
  return daysLeft === 0 ? '今天' : `还有 ${daysLeft} 天`;
}

/**
 * What the desk should remind the office of today: the remaining steps of the cycle under way
 * and, from the `noticeFromDay` (25th) of the month before a window, that window's dates —
 * "the app must warn before that happens" (DOMAIN §9).
 */
export function dueNotices(today: CalendarDate, policy: ClaimCalendarPolicy): DueNotice[] {
  const t = parseDate(today, 'today');
  const { noticeFrom } = calendarDays(policy);
  const thisMonth = monthOf(t);
  const [, , dayOfMonth] = splitDate(t);
  // The cycle whose window is in this month declares last month; the next one this month.
  const periods = [addPeriods(thisMonth, -1)];
  if (dayOfMonth >= noticeFrom) periods.push(thisMonth);
  const notices: DueNotice[] = [];
  for (const p of periods) {
    const c = claimCalendar(p, policy);
    const add = (kind: DueKind, date: CalendarDate, text: (left: number) => string): void => {
      const left = daysBetween(t, date);
      if (left >= 0) notices.push({ date, kind, period: p, daysLeft: left, text: text(left) });
    };
    add('windowOpens', c.windowOpens, (left) => `${p} 期清算申报窗口 ${c.windowOpens} 开启（${when(left)}），申报上月对账完成的费用及获准延期的往期费用（004 第四十九条）`);
    add('windowCloses', c.windowCloses, (left) => `${p} 期清算申报 ${c.windowCloses} 截止（${when(left)}）；不能按时申报的费用须在截止前提交延期说明并获经办机构认可，否则由医院自行承担（004 第四十九条）`);
    add('reviewCutoff', c.reviewCutoff, (left) => `${p} 期审核扣款有异议的，须在 ${c.reviewCutoff} 前与经办机构达成一致方可纳入本期清算（${when(left)}），否则最长延至下一期（004 第五十条）`);
    add('confirmationBy', c.confirmationBy, (left) => `${p} 期清算数据确认于 ${c.confirmationBy} 截止（${when(left)}）（004 第五十一条）`);
  }
  return notices.sort((a, b) => compareText(a.date, b.date));
}
