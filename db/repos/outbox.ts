// Over 400 lines: every state of an outbox item (due, sending, 冲正 marks, parked, resent) is written here, so one file says how an item moves.
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { byteLength, jsonIsTrue, jsonWithText } from '../dialect.ts';
import { admissions, outbox, outboxResends, outboxResults, outboxReversals, outpatientVisits } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { SQL_CHUNK } from './chunk.ts';

export type OutboxRow = typeof outbox.$inferSelect;

export function outboxDepth(db: Tx): { pending: number; rejected: number } {
  const rows = db.select({ status: outbox.status, n: sql<number>`count(*)` }).from(outbox).groupBy(outbox.status).all();
  return {
    pending: rows.find((r) => r.status === 'pending')?.n ?? 0,
    rejected: rows.find((r) => r.status === 'rejected')?.n ?? 0,
  };
}

/**
 * The order key a message is queued under. A stay's messages (`adm:<id>`) are ordered per PERSON
 * (`psn:<persons.id>` — one row per 证件号码, carrying psn_no and the insured region), so the old
 * stay's 2404/2402 reaches the agency before the next stay's 2401 (issue 21 point 2); other keys
 * (`claim:<id>`…) stay as given. Outpatient visits (`otp:<id>`) queue under their person the same way.
 */
export function personOrderKey(personId: number): string {
  return `psn:${personId}`;
}

function resolveOrderKey(db: Tx, subject: string): string {
  // An outpatient visit's messages (`otp:<id>`) queue under its person too, behind an earlier stay's or visit's.
  const v = /^otp:(\d+)$/.exec(subject);
  if (v) {
    const row = db.select({ personId: outpatientVisits.personId }).from(outpatientVisits).where(eq(outpatientVisits.id, Number(v[1]))).get();
    return row ? personOrderKey(row.personId) : subject;
  }
  const m = /^adm:(\d+)$/.exec(subject);
  if (!m) return subject;
  const a = db.select({ personId: admissions.personId }).from(admissions).where(eq(admissions.id, Number(m[1]))).get();
  return a ? personOrderKey(a.personId) : subject;
}

/**
 * Written by the caller inside its business transaction, so the message exists iff the rows do.
 * `orderKey` is what the message is about (`adm:<id>`, `claim:<id>`), kept as its subject; the
 * queue orders by the person of an admission (resolveOrderKey).
 */
export function enqueueMessage(db: Tx, msg: { msgid: string; infno: string; orderKey: string; payload: unknown }): void {
  db.insert(outbox).values({ msgid: msg.msgid, infno: msg.infno, orderKey: resolveOrderKey(db, msg.orderKey), subject: msg.orderKey, payload: JSON.stringify(msg.payload) }).run();
}

/** What an outbox item is about (`adm:<id>`…): its subject, or its order key for rows from before the subject existed. */
export function outboxSubject(row: Pick<OutboxRow, 'subject' | 'orderKey'>): string {
  return row.subject ?? row.orderKey;
}

/** The admission an outbox item belongs to, if it is a stay's message. */
export function admissionIdOfItem(db: Tx, msgid: string): number | null {
  const row = db.select({ subject: outbox.subject, orderKey: outbox.orderKey }).from(outbox).where(eq(outbox.msgid, msgid)).get();
  const m = row ? /^adm:(\d+)$/.exec(outboxSubject(row)) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Fee uploads (2301) do not depend on one another: a run of them at the head of a key may be in
 * flight together, so a 100,000-line stay's chunks go several at a time instead of one by one
 * (issue 21 point 8). Anything else waits for its head.
 */
export const RUN_TOGETHER_INFNO = '2301';

/**
 * The items the sync worker may send now, oldest first: pending, due (no backoff running), and the
 * head of their order_key — no earlier item of the same key is still in the outbox, whether pending,
 * waiting for its 冲正 or rejected. A rejected head therefore holds back only its own key.
 * At least one item is returned when any is due, even if it alone exceeds `maxBytes`.
 */
export function dueHeads(db: Tx, now: string, maxItems: number, maxBytes: number): OutboxRow[] {
  const rows = db.all<{ id: number; bytes: number }>(sql`
    SELECT o.id AS id, ${byteLength(db, sql`o.payload`)} AS bytes FROM outbox o
    WHERE o.status = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ${now})
      AND (NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.id < o.id)
        OR (o.infno = ${RUN_TOGETHER_INFNO} AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.id < o.id
          AND (p.infno <> ${RUN_TOGETHER_INFNO} OR p.status <> 'pending'))))
    ORDER BY o.id LIMIT ${maxItems}`);
  const ids: number[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (ids.length > 0 && bytes + r.bytes > maxBytes) break;
    ids.push(r.id);
    bytes += r.bytes;
  }
  if (ids.length === 0) return [];
  return db.select().from(outbox).where(inArray(outbox.id, ids)).orderBy(asc(outbox.id)).all();
}

/** Counts a send (before it happens), storing the payload as it will go out (a prepare hook may have filled it in). */
export function markSending(db: Tx, items: { id: number; payload?: string }[]): void {
  for (const it of items) {
    if (it.payload !== undefined) db.update(outbox).set({ payload: it.payload }).where(eq(outbox.id, it.id)).run();
  }
  const ids = items.map((it) => it.id);
  for (let k = 0; k < ids.length; k += SQL_CHUNK) {
    db.update(outbox).set({ attempts: sql`${outbox.attempts} + 1` }).where(inArray(outbox.id, ids.slice(k, k + SQL_CHUNK))).run();
  }
}

/** Network trouble or a 5xx: try again at `nextAttemptAt`; the msgid stays the same. */
export function scheduleRetry(db: Tx, msgid: string, nextAttemptAt: string, error: string): void {
  db.update(outbox).set({ nextAttemptAt, lastError: error }).where(eq(outbox.msgid, msgid)).run();
}

/**
 * The outcome of a state-changing send is unknown (issue 13 point 4): the item waits for a 2601
 * 冲正 of `omsgid` before it goes out again.
 */
export function markUnknownOutcome(db: Tx, msgid: string, u: { omsgid: string; reason: string; since: string }, nextAttemptAt: string): void {
  db.update(outbox).set({ reversal: JSON.stringify(u), nextAttemptAt, lastError: `结果未知，待冲正：${u.reason}` }).where(eq(outbox.msgid, msgid)).run();
}

export interface PendingReversal {
  omsgid: string;
  reason: string;
  since: string;
  /** Written before the send left (armUnknownOutcome); cleared when it is known not to have arrived. */
  armed?: boolean;
}

/**
 * Write-ahead, in the transaction that picks a state-changing item: until its outcome is stored,
 * the item counts as sent with an unknown outcome. A desk killed mid-flight therefore resolves it
 * with 2601 after the restart — never a blind resend of the same msgid, which a platform that does
 * not deduplicate could take a second time (national-interface.md §0).
 */
export function armUnknownOutcome(db: Tx, msgid: string, omsgid: string, since: string): void {
  const u: PendingReversal = { omsgid, reason: '发送后本机中断，结果未知', since, armed: true };
  db.update(outbox).set({ reversal: JSON.stringify(u) }).where(and(eq(outbox.msgid, msgid), isNull(outbox.reversal))).run();
}

/**
 * The armed item leaves only now (it waited for a free lane after the pick): `since` moves to this
 * moment, so the in-flight grace of a 原交易不存在 after a restart is counted from the real send.
 */
export function rearmUnknownOutcome(db: Tx, msgid: string, since: string): void {
  db.update(outbox).set({ reversal: jsonWithText(db, outbox.reversal, 'since', since) }).where(and(eq(outbox.msgid, msgid), jsonIsTrue(db, outbox.reversal, 'armed'))).run();
}

/** The send is known not to have reached the agency (refused connection, 401, never sent): no 冲正 needed. */
export function disarmUnknownOutcome(db: Tx, msgid: string): void {
  db.update(outbox).set({ reversal: null }).where(and(eq(outbox.msgid, msgid), jsonIsTrue(db, outbox.reversal, 'armed'))).run();
}

export function pendingReversal(row: Pick<OutboxRow, 'reversal'>): PendingReversal | null {
  return row.reversal ? (JSON.parse(row.reversal) as PendingReversal) : null;
}

/** The msgid this item goes out under now. */
export function wireMsgidOf(row: Pick<OutboxRow, 'msgid' | 'wireMsgid'>): string {
  return row.wireMsgid ?? row.msgid;
}

/** The wire msgid is used up (a query whose answer was lost): the next send takes a new one. */
export function markRenewMsgid(db: Tx, msgid: string, nextAttemptAt: string, error: string): void {
  db.update(outbox).set({ renewMsgid: 1, nextAttemptAt, lastError: error }).where(eq(outbox.msgid, msgid)).run();
}

/** A new msgid on the wire for this item (after a 冲正, a refusal, a lost query answer). */
export function setWireMsgid(db: Tx, msgid: string, wireMsgid: string): void {
  db.update(outbox).set({ wireMsgid, renewMsgid: 0 }).where(eq(outbox.msgid, msgid)).run();
}

export type ReversalRow = typeof outboxReversals.$inferSelect;

/**
 * A 2601 answered. reversed / not-in-effect: the original is not in effect, the item goes out
 * again at once under `nextMsgid`; refused: the item is parked for a person with both messages;
 * not-yet (nextMsgid null): 原交易不存在 within the in-flight grace, the item keeps waiting for its 冲正.
 */
export function recordReversal(db: Tx, r: { itemMsgid: string; infno: string; omsgid: string; reversalMsgid: string; outcome: ReversalRow['outcome']; reason: string; errMsg: string | null; nextMsgid: string | null }): void {
  db.insert(outboxReversals).values(r).run();
  if (r.nextMsgid !== null) {
    db.update(outbox).set({ reversal: null, wireMsgid: r.nextMsgid, renewMsgid: 0, nextAttemptAt: null, lastError: null }).where(eq(outbox.msgid, r.itemMsgid)).run();
  }
}

export function reversalsOf(db: Tx, itemMsgid: string): ReversalRow[] {
  return db.select().from(outboxReversals).where(eq(outboxReversals.itemMsgid, itemMsgid)).orderBy(asc(outboxReversals.id)).all();
}

export function recentReversals(db: Tx, limit = 20): ReversalRow[] {
  return db.select().from(outboxReversals).orderBy(sql`${outboxReversals.id} DESC`).limit(limit).all();
}

export function reversalCount(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(outboxReversals).get()?.n ?? 0;
}

/** The agency refused the item: it waits for a person (re-send or resolve); only its own order_key waits with it. */
export function parkRejected(db: Tx, msgid: string, error: string, raw: string | null = null, o: { renewMsgid?: boolean; answer?: string | null } = {}): void {
  db.update(outbox)
    .set({ status: 'rejected', lastError: error, refusalRaw: raw, answer: o.answer ?? null, nextAttemptAt: null, reversal: null, ...(o.renewMsgid ? { renewMsgid: 1 } : {}) })
    .where(eq(outbox.msgid, msgid))
    .run();
}

export interface DeliveredResult {
  msgid: string;
  infno: string;
  infcode: number;
  errMsg: string | null;
  output: unknown;
}

/** Delivered and confirmed: the result is kept and the item leaves the outbox, in the caller's transaction. */
export function confirmDelivered(db: Tx, r: DeliveredResult): void {
  confirmDeliveredMany(db, [r]);
}

/** confirmDelivered for many items (a batch's confirmations), in chunks. */
export function confirmDeliveredMany(db: Tx, results: DeliveredResult[]): void {
  for (let k = 0; k < results.length; k += 200) {
    const chunk = results.slice(k, k + 200);
    db.insert(outboxResults).values(chunk.map((r) => ({ msgid: r.msgid, infno: r.infno, infcode: r.infcode, errMsg: r.errMsg, output: r.output === null || r.output === undefined ? null : JSON.stringify(r.output) }))).run();
    db.delete(outbox).where(inArray(outbox.msgid, chunk.map((r) => r.msgid))).run();
  }
}

/** Rejected items back to pending (same msgid), due at once. `msgid` null = every rejected item. Returns how many. */
export function resendRejected(db: Tx, msgid: string | null): string[] {
  const where = msgid === null ? eq(outbox.status, 'rejected') : and(eq(outbox.status, 'rejected'), eq(outbox.msgid, msgid));
  return db.update(outbox).set({ status: 'pending', nextAttemptAt: null }).where(where).returning({ msgid: outbox.msgid }).all().map((r) => r.msgid);
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ReplacedItem {
  oldMsgid: string;
  newMsgid: string;
  infno: string;
  subject: string;
  refusal: string;
  changes: FieldChange[];
}

/**
 * A refused item put right (issue 21 point 3): the refused message is kept as history (its
 * refusal in outbox_results with who replaced it by what), and the new message — a new msgid,
 * built from the corrected state — takes its place in the person's queue (the same queue
 * position, ahead of what waited behind it). Nothing that left the desk is edited: new rows.
 */
export function replaceRejected(db: Tx, msgid: string, next: { msgid: string; payload: unknown; changes: FieldChange[]; by: number }): ReplacedItem | undefined {
  const row = db.select().from(outbox).where(and(eq(outbox.msgid, msgid), eq(outbox.status, 'rejected'))).get();
  if (!row) return undefined;
  const refusal = row.lastError ?? '（无说明）';
  db.insert(outboxResults).values({ msgid: row.msgid, infno: row.infno, infcode: -1, errMsg: refusal, output: row.refusalRaw, resolution: JSON.stringify({ by: next.by, note: '已更正后重新发送', replacedBy: next.msgid }) }).run();
  db.delete(outbox).where(eq(outbox.id, row.id)).run();
  const payload = JSON.stringify(next.payload);
  db.insert(outbox).values({ id: row.id, msgid: next.msgid, infno: row.infno, orderKey: row.orderKey, subject: outboxSubject(row), payload }).run();
  db.insert(outboxResends).values({ oldMsgid: row.msgid, newMsgid: next.msgid, infno: row.infno, subject: outboxSubject(row), refusal, changes: JSON.stringify(next.changes), payload, by: next.by }).run();
  return { oldMsgid: row.msgid, newMsgid: next.msgid, infno: row.infno, subject: outboxSubject(row), refusal, changes: next.changes };
}

export interface ResendRecord extends ReplacedItem {
  at: string;
  by: number;
  /** Where the new message is now: still queued (pending / rejected) or delivered. */
  state: 'pending' | 'rejected' | 'delivered';
  payload: unknown;
}

/** The latest refused messages that were replaced by corrected ones, newest first. */
export function recentResends(db: Tx, limit = 20): ResendRecord[] {
  const rows = db.select().from(outboxResends).orderBy(sql`${outboxResends.id} DESC`).limit(limit).all();
  return rows.map((r) => {
    const queued = db.select({ status: outbox.status }).from(outbox).where(eq(outbox.msgid, r.newMsgid)).get();
    return {
      oldMsgid: r.oldMsgid, newMsgid: r.newMsgid, infno: r.infno, subject: r.subject ?? '', refusal: r.refusal,
      changes: JSON.parse(r.changes) as FieldChange[], at: r.at, by: r.by, payload: JSON.parse(r.payload) as unknown,
      state: queued ? queued.status : 'delivered',
    };
  });
}

/**
 * A person settled a rejected item another way: its refusal and the person's note are kept as its
 * result, and it leaves the outbox (unblocking its order_key). Returns the item as it was.
 */
export function resolveRejected(db: Tx, msgid: string, resolution: { by: number; note: string }): OutboxRow | undefined {
  const row = db.select().from(outbox).where(and(eq(outbox.msgid, msgid), eq(outbox.status, 'rejected'))).get();
  if (!row) return undefined;
  db.insert(outboxResults).values({ msgid: row.msgid, infno: row.infno, infcode: -1, errMsg: row.lastError, output: null, resolution: JSON.stringify(resolution) }).run();
  db.delete(outbox).where(eq(outbox.id, row.id)).run();
  return row;
}

/**
 * Takes back an item that never left the desk (no send attempt, no answer): kept in
 * outbox_results with who cancelled it and why, gone from the queue. Returns false (and changes
 * nothing) once it has been sent even once — then only the agency can undo it.
 */
export function cancelUnsent(db: Tx, msgid: string, resolution: { by: number; note: string }): boolean {
  const row = db.select().from(outbox).where(eq(outbox.msgid, msgid)).get();
  if (!row || row.attempts > 0 || row.answer !== null) return false;
  db.insert(outboxResults).values({ msgid: row.msgid, infno: row.infno, infcode: -1, errMsg: '未发送，已由本机撤回', output: null, resolution: JSON.stringify(resolution) }).run();
  db.delete(outbox).where(eq(outbox.id, row.id)).run();
  return true;
}

/** The agency is reachable again: every pending item is due now instead of at the end of its backoff. */
export function wakeAll(db: Tx): number {
  return db.update(outbox).set({ nextAttemptAt: null }).where(and(eq(outbox.status, 'pending'), sql`${outbox.nextAttemptAt} IS NOT NULL`)).run().changes;
}

/** The earliest moment a pending item becomes due (null when none is waiting on a backoff, or none is pending). */
export function nextDueAt(db: Tx): string | null {
  return db.select({ t: sql<string | null>`min(${outbox.nextAttemptAt})` }).from(outbox).where(eq(outbox.status, 'pending')).get()?.t ?? null;
}

/** Pending items that are the head of their order_key (sendable now or after their backoff); items behind a rejected head are not. */
export function sendableCount(db: Tx): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox o WHERE o.status = 'pending'
    AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.id < o.id)`)?.n ?? 0;
}

/** Pending items not held back behind a rejected item of their order_key: what a send in progress still has to deliver. */
export function movableCount(db: Tx): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM outbox o WHERE o.status = 'pending'
    AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.order_key = o.order_key AND r.status = 'rejected' AND r.id < o.id)`)?.n ?? 0;
}

export function pendingCount(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.status, 'pending')).get()?.n ?? 0;
}

export interface QueueKind {
  infno: string;
  pending: number;
  /** Outcome unknown, waiting for its 2601 冲正. */
  awaitingReversal: number;
  rejected: number;
  oldestAt: string;
}

export function queueByInfno(db: Tx): QueueKind[] {
  return db
    .select({
      infno: outbox.infno,
      pending: sql<number>`sum(CASE WHEN ${outbox.status} = 'pending' THEN 1 ELSE 0 END)`,
      awaitingReversal: sql<number>`sum(CASE WHEN ${outbox.status} = 'pending' AND ${outbox.reversal} IS NOT NULL THEN 1 ELSE 0 END)`,
      rejected: sql<number>`sum(CASE WHEN ${outbox.status} = 'rejected' THEN 1 ELSE 0 END)`,
      oldestAt: sql<string>`min(${outbox.createdAt})`,
    })
    .from(outbox)
    .groupBy(outbox.infno)
    .orderBy(asc(outbox.infno))
    .all();
}

export interface RejectedItem {
  msgid: string;
  infno: string;
  orderKey: string;
  subject: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  /** Items of the same order_key queued behind it. */
  waitingBehind: number;
  /** The agency refused it (its raw words are kept), as opposed to a local failure. */
  refusedByAgency: number;
}

export function listRejected(db: Tx, limit = 200): RejectedItem[] {
  return db.all<RejectedItem>(sql`
    SELECT o.msgid AS msgid, o.infno AS infno, o.order_key AS "orderKey", coalesce(o.subject, o.order_key) AS subject, o.attempts AS attempts, o.last_error AS "lastError", o.created_at AS "createdAt",
      (SELECT count(*) FROM outbox p WHERE p.order_key = o.order_key AND p.id > o.id) AS "waitingBehind",
      (o.refusal_raw IS NOT NULL) AS "refusedByAgency"
    FROM outbox o WHERE o.status = 'rejected' ORDER BY o.id LIMIT ${limit}`);
}

/** Every rejected item, oldest first (a resend of all of them). */
export function rejectedRows(db: Tx): OutboxRow[] {
  return db.select().from(outbox).where(eq(outbox.status, 'rejected')).orderBy(asc(outbox.id)).all();
}

export function findOutboxItem(db: Tx, msgid: string): OutboxRow | undefined {
  return db.select().from(outbox).where(eq(outbox.msgid, msgid)).get();
}

/** Items of these transaction codes still in the outbox (e.g. 2301 fee details for the upload deadline). */
export function outboxItemsOf(db: Tx, infnos: string[]): OutboxRow[] {
  return db.select().from(outbox).where(inArray(outbox.infno, infnos)).orderBy(asc(outbox.id)).all();
}

export function outboxResult(db: Tx, msgid: string): typeof outboxResults.$inferSelect | undefined {
  return db.select().from(outboxResults).where(eq(outboxResults.msgid, msgid)).get();
}

/** Pending items whose backoff ends at or before `t` (ISO) — used by tests and the status screen. */
export function dueCount(db: Tx, t: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(outbox).where(and(eq(outbox.status, 'pending'), or(isNull(outbox.nextAttemptAt), lte(outbox.nextAttemptAt, t)))).get()?.n ?? 0;
}

/** The items still queued under one order key, oldest first (what a clerk waiting for this person's messages waits for). */
export function itemsOfKey(db: Tx, orderKey: string): OutboxRow[] {
  return db.select().from(outbox).where(eq(outbox.orderKey, orderKey)).orderBy(asc(outbox.id)).all();
}
