import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

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

/** Every entry of a ZIP, checked; throws ZipError (Chinese, for the clerk's log) on anything off. */
export function readZip(bytes: Uint8Array, o: ReadZipOptions): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 22 || buf.readUInt32LE(0) !== LOCAL) throw new ZipError('文件不是 ZIP 压缩包（开头不是 PK 标记）');
  // The end record is within the last 22 + 65535 bytes (a comment may follow it).
  let endAt = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === END) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw new ZipError('ZIP 压缩包不完整（找不到目录结束标记，可能下载中断）');
  const count = buf.readUInt16LE(endAt + 10);
  const dirSize = buf.readUInt32LE(endAt + 12);
  const dirOffset = buf.readUInt32LE(endAt + 16);
  if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipError('不支持 ZIP64 压缩包');
  if (count > (o.maxEntries ?? 64)) throw new ZipError(`ZIP 压缩包文件数过多（${count} 个）`);
  if (dirOffset + dirSize > endAt) throw new ZipError('ZIP 压缩包目录位置不正确');
  const out: ZipEntry[] = [];
  let p = dirOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > endAt || buf.readUInt32LE(p) !== CENTRAL) throw new ZipError('ZIP 压缩包目录已损坏');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const packedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localAt = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString(flags & UTF8_FLAG ? 'utf8' : 'latin1');
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 0x1) throw new ZipError(`ZIP 文件 ${name} 已加密，无法读取`);
    if (size > o.maxEntryBytes) throw new ZipError(`ZIP 文件 ${name} 解压后 ${size} 字节，超过上限 ${o.maxEntryBytes} 字节`);
    if (localAt + 30 > dirOffset || buf.readUInt32LE(localAt) !== LOCAL) throw new ZipError(`ZIP 文件 ${name} 的本地头已损坏`);
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    if (dataAt + packedSize > dirOffset) throw new ZipError(`ZIP 文件 ${name} 数据不完整`);
    const packed = buf.subarray(dataAt, dataAt + packedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(packed);
    else if (method === 8) {
      try {
        // The bound holds even when the directory lies about the size.
        data = inflateRawSync(packed, { maxOutputLength: Math.max(1, o.maxEntryBytes) });
      } catch (e) {
        throw new ZipError(`ZIP 文件 ${name} 无法解压（${e instanceof Error ? e.message : String(e)}）`);
      }
    } else throw new ZipError(`ZIP 文件 ${name} 使用了不支持的压缩方式（${method}）`);
    if (data.length !== size) throw new ZipError(`ZIP 文件 ${name} 大小不符（目录 ${size} 字节，解压 ${data.length} 字节）`);
    if (crc32(data) !== crc) throw new ZipError(`ZIP 文件 ${name} 校验失败（CRC 不符）`);
    out.push({ name, data });
  }
  return out;
}

/** The one entry a platform file must hold: by name when given, else the only file in it. */
export function expectedEntry(entries: readonly ZipEntry[], name?: string): ZipEntry {
  const files = entries.filter((e) => !e.name.endsWith('/'));
  if (name !== undefined) {
    const hit = files.find((e) => e.name === name || e.name.split('/').pop() === name);
    if (!hit) throw new ZipError(`ZIP 压缩包中没有预期的文件 ${name}（有：${files.map((e) => e.name).join('、') || '无'}）`);
    return hit;
  }
  if (files.length !== 1) throw new ZipError(`ZIP 压缩包应只含一个文件，实有 ${files.length} 个`);
  return files[0]!;
}
