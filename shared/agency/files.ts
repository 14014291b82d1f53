import type { CalendarDate } from '../dates.ts';
import { Decimal, toText } from '../money.ts';
import { AgencyMessageError, isObject, objectAt, readAmount, readText, type JsonObject } from './envelope.ts';

/**
 * The platform's file transactions and the 3202 detail reconciliation around them
 * (national-interface.md §0 "Files", §2 3201/3202), pure: builders beside their readers.
 * - 9101 文件上传 `fsUploadIn{in, filename, fixmedins_code}` → `file_qury_no`. `in` is the file's
 *   bytes; the desk sends them Base64 (a Java gateway reads a byte[] from Base64 or from an
 *   array of numbers; the reference agency takes both).
 * - 9102 文件下载 `fsDownloadIn{file_qury_no, filename, fixmedins_code}` → the file (a ZIP).
 * - The 3202 files are header-less, tab-separated UTF-8 text, one record a line, in a ZIP.
 */

export const FILE_UPLOAD_INFNO = '9101';
export const FILE_DOWNLOAD_INFNO = '9102';
export const DETAIL_STATEMENT_INFNO = '3202';

export interface FileUploadInput {
  fsUploadIn: { in: string; filename: string; fixmedins_code: string };
}

export function fileUploadInput(base64: string, filename: string, fixmedinsCode: string): FileUploadInput {
  return { fsUploadIn: { in: base64, filename, fixmedins_code: fixmedinsCode } };
}

/** 9101's answer: `output.file_qury_no`, or inside `result` / `fsUploadOut` as some regions nest it. */
export function readFileUpload(output: JsonObject | null): { fileQuryNo: string; filename: string | null } {
  const node = [output, objectAt(output, 'result'), objectAt(output, 'fsUploadOut'), objectAt(output, 'data')].find((o) => readText(o?.file_qury_no) !== null) ?? null;
  const no = readText(node?.file_qury_no);
  if (no === null) throw new AgencyMessageError('MALFORMED', '文件上传（9101）的应答缺少文件查询号（file_qury_no）');
  return { fileQuryNo: no, filename: readText(node?.filename) };
}

export interface FileDownloadInput {
  fsDownloadIn: { file_qury_no: string; filename: string; fixmedins_code: string };
}

export function fileDownloadInput(fileQuryNo: string, filename: string, fixmedinsCode: string): FileDownloadInput {
  return { fsDownloadIn: { file_qury_no: fileQuryNo, filename, fixmedins_code: fixmedinsCode } };
}

/**
 * A 9102 that answered with an envelope instead of raw bytes (the gm profile): the file is the
 * output's `in` (Base64, as 9101 sends it) or a byte array. Returns the Base64 text or the numbers.
 */
export function readFileDownload(output: JsonObject | null): { base64: string } | { bytes: number[] } {
  const node = [output, objectAt(output, 'fsDownloadOut'), objectAt(output, 'result')].find((o) => o !== null && 'in' in o) ?? null;
  const v = node?.in;
  if (typeof v === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(v)) return { base64: v };
  if (Array.isArray(v) && v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= -128 && b <= 255)) return { bytes: v.map((b) => (b as number) & 0xff) };
  throw new AgencyMessageError('MALFORMED', '文件下载（9102）的应答既不是文件，也没有文件内容（in）');
}

// ---------------------------------------------------------------------------------------------
// The detail file of 3202 and its result file

export type RefdSetlFlag = '0' | '1';

/** One settlement (refd_setl_flag 0) or reversal (1) as the hospital books it; reversals negative. */
export interface DetailRow {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  refd_setl_flag: RefdSetlFlag;
}

export const DETAIL_FIELDS = ['setl_id', 'mdtrt_id', 'psn_no', 'medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'refd_setl_flag'] as const;

/** One row of the agency's answer file: stmt_rslt 0 平 / 1 不平, memo says why. */
export interface ResultRow {
  psn_no: string;
  mdtrt_id: string;
  setl_id: string;
  msgid: string;
  stmt_rslt: '0' | '1';
  refd_setl_flag: RefdSetlFlag;
  memo: string;
}

export const RESULT_FIELDS = ['psn_no', 'mdtrt_id', 'setl_id', 'msgid', 'stmt_rslt', 'refd_setl_flag', 'memo'] as const;

function cell(v: string, field: string): string {
  if (/[\t\r\n]/.test(v)) throw new AgencyMessageError('MALFORMED', `对账明细的 ${field} 含有制表符或换行：${JSON.stringify(v)}`);
  return v;
}

function lines(text: string): string[] {
  // A BOM and CRLF line ends are tolerated; empty lines are not records.
  return text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
}

function flag(v: string | undefined, field: string, line: number): '0' | '1' {
  if (v !== '0' && v !== '1') throw new AgencyMessageError('MALFORMED', `第 ${line} 行 ${field} 应为 0 或 1：${v ?? '（缺）'}`);
  return v;
}

function amount(v: string | undefined, field: string, line: number): string {
  let d: Decimal | null;
  try {
    d = readAmount(v, field);
  } catch {
    d = null;
  }
  if (d === null) throw new AgencyMessageError('MALFORMED', `第 ${line} 行 ${field} 不是金额：${v ?? '（缺）'}`);
  return toText(d);
}

export function detailFileText(rows: readonly DetailRow[]): string {
  return rows.map((r) => DETAIL_FIELDS.map((f) => cell(r[f], f)).join('\t')).join('\n') + (rows.length > 0 ? '\n' : '');
}

export function readDetailFile(text: string): DetailRow[] {
  return lines(text).map((l, i) => {
    const c = l.split('\t');
    const n = i + 1;
    if (c.length !== DETAIL_FIELDS.length) throw new AgencyMessageError('MALFORMED', `对账明细第 ${n} 行应有 ${DETAIL_FIELDS.length} 列，实有 ${c.length} 列`);
    return {
      setl_id: c[0]!, mdtrt_id: c[1]!, psn_no: c[2]!,
      medfee_sumamt: amount(c[3], 'medfee_sumamt', n), fund_pay_sumamt: amount(c[4], 'fund_pay_sumamt', n), acct_pay: amount(c[5], 'acct_pay', n),
      refd_setl_flag: flag(c[6], 'refd_setl_flag', n),
    };
  });
}

export function resultFileText(rows: readonly ResultRow[]): string {
  return rows.map((r) => RESULT_FIELDS.map((f) => cell(r[f], f)).join('\t')).join('\n') + (rows.length > 0 ? '\n' : '');
}

export function readResultFile(text: string): ResultRow[] {
  return lines(text).map((l, i) => {
    const c = l.split('\t');
    const n = i + 1;
    // memo may be left off by an agency that has nothing to say.
    if (c.length !== RESULT_FIELDS.length && c.length !== RESULT_FIELDS.length - 1) throw new AgencyMessageError('MALFORMED', `对账结果第 ${n} 行应有 ${RESULT_FIELDS.length} 列，实有 ${c.length} 列`);
    return {
      psn_no: c[0]!, mdtrt_id: c[1]!, setl_id: c[2]!, msgid: c[3]!,
      stmt_rslt: flag(c[4], 'stmt_rslt', n), refd_setl_flag: flag(c[5], 'refd_setl_flag', n), memo: c[6] ?? '',
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 3202 itself

export interface National3202Input {
  data: {
    setl_optins: string;
    clr_type: string;
    file_qury_no: string;
    stmt_begndate: CalendarDate;
    stmt_enddate: CalendarDate;
    medfee_sumamt: string;
    fund_pay_sumamt: string;
    cash_payamt: string;
    fixmedins_setl_cnt: number;
    refd_setl_flag: RefdSetlFlag;
  };
}

/** `clrType`: 清算类别 of the file, 21 the stays (default), 11 the visits. */
export function national3202Input(o: { setlOptins: string; fileQuryNo: string; day: CalendarDate; medfee: Decimal; fund: Decimal; cash: Decimal; count: number; clrType?: '11' | '21' }): National3202Input {
  return {
    data: {
      setl_optins: o.setlOptins, clr_type: o.clrType ?? '21', file_qury_no: o.fileQuryNo, stmt_begndate: o.day, stmt_enddate: o.day,
      medfee_sumamt: toText(o.medfee), fund_pay_sumamt: toText(o.fund), cash_payamt: toText(o.cash), fixmedins_setl_cnt: o.count,
      // 0: settlements and reversals together, each row saying which it is.
      refd_setl_flag: '0',
    },
  };
}

/** 3202's answer: the result file to fetch with 9102 (`fileinfo{file_qury_no, filename}` or flat). */
export function readDetailStatement(output: JsonObject | null): { fileQuryNo: string; filename: string } {
  const node = [objectAt(output, 'fileinfo'), output, objectAt(output, 'result')].find((o) => readText(o?.file_qury_no) !== null) ?? null;
  const no = readText(node?.file_qury_no);
  if (!isObject(node) || no === null) throw new AgencyMessageError('MALFORMED', '对明细账（3202）的应答缺少结果文件查询号（file_qury_no）');
  return { fileQuryNo: no, filename: readText(node.filename) ?? `${no}.zip` };
}
