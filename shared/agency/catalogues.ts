import { InputError } from '../errors.ts';
import { parseDecimal, parseRatio } from '../money.ts';
import { AgencyMessageError, isObject, objectAt, readText, type JsonObject } from './envelope.ts';
import { readHospLv, type HospLevel } from '../catalogueLevel.ts';

/**
 * The national catalogue files and paged catalogue queries (national-interface.md §0 "Files",
 * §2 "Queries and catalogues"; docs/catalogue.md), pure: builders beside their readers.
 *
 * - Files 1301–1306: `data{ver}` ("0" = full) → `{file_qury_no, filename, dld_end_time, data_cnt}`
 *   → 9102 → a ZIP of a header-less, tab-separated text whose columns are positional.
 * - Paged queries 1312, 1316–1319, 1901: `data{…, page_num, page_size}` → `data[]` + counts.
 *
 * UNVERIFIED: national-interface.md gives neither the files' column order (only "1301 has about
 * 80") nor the paged answers' envelope. Both are defined HERE and nowhere else — FILE_LAYOUTS and
 * readCataloguePage — so a region's real order is one edit. Columns past a layout's end are
 * tolerated (regions add columns); a row with fewer is refused with its row and column.
 */

export type CatalogueFileInfno = '1301' | '1302' | '1303' | '1304' | '1305' | '1306';
/** The other catalogue files, kept as code / name / validity rows (national_list_entries). */
export type CatalogueListInfno = '1307' | '1308' | '1309' | '1310' | '1311' | '1313' | '1314' | '1315' | '1320' | '1321';
export type NationalFileInfno = CatalogueFileInfno | CatalogueListInfno;
export type CataloguePageInfno = '1312' | '1316' | '1317' | '1318' | '1319' | '1901';

export interface CatalogueFileLayout {
  infno: NationalFileInfno;
  label: string;
  /** list_type 目录类别 (national-interface.md §3). */
  listType: string;
  /** UNVERIFIED positional order, 0-based; the desk reads only the names below. */
  columns: readonly string[];
  /** The column holding the item's name. */
  nameColumn: string;
  /** The column holding its code (default med_list_codg). */
  codeColumn?: string;
  /**
   * med_chrgitm_type when the file has no such column: drugs by their national code's first letter
   * (X 西药 → 09, Z 中成药 → 11: the national drug code's own prefix), herbs 10, materials 08.
   */
  chrgitmType(row: Record<string, string>): string | null;
}

const TAIL = ['begndate', 'enddate', 'vali_flag', 'ver'] as const;

const drugType = (r: Record<string, string>): string | null => (r.med_list_codg!.startsWith('Z') ? '11' : r.med_list_codg!.startsWith('X') ? '09' : null);

/** UNVERIFIED column orders (see the file comment). */
export const FILE_LAYOUTS: Record<CatalogueFileInfno, CatalogueFileLayout> = {
  '1301': { infno: '1301', label: '西药中成药目录', listType: '101', columns: ['med_list_codg', 'drug_trade_name', 'drug_genname', 'drug_dosform', 'drug_spec', ...TAIL], nameColumn: 'drug_genname', chrgitmType: drugType },
  '1302': { infno: '1302', label: '中药饮片目录', listType: '102', columns: ['med_list_codg', 'tcmherb_name', 'medc_part', 'cnvl_used', ...TAIL], nameColumn: 'tcmherb_name', chrgitmType: () => '10' },
  '1303': { infno: '1303', label: '医疗机构制剂目录', listType: '103', columns: ['med_list_codg', 'drug_name', 'drug_dosform', 'drug_spec', ...TAIL], nameColumn: 'drug_name', chrgitmType: (r) => drugType(r) ?? '09' },
  '1304': { infno: '1304', label: '民族药品目录', listType: '104', columns: ['med_list_codg', 'drug_name', 'drug_dosform', 'drug_spec', ...TAIL], nameColumn: 'drug_name', chrgitmType: (r) => drugType(r) ?? '11' },
  '1305': { infno: '1305', label: '医疗服务项目目录', listType: '201', columns: ['med_list_codg', 'medsrv_name', 'prcunt', 'med_chrgitm_type', ...TAIL], nameColumn: 'medsrv_name', chrgitmType: (r) => r.med_chrgitm_type || null },
  '1306': { infno: '1306', label: '医用耗材目录', listType: '301', columns: ['med_list_codg', 'mcs_name', 'spec', 'prodentp_name', ...TAIL], nameColumn: 'mcs_name', chrgitmType: () => '08' },
};

export const CATALOGUE_FILE_INFNOS = Object.keys(FILE_LAYOUTS) as CatalogueFileInfno[];

/**
 * UNVERIFIED, names and layout both: national-interface.md says only "Catalogue files 1301–1309"
 * (the data{ver} → file_qury_no → 9102 shape) and "1301–1321 catalogue files"; it names none of
 * 1307–1321 nor gives their columns. The labels are those these numbers commonly carry; every one
 * is read as `code, name, begndate, enddate, vali_flag, ver` (more columns tolerated) and kept as
 * such. A region's real order is one edit here.
 */
const LIST_LABELS: Record<CatalogueListInfno, string> = {
  '1307': '疾病与诊断目录', '1308': '手术操作目录', '1309': '门诊慢特病种目录', '1310': '按病种付费病种目录',
  '1311': '日间手术治疗病种目录', '1313': '肿瘤形态学目录', '1314': '中医疾病目录', '1315': '中医证候目录',
  '1320': '中药配方颗粒目录', '1321': '医疗服务项目（新）目录',
};

const listLayout = (infno: CatalogueListInfno): CatalogueFileLayout => ({
  infno, label: LIST_LABELS[infno], listType: '', columns: ['code', 'name', ...TAIL], nameColumn: 'name', codeColumn: 'code', chrgitmType: () => null,
});

export const LIST_LAYOUTS: Record<CatalogueListInfno, CatalogueFileLayout> = {
  '1307': listLayout('1307'), '1308': listLayout('1308'), '1309': listLayout('1309'), '1310': listLayout('1310'), '1311': listLayout('1311'),
  '1313': listLayout('1313'), '1314': listLayout('1314'), '1315': listLayout('1315'), '1320': listLayout('1320'), '1321': listLayout('1321'),
};

export const CATALOGUE_LIST_INFNOS = Object.keys(LIST_LAYOUTS) as CatalogueListInfno[];

/** Every catalogue file the national download asks for, in order. */
export const NATIONAL_FILE_LAYOUTS: Record<NationalFileInfno, CatalogueFileLayout> = { ...FILE_LAYOUTS, ...LIST_LAYOUTS };

export function isListInfno(infno: string): infno is CatalogueListInfno {
  return infno in LIST_LAYOUTS;
}

export const PAGE_LABELS: Record<CataloguePageInfno, string> = {
  '1312': '医保目录信息', '1316': '医疗目录与医保目录匹配信息', '1317': '医药机构目录匹配信息',
  '1318': '医保目录限价信息', '1319': '医保目录先自付比例信息', '1901': '字典表',
};

export function catalogueFileInput(ver: string): { data: { ver: string } } {
  return { data: { ver } };
}

/** A catalogue file's answer: where to fetch it with 9102, how many rows it says it holds. */
export interface CatalogueFileInfo {
  fileQuryNo: string;
  filename: string;
  dataCnt: number | null;
}

export function readCatalogueFileInfo(infno: string, output: JsonObject | null): CatalogueFileInfo | null {
  const node = [output, objectAt(output, 'data'), objectAt(output, 'result')].find((o) => isObject(o) && ('file_qury_no' in o || 'data_cnt' in o)) ?? null;
  const cntText = readText(node?.data_cnt);
  const dataCnt = cntText === null ? null : Number(cntText);
  const no = readText(node?.file_qury_no);
  // No newer rows than the version asked for: the platform answers no file.
  if (no === null && dataCnt === 0) return null;
  if (no === null) throw new AgencyMessageError('MALFORMED', `目录下载（${infno}）的应答缺少文件查询号（file_qury_no）`);
  return { fileQuryNo: no, filename: readText(node?.filename) ?? `${no}.zip`, dataCnt: dataCnt !== null && Number.isInteger(dataCnt) ? dataCnt : null };
}

/** One row of a catalogue file, with the fields the desk keeps. */
export interface CatalogueFileRow {
  medListCodg: string;
  name: string;
  medChrgitmType: string | null;
  begndate: string;
  enddate: string | null;
  /** vali_flag 0: the item is withdrawn from this version on. */
  valid: boolean;
  ver: string;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}/;

function bad(line: number, column: number, field: string, message: string): never {
  throw new InputError('MALFORMED_FILE', `第 ${line} 行第 ${column} 列（${field}）${message}`, field);
}

/** One positional record; `line` is 1-based in the file, errors name the row and column. */
export function readCatalogueFileRow(layout: CatalogueFileLayout, record: string, line: number): CatalogueFileRow {
  const cells = record.split('\t');
  if (cells.length < layout.columns.length) {
    bad(line, cells.length + 1, layout.columns[cells.length]!, `缺失：应至少有 ${layout.columns.length} 列，实有 ${cells.length} 列`);
  }
  const r: Record<string, string> = {};
  layout.columns.forEach((c, i) => { r[c] = cells[i]!.trim(); });
  const col = (name: string): number => layout.columns.indexOf(name) + 1;
  const need = (name: string, what: string): string => {
    if (r[name] === '') bad(line, col(name), name, `${what}不能为空`);
    return r[name]!;
  };
  const code = need(layout.codeColumn ?? 'med_list_codg', layout.codeColumn ? '编码' : '医疗目录编码');
  const name = need(layout.nameColumn, '名称');
  const begin = need('begndate', '开始日期');
  if (!DATE_RE.test(begin)) bad(line, col('begndate'), 'begndate', `应为日期 yyyy-MM-dd：${begin}`);
  const end = r.enddate === '' ? null : r.enddate!;
  if (end !== null && !DATE_RE.test(end)) bad(line, col('enddate'), 'enddate', `应为日期 yyyy-MM-dd：${end}`);
  const flag = need('vali_flag', '有效标志');
  if (flag !== '0' && flag !== '1') bad(line, col('vali_flag'), 'vali_flag', `应为 0 或 1：${flag}`);
  const ver = need('ver', '版本号');
  const type = layout.chrgitmType(r);
  if (type !== null && !/^\d{2}$/.test(type)) bad(line, col('med_chrgitm_type') || 1, 'med_chrgitm_type', `应为两位医疗收费项目类别：${type}`);
  return { medListCodg: code, name, medChrgitmType: type, begndate: begin.slice(0, 10), enddate: end?.slice(0, 10) ?? null, valid: flag === '1', ver };
}

/** For the reference agency and tests: one record in the layout's order. */
export function catalogueFileRecord(layout: CatalogueFileLayout, values: Record<string, string>): string {
  return layout.columns.map((c) => {
    const v = values[c] ?? '';
    if (/[\t\r\n]/.test(v)) throw new InputError('INVALID_VALUE', `${c} 含有制表符或换行`, c);
    return v;
  }).join('\t');
}

// ---------------------------------------------------------------------------------------------
// Paged queries

export function cataloguePageInput(pageNum: number, pageSize: number, extra: Record<string, string> = {}): { data: Record<string, string | number> } {
  return { data: { ...extra, page_num: pageNum, page_size: pageSize } };
}

/** UNVERIFIED answer shape: `data[]` with `recordCounts` and `pages` (as the paged list of 1312 is seen in public code). */
export function readCataloguePage(infno: string, output: JsonObject | null): { rows: JsonObject[]; total: number | null; pages: number | null } {
  const node = isObject(output?.data) ? (output.data as JsonObject) : output;
  const list = Array.isArray(node?.data) ? node.data : Array.isArray(output?.data) ? (output.data as unknown[]) : Array.isArray(node?.list) ? node.list : null;
  if (list === null || !list.every(isObject)) throw new AgencyMessageError('MALFORMED', `${PAGE_LABELS[infno as CataloguePageInfno] ?? infno}（${infno}）的应答缺少数据列表（data）`);
  const num = (v: unknown): number | null => {
    const t = readText(v);
    return t !== null && /^\d+$/.test(t) ? Number(t) : null;
  };
  return { rows: list, total: num(node?.recordCounts ?? output?.recordCounts), pages: num(node?.pages ?? output?.pages) };
}

function field(o: JsonObject, f: string, label: string, required = true): string | null {
  const v = readText(o[f]);
  if (v === null && required) throw new InputError('MISSING_FIELD', `缺少${label}（${f}）`, f);
  return v;
}

function dateOf(o: JsonObject, f: string, label: string, required: boolean): string | null {
  const v = field(o, f, label, required);
  if (v === null) return null;
  if (!DATE_RE.test(v)) throw new InputError('INVALID_DATE', `${label}（${f}）应为日期：${v}`, f);
  return v.slice(0, 10);
}

function valid(o: JsonObject): boolean {
  const f = readText(o.vali_flag);
  if (f !== null && f !== '0' && f !== '1') throw new InputError('INVALID_VALUE', `有效标志（vali_flag）应为 0 或 1：${f}`, 'vali_flag');
  return f !== '0';
}

const LEVELS: Record<string, '01' | '02' | '03'> = { '1': '01', '01': '01', '2': '02', '02': '02', '3': '03', '03': '03' };

export interface Hilist1312 { p: '1312'; hilistCode: string; name: string; chrgitmLv: '01' | '02' | '03'; medChrgitmType: string | null; begndate: string; enddate: string | null; valid: boolean }
export interface Match1316 { p: '1316'; medListCodg: string; hilistCode: string; valid: boolean }
export interface Match1317 { p: '1317'; medinsListCodg: string; medinsListName: string | null; medListCodg: string; begndate: string; enddate: string | null; valid: boolean }
/** hospLv: the hospital level the row is for (1/2/3), null for the general row (see shared/catalogueLevel.ts). */
export interface Limit1318 { p: '1318'; hilistCode: string; pricUplmtAmt: string; hospLv: HospLevel | null; begndate: string; enddate: string | null; valid: boolean }
export interface Selfpay1319 { p: '1319'; hilistCode: string; selfpayProp: string; hospLv: HospLevel | null; begndate: string; enddate: string | null; valid: boolean }
export interface Dict1901 { p: '1901'; type: string; value: string; label: string; valid: boolean }
export type CataloguePageRow = Hilist1312 | Match1316 | Match1317 | Limit1318 | Selfpay1319 | Dict1901;

/** One row of a paged query, checked; InputError names the field. */
export function readCataloguePageRow(infno: CataloguePageInfno, o: JsonObject): CataloguePageRow {
  switch (infno) {
    case '1312': {
      const lvText = field(o, 'chrgitm_lv', '收费项目等级')!;
      const lv = LEVELS[lvText];
      if (!lv) throw new InputError('INVALID_VALUE', `收费项目等级（chrgitm_lv）应为 01/02/03：${lvText}`, 'chrgitm_lv');
      return { p: infno, hilistCode: field(o, 'hilist_code', '医保目录编码')!, name: field(o, 'hilist_name', '医保目录名称')!, chrgitmLv: lv, medChrgitmType: field(o, 'med_chrgitm_type', '医疗收费项目类别', false), begndate: dateOf(o, 'begndate', '开始日期', true)!, enddate: dateOf(o, 'enddate', '结束日期', false), valid: valid(o) };
    }
    case '1316':
      return { p: infno, medListCodg: field(o, 'med_list_codg', '医疗目录编码')!, hilistCode: field(o, 'hilist_code', '医保目录编码')!, valid: valid(o) };
    case '1317':
      return { p: infno, medinsListCodg: field(o, 'medins_list_codg', '医药机构目录编码')!, medinsListName: field(o, 'medins_list_name', '医药机构目录名称', false), medListCodg: field(o, 'med_list_codg', '医疗目录编码')!, begndate: dateOf(o, 'begndate', '开始日期', true)!, enddate: dateOf(o, 'enddate', '结束日期', false), valid: valid(o) };
    case '1318': {
      const amt = field(o, 'hilist_pric_uplmt_amt', '医保目录定价上限金额')!;
      return { p: infno, hilistCode: field(o, 'hilist_code', '医保目录编码')!, pricUplmtAmt: parseDecimal(amt, '医保目录定价上限金额（hilist_pric_uplmt_amt）').toFixed(), hospLv: readHospLv(field(o, 'hosp_lv', '医院等级', false)), begndate: dateOf(o, 'begndate', '开始日期', true)!, enddate: dateOf(o, 'enddate', '结束日期', false), valid: valid(o) };
    }
    case '1319': {
      const prop = field(o, 'selfpay_prop', '先自付比例')!;
      return { p: infno, hilistCode: field(o, 'hilist_code', '医保目录编码')!, selfpayProp: parseRatio(prop, '先自付比例（selfpay_prop）').toFixed(), hospLv: readHospLv(field(o, 'hosp_lv', '医院等级', false)), begndate: dateOf(o, 'begndate', '开始日期', true)!, enddate: dateOf(o, 'enddate', '结束日期', false), valid: valid(o) };
    }
    case '1901':
      return { p: infno, type: field(o, 'type', '字典类型')!, value: field(o, 'value', '字典值')!, label: field(o, 'label', '字典标签')!, valid: valid(o) };
  }
}
