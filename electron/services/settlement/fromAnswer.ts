import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { admissionWithPerson, insertAgencyResult, insertSettlement } from '../../../db/repos/settlements.ts';
import type { SettlementRequestRow } from '../../../db/repos/settlementRequests.ts';
import { agencyFigures, figuresText, type HospitalSplit } from '../../../shared/agencySettlement.ts';
import type { JsonObject } from '../../../shared/agency/envelope.ts';
import { readSettlement } from '../../../shared/agency/settlement.ts';
import { dateTimeCST, todayCST } from '../../../shared/dates.ts';
import { Decimal, toText } from '../../../shared/money.ts';
import { compareWithAgency, SPLIT_TOTALS } from '../../../shared/settlementFlow.ts';
import type { EstimateAmounts } from '../../../shared/api/settlement.ts';
import type { SettleJsonInput } from '../../../shared/settlementFlow.ts';

/**
 * The insured region answered a 2304: its answer becomes the settlement (issue 14 §1; 001 规程
 * 第二十七条) — amounts and fund rows as returned (004 附件10 注1), unstated amounts filled by
 * the identities of 附件10 and named (shared/agencySettlement.ts). Runs in the sync worker's
 * transaction that confirms the 2304, so the settlement exists exactly when the item is gone.
 * The hospital region's split (medfee and its four parts) is the desk's own to know: a difference
 * there is recorded as a mismatch to look at. The funds' share differs from the desk's estimate
 * as it may — the estimate is kept in the request, never compared as an error.
 */
export function settlementFromAnswer(tx: Tx, request: SettlementRequestRow, output: JsonObject | null, errMsg: string | null): number {
  const info = readSettlement(output, errMsg);
  const est = JSON.parse(request.estimate) as RequestEstimate;
  const d = (t: string): Decimal => new Decimal(t);
  const split: HospitalSplit = {
    medfee_sumamt: d(est.amounts.medfee_sumamt), inscp_scp_amt: d(est.amounts.inscp_scp_amt), preselfpay_amt: d(est.amounts.preselfpay_amt),
    overlmt_selfpay: d(est.amounts.overlmt_selfpay), fulamt_ownpay_amt: d(est.amounts.fulamt_ownpay_amt),
  };
  const fig = agencyFigures(info, split);
  const t = figuresText(fig.amounts);
  const now = new Date();
  // The agency's own settlement time where it gave one (yyyy-MM-dd HH:mm:ss), else the moment the answer was taken.
  const setlTime = info.setlTime && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(info.setlTime) ? info.setlTime : dateTimeCST(now);
  const found = admissionWithPerson(tx, request.admissionId);
  if (!found) throw new Error(`结算请求 ${request.id} 对应的住院登记不存在`);
  const id = insertSettlement(tx, {
    admissionId: request.admissionId, kind: 'settlement', basis: 'agency', requestId: request.id,
    settledOn: setlTime === dateTimeCST(now) ? todayCST(now) : setlTime.slice(0, 10), setlTime, insutype: est.meta.insutype, scope: est.meta.scope,
    medfeeSumamt: t.medfee_sumamt, inscpScpAmt: t.inscp_scp_amt, preselfpayAmt: t.preselfpay_amt, overlmtSelfpay: t.overlmt_selfpay,
    fulamtOwnpayAmt: t.fulamt_ownpay_amt, actPayDedc: t.act_pay_dedc, hifpPay: t.hifp_pay, fundPaySumamt: t.fund_pay_sumamt,
    psnPartAmt: t.psn_part_amt, acctPay: t.acct_pay, psnCashPay: t.psn_cash_pay,
    policyVersion: est.meta.policyVersion, catalogueVersion: est.meta.catalogueVersion, estimate: false, assistanceFlag: est.meta.assistanceFlag,
    setlId: info.setlId, msgid: request.msgid, clerkId: request.clerkId,
    settleInput: JSON.stringify({ meta: { ...est.meta, requestId: request.id, derived: fig.derived } }),
  }, fig.funds.map((f) => ({ source: 'local' as const, fundPayType: f.fund_pay_type, fundPayTypeName: f.fund_pay_type_name, fundPayamt: toText(f.fund_payamt) })));
  const differences = compareWithAgency(split, info.amounts, SPLIT_TOTALS);
  const resultId = insertAgencyResult(tx, { settlementId: id, body: output, mismatch: differences, funds: [] });
  appendAudit(tx, {
    clerkId: null, action: 'settlement.answered', entity: 'settlement', entityId: id,
    detail: {
      requestId: request.id, admissionId: request.admissionId, setlId: info.setlId, medfee_sumamt: t.medfee_sumamt, fund_pay_sumamt: t.fund_pay_sumamt, psn_cash_pay: t.psn_cash_pay,
      estimate: { fund_pay_sumamt: est.amounts.fund_pay_sumamt, psn_cash_pay: est.amounts.psn_cash_pay }, derived: fig.derived.map((x) => x.field),
    },
  });
  if (differences.length > 0) {
    appendAudit(tx, { clerkId: null, action: 'settlement.mismatch', entity: 'settlement', entityId: id, detail: { resultId, fields: differences.map((x) => x.field) } });
  }
  return id;
}

/** The estimate a request keeps: what the clerk saw, and how it was gathered (the settlement is written from the answer with it). */
export interface RequestEstimate {
  /** The split always; the funds' share null where the office had no parameters. */
  amounts: EstimateAmounts;
  funds: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: string }[];
  settle: SettleJsonInput | null;
  meta: {
    dischargedOn: string;
    dscgWay: string;
    cumSource: 'agency' | 'local';
    cumNote: string;
    catalogueVersion: string;
    policyId: number | null;
    policyVersion: string;
    scope: 'cross' | 'in';
    insutype: string;
    assistanceFlag: boolean;
    fingerprint: string;
  };
}
