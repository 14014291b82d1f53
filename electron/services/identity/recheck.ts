import { appendAudit } from '../../../db/repos/audit.ts';
import { findIdentityCheck, insertIdentityCheck } from '../../../db/repos/identityChecks.ts';
import { findPersonById, savePerson } from '../../../db/repos/personCache.ts';
import { bestRegistrationFor, replacePersonRegistration } from '../../../db/repos/registrations.ts';
import type { IdentityResult } from '../../../shared/api/identity.ts';
import { credentialRefusal, type Credential } from '../../../shared/credentials.ts';
import { todayCST } from '../../../shared/dates.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { AgencyUnreachable, askAgency, type Operator } from './askAgency.ts';
import { institutionOf } from './checkIdentity.ts';
import { decide, decisionChanged, regionPolicy } from './decide.ts';
import { registrationLeftToAgency } from '../../../shared/eligibility.ts';
import { identityResult } from './views.ts';

/**
 * Re-checking a check online (DOMAIN §2: an offline check "is confirmed automatically when the
 * connection returns"; issue 3: "a changed answer is shown to the clerk, never silently
 * replaced"). The re-check is a NEW row pointing at the check it answers (recheck_of), with the
 * same admission date and emergency flag, flagged `changed` when the decision differs; the
 * original row stays as it was. A changed automatic re-check waits for a clerk's acknowledgement.
 */

/** The same query again: the card for a card check; the ID number otherwise (an e-voucher token is per scan). */
function credentialFor(certType: string, certNo: string | null, person: { certno: string; brdy: string; gend: string }): Credential {
  const holder = { certno: person.certno, birthDate: person.brdy, sex: person.gend === '1' ? 'M' as const : 'F' as const };
  if (certType === '03' && certNo) return { type: '03', cardNo: certNo, ...holder };
  return { type: '02', ...holder };
}

export interface RecheckOptions extends Operator {
  /** A clerk asked for it (重新核验) and sees the answer at once; else the background worker. */
  manual: boolean;
}

export async function recheckIdentity(desk: ServiceContext, checkId: number, op: RecheckOptions): Promise<IdentityResult> {
  const original = findIdentityCheck(desk.db, checkId);
  if (!original) throw new ServiceError('NOT_FOUND', `找不到核验记录 ${checkId}`, 'checkId');
  const known = findPersonById(desk.db, original.personId);
  if (!known) throw new ServiceError('NOT_FOUND', `核验记录 ${checkId} 的人员不存在`, 'checkId');
  const credential = credentialFor(original.certType, original.certNo, known);
  let answer;
  try {
    answer = await askAgency(desk, op, credential, todayCST());
  } catch (e) {
    if (e instanceof AgencyUnreachable && op.manual) {
      throw new ServiceError('OFFLINE', `仍无法连接经办机构（${e.message}），未能重新核验。原核验结果保留；连接恢复后系统会自动重新核验离线结果。`, 'checkId');
    }
    throw e;
  }
  const id = desk.db.transaction((tx) => {
    const inst = institutionOf(tx);
    const now = new Date().toISOString();
    const person = savePerson(tx, answer.facts, now);
    if (answer.registrationKnown) replacePersonRegistration(tx, person.certno, answer.registration, now);
    const admission = { date: original.admissionDate, emergency: original.emergency };
    const policy = regionPolicy(tx, person.insuplcAdmdvs, person.insutype, admission.date);
    // An ID card accepted offline before the scheme was known may turn out not to be acceptable.
    const refusal = original.certType === '02'
      ? credentialRefusal('02', { insuredRegion: person.insuplcAdmdvs, insutype: person.insutype || null }, inst.admdvs, policy.credential)
      : null;
    const decided = decide(inst, person, bestRegistrationFor(tx, person.certno), admission, policy.validity);
    const decision = answer.registrationKnown ? decided : registrationLeftToAgency(decided);
    const changed = decisionChanged(original, decision) || refusal !== null;
    const row = insertIdentityCheck(tx, {
      personId: person.id,
      clerkId: op.clerkId,
      certType: original.certType,
      certNo: original.certNo,
      emergency: original.emergency,
      online: true,
      provisional: false,
      admissionDate: admission.date,
      direct: decision.direct && refusal === null,
      reason: decision.reason,
      rule: decision.rule,
      validUntil: decision.validUntil,
      message: refusal ? `【凭证不适用】${refusal}\n${decision.message}` : decision.message,
      recheckOf: original.id,
      changed,
      // The clerk who asked sees the new answer now; an automatic change waits for someone to see it.
      acknowledgedAt: changed && op.manual ? now : null,
    });
    appendAudit(tx, {
      clerkId: op.clerkId,
      action: 'identity.recheck',
      entity: 'person',
      entityId: person.id,
      detail: { checkId: row.id, of: original.id, manual: op.manual, changed, reason: decision.reason, was: original.reason },
    });
    return row.id;
  });
  return identityResult(desk.db, id);
}
