import PDFDocument from 'pdfkit';
import { cellHeight, drawCell, finishDocument, FONT, mixedLine, newA4Document, useCjkFonts, type CellOptions } from './fonts.ts';

/**
 * The outpatient settlement receipt (issue 16 §4): the hospital region's split, the fund rows as the
 * insured region returned them (codes and names its own, 004 附件10 注1), the person's share, the
 * agency's settlement id, and a reprint mark. A4 portrait, or an 80 mm receipt-printer strip whose
 * height follows its lines. Text is real text (CJK fonts embedded), so it can be extracted.
 */

export interface OutpatientReceiptInput {
  hospitalName: string;
  title: string;
  patient: { name: string; certnoMasked: string; insuredRegion: string; insutype: string };
  visit: { otpNo: string; medTypeLabel: string; dept: string; doctor: string; diagnosis: string };
  setlId: string;
  setlTime: string;
  kindLabel: string;
  lines: { name: string; cnt: string; pric: string; amount: string }[];
  split: { label: string; amount: string }[];
  funds: { code: string; name: string; amount: string }[];
  shares: { label: string; amount: string }[];
  notes: string[];
  reprint: { count: number } | null;
  printedAt: string;
}

const PAGE_W = 595.28;
const LEFT = 40;
const WIDTH = PAGE_W - 2 * LEFT;
const GAP = '\u3000';

export async function renderOutpatientReceiptA4(input: OutpatientReceiptInput): Promise<{ pdf: Buffer; pages: number }> {
  const doc = newA4Document(input.title);
  let y = 40;
  doc.font(FONT.bold).fontSize(16).text(input.title, LEFT, y, { width: WIDTH, align: 'center' });
  if (input.reprint) {
    doc.font(FONT.bold).fontSize(11).fillColor('#b00000').text(`补打（第 ${input.reprint.count} 次打印）`, LEFT, y + 3, { width: WIDTH, align: 'right' });
    doc.fillColor('black');
  }
  y += 30;
  doc.font(FONT.regular).fontSize(10);
  for (const f of [
    `患者：${input.patient.name}${GAP}证件号：${input.patient.certnoMasked}${GAP}参保地：${input.patient.insuredRegion}${GAP}险种：${input.patient.insutype}`,
    `门诊号：${input.visit.otpNo}${GAP}医疗类别：${input.visit.medTypeLabel}${GAP}科室：${input.visit.dept}${GAP}医生：${input.visit.doctor}`,
    `诊断：${input.visit.diagnosis}${GAP}${input.kindLabel}时间：${input.setlTime}${GAP}参保地结算ID：${input.setlId}`,
  ]) {
    mixedLine(doc, f, LEFT, y, { width: WIDTH });
    y += 16;
  }
  y += 6;
  const table = (heads: string[], rows: string[][], w: number[]): void => {
    const widths = w.map((x) => (x * WIDTH) / w.reduce((a, b) => a + b, 0));
    const draw = (cells: string[], o: (i: number) => CellOptions): void => {
      const h = Math.max(18, ...cells.map((t, i) => cellHeight(doc, t, widths[i]!, o(i))));
      let x = LEFT;
      cells.forEach((t, i) => { drawCell(doc, t, x, y, widths[i]!, h, o(i)); x += widths[i]!; });
      y += h;
    };
    draw(heads, () => ({ label: true, size: 9 }));
    for (const r of rows) draw(r, (i) => (i === 0 ? { size: 9 } : { size: 9, align: 'right', nowrap: true }));
    y += 8;
  };
  table(['项目', '数量', '单价', '金额（元）'], input.lines.map((l) => [l.name, l.cnt, l.pric, l.amount]), [5, 1, 1.4, 1.6]);
  table(['就医地费用拆分（004 第三十六条(一)）', '金额（元）'], input.split.map((s) => [s.label, s.amount]), [6, 2]);
  table(['基金支付（参保地返回）', '金额（元）'], input.funds.length > 0 ? input.funds.map((f) => [`${f.name}（${f.code}）`, f.amount]) : [['（无基金支付）', '0.00']], [6, 2]);
  table(['个人负担', '金额（元）'], input.shares.map((s) => [s.label, s.amount]), [6, 2]);
  doc.font(FONT.regular).fontSize(9);
  for (const n of input.notes) {
    doc.text(n, LEFT, y, { width: WIDTH });
    y = doc.y + 4;
  }
  doc.fontSize(8).fillColor('#555555').text(`${input.hospitalName} · 打印时间 ${input.printedAt}`, LEFT, 813, { width: WIDTH, lineBreak: false });
  return finishDocument(doc);
}

/** 80 mm receipt printer: 72 mm printable, one column, the page as long as its lines. */
export async function renderOutpatientReceipt80(input: OutpatientReceiptInput): Promise<{ pdf: Buffer; pages: number }> {
  const w = 226.77;
  const margin = 10;
  const text: { t: string; bold?: boolean; right?: string }[] = [
    { t: input.hospitalName, bold: true },
    { t: input.title, bold: true },
    ...(input.reprint ? [{ t: `【补打 第 ${input.reprint.count} 次打印】`, bold: true }] : []),
    { t: `患者：${input.patient.name} ${input.patient.certnoMasked}` },
    { t: `参保地：${input.patient.insuredRegion} 险种：${input.patient.insutype}` },
    { t: `门诊号：${input.visit.otpNo} ${input.visit.medTypeLabel}` },
    { t: `${input.kindLabel}：${input.setlTime}` },
    { t: `结算ID：${input.setlId}` },
    { t: '——————————————' },
    ...input.lines.map((l) => ({ t: `${l.name} ×${l.cnt}`, right: l.amount })),
    { t: '——————————————' },
    ...input.split.map((s) => ({ t: s.label, right: s.amount })),
    ...input.funds.map((f) => ({ t: f.name, right: f.amount })),
    ...input.shares.map((s) => ({ t: s.label, right: s.amount, bold: true })),
    ...input.notes.map((n) => ({ t: n })),
    { t: `打印时间 ${input.printedAt}` },
  ];
  const lineH = 13;
  const doc = new PDFDocument({ size: [w, margin * 2 + lineH * (text.length + 4)], margin: 0, bufferPages: true, info: { Title: input.title, Producer: 'yidi-desk', Creator: 'yidi-desk' } });
  useCjkFonts(doc);
  let y = margin;
  for (const l of text) {
    doc.font(l.bold ? FONT.bold : FONT.regular).fontSize(8);
    const h = doc.heightOfString(l.t, { width: w - 2 * margin - (l.right ? 50 : 0) });
    doc.text(l.t, margin, y, { width: w - 2 * margin - (l.right ? 50 : 0) });
    if (l.right) doc.text(l.right, w - margin - 50, y, { width: 50, align: 'right', lineBreak: false });
    y += Math.max(lineH, h + 2);
  }
  return finishDocument(doc);
}
