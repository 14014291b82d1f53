/**
 * Records of a platform text file (a catalogue file: UTF-8, one record a line, national-interface.md
 * §0 "Files") from its chunks as they inflate, never the whole text: only the unfinished line is
 * kept between chunks. Splitting on the byte 0x0A is safe in UTF-8 (it never occurs inside a
 * multi-byte character). A BOM and CRLF are tolerated; blank lines are not records.
 */

export class LineTooLongError extends Error {
  constructor(readonly line: number, readonly limit: number) {
    super(`第 ${line} 行超过 ${limit} 字节（不是目录文件的记录）`);
    this.name = 'LineTooLongError';
  }
}

/** What the reader held at most, for the tests that prove it streams. */
export interface LineStats {
  /** Largest number of bytes held at once (the unfinished line plus the chunk being split). */
  peakHeldBytes: number;
  bytes: number;
}

export async function* textLines(chunks: AsyncIterable<Buffer>, o: { maxLineBytes?: number; stats?: LineStats } = {}): AsyncGenerator<string, void, undefined> {
  const maxLine = o.maxLineBytes ?? 1024 * 1024;
  let rest: Buffer = Buffer.alloc(0);
  let first = true;
  let physical = 0;
  const emit = (bytes: Buffer): string | null => {
    physical += 1;
    let text = bytes.toString('utf8');
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? null : text;
  };
  for await (const chunk of chunks) {
    const buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    if (o.stats) {
      o.stats.bytes += chunk.length;
      o.stats.peakHeldBytes = Math.max(o.stats.peakHeldBytes, buf.length);
    }
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      const line = emit(buf.subarray(start, nl));
      start = nl + 1;
      if (line !== null) yield line;
    }
    // A copy: the chunk it came from can go.
    rest = Buffer.from(buf.subarray(start));
    if (rest.length > maxLine) throw new LineTooLongError(physical + 1, maxLine);
  }
  if (rest.length > 0) {
    const line = emit(rest);
    if (line !== null) yield line;
  }
}
