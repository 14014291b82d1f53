import { z } from 'zod';
import { checkCitizenId, ID_REASON_TEXT } from '../../shared/citizenId.ts';
import { ADMISSION_WAYS, codeLabel, INSUTYPE, type Dictionaries } from '../../shared/codes.ts';
import { ageOn, daysBetween, isValidYmd, todayCST, type CalendarDate } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { formatYuan, type Decimal } from '../../shared/money.ts';
import { computeSettlement, parseSettleInput, type SettleInput, type SettleResult } from '../../shared/settlement.ts';
import { cellHeight, drawCell, finishDocument, FONT, issueToInputError, newA4Document, type CellOptions } from './fonts.ts';

/**
 * The settlement slip (结算单) of DOMAIN §7 and CLI.md `slip`: printed at discharge, the patient
 * pays the personal share against it (001 规程 第二十八条; 004 第四十条). Layout per 004 附件10:
 * the title, the unit line, one bordered table with every field, the fund rows by the names the
 * insured region returned (注1), and the two identities (注2, 注3) printed with their numbers.
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === undefined || v === null || v === '' ? null : v));
const date = z.string().trim().regex(DATE_RE);

const headerSchema = z.object({
  // The longest province name (新疆维吾尔自治区) is 8 characters; 10 keeps the title on one line.
  province: text(10),
  scope: z.enum(['cross', 'in']),
  patient: z.object({
    name: text(30),
    sex: z.enum(['M', 'F']),
    certno: text(30),
    cardNo: optionalText(24),
    insuredRegion: z.string().trim().regex(/^\d{6}$/),
    insuredRegionName: text(40),
    scheme: z.enum(Object.keys(INSUTYPE) as [keyof typeof INSUTYPE, ...(keyof typeof INSUTYPE)[]]),
  }),
  hospital: z.object({
    name: text(40),
    // Integrators send the level as 3 or "3", as the settle input allows.
    level: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.enum(['1', '2', '3'])).transform((v) => Number(v) as 1 | 2 | 3),
    regionName: text(40),
  }),
  admission: z.object({
    iptNo: text(30),
    way: z.enum(ADMISSION_WAYS),
    dept: text(30),
    mainDiagnosis: text(60),
    otherDiagnosis: optionalText(60),
    admittedOn: date,
    dischargedOn: date,
  }),
});

export type SlipHeader = z.output<typeof headerSchema>;
export type SlipInput = SlipHeader & { settle: SettleInput };

/**
 * The figures a slip prints. From the desk's engine (the `slip` command, settlements of earlier
 * versions) or from the insured region's 2304 answer (issue 14 §1: the settlement the patient
 * pays against), with the fund rows and names as that region returned them (004 附件10 注1).
 */
export interface SlipFigures {
  medfee_sumamt: Decimal;
  inscp_scp_amt: Decimal;
  preselfpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  fulamt_ownpay_amt: Decimal;
  fund_pay_sumamt: Decimal;
  acct_pay: Decimal;
  psn_cash_pay: Decimal;
  funds: { name: string; amount: Decimal }[];
  /** 本次起付标准 (the engine's) or, from an agency answer, 实际支付起付线 (act_pay_dedc). */
  deductible: { label: string; amount: Decimal } | null;
  /** The small print at the foot: the policy version, or the agency's settlement id. */
  basisNote: string;
}

export function figuresOfResult(result: SettleResult, fundNames?: ReadonlyMap<string, string>): SlipFigures {
  return {
    medfee_sumamt: result.medfee_sumamt, inscp_scp_amt: result.inscp_scp_amt, preselfpay_amt: result.preselfpay_amt, overlmt_selfpay: result.overlmt_selfpay,
    fulamt_ownpay_amt: result.fulamt_ownpay_amt, fund_pay_sumamt: result.fund_pay_sumamt, acct_pay: result.acct_pay, psn_cash_pay: result.psn_cash_pay,
    funds: result.setldetail.map((f) => ({ name: fundNames?.get(f.fund_pay_type) ?? f.fund_pay_type_name, amount: f.fund_payamt })),
    deductible: { label: '本次起付标准', amount: result.work.deductible },
    basisNote: `政策版本：${result.policyVersion}`,
  };
}

export interface SlipOptions {
  reprint: boolean;
  /** The 打印日期 printed on the slip; today in China Standard Time unless given (tests). */
  printedOn?: CalendarDate;
  /**
   * Fund names as the insured region returned them (2304 setldetail), by fund_pay_type; they
   * replace the code-table names on the slip (004 附件10 注1). Absent before the agency answered.
   */
  fundNames?: ReadonlyMap<string, string>;
  /** The 1901 labels the desk holds (codeLabel): the region's name of the 险种 before the built-in one. */
  dicts?: Dictionaries | null;
}

const LABELS: Record<string, string> = {
  province: '省份',
  scope: '结算范围（cross 跨省 / in 省内）',
  patient: '患者信息',
  'patient.name': '患者姓名',
  'patient.sex': '性别（M 男 / F 女）',
  'patient.certno': '社会保障号码',
  'patient.cardNo': '社会保障卡卡号',
  'patient.insuredRegion': '参保地行政区划代码',
  'patient.insuredRegionName': '参保地名称',
  'patient.scheme': '险种类型',
  hospital: '医院信息',
  'hospital.name': '医院名称',
  'hospital.level': '医院等级',
  'hospital.regionName': '就医地名称',
  admission: '住院信息',
  'admission.iptNo': '住院号',
  'admission.way': '入院方式',
  'admission.dept': '出院科室',
  'admission.mainDiagnosis': '主要诊断',
  'admission.otherDiagnosis': '次要诊断',
  'admission.admittedOn': '入院日期',
  'admission.dischargedOn': '出院日期',
  settle: '结算数据',
};

const HINTS: Record<string, string> = {
  'patient.insuredRegion': '应为 6 位行政区划代码',
  'admission.admittedOn': '应为 YYYY-MM-DD',
  'admission.dischargedOn': '应为 YYYY-MM-DD',
};

function checkDate(value: string, path: string): void {
  const m = DATE_RE.exec(value);
  if (!m || !isValidYmd(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new InputError('INVALID_DATE', `${LABELS[path] ?? path}不是有效日期：${value}`, path);
  }
}

/** The header of a slip (patient, hospital, stay), checked as the `slip` command checks it. */
export function parseSlipHeader(json: unknown): SlipHeader {
  const r = headerSchema.safeParse(json);
  if (!r.success) throw issueToInputError(r.error.issues, json, LABELS, HINTS);
  const header = r.data;
  const { patient, admission } = header;

  const id = checkCitizenId(patient.certno);
  if (!id.valid) throw new InputError('INVALID_ID', `社会保障号码无效：${ID_REASON_TEXT[id.reason]}`, 'patient.certno');
  patient.certno = id.number;

  checkDate(admission.admittedOn, 'admission.admittedOn');
  checkDate(admission.dischargedOn, 'admission.dischargedOn');
  if (admission.dischargedOn < admission.admittedOn) {
    throw new InputError('INVALID_DATE', `出院日期 ${admission.dischargedOn} 早于入院日期 ${admission.admittedOn}`, 'admission.dischargedOn');
  }
  if (admission.admittedOn < id.birthDate) {
    throw new InputError('INVALID_DATE', `入院日期 ${admission.admittedOn} 早于社会保障号码中的出生日期 ${id.birthDate}`, 'admission.admittedOn');
  }

  return header;
}

/**
 * Validates the `slip` input: the header with zod, the `settle` part with the settlement's own
 * parser (its errors keep their code and get the `settle.` prefix on their path), then the
 * cross-checks that keep the header and the computation about the same stay.
 */
export function parseSlipInput(json: unknown): SlipInput {
  const header = parseSlipHeader(json);
  const { patient, hospital } = header;
  const raw = (json as { settle?: unknown }).settle;
  if (raw === undefined) throw new InputError('MISSING_FIELD', '缺少结算数据（settle）', 'settle');
  let settle: SettleInput;
  try {
    settle = parseSettleInput(raw);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const inner = e.path === '' ? '' : e.path.startsWith('[') ? e.path : `.${e.path}`;
    throw new InputError(e.code, `结算数据：${e.message}`, `settle${inner}`);
  }
  // The slip prints the scheme and level of the header; the money was computed with those of
  // `settle`. A slip where they differ would show amounts that do not belong to its own header.
  if (settle.policy.scheme !== patient.scheme) {
    throw new InputError('SCHEME_MISMATCH', `险种类型 ${patient.scheme} 与结算政策的险种 ${settle.policy.scheme} 不一致`, 'patient.scheme');
  }
  if (settle.hospitalLevel !== hospital.level) {
    throw new InputError('LEVEL_MISMATCH', `医院等级 ${hospital.level} 与结算数据的医院等级 ${settle.hospitalLevel} 不一致`, 'hospital.level');
  }
  return { ...header, settle };
}

/** `{province}跨省异地就医住院结算单` / `{province}省内异地就医住院结算单` (004 附件10; DOMAIN §7). */
export function slipTitle(province: string, scope: 'cross' | 'in'): string {
  return `${province}${scope === 'cross' ? '跨省' : '省内'}异地就医住院结算单`;
}

const LEVEL_NAMES: Record<1 | 2 | 3, string> = { 1: '一级', 2: '二级', 3: '三级' };

/** 住院天数: discharge − admission, a same-day stay counting as one day. */
export function stayDays(admittedOn: CalendarDate, dischargedOn: CalendarDate): number {
  return Math.max(1, daysBetween(admittedOn, dischargedOn));
}

// A4 portrait in points. The table uses a 24-column grid so each row of 附件10 can give its
// long values (hospital name, diagnoses) the room they need.
const PAGE_W = 595.28;
const PAGE_H = 841.89;
const LEFT = 40;
const WIDTH = PAGE_W - 2 * LEFT;
const UNIT = WIDTH / 24;
const ROW_H = 30;
const AMOUNT_SIZE = 11;

interface Cell extends CellOptions {
  text: string;
  span: number;
}
const L = (text: string, span: number): Cell => ({ text, span, label: true });
const V = (text: string, span: number, o: CellOptions = {}): Cell => ({ text, span, ...o });
/** Amounts: right-aligned in the font's tabular figures, so the decimal points line up. */
const A = (d: Decimal, span: number): Cell => ({ text: formatYuan(d), span, align: 'right', size: AMOUNT_SIZE, nowrap: true });

/** Renders the slip; `result` is the settlement it printed (the CLI reports three of its amounts). */
export async function renderSlipPdf(input: SlipInput, options: SlipOptions): Promise<{ pdf: Buffer; pages: number; result: SettleResult }> {
  const result = computeSettlement(input.settle);
  const { pdf, pages } = await renderSlipFigures(input, figuresOfResult(result, options.fundNames), options);
  return { pdf, pages, result };
}

/** Renders a slip of the given figures (whoever computed them) under the header. */
export async function renderSlipFigures(header: SlipHeader, result: SlipFigures, options: SlipOptions): Promise<{ pdf: Buffer; pages: number }> {
  const { patient, hospital, admission } = header;
  const id = checkCitizenId(patient.certno);
  if (!id.valid) throw new InputError('INVALID_ID', `社会保障号码无效：${ID_REASON_TEXT[id.reason]}`, 'patient.certno');
  const title = slipTitle(header.province, header.scope);
  const doc = newA4Document(options.reprint ? `${title}（补打）` : title);

  let y = 52;
  doc.font(FONT.bold).fontSize(18).fillColor('black');
  doc.text(title, LEFT, y, { width: WIDTH, align: 'center' });
  if (options.reprint) {
    // DOMAIN §7: "A reprint says it is a reprint" — a red stamp beside the title, where a
    // cashier cannot miss it, so a second copy is never taken for a second settlement.
    const w = 64;
    const h = 30;
    const x = LEFT + WIDTH - w;
    const sy = y - 6;
    doc.lineWidth(1.6).strokeColor('#c00000').rect(x, sy, w, h).stroke();
    doc.font(FONT.bold).fontSize(18).fillColor('#c00000');
    doc.text('补打', x, sy + (h - doc.currentLineHeight()) / 2, { width: w, align: 'center', lineBreak: false });
    doc.fillColor('black').strokeColor('black');
  }
  y += 36;
  doc.font(FONT.regular).fontSize(10);
  doc.text('单位：元（保留两位小数）', LEFT, y, { width: WIDTH, align: 'right', lineBreak: false });
  y += 18;

  const row = (cells: Cell[], minH = ROW_H): void => {
    const h = Math.max(minH, ...cells.map((c) => cellHeight(doc, c.text, c.span * UNIT, c)));
    let x = LEFT;
    for (const c of cells) {
      const w = c.span * UNIT;
      drawCell(doc, c.text, x, y, w, h, c);
      x += w;
    }
    y += h;
  };

  const birthAge = ageOn(id.birthDate, admission.admittedOn);
  row([L('患者姓名', 4), V(patient.name, 4), L('性别', 4), V(patient.sex === 'M' ? '男' : '女', 4), L('年龄', 4), V(String(birthAge), 4)]);
  // The full number: the slip is a form that requires it (ARCHITECTURE, personal data).
  row([L('社会保障号码', 4), V(patient.certno, 8, { nowrap: true }), L('社会保障卡卡号（可选）', 6), V(patient.cardNo ?? '', 6, { nowrap: true })]);
  row([L('参保地', 4), V(patient.insuredRegionName, 8), L('险种类型', 4), V(codeLabel('insutype', patient.scheme, options.dicts), 8)]);
  row([L('就医地', 4), V(hospital.regionName, 5), L('医院名称', 3), V(hospital.name, 7), L('医院等级', 3), V(LEVEL_NAMES[hospital.level], 2, { align: 'center' })]);
  row([L('入院方式', 4), V(admission.way, 4), L('住院号', 4), V(admission.iptNo, 4, { nowrap: true }), L('出院科室', 4), V(admission.dept, 4)]);
  row([L('主要诊断', 4), V(admission.mainDiagnosis, 8), L('次要诊断', 4), V(admission.otherDiagnosis ?? '无', 8)]);
  row([
    L('入院日期', 4),
    V(admission.admittedOn, 4),
    L('出院日期', 4),
    V(admission.dischargedOn, 4),
    L('住院天数', 4),
    V(String(stayDays(admission.admittedOn, admission.dischargedOn)), 4, { align: 'right' }),
  ]);

  // The five parts of 注2 side by side, captions above amounts, broken over two lines where
  // 附件10 breaks them.
  const parts = [
    { label: '总费用', value: result.medfee_sumamt, span: 4 },
    { label: '统筹基金支付\n范围内费用', value: result.inscp_scp_amt, span: 5 },
    { label: '乙类先行\n自付费用', value: result.preselfpay_amt, span: 5 },
    { label: '超限价\n自付费用', value: result.overlmt_selfpay, span: 5 },
    { label: '自费费用', value: result.fulamt_ownpay_amt, span: 5 },
  ];
  row(parts.map((p) => L(p.label, p.span)), 38);
  row(parts.map((p) => A(p.value, p.span)));
  row([L('基金支付合计金额', 6), A(result.fund_pay_sumamt, 6), L('个人现金支付金额', 6), A(result.psn_cash_pay, 6)]);

  // 注1: one row per fund, named as the insured region returned it (fund_pay_type_name); the
  // right half carries 本次起付标准 and, when the account paid, 个人账户支付 (DOMAIN §6a).
  // 本次起付标准 is the threshold that applied to this stay (after the repeat-admission factor),
  // not the part of it the patient actually reached (act_pay_dedc).
  const right: Cell[][] = result.deductible ? [[L(result.deductible.label, 6), A(result.deductible.amount, 6)]] : [];
  if (result.acct_pay.gt(0)) right.push([L('个人账户支付', 6), A(result.acct_pay, 6)]);
  const funds: Cell[][] = result.funds.map((f) => [{ ...L(f.name, 6), nowrap: true }, A(f.amount, 6)]);
  // No fund paid (all under the deductible, or all self-paid): say so rather than leave a gap.
  if (funds.length === 0) funds.push([L('参保地基金支付', 6), V('无', 6, { align: 'right' })]);
  const fundRows = Math.max(funds.length, right.length);
  for (let i = 0; i < fundRows; i++) row([...(funds[i] ?? [V('', 6), V('', 6)]), ...(right[i] ?? [V('', 6), V('', 6)])]);

  // 注2 and 注3, printed as they hold for this settlement (DOMAIN §7).
  y += 10;
  const yuan = formatYuan;
  const identity2 =
    `总费用 ${yuan(result.medfee_sumamt)} = 统筹基金支付范围内费用 ${yuan(result.inscp_scp_amt)}` +
    ` + 乙类先行自付费用 ${yuan(result.preselfpay_amt)} + 超限价自付费用 ${yuan(result.overlmt_selfpay)}` +
    ` + 自费费用 ${yuan(result.fulamt_ownpay_amt)}`;
  const identity3 =
    `总费用 ${yuan(result.medfee_sumamt)} = 基金支付合计 ${yuan(result.fund_pay_sumamt)}` +
    (result.acct_pay.gt(0) ? ` + 个人账户支付 ${yuan(result.acct_pay)}` : '') +
    ` + 个人现金支付 ${yuan(result.psn_cash_pay)}`;
  const noteX = LEFT + 28;
  const noteW = WIDTH - 28;
  doc.font(FONT.regular).fontSize(9.5).fillColor('black');
  doc.text('注：', LEFT, y, { lineBreak: false });
  doc.text('1. 参保地基金按照参保地返回的基金款项名称打印。', noteX, y, { width: noteW, lineGap: 3 });
  doc.text(`2. ${identity2}`, noteX, doc.y, { width: noteW, lineGap: 3 });
  doc.text(`3. ${identity3}`, noteX, doc.y, { width: noteW, lineGap: 3 });
  y = doc.y + 34;

  // Signatures: the patient or a family member acknowledges the personal share, the clerk and
  // the hospital's seal make the slip a receipt for it (001 规程 第二十八条).
  doc.font(FONT.regular).fontSize(11);
  const sign = (label: string, x: number, w: number, at: number): void => {
    doc.text(label, x, at, { lineBreak: false });
    const start = x + doc.widthOfString(label) + 2;
    doc.moveTo(start, at + 15).lineTo(x + w - 16, at + 15).lineWidth(0.6).strokeColor('black').stroke();
  };
  const third = WIDTH / 3;
  sign('患者或家属签字：', LEFT, third + 20, y);
  sign('经办人：', LEFT + third + 20, third - 10, y);
  sign('医院盖章：', LEFT + 2 * third + 10, third - 10, y);
  y += 40;
  doc.text(`打印日期：${options.printedOn ?? todayCST()}`, LEFT, y, { lineBreak: false });
  doc.font(FONT.regular).fontSize(8).fillColor('#666666');
  doc.text(result.basisNote, LEFT, y + 2, { width: WIDTH, align: 'right', lineBreak: false });
  doc.fillColor('black');
  y += 20;

  // A slip whose signature line fell off the page must not be printed (nor a second page).
  if (y > PAGE_H - 30 || doc.bufferedPageRange().count !== 1) throw new Error('结算单内容超出一页');
  return finishDocument(doc);
}
