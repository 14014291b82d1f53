import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeeImportResult } from '../../shared/api/settlement.ts';
import { MAX_UPLOAD_BYTES } from '../../electron/services/uploads.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { admit, FEE_HEADER, fails, ITEM, ok, setup, type Ctx } from '../support/settlementFixtures.ts';

/**
 * Issue 21 point 5: a large fee file goes to the host as raw bytes (`POST /upload`), not as base64
 * inside a JSON call over the API's 20 MiB limit, and is then imported by its id.
 */
let ctx: Ctx;
beforeAll(async () => {
  ctx = await setup();
});
afterAll(async () => ctx.stop());

async function upload(body: BodyInit, token: string | null = ctx.clerk, headers: Record<string, string> = {}): Promise<{ status: number; body: { ok: boolean; result?: { uploadId: string; bytes: number }; error?: { code: string; message: string; path: string } } }> {
  const res = await fetch(`${ctx.host.url}upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'x-desk-secret': ctx.host.secret, ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as never };
}

/** A HIS export of `lines` fee lines, padded by long (but lawful, ≤ 200 characters) item names. */
function bigFeeFile(lines: number, day: string): Buffer {
  const name = `${ITEM.drug.name}（${'长效缓释注射用复方制剂规格说明'.repeat(9)}）`;
  const parts: string[] = [FEE_HEADER];
  for (let i = 1; i <= lines; i++) {
    parts.push(`BIG${i},,${day} 10:00:00,${ITEM.drug.code},${ITEM.drug.hosp},${name},1,2.5,2.50,A03,骨科,D0001,李医生,0,,0`);
  }
  return Buffer.from(parts.join('\r\n') + '\r\n', 'utf8');
}

describe('large fee files are uploaded as a stream, then imported by id', () => {
  it('a 100,000-line, 50 MB file imports; the id works once', async () => {
    const a = await admit(ctx);
    const file = bigFeeFile(100_000, addDays(todayCST(), -5));
    expect(file.length).toBeGreaterThan(50 * 1000 * 1000);
    // Sent in 1 MiB pieces as a stream (fetch takes an async iterable body), as a browser's would arrive.
    const chunks = (async function* () {
      for (let i = 0; i < file.length; i += 1 << 20) yield file.subarray(i, i + (1 << 20));
    })();
    const up = await upload(chunks as unknown as BodyInit);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.result?.bytes).toBe(file.length);
    const uploadId = up.body.result!.uploadId;

    const r = await ok<FeeImportResult>(ctx, 'fees.import', { admissionId: a.id, fileName: 'his-big.csv', uploadId });
    expect(r.issues).toEqual([]);
    expect(r.rows).toBe(100_000);
    expect(r.imported).toBe(100_000);
    const list = await ok<{ totalLines: number }>(ctx, 'fees.list', { admissionId: a.id, limit: 1 });
    expect(list.totalLines).toBe(100_000);

    const again = await fails(ctx, 'fees.import', { admissionId: a.id, fileName: 'his-big.csv', uploadId });
    expect(again).toMatchObject({ code: 'NOT_FOUND', path: 'uploadId' });
    expect(again.message).toContain('重新选择文件');
  }, 300_000);

  it('another clerk cannot import an upload that is not theirs', async () => {
    const a = await admit(ctx);
    const up = await upload(Buffer.from(`${FEE_HEADER}\r\nX1,,${addDays(todayCST(), -5)} 10:00:00,${ITEM.bed.code},${ITEM.bed.hosp},${ITEM.bed.name},1,45,45.00,A03,骨科,D0001,李医生,0,,0\r\n`));
    expect(up.status).toBe(200);
    const other = await fails(ctx, 'fees.import', { admissionId: a.id, fileName: 'x.csv', uploadId: up.body.result!.uploadId }, ctx.supervisor);
    expect(other).toMatchObject({ code: 'NOT_FOUND', path: 'uploadId' });
    // The owner still can: the failed attempt by someone else did not use it up.
    const mine = await ok<FeeImportResult>(ctx, 'fees.import', { admissionId: a.id, fileName: 'x.csv', uploadId: up.body.result!.uploadId });
    expect(mine.imported).toBe(1);
  });

  it('without a session the upload is refused with 401; with a wrong secret 403', async () => {
    const none = await upload(Buffer.from('x'), null);
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'UNAUTHENTICATED' });
    const res = await fetch(`${ctx.host.url}upload`, { method: 'POST', headers: { 'x-desk-secret': 'wrong', authorization: `Bearer ${ctx.clerk}` }, body: 'x' });
    expect(res.status).toBe(403);
  });

  it('an empty file is refused naming the file; one over the limit gets 413 naming the limit', async () => {
    const empty = await upload(Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'INVALID_INPUT', path: 'file', message: '文件为空' });

    // A declared length over the limit is answered before any byte is read.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(`${ctx.host.url}upload`, { method: 'POST', headers: { 'x-desk-secret': ctx.host.secret, authorization: `Bearer ${ctx.clerk}`, 'content-length': String(MAX_UPLOAD_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('x');
    });
    expect(declared).toBe(413);

    const piece = Buffer.alloc(8 << 20, 0x41);
    let sent = 0;
    const over = (async function* () {
      while (sent <= MAX_UPLOAD_BYTES) {
        sent += piece.length;
        yield piece;
      }
    })();
    const big = await upload(over as unknown as BodyInit);
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', path: 'file' });
    expect(big.body.error?.message).toContain('256 MiB');
  }, 120_000);

  it('a call names exactly one of contentBase64 and uploadId', async () => {
    const a = await admit(ctx);
    const neither = await fails(ctx, 'fees.import', { admissionId: a.id, fileName: 'x.csv' });
    expect(neither).toMatchObject({ code: 'INVALID_INPUT', path: 'contentBase64' });
    const unknown = await fails(ctx, 'fees.import', { admissionId: a.id, fileName: 'x.csv', uploadId: 'abcdefghijklmnopqrstuvwx' });
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', path: 'uploadId' });
  });
});
