import { A4, drawRow, finishDocument, FONT, mixedLine, needsFallback, newA4Document, stampPageFooters, type CellOptions } from './fonts.ts';

/**
 * 协查材料 (004 第六十六条): one PDF holding a stay's record for the insured region's inquiry — the
 * admission, the pledge, the outside-exam slips, every fee line with both splits, the settlement
 * and the agency's answers, and the audit trail — one section after another, continued over
 * pages with the heads repeated. The source files travel beside it in the ZIP.
 */

const [PAGE_W, PAGE_H, LEFT] = [A4.w, A4.h, 36];
const WIDTH = PAGE_W - 2 * LEFT;
const BOTTOM = PAGE_H - 40;

export interface PackTable {
  columns: { label: string; width: number; right?: boolean }[];
  rows: string[][];
}

export interface PackSection {
  title: string;
  /** Label–value lines above the table. */
  facts?: [string, string][];
  table?: PackTable;
  /** Said when the section has nothing (e.g. 无外伤承诺书). */
  empty?: string;
}

export async function renderAssistancePackPdf(input: { hospitalName: string; title: string; sections: PackSection[]; printedAt: string }): Promise<{ pdf: Buffer; pages: number }> {
  const doc = newA4Document(input.title);
  let y = 40;
  const room = (h: number): void => {
    if (y + h > BOTTOM) {
      doc.addPage({ size: 'A4', margin: 0 });
      y = 40;
    }
  };
  doc.font(FONT.bold).fontSize(16).fillColor('black').text(input.title, LEFT, y, { width: WIDTH, align: 'center' });
  y += 30;
  for (const [n, sec] of input.sections.entries()) {
    room(60);
    doc.font(FONT.bold).fontSize(12).text(`${n + 1}. ${sec.title}`, LEFT, y);
    y = doc.y + 6;
    doc.font(FONT.regular).fontSize(9.5);
    for (const [label, value] of sec.facts ?? []) {
      const line = `${label}：${value}`;
      room(16);
      if (needsFallback(line)) {
        // A rare character (a name): one line in the mixed faces.
        mixedLine(doc, line, LEFT + 8, y, { width: WIDTH - 8 });
        y += 15;
      } else {
        doc.font(FONT.regular).fontSize(9.5).text(line, LEFT + 8, y, { width: WIDTH - 8, lineGap: 1 });
        y = doc.y + 3;
      }
    }
    if (sec.table && sec.table.rows.length > 0) {
      const t = sec.table;
      const scale = WIDTH / t.columns.reduce((a, c) => a + c.width, 0);
      const widths = t.columns.map((c) => c.width * scale);
      const opts = (i: number): CellOptions => (t.columns[i]?.right ? { align: 'right', size: 8, nowrap: true } : { size: 8 });
      const heads = (): void => { y = drawRow(doc, t.columns.map((c) => c.label), widths, LEFT, y, () => ({ label: true, size: 8 }), 18); };
      room(40);
      heads();
      for (const r of t.rows) {
        if (y + 18 > BOTTOM) {
          doc.addPage({ size: 'A4', margin: 0 });
          y = 40;
          heads();
        }
        y = drawRow(doc, r, widths, LEFT, y, opts, 16);
      }
    } else if (sec.empty && (sec.facts ?? []).length === 0) {
      room(16);
      doc.font(FONT.regular).fontSize(9.5).fillColor('#555555').text(sec.empty, LEFT + 8, y);
      doc.fillColor('black');
      y = doc.y;
    }
    y += 14;
  }
  stampPageFooters(doc, `${input.hospitalName} · 协查材料 · 打印时间 ${input.printedAt}`, { left: LEFT, width: WIDTH, y: PAGE_H - 28 });
  return finishDocument(doc);
}
