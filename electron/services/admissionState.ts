import { currentAdmission, directSettlementBlock, settleStatus, type AdmissionChange, type AdmissionFields, type AdmissionWay, type InpatientMedType, type SettleBlock, type SettleStatus } from '../../shared/admission.ts';
import type { EligibilityDecision, EligibilityReason } from '../../shared/eligibility.ts';
import { eventsOfAdmission, findAdmission, type AdmissionEventRow, type AdmissionRow, type PersonRow } from '../../db/repos/admissions.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { pledgeStatesOf } from '../../db/repos/pledges.ts';
import { ServiceError } from './errors.ts';

/**
 * An admission as it stands now (DOMAIN §4–§5): the row keeps what was first recorded, so the
 * current values are the row plus its change events, and the eligibility is the latest 补办
 * re-check or else the decision recorded at admission. Whoever decides on an admission —
 * settlement included — should read it through `admissionState`, not from the row's columns.
 */
export interface Loaded {
  row: AdmissionRow;
  person: PersonRow;
  events: AdmissionEventRow[];
  original: AdmissionFields;
  current: AdmissionFields;
}

export function originalFields(row: AdmissionRow): AdmissionFields {
  return {
    iptNo: row.iptNo,
    admittedAt: row.admittedAt,
    way: row.way as AdmissionWay,
    deptCode: row.deptCode,
    deptName: row.deptName,
    bed: row.bed,
    diagCode: row.diagCode,
    diagName: row.diagName,
    doctorCode: row.doctorCode ?? '',
    doctorName: row.doctor,
    medType: row.medType as InpatientMedType,
    emergency: row.emergency,
    trauma: row.traumaFlag,
    thirdParty: row.thirdPartyFlag,
  };
}

export function parseFields(e: AdmissionEventRow): Record<string, unknown> {
  try {
    const v = JSON.parse(e.fields) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function changesOf(events: readonly AdmissionEventRow[]): AdmissionChange[] {
  return events.filter((e) => e.kind === 'change').map((e) => (parseFields(e).changes ?? {}) as AdmissionChange);
}

export function load(db: Tx, id: number): Loaded {
  const found = findAdmission(db, id);
  if (!found) throw new ServiceError('NOT_FOUND', `找不到入院登记（编号 ${id}）`, 'admissionId');
  const events = eventsOfAdmission(db, id);
  const original = originalFields(found.admission);
  return { row: found.admission, person: found.person, events, original, current: currentAdmission(original, changesOf(events)) };
}

export interface RecordedDecision extends EligibilityDecision {
  group: string;
  source: 'admission' | 'recheck';
  at: string;
}

export function recordedEligibility(row: AdmissionRow, events: readonly AdmissionEventRow[]): RecordedDecision | null {
  const last = [...events].reverse().find((e) => e.kind === 'recheck');
  if (last) {
    const f = parseFields(last);
    return {
      direct: f.direct === true,
      reason: f.reason as EligibilityReason,
      rule: String(f.rule ?? ''),
      message: String(f.message ?? ''),
      validUntil: (f.validUntil as string | null) ?? null,
      group: String(f.group ?? row.grp),
      source: 'recheck',
      at: last.at,
    };
  }
  if (row.eligReason === null) return null;
  return {
    direct: row.eligDirect === true,
    reason: row.eligReason as EligibilityReason,
    rule: row.eligRule ?? '',
    message: row.eligMessage ?? '',
    validUntil: row.eligValidUntil,
    group: row.grp,
    source: 'admission',
    at: row.createdAt,
  };
}


export interface AdmissionState extends Loaded {
  eligibility: RecordedDecision | null;
  gate: SettleBlock | null;
  settle: SettleStatus;
}

/** The admission now, with its eligibility, trauma gate (004 第三十八条) and settle status. */
export function admissionState(db: Tx, id: number): AdmissionState {
  const s = load(db, id);
  const eligibility = recordedEligibility(s.row, s.events);
  const gate = directSettlementBlock(s.current, s.current.trauma ? pledgeStatesOf(db, [id]).get(id) ?? [] : []);
  return { ...s, eligibility, gate, settle: settleStatus(eligibility, gate) };
}
