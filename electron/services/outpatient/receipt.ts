import { appendAudit, countAudit } from '../../../db/repos/audit.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { findOtpSettlement, requestsOfVisit, type OtpSettlementRow } from '../../../db/repos/outpatient.ts';
import type { PdfFile } from '../../../shared/api/admission.ts';
import type { FundRowView } from '../../../shared/api/settlement.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { INSUTYPE, MED_TYPE } from '../../../shared/codes.ts';
import { dateTimeCST } from '../../../shared/dates.ts';
import { regionName } from '../../../shared/regions.ts';
import { renderOutpatientReceipt80, renderOutpatientReceiptA4, type OutpatientReceiptInput } from '../../pdf/outpatientReceiptPdf.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { feeLinesOfVisitBatches } from './state.ts';
import { refuseVoided } from './voided.ts';
import { visitOrThrow } from './visit.ts';

/**
 * The receipt of an outpatient settlement or refund (issue 16 §4), from the stored answer only —
 * never the desk's estimate (as the stay's slip, docs/settlement.md). Each print is audited; from
 * the second on the receipt carries 补打 and the count.
 */
export async function outpatientReceipt(desk: ServiceContext, input: { settlementId: number; format: 'a4' | '80mm' }, opter: Operator): Promise<PdfFile & { reprint: boolean; printCount: number }> {
  const s = findOtpSettlement(desk.db, input.settlementId);
  if (!s) throw new ServiceError('NOT_FOUND', `门诊结算不存在：${input.settlementId}`, 'settlementId');
  if (!s.setlId) throw new ServiceError('NO_SETL_ID', '该结算没有参保地结算ID，不能打印结算单', 'settlementId');
  refuseVoided(desk.db, s.id);
  const printCount = countAudit(desk.db, 'outpatient.receiptPrint', 'outpatient_settlement', s.id) + 1;
  const doc = receiptDocOf(desk.db, s, printCount);
  const { pdf, pages } = input.format === '80mm' ? await renderOutpatientReceipt80(doc) : await renderOutpatientReceiptA4(doc);
  desk.db.transaction((tx) => appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.receiptPrint', entity: 'outpatient_settlement', entityId: s.id, detail: { format: input.format, printCount } }));
  return { fileName: `门诊结算单-${doc.visit.otpNo}-${s.id}${input.format === '80mm' ? '-80mm' : ''}.pdf`, mime: 'application/pdf', base64: pdf.toString('base64'), pages, reprint: printCount > 1, printCount };
}

/** The receipt of a stored answer; `printCount` 0 is a copy for a file (协查), not a print: no 补打 mark. */
export function receiptDocOf(db: Tx, s: OtpSettlementRow, printCount: number): OutpatientReceiptInput {
  const { visit, person } = visitOrThrow(db, s.visitId);
  const inst = getInstitution(db);
  const request = requestsOfVisit(db, visit.id).find((r) => r.id === s.requestId);
  const original = s.refunds !== null ? findOtpSettlement(db, s.refunds) : undefined;
  const batchesOf = (json: string | undefined): string[] => (json ? JSON.parse(json) as string[] : []);
  const batches = s.kind === 'refund'
    ? batchesOf(requestsOfVisit(db, visit.id).find((r) => r.id === original?.requestId)?.batches)
    : batchesOf(request?.batches);
  const lines = feeLinesOfVisitBatches(db, visit.id, batches);
  const diagnoses = JSON.parse(visit.diagnoses) as { code: string; name: string }[];
  const refund = s.kind === 'refund';
  const doc: OutpatientReceiptInput = {
    hospitalName: inst?.fixmedinsName ?? '',
    title: refund ? '异地就医门诊退费凭证' : '异地就医门诊结算单',
    patient: { name: person.psnName, certnoMasked: maskId(person.certno), insuredRegion: `${regionName(person.insuplcAdmdvs) ?? ''}（${person.insuplcAdmdvs}）`, insutype: (INSUTYPE as Record<string, string>)[visit.insutype] ?? visit.insutype },
    visit: {
      otpNo: visit.otpNo, medTypeLabel: `${(MED_TYPE as Record<string, string>)[visit.medType] ?? visit.medType}${visit.emergency ? '（急诊）' : ''}${visit.diseName ? ` · ${visit.diseName}` : ''}`,
      dept: visit.deptName, doctor: visit.doctorName, diagnosis: diagnoses.map((d) => `${d.name}（${d.code}）`).join('；'),
    },
    setlId: s.setlId ?? '', setlTime: s.setlTime, kindLabel: refund ? '退费' : '结算',
    lines: lines.map((l) => ({ name: l.name, cnt: l.cnt, pric: l.pric, amount: refund ? `-${l.detItemFeeSumamt}` : l.detItemFeeSumamt })),
    split: [
      { label: '医疗费总额', amount: s.medfeeSumamt }, { label: '医保范围内', amount: s.inscpScpAmt }, { label: '乙类先行自付', amount: s.preselfpayAmt },
      { label: '超限价自付', amount: s.overlmtSelfpay }, { label: '全自费', amount: s.fulamtOwnpayAmt }, { label: '实际支付起付线', amount: s.actPayDedc },
    ],
    funds: (JSON.parse(s.funds) as FundRowView[]).map((f) => ({ code: f.fund_pay_type, name: f.fund_pay_type_name, amount: f.fund_payamt })),
    shares: [
      { label: '基金支付合计', amount: s.fundPaySumamt }, { label: '个人负担', amount: s.psnPartAmt },
      { label: '个人账户支付', amount: s.acctPay }, { label: '个人现金支付', amount: s.psnCashPay },
    ],
    notes: [
      ...(original ? [`退回 ${original.settledOn} 的门诊结算（参保地结算ID ${original.setlId ?? ''}）；其后的结算不重新计算（004 第四十五条）`] : []),
      '金额以参保地结算结果为准（001 规程 第二十七条）。',
    ],
    reprint: printCount > 1 ? { count: printCount } : null,
    printedAt: dateTimeCST(new Date()),
  };
  return doc;
}
