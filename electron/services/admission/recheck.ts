import { admissionGroup, eligibilityAtAdmission } from '../../../shared/admission.ts';
import { type EligibilityDecision, type EligibilityReason } from '../../../shared/eligibility.ts';
import type { Db } from '../../../db/open.ts';
import { checkWithPerson, insertAdmissionEvent, registrationOfPerson } from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { load } from '../admissionState.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { detail } from './views.ts';
import { requireOpen, decideFromRoster, recheckFields } from './rules.ts';

/** 补办备案后重新判定: a new eligibility decision recorded as an event (004 第二十二条). */
export function recheckAdmission(db: Db, { admissionId, checkId }: ParsedInput<'admission.recheckEligibility'>, session: Session) {
  const s = load(db, admissionId);
  requireOpen(db, s, '复核备案资格（004 第二十二条：补办备案须在出院结算前）');
  let decision: EligibilityDecision;
  let group: string;
  if (checkId !== undefined) {
    const found = checkWithPerson(db, checkId);
    if (!found) throw new ServiceError('NOT_FOUND', `找不到身份核验记录（编号 ${checkId}）`, 'checkId');
    if (found.person.id !== s.person.id) throw new ServiceError('OTHER_PERSON', '该身份核验不是本患者的，请选择本患者的核验记录', 'checkId');
    const e = eligibilityAtAdmission(
      { admissionDate: found.check.admissionDate, decision: { direct: found.check.direct, reason: found.check.reason as EligibilityReason, rule: found.check.rule, message: found.check.message, validUntil: found.check.validUntil } },
      s.current,
    );
    if (!e.ok) throw new ServiceError(e.code, e.message, 'checkId');
    decision = e.decision;
    const reg = registrationOfPerson(db, s.person.certno) ?? null;
    group = admissionGroup(reg ? { group: reg.grp, status: reg.status } : null, decision);
  } else {
    ({ decision, group } = decideFromRoster(db, s.person, s.current.admittedAt.slice(0, 10), s.current.emergency));
  }
  db.transaction((tx) => {
    const eventId = insertAdmissionEvent(tx, {
      admissionId,
      kind: 'recheck',
      fields: recheckFields(decision, group, { source: checkId !== undefined ? 'identityCheck' : 'roster', checkId: checkId ?? null }),
      reason: '补办备案后复核（004 第二十二条）',
      clerkId: session.clerkId,
    });
    appendAudit(tx, { clerkId: session.clerkId, action: 'admission.recheck', entity: 'admission', entityId: admissionId, detail: { eventId, reason: decision.reason, direct: decision.direct, checkId: checkId ?? null } });
  });
  return detail(db, admissionId);
}
