import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textLines, type LineStats } from '../../electron/agency/textLines.ts';
import { readZipFileDirectory, writeZip, zipEntryChunks, ZipError } from '../../electron/agency/zip.ts';

/**
 * The streaming side of the ZIP reader (docs/catalogue.md): an entry of a ZIP on disk inflates in
 * chunks of the size asked, its records come out one by one while only the unfinished line is
 * held, and the CRC / size are checked when the entry ENDS (after every record was read).
 */

const LIMIT = { maxEntryBytes: 64 * 1024 * 1024 };

function zipFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'yidi-zipstream-')), 'f.zip');
  writeFileSync(path, writeZip([{ name: 'f.txt', data: Buffer.from(text, 'utf8') }]));
  return path;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The central directory's CRC field of the only entry, changed. */
function breakCrc(path: string): void {
  const b = readFileSync(path);
  const end = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const dir = b.readUInt32LE(end + 16);
  b.writeUInt32LE((b.readUInt32LE(dir + 16) ^ 0xffffffff) >>> 0, dir + 16);
  writeFileSync(path, b);
}

describe('ZIP entry as a stream', () => {
  it('inflates a 3 MB entry in chunks of the size asked and yields its records holding only about one chunk', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `XB${String(i).padStart(14, '0')}\t药品${i}\t\t片剂\t0.25g\t2026-01-01\t\t1\t1`);
    const text = `\uFEFF${lines.join('\r\n')}\r\n\r\n`;
    const path = zipFile(text);
    const entry = readZipFileDirectory(path, LIMIT)[0]!;
    expect(entry.size).toBe(Buffer.byteLength(text));
    expect(entry.size).toBeGreaterThan(3_000_000);

    const sizes = (await collect(zipEntryChunks(path, entry, { ...LIMIT, chunkBytes: 4096 }))).map((c) => c.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(entry.size);

    const stats: LineStats = { peakHeldBytes: 0, bytes: 0 };
    const got = await collect(textLines(zipEntryChunks(path, entry, { ...LIMIT, chunkBytes: 4096 }), { stats }));
    expect(got).toEqual(lines);
    expect(stats.bytes).toBe(entry.size);
    // One chunk plus the unfinished line at most: nowhere near the 3 MB of the whole text.
    expect(stats.peakHeldBytes).toBeLessThanOrEqual(4096 + 200);
  });

  it('checks the CRC at the end: every record is read first, then the reader fails', async () => {
    const path = zipFile('a\tb\nc\td\n');
    breakCrc(path);
    const entry = readZipFileDirectory(path, LIMIT)[0]!;
    const seen: string[] = [];
    await expect((async () => {
      for await (const l of textLines(zipEntryChunks(path, entry, LIMIT))) seen.push(l);
    })()).rejects.toThrow(/校验失败（CRC 不符）/);
    expect(seen).toEqual(['a\tb', 'c\td']);
  });

  it('refuses an entry bigger than the bound while it inflates (the directory lied about its size)', async () => {
    const path = zipFile('x'.repeat(100_000));
    const entry = readZipFileDirectory(path, LIMIT)[0]!;
    await expect(collect(zipEntryChunks(path, { ...entry, size: 1000 }, { ...LIMIT, chunkBytes: 512 }))).rejects.toThrow(ZipError);
    await expect(collect(zipEntryChunks(path, entry, { maxEntryBytes: 50_000, chunkBytes: 512 }))).rejects.toThrow(/超过 50000 字节/);
    expect(() => readZipFileDirectory(path, { maxEntryBytes: 50_000 })).toThrow(/超过上限 50000 字节/);
  });

  it('splits records across chunk boundaries, multi-byte characters included', async () => {
    const text = '甲乙丙\t丁\r\n\n戊己庚辛\t壬癸';
    const bytes = Buffer.from(text, 'utf8');
    // One byte per chunk: every character is cut.
    const chunks = (async function* () {
      for (const b of bytes) yield Buffer.from([b]);
    })();
    expect(await collect(textLines(chunks))).toEqual(['甲乙丙\t丁', '戊己庚辛\t壬癸']);
    const long = (async function* () {
      yield Buffer.from('y'.repeat(5000));
    })();
    await expect(collect(textLines(long, { maxLineBytes: 1000 }))).rejects.toThrow(/第 1 行超过 1000 字节/);
  });
});
