import { admissionGroup, admissionOrderKey, eligibilityAtAdmission, type AdmissionFields } from '../../../shared/admission.ts';
import { build2401 } from '../../../shared/agency/admission.ts';
import { type EligibilityReason } from '../../../shared/eligibility.ts';
import type { Db } from '../../../db/open.ts';
import { admissionOfCheck, checkWithPerson, findAdmissionByIptNo, insertAdmission, openAdmissionOfPerson, registrationOfPerson } from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { newEnvelope } from '../agencyLink.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { detail } from './views.ts';
import { notInFuture, messageContext, opter, isUniqueViolation } from './rules.ts';

/** 登记入院: an admission from an identity check, with its 2401 in the same transaction (DOMAIN §4). */
export function createAdmission(db: Db, input: ParsedInput<'admission.create'>, session: Session) {
  const { checkId, ...fields } = input;
  const f: AdmissionFields = fields;
  const found = checkWithPerson(db, checkId);
  if (!found) throw new ServiceError('NOT_FOUND', `找不到身份核验记录（编号 ${checkId}），请先核验身份`, 'checkId');
  const { check, person } = found;
  notInFuture(f.admittedAt, '入院时间', 'admittedAt');

  const taken = findAdmissionByIptNo(db, f.iptNo);
  if (taken) {
    throw new ServiceError(
      'DUPLICATE_IPT_NO',
      taken.status === 'cancelled' ? `住院号 ${f.iptNo} 已用于一次已撤销的入院登记，住院号在本院唯一，请使用新的住院号` : `住院号 ${f.iptNo} 已被另一入院登记使用（住院号在本院唯一），请核对`,
      'iptNo',
    );
  }
  const open = openAdmissionOfPerson(db, person.id);
  if (open) throw new ServiceError('ALREADY_ADMITTED', `该患者已在院（住院号 ${open.iptNo}），不能重复登记入院；如需更正请变更或撤销原登记`, 'checkId');
  const used = admissionOfCheck(db, checkId);
  if (used) throw new ServiceError('CHECK_USED', `该身份核验已用于入院登记（住院号 ${used.iptNo}），请重新核验身份`, 'checkId');

  const elig = eligibilityAtAdmission(
    { admissionDate: check.admissionDate, decision: { direct: check.direct, reason: check.reason as EligibilityReason, rule: check.rule, message: check.message, validUntil: check.validUntil } },
    f,
  );
  if (!elig.ok) throw new ServiceError(elig.code, elig.message, elig.path);
  const reg = registrationOfPerson(db, person.certno) ?? null;
  const group = admissionGroup(reg ? { group: reg.grp, status: reg.status } : null, elig.decision);
  const certNo = check.certNo ?? (check.certType === '03' ? person.cardNo ?? person.certno : person.certno);

  let id: number;
  try {
    id = db.transaction((tx) => {
      const newId = insertAdmission(tx, {
        iptNo: f.iptNo,
        personId: person.id,
        checkId,
        insutype: person.insutype,
        medType: f.medType,
        certType: check.certType,
        certNo,
        grp: group,
        admittedAt: f.admittedAt,
        way: f.way,
        deptCode: f.deptCode,
        deptName: f.deptName,
        bed: f.bed,
        diagCode: f.diagCode,
        diagName: f.diagName,
        doctor: f.doctorName,
        doctorCode: f.doctorCode,
        emergency: f.emergency,
        traumaFlag: f.trauma,
        thirdPartyFlag: f.thirdParty,
        eligDirect: elig.decision.direct,
        eligReason: elig.decision.reason,
        eligRule: elig.decision.rule,
        eligMessage: elig.decision.message,
        eligValidUntil: elig.decision.validUntil,
        createdBy: session.clerkId,
      });
      const mc = messageContext(tx, { insutype: person.insutype, certType: check.certType, certNo, mdtrtId: null }, person);
      const env = newEnvelope(tx, opter(session), '2401', build2401(f, mc), person.insuplcAdmdvs);
      enqueueMessage(tx, { msgid: env.msgid, infno: '2401', orderKey: admissionOrderKey(newId), payload: env });
      appendAudit(tx, {
        clerkId: session.clerkId,
        action: 'admission.create',
        entity: 'admission',
        entityId: newId,
        detail: { iptNo: f.iptNo, checkId, medType: f.medType, emergency: f.emergency, trauma: f.trauma, thirdParty: f.thirdParty, eligibility: elig.decision.reason, group, msgid: env.msgid },
      });
      return newId;
    });
  } catch (e) {
    if (isUniqueViolation(e) && findAdmissionByIptNo(db, f.iptNo)) throw new ServiceError('DUPLICATE_IPT_NO', `住院号 ${f.iptNo} 已被使用（住院号在本院唯一），请核对`, 'iptNo');
    throw e;
  }
  return detail(db, id);
}
