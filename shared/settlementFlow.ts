import { classOf, type CatalogueItem } from './catalogue.ts';
import { Decimal, parseAmount, parseDecimal, toText } from './money.ts';
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
  /** Where an office's parameters come from and as of when (null: the demo or the desk-extension feed). */
  source?: string | null;
  sourceDate?: string | null;
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
  /** Why this total is compared, with its source (shown to the clerk). Absent on differences stored before issue 14. */
  rule?: string;
}

/**
 * The totals the desk can know, and why each is compared (issue 14 §3). The hospital region's
 * line split is the desk's own (004 第三十六条(一)), so 总费用 and its four parts (004 附件10 注2)
 * must agree to the fen. What the funds pay is the insured region's computation (001 规程
 * 第二十七条; 004 第三十五条(一)(二)): only its sum and the person's share (004 附件10 注3) are
 * compared, with the cash the patient pays at the desk (psn_cash_pay) — never fund rows by code, because real answers carry rows the desk does not compute
 * (310200/310201 个人账户, 999996 医院垫付, 999997 其他, 620100, regional variants such as 330101;
 * DOMAIN §6), and those are printed as returned, not flagged.
 */
export const CHECKED_TOTALS = ['medfee_sumamt', 'inscp_scp_amt', 'preselfpay_amt', 'overlmt_selfpay', 'fulamt_ownpay_amt', 'fund_pay_sumamt', 'psn_part_amt', 'psn_cash_pay'] as const;
export type CheckedTotal = (typeof CHECKED_TOTALS)[number];
/**
 * The hospital region's own figures (就医地拆分, 004 第三十六条(一)): what the desk checks in an
 * answer that IS the settlement — the funds' share there is the insured region's to compute, and
 * the desk's estimate of it is no yardstick (issue 14 §1).
 */
export const SPLIT_TOTALS = ['medfee_sumamt', 'inscp_scp_amt', 'preselfpay_amt', 'overlmt_selfpay', 'fulamt_ownpay_amt'] as const satisfies readonly CheckedTotal[];

const SPLIT_RULE = '就医地按目录拆分（004 第三十六条(一)；总费用 = 范围内 + 乙类先行自付 + 超限价 + 自费，004 附件10 注2）';
const FUND_RULE = '参保地计算基金与个人负担（001 规程 第二十七条；总费用 = 基金支付合计 + 个人负担，004 附件10 注3），只比合计，不逐项比基金明细（DOMAIN §6）';
export const CHECK_RULE: Record<CheckedTotal, string> = {
  medfee_sumamt: SPLIT_RULE, inscp_scp_amt: SPLIT_RULE, preselfpay_amt: SPLIT_RULE, overlmt_selfpay: SPLIT_RULE, fulamt_ownpay_amt: SPLIT_RULE,
  fund_pay_sumamt: FUND_RULE, psn_part_amt: FUND_RULE,
  psn_cash_pay: '患者在医院现金支付的金额（个人现金支付 = 个人负担 − 个人账户支付，004 附件10 注3；DOMAIN §6a 第9步），以参保地返回为准',
};

type AgencyAmounts = Partial<Record<string, Decimal | null | undefined>>;

/**
 * The agency's figure for a compared total, or null when it did not give one. `null`, `""` and a
 * missing field are "not given" (DOMAIN §6: "not given" is not 0.00), so they are never a
 * difference. The person's share is psn_part_amt; an answer without it (the Chongqing 2305) gives
 * it as 个人账户支付 + 个人现金支付 when both are there (DOMAIN §6a step 9).
 */
export function agencyTotal(agency: AgencyAmounts, f: CheckedTotal): Decimal | null {
  const v = agency[f] ?? null;
  if (v !== null || f !== 'psn_part_amt') return v;
  const acct = agency.acct_pay ?? null;
  const cash = agency.psn_cash_pay ?? null;
  return acct !== null && cash !== null ? acct.plus(cash) : null;
}

/**
 * The totals the agency gave that differ from ours, by even 0.01 (CHECKED_TOTALS says which and
 * why). Amounts the agency did not give, and every fund row, are not compared.
 */
export function compareWithAgency(local: Partial<Record<CheckedTotal, Decimal>>, agency: AgencyAmounts, fields: readonly CheckedTotal[] = CHECKED_TOTALS): Difference[] {
  const out: Difference[] = [];
  for (const f of fields) {
    const a = agencyTotal(agency, f);
    const l = local[f];
    if (a === null || l === undefined) continue;
    if (!a.eq(l)) out.push({ field: f, label: FIELD_LABEL[f], local: toText(l), agency: toText(a), diff: toText(a.minus(l)), rule: CHECK_RULE[f] });
  }
  return out;
}
