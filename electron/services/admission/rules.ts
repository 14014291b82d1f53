import { admissionGroup, dateTimeSeconds, insuredAgencyName, normaliseDateTime, type PledgeForm } from '../../../shared/admission.ts';
import { type AdmissionMessageContext } from '../../../shared/agency/admission.ts';
import type { PdfFile } from '../../../shared/api/admission.ts';
import { checkCitizenId } from '../../../shared/citizenId.ts';
import { dateTimeCST } from '../../../shared/dates.ts';
import { decideEligibility, type EligibilityDecision } from '../../../shared/eligibility.ts';
import { InputError } from '../../../shared/errors.ts';
import { poolingRegionOf } from '../../../shared/regions.ts';
import { policyBodyFor, registrationOfPerson, unreversedSettlementCount, type AdmissionRow, type NewFeeLine, type PersonRow } from '../../../db/repos/admissions.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { type PledgeRow } from '../../../db/repos/pledges.ts';
import { parsePledgeInput, type PledgeInput } from '../../pdf/pledgePdf.ts';
import { type Loaded, type RecordedDecision } from '../admissionState.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';

/** Checks and message context the admission commands share (issue 12 point 1). */
// ---------------------------------------------------------------------------------------------
// Rules the services apply before writing

export function nowDT(): string {
  return dateTimeCST();
}

/** A few minutes of clock difference between the HIS and the desk are tolerated. */
export function notInFuture(dt: string, label: string, path: string): void {
  if (dateTimeSeconds(dt) > dateTimeSeconds(nowDT()) + 600) throw new ServiceError('IN_FUTURE', `${label}（${dt}）晚于当前时间，请核对`, path);
}

export function requireOpen(db: Tx, s: Loaded, what: string): void {
  if (s.row.status === 'cancelled') throw new ServiceError('CANCELLED', `该入院登记已撤销，不能${what}`, 'admissionId');
  const n = unreversedSettlementCount(db, s.row.id);
  if (n > 0) throw new ServiceError('SETTLED', `本次住院已结算（${n} 笔），不能${what}；如确需办理，请先撤销结算`, 'admissionId');
}

export function messageContext(db: Tx, row: Pick<AdmissionRow, 'insutype' | 'certType' | 'certNo' | 'mdtrtId'>, person: PersonRow): AdmissionMessageContext {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return {
    psnNo: person.psnNo ?? '',
    insutype: row.insutype,
    certType: row.certType,
    certNo: row.certNo,
    insuplcAdmdvs: person.insuplcAdmdvs,
    mdtrtareaAdmvs: inst.admdvs,
    mdtrtId: row.mdtrtId ?? '',
  };
}

export function opter(session: Session): { login: string; name: string } {
  return { login: session.login, name: session.name };
}

export function positiveInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * The decision from the local roster (DOMAIN §3, the same engine as the identity check), for a
 * 补办 re-check without a new identity check and after a change of the admission day or the
 * emergency mark. Validity months come from the insured region's policy (004 第十三条 defaults).
 */
export function decideFromRoster(db: Tx, person: PersonRow, date: string, emergency: boolean): { decision: EligibilityDecision; group: string } {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  const reg = registrationOfPerson(db, person.certno) ?? null;
  const body = policyBodyFor(db, poolingRegionOf(person.insuplcAdmdvs), person.insutype, Number(date.slice(0, 4))) as Record<string, unknown> | undefined;
  const decision = decideEligibility({
    hospital: { admdvs: inst.admdvs, networked: inst.networked },
    admission: { date, emergency },
    person: { insuredRegion: person.insuplcAdmdvs, status: person.psnInsuStas === '2' ? 'suspended' : 'normal' },
    registration: reg
      ? { group: reg.grp, basis: reg.basis, destination: reg.destination, effectiveFrom: reg.effectiveFrom, proofSuppliedOn: reg.proofSuppliedOn, status: reg.status }
      : null,
    policy: { tempValidityMonths: positiveInt(body?.tempValidityMonths, 12), pledgeValidityMonths: positiveInt(body?.pledgeValidityMonths, 3) },
  });
  return { decision, group: admissionGroup(reg ? { group: reg.grp, status: reg.status } : null, decision) };
}

export function recheckFields(d: EligibilityDecision, group: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { direct: d.direct, reason: d.reason, rule: d.rule, message: d.message, validUntil: d.validUntil, group, ...extra };
}

export function sameDecision(a: RecordedDecision | null, b: EligibilityDecision, group: string): boolean {
  return a !== null && a.direct === b.direct && a.reason === b.reason && a.validUntil === b.validUntil && a.group === group;
}

// ---------------------------------------------------------------------------------------------
// Pledge input for the PDF (004 附件8)

export function pledgeInputFor(person: PersonRow, form: PledgeForm): PledgeInput {
  const p = form.pledger;
  let pledger: { name: string; phone: string; certType: string; certNo: string; relationship: string | null };
  if (p.relationship === null) {
    // The patient signs personally: name and number are the patient's own.
    pledger = { name: person.psnName, phone: p.phone, certType: checkCitizenId(person.certno).valid ? '居民身份证' : '其他', certNo: person.certno, relationship: null };
  } else {
    const missing = ([['name', '承诺人姓名'], ['certType', '承诺人证件类型'], ['certNo', '承诺人证件号码']] as const).find(([k]) => !p[k]);
    if (missing) throw new ServiceError('MISSING_FIELD', `近亲属代签时请填写${missing[1]}（004 附件8 温馨提示 2）`, `form.pledger.${missing[0]}`);
    pledger = { name: p.name!, phone: p.phone, certType: p.certType!, certNo: p.certNo!, relationship: p.relationship };
  }
  try {
    return parsePledgeInput({
      pledger,
      patient: { name: person.psnName, certNo: person.certno },
      injury: form.injury,
      agencyName: insuredAgencyName(person.insuplcAdmdvs),
    });
  } catch (e) {
    if (e instanceof InputError) throw new ServiceError(e.code, e.message, e.path.startsWith('pledger') || e.path.startsWith('injury') ? `form.${e.path}` : e.path);
    throw e;
  }
}

export function pledgeInputFromRow(person: PersonRow, p: PledgeRow): PledgeInput {
  return {
    pledger: { name: p.pledgerName, phone: p.phone, certType: p.certType, certNo: p.certNo, relationship: p.relationship },
    patient: { name: person.psnName, certNo: person.certno },
    injury: { time: p.injuryTime, place: p.place, account: p.account },
    agencyName: insuredAgencyName(person.insuplcAdmdvs),
  };
}

/** A pledge may only be taken for a trauma admission whose patient states no third party. */
export function requirePledgeable(s: Loaded): void {
  if (!s.current.trauma) throw new ServiceError('NOT_TRAUMA', '本次入院未勾选外伤标志，无需《外伤无第三方责任承诺书》；如为外伤，请先变更入院信息勾选外伤标志', 'admissionId');
  if (s.current.thirdParty) {
    throw new ServiceError(
      'THIRD_PARTY',
      '本次外伤已标记“涉及第三方”，患者不能承诺无第三方责任，不能直接结算（004 第三十八条）；如经核实与第三方无关，请先变更入院信息取消“涉及第三方”标志',
      'admissionId',
    );
  }
}

export function signedAtOf(raw: string | undefined): string {
  if (raw === undefined || raw === '') return nowDT();
  const n = normaliseDateTime(raw);
  if (n === null) throw new ServiceError('INVALID_TIME', `签字时间无效，格式应为 YYYY-MM-DD HH:mm：${raw}`, 'signedAt');
  notInFuture(n, '签字时间', 'signedAt');
  return n;
}

export function pdfFile(pdf: Buffer, pages: number, fileName: string): PdfFile {
  return { fileName, mime: 'application/pdf', base64: pdf.toString('base64'), pages };
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT');
}

// ---------------------------------------------------------------------------------------------
// Handlers

export const EMERGENCY_BATCH = '急诊 72 小时内转住院的门急诊费用（000 第十七条 1）';

/**
 * The catalogue part of a fee line this module adds (72-hour emergency fees, outside-exam slip
 * lines): the desk's item code is both the national and the hospital list code.
 */
export function catalogueFeeLine(l: { code: string; name: string; qty: string; price: string; amount: string }): Pick<NewFeeLine, 'medListCodg' | 'medinsListCodg' | 'name' | 'cnt' | 'pric' | 'detItemFeeSumamt'> {
  return { medListCodg: l.code, medinsListCodg: l.code, name: l.name, cnt: l.qty, pric: l.price, detItemFeeSumamt: l.amount };
}
