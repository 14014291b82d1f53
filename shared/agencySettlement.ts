import { FUND_PAY_TYPE } from './codes.ts';
import { Decimal, sum, toText, ZERO } from './money.ts';
import type { SettlementInfo } from './agency/settlement.ts';

/**
 * The insured region's answer as the settlement (issue 14 §1): the hospital settles with the
 * patient on the 2303/2304 answer (001 规程 第二十七条; 004 第三十五条(一)(二), 第四十条), so
 * the printed figures are the agency's. Real answers leave amounts out (`null`, `""`): those are
 * filled from what the answer does give, by the identities of 004 附件10, and from the hospital
 * region's own split, which the desk computes (004 第三十六条(一)); each filled field is named, so
 * the slip and the audit can say it. Nothing here is ever taken from the desk's estimate of the
 * funds' share.
 */

/** The settlement row's amounts (the national names). */
export const SETTLEMENT_FIELDS = [
  'medfee_sumamt', 'inscp_scp_amt', 'preselfpay_amt', 'overlmt_selfpay', 'fulamt_ownpay_amt', 'act_pay_dedc',
  'hifp_pay', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay',
] as const;
export type SettlementField = (typeof SETTLEMENT_FIELDS)[number];

/** The hospital region's split of the stay (就医地拆分), as the desk computed it from its catalogue. */
export interface HospitalSplit {
  medfee_sumamt: Decimal;
  inscp_scp_amt: Decimal;
  preselfpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  fulamt_ownpay_amt: Decimal;
}

export interface AgencyFundRow {
  fund_pay_type: string;
  fund_pay_type_name: string;
  fund_payamt: Decimal;
}

export interface AgencyFigures {
  amounts: Record<SettlementField, Decimal>;
  /** Fund rows as returned (codes and names of the insured region, 004 附件10 注1); rows without a code or an amount are left out (not given). */
  funds: AgencyFundRow[];
  /** Fields the answer did not give, and how each was filled. */
  derived: { field: SettlementField; how: string }[];
}

/** Names of the national fund codes, for a row the answer sent without a name. */
function fundName(code: string): string {
  return (FUND_PAY_TYPE as Record<string, string>)[code] ?? code;
}

export function agencyFigures(info: Pick<SettlementInfo, 'amounts' | 'setldetail'>, split: HospitalSplit): AgencyFigures {
  const given = info.amounts;
  const derived: AgencyFigures['derived'] = [];
  const funds: AgencyFundRow[] = info.setldetail.flatMap((f) => (f.fundPayType === null || f.fundPayamt === null ? [] : [{
    fund_pay_type: f.fundPayType,
    fund_pay_type_name: f.fundPayTypeName ?? fundName(f.fundPayType),
    fund_payamt: f.fundPayamt,
  }]));
  const take = (field: SettlementField, fallback: () => Decimal, how: string): Decimal => {
    const v = given[field];
    if (v !== null && v !== undefined) return v;
    derived.push({ field, how });
    return fallback();
  };
  const medfee = take('medfee_sumamt', () => split.medfee_sumamt, '经办机构未返回，取本院费用明细合计');
  const inscp = take('inscp_scp_amt', () => split.inscp_scp_amt, '经办机构未返回，取就医地目录拆分（004 第三十六条(一)）');
  const pre = take('preselfpay_amt', () => split.preselfpay_amt, '经办机构未返回，取就医地目录拆分（004 第三十六条(一)）');
  const over = take('overlmt_selfpay', () => split.overlmt_selfpay, '经办机构未返回，取就医地目录拆分（004 第三十六条(一)）');
  const full = take('fulamt_ownpay_amt', () => split.fulamt_ownpay_amt, '经办机构未返回，取就医地目录拆分（004 第三十六条(一)）');
  const dedc = take('act_pay_dedc', () => ZERO, '经办机构未返回，记为 0.00');
  const hifp = take('hifp_pay', () => ZERO, '经办机构未返回，记为 0.00（基金明细见各基金行）');
  const fund = take('fund_pay_sumamt', () => (given.psn_part_amt != null ? medfee.minus(given.psn_part_amt) : sum(funds.map((f) => f.fund_payamt))),
    given.psn_part_amt != null ? '经办机构未返回，按 总费用 − 个人负担 计算（004 附件10 注3）' : '经办机构未返回，按返回的基金明细合计');
  const acct = take('acct_pay', () => ZERO, '经办机构未返回，记为 0.00');
  const part = take('psn_part_amt', () => (given.psn_cash_pay != null ? acct.plus(given.psn_cash_pay) : medfee.minus(fund)),
    given.psn_cash_pay != null ? '经办机构未返回，按 个人账户支付 + 个人现金支付 计算（004 附件10 注3）' : '经办机构未返回，按 总费用 − 基金支付合计 计算（004 附件10 注3）');
  const cash = take('psn_cash_pay', () => part.minus(acct), '经办机构未返回，按 个人负担 − 个人账户支付 计算（004 附件10 注3）');
  return {
    amounts: {
      medfee_sumamt: medfee, inscp_scp_amt: inscp, preselfpay_amt: pre, overlmt_selfpay: over, fulamt_ownpay_amt: full, act_pay_dedc: dedc,
      hifp_pay: hifp, fund_pay_sumamt: fund, psn_part_amt: part, acct_pay: acct, psn_cash_pay: cash,
    },
    funds,
    derived,
  };
}

/** The figures as two-decimal strings (for rows and views). */
export function figuresText(a: Record<SettlementField, Decimal>): Record<SettlementField, string> {
  return Object.fromEntries(SETTLEMENT_FIELDS.map((f) => [f, toText(a[f])])) as Record<SettlementField, string>;
}
