/**
 * A small RFC 4180 reader for the files hospitals export (fee details, catalogues): comma
 * separated, fields optionally in double quotes, "" for a quote inside a quoted field, CRLF or
 * LF line ends, quoted fields may span lines. Each record keeps the file line it starts on, so
 * an error can name the row the clerk sees in Excel (header = 第 1 行).
 */
export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTED = /"((?:[^"]|"")*)"/y;
const PLAIN = /[^,\r\n]*/y;

/** Parses the whole text; blank lines are skipped. A leading BOM is ignored. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  const n = s.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (s.charCodeAt(i) === 34 /* " */) {
        QUOTED.lastIndex = i;
        const m = QUOTED.exec(s);
        if (!m) throw new CsvSyntaxError(start, `第 ${start} 行：引号未闭合`);
        field = m[1]!.includes('""') ? m[1]!.replace(/""/g, '"') : m[1]!;
        for (let k = m[1]!.indexOf('\n'); k >= 0; k = m[1]!.indexOf('\n', k + 1)) line++;
        i = QUOTED.lastIndex;
        const next = s[i];
        // After the closing quote only a separator or the end of the record may follow.
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvSyntaxError(line, `第 ${line} 行：引号字段结束后出现多余字符「${next}」`);
        }
      } else {
        PLAIN.lastIndex = i;
        field = PLAIN.exec(s)![0];
        i = PLAIN.lastIndex;
      }
      fields.push(field);
      const c = s[i];
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '\r') i += s[i + 1] === '\n' ? 2 : 1;
      else if (c === '\n') i++;
      if (c !== undefined) line++;
      break;
    }
    if (!(fields.length === 1 && fields[0]!.trim() === '')) out.push({ line: start, fields });
  }
  return out;
}

/** Quotes a value for writing a CSV (tests, exports). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
