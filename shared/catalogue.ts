import { CLASS_OF_CHRGITM_LV, MED_CHRGITM_TYPE } from './codes.ts';
import { isValidYmd } from './dates.ts';
import { InputError } from './errors.ts';
import { type Decimal, parseDecimal, parseRatio } from './money.ts';
import type { FeeClass } from './settlement.ts';
import { issueAt, readTable, type ColumnSpec, type FileIssue, type TableFormat } from './tableFile.ts';

/**
 * The treatment region's catalogue (就医地目录, 003 第三部分: "就医地目录、参保地政策"): what is
 * covered (甲 / 乙 / 丙), the first self-paid share of 乙 items (1319 先自付比例) and price limits
 * (1318 限价). Imported as a whole version from CSV or JSON with the national 1312 field names;
 * every settlement stores the version it used.
 */
export interface CatalogueItem {
  medListCodg: string;
  medinsListCodg: string | null;
  name: string;
  medChrgitmType: string;
  /** National chrgitm_lv: 01 甲类, 02 乙类, 03 丙类/自费. */
  chrgitmLv: '01' | '02' | '03';
  selfpayProp: Decimal;
  /** Price limit (N16,6); null for none. */
  pricUplmtAmt: Decimal | null;
  begndate: string;
  enddate: string | null;
}

/** Limits as the 1312 catalogue fields (characters as the platform counts them, shared/textLimits.ts). */
const C = (field: string, n: number): { maxLength: number; limitSource: string } => ({ maxLength: n, limitSource: `目录 ${field} 字符型 ${n}` });

export const CATALOGUE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'med_list_codg', aliases: ['hilist_code', '医保目录编码', '国家编码'], required: true, ...C('med_list_codg', 50) },
  { name: 'medins_list_codg', aliases: ['医药机构目录编码', '院内编码'], ...C('medins_list_codg', 150) },
  { name: 'name', aliases: ['hilist_name', '项目名称', '名称'], required: true, ...C('hilist_name', 200) },
  { name: 'med_chrgitm_type', aliases: ['医疗收费项目类别', '收费类别'], required: true, ...C('med_chrgitm_type', 6) },
  { name: 'chrgitm_lv', aliases: ['收费项目等级', '甲乙类'], required: true, ...C('chrgitm_lv', 3) },
  { name: 'selfpay_prop', aliases: ['先行自付比例', '自付比例'], maxLength: 20, limitSource: '目录 selfpay_prop 数值型 5,4' },
  { name: 'pric_uplmt_amt', aliases: ['限价', '最高限价'], maxLength: 20, limitSource: '目录 pric_uplmt_amt 数值型 16,6' },
  { name: 'begndate', aliases: ['开始日期'], required: true, maxLength: 19, limitSource: '目录 begndate 日期型' },
  { name: 'enddate', aliases: ['结束日期'], maxLength: 19, limitSource: '目录 enddate 日期型' },
];

/** The settle engine's class of an item (chrgitm_lv 01/02/03; one region sends 1/2/3). */
export function classOf(item: Pick<CatalogueItem, 'chrgitmLv'>): FeeClass {
  return CLASS_OF_CHRGITM_LV[item.chrgitmLv] ?? 'C';
}

/** Is the item valid on a calendar date (its begndate / enddate window, both inclusive)? */
export function validOn(item: Pick<CatalogueItem, 'begndate' | 'enddate'>, date: string): boolean {
  return item.begndate <= date && (item.enddate === null || date <= item.enddate);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  return !!m && isValidYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

const LV: Record<string, '01' | '02' | '03'> = { '01': '01', '02': '02', '03': '03', '1': '01', '2': '02', '3': '03', 甲: '01', 乙: '02', 丙: '03', 甲类: '01', 乙类: '02', 丙类: '03' };

/** A catalogue version name: letters, digits, '-', '_' and '.', 1–40 characters. */
export const CATALOGUE_VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$/;

/**
 * Parses and validates a whole catalogue file. Any problem makes `items` empty: a catalogue
 * is imported entirely or not at all (ARCHITECTURE: errors name the row and column, nothing
 * of a failing file is imported).
 */
export function parseCatalogueFile(text: string, format: TableFormat): { items: CatalogueItem[]; issues: FileIssue[] } {
  const { rows, issues, headers } = readTable(text, format, CATALOGUE_COLUMNS, 'list');
  const items: CatalogueItem[] = [];
  const seen = new Map<string, number>();
  for (const { row, values } of rows) {
    const bad = (column: string, what: string): void => void issues.push(issueAt(format, row, column, what, headers));
    const req = (column: string, label: string): string | null => {
      const v = values[column] ?? null;
      if (v === null) bad(column, `缺少${label}`);
      return v;
    };
    const code = req('med_list_codg', '医保目录编码');
    const name = req('name', '项目名称');
    const type = req('med_chrgitm_type', '医疗收费项目类别');
    const lvText = req('chrgitm_lv', '收费项目等级');
    const begndate = req('begndate', '开始日期');
    const enddate = values.enddate ?? null;
    let ok = code !== null && name !== null && type !== null && lvText !== null && begndate !== null;

    if (code !== null) {
      const first = seen.get(code);
      if (first !== undefined) {
        bad('med_list_codg', `医保目录编码 ${code} 与${format === 'csv' ? `第 ${first} 行` : `第 ${first} 条`}重复`);
        ok = false;
      } else seen.set(code, row);
    }
    const typeCode = type !== null && /^\d$/.test(type) ? `0${type}` : type;
    if (typeCode !== null && !Object.hasOwn(MED_CHRGITM_TYPE, typeCode)) {
      bad('med_chrgitm_type', `医疗收费项目类别无效：${type}（应为 01–14）`);
      ok = false;
    }
    const lv = lvText === null ? undefined : LV[lvText];
    if (lvText !== null && lv === undefined) {
      bad('chrgitm_lv', `收费项目等级无效：${lvText}（应为 01 甲类、02 乙类或 03 丙类）`);
      ok = false;
    }
    let prop: Decimal | null = null;
    try {
      // 乙类 needs its first self-paid share; 甲类 pays nothing first; 丙类 is all self-paid.
      if (values.selfpay_prop !== null && values.selfpay_prop !== undefined) prop = parseRatio(values.selfpay_prop, '先行自付比例');
      else if (lv === '02') {
        bad('selfpay_prop', '乙类项目缺少先行自付比例（selfpay_prop）');
        ok = false;
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      bad('selfpay_prop', e.message);
      ok = false;
    }
    let limit: Decimal | null = null;
    try {
      if (values.pric_uplmt_amt !== null && values.pric_uplmt_amt !== undefined) {
        limit = parseDecimal(values.pric_uplmt_amt, '限价');
        if (limit.lt(0)) throw new InputError('INVALID_NUMBER', `限价不能为负数：${values.pric_uplmt_amt}`);
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      bad('pric_uplmt_amt', e.message);
      ok = false;
    }
    if (begndate !== null && !isDate(begndate)) {
      bad('begndate', `开始日期应为 YYYY-MM-DD：${begndate}`);
      ok = false;
    }
    if (enddate !== null && !isDate(enddate)) {
      bad('enddate', `结束日期应为 YYYY-MM-DD：${enddate}`);
      ok = false;
    } else if (enddate !== null && begndate !== null && isDate(begndate) && enddate < begndate) {
      bad('enddate', `结束日期 ${enddate} 早于开始日期 ${begndate}`);
      ok = false;
    }
    if (!ok || code === null || name === null || typeCode === null || lv === undefined || begndate === null) continue;
    items.push({
      medListCodg: code,
      medinsListCodg: values.medins_list_codg ?? null,
      name,
      medChrgitmType: typeCode,
      chrgitmLv: lv,
      selfpayProp: prop ?? parseRatio(lv === '03' ? '1' : '0'),
      pricUplmtAmt: limit,
      begndate,
      enddate,
    });
  }
  if (issues.length === 0 && items.length === 0) issues.push({ row: null, column: null, message: '目录文件没有任何项目' });
  return { items: issues.length > 0 ? [] : items, issues };
}
