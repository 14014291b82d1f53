import { formatYuan, Decimal } from '../../shared/money.ts';
import { cellHeight, drawCell, fallbackText, finishDocument, FONT, labelValueRow, newA4Document } from './fonts.ts';

/**
 * 住院期间外院检查治疗或定点药店购药单 (004 第三十九条, 附件9): issued while the patient is in
 * hospital and needs an exam, treatment or medicine elsewhere; the fees come back into this stay
 * and are settled directly with it (etip_flag). Layout follows 附件9: the patient rows, 诊断, the
 * outside hospital or pharmacy, the items, the reason, 医师签字, the insurance office's seal and
 * the date. A4, embedded subset CJK font (fonts.ts). The caller supplies validated data.
 */
export interface OutsideExamPdfInput {
  institutionName: string;
  slipNo: string;
  iptNo: string;
  patient: { name: string; sex: string; age: number | null; dept: string; bed: string; certType: string; certNo: string };
  diagnosis: string;
  kind: 'hospital' | 'pharmacy';
  hospital: { code: string; name: string };
  items: { code: string; name: string; qty: string; price: string; amount: string }[];
  total: string;
  reason: string;
  doctor: string;
  /** The date printed under the seal, 'YYYY-MM-DD'. */
  date: string;
  reprint?: boolean;
}

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const LEFT = 50;
const WIDTH = PAGE_W - 2 * LEFT;
const ROW_H = 28;

/** Renders the slip; throws when the items do not fit on the one page 附件9 is. */
export async function renderOutsideExam(input: OutsideExamPdfInput): Promise<{ pdf: Buffer; pages: number }> {
  const doc = newA4Document('住院期间外院检查治疗或定点药店购药单');
  const kindText = input.kind === 'hospital' ? '外院检查治疗' : '定点药店购药';

  doc.font(FONT.bold).fontSize(17).fillColor('black');
  doc.text('住院期间外院检查治疗或定点药店购药单', LEFT, 50, { width: WIDTH, align: 'center', characterSpacing: 1 });
  doc.font(FONT.regular).fontSize(10);
  const gap = '\u3000\u3000';
  doc.text(`${input.institutionName}${gap}单号：${input.slipNo}${gap}住院号：${input.iptNo}${gap}类别：${kindText}${input.reprint ? `${gap}（补打）` : ''}`, LEFT, 82, { width: WIDTH, align: 'center' });

  let y = 106;
  // Row 1: 姓名 性别 年龄 科别 — eight cells as on 附件9.
  const c8 = [58, 100, 50, 52, 50, 52, 50, WIDTH - 412];
  const row1 = [['姓名', true], [input.patient.name, false], ['性别', true], [input.patient.sex, false], ['年龄', true], [input.patient.age === null ? '' : `${input.patient.age}岁`, false], ['科别', true], [`${input.patient.dept}（${input.patient.bed}床）`, false]] as const;
  const h1 = Math.max(ROW_H, ...row1.map(([t, label], i) => (label ? 0 : cellHeight(doc, t, c8[i]!))));
  let x = LEFT;
  row1.forEach(([t, label], i) => {
    drawCell(doc, t, x, y, c8[i]!, h1, { label });
    x += c8[i]!;
  });
  y += h1;

  const grid = { left: LEFT, width: WIDTH, labelW: 108, rowH: ROW_H };
  y = labelValueRow(doc, grid, y, [['证件类型', input.patient.certType], ['证件号码', input.patient.certNo]]);
  y = labelValueRow(doc, grid, y, [['诊断', input.diagnosis]]);
  // The caption of 附件9 on one line, so it reads (and extracts) whole.
  y = labelValueRow(doc, grid, y, [['外检定点医院或外购定点药店名称', `${input.hospital.name}（定点编码 ${input.hospital.code}）`]], { minH: 32, labelW: 176 });

  // 外检项目或外购药品: a small table of the items, then the total.
  drawCell(doc, '外检项目或外购药品', LEFT, y, WIDTH, 24, { label: true, align: 'left', bold: true });
  y += 24;
  const cols = [34, 112, WIDTH - 34 - 112 - 50 - 76 - 84, 50, 76, 84];
  const heads = ['序号', '医保目录编码', '项目或药品名称', '数量', '单价（元）', '金额（元）'];
  x = LEFT;
  heads.forEach((h, i) => {
    drawCell(doc, h, x, y, cols[i]!, 22, { label: true, size: 9.5 });
    x += cols[i]!;
  });
  y += 22;
  input.items.forEach((item, n) => {
    const cells = [String(n + 1), item.code, item.name, item.qty, formatYuan(new Decimal(item.price)), formatYuan(new Decimal(item.amount))];
    const h = Math.max(22, cellHeight(doc, item.name, cols[2]!, { size: 9.5 }), cellHeight(doc, item.code, cols[1]!, { size: 9.5 }));
    x = LEFT;
    cells.forEach((c, i) => {
      drawCell(doc, c, x, y, cols[i]!, h, { size: 9.5, align: i >= 3 ? 'right' : i === 0 ? 'center' : 'left' });
      x += cols[i]!;
    });
    y += h;
  });
  const sumLabelW = cols.slice(0, 5).reduce((a, b) => a + b, 0);
  drawCell(doc, '合计', LEFT, y, sumLabelW, 22, { label: true, bold: true });
  drawCell(doc, formatYuan(new Decimal(input.total)), LEFT + sumLabelW, y, cols[5]!, 22, { bold: true, align: 'right' });
  y += 22;

  y = labelValueRow(doc, grid, y, [['外检或外购药原因', input.reason]], { minH: 48 });

  // 医师签字 with the doctor's printed name, and the office's seal box, as the foot of 附件9.
  const footTop = y;
  const half = WIDTH / 2;
  const footH = 118;
  doc.lineWidth(0.6).rect(LEFT, footTop, half, footH).stroke();
  doc.lineWidth(0.6).rect(LEFT + half, footTop, half, footH).stroke();
  doc.font(FONT.regular).fontSize(11);
  doc.text('医师签字：', LEFT + 10, footTop + 14, { lineBreak: false });
  doc.moveTo(LEFT + 78, footTop + 30).lineTo(LEFT + half - 14, footTop + 30).lineWidth(0.6).stroke();
  doc.fontSize(9.5).fillColor('#444444');
  fallbackText(doc, `（开单医师：${input.doctor}）`, LEFT + 10, footTop + 40, half - 20);
  doc.fillColor('black').fontSize(11);
  doc.text('定点医疗机构医疗保险办公室盖章', LEFT + half + 10, footTop + 14, { width: half - 20 });
  doc.fontSize(9.5).fillColor('#444444');
  fallbackText(doc, input.institutionName, LEFT + half + 10, footTop + 34, half - 20);
  doc.fillColor('black');

  const [yy, mm, dd] = input.date.split('-');
  doc.fontSize(11).text(`日期：${yy} 年 ${mm} 月 ${dd} 日`, LEFT + half + 10, footTop + footH - 26, { lineBreak: false });
  y = footTop + footH;

  doc.fontSize(8.5).fillColor('#555555');
  doc.text(
    '说明：本单为参保人住院期间确因病情需要到其他定点医药机构检查治疗或购药所开具（004 第三十九条）；由此发生的费用纳入本次住院费用，一并办理异地就医直接结算，上传时标注外检标志。',
    LEFT,
    y + 10,
    { width: WIDTH },
  );
  doc.fillColor('black');
  if (doc.y > PAGE_H - 30 || doc.bufferedPageRange().count !== 1) throw new Error('外检单内容超出一页，请减少项目或分开开单');
  return finishDocument(doc);
}
