import { FUND_PAY_TYPE, POOL_FUND, type Scheme } from './codes.ts';
import { InputError } from './errors.ts';
import { type Decimal, ZERO, max, min, parseAmount, parseRatio, round2, sum, toText } from './money.ts';
import { splitLine, type FeeLine, type Group, type LineSplit } from './settlement.ts';

/**
 * The outpatient share of the standard policy model (issue 16 §6): per insured region × scheme ×
 * year, an annual outpatient deductible, one ratio and an annual cap of the pool fund, kept in the
 * same policy body as the inpatient terms under `outpatient`. The lines are split by the hospital
 * region's catalogue with the inpatient engine's own line rule (splitLine; 004 第三十六条(一)),
 * and the group reduction is the policy's `reduction` (003 第三部分), as for a stay.
 *
 * UNVERIFIED: real regions have several outpatient schemes (门诊统筹 by level, 门诊慢特病 per
 * disease, 普通门诊 caps per visit); this model is the single-ratio one the issue names. The
 * insured region's answer (2206/2207) is the settlement; this computation is the desk's estimate
 * and the reference agency's book, nothing more.
 */

export const OUTPATIENT_MED_TYPES = { ordinary: '11', chronic: '14' } as const;
export type OutpatientMedType = (typeof OUTPATIENT_MED_TYPES)[keyof typeof OUTPATIENT_MED_TYPES];

/**
 * The med_type on the wire: an emergency visit goes as 13 急诊 (national-interface.md §3), which the
 * insured region treats as registered (004 第三十七条); otherwise 11 普通门诊 or 14 门诊慢特病.
 * UNVERIFIED: some regions keep 11 and carry the emergency in a regional flag instead.
 */
export function wireMedType(medType: OutpatientMedType, emergency: boolean): string {
  return emergency && medType === OUTPATIENT_MED_TYPES.ordinary ? '13' : medType;
}

export interface OutpatientPolicy {
  /** 门诊年度起付标准: counted once a year, across visits. */
  deductible: Decimal;
  ratio: Decimal;
  /** 门诊统筹年度最高支付限额. */
  annualCap: Decimal;
  /** 门诊慢特病 (med_type 14): its own ratio and cap, no deductible (UNVERIFIED: per region, per disease). */
  chronic: { ratio: Decimal; annualCap: Decimal } | null;
}

/** The `outpatient` block of a policy body, or null when the region gave none (the estimate is then the split only). */
export function outpatientPolicyOf(body: unknown): OutpatientPolicy | null {
  const o = (body as { outpatient?: Record<string, unknown> } | null)?.outpatient;
  if (o === undefined || o === null || typeof o !== 'object') return null;
  const c = o.chronic as Record<string, unknown> | undefined | null;
  return {
    deductible: parseAmount(o.deductible, '门诊起付标准（outpatient.deductible）'),
    ratio: parseRatio(o.ratio, '门诊支付比例（outpatient.ratio）'),
    annualCap: parseAmount(o.annualCap, '门诊年度最高支付限额（outpatient.annualCap）'),
    chronic: c && typeof c === 'object'
      ? { ratio: parseRatio(c.ratio, '门诊慢特病支付比例（outpatient.chronic.ratio）'), annualCap: parseAmount(c.annualCap, '门诊慢特病年度限额（outpatient.chronic.annualCap）') }
      : null,
  };
}

export interface OutpatientInput {
  policy: OutpatientPolicy;
  scheme: Scheme;
  /** Ratio points taken off for the person's group (the policy's `reduction`; an emergency counts as registered — 004 第三十七条). */
  reduction: Decimal;
  /** The wire med_type (11, 13 急诊, 14): 14 takes the chronic terms. */
  medType: string;
  /** This year's outpatient deductible already met and pool paid (other settlements, net of refunds). */
  deductibleUsedThisYear: Decimal;
  poolPaidThisYear: Decimal;
  useAccount: boolean;
  accountBalance: Decimal;
  fees: FeeLine[];
}

export interface OutpatientResult {
  medfee_sumamt: Decimal;
  inscp_scp_amt: Decimal;
  preselfpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  fulamt_ownpay_amt: Decimal;
  act_pay_dedc: Decimal;
  hifp_pay: Decimal;
  pool_prop_selfpay: Decimal;
  fund_pay_sumamt: Decimal;
  psn_part_amt: Decimal;
  acct_pay: Decimal;
  psn_cash_pay: Decimal;
  setldetail: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: Decimal }[];
  lines: LineSplit[];
}

/** One outpatient settlement of the standard model (see the module comment for what is UNVERIFIED). */
export function computeOutpatient(input: OutpatientInput): OutpatientResult {
  if (input.fees.length === 0) throw new InputError('NO_FEES', '没有可结算的门诊费用明细', 'fees');
  const lines = input.fees.map(splitLine);
  const total = sum(input.fees.map((f) => f.amount));
  if (total.lt(0)) throw new InputError('NEGATIVE_TOTAL', `门诊费用合计为负数（${toText(total)}），请核对退费明细`, 'fees');
  const inScope = sum(lines.map((l) => l.in));
  const chronic = input.medType === OUTPATIENT_MED_TYPES.chronic && input.policy.chronic !== null ? input.policy.chronic : null;
  // The deductible is counted per year across visits; 门诊慢特病 has none in this model (UNVERIFIED).
  const dedcLeft = chronic ? ZERO : max(ZERO, input.policy.deductible.minus(input.deductibleUsedThisYear));
  const actPayDedc = min(max(ZERO, inScope), dedcLeft);
  const ratio = max(ZERO, (chronic?.ratio ?? input.policy.ratio).minus(input.reduction));
  const capLeft = max(ZERO, (chronic?.annualCap ?? input.policy.annualCap).minus(input.poolPaidThisYear));
  const hifp = min(round2(max(ZERO, inScope.minus(actPayDedc)).times(ratio)), capLeft);
  const psnPart = total.minus(hifp);
  const acct = input.useAccount ? min(max(ZERO, input.accountBalance), max(ZERO, psnPart)) : ZERO;
  const pool = POOL_FUND[input.scheme];
  return {
    medfee_sumamt: total,
    inscp_scp_amt: inScope,
    preselfpay_amt: sum(lines.map((l) => l.pre)),
    overlmt_selfpay: sum(lines.map((l) => l.over)),
    fulamt_ownpay_amt: sum(lines.map((l) => l.full)),
    act_pay_dedc: actPayDedc,
    hifp_pay: hifp,
    pool_prop_selfpay: ratio,
    fund_pay_sumamt: hifp,
    psn_part_amt: psnPart,
    acct_pay: acct,
    psn_cash_pay: psnPart.minus(acct),
    setldetail: hifp.isZero() ? [] : [{ fund_pay_type: pool, fund_pay_type_name: (FUND_PAY_TYPE as Record<string, string>)[pool] ?? pool, fund_payamt: hifp }],
    lines,
  };
}

/** A settlement's group for the outpatient reduction: an emergency visit counts as registered (004 第三十七条). */
export function outpatientGroup(registered: Group, emergency: boolean): Group {
  return emergency && registered === 'unregistered' ? 'emergency' : registered;
}


/**
 * What the visit's registration must carry (issue 16 §1, 2203): at least one 西医 diagnosis
 * (diag_type 1), and for 门诊慢特病 (med_type 14) the disease code. Null when it is complete.
 */
export function visitProblem(v: { medType: string; diseCodg?: string | null | undefined; diagnoses: readonly { diagType: string }[] }): { message: string; path: string } | null {
  if (!v.diagnoses.some((d) => d.diagType === '1')) return { message: '门诊诊断须至少有一条西医诊断（诊断类别 1，2203 就诊信息上传）', path: 'diagnoses' };
  if (v.medType === OUTPATIENT_MED_TYPES.chronic && !v.diseCodg) return { message: '门诊慢特病须填写病种编码（dise_codg）', path: 'diseCodg' };
  return null;
}

/**
 * Whether the person's 门诊慢特病 registrations (5301) cover the disease on the day (issue 16 §2):
 * null when they do, else the Chinese sentence with the rule; the visit can go on as 普通门诊.
 */
export function chronicProblem(regs: readonly { code: string; name: string; begndate: string | null; enddate: string | null }[], diseCodg: string, day: string): string | null {
  const valid = regs.filter((r) => (r.begndate === null || r.begndate.slice(0, 10) <= day) && (r.enddate === null || r.enddate.slice(0, 10) >= day));
  if (valid.some((r) => r.code === diseCodg)) return null;
  const held = valid.length > 0 ? `（该参保人有效的慢特病备案：${valid.map((r) => `${r.name} ${r.code}`).join('、')}）` : '（该参保人没有有效的慢特病备案）';
  return `该参保人没有病种 ${diseCodg} 的有效门诊慢特病备案${held}：门诊慢特病须在参保地办理该病种的备案后方可按慢特病直接结算（issue 16 §2，5301 人员慢特病备案查询）；本次可按普通门诊（11）办理`;
}

/**
 * 清算后退费 (004 第四十五条: regions support refunds of a settlement already claimed or cleared): a
 * visit's settlement held by a monthly claim (submitted, accepted or cleared) is refunded only by a
 * supervisor (issue 16 §3), and the refund goes as a negative line into the claim of its own period —
 * the claim that holds the settlement is never edited. Null when the refund may go ahead.
 */
export function claimedRefundProblem(claim: { setlym: string; statusLabel: string } | undefined, role: 'clerk' | 'supervisor'): string | null {
  if (claim === undefined || role === 'supervisor') return null;
  return `该门诊结算已纳入 ${claim.setlym} 期清算申报（${claim.statusLabel}）：清算后退费须由主管办理，退费记入退费当期的清算申报，已申报的清算不作更改（004 第四十五条）`;
}

/** A 门诊慢特病 disease's limits as the 5301 answer gave them at registration (stored with the visit). */
export interface ChronicLimits {
  code: string;
  name: string;
  annual: string | null;
  perVisit: string | null;
}

/** The rule a disease's limit is: the insured region's policy decides how much the funds pay (就医地目录、参保地政策). */
export const CHRONIC_LIMIT_RULE = '003 第三部分、004 第九条；5301 病种限额';

/**
 * Where a 门诊慢特病 visit's fees go beyond the disease's limits (issue 16 §2): the visit's own fees
 * against the per-visit limit, and with this desk's earlier settlements of the disease this year
 * against the annual one. Chinese sentences with the rule; empty when within. A warning, not a
 * refusal: the insured region's 2207 decides what the funds pay.
 */
export function chronicLimitWarnings(l: ChronicLimits, visitFees: Decimal, earlierThisYear: Decimal): string[] {
  const out: string[] = [];
  const dise = `${l.name} ${l.code}`;
  if (l.perVisit !== null) {
    const cap = parseAmount(l.perVisit, '单次限额');
    if (visitFees.gt(cap)) out.push(`本次门诊慢特病（${dise}）费用 ${toText(visitFees)} 元，超过参保地该病种单次限额 ${toText(cap)} 元（${CHRONIC_LIMIT_RULE}）：超出部分基金可能不予支付，以参保地结算（2207）为准`);
  }
  if (l.annual !== null) {
    const cap = parseAmount(l.annual, '年度限额');
    const year = earlierThisYear.plus(visitFees);
    if (year.gt(cap)) out.push(`本年度该病种（${dise}）门诊慢特病费用：本院已结算 ${toText(earlierThisYear)} 元 + 本次 ${toText(visitFees)} 元 = ${toText(year)} 元，超过参保地年度限额 ${toText(cap)} 元（${CHRONIC_LIMIT_RULE}）：超出部分基金可能不予支付，以参保地结算（2207）为准`);
  }
  return out;
}
