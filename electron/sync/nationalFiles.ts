import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusinessError, RejectedError, type AgencyClient } from '../agency/client.ts';
import { DEFAULT_FILE_LIMITS, downloadFileTo, FileTransferError, type EnvelopeMaker, type FileLimits } from '../agency/files.ts';
import { LineTooLongError, textLines, type LineStats } from '../agency/textLines.ts';
import { expectedEntry, readZipFileDirectory, zipEntryChunks, ZipError } from '../agency/zip.ts';

/**
 * The national download's catalogue files, streamed (docs/catalogue.md "Streaming"): 9102 to a
 * temp file, one streaming pass over the ZIP entry that checks its size and CRC and counts the
 * records BEFORE any slice is handed out (so a damaged file contributes nothing), then the
 * records a slice at a time from a reader that holds only the unfinished line. One file at a
 * time is kept, in this process only: a new process fetches the file again by its file_qury_no.
 */

export interface NationalOptions {
  /** Where the 9102 files are written while they are read (default: the system's temp directory). */
  tmpDir?: string;
  /** Read and inflate chunk size, bytes (tests make it small to show the file is never held whole). */
  chunkBytes?: number;
  /** Filled while files are read: the most any file's line reader held at once. */
  stats?: LineStats;
  limits?: FileLimits;
}

interface OpenFile {
  no: string;
  dir: string;
  path: string;
  /** Records in it, counted by the checking pass (null until that pass ended without an error). */
  records: number | null;
  reader: { lines: AsyncGenerator<string, void, undefined>; at: number; ahead: string | null } | null;
}

export interface FileSlice {
  lines: string[];
  /** The file ended with this slice (its reader ENDED: size and CRC checked). */
  done: boolean;
  records: number | null;
}

export class NationalFileReader {
  private open: OpenFile | null = null;
  private readonly limits: FileLimits;

  constructor(private readonly o: NationalOptions = {}) {
    this.limits = o.limits ?? DEFAULT_FILE_LIMITS;
  }

  /**
   * `n` records of the file from record `file.at` (downloading and checking it first when it is
   * not the one held). `resumed`: the cursor already named this file (a refusal to give it again
   * then starts the whole download over, once per run: BAD_CURSOR).
   */
  async slice(client: AgencyClient, make: EnvelopeMaker, file: { no: string; name: string; at: number }, n: number, resumed: boolean): Promise<FileSlice> {
    if (this.open?.no !== file.no) {
      await this.close();
      const dir = mkdtempSync(join(this.o.tmpDir ?? tmpdir(), 'yidi-national-'));
      const path = join(dir, `${file.no.replace(/[^\w.-]/g, '_')}.zip`);
      try {
        await downloadFileTo(client, make, file.no, file.name, path, { limits: this.limits });
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        // The platform no longer keeps the file a resumed run was slicing: start the whole download over.
        if (e instanceof BusinessError && resumed) throw new RejectedError(400, 'BAD_CURSOR', `文件 ${file.name} 已不能下载，重新开始：${e.errMsg}`, { cause: e });
        throw e;
      }
      this.open = { no: file.no, dir, path, records: null, reader: null };
    }
    const open = this.open;
    try {
      if (open.records === null) {
        let count = 0;
        for await (const record of this.recordsOf(open.path)) if (record) count += 1;
        open.records = count;
      }
      const got = await this.take(open, file.at, n);
      if (got.done) await this.close();
      return { ...got, records: open.records };
    } catch (e) {
      // A bad CRC, a size that does not match, a line that is no record: nothing of this file counts; the next try fetches it again.
      await this.close();
      if (e instanceof ZipError || e instanceof LineTooLongError) throw new FileTransferError(`下载文件 ${file.name} 校验失败：${e.message}`, { cause: e });
      throw e;
    }
  }

  /** Drops the file held (and its temp directory). */
  async close(): Promise<void> {
    const was = this.open;
    this.open = null;
    if (!was) return;
    await was.reader?.lines.return();
    rmSync(was.dir, { recursive: true, force: true });
  }

  private recordsOf(path: string): AsyncGenerator<string, void, undefined> {
    const entry = expectedEntry(readZipFileDirectory(path, { maxEntryBytes: this.limits.maxEntryBytes }));
    return textLines(zipEntryChunks(path, entry, { maxEntryBytes: this.limits.maxEntryBytes, chunkBytes: this.o.chunkBytes }), { stats: this.o.stats });
  }

  /** The next `n` records from record `at`; one record past the slice is read ahead, so `done` is only said once the reader ended. */
  private async take(file: OpenFile, at: number, n: number): Promise<{ lines: string[]; done: boolean }> {
    if (file.reader?.at !== at) {
      // A page refused as invalid comes again (or the first slice): read from the start and skip to it.
      await file.reader?.lines.return();
      file.reader = { lines: this.recordsOf(file.path), at: 0, ahead: null };
      for (; file.reader.at < at; file.reader.at++) if ((await file.reader.lines.next()).done) break;
    }
    const reader = file.reader;
    const lines: string[] = [];
    if (reader.ahead !== null) lines.push(reader.ahead);
    reader.ahead = null;
    let done = false;
    while (lines.length < n && !done) {
      const r = await reader.lines.next();
      if (r.done) done = true;
      else lines.push(r.value);
    }
    if (!done) {
      const r = await reader.lines.next();
      if (r.done) done = true;
      else reader.ahead = r.value;
    }
    reader.at += lines.length;
    return { lines, done };
  }
}
