import { appendAudit } from '../../../db/repos/audit.ts';
import { feeLinesOf } from '../../../db/repos/fees.ts';
import { fullSelfPayOf, insertFullSelfPay } from '../../../db/repos/fullSelfPay.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { activeSettlementOf, admissionWithPerson, markDischarged } from '../../../db/repos/settlements.ts';
import { admissionOrderKey } from '../../../shared/admission.ts';
import { todayCST, type CalendarDate } from '../../../shared/dates.ts';
import { selfPayDeadlines } from '../../../shared/fullSelfPay.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { Opter } from '../settlementService.ts';
import { dischargeEnvelope, openRequestOf, uploadEnvelopes } from '../settlementService.ts';

/**
 * 全额自付 (issue 14 §2): the patient pays the whole bill and claims at home (零星报销, 004
 * 第四十七条). One transaction records it with its deadlines, the discharge (2402, with the
 * diagnosis) and the fee lines not uploaded yet (2301) — the details and diagnosis the hospital
 * uploads within 2 days for an online manual claim (004 第三十五条(三)); no 2304 is sent.
 */
export function dischargeSelfPay(desk: ServiceContext, req: { admissionId: number; dischargedOn: CalendarDate; dscgWay: string; reason: string }, opter: Opter): number {
  const now = new Date();
  const today = todayCST(now);
  const id = desk.db.transaction((tx) => {
    const found = admissionWithPerson(tx, req.admissionId);
    if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${req.admissionId}`, 'admissionId');
    const { admission: a, person: p } = found;
    if (a.status === 'cancelled') throw new ServiceError('ADMISSION_CANCELLED', '该住院登记已撤销', 'admissionId');
    if (activeSettlementOf(tx, a.id)) throw new ServiceError('ALREADY_SETTLED', '该住院已直接结算，不能再按全额自付办理', 'admissionId');
    if (fullSelfPayOf(tx, a.id)) throw new ServiceError('ALREADY_SELF_PAID', '该住院已按全额自付办理出院', 'admissionId');
    const open = openRequestOf(tx, a.id);
    if (open?.outbox?.status === 'pending') {
      throw new ServiceError('SETTLEMENT_PENDING', `该住院已提交参保地结算（报文 ${open.request.msgid}），不能再按全额自付办理`, 'admissionId');
    }
    const lines = feeLinesOf(tx, a.id);
    if (lines.length === 0) throw new ServiceError('NO_FEES', '该住院还没有费用明细，请先导入费用', 'admissionId');
    const admittedOn = a.admittedAt.slice(0, 10);
    if (req.dischargedOn < admittedOn) throw new ServiceError('INVALID_DATE', `出院日期 ${req.dischargedOn} 早于入院日期 ${admittedOn}`, 'dischargedOn');
    if (req.dischargedOn > today) throw new ServiceError('INVALID_DATE', `出院日期 ${req.dischargedOn} 晚于今天 ${today}`, 'dischargedOn');
    const who = { login: opter.login, name: opter.name };
    const envelopes = uploadEnvelopes(tx, { admission: a, person: p, lines }, who, now);
    const { discharging, endtime, envelope: discharge } = dischargeEnvelope(tx, who, a, p, req, now);
    if (discharge) envelopes.push(discharge);
    const d = selfPayDeadlines(today);
    const medfee = toText(sum(lines.map((l) => new Decimal(l.detItemFeeSumamt))));
    const rowId = insertFullSelfPay(tx, { admissionId: a.id, paidOn: today, uploadBy: d.uploadBy, claimBy: d.claimBy, reason: req.reason, medfeeSumamt: medfee, clerkId: opter.clerkId });
    for (const env of envelopes) enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey: admissionOrderKey(a.id), payload: env });
    if (discharging) markDischarged(tx, a.id, endtime, { dscg_way: req.dscgWay, fullSelfPayId: rowId }, opter.clerkId);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'settlement.fullSelfPay', entity: 'admission', entityId: a.id, detail: { id: rowId, reason: req.reason, medfee_sumamt: medfee, uploadBy: d.uploadBy, claimBy: d.claimBy, msgids: envelopes.map((e) => e.msgid) } });
    return rowId;
  });
  desk.notifySync();
  return id;
}
