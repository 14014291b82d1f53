import { formatYuan, type Decimal } from '../../shared/money.ts';
import { A4, cellHeight, drawRow, finishDocument, FONT, mixedLine, newA4Document, stampPageFooters, type CellOptions } from './fonts.ts';

/**
 * 全额自付 at discharge (issue 14 §2) or of an outpatient visit (issue 16 §7): the fee list the patient takes home and the 零星报销 advice
 * (004 第四十七条; the 2-day upload of 004 第三十五条(三)). A4 portrait; a long stay continues on
 * further pages with the column heads repeated, the advice and the totals after the last line;
 * every page says which of how many it is.
 */

// A4 portrait.
const [PAGE_W, PAGE_H, LEFT] = [A4.w, A4.h, 40];
const WIDTH = PAGE_W - 2 * LEFT;
const BOTTOM = PAGE_H - 40;
const ROW_H = 18;
/** The ideographic space between the facts of a line. */
const GAP = '\u3000';

export interface SelfPayAdviceInput {
  hospitalName: string;
  patient: { name: string; certnoMasked: string; insuredRegionName: string; scheme: string };
  /** The stay (住院号, 入院/出院日期) or the visit (门诊号, 就诊日期). */
  episode: { kind: 'stay'; iptNo: string; dept: string; diagnosis: string; admittedOn: string; dischargedOn: string }
    | { kind: 'visit'; otpNo: string; dept: string; diagnosis: string; visitedOn: string };
  lines: { sn: string; time: string; name: string; classLabel: string; cnt: string; pric: string; amount: Decimal }[];
  total: Decimal;
  byClass: { label: string; amount: Decimal }[];
  advice: string[];
  reason: string;
  printedAt: string;
}

const COLS = [
  { label: '流水号', w: 62 }, { label: '时间', w: 92 }, { label: '项目名称', w: 168 }, { label: '类别', w: 42 },
  { label: '数量', w: 40, right: true }, { label: '单价', w: 50, right: true }, { label: '金额', w: 61, right: true },
] as const;

export async function renderSelfPayAdvicePdf(input: SelfPayAdviceInput): Promise<{ pdf: Buffer; pages: number }> {
  const title = '异地就医全额自付费用清单及零星报销告知';
  const e = input.episode;
  const doc = newA4Document(title);
  const scale = WIDTH / COLS.reduce((a, c) => a + c.w, 0);
  const widths = COLS.map((c) => c.w * scale);
  let y = 0;

  const row = (cells: string[], o: (i: number) => CellOptions, minH = ROW_H): void => {
    y = drawRow(doc, cells, widths, LEFT, y, o, minH);
  };
  const cellOptions = (i: number): CellOptions => (('right' in COLS[i]! && COLS[i]!.right) ? { align: 'right', nowrap: true, size: 8.5 } : { size: 8.5 });
  const heads = (): void => row(COLS.map((c) => c.label), () => ({ label: true, size: 8.5 }), 20);

  const top = (first: boolean): void => {
    y = 40;
    doc.font(FONT.bold).fontSize(first ? 16 : 12).fillColor('black');
    doc.text(first ? title : `${title}（续）`, LEFT, y, { width: WIDTH, align: 'center' });
    y += first ? 30 : 22;
    if (first) {
      doc.font(FONT.regular).fontSize(10);
      const facts = [
        `患者：${input.patient.name}${GAP}证件号：${input.patient.certnoMasked}${GAP}参保地：${input.patient.insuredRegionName}${GAP}险种：${input.patient.scheme}`,
        `医院：${input.hospitalName}${GAP}${e.kind === 'stay' ? `住院号：${e.iptNo}` : `门诊号：${e.otpNo}`}${GAP}科室：${e.dept}${GAP}诊断：${e.diagnosis}`,
        `${e.kind === 'stay' ? `入院日期：${e.admittedOn}${GAP}出院日期：${e.dischargedOn}` : `就诊日期：${e.visitedOn}`}${GAP}未直接结算原因：${input.reason}`,
      ];
      for (const f of facts) {
        mixedLine(doc, f, LEFT, y, { width: WIDTH });
        y += 16;
      }
      y += 4;
    }
    heads();
  };

  top(true);
  for (const l of input.lines) {
    const cells = [l.sn, l.time.slice(0, 16), l.name, l.classLabel, l.cnt, l.pric, formatYuan(l.amount)];
    const h = Math.max(ROW_H, ...cells.map((t, i) => cellHeight(doc, t, widths[i]!, cellOptions(i))));
    if (y + h > BOTTOM - ROW_H) {
      doc.addPage({ size: 'A4', margin: 0 });
      top(false);
    }
    row(cells, cellOptions);
  }
  row(['合计', '', `${input.lines.length} 条`, '', '', '', formatYuan(input.total)], (i) => ({ ...cellOptions(i), bold: true, fill: '#f7f7f7' }), ROW_H + 2);

  // The totals by class and the advice: kept together, on a new page when they do not fit.
  doc.font(FONT.regular).fontSize(10);
  const adviceH = 40 + input.advice.reduce((a, t) => a + doc.heightOfString(t, { width: WIDTH - 16 }) + 6, 0) + 90;
  if (y + adviceH > BOTTOM) {
    doc.addPage({ size: 'A4', margin: 0 });
    y = 40;
  }
  y += 12;
  doc.font(FONT.regular).fontSize(10).fillColor('black');
  doc.text(`费用构成：${input.byClass.map((c) => `${c.label} ${formatYuan(c.amount)}`).join('；')}（元）`, LEFT, y, { width: WIDTH });
  y = doc.y + 10;
  doc.font(FONT.bold).fontSize(12).text('零星报销告知', LEFT, y);
  y = doc.y + 4;
  doc.font(FONT.regular).fontSize(10);
  input.advice.forEach((t, i) => {
    doc.text(`${i + 1}. ${t}`, LEFT + 8, y, { width: WIDTH - 16, lineGap: 2 });
    y = doc.y + 6;
  });
  y += 24;
  doc.fontSize(11);
  doc.text('患者或家属签字：________________', LEFT, y, { lineBreak: false });
  doc.text(`经办人：____________${GAP}医院盖章：`, LEFT, y, { width: WIDTH, align: 'right', lineBreak: false });

  stampPageFooters(doc, `${input.hospitalName} · 打印时间 ${input.printedAt}`, { left: LEFT, width: WIDTH, y: PAGE_H - 28 });
  return finishDocument(doc);
}
