import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type pg from 'pg';
import type { SyncAnswer, SyncRequest, SyncWorkerData } from './syncWorker.ts';

declare const YIDI_BUNDLED_SYNC_WORKER: string | undefined;

/**
 * One window's connection to the office store, used synchronously (issue 18).
 *
 * Why synchronous: every service of the desk runs its transactions synchronously on better-sqlite3
 * (one writer, no interleaving, no await inside a transaction — ARCHITECTURE.md). Reaching
 * PostgreSQL the same way keeps those guarantees and the code written once: the statement runs on
 * a worker thread holding the `pg` client while this thread waits on an Atomics word, as
 * better-sqlite3 itself blocks on the disk. A statement on the office LAN takes a fraction of a
 * millisecond to a few; the wait is bounded by `timeoutMs`, after which the store counts as
 * unreachable (StoreUnreachableError), the worker is dropped — PostgreSQL rolls back whatever
 * the lost connection had open — and the next statement connects afresh.
 */
export class StoreUnreachableError extends Error {
  readonly code = 'OFFICE_STORE_UNREACHABLE';
  constructor(detail: string) {
    super(`办公室数据库连接不上（${detail}）：本窗口暂停记账，不在本机另存任何数据；数据库恢复后自动继续。`);
  }
}

/** A statement the server refused: its SQLSTATE and constraint, as better-sqlite3's SqliteError carries a code. */
export class OfficeSqlError extends Error {
  constructor(message: string, readonly code: string | null, readonly constraint: string | null, readonly detail: string | null) {
    super(message);
  }
}

export interface SyncConnectionOptions {
  /** The longest a statement (or the connect) may take before the store counts as unreachable. */
  timeoutMs?: number;
}

export interface SyncResult { rows: unknown[]; rowCount: number }

function workerUrl(): URL {
  return typeof YIDI_BUNDLED_SYNC_WORKER === 'string' ? new URL(YIDI_BUNDLED_SYNC_WORKER) : new URL('./syncWorker.ts', import.meta.url);
}

export class SyncPgConnection {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig, options: SyncConnectionOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  query(text: string, params: unknown[] = [], array = false): SyncResult {
    this.ensureOpen();
    return this.call({ kind: 'query', text, params, array });
  }

  /** Connects now (a start-up check); later statements reconnect by themselves after a loss. */
  connect(): void {
    this.ensureOpen();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.worker) {
      try {
        this.call({ kind: 'close' });
      } catch {
        // closing a lost connection: nothing left to end
      }
      this.drop();
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreUnreachableError('本窗口已关闭办公室数据库连接');
    if (this.worker) return;
    const { port1, port2 } = new MessageChannel();
    const data: SyncWorkerData = { config: this.config, port: port2, signal: this.signal.buffer as SharedArrayBuffer };
    this.worker = new Worker(workerUrl(), { workerData: data, transferList: [port2] });
    // The desk must be able to exit while the connection is idle.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    try {
      this.call({ kind: 'connect' });
    } catch (e) {
      this.drop();
      throw e;
    }
  }

  private call(r: SyncRequest): SyncResult {
    const port = this.port!;
    Atomics.store(this.signal, 0, 0);
    port.postMessage(r);
    const waited = Atomics.wait(this.signal, 0, 0, this.timeoutMs);
    const got = receiveMessageOnPort(port);
    if (waited === 'timed-out' || !got) {
      this.drop();
      throw new StoreUnreachableError(`${Math.round(this.timeoutMs / 1000)} 秒内没有回答`);
    }
    const a = got.message as SyncAnswer;
    if (a.ok) return { rows: a.rows, rowCount: a.rowCount };
    if (a.lost) {
      this.drop();
      throw new StoreUnreachableError(a.message);
    }
    throw new OfficeSqlError(process.env.YIDI_OFFICE_SQL_DEBUG === '1' && r.kind === 'query' ? `${a.message}\n${r.text}` : a.message, a.code, a.constraint, a.detail);
  }

  private drop(): void {
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    if (w) void w.terminate();
  }
}
