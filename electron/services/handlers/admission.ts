import { createHash } from 'node:crypto';
import {
  admissionGroup,
  admissionOrderKey,
  admissionWarnings,
  build2401,
  build2403,
  build2404,
  currentAdmission,
  currentPledge,
  dateTimeSeconds,
  diffAdmission,
  directSettlementBlock,
  eligibilityAtAdmission,
  emergencyFeeSn,
  EMERGENCY_RULE,
  flagIssues,
  injuryBeforeAdmission,
  insuredAgencyName,
  itemAmount,
  MED_TYPE_LABEL,
  normaliseDateTime,
  outsideExamSn,
  qualifyEmergencyFees,
  settleStatus,
  type AdmissionChange,
  type AdmissionFields,
  type AdmissionMessageContext,
  type PledgeForm,
} from '../../../shared/admission.ts';
import type {
  AdmissionDetail,
  AdmissionEventView,
  AdmissionSummary,
  EligibilityView,
  FeeLineView,
  OutsideExamView,
  PdfFile,
  PledgeView,
  admissionApi,
} from '../../../shared/api/admission.ts';
import { checkCitizenId, maskId } from '../../../shared/citizenId.ts';
import { GEND } from '../../../shared/codes.ts';
import { ageOn, dateTimeCST, todayCST } from '../../../shared/dates.ts';
import { decideEligibility, GROUP_LABEL, REASON_LABEL, type EligibilityDecision, type EligibilityReason, type RegistrationGroup } from '../../../shared/eligibility.ts';
import { InputError } from '../../../shared/errors.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import { poolingRegionOf, regionName } from '../../../shared/regions.ts';
import type { Db } from '../../../db/open.ts';
import {
  admissionMessages,
  admissionOfCheck,
  checkWithPerson,
  eventsOfAdmission,
  eventsOfAdmissions,
  feeBatchCount,
  feeBatchExists,
  findAdmissionByIptNo,
  findOutsideExamSlip,
  insertAdmission,
  insertAdmissionEvent,
  insertFeeBatch,
  insertFeeLines,
  insertOutsideExamSlip,
  listAdmissions,
  markAdmissionCancelled,
  moduleFeeLines,
  openAdmissionOfPerson,
  policyBodyFor,
  registrationOfPerson,
  slipsOfAdmission,
  unreversedSettlementCount,
  type AdmissionEventRow,
  type AdmissionRow,
  type OutsideExamSlipRow,
  type PersonRow,
} from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { enqueueMessage } from '../../../db/repos/outbox.ts';
import { findPledge, insertPledge, pledgesOfAdmission, pledgeStatesOf, supersederOf, type PledgeRow } from '../../../db/repos/pledges.ts';
import { renderOutsideExam } from '../../pdf/outsideExamPdf.ts';
import { parsePledgeInput, renderPledge, type PledgeInput } from '../../pdf/pledgePdf.ts';
import '../admissionSync.ts';
import { changesOf, load, originalFields, parseFields, recordedEligibility, type Loaded, type RecordedDecision } from '../admissionState.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { Desk, HandlersFor } from '../desk.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';

/**
 * Admission services (DOMAIN §4–§5): the admission and its 2401 / 2403 / 2404 messages, 补办
 * re-checks, the trauma pledge, the outside-exam slip and the 72-hour emergency fees. Each write
 * is one transaction with its audit entry and, where the agency must hear of it, its outbox row
 * (order key `adm:<id>`, so an admission's messages leave in order).
 *
 * mdtrt_id: 2403 and 2404 need the agency's 就诊ID, which the 2401 answer brings. While it has
 * not come back the messages carry an empty mdtrt_id; the sync worker sends an order key's
 * messages one after the other and fills mdtrt_id from the admission row once 2401 is answered.
 */

// ---------------------------------------------------------------------------------------------
// Reading an admission

function eligibilityView(d: RecordedDecision | null): EligibilityView | null {
  if (!d) return null;
  return { direct: d.direct, reason: d.reason, reasonLabel: REASON_LABEL[d.reason] ?? d.reason, rule: d.rule, message: d.message, validUntil: d.validUntil, source: d.source, at: d.at };
}

function ageOf(person: PersonRow): number | null {
  try {
    return ageOn(person.brdy, todayCST());
  } catch {
    return null;
  }
}

function groupLabel(group: string): string {
  if (group === 'unregistered') return '未备案';
  return GROUP_LABEL[group as RegistrationGroup] ?? group;
}

function summaryOf(row: AdmissionRow, person: PersonRow, current: AdmissionFields, elig: RecordedDecision | null, pledges: readonly { id: number; signedAt: string | null; supersedesId: number | null }[]): AdmissionSummary {
  const gate = directSettlementBlock(current, pledges);
  return {
    id: row.id,
    iptNo: row.iptNo,
    patientName: person.psnName,
    certNoMasked: maskId(person.certno),
    gend: GEND[person.gend as keyof typeof GEND] ?? person.gend,
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
    medTypeLabel: MED_TYPE_LABEL[current.medType] ?? current.medType,
    emergency: current.emergency,
    trauma: current.trauma,
    thirdParty: current.thirdParty,
    status: row.status,
    settle: settleStatus(elig, gate),
  };
}

function pledgeViews(rows: readonly (PledgeRow & { witnessName: string | null })[]): PledgeView[] {
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

interface StoredSlipItems {
  kind: 'hospital' | 'pharmacy';
  at: string;
  lines: { code: string; name: string; qty: string; price: string; amount: string }[];
}

function slipItems(slip: OutsideExamSlipRow): StoredSlipItems {
  try {
    return JSON.parse(slip.items) as StoredSlipItems;
  } catch {
    return { kind: 'hospital', at: slip.createdAt, lines: [] };
  }
}

function slipView(slip: OutsideExamSlipRow): OutsideExamView {
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

function eventView(e: AdmissionEventRow & { clerkName: string | null }): AdmissionEventView {
  return { id: e.id, kind: e.kind, fields: parseFields(e), reason: e.reason, clerk: e.clerkName, at: e.at };
}

function cancellable(db: Tx, row: AdmissionRow): { ok: boolean; reason: string | null } {
  if (row.status === 'cancelled') return { ok: false, reason: '已撤销' };
  if (row.status === 'discharged') return { ok: false, reason: '已办理出院，须先撤销出院（2405）再撤销入院' };
  const n = unreversedSettlementCount(db, row.id);
  if (n > 0) return { ok: false, reason: `本次住院已有 ${n} 笔结算，须先撤销结算（2305）再撤销入院` };
  return { ok: true, reason: null };
}

function agencyState(db: Tx, id: number): AdmissionDetail['agency'] {
  const rows = admissionMessages(db, admissionOrderKey(id));
  return {
    pending: rows.filter((r) => r.status === 'pending').map((r) => r.infno),
    rejected: rows.filter((r) => r.status === 'rejected').map((r) => ({ infno: r.infno, message: r.lastError ?? '经办机构退回' })),
  };
}

function detail(db: Tx, id: number): AdmissionDetail {
  const s = load(db, id);
  const elig = recordedEligibility(s.row, s.events);
  const pledges = pledgesOfAdmission(db, id);
  const gate = directSettlementBlock(s.current, pledges);
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
    ...summaryOf(s.row, s.person, s.current, elig, pledges),
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
    patient: { name: s.person.psnName, certNoMasked: maskId(s.person.certno), gend: GEND[s.person.gend as keyof typeof GEND] ?? s.person.gend, age: ageOf(s.person) },
  };
}

// ---------------------------------------------------------------------------------------------
// Rules the services apply before writing

function nowDT(): string {
  return dateTimeCST();
}

/** A few minutes of clock difference between the HIS and the desk are tolerated. */
function notInFuture(dt: string, label: string, path: string): void {
  if (dateTimeSeconds(dt) > dateTimeSeconds(nowDT()) + 600) throw new ServiceError('IN_FUTURE', `${label}（${dt}）晚于当前时间，请核对`, path);
}

function requireOpen(db: Tx, s: Loaded, what: string): void {
  if (s.row.status === 'cancelled') throw new ServiceError('CANCELLED', `该入院登记已撤销，不能${what}`, 'admissionId');
  const n = unreversedSettlementCount(db, s.row.id);
  if (n > 0) throw new ServiceError('SETTLED', `本次住院已结算（${n} 笔），不能${what}；如确需办理，请先撤销结算`, 'admissionId');
}

function messageContext(db: Tx, row: Pick<AdmissionRow, 'insutype' | 'certType' | 'certNo' | 'mdtrtId'>, person: PersonRow): AdmissionMessageContext {
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

function opter(session: Session): { login: string; name: string } {
  return { login: session.login, name: session.name };
}

function positiveInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * The decision from the local roster (DOMAIN §3, the same engine as the identity check), for a
 * 补办 re-check without a new identity check and after a change of the admission day or the
 * emergency mark. Validity months come from the insured region's policy (004 第十三条 defaults).
 */
function decideFromRoster(db: Tx, person: PersonRow, date: string, emergency: boolean): { decision: EligibilityDecision; group: string } {
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

function recheckFields(d: EligibilityDecision, group: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { direct: d.direct, reason: d.reason, rule: d.rule, message: d.message, validUntil: d.validUntil, group, ...extra };
}

function sameDecision(a: RecordedDecision | null, b: EligibilityDecision, group: string): boolean {
  return a !== null && a.direct === b.direct && a.reason === b.reason && a.validUntil === b.validUntil && a.group === group;
}

// ---------------------------------------------------------------------------------------------
// Pledge input for the PDF (004 附件8)

function pledgeInputFor(person: PersonRow, form: PledgeForm): PledgeInput {
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

function pledgeInputFromRow(person: PersonRow, p: PledgeRow): PledgeInput {
  return {
    pledger: { name: p.pledgerName, phone: p.phone, certType: p.certType, certNo: p.certNo, relationship: p.relationship },
    patient: { name: person.psnName, certNo: person.certno },
    injury: { time: p.injuryTime, place: p.place, account: p.account },
    agencyName: insuredAgencyName(person.insuplcAdmdvs),
  };
}

/** A pledge may only be taken for a trauma admission whose patient states no third party. */
function requirePledgeable(s: Loaded): void {
  if (!s.current.trauma) throw new ServiceError('NOT_TRAUMA', '本次入院未勾选外伤标志，无需《外伤无第三方责任承诺书》；如为外伤，请先变更入院信息勾选外伤标志', 'admissionId');
  if (s.current.thirdParty) {
    throw new ServiceError(
      'THIRD_PARTY',
      '本次外伤已标记“涉及第三方”，患者不能承诺无第三方责任，不能直接结算（004 第三十八条）；如经核实与第三方无关，请先变更入院信息取消“涉及第三方”标志',
      'admissionId',
    );
  }
}

function signedAtOf(raw: string | undefined): string {
  if (raw === undefined || raw === '') return nowDT();
  const n = normaliseDateTime(raw);
  if (n === null) throw new ServiceError('INVALID_TIME', `签字时间无效，格式应为 YYYY-MM-DD HH:mm：${raw}`, 'signedAt');
  notInFuture(n, '签字时间', 'signedAt');
  return n;
}

function pdfFile(pdf: Buffer, pages: number, fileName: string): PdfFile {
  return { fileName, mime: 'application/pdf', base64: pdf.toString('base64'), pages };
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT');
}

// ---------------------------------------------------------------------------------------------
// Handlers

export function admissionHandlers(desk: Desk): HandlersFor<keyof typeof admissionApi> {
  const db = (): Db => desk.db;

  return {
    'admission.create': (input, ctx) => {
      const session = ctx.session!;
      const { checkId, ...fields } = input;
      const f: AdmissionFields = fields;
      const found = checkWithPerson(db(), checkId);
      if (!found) throw new ServiceError('NOT_FOUND', `找不到身份核验记录（编号 ${checkId}），请先核验身份`, 'checkId');
      const { check, person } = found;
      notInFuture(f.admittedAt, '入院时间', 'admittedAt');

      const taken = findAdmissionByIptNo(db(), f.iptNo);
      if (taken) {
        throw new ServiceError(
          'DUPLICATE_IPT_NO',
          taken.status === 'cancelled' ? `住院号 ${f.iptNo} 已用于一次已撤销的入院登记，住院号在本院唯一，请使用新的住院号` : `住院号 ${f.iptNo} 已被另一入院登记使用（住院号在本院唯一），请核对`,
          'iptNo',
        );
      }
      const open = openAdmissionOfPerson(db(), person.id);
      if (open) throw new ServiceError('ALREADY_ADMITTED', `该患者已在院（住院号 ${open.iptNo}），不能重复登记入院；如需更正请变更或撤销原登记`, 'checkId');
      const used = admissionOfCheck(db(), checkId);
      if (used) throw new ServiceError('CHECK_USED', `该身份核验已用于入院登记（住院号 ${used.iptNo}），请重新核验身份`, 'checkId');

      const elig = eligibilityAtAdmission(
        { admissionDate: check.admissionDate, decision: { direct: check.direct, reason: check.reason as EligibilityReason, rule: check.rule, message: check.message, validUntil: check.validUntil } },
        f,
      );
      if (!elig.ok) throw new ServiceError(elig.code, elig.message, elig.path);
      const reg = registrationOfPerson(db(), person.certno) ?? null;
      const group = admissionGroup(reg ? { group: reg.grp, status: reg.status } : null, elig.decision);
      const certNo = check.certNo ?? (check.certType === '03' ? person.cardNo ?? person.certno : person.certno);

      let id: number;
      try {
        id = db().transaction((tx) => {
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
        if (isUniqueViolation(e) && findAdmissionByIptNo(db(), f.iptNo)) throw new ServiceError('DUPLICATE_IPT_NO', `住院号 ${f.iptNo} 已被使用（住院号在本院唯一），请核对`, 'iptNo');
        throw e;
      }
      return detail(db(), id);
    },

    'admission.change': ({ admissionId, changes, reason }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      if (s.row.status === 'discharged') throw new ServiceError('DISCHARGED', '该患者已出院，不能变更入院信息', 'admissionId');
      requireOpen(db(), s, '变更入院信息');
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
      const again = redecide ? decideFromRoster(db(), s.person, next.admittedAt.slice(0, 10), next.emergency) : null;

      db().transaction((tx) => {
        const env = newEnvelope(tx, opter(session), '2403', build2403(next, messageContext(tx, s.row, s.person)), s.person.insuplcAdmdvs);
        const eventId = insertAdmissionEvent(tx, { admissionId, kind: 'change', fields: { changes: diff, msgid: env.msgid }, reason: reason ?? null, clerkId: session.clerkId });
        enqueueMessage(tx, { msgid: env.msgid, infno: '2403', orderKey: admissionOrderKey(admissionId), payload: env });
        if (again && !sameDecision(before, again.decision, again.group)) {
          insertAdmissionEvent(tx, { admissionId, kind: 'recheck', fields: recheckFields(again.decision, again.group, { source: 'change', changeEventId: eventId }), reason: '入院日期或急诊标志变更后重新判定', clerkId: session.clerkId });
        }
        appendAudit(tx, { clerkId: session.clerkId, action: 'admission.change', entity: 'admission', entityId: admissionId, detail: { fields: Object.keys(diff), eventId, msgid: env.msgid, redecided: again?.decision.reason ?? null } });
      });
      return detail(db(), admissionId);
    },

    'admission.cancel': ({ admissionId, reason }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      const c = cancellable(db(), s.row);
      if (!c.ok) throw new ServiceError(s.row.status === 'cancelled' ? 'CANCELLED' : s.row.status === 'discharged' ? 'DISCHARGED' : 'SETTLED', `不能撤销入院：${c.reason}`, 'admissionId');
      db().transaction((tx) => {
        // Checked again inside the transaction: a settlement committed meanwhile must win.
        if (unreversedSettlementCount(tx, admissionId) > 0) throw new ServiceError('SETTLED', '不能撤销入院：本次住院刚刚完成了结算，须先撤销结算', 'admissionId');
        const env = newEnvelope(tx, opter(session), '2404', build2404(messageContext(tx, s.row, s.person)), s.person.insuplcAdmdvs);
        const eventId = insertAdmissionEvent(tx, { admissionId, kind: 'cancel', fields: { msgid: env.msgid }, reason, clerkId: session.clerkId });
        markAdmissionCancelled(tx, admissionId);
        enqueueMessage(tx, { msgid: env.msgid, infno: '2404', orderKey: admissionOrderKey(admissionId), payload: env });
        appendAudit(tx, { clerkId: session.clerkId, action: 'admission.cancel', entity: 'admission', entityId: admissionId, detail: { eventId, msgid: env.msgid } });
      });
      return detail(db(), admissionId);
    },

    'admission.recheckEligibility': ({ admissionId, checkId }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      requireOpen(db(), s, '复核备案资格（004 第二十二条：补办备案须在出院结算前）');
      let decision: EligibilityDecision;
      let group: string;
      if (checkId !== undefined) {
        const found = checkWithPerson(db(), checkId);
        if (!found) throw new ServiceError('NOT_FOUND', `找不到身份核验记录（编号 ${checkId}）`, 'checkId');
        if (found.person.id !== s.person.id) throw new ServiceError('OTHER_PERSON', '该身份核验不是本患者的，请选择本患者的核验记录', 'checkId');
        const e = eligibilityAtAdmission(
          { admissionDate: found.check.admissionDate, decision: { direct: found.check.direct, reason: found.check.reason as EligibilityReason, rule: found.check.rule, message: found.check.message, validUntil: found.check.validUntil } },
          s.current,
        );
        if (!e.ok) throw new ServiceError(e.code, e.message, 'checkId');
        decision = e.decision;
        const reg = registrationOfPerson(db(), s.person.certno) ?? null;
        group = admissionGroup(reg ? { group: reg.grp, status: reg.status } : null, decision);
      } else {
        ({ decision, group } = decideFromRoster(db(), s.person, s.current.admittedAt.slice(0, 10), s.current.emergency));
      }
      db().transaction((tx) => {
        const eventId = insertAdmissionEvent(tx, {
          admissionId,
          kind: 'recheck',
          fields: recheckFields(decision, group, { source: checkId !== undefined ? 'identityCheck' : 'roster', checkId: checkId ?? null }),
          reason: '补办备案后复核（004 第二十二条）',
          clerkId: session.clerkId,
        });
        appendAudit(tx, { clerkId: session.clerkId, action: 'admission.recheck', entity: 'admission', entityId: admissionId, detail: { eventId, reason: decision.reason, direct: decision.direct, checkId: checkId ?? null } });
      });
      return detail(db(), admissionId);
    },

    'admission.get': ({ id }) => detail(db(), id),

    'admission.list': ({ scope, query }) => {
      const rows = listAdmissions(db(), { inHospital: scope === 'in', query });
      const ids = rows.map((r) => r.admission.id);
      const events = eventsOfAdmissions(db(), ids);
      const pledges = pledgeStatesOf(db(), ids);
      return rows.map(({ admission, person }) => {
        const ev = events.get(admission.id) ?? [];
        const current = currentAdmission(originalFields(admission), changesOf(ev));
        return summaryOf(admission, person, current, recordedEligibility(admission, ev), pledges.get(admission.id) ?? []);
      });
    },

    'admission.attachEmergencyFees': ({ admissionId, visit, lines }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      requireOpen(db(), s, '并入门急诊费用');
      const batch = feeBatchCount(db(), admissionId, EMERGENCY_BATCH) + 1;
      const priced = lines.map((l, i) => {
        const a = itemAmount(l);
        if ('error' in a) throw new ServiceError('AMOUNT_MISMATCH', `第 ${i + 1} 条费用：${a.error}`, `lines.${i}.amount`);
        const t = normaliseDateTime(l.feeOcurTime);
        if (t === null) throw new ServiceError('INVALID_TIME', `第 ${i + 1} 条费用的发生时间无效，格式应为 YYYY-MM-DD HH:mm`, `lines.${i}.feeOcurTime`);
        return { ...l, feeOcurTime: t, amount: a.amount, sn: emergencyFeeSn(admissionId, batch, i) };
      });
      const sha256 = createHash('sha256').update(JSON.stringify({ visit: visit.certNo ?? '', lines: priced.map(({ sn: _sn, ...l }) => l) })).digest('hex');
      if (feeBatchExists(db(), admissionId, sha256)) throw new ServiceError('DUPLICATE', '这些门急诊费用已经并入过本次住院，不能重复并入', 'lines');
      const verdicts = qualifyEmergencyFees(
        { ...s.current, certNo: s.person.certno },
        priced.map((l) => ({ sn: l.sn, certNo: visit.certNo ?? s.person.certno, emergencyVisit: visit.emergency, feeOcurTime: l.feeOcurTime })),
      );
      const attached = verdicts.filter((v) => v.qualifies);
      const refused = verdicts.filter((v) => !v.qualifies);
      if (attached.length === 0) {
        throw new ServiceError('NONE_QUALIFY', `没有可并入的费用：${refused[0]?.reason ?? ''}（${EMERGENCY_RULE}）`, 'lines');
      }
      const keep = new Set(attached.map((v) => v.sn));
      db().transaction((tx) => {
        const importId = insertFeeBatch(tx, { admissionId, fileName: EMERGENCY_BATCH, sha256, rows: attached.length, clerkId: session.clerkId });
        insertFeeLines(
          tx,
          admissionId,
          priced
            .filter((l) => keep.has(l.sn))
            .map((l) => ({
              importId,
              feedetlSn: l.sn,
              feeOcurTime: l.feeOcurTime,
              medListCodg: l.code,
              medinsListCodg: l.code,
              name: l.name,
              cnt: l.qty,
              pric: l.price,
              detItemFeeSumamt: l.amount,
              bilgDeptName: '急诊科',
              etipFlag: false,
            })),
        );
        appendAudit(tx, { clerkId: session.clerkId, action: 'admission.attachEmergencyFees', entity: 'admission', entityId: admissionId, detail: { importId, attached: attached.length, refused: refused.length, rule: EMERGENCY_RULE } });
      });
      return { attached: attached.map(({ sn, reason }) => ({ sn, reason })), refused: refused.map(({ sn, reason }) => ({ sn, reason })), rule: EMERGENCY_RULE };
    },

    'pledge.record': ({ admissionId, form, signedAt }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      requireOpen(db(), s, '记录承诺书');
      requirePledgeable(s);
      const inForce = currentPledge(pledgesOfAdmission(db(), admissionId));
      if (inForce) throw new ServiceError('PLEDGE_EXISTS', `本次入院已有签字的承诺书（第 ${inForce.id} 号），承诺书签字后不能修改；如需更正请用“更正承诺书”`, 'admissionId');
      const p = pledgeInputFor(s.person, form);
      if (!injuryBeforeAdmission(p.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
      const at = signedAtOf(signedAt);
      db().transaction((tx) => {
        const row = insertPledge(tx, {
          admissionId,
          pledgerName: p.pledger.name,
          relationship: p.pledger.relationship,
          certType: p.pledger.certType,
          certNo: p.pledger.certNo,
          phone: p.pledger.phone,
          injuryTime: p.injury.time,
          place: p.injury.place,
          account: p.injury.account,
          signedAt: at,
          witnessClerkId: session.clerkId,
          supersedesId: null,
        });
        appendAudit(tx, { clerkId: session.clerkId, action: 'pledge.record', entity: 'trauma_pledge', entityId: row.id, detail: { admissionId, signedBy: p.pledger.relationship ?? '本人', signedAt: at } });
      });
      return detail(db(), admissionId);
    },

    'pledge.supersede': ({ pledgeId, form, signedAt, reason }, ctx) => {
      const session = ctx.session!;
      const old = findPledge(db(), pledgeId);
      if (!old) throw new ServiceError('NOT_FOUND', `找不到承诺书（第 ${pledgeId} 号）`, 'pledgeId');
      const later = supersederOf(db(), pledgeId);
      if (later) throw new ServiceError('ALREADY_SUPERSEDED', `第 ${pledgeId} 号承诺书已被第 ${later.id} 号更正，请更正最新的一份`, 'pledgeId');
      const s = load(db(), old.admissionId);
      requireOpen(db(), s, '更正承诺书');
      requirePledgeable(s);
      const p = pledgeInputFor(s.person, form);
      if (!injuryBeforeAdmission(p.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
      const at = signedAtOf(signedAt);
      db().transaction((tx) => {
        const row = insertPledge(tx, {
          admissionId: old.admissionId,
          pledgerName: p.pledger.name,
          relationship: p.pledger.relationship,
          certType: p.pledger.certType,
          certNo: p.pledger.certNo,
          phone: p.pledger.phone,
          injuryTime: p.injury.time,
          place: p.injury.place,
          account: p.injury.account,
          signedAt: at,
          witnessClerkId: session.clerkId,
          supersedesId: old.id,
        });
        appendAudit(tx, { clerkId: session.clerkId, action: 'pledge.supersede', entity: 'trauma_pledge', entityId: row.id, detail: { admissionId: old.admissionId, supersedes: old.id, reason } });
      });
      return detail(db(), old.admissionId);
    },

    'pledge.pdf': async ({ admissionId, form, pledgeId }, ctx) => {
      const session = ctx.session!;
      const s = load(db(), admissionId);
      let input: PledgeInput;
      if (pledgeId !== undefined) {
        const p = findPledge(db(), pledgeId);
        if (!p || p.admissionId !== admissionId) throw new ServiceError('NOT_FOUND', `本次入院没有第 ${pledgeId} 号承诺书`, 'pledgeId');
        input = pledgeInputFromRow(s.person, p);
      } else {
        requirePledgeable(s);
        input = pledgeInputFor(s.person, form!);
        if (!injuryBeforeAdmission(input.injury.time, s.current.admittedAt)) throw new ServiceError('INJURY_AFTER_ADMISSION', `受伤时间晚于入院时间 ${s.current.admittedAt}，请核对`, 'form.injury.time');
      }
      const r = await renderPledge(input);
      appendAudit(db(), { clerkId: session.clerkId, action: 'pledge.print', entity: 'admission', entityId: admissionId, detail: { pledgeId: pledgeId ?? null } });
      return pdfFile(r.pdf, r.pages, `外伤无第三方责任承诺书-${s.row.iptNo}${pledgeId ? `-${pledgeId}` : ''}.pdf`);
    },

    'outsideExam.create': (input, ctx) => {
      const session = ctx.session!;
      const { admissionId, ...slip } = input;
      const s = load(db(), admissionId);
      if (s.row.status === 'discharged') throw new ServiceError('DISCHARGED', '患者已出院：外检单只在住院期间开具（004 第三十九条）', 'admissionId');
      requireOpen(db(), s, '开具外检单');
      const inst = getInstitution(db());
      if (inst && slip.hospital.code === inst.fixmedinsCode) throw new ServiceError('OWN_HOSPITAL', '外检定点医院不能是本院', 'hospital.code');
      const at = slip.at ?? nowDT();
      if (dateTimeSeconds(at) < dateTimeSeconds(s.current.admittedAt)) throw new ServiceError('BEFORE_ADMISSION', `外检时间早于入院时间 ${s.current.admittedAt}：外检单只在住院期间开具`, 'at');
      const lines = slip.items.map((item, i) => {
        const a = itemAmount(item);
        if ('error' in a) throw new ServiceError('AMOUNT_MISMATCH', `第 ${i + 1} 项：${a.error}`, `items.${i}.amount`);
        return { code: item.code, name: item.name, qty: new Decimal(item.qty).toFixed(), price: new Decimal(item.price).toFixed(), amount: a.amount };
      });
      const stored: StoredSlipItems = { kind: slip.kind, at, lines };
      const row = db().transaction((tx) => {
        const r = insertOutsideExamSlip(tx, {
          admissionId,
          etipHospCode: slip.hospital.code,
          etipHospName: slip.hospital.name,
          items: JSON.stringify(stored),
          reason: slip.reason,
          doctor: slip.doctor,
          diagnosis: slip.diagnosis,
          clerkId: session.clerkId,
        });
        // 004 第三十九条: these fees are part of this stay, uploaded with the outside-exam flag.
        insertFeeLines(
          tx,
          admissionId,
          lines.map((l, i) => ({
            importId: null,
            feedetlSn: outsideExamSn(r.id, i),
            feeOcurTime: at,
            medListCodg: l.code,
            medinsListCodg: l.code,
            name: l.name,
            cnt: l.qty,
            pric: l.price,
            detItemFeeSumamt: l.amount,
            bilgDeptCodg: s.current.deptCode,
            bilgDeptName: s.current.deptName,
            bilgDrName: slip.doctor,
            etipFlag: true,
            etipHospCode: slip.hospital.code,
          })),
        );
        appendAudit(tx, { clerkId: session.clerkId, action: 'outsideExam.create', entity: 'outside_exam_slip', entityId: r.id, detail: { admissionId, etipHospCode: slip.hospital.code, lines: lines.length } });
        return r;
      });
      return { slip: slipView(row), admission: detail(db(), admissionId) };
    },

    'outsideExam.pdf': async ({ slipId }, ctx) => {
      const session = ctx.session!;
      const slip = findOutsideExamSlip(db(), slipId);
      if (!slip) throw new ServiceError('NOT_FOUND', `找不到外检单（第 ${slipId} 号）`, 'slipId');
      const s = load(db(), slip.admissionId);
      const v = slipView(slip);
      const inst = getInstitution(db());
      const r = await renderOutsideExam({
        institutionName: inst?.fixmedinsName ?? '',
        slipNo: `WJ${String(slip.id).padStart(6, '0')}`,
        iptNo: s.row.iptNo,
        patient: {
          name: s.person.psnName,
          sex: GEND[s.person.gend as keyof typeof GEND] ?? '',
          age: ageOf(s.person),
          dept: s.current.deptName,
          bed: s.current.bed,
          certType: checkCitizenId(s.person.certno).valid ? '居民身份证' : '其他',
          certNo: s.person.certno,
        },
        diagnosis: v.diagnosis,
        kind: v.kind,
        hospital: { code: v.hospitalCode, name: v.hospitalName },
        items: v.items,
        total: v.total,
        reason: v.reason,
        doctor: v.doctor,
        date: v.at.slice(0, 10),
      });
      appendAudit(db(), { clerkId: session.clerkId, action: 'outsideExam.print', entity: 'outside_exam_slip', entityId: slipId });
      return pdfFile(r.pdf, r.pages, `外检单-${s.row.iptNo}-${slip.id}.pdf`);
    },
  };
}

const EMERGENCY_BATCH = '急诊 72 小时内转住院的门急诊费用（000 第十七条 1）';
