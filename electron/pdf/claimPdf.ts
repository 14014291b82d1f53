import { dateTimeCST } from '../../shared/dates.ts';
import { formatYuan } from '../../shared/money.ts';
import { A4, cellHeight, drawRow, finishDocument, FONT, newPdfDocument, stampPageFooters, useCjkFonts, type CellOptions } from './fonts.ts';
import type { Sheet, SheetCell } from './sheet.ts';

/**
 * The clearing tables of 004 第五十一条 (附件11 医院拨付表, 附件13 / 附件14 应付基金明细表) and the
 * per-settlement detail list as A4 landscape PDF, drawn like the forms: title, 签章 / 清算所属月份 /
 * 单位 line, one bordered table with the form's column numbers, 合计 last. Long lists continue
 * on further pages with the headings repeated; every page says which page of how many it is.
 */

// A4 landscape.
const [PAGE_W, PAGE_H, LEFT] = [A4.h, A4.w, 32];
const WIDTH = PAGE_W - 2 * LEFT;
const BOTTOM = PAGE_H - 34;
const ROW_H = 19;
const SIZE = 8.5;

function text(c: SheetCell, amount: boolean): string {
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return String(c);
  return amount ? formatYuan(c) : c.toString();
}

export async function renderSheetPdf(sheet: Sheet): Promise<{ pdf: Buffer; pages: number }> {
  const doc = newPdfDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    bufferPages: true,
    info: { Title: `${sheet.title}（${sheet.periodLabel}）`, Producer: 'yidi-desk', Creator: 'yidi-desk' },
  });
  useCjkFonts(doc);
  const unit = WIDTH / sheet.columns.reduce((a, c) => a + c.width, 0);
  const widths = sheet.columns.map((c) => c.width * unit);
  let y = 0;

  const row = (cells: string[], o: (i: number) => CellOptions, minH: number): void => {
    y = drawRow(doc, cells, widths, LEFT, y, o, minH);
  };

  const heading = (): void => {
    row(sheet.columns.map((c) => c.label), () => ({ label: true, size: 7.5 }), 30);
    if (sheet.numbers) row(sheet.numbers, () => ({ label: true, size: 7.5 }), 16);
  };

  const top = (first: boolean): void => {
    y = 30;
    doc.font(FONT.bold).fontSize(first ? 16 : 12).fillColor('black');
    doc.text(first ? sheet.title : `${sheet.title}（续）`, LEFT, y, { width: WIDTH, align: 'center' });
    if (sheet.preview) {
      // A table built before the claim was submitted must never pass for the declared one.
      const w = 118;
      doc.lineWidth(1.4).strokeColor('#c00000').rect(LEFT + WIDTH - w, y - 4, w, 24).stroke();
      doc.font(FONT.bold).fontSize(11).fillColor('#c00000').text('预览（尚未申报）', LEFT + WIDTH - w, y + 2, { width: w, align: 'center', lineBreak: false });
      doc.fillColor('black').strokeColor('black');
    }
    y += first ? 30 : 22;
    doc.font(FONT.regular).fontSize(10);
    doc.text(`签章：`, LEFT, y, { lineBreak: false });
    doc.text(`清算所属月份：${sheet.periodLabel}`, LEFT, y, { width: WIDTH, align: 'center', lineBreak: false });
    doc.text('单位：元（保留两位小数）', LEFT, y, { width: WIDTH, align: 'right', lineBreak: false });
    y += 18;
    heading();
  };

  const cellOptions = (i: number): CellOptions => {
    const col = sheet.columns[i]!;
    return col.amount ? { align: 'right', nowrap: true, size: SIZE } : { size: SIZE, align: i === 0 ? 'center' : 'left', nowrap: col.nowrap === true };
  };

  top(true);
  if (sheet.rows.length === 0) {
    row([`${sheet.periodLabel} 没有${sheet.preview ? '可申报' : '已申报'}的结算`, ...sheet.columns.slice(1).map(() => '')], () => ({ size: SIZE }), ROW_H);
  }
  for (const r of sheet.rows) {
    const cells = r.map((c, i) => text(c, sheet.columns[i]?.amount === true));
    const h = Math.max(ROW_H, ...cells.map((t, i) => cellHeight(doc, t, widths[i]!, cellOptions(i))));
    if (y + h > BOTTOM - ROW_H) {
      doc.addPage({ size: 'A4', layout: 'landscape', margin: 0 });
      top(false);
    }
    row(cells, cellOptions, ROW_H);
  }
  row(sheet.total.map((c, i) => text(c, sheet.columns[i]?.amount === true)), (i) => ({ ...cellOptions(i), bold: true, fill: '#f7f7f7' }), ROW_H + 2);
  for (const note of sheet.notes ?? []) {
    doc.font(FONT.regular).fontSize(8.5);
    const h = doc.heightOfString(note, { width: WIDTH }) + 4;
    if (y + 6 + h > BOTTOM) {
      doc.addPage({ size: 'A4', layout: 'landscape', margin: 0 });
      y = 30;
    }
    doc.font(FONT.regular).fontSize(8.5).fillColor('black').text(note, LEFT, y + 6, { width: WIDTH });
    y += 6 + h;
  }

  stampPageFooters(doc, `${sheet.hospitalName} · ${sheet.source} · 打印时间 ${dateTimeCST()}`, { left: LEFT, width: WIDTH, y: PAGE_H - 24 });
  return finishDocument(doc);
}
