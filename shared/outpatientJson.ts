import { InputError } from './errors.ts';
import { parseAmount, toText, type Decimal } from './money.ts';
import { computeOutpatient, outpatientGroup, outpatientPolicyOf, type OutpatientPolicy } from './outpatient.ts';
import { parseSettleInput, type SettleJson } from './settlement.ts';

/**
 * The CLI's `settle` for a visit (issue 16 §5; docs/outpatient.md "CLI"): the input CLI.md gives for
 * a stay, with an `outpatient` object (`medType` 11 / 13 急诊 / 14 门诊慢特病, this year's outpatient
 * deductible met and pool paid) and the policy's `outpatient` terms — computed by computeOutpatient,
 * the engine of the desk's estimate and of the reference agency. The policy, group, account and fee
 * lines are read by the stay's own parser (the same checks and messages); the stay-only fields
 * (hospitalLevel, priorAdmissionsThisYear, the stay's year-to-date amounts, civilServant) are not asked.
 */

export interface OutpatientSettleJson extends SettleJson {
  med_type: string;
}

/** An input is the outpatient variant when it carries an `outpatient` member (CLI.md's stay input has none). */
export function isOutpatientSettleInput(json: unknown): boolean {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && 'outpatient' in json;
}

const MED_TYPES = ['11', '13', '14'] as const;

function amountAt(o: Record<string, unknown>, key: string, label: string): Decimal {
  const path = `outpatient.${key}`;
  if (!(key in o) || o[key] === null || o[key] === undefined) throw new InputError('MISSING_FIELD', `缺少${label}（${path}）`, path);
  let d: Decimal;
  try {
    d = parseAmount(o[key], label);
  } catch (e) {
    if (e instanceof InputError) throw new InputError('INVALID_FIELD', `${e.message}（${path}）`, path);
    throw e;
  }
  if (d.lt(0)) throw new InputError('INVALID_FIELD', `${label}不能为负数：${toText(d)}（${path}）`, path);
  return d;
}

function outpatientTerms(policy: unknown): OutpatientPolicy {
  let terms: OutpatientPolicy | null;
  try {
    terms = outpatientPolicyOf(policy);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    // The label names the member (门诊支付比例（outpatient.ratio）): the path is under policy.
    const member = /（(outpatient[^）]*)）/.exec(e.path)?.[1] ?? 'outpatient';
    throw new InputError('INVALID_FIELD', `${e.message}（policy.${member}）`, `policy.${member}`);
  }
  if (!terms) throw new InputError('MISSING_FIELD', '保险政策缺少门诊待遇参数（policy.outpatient：deductible、ratio、annualCap）', 'policy.outpatient');
  return terms;
}

export function settleOutpatientFromJson(json: unknown): OutpatientSettleJson {
  const input = json as Record<string, unknown>;
  const visit = input.outpatient;
  if (visit === null || typeof visit !== 'object' || Array.isArray(visit)) throw new InputError('INVALID_FIELD', '门诊结算信息（outpatient）应为 JSON 对象', 'outpatient');
  const v = visit as Record<string, unknown>;
  const medType = v.medType;
  if (medType === undefined || medType === null) throw new InputError('MISSING_FIELD', '缺少医疗类别（outpatient.medType）', 'outpatient.medType');
  if (typeof medType !== 'string' || !(MED_TYPES as readonly string[]).includes(medType)) {
    throw new InputError('INVALID_FIELD', `医疗类别（outpatient.medType）应为 11 普通门诊、13 急诊 或 14 门诊慢特病：${String(medType)}`, 'outpatient.medType');
  }
  // The stay's parser for what the two share; its stay-only members are filled, never read for a visit.
  const base = parseSettleInput({ ...input, hospitalLevel: 1, priorAdmissionsThisYear: 0, poolPaidThisYear: '0.00', supplementaryPaidThisYear: '0.00', civilServant: false });
  const terms = outpatientTerms(input.policy);
  const deductibleUsed = amountAt(v, 'deductibleUsedThisYear', '本年度门诊已付起付线');
  const poolPaid = amountAt(v, 'poolPaidThisYear', '本年度门诊统筹已支付');
  // An emergency counts as registered (004 第三十七条).
  const group = outpatientGroup(base.group, medType === '13');
  const r = computeOutpatient({
    policy: terms, scheme: base.policy.scheme, reduction: base.policy.reduction[group], medType,
    deductibleUsedThisYear: deductibleUsed, poolPaidThisYear: poolPaid, useAccount: base.useAccount, accountBalance: base.accountBalance, fees: base.fees,
  });
  return {
    medfee_sumamt: toText(r.medfee_sumamt), inscp_scp_amt: toText(r.inscp_scp_amt), preselfpay_amt: toText(r.preselfpay_amt), overlmt_selfpay: toText(r.overlmt_selfpay),
    fulamt_ownpay_amt: toText(r.fulamt_ownpay_amt), act_pay_dedc: toText(r.act_pay_dedc), hifp_pay: toText(r.hifp_pay), fund_pay_sumamt: toText(r.fund_pay_sumamt),
    psn_part_amt: toText(r.psn_part_amt), acct_pay: toText(r.acct_pay), psn_cash_pay: toText(r.psn_cash_pay),
    setldetail: r.setldetail.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })),
    policyVersion: base.policy.version, med_type: medType,
  };
}
