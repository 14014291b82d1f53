import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import pg from 'pg';

/**
 * The thread that holds a window's one connection to the office store (db/pg/syncConnection.ts).
 * The desk's services are synchronous over better-sqlite3; here each statement is run on `pg`
 * while the desk's thread sleeps on `signal`, and the answer is posted back before the wake-up,
 * so the desk reads it with receiveMessageOnPort. Kept free of project imports: it is loaded
 * as its own entry (Node's type stripping, or the start bundle's `syncWorker.mjs`).
 */
export interface SyncWorkerData {
  config: pg.ClientConfig;
  port: MessagePort;
  signal: SharedArrayBuffer;
}

export type SyncRequest = { kind: 'connect' } | { kind: 'query'; text: string; params: unknown[]; array: boolean } | { kind: 'close' };

export type SyncAnswer =
  | { ok: true; rows: unknown[]; rowCount: number }
  | { ok: false; message: string; code: string | null; detail: string | null; constraint: string | null; lost: boolean };

// int8 (count(*), sums of integers) as JS numbers, as SQLite gives them; numeric stays exact text.
pg.types.setTypeParser(20, (v: string) => Number(v));

const data = workerData as SyncWorkerData;
const signal = new Int32Array(data.signal);
let client: pg.Client | null = null;
let lost = false;

function answer(a: SyncAnswer): void {
  data.port.postMessage(a);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function failure(e: unknown): SyncAnswer {
  const err = e as { message?: string; code?: string; detail?: string; constraint?: string };
  // A server-side error (it has a SQLSTATE) leaves the connection usable; anything else does not.
  const serverError = typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code);
  if (!serverError) lost = true;
  return { ok: false, message: err.message ?? String(e), code: err.code ?? null, detail: err.detail ?? null, constraint: err.constraint ?? null, lost: !serverError || lost };
}

async function handle(r: SyncRequest): Promise<SyncAnswer> {
  if (r.kind === 'connect') {
    client = new pg.Client(data.config);
    client.on('error', () => { lost = true; });
    await client.connect();
    return { ok: true, rows: [], rowCount: 0 };
  }
  if (r.kind === 'close') {
    await client?.end().catch(() => undefined);
    client = null;
    return { ok: true, rows: [], rowCount: 0 };
  }
  if (!client || lost) throw Object.assign(new Error('与办公室数据库的连接已断开'), { code: 'CONNECTION_LOST' });
  const res = r.array
    ? await client.query({ text: r.text, values: r.params, rowMode: 'array' })
    : await client.query({ text: r.text, values: r.params });
  return { ok: true, rows: res.rows as unknown[], rowCount: res.rowCount ?? 0 };
}

data.port.on('message', (r: SyncRequest) => {
  handle(r).then(answer, (e: unknown) => answer(failure(e)));
});
parentPort?.postMessage('ready');
