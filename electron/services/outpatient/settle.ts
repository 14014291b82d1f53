import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { personOrderKey, resolveRejected } from '../../../db/repos/outbox.ts';
import { findOtpSettlement, insertOtpRequest, outpatientYearRows, refundOfSettlement, type OtpFeeLineRow, type OtpPersonRow, type VisitRow } from '../../../db/repos/outpatient.ts';
import { policyCandidates } from '../../../db/repos/policies.ts';
import { bestRegistrationFor } from '../../../db/repos/registrations.ts';
import type { AgencyPreview } from '../../../shared/api/settlement.ts';
import type { OutpatientEstimate } from '../../../shared/api/outpatient.ts';
import { agencyFigures, figuresText } from '../../../shared/agencySettlement.ts';
import { asObject } from '../../../shared/agency/envelope.ts';
import { build2206, build2207, build2208, type OutpatientAmountsOut } from '../../../shared/agency/outpatient.ts';
import { readSettlement } from '../../../shared/agency/settlement.ts';
import { SCHEME, SCHEMES, type Scheme } from '../../../shared/codes.ts';
import { Decimal, parseAmount, sum, toText, ZERO } from '../../../shared/money.ts';
import { otpClaimHolding } from '../../../db/repos/outpatientClaims.ts';
import { claimedRefundProblem, computeOutpatient, outpatientGroup, outpatientPolicyOf, wireMedType, type OutpatientPolicy } from '../../../shared/outpatient.ts';
import { enginePolicy, pickPolicy, settleGroupOf } from '../../../shared/settlementFlow.ts';
import { parsePolicy } from '../../../shared/settlement.ts';
import type { QueueWait } from '../../sync/awaitQueue.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { STATUS_LABEL as CLAIM_STATUS_LABEL } from '../claim/policy.ts';
import { refuseSelfPaid } from './selfPayGuard.ts';
import { refuseVoided } from './voided.ts';
import { visitState } from './state.ts';
import { deskLines, enqueueVisitMessage, visitOrThrow } from './visit.ts';

/**
 * 预结算 / 结算 / 退费 of a visit (issue 16 §1, §3), on the pattern of the stay's (docs/settlement.md):
 * the preview delivers the person's queue (2201, 2203, 2204 through the outbox) and then asks 2206,
 * shown beside the desk's estimate; 结算 is one transaction of a request row (the estimate as shown)
 * and the queued 2207, then the desk drives the outbox and waits — the answer becomes the
 * settlement in the sync transaction (fromAnswer.ts); a refund (2208) likewise. An unknown outcome
 * is 冲正'd (2601) and resent under a new msgid by the outbox, as for every state-changing message.
 */

export const OTP_SETTLE_WAIT_MS = 20_000;
export const OTP_PREVIEW_WAIT_MS = 15_000;

export interface OtpEstimateStored {
  amounts: OutpatientEstimate['amounts'];
  withPolicy: boolean;
  policyVersion: string | null;
}

function splitTotals(rows: ReturnType<typeof deskLines>): OutpatientAmountsOut {
  return {
    medfee_sumamt: toText(sum(rows.map((r) => r.fee.amount))),
    fulamt_ownpay_amt: toText(sum(rows.map((r) => r.split.full))),
    overlmt_selfpay: toText(sum(rows.map((r) => r.split.over))),
    preselfpay_amt: toText(sum(rows.map((r) => r.split.pre))),
    inscp_scp_amt: toText(sum(rows.map((r) => r.split.in))),
  };
}

/** The desk's estimate of the lines (the standard model's outpatient terms, shared/outpatient.ts); the split alone without them. */
export function estimateOf(db: Tx, visit: VisitRow, person: OtpPersonRow, lines: readonly OtpFeeLineRow[], today: string, o: { refunding?: number } = {}): OtpEstimateStored & { note: string } {
  const rows = deskLines(db, lines);
  const split = splitTotals(rows);
  const policy = pickPolicy(policyCandidates(db, visit.insutype, Number(today.slice(0, 4))), { insuredRegion: person.insuplcAdmdvs, insutype: visit.insutype, dischargedOn: today });
  let otp: OutpatientPolicy | null;
  try {
    otp = policy ? outpatientPolicyOf(policy.body) : null;
  } catch {
    // A malformed outpatient block is treated as none: the estimate is the split alone, and says so.
    otp = null;
  }
  const zeroFunds = { act_pay_dedc: '0.00', hifp_pay: '0.00', fund_pay_sumamt: '0.00', acct_pay: '0.00' };
  if (!policy || !otp || rows.length === 0) {
    return {
      amounts: { ...split, ...zeroFunds, psn_part_amt: split.medfee_sumamt, psn_cash_pay: split.medfee_sumamt },
      withPolicy: false, policyVersion: policy?.version ?? null,
      note: `本机没有参保地 ${person.insuplcAdmdvs} 险种 ${visit.insutype} 的门诊待遇参数：仅按就医地目录拆分，基金支付以参保地结算为准`,
    };
  }
  const reg = bestRegistrationFor(db, person.certno);
  const group = outpatientGroup(reg && reg.status === 'active' ? settleGroupOf(reg.grp) : 'unregistered', visit.emergency);
  const year = today.slice(0, 4);
  // A settlement being refunded in the same request gives its deductible and pool back (a partial refund's new 2207).
  const history = outpatientYearRows(db, person.id, visit.insutype).filter((r) => r.year === year && r.id !== o.refunding);
  const r = computeOutpatient({
    policy: otp, scheme: (SCHEMES as readonly string[]).includes(visit.insutype) ? (visit.insutype as Scheme) : SCHEME.employee,
    reduction: parsePolicy(enginePolicy(policy.body)).reduction[group], medType: wireMedType(visit.medType, visit.emergency),
    deductibleUsedThisYear: sum(history.map((h) => new Decimal(h.actPayDedc))), poolPaidThisYear: sum(history.map((h) => new Decimal(h.hifpPay))),
    useAccount: false, accountBalance: ZERO, fees: rows.map((x) => x.fee),
  });
  return {
    amounts: {
      ...split, act_pay_dedc: toText(r.act_pay_dedc), hifp_pay: toText(r.hifp_pay), fund_pay_sumamt: toText(r.fund_pay_sumamt),
      psn_part_amt: toText(r.psn_part_amt), acct_pay: '0.00', psn_cash_pay: toText(r.psn_cash_pay),
    },
    withPolicy: true, policyVersion: policy.version,
    note: '本机估算（标准模型门诊待遇，本年度门诊起付线与统筹支付按本机结算历史）：以参保地结算结果为准',
  };
}

export function settleRef(visit: VisitRow, person: OtpPersonRow) {
  return { mdtrtId: visit.mdtrtId ?? '', psnNo: person.psnNo ?? '', certType: visit.certType, certNo: visit.certNo, insutype: visit.insutype, medType: wireMedType(visit.medType, visit.emergency) };
}

/** The preview: deliver the person's queue, then 2206 (a query: a lost answer is simply asked again). */
export async function previewVisit(desk: ServiceContext, visitId: number, useAccount: boolean, opter: Operator): Promise<{ estimate: OutpatientEstimate; agency: AgencyPreview }> {
  const { visit, person } = visitOrThrow(desk.db, visitId);
  refuseSelfPaid(desk.db, visitId);
  const st = visitState(desk.db, visitId);
  if (st.unsettled.length === 0) throw new ServiceError('NO_FEES', '该门诊没有未结算的费用明细，请先录入费用', 'visitId');
  const est = estimateOf(desk.db, visit, person, st.unsettled, desk.today());
  const estimate: OutpatientEstimate = { withPolicy: est.withPolicy, note: est.note, amounts: est.amounts };
  const none = (note: string): { estimate: OutpatientEstimate; agency: AgencyPreview } => ({ estimate, agency: { available: false, note, amounts: null, funds: [], derived: [] } });
  if (desk.connectivity.online !== true) return none('离线：未能向参保地预结算（2206），下方为本机估算，结算以参保地结果为准');
  const delivered: QueueWait = await desk.awaitDelivery(personOrderKey(person.id), OTP_PREVIEW_WAIT_MS);
  if (delivered.state === 'refused') return none(`参保地拒绝了该患者的报文（${delivered.infno}）：${delivered.error}。请在“同步”中处理后再预结算`);
  if (delivered.state === 'waiting') return none(`该门诊的报文尚未送达参保地（${delivered.infno}：${delivered.reason}），暂不能向参保地预结算`);
  const fresh = visitOrThrow(desk.db, visitId);
  if (!fresh.visit.mdtrtId || !fresh.person.psnNo) return none('门诊挂号尚未得到参保地的就诊ID，暂不能预结算');
  const env = desk.db.transaction((tx) => newEnvelope(tx, { login: opter.login, name: opter.name }, '2206',
    build2206(settleRef(fresh.visit, fresh.person), est.amounts, useAccount && visit.insutype === SCHEME.employee), person.insuplcAdmdvs));
  try {
    const answer = await desk.agency().call(env);
    const info = readSettlement(asObject(answer.output), answer.err_msg);
    const a = est.amounts;
    const fig = agencyFigures(info, {
      medfee_sumamt: new Decimal(a.medfee_sumamt), inscp_scp_amt: new Decimal(a.inscp_scp_amt), preselfpay_amt: new Decimal(a.preselfpay_amt),
      overlmt_selfpay: new Decimal(a.overlmt_selfpay), fulamt_ownpay_amt: new Decimal(a.fulamt_ownpay_amt),
    });
    return {
      estimate,
      agency: {
        available: true, note: '参保地预结算（2206）：结算时以参保地结算（2207）结果为准', amounts: figuresText(fig.amounts),
        funds: fig.funds.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })), derived: fig.derived,
      },
    };
  } catch (e) {
    return none(`参保地预结算（2206）未成功：${(e as Error).message}`);
  }
}

/** 清算后退费 needs a supervisor (004 第四十五条, shared/outpatient.ts claimedRefundProblem); refused in Chinese naming the claim. */
export function refuseClaimedForClerk(db: Tx, settlementId: number, role: 'clerk' | 'supervisor'): void {
  const c = otpClaimHolding(db, settlementId);
  const problem = claimedRefundProblem(c && { setlym: c.setlym, statusLabel: CLAIM_STATUS_LABEL[c.status as keyof typeof CLAIM_STATUS_LABEL] ?? c.status }, role);
  if (problem !== null) throw new ServiceError('CLAIMED_REFUND_SUPERVISOR', problem, 'settlementId');
}

export function refusePending(db: Tx, visitId: number): ReturnType<typeof visitState> {
  const st = visitState(db, visitId);
  const pending = st.requests.find((r) => r.queue === 'pending');
  if (pending) {
    throw new ServiceError('SETTLEMENT_PENDING', `该门诊的${pending.infno === '2207' ? '结算' : '退费'}请求（报文 ${pending.msgid}）已发往参保地，正在等待结果，请勿重复操作`, 'visitId');
  }
  return st;
}

/** 结算 (2207): one transaction of the request and its message; online the clerk waits for the answer. Returns the request id. */
export async function settleVisit(desk: ServiceContext, input: { visitId: number; useAccount: boolean; expectedTotal: string }, opter: Operator, o: { waitMs?: number } = {}): Promise<number> {
  const { visit, person } = visitOrThrow(desk.db, input.visitId);
  const mode = desk.connectivity.online === true ? 'online' : 'deferred';
  const requestId = desk.db.transaction((tx) => {
    refuseSelfPaid(tx, visit.id);
    const st = refusePending(tx, visit.id);
    if (st.unsettled.length === 0) throw new ServiceError('NO_FEES', '该门诊没有未结算的费用明细', 'visitId');
    const est = estimateOf(tx, visit, person, st.unsettled, desk.today());
    if (!parseAmount(input.expectedTotal, '确认的总费用').eq(new Decimal(est.amounts.medfee_sumamt))) {
      throw new ServiceError('FEES_CHANGED', `费用已变化：确认时总费用为 ${input.expectedTotal}，现在为 ${est.amounts.medfee_sumamt}，请重新预结算后再确认`, 'expectedTotal');
    }
    // A 2207 the insured region refused is taken off the queue (kept with its reason) so this one can go.
    for (const r of st.requests) if (r.queue === 'refused') resolveRejected(tx, r.msgid, { by: opter.clerkId, note: '参保地拒绝门诊结算后重新结算' });
    const batches = [...new Set(st.unsettled.map((l) => l.chrgBchno))];
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, '2207',
      build2207(settleRef(visit, person), est.amounts, input.useAccount && visit.insutype === SCHEME.employee), person.insuplcAdmdvs);
    const id = insertOtpRequest(tx, {
      visitId: visit.id, infno: '2207', msgid: env.msgid, mode, batches: JSON.stringify(batches),
      estimate: JSON.stringify({ amounts: est.amounts, withPolicy: est.withPolicy, policyVersion: est.policyVersion } satisfies OtpEstimateStored), clerkId: opter.clerkId,
    });
    enqueueVisitMessage(tx, visit.id, env);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.settleRequest', entity: 'outpatient_visit', entityId: visit.id, detail: { requestId: id, mode, batches, medfee_sumamt: est.amounts.medfee_sumamt, msgid: env.msgid } });
    return id;
  });
  desk.notifySync();
  if (mode === 'online') await desk.awaitDelivery(personOrderKey(person.id), o.waitMs ?? OTP_SETTLE_WAIT_MS);
  return requestId;
}

/**
 * 退费 of a whole settlement (2208): any earlier settlement of the visit, not only the last (隔笔),
 * one from an earlier year (跨年), one already claimed or cleared (清算后, a supervisor only: the refund
 * is declared in the claim of its own period) — 004 第四十五条. Settlements after it are not recomputed. The
 * refund row is written from the answer (fromAnswer.ts). Returns the request id.
 */
export async function refundSettlement(desk: ServiceContext, input: { settlementId: number; reason: string }, opter: Operator, o: { waitMs?: number; role?: 'clerk' | 'supervisor' } = {}): Promise<{ requestId: number; visitId: number }> {
  const s = findOtpSettlement(desk.db, input.settlementId);
  if (!s) throw new ServiceError('NOT_FOUND', `门诊结算不存在：${input.settlementId}`, 'settlementId');
  if (s.kind !== 'settlement') throw new ServiceError('NOT_A_SETTLEMENT', '退费记录本身不能再退费', 'settlementId');
  refuseVoided(desk.db, s.id);
  const { visit, person } = visitOrThrow(desk.db, s.visitId);
  const mode = desk.connectivity.online === true ? 'online' : 'deferred';
  const requestId = desk.db.transaction((tx) => {
    const done = refundOfSettlement(tx, s.id);
    if (done) throw new ServiceError('ALREADY_REFUNDED', `该结算已于 ${done.settledOn} 退费`, 'settlementId');
    refuseClaimedForClerk(tx, s.id, o.role ?? 'clerk');
    refusePending(tx, visit.id);
    if (!s.setlId) throw new ServiceError('NO_SETL_ID', '该结算没有参保地结算ID，不能退费', 'settlementId');
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, '2208', build2208({ mdtrtId: visit.mdtrtId ?? '', psnNo: person.psnNo ?? '' }, s.setlId), person.insuplcAdmdvs);
    const id = insertOtpRequest(tx, { visitId: visit.id, infno: '2208', msgid: env.msgid, mode, refunds: s.id, reason: input.reason, clerkId: opter.clerkId });
    enqueueVisitMessage(tx, visit.id, env);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.refundRequest', entity: 'outpatient_settlement', entityId: s.id, detail: { requestId: id, reason: input.reason, msgid: env.msgid, settledOn: s.settledOn } });
    return id;
  });
  desk.notifySync();
  if (mode === 'online') await desk.awaitDelivery(personOrderKey(person.id), o.waitMs ?? OTP_SETTLE_WAIT_MS);
  return { requestId, visitId: visit.id };
}
