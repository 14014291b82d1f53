import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from './errors.ts';

/**
 * Large files reach the services as a stream to disk, not as base64 inside one JSON request
 * (issue 21 point 5): a 50 MB fee file would be a 67 MB JSON body, over the API's 20 MiB limit.
 * The screen first sends the raw bytes (`POST /upload` on the local host, `desk:upload` over IPC),
 * gets an id, then names that id in `fees.import`. An upload belongs to the clerk who sent it and
 * is used once; what is left over (a closed window, a crash) is removed at start and after an hour.
 */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const KEEP_MS = 60 * 60 * 1000;
const ID = /^[A-Za-z0-9_-]{16,64}$/;

export function uploadTooLarge(): ServiceError {
  return new ServiceError('PAYLOAD_TOO_LARGE', `文件超过上限 ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB，未导入；请按月或按科室分开导出`, 'file');
}

export class UploadStore {
  private readonly owners = new Map<string, { clerkId: number; bytes: number }>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // Anything here is from an earlier run: nobody holds its id any more.
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
  }

  /** Writes the stream to a new file; over the limit, the partial file is removed and the call fails. */
  async receive(chunks: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>, clerkId: number): Promise<{ uploadId: string; bytes: number }> {
    this.sweep();
    const uploadId = randomBytes(18).toString('base64url');
    const part = join(this.dir, `${uploadId}.part`);
    const handle = await open(part, 'wx');
    let bytes = 0;
    let tooLarge = false;
    try {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        // The rest is read and dropped, so an HTTP client gets the answer instead of a reset.
        if (bytes > MAX_UPLOAD_BYTES) tooLarge = true;
        if (!tooLarge) await handle.write(chunk);
      }
    } finally {
      await handle.close();
    }
    if (tooLarge) {
      await rm(part, { force: true });
      throw uploadTooLarge();
    }
    if (bytes === 0) {
      await rm(part, { force: true });
      throw new ServiceError('INVALID_INPUT', '文件为空', 'file');
    }
    await rename(part, join(this.dir, uploadId));
    this.owners.set(uploadId, { clerkId, bytes });
    return { uploadId, bytes };
  }

  /** The bytes of an upload of this clerk, removed as they are handed over (an id works once). */
  async take(uploadId: string, clerkId: number): Promise<Buffer> {
    const owner = ID.test(uploadId) ? this.owners.get(uploadId) : undefined;
    if (!owner || owner.clerkId !== clerkId) throw new ServiceError('NOT_FOUND', '上传的文件不存在或已使用，请重新选择文件', 'uploadId');
    this.owners.delete(uploadId);
    const file = join(this.dir, uploadId);
    try {
      return await readFile(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  private sweep(): void {
    const old = Date.now() - KEEP_MS;
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name);
      try {
        if (statSync(file).mtimeMs < old) {
          rmSync(file, { force: true });
          this.owners.delete(name);
        }
      } catch {
        // Already gone.
      }
    }
  }
}
