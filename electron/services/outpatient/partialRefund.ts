import { appendAudit } from '../../../db/repos/audit.ts';
import { personOrderKey } from '../../../db/repos/outbox.ts';
import { batchesOfVisit, findOtpSettlement, insertFeeLines, insertOtpRequest, insertWithdrawal, refundOfSettlement, requestsOfVisit } from '../../../db/repos/outpatient.ts';
import { build2204, build2205, build2207, build2208 } from '../../../shared/agency/outpatient.ts';
import { SCHEME } from '../../../shared/codes.ts';
import { wireMedType } from '../../../shared/outpatient.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { estimateOf, OTP_SETTLE_WAIT_MS, refuseClaimedForClerk, refusePending, settleRef, type OtpEstimateStored } from './settle.ts';
import { feeLinesOfVisitBatches } from './state.ts';
import { refuseVoided } from './voided.ts';
import { enqueueVisitMessage, visitOrThrow } from './visit.ts';

/**
 * A partial refund (004 第四十五条; national-interface.md: "a partial refund is a whole 2208, then a
 * new 2207 of the lines kept"): one transaction queues, in this order under the person's key, the
 * 2208 of the settlement, the 2205 of each of its batches, a new batch of the kept lines (2204) and
 * the 2207 of that batch. The patient sees one net result: the refund and the new settlement, both
 * the insured region's answers. Nothing is computed from the desk's own numbers except the estimate.
 */
export async function refundLines(desk: ServiceContext, input: { settlementId: number; refund: { chrgBchno: string; feedetlSn: string }[]; reason: string }, opter: Operator, o: { waitMs?: number; role?: 'clerk' | 'supervisor' } = {}): Promise<{ refundRequestId: number; settleRequestId: number | null; visitId: number }> {
  const s = findOtpSettlement(desk.db, input.settlementId);
  if (!s) throw new ServiceError('NOT_FOUND', `门诊结算不存在：${input.settlementId}`, 'settlementId');
  if (s.kind !== 'settlement') throw new ServiceError('NOT_A_SETTLEMENT', '退费记录本身不能再退费', 'settlementId');
  if (!s.setlId) throw new ServiceError('NO_SETL_ID', '该结算没有参保地结算ID，不能退费', 'settlementId');
  refuseVoided(desk.db, s.id);
  const { visit, person } = visitOrThrow(desk.db, s.visitId);
  const who = { login: opter.login, name: opter.name };
  const mode = desk.connectivity.online === true ? 'online' : 'deferred';
  const ids = desk.db.transaction((tx) => {
    const done = refundOfSettlement(tx, s.id);
    if (done) throw new ServiceError('ALREADY_REFUNDED', `该结算已于 ${done.settledOn} 退费`, 'settlementId');
    refuseClaimedForClerk(tx, s.id, o.role ?? 'clerk');
    refusePending(tx, visit.id);
    const batches = JSON.parse(requestsOfVisit(tx, visit.id).find((r) => r.id === s.requestId)?.batches ?? '[]') as string[];
    const lines = feeLinesOfVisitBatches(tx, visit.id, batches);
    const key = (l: { chrgBchno: string; feedetlSn: string }): string => `${l.chrgBchno}/${l.feedetlSn}`;
    const refunded = new Set(input.refund.map(key));
    input.refund.forEach((r, i) => {
      if (!lines.some((l) => key(l) === key(r))) throw new ServiceError('NOT_IN_SETTLEMENT', `第 ${i + 1} 条退费明细（批次 ${r.chrgBchno} 流水号 ${r.feedetlSn}）不属于该结算`, `refund[${i}]`);
    });
    const kept = lines.filter((l) => !refunded.has(key(l)));
    if (kept.length === lines.length) throw new ServiceError('NOTHING_REFUNDED', '请选择要退费的明细', 'refund');
    const ref = { mdtrtId: visit.mdtrtId ?? '', psnNo: person.psnNo ?? '' };
    const r2208 = newEnvelope(tx, who, '2208', build2208(ref, s.setlId!), person.insuplcAdmdvs);
    const refundRequestId = insertOtpRequest(tx, { visitId: visit.id, infno: '2208', msgid: r2208.msgid, mode, refunds: s.id, reason: input.reason, clerkId: opter.clerkId });
    enqueueVisitMessage(tx, visit.id, r2208);
    for (const b of batches) {
      const w = newEnvelope(tx, who, '2205', build2205(ref, b), person.insuplcAdmdvs);
      insertWithdrawal(tx, { visitId: visit.id, chrgBchno: b, msgid: w.msgid, clerkId: opter.clerkId });
      enqueueVisitMessage(tx, visit.id, w);
    }
    let settleRequestId: number | null = null;
    if (kept.length > 0) {
      const chrgBchno = `${visit.otpNo}-${String(batchesOfVisit(tx, visit.id).length + 1).padStart(2, '0')}`;
      const rows = kept.map((l) => ({
        feedetlSn: l.feedetlSn, initFeedetlSn: null, feeOcurTime: l.feeOcurTime, medListCodg: l.medListCodg, medinsListCodg: l.medinsListCodg, detItemFeeSumamt: l.detItemFeeSumamt,
        cnt: l.cnt, pric: l.pric, bilgDeptCodg: l.bilgDeptCodg, bilgDeptName: l.bilgDeptName, bilgDrCodg: l.bilgDrCodg, bilgDrName: l.bilgDrName, selfPay: l.selfPay, etipFlag: false, etipHospCode: null,
      }));
      const up = newEnvelope(tx, who, '2204', build2204({ ...ref, medType: wireMedType(visit.medType, visit.emergency) }, chrgBchno, rows), person.insuplcAdmdvs);
      insertFeeLines(tx, kept.map((l) => ({
        visitId: l.visitId, chrgBchno, feedetlSn: l.feedetlSn, feeOcurTime: l.feeOcurTime, medListCodg: l.medListCodg, medinsListCodg: l.medinsListCodg, name: l.name, cnt: l.cnt, pric: l.pric,
        detItemFeeSumamt: l.detItemFeeSumamt, selfPay: l.selfPay, bilgDeptCodg: l.bilgDeptCodg, bilgDeptName: l.bilgDeptName, bilgDrCodg: l.bilgDrCodg, bilgDrName: l.bilgDrName, uploadMsgid: up.msgid,
      })));
      enqueueVisitMessage(tx, visit.id, up);
      const newLines = feeLinesOfVisitBatches(tx, visit.id, [chrgBchno]);
      const est = estimateOf(tx, visit, person, newLines, desk.today(), { refunding: s.id });
      const settle = newEnvelope(tx, who, '2207', build2207(settleRef(visit, person), est.amounts, s.acctPay !== '0.00' && visit.insutype === SCHEME.employee), person.insuplcAdmdvs);
      settleRequestId = insertOtpRequest(tx, {
        visitId: visit.id, infno: '2207', msgid: settle.msgid, mode, batches: JSON.stringify([chrgBchno]),
        estimate: JSON.stringify({ amounts: est.amounts, withPolicy: est.withPolicy, policyVersion: est.policyVersion } satisfies OtpEstimateStored), clerkId: opter.clerkId,
      });
      enqueueVisitMessage(tx, visit.id, settle);
    }
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.partialRefund', entity: 'outpatient_settlement', entityId: s.id, detail: { refundRequestId, settleRequestId, refunded: [...refunded], kept: kept.length, reason: input.reason } });
    return { refundRequestId, settleRequestId };
  });
  desk.notifySync();
  if (mode === 'online') await desk.awaitDelivery(personOrderKey(person.id), o.waitMs ?? OTP_SETTLE_WAIT_MS);
  return { ...ids, visitId: visit.id };
}
