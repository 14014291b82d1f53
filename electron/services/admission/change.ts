import { admissionOrderKey, currentAdmission, diffAdmission, flagIssues, type AdmissionChange } from '../../../shared/admission.ts';
import { build2403, build2404 } from '../../../shared/agency/admission.ts';
import type { Db } from '../../../db/open.ts';
import { insertAdmissionEvent, markAdmissionCancelled, unreversedSettlementCount } from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { load, recordedEligibility } from '../admissionState.ts';
import { newEnvelope } from '../agencyLink.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { cancellable, detail } from './views.ts';
import { notInFuture, requireOpen, messageContext, opter, decideFromRoster, recheckFields, sameDecision } from './rules.ts';

/** 入院信息变更 (2403) and 撤销入院 (2404): events on the admission, never an edit of the row. */
export function changeAdmission(db: Db, { admissionId, changes, reason }: ParsedInput<'admission.change'>, session: Session) {
  const s = load(db, admissionId);
  if (s.row.status === 'discharged') throw new ServiceError('DISCHARGED', '该患者已出院，不能变更入院信息', 'admissionId');
  requireOpen(db, s, '变更入院信息');
  const diff = diffAdmission(s.current, changes as AdmissionChange);
  if (Object.keys(diff).length === 0) throw new ServiceError('NO_CHANGE', '没有变更任何入院信息', 'changes');
  const next = currentAdmission(s.current, [diff]);
  const issue = flagIssues(next)[0];
  if (issue) throw new ServiceError('INVALID_FLAGS', issue.message, `changes.${issue.path}`);
  if (diff.admittedAt) notInFuture(diff.admittedAt, '入院时间', 'changes.admittedAt');

  // The eligibility was decided for a day and an emergency mark (DOMAIN §3): a change of
  // either is decided again, and recorded as a re-check when the answer differs.
  const before = recordedEligibility(s.row, s.events);
  const redecide = diff.emergency !== undefined || next.admittedAt.slice(0, 10) !== s.current.admittedAt.slice(0, 10);
  const again = redecide ? decideFromRoster(db, s.person, next.admittedAt.slice(0, 10), next.emergency) : null;

  db.transaction((tx) => {
    const env = newEnvelope(tx, opter(session), '2403', build2403(next, messageContext(tx, s.row, s.person)), s.person.insuplcAdmdvs);
    const eventId = insertAdmissionEvent(tx, { admissionId, kind: 'change', fields: { changes: diff, msgid: env.msgid }, reason: reason ?? null, clerkId: session.clerkId });
    enqueueMessage(tx, { msgid: env.msgid, infno: '2403', orderKey: admissionOrderKey(admissionId), payload: env });
    if (again && !sameDecision(before, again.decision, again.group)) {
      insertAdmissionEvent(tx, { admissionId, kind: 'recheck', fields: recheckFields(again.decision, again.group, { source: 'change', changeEventId: eventId }), reason: '入院日期或急诊标志变更后重新判定', clerkId: session.clerkId });
    }
    appendAudit(tx, { clerkId: session.clerkId, action: 'admission.change', entity: 'admission', entityId: admissionId, detail: { fields: Object.keys(diff), eventId, msgid: env.msgid, redecided: again?.decision.reason ?? null } });
  });
  return detail(db, admissionId);
}

export function cancelAdmission(db: Db, { admissionId, reason }: ParsedInput<'admission.cancel'>, session: Session) {
  const s = load(db, admissionId);
  const c = cancellable(db, s.row);
  if (!c.ok) throw new ServiceError(s.row.status === 'cancelled' ? 'CANCELLED' : s.row.status === 'discharged' ? 'DISCHARGED' : 'SETTLED', `不能撤销入院：${c.reason}`, 'admissionId');
  db.transaction((tx) => {
    // Checked again inside the transaction: a settlement committed meanwhile must win.
    if (unreversedSettlementCount(tx, admissionId) > 0) throw new ServiceError('SETTLED', '不能撤销入院：本次住院刚刚完成了结算，须先撤销结算', 'admissionId');
    const env = newEnvelope(tx, opter(session), '2404', build2404(messageContext(tx, s.row, s.person)), s.person.insuplcAdmdvs);
    const eventId = insertAdmissionEvent(tx, { admissionId, kind: 'cancel', fields: { msgid: env.msgid }, reason, clerkId: session.clerkId });
    markAdmissionCancelled(tx, admissionId);
    enqueueMessage(tx, { msgid: env.msgid, infno: '2404', orderKey: admissionOrderKey(admissionId), payload: env });
    appendAudit(tx, { clerkId: session.clerkId, action: 'admission.cancel', entity: 'admission', entityId: admissionId, detail: { eventId, msgid: env.msgid } });
  });
  return detail(db, admissionId);
}
