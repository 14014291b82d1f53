import { FILE_DOWNLOAD_INFNO, FILE_UPLOAD_INFNO, fileDownloadInput, fileUploadInput, readFileUpload } from '../../shared/agency/files.ts';
import { AgencyMessageError, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import type { AgencyClient } from './client.ts';
import { NetworkError, RejectedError, ServerError } from './errors.ts';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedEntry, readZip, readZipFileDirectory, ZipError, type ZipEntry, type ZipEntryInfo } from './zip.ts';

/**
 * 9101 / 9102 over any gateway profile (docs/reconciliation.md): bounded in size, the ZIP checked
 * before anything reads it, and a download cut mid-way resumed from where it stopped when the
 * gateway takes `Range` (tif and plain answer the raw bytes; gm wraps them in its encrypted
 * envelope, so there a cut download starts again). Each try is a new msgid: neither transaction
 * changes business state, and the platform refuses a repeated msgid.
 */

export interface FileLimits {
  /** Largest ZIP sent or accepted, bytes. */
  maxZipBytes: number;
  /** Largest file inside it, uncompressed. */
  maxEntryBytes: number;
  /** Tries per transaction (network failures, 5xx, cut answers). */
  tries: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = { maxZipBytes: 32 * 1024 * 1024, maxEntryBytes: 256 * 1024 * 1024, tries: 4 };

/** Builds one envelope (a new msgid each time) for the transaction and input. */
export type EnvelopeMaker = (infno: string, input: Record<string, unknown>) => RequestEnvelope;

export class FileTransferError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileTransferError';
  }
}

function retryable(e: unknown): boolean {
  return e instanceof NetworkError || e instanceof ServerError;
}

/** 9101: the ZIP (checked first) → its file_qury_no. */
export async function uploadFile(client: AgencyClient, make: EnvelopeMaker, zip: Uint8Array, filename: string, limits: FileLimits = DEFAULT_FILE_LIMITS): Promise<string> {
  if (zip.byteLength > limits.maxZipBytes) throw new FileTransferError(`上传文件 ${filename} 有 ${zip.byteLength} 字节，超过上限 ${limits.maxZipBytes} 字节`);
  try {
    readZip(zip, { maxEntryBytes: limits.maxEntryBytes });
  } catch (e) {
    throw new FileTransferError(`上传文件 ${filename} 不是有效的 ZIP：${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const base64 = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength).toString('base64');
  let last: unknown = null;
  for (let t = 0; t < limits.tries; t++) {
    try {
      const answer = await client.call(make(FILE_UPLOAD_INFNO, { ...fileUploadInput(base64, filename, client.fixmedinsCode) }));
      return readFileUpload(answer.output).fileQuryNo;
    } catch (e) {
      if (e instanceof AgencyMessageError) throw new RejectedError(200, e.code, e.message, { cause: e });
      if (!retryable(e)) throw e;
      last = e;
    }
  }
  throw last instanceof Error ? last : new FileTransferError(`文件 ${filename} 上传失败`);
}

export interface DownloadedFile {
  zip: Buffer;
  entry: ZipEntry;
  /** Tries it took and how many of them went on from a cut (Range). */
  tries: number;
  resumed: number;
}

/**
 * 9102: the file of `fileQuryNo`, whole and checked (a ZIP, within the bounds, holding
 * `entryName` — or exactly one file when none is named). For small files (the 3202 result); a
 * catalogue file goes through downloadFileTo and is read as a stream.
 */
export async function downloadFile(client: AgencyClient, make: EnvelopeMaker, fileQuryNo: string, filename: string, o: { entryName?: string; limits?: FileLimits } = {}): Promise<DownloadedFile> {
  const limits = o.limits ?? DEFAULT_FILE_LIMITS;
  const dir = mkdtempSync(join(tmpdir(), 'yidi-9102-'));
  try {
    const got = await downloadFileTo(client, make, fileQuryNo, filename, join(dir, 'file.zip'), o);
    const zip = readFileSync(got.path);
    try {
      const entry = expectedEntry(readZip(zip, { maxEntryBytes: limits.maxEntryBytes }), o.entryName);
      return { zip, entry, tries: got.tries, resumed: got.resumed };
    } catch (e) {
      if (e instanceof ZipError) throw new FileTransferError(`下载文件 ${filename} 校验失败：${e.message}`, { cause: e });
      throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DownloadedToFile {
  path: string;
  /** The ZIP's size on disk. */
  size: number;
  /** The expected entry, its directory checked (its CRC is checked when it is read: zipEntryChunks). */
  entry: ZipEntryInfo;
  tries: number;
  resumed: number;
}

/**
 * 9102 into the file at `path` (created or overwritten): the gateway's raw bytes are written as
 * they arrive, never held whole (an envelope answer — gm — is necessarily parsed whole, bounded
 * by maxZipBytes, then written); a cut answer goes on by Range from the bytes on disk. When it
 * is complete the ZIP's directory is checked and the expected entry returned; the entry's data
 * is read with zipEntryChunks.
 */
export async function downloadFileTo(client: AgencyClient, make: EnvelopeMaker, fileQuryNo: string, filename: string, path: string, o: { entryName?: string; limits?: FileLimits } = {}): Promise<DownloadedToFile> {
  const limits = o.limits ?? DEFAULT_FILE_LIMITS;
  const fd = openSync(path, 'w+');
  let closed = false;
  const close = (): void => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  let have = 0;
  let total: number | null = null;
  let resumed = 0;
  let last: unknown = null;
  const tooBig = (): FileTransferError => new FileTransferError(`下载文件 ${filename} 超过上限 ${limits.maxZipBytes} 字节`);
  try {
    for (let t = 1; t <= limits.tries; t++) {
      let a;
      // Where the next written byte goes: set when the gateway says where its bytes start.
      let pos = have;
      const open = (from: number) => {
        if (from > have) throw new FileTransferError(`下载文件 ${filename} 的续传起点 ${from} 超出已收到的 ${have} 字节`);
        ftruncateSync(fd, from);
        pos = from;
        return (chunk: Buffer): void => {
          if (pos + chunk.length > limits.maxZipBytes) throw tooBig();
          writeSync(fd, chunk, 0, chunk.length, pos);
          pos += chunk.length;
        };
      };
      try {
        a = await client.fetchFile(make(FILE_DOWNLOAD_INFNO, { ...fileDownloadInput(fileQuryNo, filename, client.fixmedinsCode) }), { from: have, maxBytes: limits.maxZipBytes, open });
      } catch (e) {
        if (!retryable(e)) throw e;
        // What a refused writer had put down is not trusted: the file is what `have` says.
        last = e;
        continue;
      }
      if (a.written === 0) {
        // Kept in memory (an envelope answer, or bytes without a writer): put them down here.
        if (a.from + a.bytes.length > limits.maxZipBytes) throw tooBig();
        ftruncateSync(fd, a.from);
        writeSync(fd, a.bytes, 0, a.bytes.length, a.from);
        pos = a.from + a.bytes.length;
      }
      if (a.from > 0) resumed += 1;
      have = pos;
      if (a.total !== null) {
        if (a.total > limits.maxZipBytes) throw new FileTransferError(`下载文件 ${filename} 有 ${a.total} 字节，超过上限 ${limits.maxZipBytes} 字节`);
        if (total !== null && a.total !== total && a.from > 0) {
          // The file changed between tries: what was kept belongs to another file.
          have = 0;
          total = null;
          last = new FileTransferError(`下载文件 ${filename} 在续传期间大小改变`);
          continue;
        }
        total = a.total;
      }
      if (!a.complete) {
        last = a.cut;
        // Without Range the next try starts from the first byte again.
        if (!a.resumable) have = 0;
        continue;
      }
      ftruncateSync(fd, have);
      if (total !== null && have !== total) throw new FileTransferError(`下载文件 ${filename} 不完整：应有 ${total} 字节，收到 ${have} 字节`);
      close();
      try {
        const entry = expectedEntry(readZipFileDirectory(path, { maxEntryBytes: limits.maxEntryBytes }), o.entryName);
        return { path, size: have, entry, tries: t, resumed };
      } catch (e) {
        if (e instanceof ZipError) throw new FileTransferError(`下载文件 ${filename} 校验失败：${e.message}`, { cause: e });
        throw e;
      }
    }
    throw new FileTransferError(`文件 ${filename} 下载 ${limits.tries} 次仍未完成：${last instanceof Error ? last.message : '（无说明）'}`, { cause: last });
  } finally {
    close();
  }
}
