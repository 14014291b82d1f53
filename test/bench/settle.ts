import { findRequest } from '../../db/repos/settlementRequests.ts';
import { settlementFromAnswer } from '../../electron/services/settlement/fromAnswer.ts';
import type { JsonObject } from '../../shared/agency/envelope.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { persons } from '../../db/schema.ts';
import { finishDocument, FONT, newA4Document } from '../../electron/pdf/fonts.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { importFees } from '../../electron/services/feeImportService.ts';
import { commitSettlement, gatherSettlement, type Opter } from '../../electron/services/settlementService.ts';
import { slipPdf } from '../../electron/services/settlementViews.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { formatYuan, parseAmount } from '../../shared/money.ts';
import { computeSettlement, parseSettleInput, settleToJson } from '../../shared/settlement.ts';
import { feeCsv, ITEM, type FeeRow } from '../support/settlementFixtures.ts';
import { timeFigure, timeMs, timeMsAsync, type Figure } from './harness.ts';

export const OPTER: Opter = { clerkId: 1, login: 'clerk01', name: '王晓燕' };
export const LINES = 2000;

/** 2,000 lines of a long stay: beds, drugs (甲/乙), a limit-priced implant, self-paid items, a few refunds. */
export function stayRows(day: string): FeeRow[] {
  const kinds = [ITEM.bed, ITEM.drug, ITEM.surgery, ITEM.screw, ITEM.room] as const;
  const price = { [ITEM.bed.code]: '45', [ITEM.drug.code]: '12.5', [ITEM.surgery.code]: '4200', [ITEM.screw.code]: '3000', [ITEM.room.code]: '80' } as Record<string, string>;
  const rows: FeeRow[] = [];
  for (let i = 0; i < LINES; i++) {
    const k = kinds[i % kinds.length]!;
    if (i % 100 === 99) {
      // Refund one unit of the drug line charged just before.
      rows.push({ sn: `L${i}`, initSn: `L${i - 3}`, ...ITEM.drug, cnt: '-1', pric: '12.5', amount: '-12.50', time: `${day} 16:00:00` });
      continue;
    }
    const p = price[k.code]!;
    rows.push({ sn: `L${i}`, ...k, cnt: '1', pric: p, amount: parseAmount(p).toFixed(2), time: `${day} 10:00:00` });
  }
  return rows;
}

async function newDesk(): Promise<Desk> {
  // Offline on purpose: the figure is the desk's own work, not an agency round trip (5206).
  return Desk.open({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-bench-settle-')), demo: true, agencyUrl: 'http://127.0.0.1:9' });
}

export async function admissionWithFees(desk: Desk, n: number): Promise<number> {
  const p = DEMO_PATIENTS[0];
  const person = desk.db.select().from(persons).where(eq(persons.certno, p.certno)).get()!;
  const admittedOn = addDays(todayCST(), -20);
  const id = insertAdmission(desk.db, {
    iptNo: `BENCH${n}`, personId: person.id, insutype: p.insutype, medType: '21', certType: '02', certNo: p.certno, grp: p.registration.group, admittedAt: `${admittedOn} 09:00:00`,
    way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
  });
  const r = await importFees(desk.db, { admissionId: id, fileName: `bench${n}.csv`, content: Buffer.from(feeCsv(stayRows(addDays(admittedOn, 1)), '')) }, OPTER);
  if (r.imported !== LINES) throw new Error(`基准数据导入失败：${r.issues[0]?.message ?? r.imported}`);
  return id;
}

/**
 * settle.2000: the final settlement of a 2,000-line stay as the clerk waits for it — gathering
 * (admission, fee lines, catalogue items, policy, year-to-date history), the engine, and the commit
 * (settlement, fund rows, input snapshot, two 2301 messages of 1,000 lines, 2402, 2304, discharge,
 * audit, in one durable transaction). Baseline: the bare engine (parseSettleInput +
 * computeSettlement) over the same 2,000 lines.
 */
export async function benchSettle2000(iterations = 2, rounds = 5): Promise<Figure> {
  const desk = await newDesk();
  try {
    const ids: number[] = [];
    for (let i = 0; i < iterations * rounds; i++) ids.push(await admissionWithFees(desk, i));
    const sample = await gatherSettlement(desk, { admissionId: ids[0]!, useAccount: false, accountBalance: '0.00' }, OPTER);
    const json = sample.settleJson;
    const baseline = timeMs(() => void computeSettlement(parseSettleInput(json)), 5);
    let next = 0;
    const value = await timeMsAsync(async () => {
      const id = ids[next++]!;
      await commitSettlement(desk, { admissionId: id, dischargedOn: todayCST(), dscgWay: '1', useAccount: false, accountBalance: '0.00', expectedTotal: sample.split.medfee_sumamt.toFixed(2) }, OPTER);
    }, iterations, rounds);
    return timeFigure('settle.2000', value, baseline);
  } finally {
    desk.close();
  }
}

/**
 * slip.warm: a reprint of a stored settlement's slip (electron/services/settlementViews.ts
 * `slipPdf`: read the settlement and its input snapshot, recompute, lay out 附件10 with cell
 * measuring, embed the subset CJK font, log the print) once the font is parsed (the first print
 * of the process is not timed). Baseline: a bare pdfkit A4 page with the SAME embedded subset
 * font writing the same strings at fixed positions — no validation, recomputation, cell layout or
 * database. The same font on both sides because subsetting and embedding the CJK glyphs is the
 * irreducible cost of a Chinese form; a Helvetica baseline would only measure that the font is
 * CJK, not what the slip code adds.
 */
export async function benchSlipWarm(iterations = 3, rounds = 5): Promise<Figure> {
  const desk = await newDesk();
  try {
    const id = await admissionWithFees(desk, 0);
    const p = await gatherSettlement(desk, { admissionId: id, useAccount: false, accountBalance: '0.00' }, OPTER);
    const { requestId } = await commitSettlement(desk, { admissionId: id, dischargedOn: todayCST(), dscgWay: '1', useAccount: false, accountBalance: '0.00', expectedTotal: p.split.medfee_sumamt.toFixed(2) }, OPTER);
    const estimate = p.result;
    if (!estimate) throw new Error('bench: the demo policy is missing');
    // The bench desk is offline: the insured region's answer is stored as the sync worker would store it, in the shape it has.
    const answer = { setlinfo: { ...settleToJson(estimate), setl_id: 'BENCHS0001', setl_time: `${todayCST()} 10:00:00` }, setldetail: settleToJson(estimate).setldetail };
    const settlementId = desk.db.transaction((tx) => settlementFromAnswer(tx, findRequest(tx, requestId)!, answer as unknown as JsonObject, null));
    await slipPdf(desk, settlementId, OPTER);
    const value = await timeMsAsync(async () => void (await slipPdf(desk, settlementId, OPTER)), iterations, rounds);

    const r = estimate;
    const strings = [
      '安徽省跨省异地就医住院结算单', '单位：元（保留两位小数）', '患者姓名', '张秀兰', '性别', '女', '年龄', '71', '社会保障号码', DEMO_PATIENTS[0].certno,
      '社会保障卡卡号（可选）', '参保地', '湖北省武汉市江岸区', '险种类型', '职工基本医疗保险', '就医地', '安徽省合肥市', '医院名称', '合肥市第一人民医院（演示）',
      '医院等级', '三级', '入院方式', '门诊', '住院号', 'BENCH0', '出院科室', '骨科', '主要诊断', '股骨颈骨折', '次要诊断', '无', '入院日期', '出院日期', '住院天数',
      '总费用', '统筹基金支付范围内费用', '乙类先行自付费用', '超限价自付费用', '自费费用', '基金支付合计金额', '个人现金支付金额', '本次起付标准',
      ...[r.medfee_sumamt, r.inscp_scp_amt, r.preselfpay_amt, r.overlmt_selfpay, r.fulamt_ownpay_amt, r.fund_pay_sumamt, r.psn_cash_pay, r.act_pay_dedc].map(formatYuan),
      ...r.setldetail.map((f) => f.fund_pay_type_name), '注：', '1. 参保地基金按照参保地返回的基金款项名称打印。',
      `2. 总费用 ${formatYuan(r.medfee_sumamt)} = 统筹基金支付范围内费用 ${formatYuan(r.inscp_scp_amt)} + 乙类先行自付费用 ${formatYuan(r.preselfpay_amt)} + 超限价自付费用 ${formatYuan(r.overlmt_selfpay)} + 自费费用 ${formatYuan(r.fulamt_ownpay_amt)}`,
      `3. 总费用 ${formatYuan(r.medfee_sumamt)} = 基金支付合计 ${formatYuan(r.fund_pay_sumamt)} + 个人现金支付 ${formatYuan(r.psn_cash_pay)}`,
      addDays(todayCST(), -20), todayCST(), '20', '患者或家属签字：', '经办人：', '医院盖章：', `打印日期：${todayCST()}`, `政策版本：${r.policyVersion}`,
    ];
    const bare = async (): Promise<void> => {
      const doc = newA4Document('bare');
      // The slip's title and its 补打 stamp are in the bold face, everything else regular.
      doc.font(FONT.bold).fontSize(18).text(strings[0]!, 40, 40, { lineBreak: false }).text('补打', 480, 40, { lineBreak: false });
      doc.font(FONT.regular).fontSize(11);
      strings.slice(1).forEach((s, i) => doc.text(s, 40 + (i % 3) * 170, 80 + Math.floor(i / 3) * 24, { lineBreak: false }));
      await finishDocument(doc);
    };
    await bare();
    const baseline = await timeMsAsync(bare, iterations, rounds);
    return timeFigure('slip.warm', value, baseline);
  } finally {
    desk.close();
  }
}
