import { appendAudit } from '../../../db/repos/audit.ts';
import { feeLinesOf } from '../../../db/repos/fees.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { recordFeeWithdrawal, uploadedFeeSns, WITHDRAW_ALL } from '../../../db/repos/settlementRequests.ts';
import { activeSettlementOf, admissionWithPerson } from '../../../db/repos/settlements.ts';
import { build2302 } from '../../../shared/agency/settlement.ts';
import { admissionOrderKey } from '../../../shared/admission.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { Opter } from '../settlementService.ts';
import { openRequestOf } from '../settlementService.ts';

/**
 * 费用明细撤销 (2302, issue 14 §4): uploaded lines are withdrawn at the agency — some by serial, or
 * all (`0000`) — e.g. after the agency refused a line or its catalogue mapping was corrected. The
 * lines stay in the stay at the desk (nothing that left is edited); they count as not uploaded
 * again and go up anew with the next preview or settlement (2301). Not while a settlement stands
 * (2305 first) or a 2304 is on its way.
 */
export function withdrawFees(desk: ServiceContext, req: { admissionId: number; feedetlSns: string[]; reason: string }, opter: Opter): { withdrawn: string[] } {
  const out = desk.db.transaction((tx) => {
    const found = admissionWithPerson(tx, req.admissionId);
    if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${req.admissionId}`, 'admissionId');
    const { admission: a, person: p } = found;
    if (activeSettlementOf(tx, a.id)) throw new ServiceError('ALREADY_SETTLED', '该住院已结算：请先撤销结算（2305），再撤销费用明细', 'admissionId');
    if (openRequestOf(tx, a.id)?.outbox?.status === 'pending') throw new ServiceError('SETTLEMENT_PENDING', '该住院的结算请求（2304）正在发送，不能撤销费用明细', 'admissionId');
    const uploaded = uploadedFeeSns(tx, a.id);
    if (uploaded.size === 0) throw new ServiceError('NOTHING_UPLOADED', '该住院还没有已上传的费用明细，无需撤销', 'feedetlSns');
    const known = new Set(feeLinesOf(tx, a.id).map((l) => l.feedetlSn));
    const all = req.feedetlSns.length === 0;
    for (const [i, sn] of req.feedetlSns.entries()) {
      if (!known.has(sn)) throw new ServiceError('NOT_FOUND', `第 ${i + 1} 条：费用明细流水号 ${sn} 不属于该住院`, `feedetlSns[${i}]`);
      if (!uploaded.has(sn)) throw new ServiceError('NOT_UPLOADED', `第 ${i + 1} 条：费用明细 ${sn} 尚未上传（或已撤销），无需撤销`, `feedetlSns[${i}]`);
    }
    const who = { login: opter.login, name: opter.name };
    const stay = { mdtrtId: a.mdtrtId ?? '', psnNo: p.psnNo ?? '' };
    const serials = all ? [WITHDRAW_ALL] : [...new Set(req.feedetlSns)];
    for (const sn of serials) {
      const env = newEnvelope(tx, who, '2302', build2302(stay, sn), p.insuplcAdmdvs);
      enqueueMessage(tx, { msgid: env.msgid, infno: '2302', orderKey: admissionOrderKey(a.id), payload: env });
      recordFeeWithdrawal(tx, { admissionId: a.id, feedetlSn: sn, msgid: env.msgid, reason: req.reason, clerkId: opter.clerkId });
    }
    appendAudit(tx, { clerkId: opter.clerkId, action: 'fees.withdraw', entity: 'admission', entityId: a.id, detail: { serials, reason: req.reason } });
    return { withdrawn: all ? [...uploaded] : serials };
  });
  desk.notifySync();
  return out;
}
