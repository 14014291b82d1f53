import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * The ZIP files the platform exchanges through 9101/9102 (national-interface.md §0): a minimal
 * writer (deflate, one or more entries, UTF-8 names) and a reader that checks before it trusts —
 * the signatures, the central directory, each entry's size bound (no ZIP bomb inflates past
 * `maxEntryBytes`) and its CRC-32. No dependency: node:zlib does deflate and CRC-32, the format
 * around them is a few fixed headers (PKWARE APPNOTE 4.3). No ZIP64, no encryption, no spanning:
 * a file needing them is refused with a reason, never half read.
 */

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const UTF8_FLAG = 0x0800;

/** DOS date/time of `at` (local fields as the CST clock reads them). */
function dosTime(at: Date): { time: number; date: number } {
  const t = new Date(at.getTime() + 8 * 3600_000);
  return {
    time: (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | Math.floor(t.getUTCSeconds() / 2),
    date: ((Math.max(1980, t.getUTCFullYear()) - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate(),
  };
}

export function writeZip(entries: readonly ZipEntry[], at: Date = new Date()): Buffer {
  const { time, date } = dosTime(at);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_FLAG, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(CENTRAL, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(UTF8_FLAG, 8);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt16LE(time, 12);
    dir.writeUInt16LE(date, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    parts.push(local, name, packed);
    offset += local.length + name.length + packed.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dirBytes, end]);
}

export interface ReadZipOptions {
  /** Largest uncompressed entry accepted. */
  maxEntryBytes: number;
  /** At most this many entries (a directory of thousands is not a platform file). Default 64. */
  maxEntries?: number;
}

/** Where an entry's data is and what it must inflate to (the central directory's word, checked against the local header). */
export interface ZipEntryInfo {
  name: string;
  method: number;
  crc: number;
  packedSize: number;
  size: number;
  /** Offset of the packed data in the ZIP. */
  dataAt: number;
}

/** Reads `length` bytes at `offset` of the ZIP (a buffer's slice, or a file's read). */
type ReadAt = (offset: number, length: number) => Buffer;

/** The central directory, checked, without inflating anything: from a buffer or from a file (only its tail and headers are read). */
function readDirectory(read: ReadAt, total: number, o: ReadZipOptions): ZipEntryInfo[] {
  if (total < 22 || read(0, 4).readUInt32LE(0) !== LOCAL) throw new ZipError('文件不是 ZIP 压缩包（开头不是 PK 标记）');
  // The end record is within the last 22 + 65535 bytes (a comment may follow it).
  const tailAt = Math.max(0, total - 22 - 0xffff);
  const tail = read(tailAt, total - tailAt);
  let endAt = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw new ZipError('ZIP 压缩包不完整（找不到目录结束标记，可能下载中断）');
  const count = tail.readUInt16LE(endAt + 10);
  const dirSize = tail.readUInt32LE(endAt + 12);
  const dirOffset = tail.readUInt32LE(endAt + 16);
  endAt += tailAt;
  if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipError('不支持 ZIP64 压缩包');
  if (count > (o.maxEntries ?? 64)) throw new ZipError(`ZIP 压缩包文件数过多（${count} 个）`);
  if (dirOffset + dirSize > endAt) throw new ZipError('ZIP 压缩包目录位置不正确');
  const dir = read(dirOffset, dirSize);
  const out: ZipEntryInfo[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) throw new ZipError('ZIP 压缩包目录已损坏');
    const flags = dir.readUInt16LE(p + 8);
    const method = dir.readUInt16LE(p + 10);
    const crc = dir.readUInt32LE(p + 16);
    const packedSize = dir.readUInt32LE(p + 20);
    const size = dir.readUInt32LE(p + 24);
    const nameLen = dir.readUInt16LE(p + 28);
    const extraLen = dir.readUInt16LE(p + 30);
    const commentLen = dir.readUInt16LE(p + 32);
    const localAt = dir.readUInt32LE(p + 42);
    const name = dir.subarray(p + 46, p + 46 + nameLen).toString(flags & UTF8_FLAG ? 'utf8' : 'latin1');
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 0x1) throw new ZipError(`ZIP 文件 ${name} 已加密，无法读取`);
    if (size > o.maxEntryBytes) throw new ZipError(`ZIP 文件 ${name} 解压后 ${size} 字节，超过上限 ${o.maxEntryBytes} 字节`);
    if (localAt + 30 > dirOffset) throw new ZipError(`ZIP 文件 ${name} 的本地头已损坏`);
    const local = read(localAt, 30);
    if (local.readUInt32LE(0) !== LOCAL) throw new ZipError(`ZIP 文件 ${name} 的本地头已损坏`);
    const dataAt = localAt + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataAt + packedSize > dirOffset) throw new ZipError(`ZIP 文件 ${name} 数据不完整`);
    if (method !== 0 && method !== 8) throw new ZipError(`ZIP 文件 ${name} 使用了不支持的压缩方式（${method}）`);
    out.push({ name, method, crc, packedSize, size, dataAt });
  }
  return out;
}

/** Every entry of a ZIP, checked; throws ZipError (Chinese, for the clerk's log) on anything off. */
export function readZip(bytes: Uint8Array, o: ReadZipOptions): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: ReadAt = (offset, length) => buf.subarray(offset, offset + length);
  return readDirectory(read, buf.length, o).map((e) => {
    const packed = buf.subarray(e.dataAt, e.dataAt + e.packedSize);
    let data: Buffer;
    if (e.method === 0) data = Buffer.from(packed);
    else {
      try {
        // The bound holds even when the directory lies about the size.
        data = inflateRawSync(packed, { maxOutputLength: Math.max(1, o.maxEntryBytes) });
      } catch (err) {
        throw new ZipError(`ZIP 文件 ${e.name} 无法解压（${err instanceof Error ? err.message : String(err)}）`);
      }
    }
    if (data.length !== e.size) throw new ZipError(`ZIP 文件 ${e.name} 大小不符（目录 ${e.size} 字节，解压 ${data.length} 字节）`);
    if (crc32(data) !== e.crc) throw new ZipError(`ZIP 文件 ${e.name} 校验失败（CRC 不符）`);
    return { name: e.name, data };
  });
}

/** The entries of a ZIP file on disk, checked, reading only its directory and headers. */
export function readZipFileDirectory(path: string, o: ReadZipOptions): ZipEntryInfo[] {
  const fd = openSync(path, 'r');
  try {
    const read: ReadAt = (offset, length) => {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      return b.subarray(0, n);
    };
    return readDirectory(read, fstatSync(fd).size, o);
  } finally {
    closeSync(fd);
  }
}

/**
 * One entry of a ZIP file on disk, inflated as a stream (node:zlib createInflateRaw on a file
 * read stream): chunks of at most about `chunkBytes`, never the whole entry. The size bound is
 * enforced as it inflates; the size and the CRC-32 are checked after the last chunk, so the
 * caller must not treat anything it read as good before the iteration ENDS without an error.
 */
export async function* zipEntryChunks(path: string, e: ZipEntryInfo, o: { maxEntryBytes: number; chunkBytes?: number }): AsyncGenerator<Buffer, void, undefined> {
  const chunkBytes = o.chunkBytes ?? 64 * 1024;
  if (e.packedSize === 0 && e.size === 0) return;
  const src = createReadStream(path, { start: e.dataAt, end: e.dataAt + e.packedSize - 1, highWaterMark: chunkBytes });
  const inflate = e.method === 8 ? createInflateRaw({ chunkSize: chunkBytes }) : null;
  const out = inflate ? src.pipe(inflate) : src;
  if (inflate) src.on('error', (err) => inflate.destroy(err));
  let size = 0;
  let crc = 0;
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.maxEntryBytes || size > e.size) throw new ZipError(`ZIP 文件 ${e.name} 解压后超过 ${Math.min(o.maxEntryBytes, e.size)} 字节（目录 ${e.size} 字节）`);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`ZIP 文件 ${e.name} 无法解压（${err instanceof Error ? err.message : String(err)}）`);
  } finally {
    src.destroy();
    inflate?.destroy();
  }
  if (size !== e.size) throw new ZipError(`ZIP 文件 ${e.name} 大小不符（目录 ${e.size} 字节，解压 ${size} 字节）`);
  if (crc !== e.crc) throw new ZipError(`ZIP 文件 ${e.name} 校验失败（CRC 不符）`);
}

/** The one entry a platform file must hold: by name when given, else the only file in it. */
export function expectedEntry<E extends { name: string }>(entries: readonly E[], name?: string): E {
  const files = entries.filter((e) => !e.name.endsWith('/'));
  if (name !== undefined) {
    const hit = files.find((e) => e.name === name || e.name.split('/').pop() === name);
    if (!hit) throw new ZipError(`ZIP 压缩包中没有预期的文件 ${name}（有：${files.map((e) => e.name).join('、') || '无'}）`);
    return hit;
  }
  if (files.length !== 1) throw new ZipError(`ZIP 压缩包应只含一个文件，实有 ${files.length} 个`);
  return files[0]!;
}
