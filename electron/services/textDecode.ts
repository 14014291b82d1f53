import iconv from 'iconv-lite';

export type TextEncodingName = 'utf-8' | 'gbk' | 'gb18030' | 'utf-16le' | 'utf-16be';

/** A file whose bytes are no text in one encoding as a whole: the first line that breaks it. */
export class DecodeError extends Error {
  constructor(
    /** 1-based line of the file (header = 第 1 行, as Excel numbers them). */
    readonly row: number,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Charsets a caller may declare (Content-Type charset, a HIS setting) and what they mean here. */
export type EncodingLabel = 'utf-8' | 'gb18030' | null;

/** 'GBK', 'gb2312', 'cp936', 'GB18030' all mean the GB18030 decoder (GBK's superset); 'utf-8' means UTF-8. */
export function encodingLabel(charset: string | null | undefined): EncodingLabel {
  const c = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (c === 'utf-8' || c === 'utf8') return 'utf-8';
  if (['gbk', 'gb2312', 'gb18030', 'cp936', 'windows-936', 'x-gbk', 'euc-cn'].includes(c)) return 'gb18030';
  return null;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function validUtf8(buf: Uint8Array): boolean {
  try {
    fatalUtf8.decode(buf);
    return true;
  } catch {
    return false;
  }
}

/**
 * Structural GB18030 check of one line: single bytes 00–7F; two bytes 81–FE + 40–7E/80–FE;
 * four bytes 81–FE 30–39 81–FE 30–39 within the assigned ranges (the BMP up to 84 31 A4 39,
 * the supplementary planes from 90 30 81 30 — where CJK Extensions B–G live). Returns the offset
 * of the first bad byte (or -1) and whether a four-byte sequence was seen.
 */
function scanGb18030(buf: Uint8Array, from: number, to: number): { bad: number; fourByte: boolean } {
  let fourByte = false;
  let i = from;
  while (i < to) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b === 0x80 || b === 0xff || i + 1 >= to) return { bad: i, fourByte };
    const b2 = buf[i + 1]!;
    if ((b2 >= 0x40 && b2 <= 0x7e) || (b2 >= 0x80 && b2 <= 0xfe)) {
      i += 2;
      continue;
    }
    if (b2 >= 0x30 && b2 <= 0x39 && i + 3 < to) {
      const b3 = buf[i + 2]!;
      const b4 = buf[i + 3]!;
      if (b3 >= 0x81 && b3 <= 0xfe && b4 >= 0x30 && b4 <= 0x39) {
        const linear = ((b - 0x81) * 10 + (b2 - 0x30)) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
        if (linear <= 39419 || (linear >= 189000 && linear <= 189000 + 0xfffff)) {
          fourByte = true;
          i += 4;
          continue;
        }
      }
    }
    return { bad: i, fourByte };
  }
  return { bad: -1, fourByte };
}

/**
 * Whether a line that is valid UTF-8 reads as Chinese text in UTF-8: every non-ASCII character
 * is CJK, CJK punctuation or full-width. GBK bytes that happen to be valid UTF-8 (the "联通"
 * case) decode to Latin, Cyrillic or Arabic letters instead, so they do not count as UTF-8.
 */
function readsAsUtf8Chinese(line: Uint8Array): boolean {
  let text: string;
  try {
    text = fatalUtf8.decode(line);
  } catch {
    return false;
  }
  let cjk = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) continue;
    if ((c >= 0x2e80 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xffef) || (c >= 0x20000 && c <= 0x3ffff)) cjk++;
    // Signs drug and lab names carry (μg, 5×10, 37°C, ±, ², α…): allowed beside Chinese text.
    else if (!USUAL_SIGNS.has(c) && !(c >= 0x2000 && c <= 0x2bff)) return false;
  }
  return cjk > 0;
}

const USUAL_SIGNS = new Set([0xb0, 0xb1, 0xb2, 0xb3, 0xb5, 0xb7, 0xd7, 0xf7, 0x3b1, 0x3b2, 0x3b3, 0x3b4, 0x3bc, 0x3c9]);

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Lines of the bytes: [start, end) of each, split at LF (which no GB18030 or UTF-8 multi-byte sequence contains). */
function* lines(buf: Uint8Array, from: number): Generator<{ no: number; start: number; end: number }> {
  let no = 1;
  let start = from;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl < 0 ? buf.length : nl;
    yield { no, start, end };
    if (nl < 0) return;
    start = nl + 1;
    no++;
  }
}

function firstBadUtf8Line(buf: Uint8Array, from: number): number {
  for (const l of lines(buf, from)) if (!validUtf8(buf.subarray(l.start, l.end))) return l.no;
  return 1;
}

const ONE_ENCODING = '整个文件须使用同一种编码（UTF-8，或 GBK/GB18030）；请在医院系统中重新导出整个文件';

/**
 * The text of a file exported by a hospital system, decoded as a whole (issue 21 point 6,
 * issue 17 point 3). Chinese HIS exports are GBK (Excel's "CSV" on a Chinese Windows writes code
 * page 936), GB18030, UTF-8 with or without a BOM, or UTF-16 ("Unicode text").
 * - A BOM decides, then a declared charset (`label`), then: valid UTF-8 as a whole is UTF-8.
 * - Otherwise the file must be valid GB18030 as a whole: GBK is its two-byte subset, and a file
 *   labelled GBK that carries four-byte sequences (CJK Ext B–G names such as 𠀾 U+2003E, which
 *   GBK cannot hold) is GB18030 and decoded as such (reported as `gb18030`).
 * - A file mixing UTF-8 rows and GBK rows is refused naming the first row that differs from the
 *   file's first non-ASCII row, instead of storing one kind garbled; a row valid in neither is
 *   refused by its line. Throws DecodeError.
 */
export function decodeText(buf: Uint8Array, label: EncodingLabel = null): { text: string; encoding: TextEncodingName } {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    const body = buf.subarray(3);
    if (!validUtf8(body)) {
      const row = firstBadUtf8Line(buf, 3);
      throw new DecodeError(row, `第 ${row} 行不是有效的 UTF-8（文件以 UTF-8 BOM 开头）；${ONE_ENCODING}`);
    }
    return { text: fatalUtf8.decode(body), encoding: 'utf-8' };
  }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be' };
  if (label !== 'gb18030' && validUtf8(buf)) return { text: fatalUtf8.decode(buf), encoding: 'utf-8' };
  if (label === 'utf-8') {
    const row = firstBadUtf8Line(buf, 0);
    throw new DecodeError(row, `第 ${row} 行不是有效的 UTF-8（文件声明为 UTF-8）；${ONE_ENCODING}`);
  }

  // GB18030 as a whole, line by line so that a bad or foreign line is named.
  let fourByte = false;
  let first: { no: number; utf8: boolean } | null = null;
  for (const l of lines(buf, 0)) {
    let ascii = true;
    for (let i = l.start; i < l.end; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) continue;
    const line = buf.subarray(l.start, l.end);
    const utf8 = readsAsUtf8Chinese(line);
    const gb = utf8 ? { bad: -1, fourByte: false } : scanGb18030(buf, l.start, l.end);
    if (!utf8 && gb.bad >= 0) {
      throw new DecodeError(l.no, `第 ${l.no} 行既不是有效的 GBK/GB18030，也不是有效的 UTF-8（本行第 ${gb.bad - l.start + 1} 个字节 ${hex(buf[gb.bad]!)} 起无法识别）；${ONE_ENCODING}`);
    }
    fourByte ||= gb.fourByte;
    if (first === null) first = { no: l.no, utf8 };
    else if (first.utf8 !== utf8) {
      const [mine, theirs] = utf8 ? ['UTF-8', 'GBK/GB18030'] : ['GBK/GB18030', 'UTF-8'];
      throw new DecodeError(l.no, `第 ${l.no} 行是 ${mine} 编码，而第 ${first.no} 行是 ${theirs} 编码：文件混用了两种编码，按任何一种读取都会有乱码；${ONE_ENCODING}`);
    }
  }
  // Labelled GBK but every non-ASCII line reads as Chinese in UTF-8 (and so the whole is UTF-8): the label is wrong.
  if (first?.utf8) return { text: fatalUtf8.decode(buf), encoding: 'utf-8' };
  return { text: iconv.decode(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), 'gb18030'), encoding: fourByte ? 'gb18030' : 'gbk' };
}

/** Base64 from the API into bytes; refuses text that is not base64 at all. */
export function fromBase64(b64: string): Buffer | null {
  const clean = b64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return null;
  return Buffer.from(clean, 'base64');
}
