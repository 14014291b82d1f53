import { slipsOfAdmission } from '../../../db/repos/admissions.ts';
import { auditOfStay } from '../../../db/repos/audit.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { pledgesOfAdmission } from '../../../db/repos/pledges.ts';
import { lineSplitsOf } from '../../../db/repos/settlementRequests.ts';
import { agencyResultsOf, admissionWithPerson, findStays, fundsOf, reversalOf, settlementsOfAdmission } from '../../../db/repos/settlements.ts';
import type { AdmissionForSettlement } from '../../../shared/api/settlement.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { csvField } from '../../../shared/csv.ts';
import { dateTimeCST } from '../../../shared/dates.ts';
import { formatYuan, parseAmount } from '../../../shared/money.ts';
import { regionName } from '../../../shared/regions.ts';
import { writeZip } from '../../agency/zip.ts';
import { renderAssistancePackPdf, type PackSection } from '../../pdf/assistancePackPdf.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { admissionSummary, feeList, renderSlipOf } from '../settlementViews.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { feeLineCount } from '../../../db/repos/fees.ts';
import type { Opter } from '../settlementService.ts';
import { invoiceFact } from './invoiceNumber.ts';

/**
 * 协查 (004 第六十六条; issue 15 §5): the insured region asks about a stay, naming some of 证件号码,
 * name, 住院号, dates and total; the desk finds it from any of them and exports its documents in
 * one step — one PDF of every record (admission, pledge, outside-exam slips, the fee lines with
 * both splits, the settlement and the agency's answers, the audit trail), the slip as printed, and
 * the source files (CSV/JSON) in a ZIP. The 发票号 is the HIS's: the desk holds it from the fee file or
 * the clerk (invoice_numbers), finds the stay by any number it had and shows them all.
 */
export function findStaysForAssistance(db: ServiceContext['db'], q: { certno?: string; name?: string; iptNo?: string; day?: string; total?: string; invono?: string }): AdmissionForSettlement[] {
  const inst = getInstitution(db);
  return findStays(db, q).map((r) => admissionSummary(db, r.admission, r.person, feeLineCount(db, r.admission.id), inst?.admdvs ?? ''));
}

const yuan = (t: string): string => formatYuan(parseAmount(t));
const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',');

export async function assistancePack(desk: ServiceContext, admissionId: number, opter: Opter): Promise<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }> {
  const db = desk.db;
  const found = admissionWithPerson(db, admissionId);
  const inst = getInstitution(db);
  if (!found || !inst) throw new ServiceError('NOT_FOUND', `住院登记不存在：${admissionId}`, 'admissionId');
  const { admission: a, person: p } = found;
  const fees = feeList(db, admissionId, Number.MAX_SAFE_INTEGER);
  const theirs = lineSplitsOf(db, admissionId);
  const settlements = settlementsOfAdmission(db, admissionId);
  const pledges = pledgesOfAdmission(db, admissionId);
  const exams = slipsOfAdmission(db, admissionId);
  const audit = auditOfStay(db, admissionId, settlements.map((s) => s.id));
  const answers = settlements.flatMap((s) => agencyResultsOf(db, s.id).map((r) => ({ settlementId: s.id, receivedAt: r.receivedAt, mismatch: r.mismatch, body: JSON.parse(r.body) as unknown })));

  const sections: PackSection[] = [
    {
      title: '住院信息',
      facts: [
        ['患者', `${p.psnName}（${maskId(p.certno)}）`], ['参保地', `${regionName(p.insuplcAdmdvs) ?? p.insuplcAdmdvs}（${p.insuplcAdmdvs}）`],
        ['住院号', a.iptNo], ['就诊ID', a.mdtrtId ?? '（尚无）'], ['科室 / 诊断', `${a.deptName} / ${a.diagName}（${a.diagCode}）`],
        ['入院', a.admittedAt], ['出院', a.dischargedAt ?? '在院'], invoiceFact(db, { admissionId }), ['外伤 / 第三方', `${a.traumaFlag ? '外伤' : '非外伤'} / ${a.thirdPartyFlag ? '涉及第三方' : '不涉及第三方'}`],
      ],
    },
    {
      title: '外伤无第三方责任承诺书',
      empty: '无',
      facts: pledges.map((x, i) => [`第 ${i + 1} 份${x.supersedesId ? '（更正）' : ''}`, `${x.pledgerName}（${x.relationship}） · 受伤 ${x.injuryTime} ${x.place} · ${x.account} · 签署 ${x.signedAt ?? '未签署'} · 见证 ${x.witnessName ?? '—'}`] as [string, string]),
    },
    {
      title: '外院检查单',
      empty: '无',
      facts: exams.map((x) => [`${x.createdAt.slice(0, 10)} ${x.etipHospName}`, `${x.reason} · 诊断 ${x.diagnosis} · 医生 ${x.doctor}`] as [string, string]),
    },
    {
      title: `费用明细（${fees.totalLines} 条，总费用 ${yuan(fees.totals.amount)} 元；目录 ${fees.catalogueVersion ?? '—'}）`,
      empty: '无费用明细',
      table: {
        columns: [{ label: '流水号', width: 50 }, { label: '时间', width: 70 }, { label: '项目', width: 130 }, { label: '类别', width: 30 }, { label: '金额', width: 50, right: true },
          { label: '范围内', width: 50, right: true }, { label: '乙类自付', width: 45, right: true }, { label: '超限价', width: 45, right: true }, { label: '自费', width: 45, right: true }, { label: '经办机构拆分', width: 90 }],
        rows: fees.lines.map((l) => {
          const t = theirs.get(l.sn);
          return [l.sn, l.time.slice(0, 16), l.name, l.classLabel, yuan(l.amount), yuan(l.in), yuan(l.pre), yuan(l.over), yuan(l.full),
            t ? (l.agencyDiff ?? '一致') : '未上传'];
        }),
      },
    },
    {
      title: '结算',
      empty: '未结算',
      facts: settlements.map((s) => [`${s.kind === 'reversal' ? '撤销' : '结算'} ${s.settledOn}`, `总费用 ${yuan(s.medfeeSumamt)} · 基金支付 ${yuan(s.fundPaySumamt)} · 个人现金 ${yuan(s.psnCashPay)} · 结算ID ${s.setlId ?? '—'} · ${s.basis === 'agency' ? '参保地结算结果' : '本机计算'}${s.reason ? ` · 原因 ${s.reason}` : ''} · 基金：${fundsOf(db, s.id, 'local').map((f) => `${f.fundPayTypeName} ${yuan(f.fundPayamt)}`).join('、') || '无'}`] as [string, string]),
    },
    {
      title: '经办机构应答',
      empty: '无',
      facts: answers.map((x) => [`结算 ${x.settlementId} · ${dateTimeCST(new Date(x.receivedAt))}`, x.mismatch ? `差异：${x.mismatch}` : '与本院一致（原文见 经办机构应答.json）'] as [string, string]),
    },
    {
      title: `操作记录（${audit.length} 条）`,
      empty: '无',
      table: {
        columns: [{ label: '时间', width: 90 }, { label: '经办人', width: 50 }, { label: '操作', width: 100 }, { label: '对象', width: 60 }, { label: '内容', width: 220 }],
        rows: audit.map((e) => [dateTimeCST(new Date(e.at)), e.clerk ?? '系统', e.action, `${e.entity} ${e.entityId ?? ''}`, (e.detail ?? '').slice(0, 160)]),
      },
    },
  ];
  const printedAt = dateTimeCST();
  const { pdf, pages } = await renderAssistancePackPdf({ hospitalName: inst.fixmedinsName, title: `协查材料：${p.psnName} 住院号 ${a.iptNo}`, sections, printedAt });

  const enc = (t: string): Uint8Array => Buffer.from(t, 'utf8');
  const entries = [
    { name: '协查材料汇编.pdf', data: pdf },
    { name: '费用明细.csv', data: enc('\ufeff' + [csvLine(['feedetl_sn', 'fee_ocur_time', 'med_list_codg', 'name', 'cnt', 'pric', 'det_item_fee_sumamt', 'class', 'inscp', 'preselfpay', 'overlmt', 'fulamt_ownpay']),
      ...fees.lines.map((l) => csvLine([l.sn, l.time, l.code, l.name, l.cnt, l.pric, l.amount, l.classLabel, l.in, l.pre, l.over, l.full]))].join('\r\n') + '\r\n') },
    { name: '经办机构拆分.json', data: enc(JSON.stringify([...theirs.values()], null, 2)) },
    { name: '经办机构应答.json', data: enc(JSON.stringify(answers, null, 2)) },
    { name: '操作记录.csv', data: enc('\ufeff' + [csvLine(['at', 'clerk', 'action', 'entity', 'entityId', 'detail']), ...audit.map((e) => csvLine([e.at, e.clerk ?? '', e.action, e.entity, e.entityId ?? '', e.detail ?? '']))].join('\r\n') + '\r\n') },
  ];
  // The slip of the standing settlement, as printed (a copy: not counted as a print).
  const standing = settlements.find((s) => s.kind === 'settlement' && !reversalOf(db, s.id));
  if (standing) entries.push({ name: '结算单.pdf', data: (await renderSlipOf(db, standing, false)).pdf });
  const zip = writeZip(entries);
  db.transaction((tx) => appendAudit(tx, { clerkId: opter.clerkId, action: 'settlement.assistancePack', entity: 'admission', entityId: admissionId, detail: { files: entries.map((e) => e.name), pdfPages: pages } }));
  return { fileName: `协查材料-${a.iptNo}.zip`, zipBase64: zip.toString('base64'), pdfPages: pages, files: entries.map((e) => e.name) };
}
