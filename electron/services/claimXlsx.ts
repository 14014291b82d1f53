import type ExcelJS from 'exceljs';
import { toText } from '../../shared/money.ts';
import type { Sheet, SheetCell } from '../pdf/sheet.ts';

/**
 * The same clearing table as an Excel workbook (exceljs): the form's title, the 签章 / 清算所属月份 /
 * 单位 line, headings, the column numbers where the form has them, the rows and 合计. Amounts are
 * numeric cells with two decimals (offices sum and filter them in Excel); their values come from
 * the exact two-decimal text, and 合计 is the desk's exact sum, written as a value.
 */
export async function renderSheetXlsx(sheet: Sheet): Promise<Buffer> {
  // Loaded on the first export, not at start-up: exceljs and its zip/stream stack cost ~0.3 s of CPU to load (issue 19, start.interactive).
  const { Workbook } = (await import('exceljs')).default;
  const wb = new Workbook();
  wb.creator = 'yidi-desk';
  wb.created = new Date();
  const ws = wb.addWorksheet(sheet.kind === 'detail' ? '结算明细' : sheet.title.slice(-8), {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  const n = sheet.columns.length;
  ws.columns = sheet.columns.map((c) => ({ width: Math.max(8, Math.round(c.width * 9)) }));

  const title = ws.addRow([sheet.preview ? `${sheet.title}（预览，尚未申报）` : sheet.title]);
  ws.mergeCells(title.number, 1, title.number, n);
  title.font = { bold: true, size: 16 };
  title.alignment = { horizontal: 'center' };
  title.height = 26;

  const info = ws.addRow([]);
  info.getCell(1).value = '签章：';
  info.getCell(Math.max(2, Math.floor(n / 2))).value = `清算所属月份：${sheet.periodLabel}`;
  info.getCell(n).value = '单位：元（保留两位小数）';
  info.getCell(n).alignment = { horizontal: 'right' };

  const border: Partial<ExcelJS.Borders> = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };
  const styleRow = (r: ExcelJS.Row, header: boolean): void => {
    for (let i = 1; i <= n; i++) {
      const cell = r.getCell(i);
      cell.border = border;
      if (header) {
        cell.font = { bold: true };
        cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
        cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF0F0F0' } };
      }
    }
  };
  const head = ws.addRow(sheet.columns.map((c) => c.label));
  head.height = 30;
  styleRow(head, true);
  if (sheet.numbers) styleRow(ws.addRow(sheet.numbers), true);

  const value = (c: SheetCell, amount: boolean): ExcelJS.CellValue => {
    if (typeof c === 'string' || typeof c === 'number') return c;
    // Decimal → its exact two-decimal text → the cell's number (Excel stores doubles; 2 decimals round-trip).
    return amount ? Number(toText(c)) : toText(c);
  };
  const add = (cells: SheetCell[], bold: boolean): void => {
    const r = ws.addRow(cells.map((c, i) => value(c, sheet.columns[i]?.amount === true)));
    styleRow(r, false);
    sheet.columns.forEach((col, i) => {
      const cell = r.getCell(i + 1);
      if (col.amount) {
        cell.numFmt = '#,##0.00';
        cell.alignment = { horizontal: 'right' };
      }
      if (bold) cell.font = { bold: true };
    });
  };
  for (const r of sheet.rows) add(r, false);
  add(sheet.total, true);
  for (const note of sheet.notes ?? []) ws.addRow([note]);
  ws.addRow([]);
  ws.addRow([`${sheet.hospitalName} · ${sheet.source}`]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
