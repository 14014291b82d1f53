import { dateTimeSeconds, itemAmount, outsideExamSn } from '../../../shared/admission.ts';
import { checkCitizenId } from '../../../shared/citizenId.ts';
import { GEND } from '../../../shared/codes.ts';
import { Decimal } from '../../../shared/money.ts';
import type { Db } from '../../../db/open.ts';
import { findOutsideExamSlip, insertFeeLines, insertOutsideExamSlip } from '../../../db/repos/admissions.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { renderOutsideExam } from '../../pdf/outsideExamPdf.ts';
import { load } from '../admissionState.ts';
import { ServiceError } from '../errors.ts';
import type { Session } from '../sessions.ts';
import type { ParsedInput } from '../../../shared/api/index.ts';
import { ageOf, StoredSlipItems, slipView, detail } from './views.ts';
import { catalogueFeeLine, nowDT, requireOpen, pdfFile } from './rules.ts';

/** 外检单: an outside examination slip and its PDF (etip_flag / etip_hosp_code). */
export function createOutsideExam(db: Db, input: ParsedInput<'outsideExam.create'>, session: Session) {
  const { admissionId, ...slip } = input;
  const s = load(db, admissionId);
  if (s.row.status === 'discharged') throw new ServiceError('DISCHARGED', '患者已出院：外检单只在住院期间开具（004 第三十九条）', 'admissionId');
  requireOpen(db, s, '开具外检单');
  const inst = getInstitution(db);
  if (inst && slip.hospital.code === inst.fixmedinsCode) throw new ServiceError('OWN_HOSPITAL', '外检定点医院不能是本院', 'hospital.code');
  const at = slip.at ?? nowDT();
  if (dateTimeSeconds(at) < dateTimeSeconds(s.current.admittedAt)) throw new ServiceError('BEFORE_ADMISSION', `外检时间早于入院时间 ${s.current.admittedAt}：外检单只在住院期间开具`, 'at');
  const lines = slip.items.map((item, i) => {
    const a = itemAmount(item);
    if ('error' in a) throw new ServiceError('AMOUNT_MISMATCH', `第 ${i + 1} 项：${a.error}`, `items.${i}.amount`);
    return { code: item.code, name: item.name, qty: new Decimal(item.qty).toFixed(), price: new Decimal(item.price).toFixed(), amount: a.amount };
  });
  const stored: StoredSlipItems = { kind: slip.kind, at, lines };
  const row = db.transaction((tx) => {
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
        ...catalogueFeeLine(l),
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
  return { slip: slipView(row), admission: detail(db, admissionId) };
}

export async function outsideExamPdf(db: Db, { slipId }: ParsedInput<'outsideExam.pdf'>, session: Session) {
  const slip = findOutsideExamSlip(db, slipId);
  if (!slip) throw new ServiceError('NOT_FOUND', `找不到外检单（第 ${slipId} 号）`, 'slipId');
  const s = load(db, slip.admissionId);
  const v = slipView(slip);
  const inst = getInstitution(db);
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
  appendAudit(db, { clerkId: session.clerkId, action: 'outsideExam.print', entity: 'outside_exam_slip', entityId: slipId });
  return pdfFile(r.pdf, r.pages, `外检单-${s.row.iptNo}-${slip.id}.pdf`);
}
