import { admissionOrderKey, admissionWarnings, currentAdmission, currentPledge, directSettlementBlock, MED_TYPE_LABEL, outsideExamSn, settleStatus, type AdmissionFields } from '../../../shared/admission.ts';
import type { AdmissionDetail, AdmissionEventView, AdmissionSummary, EligibilityView, FeeLineView, OutsideExamView, PledgeView } from '../../../shared/api/admission.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { codeLabel, type Dictionaries } from '../../../shared/codes.ts';
import { ageOn, todayCST } from '../../../shared/dates.ts';
import { GROUP_LABEL, REASON_LABEL, type RegistrationGroup } from '../../../shared/eligibility.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import { regionName } from '../../../shared/regions.ts';
import type { Db } from '../../../db/open.ts';
import { admissionMessages, eventsOfAdmission, eventsOfAdmissions, listAdmissions, moduleFeeLines, slipsOfAdmission, unreversedSettlementCount, type AdmissionEventRow, type AdmissionRow, type OutsideExamSlipRow, type PersonRow } from '../../../db/repos/admissions.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { pledgesOfAdmission, pledgeStatesOf, type PledgeRow } from '../../../db/repos/pledges.ts';
import { changesOf, load, originalFields, parseFields, recordedEligibility, type RecordedDecision } from '../admissionState.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { currentDictionaries } from '../dictionaryLabels.ts';

/** Reading an admission: its detail, summaries, pledges, slips and the agency state (issue 12 point 1). */
// ---------------------------------------------------------------------------------------------
// Reading an admission

export function eligibilityView(d: RecordedDecision | null): EligibilityView | null {
  if (!d) return null;
  return { direct: d.direct, reason: d.reason, reasonLabel: REASON_LABEL[d.reason] ?? d.reason, rule: d.rule, message: d.message, validUntil: d.validUntil, source: d.source, at: d.at };
}

export function ageOf(person: PersonRow): number | null {
  try {
    return ageOn(person.brdy, todayCST());
  } catch {
    return null;
  }
}

export function groupLabel(group: string): string {
  if (group === 'unregistered') return '未备案';
  return GROUP_LABEL[group as RegistrationGroup] ?? group;
}

/** `dicts`: the 1901 labels when the desk has them (codeLabel); else the built-in ones. */
export function summaryOf(row: AdmissionRow, person: PersonRow, current: AdmissionFields, elig: RecordedDecision | null, pledges: readonly { id: number; signedAt: string | null; supersedesId: number | null }[], dicts?: Dictionaries): AdmissionSummary {
  const gate = directSettlementBlock(current, pledges);
  return {
    id: row.id,
    iptNo: row.iptNo,
    patientName: person.psnName,
    certNoMasked: maskId(person.certno),
    gend: codeLabel('gend', person.gend, dicts, person.gend),
    age: ageOf(person),
    insuplcAdmdvs: person.insuplcAdmdvs,
    insuplcName: regionName(person.insuplcAdmdvs) ?? person.insuplcAdmdvs,
    admittedAt: current.admittedAt,
    way: current.way,
    deptName: current.deptName,
    bed: current.bed,
    diagCode: current.diagCode,
    diagName: current.diagName,
    medType: current.medType,
    medTypeLabel: dicts?.get('med_type')?.get(current.medType) ?? MED_TYPE_LABEL[current.medType] ?? current.medType,
    emergency: current.emergency,
    trauma: current.trauma,
    thirdParty: current.thirdParty,
    status: row.status,
    settle: settleStatus(elig, gate),
  };
}

export function pledgeViews(rows: readonly (PledgeRow & { witnessName: string | null })[]): PledgeView[] {
  const inForce = currentPledge(rows);
  return rows.map((p) => ({
    id: p.id,
    pledgerName: p.pledgerName,
    relationship: p.relationship,
    certType: p.certType,
    certNoMasked: maskId(p.certNo),
    phone: p.phone,
    injuryTime: p.injuryTime,
    place: p.place,
    account: p.account,
    signedAt: p.signedAt,
    witness: p.witnessName,
    supersedesId: p.supersedesId,
    supersededBy: rows.find((q) => q.supersedesId === p.id)?.id ?? null,
    inForce: inForce?.id === p.id,
    createdAt: p.createdAt,
  }));
}

export interface StoredSlipItems {
  kind: 'hospital' | 'pharmacy';
  at: string;
  lines: { code: string; name: string; qty: string; price: string; amount: string }[];
}

export function slipItems(slip: OutsideExamSlipRow): StoredSlipItems {
  try {
    return JSON.parse(slip.items) as StoredSlipItems;
  } catch {
    return { kind: 'hospital', at: slip.createdAt, lines: [] };
  }
}

export function slipView(slip: OutsideExamSlipRow): OutsideExamView {
  const s = slipItems(slip);
  const items = s.lines.map((l, i) => ({ sn: outsideExamSn(slip.id, i), ...l }));
  return {
    id: slip.id,
    kind: s.kind,
    diagnosis: slip.diagnosis,
    hospitalCode: slip.etipHospCode,
    hospitalName: slip.etipHospName,
    items,
    total: toText(sum(items.map((i) => new Decimal(i.amount)))),
    reason: slip.reason,
    doctor: slip.doctor,
    at: s.at,
    createdAt: slip.createdAt,
  };
}

export function eventView(e: AdmissionEventRow & { clerkName: string | null }): AdmissionEventView {
  return { id: e.id, kind: e.kind, fields: parseFields(e), reason: e.reason, clerk: e.clerkName, at: e.at };
}

export function cancellable(db: Tx, row: AdmissionRow): { ok: boolean; reason: string | null } {
  if (row.status === 'cancelled') return { ok: false, reason: '已撤销' };
  if (row.status === 'discharged') return { ok: false, reason: '已办理出院，须先撤销出院（2405）再撤销入院' };
  const n = unreversedSettlementCount(db, row.id);
  if (n > 0) return { ok: false, reason: `本次住院已有 ${n} 笔结算，须先撤销结算（2305）再撤销入院` };
  return { ok: true, reason: null };
}

export function agencyState(db: Tx, id: number): AdmissionDetail['agency'] {
  const rows = admissionMessages(db, admissionOrderKey(id));
  return {
    pending: rows.filter((r) => r.status === 'pending').map((r) => r.infno),
    rejected: rows.filter((r) => r.status === 'rejected').map((r) => ({ infno: r.infno, message: r.lastError ?? '经办机构退回' })),
  };
}

export function detail(db: Tx, id: number): AdmissionDetail {
  const s = load(db, id);
  const elig = recordedEligibility(s.row, s.events);
  const pledges = pledgesOfAdmission(db, id);
  const gate = directSettlementBlock(s.current, pledges);
  const dicts = currentDictionaries(db);
  const feeLines: FeeLineView[] = moduleFeeLines(db, id).map((l) => ({
    sn: l.feedetlSn,
    time: l.feeOcurTime,
    code: l.medListCodg,
    name: l.name,
    qty: l.cnt,
    price: l.pric,
    amount: l.detItemFeeSumamt,
    etipFlag: l.etipFlag,
    etipHospCode: l.etipHospCode,
    source: l.feedetlSn.startsWith('WJ') ? 'outsideExam' : l.feedetlSn.startsWith('JZ') ? 'emergency72h' : 'other',
  }));
  const group = elig?.group ?? s.row.grp;
  return {
    ...summaryOf(s.row, s.person, s.current, elig, pledges, dicts),
    checkId: s.row.checkId,
    mdtrtId: s.row.mdtrtId,
    insutype: s.row.insutype,
    group,
    groupLabel: groupLabel(group),
    original: s.original,
    current: s.current,
    eligibility: eligibilityView(elig),
    gate,
    warnings: admissionWarnings(s.current),
    events: eventsOfAdmission(db, id).map(eventView),
    pledges: pledgeViews(pledges),
    slips: slipsOfAdmission(db, id).map(slipView),
    feeLines,
    cancellable: cancellable(db, s.row),
    agency: agencyState(db, id),
    patient: { name: s.person.psnName, certNoMasked: maskId(s.person.certno), gend: codeLabel('gend', s.person.gend, dicts, s.person.gend), age: ageOf(s.person) },
  };
}

export function listAdmissionSummaries(db: Db, { scope, query }: ParsedInput<'admission.list'>) {
  const rows = listAdmissions(db, { inHospital: scope === 'in', query });
  const ids = rows.map((r) => r.admission.id);
  const events = eventsOfAdmissions(db, ids);
  const pledges = pledgeStatesOf(db, ids);
  const dicts = currentDictionaries(db);
  return rows.map(({ admission, person }) => {
    const ev = events.get(admission.id) ?? [];
    const current = currentAdmission(originalFields(admission), changesOf(ev));
    return summaryOf(admission, person, current, recordedEligibility(admission, ev), pledges.get(admission.id) ?? [], dicts);
  });
}
