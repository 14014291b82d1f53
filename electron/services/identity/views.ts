import type { Tx } from '../../../db/repos/clerks.ts';
import { findClerk } from '../../../db/repos/clerks.ts';
import { checksOfPerson, findIdentityCheck, recheckOf, type IdentityCheckRow } from '../../../db/repos/identityChecks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { findPersonById, type PersonRow } from '../../../db/repos/personCache.ts';
import { bestRegistrationFor, type RegistrationRow } from '../../../db/repos/registrations.ts';
import type { CheckView, IdentityResult, PersonCard, RegistrationCard } from '../../../shared/api/identity.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { codeLabel, type Dictionaries } from '../../../shared/codes.ts';
import { CREDENTIAL_LABEL, type CredentialType } from '../../../shared/credentials.ts';
import { ageOn } from '../../../shared/dates.ts';
import { GROUP_LABEL, REASON_LABEL, registrationLastDay, type EligibilityReason } from '../../../shared/eligibility.ts';
import { nameNote } from '../../../shared/personName.ts';
import { regionName, scopeOf } from '../../../shared/regions.ts';
import { currentDictionaries } from '../dictionaryLabels.ts';
import { ServiceError } from '../errors.ts';
import { regionPolicy } from './decide.ts';

/** Rows → what the identity screen shows. Read-only. */

function place(code: string): string {
  return regionName(code) ?? code;
}

/** `dicts`: the 1901 labels, when the desk has them (codeLabel). */
export function personCard(p: PersonRow, hospitalAdmdvs: string, onDate: string, dicts?: Dictionaries): PersonCard {
  let age: number | null;
  try {
    age = ageOn(p.brdy, onDate);
  } catch {
    age = null;
  }
  return {
    id: p.id,
    certnoMasked: maskId(p.certno),
    name: p.psnName,
    nameNote: nameNote(p.psnName),
    sex: codeLabel('gend', p.gend, dicts, '未知'),
    birthDate: p.brdy,
    age,
    insuredRegion: p.insuplcAdmdvs,
    insuredRegionName: place(p.insuplcAdmdvs),
    scope: scopeOf(p.insuplcAdmdvs, hospitalAdmdvs),
    insutype: p.insutype === '' ? null : p.insutype,
    insutypeName: p.insutype === '' ? '待联网确认' : codeLabel('insutype', p.insutype, dicts),
    // A region's own psn_type (e.g. 1101) is named by its dictionary, else by its national family (the first two digits).
    psnTypeName: p.psnType ? (dicts?.get('psn_type')?.get(p.psnType) ?? codeLabel('psn_type', p.psnType.slice(0, 2), dicts, p.psnType)) : null,
    status: p.psnInsuStas,
    statusName: p.confirmedAt === null ? '待联网确认' : codeLabel('psn_insu_stas', p.psnInsuStas, dicts),
    confirmedAt: p.confirmedAt,
  };
}

export function registrationCard(tx: Tx, r: RegistrationRow, person: PersonRow, admissionDate: string): RegistrationCard {
  const { validity } = regionPolicy(tx, person.insuplcAdmdvs, person.insutype, admissionDate);
  return {
    agencyId: r.agencyId,
    group: r.grp,
    groupLabel: GROUP_LABEL[r.grp],
    basis: r.basis,
    destination: r.destination,
    destinationName: place(r.destination),
    effectiveFrom: r.effectiveFrom,
    proofSuppliedOn: r.proofSuppliedOn,
    status: r.status,
    validUntil: registrationLastDay({ group: r.grp, basis: r.basis, destination: r.destination, effectiveFrom: r.effectiveFrom, proofSuppliedOn: r.proofSuppliedOn, status: r.status }, validity),
    receivedAt: r.updatedAt,
  };
}

export function checkView(tx: Tx, c: IdentityCheckRow, clerkName?: string | null): CheckView {
  const type = c.certType as CredentialType;
  const answer = recheckOf(tx, c.id);
  return {
    id: c.id,
    at: c.at,
    clerkName: clerkName !== undefined ? clerkName : c.clerkId === null ? null : findClerk(tx, c.clerkId)?.name ?? null,
    certType: type,
    certTypeName: CREDENTIAL_LABEL[type] ?? c.certType,
    online: c.online,
    provisional: c.provisional,
    admissionDate: c.admissionDate,
    emergency: c.emergency,
    direct: c.direct,
    reason: c.reason as EligibilityReason,
    reasonLabel: REASON_LABEL[c.reason as EligibilityReason] ?? c.reason,
    rule: c.rule,
    validUntil: c.validUntil,
    message: c.message,
    recheckOf: c.recheckOf,
    changed: c.changed,
    acknowledgedAt: c.acknowledgedAt,
    confirmation: answer ? { checkId: answer.id, at: answer.at, changed: answer.changed } : null,
  };
}

export function identityResult(tx: Tx, checkId: number): IdentityResult {
  const c = findIdentityCheck(tx, checkId);
  if (!c) throw new ServiceError('NOT_FOUND', `找不到核验记录 ${checkId}`, 'checkId');
  const person = findPersonById(tx, c.personId);
  const inst = getInstitution(tx);
  if (!person || !inst) throw new ServiceError('NOT_FOUND', `核验记录 ${checkId} 缺少人员或机构信息`, 'checkId');
  const reg = bestRegistrationFor(tx, person.certno);
  const previous = c.recheckOf === null ? undefined : findIdentityCheck(tx, c.recheckOf);
  return {
    credentialType: c.certType as CredentialType,
    credentialLabel: CREDENTIAL_LABEL[c.certType as CredentialType] ?? c.certType,
    person: personCard(person, inst.admdvs, c.admissionDate, currentDictionaries(tx)),
    registration: reg ? registrationCard(tx, reg, person, c.admissionDate) : null,
    check: checkView(tx, c),
    previous: previous ? checkView(tx, previous) : null,
  };
}

export function historyOf(tx: Tx, personId: number): CheckView[] {
  if (!findPersonById(tx, personId)) throw new ServiceError('NOT_FOUND', `找不到人员 ${personId}`, 'personId');
  return checksOfPerson(tx, personId).map((c) => checkView(tx, c, c.clerkName));
}
