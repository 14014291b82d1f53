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

/** Parses the whole text; blank lines are skipped. A leading BOM is ignored. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let atFieldStart = true;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const c = s[i]!;
      if (quoted) {
        if (c === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
            // After the closing quote only a separator or the end of the record may follow.
            const next = s[i];
            if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
              throw new CsvSyntaxError(line, `第 ${line} 行：引号字段结束后出现多余字符「${next}」`);
            }
          }
        } else {
          if (c === '\n') line++;
          field += c;
          i++;
        }
        continue;
      }
      if (c === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
        i++;
      } else if (c === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
      } else if (c === '\r' || c === '\n') {
        i += c === '\r' && s[i + 1] === '\n' ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    if (quoted) throw new CsvSyntaxError(start, `第 ${start} 行：引号未闭合`);
    fields.push(field);
    if (!(fields.length === 1 && fields[0]!.trim() === '')) out.push({ line: start, fields });
  }
  return out;
}

/** Quotes a value for writing a CSV (tests, exports). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
