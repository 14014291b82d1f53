import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import {
  findOtpSettlement, insertOtpSettlement, insertOtpSplits, otpRequestByMsgid, recordVisitMdtrtId, visitByRegisterMsgid, visitIdOfItem, visitOfUpload, visitWithPerson, type OtpRequestRow,
} from '../../../db/repos/outpatient.ts';
import { agencyFigures, figuresText, type HospitalSplit } from '../../../shared/agencySettlement.ts';
import { asObject, type JsonObject, type RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { readVisitRegistration } from '../../../shared/agency/outpatient.ts';
import { readFeeResults, readSettlement } from '../../../shared/agency/settlement.ts';
import { dateTimeCST, todayCST } from '../../../shared/dates.ts';
import { Decimal, toText } from '../../../shared/money.ts';
import { NotReady, registerPrepareHandler, registerRejectedHandler, registerResultHandler } from '../../sync/hooks.ts';
import type { OtpEstimateStored } from './settle.ts';

/**
 * The visit's messages and the outbox worker (electron/sync/hooks.ts), as settlementSync.ts does
 * for a stay: before the first send, 2203…2208 written before the 2201 came back get the visit's
 * 就诊ID (mdtrt_id) and the person's psn_no; the answers are stored in the transaction that
 * confirms them — 2201 the mdtrt_id, 2204 the agency's split of each line, 2207 / 2208 the
 * settlement or refund (the answer IS the settlement: amounts and fund rows as returned, unstated
 * amounts filled and named by agencyFigures).
 */

function fill(tx: Tx, env: RequestEnvelope, nodes: string[]): RequestEnvelope {
  const input = asObject(env.input);
  const visitId = visitIdOfItem(tx, env.msgid);
  if (!input || visitId === null) return env;
  const found = visitWithPerson(tx, visitId);
  if (!found) return env;
  const needs = (o: unknown): boolean => { const x = asObject(o); return x !== null && (x.mdtrt_id === '' || x.psn_no === ''); };
  if (!nodes.some((n) => (Array.isArray(input[n]) ? (input[n] as unknown[]).some(needs) : needs(input[n])))) return env;
  const { visit, person } = found;
  if (!person.psnNo) throw new NotReady(`门诊号 ${visit.otpNo} 的参保人尚无人员编号（待在线核验身份）`);
  const patch = (o: unknown): unknown => {
    const x = asObject(o);
    if (!x) return o;
    const out: JsonObject = { ...x };
    if (out.psn_no === '') out.psn_no = person.psnNo;
    if (out.mdtrt_id === '') {
      if (!visit.mdtrtId) throw new NotReady(`门诊号 ${visit.otpNo} 的挂号（2201）尚未返回就诊ID`);
      out.mdtrt_id = visit.mdtrtId;
    }
    return out;
  };
  const next: JsonObject = { ...input };
  for (const n of nodes) next[n] = Array.isArray(input[n]) ? (input[n] as unknown[]).map(patch) : patch(input[n]);
  return { ...env, input: next };
}

function splitOf(est: OtpEstimateStored, sign: 1 | -1): HospitalSplit {
  const d = (t: string): Decimal => new Decimal(t).times(sign);
  const a = est.amounts;
  return { medfee_sumamt: d(a.medfee_sumamt), inscp_scp_amt: d(a.inscp_scp_amt), preselfpay_amt: d(a.preselfpay_amt), overlmt_selfpay: d(a.overlmt_selfpay), fulamt_ownpay_amt: d(a.fulamt_ownpay_amt) };
}

/** The insured region answered a 2207 or 2208: the answer becomes the settlement (or the refund) row. */
export function otpSettlementFromAnswer(tx: Tx, request: OtpRequestRow, output: JsonObject | null, errMsg: string | null): number {
  const info = readSettlement(output, errMsg);
  let split: HospitalSplit;
  let refunds: number | null = null;
  if (request.infno === '2208') {
    const original = request.refunds !== null ? findOtpSettlement(tx, request.refunds) : undefined;
    if (!original) throw new Error(`退费请求 ${request.id} 对应的门诊结算不存在`);
    refunds = original.id;
    const neg = (t: string): Decimal => new Decimal(t).negated();
    split = { medfee_sumamt: neg(original.medfeeSumamt), inscp_scp_amt: neg(original.inscpScpAmt), preselfpay_amt: neg(original.preselfpayAmt), overlmt_selfpay: neg(original.overlmtSelfpay), fulamt_ownpay_amt: neg(original.fulamtOwnpayAmt) };
  } else {
    split = splitOf(JSON.parse(request.estimate) as OtpEstimateStored, 1);
  }
  const fig = agencyFigures(info, split);
  const t = figuresText(fig.amounts);
  const now = new Date();
  const setlTime = info.setlTime && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(info.setlTime) ? info.setlTime : dateTimeCST(now);
  const found = visitWithPerson(tx, request.visitId);
  if (!found) throw new Error(`门诊请求 ${request.id} 对应的就诊不存在`);
  const id = insertOtpSettlement(tx, {
    visitId: request.visitId, requestId: request.id, kind: request.infno === '2208' ? 'refund' : 'settlement', refunds, setlId: info.setlId,
    setlTime, settledOn: setlTime === dateTimeCST(now) ? todayCST(now) : setlTime.slice(0, 10), insutype: found.visit.insutype,
    medfeeSumamt: t.medfee_sumamt, inscpScpAmt: t.inscp_scp_amt, preselfpayAmt: t.preselfpay_amt, overlmtSelfpay: t.overlmt_selfpay, fulamtOwnpayAmt: t.fulamt_ownpay_amt,
    actPayDedc: t.act_pay_dedc, hifpPay: t.hifp_pay, fundPaySumamt: t.fund_pay_sumamt, psnPartAmt: t.psn_part_amt, acctPay: t.acct_pay, psnCashPay: t.psn_cash_pay,
    funds: JSON.stringify(fig.funds.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) }))),
    derived: JSON.stringify(fig.derived), answer: JSON.stringify(output), msgid: request.msgid, clerkId: request.clerkId,
  });
  appendAudit(tx, {
    clerkId: null, action: request.infno === '2208' ? 'outpatient.refunded' : 'outpatient.settled', entity: 'outpatient_settlement', entityId: id,
    detail: { requestId: request.id, visitId: request.visitId, setlId: info.setlId, medfee_sumamt: t.medfee_sumamt, fund_pay_sumamt: t.fund_pay_sumamt, psn_cash_pay: t.psn_cash_pay, derived: fig.derived.map((x) => x.field) },
  });
  return id;
}

let registered = false;

/** Plugs the outpatient messages into the outbox. Called once where the desk is assembled (desk.ts). */
export function registerOutpatientSync(): void {
  if (registered) return;
  registered = true;
  registerPrepareHandler('2201', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2203', (tx, env) => fill(tx, env, ['mdtrtinfo']));
  registerPrepareHandler('2204', (tx, env) => fill(tx, env, ['feedetail']));
  registerPrepareHandler('2205', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2207', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2208', (tx, env) => fill(tx, env, ['data']));

  registerResultHandler('2201', (tx, env, response) => {
    const visitId = visitByRegisterMsgid(tx, env.msgid)?.id ?? null;
    const mdtrtId = readVisitRegistration(asObject(response.output)).mdtrtId;
    if (visitId === null) return;
    if (!mdtrtId) {
      appendAudit(tx, { clerkId: null, action: 'outpatient.noMdtrtId', entity: 'outpatient_visit', entityId: visitId, detail: { msgid: env.msgid } });
      return;
    }
    recordVisitMdtrtId(tx, visitId, mdtrtId);
  });
  // The agency's split of each line, stored as returned beside the desk's own (compared in the view).
  registerResultHandler('2204', (tx, env, response) => {
    const visitId = visitOfUpload(tx, env.msgid);
    if (visitId === null) return;
    let rows;
    try {
      rows = readFeeResults(asObject(response.output));
    } catch (e) {
      appendAudit(tx, { clerkId: null, action: 'outpatient.splitUnreadable', entity: 'outpatient_visit', entityId: visitId, detail: { msgid: env.msgid, message: (e as Error).message } });
      return;
    }
    const t = (d: Decimal | null): string | null => (d === null ? null : toText(d));
    insertOtpSplits(tx, rows.map((r) => ({
      visitId, feedetlSn: r.feedetlSn, msgid: env.msgid, inscpScpAmt: t(r.inscpScpAmt), preselfpayAmt: t(r.preselfpayAmt), overlmtAmt: t(r.overlmtAmt),
      fulamtOwnpayAmt: t(r.fulamtOwnpayAmt), chrgitmLv: r.chrgitmLv, memo: r.memo,
    })));
  });
  for (const infno of ['2207', '2208']) {
    registerResultHandler(infno, (tx, env, response) => {
      const request = otpRequestByMsgid(tx, env.msgid);
      if (!request) throw new Error(`找不到报文 ${env.msgid}（${infno}）对应的门诊请求`);
      otpSettlementFromAnswer(tx, request, asObject(response.output), response.err_msg);
    });
    registerRejectedHandler(infno, (tx, env, message) => {
      const request = otpRequestByMsgid(tx, env.msgid);
      appendAudit(tx, { clerkId: null, action: infno === '2207' ? 'outpatient.settleRefused' : 'outpatient.refundRefused', entity: 'outpatient_visit', entityId: request?.visitId ?? null, detail: { msgid: env.msgid, message } });
    });
  }
}
