import type { Tx } from '../../../db/repos/clerks.ts';
import { findClerk } from '../../../db/repos/clerks.ts';
import { checksOfPerson, findIdentityCheck, recheckOf, type IdentityCheckRow } from '../../../db/repos/identityChecks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { findPersonById, type PersonRow } from '../../../db/repos/personCache.ts';
import { bestRegistrationFor, type RegistrationRow } from '../../../db/repos/registrations.ts';
import type { CheckView, IdentityResult, PersonCard, RegistrationCard } from '../../../shared/api/identity.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { GEND, INSUTYPE, PSN_INSU_STAS, PSN_TYPE, nameOf } from '../../../shared/codes.ts';
import { CREDENTIAL_LABEL, type CredentialType } from '../../../shared/credentials.ts';
import { ageOn } from '../../../shared/dates.ts';
import { GROUP_LABEL, REASON_LABEL, registrationLastDay, type EligibilityReason } from '../../../shared/eligibility.ts';
import { nameNote } from '../../../shared/personName.ts';
import { regionName, scopeOf } from '../../../shared/regions.ts';
import { ServiceError } from '../errors.ts';
import { regionPolicy } from './decide.ts';

/** Rows → what the identity screen shows. Read-only. */

function place(code: string): string {
  return regionName(code) ?? code;
}

export function personCard(p: PersonRow, hospitalAdmdvs: string, onDate: string): PersonCard {
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
    sex: GEND[p.gend as keyof typeof GEND] ?? '未知',
    birthDate: p.brdy,
    age,
    insuredRegion: p.insuplcAdmdvs,
    insuredRegionName: place(p.insuplcAdmdvs),
    scope: scopeOf(p.insuplcAdmdvs, hospitalAdmdvs),
    insutype: p.insutype === '' ? null : p.insutype,
    insutypeName: p.insutype === '' ? '待联网确认' : nameOf(INSUTYPE, p.insutype),
    psnTypeName: p.psnType ? (PSN_TYPE[p.psnType.slice(0, 2) as keyof typeof PSN_TYPE] ?? p.psnType) : null,
    status: p.psnInsuStas,
    statusName: p.confirmedAt === null ? '待联网确认' : nameOf(PSN_INSU_STAS, p.psnInsuStas),
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
    person: personCard(person, inst.admdvs, c.admissionDate),
    registration: reg ? registrationCard(tx, reg, person, c.admissionDate) : null,
    check: checkView(tx, c),
    previous: previous ? checkView(tx, previous) : null,
  };
}

export function historyOf(tx: Tx, personId: number): CheckView[] {
  if (!findPersonById(tx, personId)) throw new ServiceError('NOT_FOUND', `找不到人员 ${personId}`, 'personId');
  return checksOfPerson(tx, personId).map((c) => checkView(tx, c, c.clerkName));
}
