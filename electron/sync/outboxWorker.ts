// Over 400 lines: the delivery state machine (send, answer, 冲正, new msgid, park) is one loop; splitting it would scatter one invariant.
import type { SyncRoundView } from '../../shared/api/sync.ts';
import type { Db } from '../../db/open.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { setSetting, getSetting } from '../../db/repos/institution.ts';
import {
  armUnknownOutcome,
  confirmDelivered,
  disarmUnknownOutcome,
  dueHeads,
  markRenewMsgid,
  markSending,
  markUnknownOutcome,
  movableCount,
  rearmUnknownOutcome,
  nextDueAt,
  parkRejected,
  pendingCount,
  pendingReversal,
  recordReversal,
  scheduleRetry,
  sendableCount,
  setWireMsgid,
  wakeAll,
  wireMsgidOf,
  type DeliveredResult,
  type OutboxRow,
  type PendingReversal,
} from '../../db/repos/outbox.ts';
import { AgencyError, BusinessError, NetworkError, RejectedError, ServerError, type AgencyClient } from '../agency/client.ts';
import type { AgencyResponse, RequestEnvelope } from '../../shared/agency/envelope.ts';
import { isDuplicateMsgid, isReversalNotInEffect, isReversalOriginalMissing, isStateChanging, psnNoOf, REVERSAL_INFNO } from '../../shared/agency/transactions.ts';
import type { Connectivity } from '../services/connectivity.ts';
import { agencyTextSummary } from './agencyText.ts';
import { NotReady, syncHooks, type SyncHooks } from './hooks.ts';

/**
 * The outbox worker: delivers what the desk wrote to the outbox, exactly once, whatever happens —
 * against a platform that has no batch endpoint and does not deduplicate a repeated msgid
 * (docs/agency.md, national-interface.md §0).
 *
 * - Only the head of each order_key goes out — the key of a stay's messages is its PERSON
 *   (db/repos/outbox.ts enqueueMessage), so a person's messages reach the agency in the order they
 *   were written, across stays, and a parked item holds back only its own person's queue. A run of
 *   fee uploads (2301) at the head may be in flight together. Single transactions, at most
 *   `concurrency` at once, over keep-alive connections.
 * - An answer is trusted when it arrives: result, business rows and the item's removal are one
 *   savepoint; the answers that arrive in the same turn of the event loop are committed together
 *   in one durable transaction (group commit, sync.10k), each still whole or not at all — and
 *   should that transaction fail, each answer is stored again in a transaction of its own.
 * - A request that never reached the agency (connection refused, DNS) is retried with the same
 *   msgid. A state-changing send whose outcome is unknown (timeout, reset, a cut or garbled answer,
 *   5xx, 报文ID重复) waits for a 2601 冲正 of that msgid; reversed — or the original not in effect —
 *   it goes again under a NEW msgid; any other refusal of the 2601 parks it for a person. "原交易不存在"
 *   is believed only `inFlightGraceMs` after the outcome became unknown: before that a gateway may
 *   still hold the original and book it late (then it would be in effect twice), so another 2601
 *   goes at since + grace and takes back a late original if it landed. A query
 *   whose answer was lost simply goes again under a new msgid. Never a second 2304 while the first
 *   one's outcome is unknown: the item itself waits behind its own 2601.
 * - Network errors and 5xx: capped exponential backoff with jitter per item; a network error also
 *   marks the desk offline, and while offline only pings go out; back online, every backoff ends.
 * - A business refusal (infcode ≠ 0) or a 4xx parks that item with the agency's message; a 401/403
 *   (signature, token, clock) is the desk's configuration, not any item's: nothing is parked, the
 *   worker reports it and backs off.
 * - All state is in SQLite and every step is a transaction, so a SIGKILL anywhere loses nothing:
 *   a state-changing item is marked "outcome unknown" in the transaction that picks it (write-ahead,
 *   armUnknownOutcome), so after a restart an item that was in flight is resolved by its 2601 first
 *   — never sent blindly again under the same msgid, which a platform that does not deduplicate
 *   could take twice. The mark is cleared when the send is known not to have arrived.
 */

export interface OutboxWorkerOptions {
  db: () => Db;
  client: () => AgencyClient;
  /** A fresh envelope (msgid allocated) for the 2601 冲正, in the caller's transaction. */
  newEnvelope: (tx: Tx, opter: { login: string; name: string }, infno: string, input: unknown, insuplcAdmdvs?: string) => RequestEnvelope<unknown>;
  /** A fresh msgid (after a 冲正, or a used-up one), in the caller's transaction. */
  allocateMsgid: (tx: Tx) => string;
  connectivity?: Connectivity;
  hooks?: SyncHooks;
  /** Items picked per round. Default 64. */
  maxItems?: number;
  /** Payload bytes per round (a single larger item still goes alone). Default 8 MiB. */
  maxBytes?: number;
  /** Transactions in flight at once. Default 4. */
  concurrency?: number | (() => number);
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often to look for new items when nothing is due. Default 1000 ms. */
  idleMs?: number;
  /** How often to ping while offline. Default 5000 ms. */
  offlineProbeMs?: number;
  random?: () => number;
  now?: () => Date;
  /**
   * How long after an outcome became unknown (PendingReversal.since) a 2601 answer "原交易不存在"
   * is trusted, ms. Sooner, the original may still be held in a gateway and take effect after the
   * resend; the worker then sends another 2601 at since + grace instead of the resend. It must be
   * at least the agency request timeout (a request the desk gave up on is not older than that at
   * `since`, and the gateway may be as slow again): default DEFAULT_IN_FLIGHT_GRACE_MS; the desk
   * passes twice its configured timeout (desk.ts). Tests of the not-found path set a short one.
   */
  inFlightGraceMs?: number | (() => number);
  /**
   * Office mode (issue 18): whether this window is the office's one sender right now (the
   * advisory lock of db/pg/senderLock.ts). Every window shares one outbox; only the sender's
   * rounds pick and send, so no item is ever on the wire from two windows. Absent: always.
   */
  isSender?: () => Promise<boolean>;
}

/** Twice the default agency request timeout (10 s, electron/agency/config.ts). */
export const DEFAULT_IN_FLIGHT_GRACE_MS = 20_000;

/** What one round did; the 同步 screen shows it as it is. */
export type RoundReport = SyncRoundView;

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
  /** When the round picked it (and armed its write-ahead mark). */
  pickedAt: number;
}

/** An armed item that waited longer than this for its lane gets its mark's time moved to the send. */
const REARM_AFTER_MS = 200;

const CONFIG_STATUSES = new Set([401, 403]);

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class OutboxWorker {
  private readonly hooks: SyncHooks;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly idleMs: number;
  private readonly offlineProbeMs: number;
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
  /** Answers waiting for the group commit of this turn (storeResult). */
  private answers: { item: Outgoing; response: AgencyResponse; report: RoundReport; done: (e?: unknown) => void }[] = [];

  constructor(private readonly options: OutboxWorkerOptions) {
    this.hooks = options.hooks ?? syncHooks;
    this.maxItems = options.maxItems ?? 64;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 5 * 60_000;
    this.idleMs = options.idleMs ?? 1000;
    this.offlineProbeMs = options.offlineProbeMs ?? 5000;
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
        const offline: RoundReport = { sent: 0, confirmed: 0, unknown: 0, reversed: 0, rejected: 0, retry: 0, error: this.lastError };
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

  /** One round: pick due heads, send each (a few at a time), store what came back. Rounds never overlap. */
  round(): Promise<RoundReport> {
    const next = this.roundChain.then(() => this.roundExclusive());
    this.roundChain = next.catch(() => undefined);
    return next;
  }

  private async roundExclusive(): Promise<RoundReport> {
    const report: RoundReport = { sent: 0, confirmed: 0, unknown: 0, reversed: 0, rejected: 0, retry: 0, error: null };
    // Another window sends for the office: its deliveries show up in the shared outbox.
    if (this.options.isSender && !(await this.options.isSender())) return report;
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
        // A used-up msgid (refused, or a query whose answer was lost) is replaced before the send.
        let current = row;
        if (row.renewMsgid === 1 && row.reversal === null) {
          const wire = this.options.allocateMsgid(tx);
          setWireMsgid(tx, row.msgid, wire);
          current = { ...row, wireMsgid: wire, renewMsgid: 0 };
        }
        out.push({ row: current, env, pickedAt: now.getTime() });
        marks.push({ id: row.id, payload });
        if (isStateChanging(row.infno) && row.reversal === null && row.answer === null) armUnknownOutcome(tx, row.msgid, wireMsgidOf(current), now.toISOString());
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
    await this.sendAll(batch, report);
    if (this.progress) {
      this.progress.done += report.confirmed;
      // A full round means more is queued; count (a scan) only when the queue may be running out.
      const left = batch.length < this.maxItems ? movableCount(this.options.db()) : null;
      this.progress.total = Math.max(this.progress.total, this.progress.done + (left ?? 1));
      if (left === 0) this.progress = null;
    }
    if (report.error === null) this.lastError = null;
    this.lastRound = report;
    return report;
  }

  /** Every item of the round, at most `concurrency` in flight; a configuration error stops the rest. */
  private async sendAll(batch: Outgoing[], report: RoundReport): Promise<void> {
    const limit = Math.max(1, typeof this.options.concurrency === 'function' ? this.options.concurrency() : (this.options.concurrency ?? 4));
    let next = 0;
    let stop = false;
    const lane = async (): Promise<void> => {
      while (!stop && next < batch.length) {
        const item = batch[next++]!;
        this.inFlight++;
        if (this.progress) this.progress.inFlight = this.inFlight;
        try {
          const outcome = await this.deliver(item, report);
          if (outcome === 'config' || outcome === 'offline') stop = true;
        } finally {
          this.inFlight--;
          if (this.progress) this.progress.inFlight = this.inFlight;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, batch.length) }, () => lane()));
    // What a stop left unsent is simply due again after a backoff (nothing of it went out).
    const untouched = batch.slice(next);
    if (untouched.length > 0) {
      const at = this.now().getTime();
      this.options.db().transaction((tx) => {
        for (const b of untouched) {
          // Only a mark this round armed: one that was there at the pick (a killed desk's, or one
          // whose 2601 said 原交易不存在 within the grace) still waits for its 2601.
          if (b.row.reversal === null) disarmUnknownOutcome(tx, b.row.msgid);
          scheduleRetry(tx, b.row.msgid, new Date(at + this.backoffMs(b.row.attempts + 1)).toISOString(), report.error ?? '等待重试');
        }
      });
      report.retry += untouched.length;
    }
  }

  private async deliver(item: Outgoing, report: RoundReport): Promise<'ok' | 'config' | 'offline'> {
    report.sent++;
    if (item.row.answer !== null) {
      // The agency answered before and only our side failed to store it: run the hook on that answer.
      await this.storeResult(item, JSON.parse(item.row.answer) as AgencyResponse, report);
      return 'ok';
    }
    const reversal = pendingReversal(item.row);
    if (reversal) return this.reverse(item, reversal, report);
    const wireEnv: RequestEnvelope = { ...item.env, msgid: wireMsgidOf(item.row) };
    const sendAt = this.now();
    if (isStateChanging(item.row.infno) && sendAt.getTime() - item.pickedAt > REARM_AFTER_MS) {
      this.options.db().transaction((tx) => rearmUnknownOutcome(tx, item.row.msgid, sendAt.toISOString()));
    }
    let response: AgencyResponse;
    try {
      response = await this.options.client().call(wireEnv);
    } catch (e) {
      return this.failed(item, wireEnv, e, report);
    }
    this.online();
    await this.storeResult(item, response, report);
    return 'ok';
  }

  /**
   * The agency answered success: result, business rows and the item's removal together. Settles
   * once that is durable. Answers arriving in the same turn share one commit (one fsync instead
   * of one each); the group is written after the turn's I/O callbacks (setImmediate).
   */
  private storeResult(item: Outgoing, response: AgencyResponse, report: RoundReport): Promise<void> {
    return new Promise((resolve, reject) => {
      this.answers.push({ item, response, report, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (this.answers.length === 1) setImmediate(() => this.commitAnswers());
    });
  }

  private commitAnswers(): void {
    const group = this.answers.splice(0);
    const at = this.now().toISOString();
    let outcomes: ('confirmed' | 'rejected')[];
    try {
      outcomes = this.options.db().transaction((tx) => {
        const out = group.map((a) => this.storeOne(tx, a.item, a.response));
        if (out.includes('confirmed')) setSetting(tx, 'sync.lastSuccessAt', at);
        return out;
      });
    } catch {
      // Nothing of the group was written: each answer in a transaction of its own, as one alone would be.
      for (const a of group) {
        try {
          const outcome = this.options.db().transaction((tx) => {
            const o = this.storeOne(tx, a.item, a.response);
            if (o === 'confirmed') setSetting(tx, 'sync.lastSuccessAt', at);
            return o;
          });
          a.report[outcome]++;
          a.done();
        } catch (e) {
          a.done(e);
        }
      }
      return;
    }
    group.forEach((a, i) => {
      a.report[outcomes[i]!]++;
      a.done();
    });
  }

  /** One answer inside the group's transaction: its own savepoint, parked with the answer kept if our side cannot take it. */
  private storeOne(tx: Parameters<Parameters<Db['transaction']>[0]>[0], item: Outgoing, response: AgencyResponse): 'confirmed' | 'rejected' {
    const delivered: DeliveredResult = { msgid: item.row.msgid, infno: item.row.infno, infcode: response.infcode, errMsg: response.err_msg, output: response.output };
    try {
      tx.transaction((sp) => {
        confirmDelivered(sp, delivered);
        if (this.hooks.hasResult(item.row.infno)) this.hooks.runResult(sp, item.env, response);
      });
      return 'confirmed';
    } catch (e) {
      // The agency has it; our side could not take the result. The answer is kept: a resend runs
      // the handler on it again, without a second transaction at the agency.
      this.park(tx, item.row, item.env, `医保平台已受理，但本机保存结果失败：${message(e)}`, false, JSON.stringify(response));
      return 'rejected';
    }
  }

  private async failed(item: Outgoing, wireEnv: RequestEnvelope, e: unknown, report: RoundReport): Promise<'ok' | 'config' | 'offline'> {
    if (e instanceof BusinessError) {
      this.online();
      if (isDuplicateMsgid(e.errMsg)) {
        // The agency already holds this msgid: whatever became of it is unknown to us.
        this.unknownOutcome(item, wireEnv.msgid, `医保平台称报文ID重复（${e.errMsg}）`, report);
        return 'ok';
      }
      this.options.db().transaction((tx) => this.park(tx, item.row, item.env, e.message, true));
      report.rejected++;
      return 'ok';
    }
    if (e instanceof RejectedError) {
      if (CONFIG_STATUSES.has(e.status)) {
        this.retryLater([item], e, report, true);
        return 'config';
      }
      // Refused before it was processed (4xx, the gateway's own error shape): a person looks at it.
      this.online();
      this.options.db().transaction((tx) => this.park(tx, item.row, item.env, e.message, true));
      report.rejected++;
      return 'ok';
    }
    if (e instanceof NetworkError && !e.mayHaveArrived) {
      // Never reached the agency: the same msgid again later.
      this.retryLater([item], e, report, true);
      return 'offline';
    }
    if (e instanceof NetworkError || e instanceof ServerError) {
      this.unknownOutcome(item, wireEnv.msgid, agencyTextSummary(message(e)), report);
      if (e instanceof NetworkError && this.options.connectivity) this.options.connectivity.online = false;
      return e instanceof NetworkError ? 'offline' : 'ok';
    }
    this.retryLater([item], e, report);
    return 'ok';
  }

  /**
   * The send may or may not have taken effect (docs/agency.md). A state-changing transaction waits
   * for a 2601 冲正 of that msgid; anything else just goes again under a new msgid.
   */
  private unknownOutcome(item: Outgoing, omsgid: string, reason: string, report: RoundReport): void {
    const at = this.now();
    const due = new Date(at.getTime() + this.backoffMs(item.row.attempts)).toISOString();
    this.options.db().transaction((tx) => {
      if (isStateChanging(item.row.infno)) markUnknownOutcome(tx, item.row.msgid, { omsgid, reason, since: at.toISOString() }, due);
      else markRenewMsgid(tx, item.row.msgid, due, reason);
    });
    report.unknown++;
    report.retry++;
    this.lastError = `结果未知：${reason}`;
  }

  /** 2601 冲正 of the unknown send; each try under a msgid of its own, until it has an answer. */
  private async reverse(item: Outgoing, u: PendingReversal, report: RoundReport): Promise<'ok' | 'config' | 'offline'> {
    const env = item.env;
    const rev = this.options.db().transaction((tx) =>
      this.options.newEnvelope(tx, { login: env.opter, name: env.opter_name }, REVERSAL_INFNO, { data: { psn_no: psnNoOf(env.input), omsgid: u.omsgid, oinfno: env.infno } }, env.insuplc_admdvs || undefined),
    );
    let outcome: 'reversed' | 'not-in-effect' | 'not-yet' | 'refused';
    let errMsg: string | null = null;
    try {
      await this.options.client().call(rev);
      outcome = 'reversed';
    } catch (e) {
      if (e instanceof BusinessError) {
        errMsg = e.errMsg;
        outcome = isReversalNotInEffect(e.errMsg) ? 'not-in-effect' : 'refused';
      } else if (e instanceof RejectedError && CONFIG_STATUSES.has(e.status)) {
        this.retryLater([item], e, report);
        return 'config';
      } else if (e instanceof RejectedError) {
        errMsg = e.message;
        outcome = 'refused';
      } else {
        // The 2601's own answer is unknown: another 2601 later (reversing twice is harmless).
        this.retryLater([item], e, report);
        return e instanceof NetworkError ? 'offline' : 'ok';
      }
    }
    this.online();
    // "Not there" may only mean "not there yet": within the grace the original may still land.
    const trustAt = Date.parse(u.since) + this.graceMs();
    if (outcome === 'not-in-effect' && isReversalOriginalMissing(errMsg) && this.now().getTime() < trustAt) outcome = 'not-yet';
    this.options.db().transaction((tx) => {
      const nextMsgid = outcome === 'refused' || outcome === 'not-yet' ? null : this.options.allocateMsgid(tx);
      recordReversal(tx, { itemMsgid: item.row.msgid, infno: item.row.infno, omsgid: u.omsgid, reversalMsgid: rev.msgid, outcome, reason: u.reason, errMsg, nextMsgid });
      if (outcome === 'not-yet') {
        const at = new Date(trustAt).toISOString();
        scheduleRetry(tx, item.row.msgid, at, `冲正（2601）答复原交易不存在，但原报文 ${u.omsgid} 可能仍在途中：${at} 再次冲正后才重发`);
      }
      if (outcome === 'refused') {
        const why = `${item.row.infno} 结果未知（${u.reason}），冲正（2601，报文 ${rev.msgid}）被医保平台拒绝：${errMsg ?? ''}。原报文 ${u.omsgid} 是否生效需与经办机构核实`;
        this.park(tx, item.row, env, why, true);
      }
    });
    if (outcome === 'refused') report.rejected++;
    else if (outcome === 'not-yet') report.retry++;
    else report.reversed++;
    return 'ok';
  }

  private graceMs(): number {
    const g = this.options.inFlightGraceMs;
    return typeof g === 'function' ? g() : (g ?? DEFAULT_IN_FLIGHT_GRACE_MS);
  }

  private online(): void {
    const conn = this.options.connectivity;
    if (conn) {
      conn.online = true;
      conn.lastContactAt = this.now().toISOString();
    }
  }

  /** `notSent`: the request is known not to have reached the agency, so no 冲正 is armed for it. */
  private retryLater(batch: Outgoing[], e: unknown, report: RoundReport, notSent = false): void {
    // Whatever came back (an HTML page, binary) is shown as a short summary, never raw.
    const text = agencyTextSummary(message(e));
    const config = e instanceof RejectedError && CONFIG_STATUSES.has(e.status);
    report.error = config ? `医保平台拒绝了本机的身份（${text}），请检查“设置 → 经办机构连接”中的接口方式、账号密钥和本机时间；待上传的报文已保留` : text;
    this.lastError = report.error;
    if (e instanceof NetworkError && this.options.connectivity) this.options.connectivity.online = false;
    const now = this.now().getTime();
    this.options.db().transaction((tx) => {
      for (const b of batch) {
        if (notSent) disarmUnknownOutcome(tx, b.row.msgid);
        scheduleRetry(tx, b.row.msgid, new Date(now + this.backoffMs(b.row.attempts + 1)).toISOString(), text);
      }
    });
    report.retry += batch.length;
    if (!(e instanceof AgencyError) && !(e instanceof ServerError)) {
      // Not one of the client's typed errors: still retried, but worth seeing.
      this.lastError = `同步异常：${text}`;
    }
  }

  /**
   * Parks an item. `byAgency`: the agency refused it (business refusal, 4xx) — its words are kept
   * raw for audit (refusal_raw, capped at 1 MB) and shown as a short summary; its msgid is used up
   * (the platform keeps every msgid it saw), so a resend goes under a new one. A local failure
   * keeps the agency's answer for the resend.
   */
  private park(tx: Parameters<Parameters<Db['transaction']>[0]>[0], row: OutboxRow, env: RequestEnvelope, why: string, byAgency: boolean, answer: string | null = null): void {
    parkRejected(tx, row.msgid, agencyTextSummary(why).slice(0, 2000), byAgency ? why.slice(0, 1024 * 1024) : null, { renewMsgid: byAgency, answer });
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
