import { appendAudit } from '../../../db/repos/audit.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { insertOtpSelfPay, otpSelfPayOf, visitQueued } from '../../../db/repos/outpatientSelfPay.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import type { OutpatientVisitView } from '../../../shared/api/outpatient.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { INSUTYPE } from '../../../shared/codes.ts';
import { dateTimeCST, type CalendarDate } from '../../../shared/dates.ts';
import { CLAIM_RULE, OTP_UPLOAD_RULE, selfPayAdvice, selfPayDeadlines } from '../../../shared/fullSelfPay.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import { regionName } from '../../../shared/regions.ts';
import { renderSelfPayAdvicePdf } from '../../pdf/selfPayAdvicePdf.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { refusePending } from './settle.ts';
import { feeLinesOfVisitBatches } from './state.ts';
import { deskLines, visitOrThrow } from './visit.ts';

/**
 * 全额自付 of a visit (issue 16 §7), as for a stay's discharge (settlement/selfPay.ts): the visit
 * is not settled directly (no connection, or the patient will not wait), so the patient pays the
 * lines not settled in full and claims them at home (零星报销, 004 第四十七条). Nothing goes to the
 * agency for it and no receipt is made from the desk's numbers: the visit's 2201, its diagnoses
 * (2203) and details (2204) are already in the outbox and go up when the connection allows — within
 * 2 days (004 第三十六条(三) → 第三十五条(三)), the deadline shown until the queue is empty.
 */
export function selfPayVisit(desk: ServiceContext, input: { visitId: number; reason: string }, opter: Operator): number {
  const { visit } = visitOrThrow(desk.db, input.visitId);
  const today = desk.today() as CalendarDate;
  const id = desk.db.transaction((tx) => {
    if (otpSelfPayOf(tx, visit.id)) throw new ServiceError('ALREADY_SELF_PAID', `门诊号 ${visit.otpNo} 已按全额自付办理`, 'visitId');
    const st = refusePending(tx, visit.id);
    if (st.unsettled.length === 0) throw new ServiceError('NO_FEES', '该门诊没有未结算的费用明细，无需全额自付', 'visitId');
    const batches = [...new Set(st.unsettled.map((l) => l.chrgBchno))];
    const medfee = toText(sum(st.unsettled.map((l) => new Decimal(l.detItemFeeSumamt))));
    const d = selfPayDeadlines(today);
    const rowId = insertOtpSelfPay(tx, { visitId: visit.id, paidOn: today, uploadBy: d.uploadBy, claimBy: d.claimBy, reason: input.reason, medfeeSumamt: medfee, batches: JSON.stringify(batches), clerkId: opter.clerkId });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.fullSelfPay', entity: 'outpatient_visit', entityId: visit.id, detail: { id: rowId, reason: input.reason, medfee_sumamt: medfee, batches, uploadBy: d.uploadBy, claimBy: d.claimBy, queued: visitQueued(tx, visit.id) } });
    return rowId;
  });
  desk.notifySync();
  return id;
}

export function selfPayOfView(db: Tx, visitId: number): OutpatientVisitView['selfPay'] {
  const r = otpSelfPayOf(db, visitId);
  if (!r) return null;
  const d = selfPayDeadlines(r.paidOn as CalendarDate);
  const queued = visitQueued(db, visitId);
  return {
    paidOn: r.paidOn, uploadBy: r.uploadBy, claimBy: r.claimBy, claimByExtended: d.claimByExtended, reason: r.reason, medfee_sumamt: r.medfeeSumamt,
    batches: JSON.parse(r.batches) as string[], uploaded: queued === 0, queued, rules: { upload: OTP_UPLOAD_RULE, claim: CLAIM_RULE },
  };
}

const CLASS_LABEL = { A: '甲类', B: '乙类', C: '丙类' } as const;

/** The fee list and 零星报销 advice of a 全额自付 visit (electron/pdf/selfPayAdvicePdf.ts), logged as printed. */
export async function visitSelfPayAdvicePdf(desk: ServiceContext, visitId: number, opter: Operator): Promise<{ fileName: string; pdfBase64: string; pages: number }> {
  const db = desk.db;
  const { visit, person } = visitOrThrow(db, visitId);
  const r = otpSelfPayOf(db, visitId);
  if (!r) throw new ServiceError('NOT_SELF_PAID', '该门诊未按全额自付办理，没有零星报销告知', 'visitId');
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  const lines = deskLines(db, feeLinesOfVisitBatches(db, visit.id, JSON.parse(r.batches) as string[])).map(({ line, fee, known }) => ({
    sn: line.feedetlSn, time: line.feeOcurTime, name: line.name, classLabel: line.selfPay ? '自费' : known ? CLASS_LABEL[fee.class] : '目录外',
    cnt: line.cnt, pric: line.pric, amount: new Decimal(line.detItemFeeSumamt),
  }));
  const byClass = new Map<string, Decimal>();
  for (const l of lines) byClass.set(l.classLabel, (byClass.get(l.classLabel) ?? new Decimal(0)).plus(l.amount));
  const regionLabel = regionName(person.insuplcAdmdvs) ?? person.insuplcAdmdvs;
  const diagnoses = JSON.parse(visit.diagnoses) as { code: string; name: string }[];
  const { pdf, pages } = await renderSelfPayAdvicePdf({
    hospitalName: inst.fixmedinsName,
    patient: { name: person.psnName, certnoMasked: maskId(person.certno), insuredRegionName: regionLabel, scheme: (INSUTYPE as Record<string, string>)[visit.insutype] ?? visit.insutype },
    episode: { kind: 'visit', otpNo: visit.otpNo, dept: visit.deptName, diagnosis: diagnoses.map((x) => x.name).join('、') || (visit.diseName ?? ''), visitedOn: visit.begntime.slice(0, 10) },
    lines,
    total: sum(lines.map((l) => l.amount)),
    byClass: [...byClass.entries()].map(([label, amount]) => ({ label, amount })),
    advice: selfPayAdvice(selfPayDeadlines(r.paidOn as CalendarDate), regionLabel, 'visit'),
    reason: r.reason,
    printedAt: dateTimeCST(),
  });
  db.transaction((tx) => appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.selfPayAdvicePrint', entity: 'outpatient_visit', entityId: visitId, detail: { pages } }));
  return { fileName: `全额自付费用清单及零星报销告知-${visit.otpNo}.pdf`, pdfBase64: pdf.toString('base64'), pages };
}
