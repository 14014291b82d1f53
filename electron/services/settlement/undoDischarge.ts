import { appendAudit } from '../../../db/repos/audit.ts';
import { fullSelfPayOf } from '../../../db/repos/fullSelfPay.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { activeSettlementOf, admissionWithPerson, markDischargeUndone } from '../../../db/repos/settlements.ts';
import { build2405 } from '../../../shared/agency/settlement.ts';
import { admissionOrderKey } from '../../../shared/admission.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { Opter } from '../settlementService.ts';
import { openRequestOf } from '../settlementService.ts';

/**
 * 出院撤销 (2405, issue 14 §4): the discharge is taken back so the stay can be corrected (fees,
 * discharge day) and settled again. Only with no settlement standing (a 2305 first) and no 2304 on
 * its way; the patient is in hospital again at the desk and, once the 2405 is delivered, at the
 * agency. The discharge event stays; the undoing is a new event row with its reason.
 */
export function undoDischarge(desk: ServiceContext, req: { admissionId: number; reason: string }, opter: Opter): void {
  desk.db.transaction((tx) => {
    const found = admissionWithPerson(tx, req.admissionId);
    if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${req.admissionId}`, 'admissionId');
    const { admission: a, person: p } = found;
    if (a.status !== 'discharged') throw new ServiceError('NOT_DISCHARGED', '该住院未办理出院，无需撤销出院', 'admissionId');
    if (activeSettlementOf(tx, a.id)) throw new ServiceError('ALREADY_SETTLED', '该住院已结算：请先撤销结算（2305），再撤销出院（2405）', 'admissionId');
    if (openRequestOf(tx, a.id)?.outbox?.status === 'pending') throw new ServiceError('SETTLEMENT_PENDING', '该住院的结算请求（2304）正在发送，不能撤销出院', 'admissionId');
    if (fullSelfPayOf(tx, a.id)) throw new ServiceError('ALREADY_SELF_PAID', '该住院已按全额自付办理出院，不能撤销出院', 'admissionId');
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, '2405', build2405({ mdtrtId: a.mdtrtId ?? '', psnNo: p.psnNo ?? '' }), p.insuplcAdmdvs);
    enqueueMessage(tx, { msgid: env.msgid, infno: '2405', orderKey: admissionOrderKey(a.id), payload: env });
    markDischargeUndone(tx, a.id, { msgid: env.msgid, wasDischargedAt: a.dischargedAt }, opter.clerkId);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'admission.undoDischarge', entity: 'admission', entityId: a.id, detail: { reason: req.reason, msgid: env.msgid, wasDischargedAt: a.dischargedAt } });
  });
  desk.notifySync();
}
