import { validOn, type CatalogueItem } from './catalogue.ts';
import { isValidYmd } from './dates.ts';
import { InputError } from './errors.ts';
import { INVONO_MAX, invoiceNumberProblem } from './invoiceNumber.ts';
import { type Decimal, parseAmount, parseDecimal, round2, sum, ZERO } from './money.ts';
import { columnShown, fileIssue, issueAt, readTable, rowLabel, type ColumnSpec, type FileIssue, type HeaderNames, type TableFormat, type TableRow } from './tableFile.ts';

/**
 * Fee details from the hospital system (HIS), modelled on the national 2301 `feedetail` node
 * (national-interface.md §2301): CSV (UTF-8 or GBK, decoded before it gets here) or JSON. The
 * columns are documented for the HIS side in docs/fee-import.md. Every row is checked; a file
 * with any error imports nothing (ARCHITECTURE: errors in data files name the row and column).
 */
const L = (field: string, n: number): { maxLength: number; limitSource: string } => ({ maxLength: n, limitSource: `2301 feedetail ${field} 字符型 ${n}` });
const N = (field: string, spec: string): { maxLength: number; limitSource: string } => ({ maxLength: 20, limitSource: `2301 feedetail ${field} 数值型 ${spec}` });

/**
 * The columns with their national limits (2301 feedetail, 定点医药机构接口规范; lengths in
 * characters as the platform counts them, shared/textLimits.ts). `name` is not sent in the 2301
 * (the platform names the item from its catalogue): its limit is the catalogue name's, C200
 * (hilist_name / 医保目录名称). `selfpay_flag` is the desk's own column (a flag, 3 like the others).
 */
export const FEE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'feedetl_sn', aliases: ['费用明细流水号', '明细流水号'], required: true, ...L('feedetl_sn', 30) },
  { name: 'init_feedetl_sn', aliases: ['原费用明细流水号'], ...L('init_feedetl_sn', 30) },
  { name: 'fee_ocur_time', aliases: ['费用发生时间'], required: true, maxLength: 19, limitSource: '2301 feedetail fee_ocur_time 日期时间型 yyyy-MM-dd HH:mm:ss' },
  { name: 'med_list_codg', aliases: ['医保目录编码'], required: true, ...L('med_list_codg', 50) },
  { name: 'medins_list_codg', aliases: ['医药机构目录编码', '院内编码'], required: true, ...L('medins_list_codg', 150) },
  { name: 'name', aliases: ['medins_list_name', '项目名称'], required: true, maxLength: 200, limitSource: '目录名称 hilist_name 字符型 200' },
  { name: 'cnt', aliases: ['数量'], required: true, ...N('cnt', '16,4') },
  { name: 'pric', aliases: ['单价'], required: true, ...N('pric', '16,6') },
  { name: 'det_item_fee_sumamt', aliases: ['明细项目费用总额', '金额'], required: true, ...N('det_item_fee_sumamt', '16,2') },
  { name: 'bilg_dept_codg', aliases: ['开单科室编码'], ...L('bilg_dept_codg', 30) },
  { name: 'bilg_dept_name', aliases: ['开单科室名称', '开单科室'], required: true, ...L('bilg_dept_name', 100) },
  { name: 'bilg_dr_codg', aliases: ['开单医生编码'], ...L('bilg_dr_codg', 30) },
  { name: 'bilg_dr_name', aliases: ['开单医生姓名', '开单医生'], required: true, ...L('bilg_dr_name', 50) },
  { name: 'etip_flag', aliases: ['外检标志'], ...L('etip_flag', 3) },
  { name: 'etip_hosp_code', aliases: ['外检医院编码'], ...L('etip_hosp_code', 30) },
  { name: 'selfpay_flag', aliases: ['自费标志'], maxLength: 3, limitSource: '自费标志 字符型 3' },
  // The stay's 发票号 (shared/invoiceNumber.ts): not a 2301 field; the national name is the 2304 input's.
  { name: 'invono', aliases: ['发票号', '发票号码'], maxLength: INVONO_MAX, limitSource: `2304 data invono 字符型 ${INVONO_MAX}（UNVERIFIED）` },
];

/** What a fee line is, whether just read from a file or already stored for the admission. */
interface FeeLineIdentity {
  feedetlSn: string;
  initFeedetlSn: string | null;
  /** 'YYYY-MM-DD HH:mm:ss' (national DT). */
  feeOcurTime: string;
  medListCodg: string;
  medinsListCodg: string;
  name: string;
  etipFlag: boolean;
  /** Explicitly self-paid (自费): settled as class C whatever the catalogue says. */
  selfPay: boolean;
}

/** A validated fee line as the desk stores it (amounts as exact decimals). */
export interface FeeLineInput extends FeeLineIdentity {
  /** Where it was in the file (CSV line or JSON index), for messages. */
  row: number;
  cnt: Decimal;
  pric: Decimal;
  amount: Decimal;
  bilgDeptCodg: string | null;
  bilgDeptName: string;
  bilgDrCodg: string | null;
  bilgDrName: string;
  etipHospCode: string | null;
}

/** A line already imported for the admission, as stored (text amounts). */
export interface StoredFeeLine extends FeeLineIdentity {
  cnt: string;
  pric: string;
  amount: string;
  bilgDeptName: string | null;
  bilgDrName: string | null;
}

export interface FeeImportContext {
  /** Admission time 'YYYY-MM-DD HH:mm:ss'. */
  admittedAt: string;
  /** Last day fees may fall on: the discharge date, or today while the patient is in hospital. */
  lastDay: string;
  /** Emergency admissions take the outpatient emergency fees of the 72 hours before (000 第十七条 1). */
  emergency: boolean;
  catalogueVersion: string;
  /** The item of the current catalogue version, by national code. */
  catalogue: (medListCodg: string) => CatalogueItem | undefined;
  /** Lines already imported for this admission, by feedetl_sn. */
  existing: ReadonlyMap<string, StoredFeeLine>;
  /** The hospital's 1317 matches (docs/catalogue.md), when the desk has downloaded them: 院内编码 → national code on a day. */
  matches?: { version: string; find(medinsListCodg: string, day: string): string | undefined };
}

export interface FeeValidation {
  /** New lines to store; empty when there is any issue. */
  lines: FeeLineInput[];
  /** Lines identical to ones already imported (a re-import): not stored again. */
  unchanged: number;
  issues: FileIssue[];
  rows: number;
  /** The 发票号 the file names for the stay (every row that fills the column names the same one), or null. */
  invono: string | null;
}

const TIME_RE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?$/;

/** Accepts 'YYYY-MM-DD HH:mm:ss', 'YYYY/M/D H:mm', 'YYYY-MM-DD' or 'yyyyMMddHHmmss'; returns the national DT. */
export function normaliseFeeTime(text: string): string | null {
  const m = TIME_RE.exec(text) ?? COMPACT_RE.exec(text);
  if (!m) return null;
  const [Y, M, D, H, I, S] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (!isValidYmd(Y, M, D) || H > 23 || I > 59 || S > 59) return null;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(Y, 4)}-${p(M)}-${p(D)} ${p(H)}:${p(I)}:${p(S)}`;
}

function minusHours(dt: string, hours: number): string {
  const t = Date.UTC(Number(dt.slice(0, 4)), Number(dt.slice(5, 7)) - 1, Number(dt.slice(8, 10)), Number(dt.slice(11, 13)), Number(dt.slice(14, 16)), Number(dt.slice(17, 19))) - hours * 3_600_000;
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

const FLAG: Record<string, boolean> = { '0': false, '1': true, 否: false, 是: true, N: false, Y: true, n: false, y: true, false: false, true: true, 自费: true };

/** Places after the decimal point of a plain decimal text. */
function places(d: Decimal): number {
  return d.decimalPlaces();
}

/** With the 1317 matches the 医保目录编码 column may be left out: the 院内编码 gives it. */
const FEE_COLUMNS_MATCHED: readonly ColumnSpec[] = FEE_COLUMNS.map((c) => (c.name === 'med_list_codg' ? { ...c, required: false } : c));

export function parseFeeFile(text: string, format: TableFormat, o: { matched?: boolean } = {}): { rows: TableRow[]; issues: FileIssue[]; headers: HeaderNames } {
  return readTable(text, format, o.matched ? FEE_COLUMNS_MATCHED : FEE_COLUMNS, 'feedetail');
}

/** Two lines are "the same line" when every stored field agrees (a re-import of the same export). */
function sameAsStored(l: FeeLineInput, s: StoredFeeLine): boolean {
  return (
    l.initFeedetlSn === s.initFeedetlSn && l.feeOcurTime === s.feeOcurTime && l.medListCodg === s.medListCodg &&
    l.medinsListCodg === s.medinsListCodg && l.name === s.name && l.cnt.eq(s.cnt) && l.pric.eq(s.pric) &&
    l.amount.eq(s.amount) && l.bilgDeptName === (s.bilgDeptName ?? '') && l.bilgDrName === (s.bilgDrName ?? '') &&
    l.etipFlag === s.etipFlag && l.selfPay === s.selfPay
  );
}

/**
 * Row-by-row validation with the checks that need the whole file (duplicates, refunds) at the
 * end; `add` is cheap so a service can report progress between rows.
 */
export class FeeValidator {
  private readonly issues: FileIssue[] = [];
  private readonly lines: FeeLineInput[] = [];
  private readonly bySn = new Map<string, number>();
  private invono: { value: string; row: number } | null = null;
  private rows = 0;
  private readonly earliest: string;
  private readonly latest: string;

  constructor(
    private readonly format: TableFormat,
    private readonly ctx: FeeImportContext,
    /** The headers as the file wrote them: errors name a Chinese caption the way the file does. */
    private readonly headers?: HeaderNames,
  ) {
    const admitted = normaliseFeeTime(ctx.admittedAt) ?? ctx.admittedAt;
    // Fees count from the admission day; for an emergency admission, from 72 hours before its
    // time, because the emergency outpatient fees belong to the stay (000 第十七条 1).
    this.earliest = ctx.emergency ? minusHours(admitted, 72) : `${admitted.slice(0, 10)} 00:00:00`;
    this.latest = `${ctx.lastDay} 23:59:59`;
  }

  addIssue(issue: FileIssue): void {
    this.issues.push(issue);
  }

  private bad(row: number, column: string, what: string): void {
    this.issues.push(issueAt(this.format, row, column, what, this.headers));
  }

  /**
   * The line's national code: as written, or through the hospital's 1317 matches when the desk has
   * them (the platform takes only matched items). A line without a match is named with its row and
   * the 院内编码 column; a self-paid line with its own national code needs none.
   */
  private nationalCode(row: number, given: string | null, medinsCode: string | null, time: string | null, selfPay: boolean): string | null {
    const m = this.ctx.matches;
    if (!m) {
      if (given === null) this.bad(row, 'med_list_codg', '缺少医保目录编码');
      return given;
    }
    if (medinsCode === null) return given;
    const day = time?.slice(0, 10) ?? '';
    const found = m.find(medinsCode, day);
    if (found === undefined) {
      if (given === null || !selfPay) {
        this.bad(row, 'medins_list_codg', `院内编码 ${medinsCode} 在医药机构目录匹配信息（1317，版本 ${m.version}）中${day ? `于费用发生日 ${day} ` : ''}没有对照的医保目录编码；请先在医保平台完成目录对照${given === null ? '' : '，或按自费结算（自费标志填 1）'}`);
      }
      return given;
    }
    if (given !== null && given !== found) {
      this.bad(row, 'med_list_codg', `医保目录编码 ${given} 与院内编码 ${medinsCode} 在医药机构目录匹配信息（1317）中对照的 ${found} 不一致`);
      return given;
    }
    return found;
  }

  private req(row: number, values: TableRow['values'], column: string, label: string): string | null {
    const v = values[column] ?? null;
    if (v === null) this.bad(row, column, `缺少${label}`);
    return v;
  }

  private dec(row: number, values: TableRow['values'], column: string, label: string, parse: (v: string, l: string) => Decimal): Decimal | null {
    const v = this.req(row, values, column, label);
    if (v === null) return null;
    try {
      return parse(v, label);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      this.bad(row, column, e.message);
      return null;
    }
  }

  private flag(row: number, values: TableRow['values'], column: string, label: string): boolean {
    const v = values[column] ?? null;
    if (v === null) return false;
    const b = FLAG[v];
    if (b === undefined) {
      this.bad(row, column, `${label}应为 1（是）或 0（否）：${v}`);
      return false;
    }
    return b;
  }

  /** A file is one stay's and so one invoice's (004 第六十六条 names it): rows that fill it agree. */
  private invoice(row: number, invono: string | null): void {
    if (invono === null || [...invono].length > INVONO_MAX) return; // too long: readTable said so
    const problem = invoiceNumberProblem(invono);
    if (problem !== null) this.bad(row, 'invono', problem);
    else if (this.invono === null) this.invono = { value: invono, row };
    else if (this.invono.value !== invono) this.bad(row, 'invono', `发票号 ${invono} 与${rowLabel(this.format, this.invono.row)}的发票号 ${this.invono.value} 不同；一个文件只属于一次住院的一张发票`);
  }

  add({ row, values }: TableRow): void {
    this.rows++;
    const f = this.format;
    const before = this.issues.length;

    const sn = this.req(row, values, 'feedetl_sn', '费用明细流水号');
    const initSn = values.init_feedetl_sn ?? null;
    const timeText = this.req(row, values, 'fee_ocur_time', '费用发生时间');
    let code = values.med_list_codg ?? null;
    const medinsCode = this.req(row, values, 'medins_list_codg', '医药机构目录编码');
    const name = this.req(row, values, 'name', '项目名称');
    const cnt = this.dec(row, values, 'cnt', '数量', parseDecimal);
    const pric = this.dec(row, values, 'pric', '单价', parseDecimal);
    const amount = this.dec(row, values, 'det_item_fee_sumamt', '金额', parseAmount);
    const deptName = this.req(row, values, 'bilg_dept_name', '开单科室名称');
    const drName = this.req(row, values, 'bilg_dr_name', '开单医生姓名');
    const etip = this.flag(row, values, 'etip_flag', '外检标志');
    const etipHosp = values.etip_hosp_code ?? null;
    const selfPay = this.flag(row, values, 'selfpay_flag', '自费标志');
    this.invoice(row, values.invono ?? null);

    if (sn !== null) {
      const first = this.bySn.get(sn);
      if (first !== undefined) this.bad(row, 'feedetl_sn', `费用明细流水号 ${sn} 在本文件中重复（与${rowLabel(f, first)}相同）`);
      else this.bySn.set(sn, row);
    }

    let time: string | null = null;
    if (timeText !== null) {
      time = normaliseFeeTime(timeText);
      if (time === null) this.bad(row, 'fee_ocur_time', `费用发生时间格式不正确：${timeText}（应为 YYYY-MM-DD HH:mm:ss）`);
      else if (time < this.earliest) {
        this.bad(row, 'fee_ocur_time', this.ctx.emergency
          ? `费用发生时间 ${time} 早于急诊入院前 72 小时（${this.earliest}，000 第十七条），不属于本次住院`
          : `费用发生时间 ${time} 早于入院日期 ${this.ctx.admittedAt.slice(0, 10)}，不属于本次住院`);
      } else if (time > this.latest) {
        this.bad(row, 'fee_ocur_time', `费用发生时间 ${time} 晚于 ${this.ctx.lastDay}（出院日期，在院时为今天），不属于本次住院`);
      }
    }

    if (cnt !== null) {
      if (cnt.isZero()) this.bad(row, 'cnt', '数量不能为 0');
      else if (places(cnt) > 4) this.bad(row, 'cnt', `数量最多 4 位小数（N16,4）：${values.cnt}`);
    }
    if (pric !== null) {
      if (pric.lt(0)) this.bad(row, 'pric', `单价不能为负数：${values.pric}（退费请用负数量）`);
      else if (places(pric) > 6) this.bad(row, 'pric', `单价最多 6 位小数（N16,6）：${values.pric}`);
    }
    if (cnt !== null && pric !== null && amount !== null && this.issues.length === before) {
      // DOMAIN §6a: the amount must equal round(qty × price) within 0.01, else the line is rejected.
      const expected = round2(cnt.times(pric));
      if (amount.minus(expected).abs().gt('0.01')) {
        this.bad(row, 'det_item_fee_sumamt', `金额 ${amount.toFixed(2)} 与 数量 ${cnt.toFixed()} × 单价 ${pric.toFixed()} = ${expected.toFixed(2)} 不符（允许误差 0.01）`);
      }
    }
    if (cnt !== null && !cnt.isZero()) {
      if (cnt.lt(0) && initSn === null) this.bad(row, 'init_feedetl_sn', `退费行（数量为负）须填写原费用明细流水号 ${columnShown('init_feedetl_sn', this.headers)}`);
      if (cnt.gt(0) && initSn !== null) this.bad(row, 'init_feedetl_sn', '只有退费行（数量为负）才填写原费用明细流水号');
    }
    if (etip && etipHosp === null) this.bad(row, 'etip_hosp_code', '外检标志为 1 时须填写外检医院编码（004 第三十九条）');

    code = this.nationalCode(row, code, medinsCode, time ?? timeText, selfPay);
    if (code !== null && !selfPay) {
      const item = this.ctx.catalogue(code);
      if (!item) {
        this.bad(row, 'med_list_codg', `医保目录编码 ${code} 不在就医地目录（版本 ${this.ctx.catalogueVersion}）中；目录外项目如按自费结算，请在 ${columnShown('selfpay_flag', this.headers)} 列填 1`);
      } else if (time !== null && !validOn(item, time.slice(0, 10))) {
        this.bad(row, 'med_list_codg', `医保目录编码 ${code} 在费用发生日 ${time.slice(0, 10)} 不在目录有效期内（${item.begndate} 至 ${item.enddate ?? '长期'}）；如按自费结算，请在 ${columnShown('selfpay_flag', this.headers)} 列填 1`);
      }
    }

    if (this.issues.length > before || sn === null || time === null || code === null || medinsCode === null || name === null ||
        cnt === null || pric === null || amount === null || deptName === null || drName === null) return;
    this.lines.push({
      row, feedetlSn: sn, initFeedetlSn: initSn, feeOcurTime: time, medListCodg: code, medinsListCodg: medinsCode, name,
      cnt, pric, amount, bilgDeptCodg: values.bilg_dept_codg ?? null, bilgDeptName: deptName, bilgDrCodg: values.bilg_dr_codg ?? null,
      bilgDrName: drName, etipFlag: etip, etipHospCode: etipHosp, selfPay,
    });
  }

  /** The checks across rows, then the answer. */
  finish(): FeeValidation {
    const f = this.format;
    const existing = this.ctx.existing;
    const fresh: FeeLineInput[] = [];
    let unchanged = 0;
    for (const l of this.lines) {
      const old = existing.get(l.feedetlSn);
      if (!old) fresh.push(l);
      else if (sameAsStored(l, old)) unchanged++;
      else {
        this.issues.push(issueAt(f, l.row, 'feedetl_sn', `费用明细流水号 ${l.feedetlSn} 已导入过，但内容不同（已导入：${old.name} 数量 ${old.cnt} 金额 ${old.amount}）；已导入的明细不能修改，更正请导入退费行（负数量并填写 ${columnShown('init_feedetl_sn', this.headers)}）`, this.headers));
      }
    }

    // Refunds: each points at an original (in this file or already imported) that is not itself
    // a refund, of the same item and price; together they give back no more than was charged.
    const original = new Map<string, { code: string; pric: Decimal; cnt: Decimal; refund: boolean }>();
    for (const s of existing.values()) original.set(s.feedetlSn, { code: s.medListCodg, pric: parseDecimal(s.pric), cnt: parseDecimal(s.cnt), refund: s.initFeedetlSn !== null });
    for (const l of this.lines) original.set(l.feedetlSn, { code: l.medListCodg, pric: l.pric, cnt: l.cnt, refund: l.initFeedetlSn !== null });
    const refunded = new Map<string, Decimal>();
    for (const s of existing.values()) {
      if (s.initFeedetlSn !== null) refunded.set(s.initFeedetlSn, (refunded.get(s.initFeedetlSn) ?? ZERO).plus(parseDecimal(s.cnt).abs()));
    }
    for (const l of fresh) {
      if (l.initFeedetlSn === null) continue;
      const o = original.get(l.initFeedetlSn);
      const bad = (what: string): void => void this.issues.push(issueAt(f, l.row, 'init_feedetl_sn', what, this.headers));
      if (!o) bad(`原费用明细流水号 ${l.initFeedetlSn} 不存在（既不在本文件中，也未导入过）`);
      else if (o.refund) bad(`原费用明细流水号 ${l.initFeedetlSn} 本身是退费行，退费应指向原收费行`);
      else if (o.code !== l.medListCodg) bad(`退费项目编码 ${l.medListCodg} 与原明细 ${l.initFeedetlSn} 的编码 ${o.code} 不同`);
      else if (!o.pric.eq(l.pric)) bad(`退费单价 ${l.pric.toFixed()} 与原明细 ${l.initFeedetlSn} 的单价 ${o.pric.toFixed()} 不同`);
      else {
        const total = (refunded.get(l.initFeedetlSn) ?? ZERO).plus(l.cnt.abs());
        refunded.set(l.initFeedetlSn, total);
        if (total.gt(o.cnt)) bad(`累计退费数量 ${total.toFixed()} 超过原明细 ${l.initFeedetlSn} 的数量 ${o.cnt.toFixed()}`);
      }
    }
    if (this.rows === 0 && this.issues.length === 0) this.issues.push(fileIssue('文件中没有费用明细'));
    // The file's net effect on the stay may not leave it below nothing (parseSettleInput's rule).
    if (this.issues.length === 0) {
      const net = sum([...existing.values()].map((s) => parseAmount(s.amount))).plus(sum(fresh.map((l) => l.amount)));
      if (net.lt(0)) this.issues.push(fileIssue(`导入后本次住院费用合计为负数（${net.toFixed(2)}），请核对退费明细`));
    }
    const issues = [...this.issues].sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
    return { lines: issues.length > 0 ? [] : fresh, unchanged: issues.length > 0 ? 0 : unchanged, issues, rows: this.rows, invono: issues.length > 0 ? null : this.invono?.value ?? null };
  }
}

/** The whole validation in one call (tests, CLI): parse, check every row, cross-check. */
export function validateFeeFile(text: string, format: TableFormat, ctx: FeeImportContext): FeeValidation {
  const { rows, issues, headers } = parseFeeFile(text, format, { matched: ctx.matches !== undefined });
  const v = new FeeValidator(format, ctx, headers);
  for (const i of issues) v.addIssue(i);
  for (const r of rows) v.add(r);
  return v.finish();
}
