import {
  DETAIL_COLUMNS,
  detailList,
  fundDetailTable,
  HOSPITAL_COLUMNS,
  hospitalTable,
  periodLabel,
  TABLE_SOURCES,
  TABLE_TITLES,
  type HospitalInfo,
  type TableKind,
} from '../../../shared/claimTables.ts';
import { SCHEME } from '../../../shared/codes.ts';
import type { ClaimExportFile } from '../../../shared/api/claim.ts';
import { toText, ZERO } from '../../../shared/money.ts';
import { renderSheetPdf } from '../../pdf/claimPdf.ts';
import type { Sheet, SheetCell } from '../../pdf/sheet.ts';
import { renderSheetXlsx } from '../claimXlsx.ts';
import type { TableSource } from './tables.ts';

export function buildSheet(kind: TableKind, src: TableSource, hospital: HospitalInfo): Sheet {
  const base = {
    kind,
    title: TABLE_TITLES[kind],
    source: TABLE_SOURCES[kind],
    period: src.period,
    periodLabel: periodLabel(src.period),
    preview: src.preview,
    hospitalName: hospital.name,
  };
  if (kind === 'hospital') {
    const t = hospitalTable(src.period, src.items, hospital, src.paidByAgency, src.refunds);
    const widths = [0.6, 1.6, 1.6, 3.2, 1.4, 1.4, 1.4];
    return {
      ...base,
      columns: HOSPITAL_COLUMNS.map((label, i) => ({ label, width: widths[i]!, amount: i >= 4 })),
      numbers: null,
      rows: t.rows.map((r) => [r.seq, r.code, r.gbCode, r.name, r.applied, r.deducted, r.paid]),
      total: ['合计', '', '', '', t.total.applied, t.total.deducted, t.total.paid],
      notes: refundNotes(src),
    };
  }
  if (kind === 'employees' || kind === 'residents') {
    const scheme = kind === 'employees' ? '310' : '390';
    const t = fundDetailTable(src.period, src.items, scheme, src.refunds);
    return {
      ...base,
      columns: [{ label: '地区', width: 1.5 }, ...t.columns.map((label) => ({ label, width: 1.2, amount: true }))],
      numbers: ['甲栏', ...t.numbers],
      rows: t.rows.map((r) => [r.regionName, ...r.values]),
      total: ['合计', ...t.total],
      // 附件14 has no 审核扣款 column: a refund of a resident deduction is only told in the note.
      notes: refundNotes({ ...src, refunds: src.refunds.filter((r) => r.scheme === scheme) }, scheme === SCHEME.employee ? 'deducted' : 'paid'),
    };
  }
  const t = detailList(src.period, src.items, src.notes, src.refunds);
  // 姓名 wide enough for a six-character name (欧阳娜仁托雅) on one line (issue 20 point 7).
  const widths = [0.5, 0.95, 1.45, 1.3, 1.15, 0.8, 0.55, 1.45, 1.05, 1.0, 0.85, 0.9, 0.85, 0.85];
  return {
    ...base,
    columns: DETAIL_COLUMNS.map((label, i) => ({ label, width: widths[i]!, amount: i >= 8 && i <= 12, nowrap: i >= 1 && i <= 3 })),
    numbers: null,
    rows: t.rows.map((r) => [r.seq, r.settledOn, r.setlId, r.iptNo, r.psnName, r.scheme, r.scope, r.region, r.medfee, r.fund, r.acct, r.cash, r.deduction, r.note]),
    total: ['合计', `${t.total.count} 笔`, '', '', '', '', '', '', t.total.medfee, t.total.fund, t.total.acct, t.total.cash, t.total.deduction, ''],
    notes: refundNotes(src),
  };
}

/** Under a table: the earlier deductions this period pays back (004 第五十条: 尚未达成一致的，最长延期纳入下一期). */
function refundNotes(src: Pick<TableSource, 'refunds'>, how: 'deducted' | 'paid' = 'deducted'): string[] {
  if (src.refunds.length === 0) return [];
  const total = src.refunds.reduce((a, r) => a.plus(r.amount), ZERO);
  const list = src.refunds.map((r) => `${r.ddnId}（${r.fromPeriod} 期，${r.psnName || r.setlId || ''}，${toText(r.amount)} 元）`).join('、');
  const what = how === 'deducted' ? '审核扣款已减去' : '本表无审核扣款栏，本期另行退还';
  return [`注：${what}上期审核扣款异议在上期审核截止日后达成一致、于本期退还的 ${toText(total)} 元（004 第五十条）：${list}`];
}

/** A table as a file, as the API sends it (base64), with the 合计 row the screen shows. */
export type ExportFile = ClaimExportFile;

const FILE_NAMES: Record<TableKind, string> = { hospital: '医院拨付表', employees: '职工医保应付基金明细表', residents: '城乡居民医保应付基金明细表', detail: '结算明细' };

export function cellText(c: SheetCell): string {
  return typeof c === 'string' ? c : typeof c === 'number' ? String(c) : toText(c);
}

export async function exportSheet(sheet: Sheet, format: 'pdf' | 'xlsx'): Promise<ExportFile> {
  const name = `${sheet.period}-${FILE_NAMES[sheet.kind]}${sheet.preview ? '（预览）' : ''}`;
  const bytes = format === 'pdf' ? (await renderSheetPdf(sheet)).pdf : await renderSheetXlsx(sheet);
  return {
    fileName: `${name}.${format}`,
    mime: format === 'pdf' ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    base64: bytes.toString('base64'),
    preview: sheet.preview,
    total: sheet.total.map(cellText),
    rows: sheet.rows.length,
  };
}
