import { createHash } from 'node:crypto';
import {
  agencyFiguresBetween,
  claimEngineRows,
  claimSourceFunds,
  type AgencyFigures,
  type ClaimEngineRow,
  type FundAmountRow
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { otpClaimEngineRows, otpFundRows } from '../../../db/repos/outpatientClaims.ts';
import {
  buildClaim,
  buildClaimWith,
  type ClaimInput,
  type ClaimItem,
  type ClaimPolicy,
  type ClaimResult,
  type ClaimSettlement,
  type LineSums
} from '../../../shared/claim.ts';
import { addPeriods, monthOf, type CalendarDate } from '../../../shared/dates.ts';
import { InputError } from '../../../shared/errors.ts';
import { Decimal, fromFen, parseAmount, storedFen, toText } from '../../../shared/money.ts';
import { readSettlement } from '../../../shared/agency/settlement.ts';
import { ServiceError } from '../errors.ts';
import { claimPolicy } from './policy.ts';
import { firstDayOf, lastDayOf } from '../../../shared/claim.ts';

/** The engine's input (shared/claim.ts, the `claim` input of CLI.md) gathered from the stored settlements, reversals, declarations and deferrals. */

// ─── Gathering the engine's input ───────────────────────────────────────────────────────────

export interface Gathered {
  period: string;
  today: CalendarDate;
  policy: ReturnType<typeof claimPolicy>;
  /** The engine's items (ids as text); their amounts are in `rows`. */
  input: { period: string; today: CalendarDate; policy: ClaimPolicy; settlements: readonly ClaimItem[] };
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

export function groupFunds(funds: readonly FundAmountRow[]): Map<number, FundAmountRow[]> {
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
interface ClaimRows {
  from: CalendarDate;
  to: CalendarDate;
  /** The rows the engine is given (deferred ones taken out). */
  list: ClaimEngineRow[];
  rows: Map<number, ClaimEngineRow>;
  funds: Map<number, FundAmountRow[]>;
  deferred: ClaimEngineRow[];
  agencyFigures: Set<number>;
}

function claimRowsOf(db: Tx, period: string, policy: ClaimPolicy): ClaimRows {
  // One period beyond the deferral limit, so the items that just ran out of it are listed as lapsed.
  const from = firstDayOf(addPeriods(period, -policy.maxDeferralMonths - 1));
  const to = lastDayOf(period);
  const stays = claimEngineRows(db, from, to);
  const funds = groupFunds(claimSourceFunds(db, from, to));
  const rows = new Map(stays.map((r) => [r.id, r]));
  const agencyFigures = useAgencyFigures(agencyFiguresBetween(db, from, to), rows, funds);
  // The visits' settlements and refunds (clr_type 11, docs/claim.md "Visits"): the insured region's
  // answer is their only figures, so they need no agency-figure swap. Engine ids negative (outpatientClaims.ts).
  const visits = otpClaimEngineRows(db, from, to, getInstitution(db)?.admdvs ?? '');
  for (const v of visits) {
    rows.set(v.id, v);
    funds.set(v.id, otpFundRows(v));
  }
  const all: ClaimEngineRow[] = [...stays, ...visits];
  // A deferral request says "this item cannot be declared in time" (004 第四十九条): an item of the
  // period itself with a request pending or approved stays out of the period's claim and may join
  // a later one once approved (shared/claim.ts DEFERRED). A refused request puts it back.
  const deferred = all.filter((r) => r.claimId === null && monthOf(r.settledOn) === period && r.deferralOn !== null && r.deferralApproved !== 0);
  const out = new Set(deferred.map((r) => r.id));
  const list = out.size === 0 ? all : all.filter((r) => !out.has(r.id));
  return { from, to, list, rows, funds, deferred, agencyFigures };
}

/** An amount of a stored settlement as a Decimal; a text that is not one stops the claim, naming the settlement. */
function parseStored(text: string, id: number, label: string): Decimal {
  try {
    return parseAmount(text, label);
  } catch (e) {
    if (e instanceof InputError) throw new ServiceError('CLAIM_DATA', `本机结算数据不能组成申报：结算 ${id} 的${e.message}`, 'settlementId');
    throw e;
  }
}

/** The fields of a claim item that both paths (Decimal engine, stored-fen sums) read the same way from a row. */
function itemFieldsOf(r: ClaimEngineRow) {
  return {
    id: String(r.id),
    settledOn: r.settledOn,
    scheme: r.insutype,
    scope: r.scope,
    reversalOf: r.reversalOf === null ? null : String(r.reversalOf),
    claimedIn: r.claimedIn,
    // A request still waiting for the agency is not an approval (shared/claim.ts decideItem).
    deferral: r.deferralOn === null ? null : { requestedOn: r.deferralOn, approved: r.deferralApproved === 1 },
  };
}

export function claimInputOf(db: Tx, period: string, today: CalendarDate, policy: ClaimPolicy): { input: ClaimInput; rows: Map<number, ClaimEngineRow>; funds: Map<number, FundAmountRow[]>; deferred: ClaimEngineRow[]; agencyFigures: Set<number> } {
  const { list, rows, funds, deferred, agencyFigures } = claimRowsOf(db, period, policy);
  // The engine's input built straight from the stored rows: the database already guarantees what
  // parseClaimInput checks on a JSON file (unique ids, one reversal per settlement), and on a
  // 20,000-settlement month its validation would cost more than the claim. Amounts still go
  // through parseAmount. Amounts that repeat (fund payments, account payments: a few hundred
  // texts in a month) share one immutable Decimal; 医疗费总额 and 个人现金 are nearly all distinct,
  // so caching them only grew a 40,000-entry map for the collector (claim.20k profile: GC was a
  // quarter of the time).
  const parse = parseStored;
  const cache = new Map<string, Decimal>();
  const shared = (text: string, id: number, label: string): Decimal => {
    let d = cache.get(text);
    if (d === undefined) cache.set(text, (d = parse(text, id, label)));
    return d;
  };
  const input: ClaimInput = {
    period,
    today,
    policy: { claimWindowEndDay: policy.claimWindowEndDay, maxDeferralMonths: policy.maxDeferralMonths },
    settlements: list.map((r): ClaimSettlement => ({
      ...itemFieldsOf(r),
      medfee_sumamt: parse(r.medfee, r.id, '医疗费总额'),
      fund_pay_sumamt: shared(r.fund, r.id, '基金支付总额'),
      acct_pay: shared(r.acct, r.id, '个人账户支出'),
      psn_cash_pay: parse(r.cash, r.id, '个人现金支出'),
      setldetail: (funds.get(r.id) ?? []).map((f) => ({ fund_pay_type: f.fundPayType, fund_payamt: shared(f.amount, r.id, '基金支付金额') })),
      clr_type: r.id < 0 ? '11' : '21',
    })),
  };
  return { input, rows, funds, deferred, agencyFigures };
}

/** An engine item with the row it was read from and the row's amounts in integer fen. */
type RowItem = ClaimItem & { row: ClaimEngineRow; medfee: number; fund: number; acct: number; cash: number };

/** Running fen sums stay below this, so adding one more amount (|fen| < 1e12) is still exact in a double. */
const EXACT_FEN = Number.MAX_SAFE_INTEGER - 1e12;

/**
 * The lines' sums in integer fen (claim.20k): the rules of shared/claim.ts decide every item as
 * before; its amounts, already read as stored text, are added as exact integers and become a
 * Decimal once per line. A line whose sums would leave a double's exact integers is added in
 * Decimals instead (at 2^53 fen, 90 trillion yuan: never a month of one desk, but exact anyway).
 */
function fenLineSums(funds: ReadonlyMap<number, FundAmountRow[]>): LineSums<RowItem> {
  const decimalLine = (items: readonly RowItem[]): ReturnType<LineSums<RowItem>> => {
    let m = fromFen(0), f = m, a = m, c = m;
    const byFund = new Map<string, Decimal>();
    for (const { row: r } of items) {
      m = m.plus(parseStored(r.medfee, r.id, '医疗费总额'));
      f = f.plus(parseStored(r.fund, r.id, '基金支付总额'));
      a = a.plus(parseStored(r.acct, r.id, '个人账户支出'));
      c = c.plus(parseStored(r.cash, r.id, '个人现金支出'));
      for (const x of funds.get(r.id) ?? []) byFund.set(x.fundPayType, (byFund.get(x.fundPayType) ?? fromFen(0)).plus(parseStored(x.amount, r.id, '基金支付金额')));
    }
    return { medfee: m, fund: f, acct: a, cash: c, byFund };
  };
  return (items) => {
    let m = 0, f = 0, a = 0, c = 0;
    const fenByFund = new Map<string, number>();
    for (const it of items) {
      m += it.medfee; f += it.fund; a += it.acct; c += it.cash;
      for (const x of funds.get(it.row.id) ?? []) fenByFund.set(x.fundPayType, (fenByFund.get(x.fundPayType) ?? 0) + storedFen(x.amount)!);
      if (Math.abs(m) > EXACT_FEN || Math.abs(f) > EXACT_FEN || Math.abs(a) > EXACT_FEN || Math.abs(c) > EXACT_FEN) return decimalLine(items);
    }
    for (const v of fenByFund.values()) if (Math.abs(v) > EXACT_FEN) return decimalLine(items);
    return { medfee: fromFen(m), fund: fromFen(f), acct: fromFen(a), cash: fromFen(c), byFund: new Map([...fenByFund].map(([t, v]) => [t, fromFen(v)])) };
  };
}

export function gatherClaim(db: Tx, period: string, today: CalendarDate): Gathered {
  const policy = claimPolicy(db);
  const { list, rows, funds, deferred, agencyFigures } = claimRowsOf(db, period, policy);
  const items: RowItem[] = [];
  let stored = true;
  for (const r of list) {
    const medfee = storedFen(r.medfee), fund = storedFen(r.fund), acct = storedFen(r.acct), cash = storedFen(r.cash);
    if (medfee === null || fund === null || acct === null || cash === null || (funds.get(r.id) ?? []).some((x) => storedFen(x.amount) === null)) {
      stored = false;
      break;
    }
    items.push({
      ...itemFieldsOf(r),
      clr_type: r.id < 0 ? '11' : '21',
      row: r, medfee, fund, acct, cash,
    });
  }
  if (!stored) {
    // An amount not in the stored two-decimal form (the schema does not CHECK it): every amount
    // goes through parseAmount as before, and one that is no amount stops the claim (CLAIM_DATA).
    const d = claimInputOf(db, period, today, policy);
    return { period, today, policy, ...d, result: buildClaim(d.input) };
  }
  const input = { period, today, policy: { claimWindowEndDay: policy.claimWindowEndDay, maxDeferralMonths: policy.maxDeferralMonths }, settlements: items };
  return { period, today, policy, input, result: buildClaimWith(input, fenLineSums(funds)), rows, funds, deferred, agencyFigures };
}

/** What the supervisor saw: the lines' ids and totals. Submit refuses when the claim changed since. */
export function fingerprintOf(result: ClaimResult): string {
  const lines = result.claims.map((c) => [c.scheme, c.scope, c.clr_type ?? '21', c.settlementIds, c.psntime, c.medfee_sumamt, c.fund_appy_sum, c.acct_pay, c.cash_payamt, c.byFund]);
  return createHash('sha256').update(JSON.stringify([result.period, lines])).digest('hex').slice(0, 32);
}
