import iconv from 'iconv-lite';

export type TextEncodingName = 'utf-8' | 'gbk' | 'utf-16le';

/**
 * The text of a file exported by a hospital system. Chinese HIS exports are often GBK (Excel's
 * "CSV" on a Chinese Windows writes the ANSI code page, 936), sometimes UTF-8 with or without a
 * BOM, or UTF-16 ("Unicode text"). A BOM decides; otherwise bytes that are valid UTF-8 are read
 * as UTF-8, and anything else as GB18030, the superset of GBK that also decodes every GBK file.
 */
export function decodeText(buf: Uint8Array): { text: string; encoding: TextEncodingName } {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(buf.subarray(3)), encoding: 'utf-8' };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), 'gb18030'), encoding: 'gbk' };
  }
}

/** Base64 from the API into bytes; refuses text that is not base64 at all. */
export function fromBase64(b64: string): Buffer | null {
  const clean = b64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return null;
  return Buffer.from(clean, 'base64');
}
