import type { Tx } from '../../db/repos/clerks.ts';
import type { AgencyResponse, RequestEnvelope } from '../../shared/agency/envelope.ts';

/**
 * How other modules plug into the outbox worker, per transaction code (infno):
 *
 * - `registerResultHandler(infno, (tx, envelope, response) => …)` runs when the agency's success
 *   answer for a message of that infno is confirmed, inside the SAME transaction that stores the
 *   result in `outbox_results` and removes the item from the outbox — so the business result
 *   (2401 → the admission's mdtrt_id; 2304 → the agency's settlement beside ours) exists exactly
 *   when the item is gone. Use the repositories with `tx`; never do I/O or await. If a handler
 *   throws, nothing of that item is written: the item is parked as rejected with the error, and a
 *   re-send (same msgid: the agency answers from its store) runs the handler again.
 * - `registerPrepareHandler(infno, (tx, envelope) => envelope)` runs once, just before the first
 *   send, when every earlier message of the same order_key has been confirmed (and their result
 *   handlers have run). It may fill in what was unknown at enqueue time — e.g. the mdtrt_id that
 *   2401 returned, for the 2301/2402/2304 of the same admission. The returned envelope is stored
 *   and sent unchanged on every retry; it must keep the msgid and infno. Throw `NotReady` to leave
 *   the item for a later round, any other error parks it with that message.
 * - `registerRejectedHandler(infno, (tx, envelope, message) => …)` runs in the transaction that
 *   parks an item (a business refusal, a 4xx): e.g. flag the settlement whose 2304 was refused.
 *
 * Each returns a function that removes the registration (tests). Registrations are per process;
 * modules register at import time.
 */
export type ResultHandler = (tx: Tx, envelope: RequestEnvelope, response: AgencyResponse) => void;
export type PrepareHandler = (tx: Tx, envelope: RequestEnvelope) => RequestEnvelope;
export type RejectedHandler = (tx: Tx, envelope: RequestEnvelope, message: string) => void;
/**
 * Builds the input of a refused message again from the desk's current (corrected) state, through
 * the module's own builder (e.g. build2401 from the admission as it is now). The sync screen's
 * 重新发送 sends it as a NEW message (new msgid) in the refused one's place (issue 21 point 3).
 */
export type RebuildHandler = (tx: Tx, envelope: RequestEnvelope) => unknown;

/** Thrown by a prepare handler when what it needs is not there yet; the item is tried again later. */
export class NotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotReady';
  }
}

export class SyncHooks {
  private readonly results = new Map<string, ResultHandler[]>();
  private readonly prepares = new Map<string, PrepareHandler[]>();
  private readonly rejections = new Map<string, RejectedHandler[]>();
  private readonly rebuilds = new Map<string, RebuildHandler>();

  onResult(infno: string, fn: ResultHandler): () => void {
    return add(this.results, infno, fn);
  }

  onPrepare(infno: string, fn: PrepareHandler): () => void {
    return add(this.prepares, infno, fn);
  }

  onRejected(infno: string, fn: RejectedHandler): () => void {
    return add(this.rejections, infno, fn);
  }

  /** One builder per infno (the module that writes the message). */
  onRebuild(infno: string, fn: RebuildHandler): () => void {
    this.rebuilds.set(infno, fn);
    return () => {
      if (this.rebuilds.get(infno) === fn) this.rebuilds.delete(infno);
    };
  }

  hasRebuild(infno: string): boolean {
    return this.rebuilds.has(infno);
  }

  /** The new input for a refused envelope, from the current state (throws when it cannot be built). */
  runRebuild(tx: Tx, envelope: RequestEnvelope): unknown {
    const fn = this.rebuilds.get(envelope.infno);
    if (!fn) throw new Error(`交易 ${envelope.infno} 没有重新生成报文的方法`);
    return fn(tx, envelope);
  }

  hasResult(infno: string): boolean {
    return (this.results.get(infno)?.length ?? 0) > 0;
  }

  hasPrepare(infno: string): boolean {
    return (this.prepares.get(infno)?.length ?? 0) > 0;
  }

  runResult(tx: Tx, envelope: RequestEnvelope, response: AgencyResponse): void {
    for (const fn of this.results.get(envelope.infno) ?? []) fn(tx, envelope, response);
  }

  runPrepare(tx: Tx, envelope: RequestEnvelope): RequestEnvelope {
    let env = envelope;
    for (const fn of this.prepares.get(envelope.infno) ?? []) {
      env = fn(tx, env);
      if (env.msgid !== envelope.msgid || env.infno !== envelope.infno) throw new Error(`准备报文时不能改变报文ID或交易编号（${envelope.infno} ${envelope.msgid}）`);
    }
    return env;
  }

  runRejected(tx: Tx, envelope: RequestEnvelope, message: string): void {
    for (const fn of this.rejections.get(envelope.infno) ?? []) fn(tx, envelope, message);
  }
}

function add<T>(map: Map<string, T[]>, infno: string, fn: T): () => void {
  const list = map.get(infno) ?? [];
  list.push(fn);
  map.set(infno, list);
  return () => {
    const l = map.get(infno);
    if (l) map.set(infno, l.filter((f) => f !== fn));
  };
}

/** The process-wide registry the desk's worker uses. */
export const syncHooks = new SyncHooks();

export function registerResultHandler(infno: string, fn: ResultHandler): () => void {
  return syncHooks.onResult(infno, fn);
}

export function registerPrepareHandler(infno: string, fn: PrepareHandler): () => void {
  return syncHooks.onPrepare(infno, fn);
}

export function registerRejectedHandler(infno: string, fn: RejectedHandler): () => void {
  return syncHooks.onRejected(infno, fn);
}

export function registerRebuildHandler(infno: string, fn: RebuildHandler): () => void {
  return syncHooks.onRebuild(infno, fn);
}
