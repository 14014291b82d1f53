import { appendAudit } from '../../../db/repos/audit.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { currentInvoiceOf } from '../../../db/repos/invoiceNumbers.ts';
import { auditOfVisit, findVisits } from '../../../db/repos/outpatientAssist.ts';
import { splitsOfVisit } from '../../../db/repos/outpatient.ts';
import { otpSelfPayOf } from '../../../db/repos/outpatientSelfPay.ts';
import type { OutpatientAssistanceHit } from '../../../shared/api/outpatient.ts';
import type { FundRowView } from '../../../shared/api/settlement.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { MED_TYPE } from '../../../shared/codes.ts';
import { csvField } from '../../../shared/csv.ts';
import { dateTimeCST } from '../../../shared/dates.ts';
import { formatYuan, parseAmount } from '../../../shared/money.ts';
import { regionName } from '../../../shared/regions.ts';
import { writeZip } from '../../agency/zip.ts';
import { renderAssistancePackPdf, type PackSection } from '../../pdf/assistancePackPdf.ts';
import { renderOutpatientReceiptA4 } from '../../pdf/outpatientReceiptPdf.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { invoiceFact } from '../settlement/invoiceNumber.ts';
import { receiptDocOf } from './receipt.ts';
import { visitState } from './state.ts';
import { visitOrThrow } from './visit.ts';
import { visitView } from './views.ts';

/**
 * 协查 of an outpatient visit (004 第六十六条; issue 16 §5), as for a stay (settlement/assistancePack.ts):
 * the insured region names some of 证件号码, name, 门诊号, the day and a total; the desk finds the visit
 * and exports its documents in one ZIP — one PDF of every record (the visit and its diagnoses, the fee
 * lines with both splits, each settlement and refund as answered, a 全额自付, the audit trail), each
 * standing settlement's receipt (a copy, not counted as a print) and the source files (CSV/JSON).
 */
export function findVisitsForAssistance(db: ServiceContext['db'], q: { certno?: string | undefined; name?: string | undefined; otpNo?: string | undefined; day?: string | undefined; total?: string | undefined; invono?: string | undefined }): OutpatientAssistanceHit[] {
  return findVisits(db, q).map(({ visit, person }) => {
    const st = visitState(db, visit.id);
    return {
      visitId: visit.id, otpNo: visit.otpNo, psnName: person.psnName, certnoMasked: maskId(person.certno), insuplcAdmdvs: person.insuplcAdmdvs,
      begntime: visit.begntime, medType: visit.medType, emergency: visit.emergency,
      settlements: st.settlements.filter((s) => s.kind === 'settlement').length, refunds: st.settlements.filter((s) => s.kind === 'refund').length,
      selfPaid: otpSelfPayOf(db, visit.id) !== undefined,
      invono: currentInvoiceOf(db, { visitId: visit.id })?.invono ?? null,
    };
  });
}

const yuan = (t: string | null): string => (t === null ? '—' : formatYuan(parseAmount(t)));
const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',');

export async function visitAssistancePack(desk: ServiceContext, visitId: number, opter: Operator): Promise<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }> {
  const db = desk.db;
  const { visit, person } = visitOrThrow(db, visitId);
  const inst = getInstitution(db);
  const view = visitView(db, visitId);
  const st = visitState(db, visitId);
  const selfPay = otpSelfPayOf(db, visitId);
  const audit = auditOfVisit(db, visitId, st.settlements.map((s) => s.id));
  const answers = st.settlements.map((s) => ({ settlementId: s.id, kind: s.kind, setlId: s.setlId, msgid: s.msgid, answer: JSON.parse(s.answer) as unknown }));
  const diagnoses = JSON.parse(visit.diagnoses) as { diagType: string; code: string; name: string }[];
  const sections: PackSection[] = [
    {
      title: '门诊信息',
      facts: [
        ['患者', `${person.psnName}（${maskId(person.certno)}）`], ['参保地', `${regionName(person.insuplcAdmdvs) ?? person.insuplcAdmdvs}（${person.insuplcAdmdvs}）`],
        ['门诊号', visit.otpNo], ['就诊ID', visit.mdtrtId ?? '（尚无）'],
        ['医疗类别', `${(MED_TYPE as Record<string, string>)[visit.medType] ?? visit.medType}${visit.emergency ? '（急诊）' : ''}${visit.diseCodg ? ` · 病种 ${visit.diseName ?? ''}（${visit.diseCodg}）` : ''}`],
        ['科室 / 医生', `${visit.deptName} / ${visit.doctorName}`], ['就诊时间', visit.begntime],
        ['诊断', diagnoses.map((d) => `${d.name}（${d.code}）`).join('；')],
        invoiceFact(db, { visitId }),
      ],
    },
    {
      title: `费用明细（${view.lines.length} 条）`,
      empty: '无费用明细',
      table: {
        columns: [{ label: '批次', width: 95 }, { label: '流水号', width: 35 }, { label: '项目', width: 105 }, { label: '金额', width: 50, right: true }, { label: '范围内', width: 50, right: true },
          { label: '乙类自付', width: 45, right: true }, { label: '超限价', width: 45, right: true }, { label: '自费', width: 45, right: true }, { label: '经办机构拆分', width: 80 }],
        rows: view.lines.map((l) => [l.chrgBchno, l.feedetlSn, l.name, yuan(l.amount), yuan(l.split.inscp), yuan(l.split.pre), yuan(l.split.over), yuan(l.split.full),
          l.withdrawn ? '已撤销（2205）' : l.agencySplit ? (l.splitDiffers.length > 0 ? `不同：${l.splitDiffers.join('、')}` : '一致') : '未上传']),
      },
    },
    {
      title: '结算与退费（参保地结算结果）',
      empty: '未结算',
      facts: view.settlements.map((s) => [`${s.kind === 'refund' ? '退费' : '结算'} ${s.setlTime}`, `总费用 ${yuan(s.amounts.medfee_sumamt)} · 基金支付 ${yuan(s.amounts.fund_pay_sumamt)} · 个人现金 ${yuan(s.amounts.psn_cash_pay)} · 结算ID ${s.setlId ?? '—'}${s.refunds !== null ? ` · 退回结算ID ${view.settlements.find((x) => x.id === s.refunds)?.setlId ?? '—'}` : ''} · 基金：${s.funds.map((f: FundRowView) => `${f.fund_pay_type_name} ${yuan(f.fund_payamt)}`).join('、') || '无'}${s.voided ? ` · 已作废：${s.voided.reason}` : ''}`] as [string, string]),
    },
    {
      title: '全额自付',
      empty: '无',
      facts: selfPay ? [[`${selfPay.paidOn}`, `总费用 ${yuan(selfPay.medfeeSumamt)} · 原因 ${selfPay.reason} · 明细上传期限 ${selfPay.uploadBy} · 零星报销期限 ${selfPay.claimBy}`]] : [],
    },
    {
      title: `操作记录（${audit.length} 条）`,
      empty: '无',
      table: {
        columns: [{ label: '时间', width: 85 }, { label: '经办人', width: 45 }, { label: '操作', width: 120 }, { label: '对象', width: 80 }, { label: '内容', width: 190 }],
        rows: audit.map((e) => [dateTimeCST(new Date(e.at)), e.clerk ?? '系统', e.action, `${e.entity} ${e.entityId ?? ''}`, (e.detail ?? '').slice(0, 160)]),
      },
    },
  ];
  const { pdf, pages } = await renderAssistancePackPdf({ hospitalName: inst?.fixmedinsName ?? '', title: `协查材料：${person.psnName} 门诊号 ${visit.otpNo}`, sections, printedAt: dateTimeCST() });
  const enc = (t: string): Uint8Array => Buffer.from(t, 'utf8');
  const entries = [
    { name: '协查材料汇编.pdf', data: pdf },
    { name: '费用明细.csv', data: enc('\ufeff' + [csvLine(['chrg_bchno', 'feedetl_sn', 'fee_ocur_time', 'med_list_codg', 'name', 'cnt', 'pric', 'det_item_fee_sumamt', 'inscp', 'preselfpay', 'overlmt', 'fulamt_ownpay', 'withdrawn']),
      ...view.lines.map((l, i) => csvLine([l.chrgBchno, l.feedetlSn, st.lines[i]?.feeOcurTime ?? '', l.medListCodg, l.name, l.cnt, l.pric, l.amount, l.split.inscp, l.split.pre, l.split.over, l.split.full, l.withdrawn ? '1' : '0']))].join('\r\n') + '\r\n') },
    { name: '经办机构拆分.json', data: enc(JSON.stringify(splitsOfVisit(db, visitId), null, 2)) },
    { name: '经办机构应答.json', data: enc(JSON.stringify(answers, null, 2)) },
    { name: '操作记录.csv', data: enc('\ufeff' + [csvLine(['at', 'clerk', 'action', 'entity', 'entityId', 'detail']), ...audit.map((e) => csvLine([e.at, e.clerk ?? '', e.action, e.entity, e.entityId ?? '', e.detail ?? '']))].join('\r\n') + '\r\n') },
  ];
  // Each standing settlement's receipt and each refund's, as the patient got them (copies: not counted as prints); none of a void one.
  for (const s of st.settlements.filter((x) => x.setlId && !st.voids.has(x.id))) {
    entries.push({ name: `${s.kind === 'refund' ? '门诊退费凭证' : '门诊结算单'}-${s.id}.pdf`, data: (await renderOutpatientReceiptA4(receiptDocOf(db, s, 0))).pdf });
  }
  const zip = writeZip(entries);
  db.transaction((tx) => appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.assistancePack', entity: 'outpatient_visit', entityId: visitId, detail: { files: entries.map((e) => e.name), pdfPages: pages } }));
  return { fileName: `协查材料-${visit.otpNo}.zip`, zipBase64: zip.toString('base64'), pdfPages: pages, files: entries.map((e) => e.name) };
}
