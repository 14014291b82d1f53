import type { Db } from '../../db/open.ts';
import { setSetting, getSetting } from '../../db/repos/institution.ts';
import {
  confirmDelivered,
  confirmDeliveredMany,
  dueHeads,
  markSending,
  movableCount,
  nextDueAt,
  parkRejected,
  pendingCount,
  recordAnswers,
  scheduleRetry,
  sendableCount,
  wakeAll,
  type DeliveredResult,
  type OutboxRow,
} from '../../db/repos/outbox.ts';
import { AgencyError, NetworkError, RejectedError, ServerError, type AgencyClient, type BatchItemResult } from '../agency/client.ts';
import type { AgencyResponse, RequestEnvelope } from '../../shared/agency/envelope.ts';
import type { Connectivity } from '../services/connectivity.ts';
import { agencyTextSummary } from './agencyText.ts';
import { NotReady, syncHooks, type SyncHooks } from './hooks.ts';

/**
 * The outbox worker: delivers what the desk wrote to the outbox, exactly once, whatever happens.
 *
 * - Batches by count and bytes; only the head of each order_key goes out — the key of a stay's
 *   messages is its PERSON (db/repos/outbox.ts enqueueMessage), so a person's messages reach the
 *   agency in the order they were written, across stays (the old stay's 2404 before the next
 *   2401), and a parked (rejected) item holds back only its own person's queue. A run of fee
 *   uploads (2301) at the head goes in one batch (they do not depend on one another).
 * - Every retry sends the same msgid; the agency answers a repeat from its store, so a batch whose
 *   fate is unknown (timeout, dropped answer, garbage) is simply sent again.
 * - Confirmation ("echo", the default): a success answer is stored on the item and the item is sent
 *   once more; only when the agency gives the same answer again (same inf_refmsgid) has it proved
 *   that it stored the message, and only then are the result and the handler's business rows
 *   written and the item removed — in one transaction. An agency that answered and then lost the
 *   message (crash before its commit) processes the repeat as new, and the new answer is confirmed
 *   in turn. `confirm: 'once'` trusts the first answer (for an agency that does not echo repeats).
 * - Network errors and 5xx: capped exponential backoff with jitter per item; a network error also
 *   marks the desk offline, and while offline only pings go out; back online, every backoff ends.
 * - A business refusal (infcode ≠ 0) or a 4xx parks that item as rejected with the agency's
 *   message; a 4xx of a whole batch is retried item by item to find the one it was about; a 401/403
 *   (signature, key, clock) is the desk's configuration, not any item's: nothing is parked, the
 *   worker reports it and backs off.
 * - All state is in SQLite and every step is a transaction, so a SIGKILL anywhere loses nothing:
 *   after a restart the same msgids are sent again.
 */

export interface OutboxWorkerOptions {
  db: () => Db;
  client: () => AgencyClient;
  connectivity?: Connectivity;
  hooks?: SyncHooks;
  /** Items per batch. Default 200 (the reference agency takes up to 1000). */
  maxItems?: number;
  /** Payload bytes per batch (a single larger item still goes alone). Default 2 MiB. */
  maxBytes?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often to look for new items when nothing is due. Default 1000 ms. */
  idleMs?: number;
  /** How often to ping while offline. Default 5000 ms. */
  offlineProbeMs?: number;
  confirm?: 'echo' | 'once';
  random?: () => number;
  now?: () => Date;
}

export interface RoundReport {
  /** Items in the batch(es) sent this round. */
  sent: number;
  /** Delivered and confirmed: gone from the outbox. */
  confirmed: number;
  /** Answered, to be confirmed by the next send. */
  awaiting: number;
  rejected: number;
  /** Left for a retry after a network error, 5xx or configuration error. */
  retry: number;
  error: string | null;
}

export interface SyncProgress {
  /** Confirmed since this busy period began. */
  done: number;
  /** done + still pending. */
  total: number;
  startedAt: string;
  /** Items in the request on the wire right now. */
  inFlight: number;
}

interface Outgoing {
  row: OutboxRow;
  env: RequestEnvelope;
}

const CONFIG_STATUSES = new Set([401, 403]);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The key that tells two answers apart: the agency's own message id, else the whole outcome. */
function answerKey(r: Pick<AgencyResponse, 'inf_refmsgid' | 'infcode' | 'output'>): string {
  return r.inf_refmsgid ?? JSON.stringify([r.infcode, r.output]);
}

export class OutboxWorker {
  private readonly hooks: SyncHooks;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly idleMs: number;
  private readonly offlineProbeMs: number;
  readonly confirm: 'echo' | 'once';
  private readonly random: () => number;
  private readonly now: () => Date;

  private loopPromise: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private roundChain: Promise<unknown> = Promise.resolve();
  private roundWaiters: ((r: RoundReport) => void)[] = [];

  /** The worker-level problem of the last round (configuration, offline), null when it went well. */
  lastError: string | null = null;
  lastRound: RoundReport | null = null;
  progress: SyncProgress | null = null;
  private inFlight = 0;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.hooks = options.hooks ?? syncHooks;
    this.maxItems = options.maxItems ?? 200;
    this.maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 5 * 60_000;
    this.idleMs = options.idleMs ?? 1000;
    this.offlineProbeMs = options.offlineProbeMs ?? 5000;
    this.confirm = options.confirm ?? 'echo';
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  get running(): boolean {
    return this.loopPromise !== null && !this.stopping;
  }

  /** The delay before try number `attempt` (1-based): base·2^(attempt−1), capped, with "equal jitter" (½ to 1×). */
  backoffMs(attempt: number): number {
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    return Math.round(exp / 2 + (exp / 2) * this.random());
  }

  start(): void {
    if (this.loopPromise) return;
    this.stopping = false;
    this.loopPromise = this.loop().finally(() => {
      this.loopPromise = null;
    });
  }

  /** Graceful stop: the batch in flight is finished (answer stored) before this resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopPromise;
    await this.roundChain.catch(() => undefined);
  }

  /** Look at the outbox now rather than at the next poll (e.g. right after an enqueue). */
  notify(): void {
    this.wake?.();
  }

  /**
   * Send now: every backoff ends and a round runs at once. Resolves with the report of that round
   * (the loop's next round when the worker is running, one round of its own otherwise).
   */
  async runNow(): Promise<RoundReport> {
    this.options.db().transaction((tx) => wakeAll(tx));
    if (this.running) {
      const p = new Promise<RoundReport>((resolve) => this.roundWaiters.push(resolve));
      this.wake?.();
      return p;
    }
    return this.round();
  }

  /**
   * Rounds until nothing more can be sent (rejected items, and the items queued behind them, stay),
   * waiting out backoffs; for tests, the bench and the CLI. Bounded by `maxRounds`.
   */
  async drain(maxRounds = 10_000): Promise<{ rounds: number; pending: number }> {
    let rounds = 0;
    let last: RoundReport | null = null;
    while (rounds < maxRounds) {
      const db = this.options.db();
      if ((last === null || last.sent < this.maxItems) && sendableCount(db) === 0) return { rounds, pending: pendingCount(db) };
      const r = await this.round();
      last = r;
      rounds++;
      if (r.sent === 0 || r.error !== null) await this.sleep(this.waitAfter(r));
    }
    return { rounds, pending: pendingCount(this.options.db()) };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let wait: number;
      try {
        wait = await this.step();
      } catch (e) {
        // A closed database (restore in progress) or another surprise: try again later.
        this.lastError = message(e);
        wait = this.idleMs;
      }
      if (this.stopping) break;
      if (wait > 0) await this.sleep(wait);
    }
  }

  private async step(): Promise<number> {
    const conn = this.options.connectivity;
    if (conn && conn.online === false) {
      const back = await conn.check();
      if (!back) {
        this.lastError = '医保平台无法连接（离线），恢复后自动上传';
        const offline: RoundReport = { sent: 0, confirmed: 0, awaiting: 0, rejected: 0, retry: 0, error: this.lastError };
        for (const w of this.roundWaiters.splice(0)) w(offline);
        return this.offlineProbeMs;
      }
      this.options.db().transaction((tx) => wakeAll(tx));
    }
    const r = await this.round();
    const waiters = this.roundWaiters.splice(0);
    for (const w of waiters) w(r);
    if (r.sent > 0 && r.error === null) return 0;
    return this.waitAfter(r);
  }

  /** How long to sleep after a round that sent nothing or failed: until the next backoff ends, at most idleMs. */
  private waitAfter(r: RoundReport): number {
    if (r.sent > 0 && r.error === null) return 0;
    const next = nextDueAt(this.options.db());
    if (next === null) return r.error !== null ? Math.min(this.idleMs, this.backoffBaseMs) : this.idleMs;
    return Math.max(1, Math.min(this.idleMs, Date.parse(next) - this.now().getTime()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One round: pick due heads, send them as one batch, store what came back. Rounds never overlap. */
  round(): Promise<RoundReport> {
    const next = this.roundChain.then(() => this.roundExclusive());
    this.roundChain = next.catch(() => undefined);
    return next;
  }

  private async roundExclusive(): Promise<RoundReport> {
    const report: RoundReport = { sent: 0, confirmed: 0, awaiting: 0, rejected: 0, retry: 0, error: null };
    const db = this.options.db();
    const now = this.now();
    const batch = db.transaction((tx) => {
      const rows = dueHeads(tx, now.toISOString(), this.maxItems, this.maxBytes);
      const out: Outgoing[] = [];
      const marks: { id: number; payload?: string }[] = [];
      for (const row of rows) {
        let env = JSON.parse(row.payload) as RequestEnvelope;
        let payload: string | undefined;
        if (row.attempts === 0 && this.hooks.hasPrepare(row.infno)) {
          try {
            env = tx.transaction((sp) => this.hooks.runPrepare(sp, env));
            payload = JSON.stringify(env);
          } catch (e) {
            if (e instanceof NotReady) {
              scheduleRetry(tx, row.msgid, new Date(now.getTime() + this.backoffMs(1)).toISOString(), e.message);
            } else {
              this.park(tx, row, env, `报文准备失败：${message(e)}`, false);
              report.rejected++;
            }
            continue;
          }
        }
        out.push({ row, env });
        marks.push({ id: row.id, payload });
      }
      markSending(tx, marks);
      return out;
    });
    if (batch.length === 0) {
      this.lastRound = report;
      // Items held back behind a rejected head are not "being sent": no progress to show for them.
      if (movableCount(db) === 0) this.progress = null;
      return report;
    }
    if (!this.progress) this.progress = { done: 0, total: movableCount(db), startedAt: now.toISOString(), inFlight: 0 };
    await this.send(batch, report);
    if (this.progress) {
      this.progress.done += report.confirmed;
      // A full batch means more is queued; count (a scan) only when the queue may be running out.
      const left = batch.length < this.maxItems ? movableCount(this.options.db()) : null;
      this.progress.total = Math.max(this.progress.total, this.progress.done + (left ?? 1));
      if (left === 0) this.progress = null;
    }
    if (report.error === null) this.lastError = null;
    this.lastRound = report;
    return report;
  }

  private async send(batch: Outgoing[], report: RoundReport): Promise<void> {
    report.sent += batch.length;
    let results: BatchItemResult[];
    this.inFlight = batch.length;
    if (this.progress) this.progress.inFlight = batch.length;
    try {
      results = await this.options.client().batch(batch.map((b) => b.env));
    } catch (e) {
      if (e instanceof RejectedError && !CONFIG_STATUSES.has(e.status)) {
        if (batch.length > 1) {
          // The agency refused the request as a whole: find the item it was about by sending each alone.
          report.sent -= batch.length;
          for (const b of batch) await this.send([b], report);
          return;
        }
        this.options.db().transaction((tx) => this.park(tx, batch[0]!.row, batch[0]!.env, e.message, true));
        report.rejected++;
        return;
      }
      this.retryLater(batch, e, report);
      return;
    } finally {
      this.inFlight = 0;
      if (this.progress) this.progress.inFlight = 0;
    }
    const conn = this.options.connectivity;
    if (conn) {
      conn.online = true;
      conn.lastContactAt = this.now().toISOString();
    }
    const at = this.now().toISOString();
    this.options.db().transaction((tx) => {
      const answers: { msgid: string; answer: string }[] = [];
      const plain: DeliveredResult[] = [];
      batch.forEach((b, i) => {
        const r = results[i]!;
        if (!r.ok) {
          this.park(tx, b.row, b.env, r.error.message, true);
          report.rejected++;
          return;
        }
        const echoed = b.row.answer !== null && answerKey(JSON.parse(b.row.answer) as AgencyResponse) === answerKey(r.response);
        if (this.confirm === 'echo' && !echoed) {
          answers.push({ msgid: b.row.msgid, answer: JSON.stringify(r.response) });
          report.awaiting++;
          return;
        }
        const delivered: DeliveredResult = { msgid: b.row.msgid, infno: b.row.infno, infcode: r.response.infcode, errMsg: r.response.err_msg, output: r.response.output };
        if (!this.hooks.hasResult(b.row.infno)) {
          plain.push(delivered);
          report.confirmed++;
          return;
        }
        try {
          tx.transaction((sp) => {
            confirmDelivered(sp, delivered);
            this.hooks.runResult(sp, b.env, r.response);
          });
          report.confirmed++;
        } catch (e) {
          // The agency has it; our side could not take the result. A re-send (same msgid) retries the handler.
          this.park(tx, b.row, b.env, `医保平台已受理，但本机保存结果失败：${message(e)}`, false);
          report.rejected++;
        }
      });
      recordAnswers(tx, answers);
      confirmDeliveredMany(tx, plain);
      if (report.confirmed > 0) setSetting(tx, 'sync.lastSuccessAt', at);
    });
  }

  private retryLater(batch: Outgoing[], e: unknown, report: RoundReport): void {
    // Whatever came back (an HTML page, binary) is shown as a short summary, never raw.
    const text = agencyTextSummary(message(e));
    const config = e instanceof RejectedError && CONFIG_STATUSES.has(e.status);
    report.error = config ? `医保平台拒绝了本机的身份（${text}），请检查机构编号、密钥和本机时间；待上传的报文已保留` : text;
    this.lastError = report.error;
    if (e instanceof NetworkError && this.options.connectivity) this.options.connectivity.online = false;
    const now = this.now().getTime();
    this.options.db().transaction((tx) => {
      for (const b of batch) scheduleRetry(tx, b.row.msgid, new Date(now + this.backoffMs(b.row.attempts + 1)).toISOString(), text);
    });
    report.retry += batch.length;
    if (!(e instanceof AgencyError) && !(e instanceof ServerError)) {
      // Not one of the client's typed errors: still retried (same msgid), but worth seeing.
      this.lastError = `同步异常：${text}`;
    }
  }

  /**
   * Parks an item. `byAgency`: the agency refused it (business refusal, 4xx) — its words are kept
   * raw for audit (refusal_raw, capped at 1 MB) and shown as a short summary; such an item is put
   * right by a NEW message (sync.resend). A local failure keeps its msgid for the resend.
   */
  private park(tx: Parameters<Parameters<Db['transaction']>[0]>[0], row: OutboxRow, env: RequestEnvelope, why: string, byAgency: boolean): void {
    parkRejected(tx, row.msgid, agencyTextSummary(why).slice(0, 2000), byAgency ? why.slice(0, 1024 * 1024) : null);
    try {
      tx.transaction((sp) => this.hooks.runRejected(sp, env, agencyTextSummary(why)));
    } catch {
      // A rejected-hook failure must not keep the item from being parked.
    }
  }
}

/** When the last item was confirmed (persisted, so it survives restarts). */
export function lastSyncSuccess(db: Db): string | null {
  return getSetting(db, 'sync.lastSuccessAt') ?? null;
}
