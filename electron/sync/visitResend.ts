import { appendAudit } from '../../db/repos/audit.ts';
import { personOrderKey, resolveRejected } from '../../db/repos/outbox.ts';
import { findOtpSettlement, insertOtpRequest, refundOfSettlement, requestsOfVisit } from '../../db/repos/outpatient.ts';
import { otpClaimHolding } from '../../db/repos/outpatientClaims.ts';
import { insertOtpVoid, otpVoidOf } from '../../db/repos/outpatientVoids.ts';
import { insertReconciliationResolution } from '../../db/repos/reconciliation.ts';
import { build2207 } from '../../shared/agency/outpatient.ts';
import { SCHEME } from '../../shared/codes.ts';
import { Decimal } from '../../shared/money.ts';
import { newEnvelope } from '../services/agencyLink.ts';
import type { Operator, ServiceContext } from '../services/context.ts';
import { ServiceError } from '../services/errors.ts';
import { estimateOf, OTP_SETTLE_WAIT_MS, refusePending, settleRef, type OtpEstimateStored } from '../services/outpatient/settle.ts';
import { feeLinesOfVisitBatches } from '../services/outpatient/state.ts';
import { enqueueVisitMessage, visitOrThrow } from '../services/outpatient/visit.ts';
import type { Resolution } from './detailReconcile.ts';

/**
 * 重新结算 of a visit's settlement the platform does not hold (3202 本机有、经办机构无 in the
 * clr_type 11 file; docs/reconciliation.md), as detailResend.ts does for a stay: the desk's row IS
 * the platform's old 2207 answer, so the resend is a NEW settlement. One transaction writes the
 * outpatient_voids row (the run as evidence, the old row untouched), the new 2207 request of the
 * same batches under a new msgid with its outbox entry, the resolution and the audit; the answer
 * becomes the visit's settlement (outpatient/sync.ts). The 2207 takes every line the platform holds
 * unsettled (chrg_bchno empty), so it is refused while the visit has other unsettled lines.
 */
export async function resendVisitSettlement(
  desk: ServiceContext,
  x: { day: string; setlId: string; detailId: number; detailMsgid: string | null; otpSettlementId: number },
  opter: Operator,
): Promise<Resolution> {
  const s = findOtpSettlement(desk.db, x.otpSettlementId);
  if (!s || s.kind !== 'settlement') throw new ServiceError('NOT_FOUND', `门诊结算记录不存在：${x.otpSettlementId}`, 'setlId');
  const { visit, person } = visitOrThrow(desk.db, s.visitId);
  const reason = `经办机构无此结算记录（${x.day} 明细对账，报文 ${x.detailMsgid ?? ''}）：原门诊结算 ${s.setlId ?? s.msgid} 作废，重新结算`;
  const mode = desk.connectivity.online === true ? 'online' : 'deferred';
  const resolution = desk.db.transaction((tx): Resolution => {
    const voided = otpVoidOf(tx, s.id);
    if (voided) throw new ServiceError('ALREADY_RESENT', `该门诊结算已于 ${voided.at} 作废并重新结算，请重新进行明细对账查看结果`, 'setlId');
    if (refundOfSettlement(tx, s.id)) throw new ServiceError('REVERSED', '该门诊结算已退费，不能重新结算', 'setlId');
    const claim = otpClaimHolding(tx, s.id);
    if (claim) throw new ServiceError('CLAIMED', `该门诊结算已纳入 ${claim.setlym} 的月度申报，不能重新结算；请先撤回该申报`, 'setlId');
    const st = refusePending(tx, visit.id);
    if (st.unsettled.length > 0) {
      throw new ServiceError('OTHER_FEES', `该门诊另有未结算的费用（批次 ${[...new Set(st.unsettled.map((l) => l.chrgBchno))].join('、')}），重新结算只取原结算的批次；请先结算或撤销这些费用`, 'setlId');
    }
    const batches = JSON.parse(requestsOfVisit(tx, visit.id).find((r) => r.id === s.requestId)?.batches ?? '[]') as string[];
    const lines = feeLinesOfVisitBatches(tx, visit.id, batches).filter((l) => !st.withdrawn.has(l.chrgBchno));
    // The void settlement counts nowhere (refunding: its deductible and pool are given back to the year).
    const est = estimateOf(tx, visit, person, lines, desk.today(), { refunding: s.id });
    if (!new Decimal(est.amounts.medfee_sumamt).eq(new Decimal(s.medfeeSumamt))) {
      throw new ServiceError('FEES_CHANGED', `原结算总费用 ${s.medfeeSumamt}，现在这些批次的费用为 ${est.amounts.medfee_sumamt}，不能重新结算`, 'setlId');
    }
    for (const r of st.requests) if (r.queue === 'refused') resolveRejected(tx, r.msgid, { by: opter.clerkId, note: '重新结算' });
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, '2207',
      build2207(settleRef(visit, person), est.amounts, new Decimal(s.acctPay).gt(0) && visit.insutype === SCHEME.employee), person.insuplcAdmdvs);
    const requestId = insertOtpRequest(tx, {
      visitId: visit.id, infno: '2207', msgid: env.msgid, mode, batches: JSON.stringify(batches), reason,
      estimate: JSON.stringify({ amounts: est.amounts, withPolicy: est.withPolicy, policyVersion: est.policyVersion } satisfies OtpEstimateStored), clerkId: opter.clerkId,
    });
    enqueueVisitMessage(tx, visit.id, env);
    insertOtpVoid(tx, { otpSettlementId: s.id, detailId: x.detailId, reason, requestId, clerkId: opter.clerkId });
    const at = new Date().toISOString();
    insertReconciliationResolution(tx, { detailId: x.detailId, setlId: x.setlId, action: 'resend', msgid: env.msgid, omsgid: s.msgid, note: reason, clerkId: opter.clerkId, at });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'sync.resendSettlement', entity: 'outpatient_settlement', entityId: s.id, detail: { day: x.day, setlId: x.setlId, detailId: x.detailId, requestId, msgid: env.msgid, omsgid: s.msgid, batches, reason } });
    return { action: 'resend', msgid: env.msgid, omsgid: s.msgid, outcome: null, errMsg: null, note: reason, at };
  });
  desk.notifySync();
  if (mode === 'online') await desk.awaitDelivery(personOrderKey(person.id), OTP_SETTLE_WAIT_MS);
  return resolution;
}
