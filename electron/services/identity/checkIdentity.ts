import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { insertIdentityCheck } from '../../../db/repos/identityChecks.ts';
import { getInstitution, type InstitutionRow } from '../../../db/repos/institution.ts';
import { findPersonByCertno, savePerson, type PersonRow } from '../../../db/repos/personCache.ts';
import { bestRegistrationFor, replacePersonRegistration } from '../../../db/repos/registrations.ts';
import type { IdentityResult } from '../../../shared/api/identity.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { credentialRefusal, parseCredential, type Credential } from '../../../shared/credentials.ts';
import { parseDate, todayCST } from '../../../shared/dates.ts';
import type { EligibilityDecision } from '../../../shared/eligibility.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { AgencyAnswer } from './agencyPerson.ts';
import { askAgency, AgencyUnreachable, type Operator } from './askAgency.ts';
import { decide, regionPolicy } from './decide.ts';
import { registrationLeftToAgency } from '../../../shared/eligibility.ts';
import { identityResult } from './views.ts';

/**
 * identity.check (DOMAIN §2–§3; ARCHITECTURE "data flow"): validate the credential, ask the
 * agency (1101), cache what it answered and decide; when the agency cannot be reached, answer
 * from the local roster and person cache, marked provisional (离线核验), for the re-check worker
 * to confirm later. A bad credential, a refusal or an unknown person stores nothing.
 */

export interface CheckRequest {
  credential: string;
  admissionDate?: string;
  emergency: boolean;
}

export function institutionOf(tx: Tx): InstitutionRow {
  const inst = getInstitution(tx);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写', '');
  return inst;
}

export function credentialCertNo(c: Credential): string | null {
  return c.type === '01' ? null : c.type === '02' ? c.certno : c.cardNo;
}

function checkRow(person: PersonRow, op: Operator, c: { type: string; certNo: string | null }, admission: { date: string; emergency: boolean }, decision: EligibilityDecision, online: boolean) {
  return {
    personId: person.id,
    clerkId: op.clerkId,
    certType: c.type,
    certNo: c.certNo,
    emergency: admission.emergency,
    online,
    provisional: !online,
    admissionDate: admission.date,
    direct: decision.direct,
    reason: decision.reason,
    rule: decision.rule,
    validUntil: decision.validUntil,
    message: decision.message,
  };
}

/** Stores what the agency answered and the decision, all in one transaction. Returns the check id. */
export function recordOnlineCheck(tx: Tx, answer: AgencyAnswer, credential: Credential, admission: { date: string; emergency: boolean }, op: Operator): number {
  const inst = institutionOf(tx);
  const now = new Date().toISOString();
  const person = savePerson(tx, answer.facts, now);
  // Only an answer that speaks about the registration replaces what the roster knows.
  if (answer.registrationKnown) replacePersonRegistration(tx, person.certno, answer.registration, now);
  const policy = regionPolicy(tx, person.insuplcAdmdvs, person.insutype, admission.date);
  const refusal = credentialRefusal(credential.type, { insuredRegion: person.insuplcAdmdvs, insutype: person.insutype || null }, inst.admdvs, policy.credential);
  // Thrown inside the transaction: the cached person and registration roll back too.
  if (refusal) throw new ServiceError('CREDENTIAL_NOT_ACCEPTED', refusal, 'credential');
  const decided = decide(inst, person, bestRegistrationFor(tx, person.certno), admission, policy.validity);
  const decision = answer.registrationKnown ? decided : registrationLeftToAgency(decided);
  const check = insertIdentityCheck(tx, checkRow(person, op, { type: credential.type, certNo: credentialCertNo(credential) }, admission, decision, true));
  appendAudit(tx, { clerkId: op.clerkId, action: 'identity.check', entity: 'person', entityId: person.id, detail: { checkId: check.id, certType: credential.type, online: true, reason: decision.reason, policy: policy.version } });
  return check.id;
}

function checkOffline(desk: ServiceContext, credential: Credential, admission: { date: string; emergency: boolean }, op: Operator, why: string): IdentityResult {
  if (credential.type === '01') {
    throw new ServiceError('OFFLINE_EVOUCHER', `暂时无法连接经办机构（${why}）。医保电子凭证须联网解码，不能离线核验：请改用社会保障卡（卡号|身份证号码）或居民身份证号码核验，或待网络恢复后重新扫码。`, 'credential');
  }
  const certno = credential.certno;
  const id = desk.db.transaction((tx) => {
    const inst = institutionOf(tx);
    let person = findPersonByCertno(tx, certno);
    const reg = bestRegistrationFor(tx, certno);
    if (!person && !reg) {
      throw new ServiceError(
        'OFFLINE_UNKNOWN',
        `暂时无法连接经办机构（${why}），本机也没有该人员（${maskId(certno)}）的参保或备案记录，无法离线核验。` +
          '请：① 检查网络，恢复后点“重新核验”；② 急诊抢救患者先救治，核验时勾选“急诊抢救”，联网后再核验；' +
          '③ 其余患者请待联网核验后再办理入院，或先按自费登记，联网核验通过后再办理异地就医入院。',
        'credential',
      );
    }
    if (credential.type === '03' && person?.cardNo && person.cardNo !== credential.cardNo) {
      throw new ServiceError('CARD_MISMATCH', '社会保障卡卡号与本机记录的该持卡人卡号不一致，离线无法确认是否为本人有效卡。请改用身份证号码核验，或待联网后重新核验', 'cardNo');
    }
    if (!person) {
      // Known only from the roster: keep the person, unconfirmed, so the re-check has a row to update.
      person = savePerson(tx, {
        psnNo: reg!.psnNo, certno, psnName: reg!.psnName ?? '（姓名待联网确认）', gend: credential.sex === 'M' ? '1' : '2', brdy: credential.birthDate,
        insuplcAdmdvs: reg!.insuplcAdmdvs, insutype: '', psnType: null, psnInsuStas: '1', cvlservFlag: false,
      }, null);
    }
    const policy = regionPolicy(tx, person.insuplcAdmdvs, person.insutype, admission.date);
    const refusal = credentialRefusal(credential.type, { insuredRegion: person.insuplcAdmdvs, insutype: person.insutype || null }, inst.admdvs, policy.credential);
    if (refusal) throw new ServiceError('CREDENTIAL_NOT_ACCEPTED', refusal, 'credential');
    const decision = decide(inst, person, reg, admission, policy.validity);
    const check = insertIdentityCheck(tx, checkRow(person, op, { type: credential.type, certNo: credentialCertNo(credential) }, admission, decision, false));
    appendAudit(tx, { clerkId: op.clerkId, action: 'identity.check', entity: 'person', entityId: person.id, detail: { checkId: check.id, certType: credential.type, online: false, reason: decision.reason, policy: policy.version } });
    return check.id;
  });
  return identityResult(desk.db, id);
}

export async function checkIdentity(desk: ServiceContext, req: CheckRequest, op: Operator): Promise<IdentityResult> {
  const today = todayCST();
  const admissionDate = req.admissionDate === undefined ? today : parseDate(req.admissionDate, '入院日期（admissionDate）');
  // Before anything else (DOMAIN §2): a credential that is not valid never reaches the agency or the database.
  const credential = parseCredential(req.credential, today);
  const admission = { date: admissionDate, emergency: req.emergency };
  let answer: AgencyAnswer;
  try {
    answer = await askAgency(desk, op, credential, today);
  } catch (e) {
    if (e instanceof AgencyUnreachable) return checkOffline(desk, credential, admission, op, e.message);
    throw e;
  }
  const id = desk.db.transaction((tx) => recordOnlineCheck(tx, answer, credential, admission, op));
  // Back online: earlier offline answers can be confirmed now.
  desk.recheckSoon();
  return identityResult(desk.db, id);
}
