import { classOf, type CatalogueItem } from './catalogue.ts';
import { Decimal, parseAmount, parseDecimal, toText, ZERO } from './money.ts';
import { poolingRegionOf } from './regions.ts';
import type { FeeLine, Group, Level } from './settlement.ts';

/**
 * The pieces of a settlement around the engine (shared/settlement.ts): which policy applies,
 * how an admission's group and fee lines become the engine's input, the 协查 threshold, and the
 * comparison with the agency's own computation. Pure, so the renderer can explain the same.
 */

// ---------------------------------------------------------------------------------------------
// Policy lookup (DOMAIN §6a: "per insured region × scheme × year, with a version id").

export interface PolicyRecord {
  id: number;
  version: string;
  insuplcAdmdvs: string;
  insutype: string;
  year: number;
  body: unknown;
}

/**
 * The insured region's policy for a discharge: region = the person's pooling region (统筹区,
 * a city, or the province where pooling is provincial — DOMAIN §1), scheme, and the calendar year
 * of discharge, because a stay across New Year is settled once at discharge (004 第四十四条).
 * Among several versions of the same key the latest imported wins.
 */
export function pickPolicy<P extends PolicyRecord>(records: readonly P[], key: { insuredRegion: string; insutype: string; dischargedOn: string }): P | undefined {
  const year = Number(key.dischargedOn.slice(0, 4));
  const pool = poolingRegionOf(key.insuredRegion);
  const candidates = records.filter((r) => r.insutype === key.insutype && r.year === year && (r.insuplcAdmdvs === key.insuredRegion || r.insuplcAdmdvs === pool));
  // A policy filed for the exact county beats the pooling region's, then the newest import.
  candidates.sort((a, b) => Number(b.insuplcAdmdvs === key.insuredRegion) - Number(a.insuplcAdmdvs === key.insuredRegion) || b.id - a.id);
  return candidates[0];
}

/** 协查 thresholds (004 第六十六条): 30,000 cross-province, 20,000 in-province, unless the policy says otherwise. */
export function assistanceThresholds(body: unknown): { cross: Decimal; in: Decimal } {
  const t = (body as { assistanceThresholds?: { cross?: unknown; in?: unknown } } | null)?.assistanceThresholds;
  return {
    cross: t?.cross === undefined ? new Decimal('30000.00') : parseAmount(t.cross, '协查门槛（跨省）'),
    in: t?.in === undefined ? new Decimal('20000.00') : parseAmount(t.in, '协查门槛（省内）'),
  };
}

/** Does the stay's total reach the 协查 threshold for its scope (004 第六十六条)? */
export function needsAssistanceFlag(total: Decimal, scope: 'cross' | 'in', body: unknown): boolean {
  const t = assistanceThresholds(body);
  return total.gte(scope === 'cross' ? t.cross : t.in);
}

/**
 * The engine's person group from the admission's registration group (003 第三部分): resettled
 * retirees, long-term residents and posted workers are 异地长期居住人员; referral, emergency and
 * other temporary keep their own reduction; no registration is 未备案.
 */
export function settleGroupOf(group: string | null | undefined): Group {
  switch (group) {
    case 'longTerm': case 'resettledRetiree': case 'longTermResident': case 'postedWorker': return 'longTerm';
    case 'referral': return 'referral';
    case 'emergency': return 'emergency';
    case 'otherTemporary': return 'otherTemporary';
    default: return 'unregistered';
  }
}

export const GROUP_LABEL: Record<Group, string> = {
  longTerm: '异地长期居住', referral: '转诊转院', emergency: '急诊抢救', otherTemporary: '其他临时外出', unregistered: '未备案',
};

// ---------------------------------------------------------------------------------------------
// Engine input from stored lines (CLI.md `settle` shape, so the snapshot can be replayed).

export interface LineForSettle {
  feedetlSn: string;
  medListCodg: string;
  name: string;
  cnt: string;
  pric: string;
  amount: string;
  selfPay: boolean;
  /** The catalogue item for the code, or null when it is not (or no longer) in the catalogue. */
  item: Pick<CatalogueItem, 'chrgitmLv' | 'selfpayProp' | 'pricUplmtAmt'> | null;
}

export interface SettleFeeJson {
  sn: string;
  code: string;
  name: string;
  class: 'A' | 'B' | 'C';
  qty: string;
  price: string;
  amount: string;
  selfPayRatio: string | null;
  limitPrice: string | null;
}

/** The engine's class of a stored line: explicit 自费 and codes missing from the catalogue are class C (DOMAIN §6). */
export function lineClass(l: Pick<LineForSettle, 'selfPay' | 'item'>): 'A' | 'B' | 'C' {
  return l.selfPay || l.item === null ? 'C' : classOf(l.item);
}

/** One line in the engine's shape (CLI.md `settle` fee), as stored in a settlement's input snapshot. */
export function feeForSettle(l: LineForSettle): SettleFeeJson {
  const cls = lineClass(l);
  return {
    sn: l.feedetlSn,
    code: l.medListCodg,
    name: l.name,
    class: cls,
    qty: parseDecimal(l.cnt).toFixed(),
    price: parseDecimal(l.pric).toFixed(),
    amount: l.amount,
    selfPayRatio: cls === 'B' && l.item ? l.item.selfpayProp.toFixed() : null,
    limitPrice: cls !== 'C' && l.item?.pricUplmtAmt ? l.item.pricUplmtAmt.toFixed() : null,
  };
}

/** The same line straight as the engine's FeeLine (for the fee list's per-line split). */
export function engineLine(l: LineForSettle): FeeLine {
  const cls = lineClass(l);
  return {
    sn: l.feedetlSn, code: l.medListCodg, name: l.name, class: cls, qty: new Decimal(l.cnt), price: new Decimal(l.pric), amount: new Decimal(l.amount),
    selfPayRatio: cls === 'B' && l.item ? l.item.selfpayProp : null,
    limitPrice: cls !== 'C' && l.item?.pricUplmtAmt ? l.item.pricUplmtAmt : null,
  };
}

export interface SettleJsonInput {
  policy: unknown;
  hospitalLevel: Level;
  group: Group;
  priorAdmissionsThisYear: number;
  poolPaidThisYear: string;
  supplementaryPaidThisYear: string;
  civilServant: boolean;
  useAccount: boolean;
  accountBalance: string;
  fees: SettleFeeJson[];
}

/** The policy body as the engine reads it: the stored body carries extra desk parameters (§12). */
export function enginePolicy(body: unknown): unknown {
  if (body === null || typeof body !== 'object') return body;
  const b = body as Record<string, unknown>;
  const keys = ['version', 'scheme', 'deductible', 'repeatDeductibleFactor', 'bands', 'reduction', 'annualCap', 'poolFundType', 'supplementary', 'civilServantRatio'];
  return Object.fromEntries(keys.filter((k) => k in b).map((k) => [k, b[k]]));
}

// ---------------------------------------------------------------------------------------------
// Comparison with the agency (001 规程 第二十七条: the insured region computes and returns the
// split; DOMAIN §6: "any difference is shown and kept").

export const COMPARED_FIELDS = [
  'medfee_sumamt', 'inscp_scp_amt', 'preselfpay_amt', 'overlmt_selfpay', 'fulamt_ownpay_amt', 'act_pay_dedc',
  'hifp_pay', 'hifob_pay', 'hifmi_pay', 'cvlserv_pay', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay',
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export const FIELD_LABEL: Record<ComparedField, string> = {
  medfee_sumamt: '总费用', inscp_scp_amt: '统筹基金支付范围内费用', preselfpay_amt: '乙类先行自付费用',
  overlmt_selfpay: '超限价自付费用', fulamt_ownpay_amt: '自费费用', act_pay_dedc: '实际支付起付线',
  hifp_pay: '统筹基金支付', hifob_pay: '大额医疗费用补助', hifmi_pay: '居民大病保险', cvlserv_pay: '公务员医疗补助',
  fund_pay_sumamt: '基金支付合计', psn_part_amt: '个人负担', acct_pay: '个人账户支付', psn_cash_pay: '个人现金支付',
};

export interface Difference {
  field: string;
  label: string;
  local: string;
  agency: string;
  /** agency − local */
  diff: string;
}

/**
 * Every amount and every fund that differs, by even 0.01. A field the agency left out counts as
 * 0.00 (real answers omit funds that paid nothing), so an omitted non-zero amount is a difference.
 */
export function compareWithAgency(
  local: Record<ComparedField, Decimal>,
  localFunds: readonly { fund_pay_type: string; fund_payamt: Decimal }[],
  agency: Partial<Record<string, Decimal | null>>,
  agencyFunds: readonly { fund_pay_type: string | null; fund_pay_type_name?: string | null; fund_payamt: Decimal | null }[],
): Difference[] {
  const out: Difference[] = [];
  for (const f of COMPARED_FIELDS) {
    const a = agency[f] ?? ZERO;
    const l = local[f];
    if (!a.eq(l)) out.push({ field: f, label: FIELD_LABEL[f], local: toText(l), agency: toText(a), diff: toText(a.minus(l)) });
  }
  const byType = new Map<string, { local: Decimal; agency: Decimal; name: string }>();
  for (const x of localFunds) byType.set(x.fund_pay_type, { local: x.fund_payamt, agency: ZERO, name: x.fund_pay_type });
  for (const x of agencyFunds) {
    const type = x.fund_pay_type ?? '(未注明)';
    const cur = byType.get(type) ?? { local: ZERO, agency: ZERO, name: type };
    cur.agency = cur.agency.plus(x.fund_payamt ?? ZERO);
    if (x.fund_pay_type_name) cur.name = x.fund_pay_type_name;
    byType.set(type, cur);
  }
  for (const [type, v] of [...byType.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (!v.local.eq(v.agency)) out.push({ field: `setldetail.${type}`, label: `基金明细 ${v.name}（${type}）`, local: toText(v.local), agency: toText(v.agency), diff: toText(v.agency.minus(v.local)) });
  }
  return out;
}
