import { CsvSyntaxError, parseCsv } from './csv.ts';
import { textProblem } from './textLimits.ts';

/**
 * Data files from the hospital system (fee details, catalogues) as rows of named text values,
 * whether they came as CSV or JSON, so each import validates one shape. Errors name the row and
 * the column the way a clerk finds them: CSV rows by file line (表头为第 1 行, as Excel numbers
 * them), JSON records by position (第 1 条).
 */
export type TableFormat = 'csv' | 'json';

export interface ColumnSpec {
  /** The national field name, used in messages and in the JSON form. */
  name: string;
  /** Other header spellings accepted (Chinese captions HIS exports use). */
  aliases?: readonly string[];
  required?: boolean;
  /** Longest text accepted, in characters as the platform counts them (shared/textLimits.ts). */
  maxLength?: number;
  /** Where the limit comes from, shown with a refusal ("2301 feedetail bilg_dr_name C50"). */
  limitSource?: string;
}

/** National column name → the header as the file wrote it (a Chinese caption or a JSON key). */
export type HeaderNames = ReadonlyMap<string, string>;

export interface TableRow {
  /** CSV: the file line; JSON: the 1-based record index. */
  row: number;
  values: Record<string, string | null>;
}

/** One problem of a data file; `row`/`column` are null for file-level problems. */
export interface FileIssue {
  row: number | null;
  column: string | null;
  message: string;
}

export function rowLabel(format: TableFormat, row: number): string {
  return format === 'csv' ? `第 ${row} 行` : `第 ${row} 条`;
}

/**
 * "第 12 行 cnt 列：…" (CSV) or "第 12 条 cnt 字段：…" (JSON). When the file names the column by
 * a Chinese caption (`headers`), the message and `column` use the caption the clerk sees in the
 * file, with the national name beside it: "第 12 行「数量」列（cnt）：…".
 */
export function issueAt(format: TableFormat, row: number, column: string | null, what: string, headers?: HeaderNames): FileIssue {
  const kind = format === 'csv' ? '列' : '字段';
  const shown = column === null ? null : headers?.get(column) ?? column;
  const col = column === null ? '' : shown !== column ? `「${shown}」${kind}（${column}）` : ` ${column} ${kind}`;
  return { row, column: shown, message: `${rowLabel(format, row)}${col}：${what}` };
}

/** The column as the file names it, for text that tells the clerk where to write something. */
export function columnShown(column: string, headers?: HeaderNames): string {
  return headers?.get(column) ?? column;
}

export function fileIssue(message: string): FileIssue {
  return { row: null, column: null, message };
}

/** Guesses the format from the file name, then from the first non-blank character. */
export function detectFormat(fileName: string, text: string): TableFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return 'csv';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' || first === '{' ? 'json' : 'csv';
}

function jsonText(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  // JSON numbers: their shortest text is what the sender wrote (1.5, 12, -2).
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return undefined;
}

/**
 * Reads the rows. For JSON, the file is an array of objects or an object holding one under
 * `listKey` (e.g. `feedetail`, the 2301 node). Values are trimmed; empty text becomes null.
 */
export function readTable(text: string, format: TableFormat, columns: readonly ColumnSpec[], listKey: string): { rows: TableRow[]; issues: FileIssue[]; headers: HeaderNames } {
  const issues: FileIssue[] = [];
  const rows: TableRow[] = [];
  const headers = new Map<string, string>();
  /** Every text cell against its column's limit and the control-character rule (issue 21 point 5). */
  const checkText = (row: number, values: Record<string, string | null>): void => {
    for (const c of columns) {
      const v = values[c.name];
      if (v === null || v === undefined) continue;
      const problem = textProblem(v, c.maxLength, c.limitSource);
      if (problem) issues.push(issueAt(format, row, c.name, problem, headers));
    }
  };
  const norm = (v: string | null | undefined): string | null => {
    if (v === null || v === undefined) return null;
    const t = v.trim();
    return t === '' ? null : t;
  };

  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      return { rows, issues: [fileIssue(`文件不是有效的 JSON：${(e as Error).message}`)], headers };
    }
    const list = Array.isArray(parsed) ? parsed : parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[listKey] : undefined;
    if (!Array.isArray(list)) return { rows, issues: [fileIssue(`JSON 文件应为记录数组，或含 ${listKey} 数组的对象`)], headers };
    list.forEach((rec, i) => {
      const row = i + 1;
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        issues.push(issueAt('json', row, null, '记录应为对象'));
        return;
      }
      const o = rec as Record<string, unknown>;
      const values: Record<string, string | null> = {};
      for (const c of columns) {
        const key = [c.name, ...(c.aliases ?? [])].find((k) => Object.hasOwn(o, k));
        if (key !== undefined && !headers.has(c.name)) headers.set(c.name, key);
        const v = key === undefined ? null : jsonText(o[key]);
        if (v === undefined) {
          issues.push(issueAt('json', row, c.name, '应为文本或数值', headers));
          values[c.name] = null;
        } else values[c.name] = norm(v);
      }
      checkText(row, values);
      rows.push({ row, values });
    });
    return { rows, issues, headers };
  }

  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { rows, issues: [{ row: e.line, column: null, message: e.message }], headers };
    throw e;
  }
  const header = records[0];
  if (!header) return { rows, issues: [fileIssue('文件为空：没有表头行')], headers };
  const names = header.fields.map((h) => h.trim().replace(/^\uFEFF/, ''));
  const index = new Map<string, number>();
  for (const c of columns) {
    const at = names.findIndex((h) => h === c.name || (c.aliases ?? []).includes(h));
    if (at >= 0) {
      index.set(c.name, at);
      headers.set(c.name, names[at]!);
    }
  }
  const missing = columns.filter((c) => c.required && !index.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    const captions = (name: string): string => {
      const aliases = columns.find((c) => c.name === name)?.aliases?.filter((a) => /[^ -~]/.test(a)) ?? [];
      return aliases.length > 0 ? `${name}（${aliases.join('/')}）` : name;
    };
    return { rows, issues: [{ row: header.line, column: null, message: `第 ${header.line} 行（表头）缺少必需的列：${missing.map(captions).join('、')}` }], headers };
  }
  const seen = new Map<string, number>();
  names.forEach((h, i) => {
    const first = seen.get(h);
    if (h !== '' && first !== undefined && [...index.values()].includes(first)) {
      issues.push({ row: header.line, column: h, message: `第 ${header.line} 行（表头）${h} 列出现了两次（第 ${first + 1} 列与第 ${i + 1} 列）` });
    }
    seen.set(h, i);
  });
  for (const r of records.slice(1)) {
    if (r.fields.length > names.length && r.fields.slice(names.length).some((f) => f.trim() !== '')) {
      issues.push(issueAt('csv', r.line, null, `字段数 ${r.fields.length} 多于表头的 ${names.length} 列（是否有未加引号的逗号？）`, headers));
      continue;
    }
    const values: Record<string, string | null> = {};
    for (const c of columns) {
      const at = index.get(c.name);
      values[c.name] = at === undefined ? null : norm(r.fields[at]);
    }
    checkText(r.line, values);
    rows.push({ row: r.line, values });
  }
  return { rows, issues, headers };
}
