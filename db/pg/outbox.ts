import { makeMsgid } from '../../shared/agency/envelope.ts';
import { isStateChanging } from '../../shared/agency/transactions.ts';
import { RUN_TOGETHER_INFNO, type DeliveredResult, type OutboxRow, type PendingReversal } from '../repos/outbox.ts';

/**
 * The office's shared outbox on PostgreSQL (issue 18): the desk's outbox (db/repos/outbox.ts,
 * electron/sync/outboxWorker.ts) with several windows writing to it and senders that may overlap.
 * Same table, statuses, attempts, backoff, rejected parking and results as on SQLite; what differs:
 *
 * - **Claiming.** `claimDue` takes the due heads with `SELECT … FOR UPDATE SKIP LOCKED`, so two
 *   senders claiming at once never take the same item, and commits the claim before the send:
 *   attempts + 1, a state-changing item armed for its 2601 (write-ahead, as on the desk), and a
 *   LEASE — `next_attempt_at` moved to the end of the lease — so the item, though still pending, is
 *   not due for anyone else while it is on the wire. A head is the earliest item of its order_key
 *   still in the outbox (pending, leased, waiting for its 冲正 or rejected), so a key never has two
 *   in flight and goes out in id order (a run of 2301 fee uploads at the head may go together, as
 *   on the desk). An item whose sender died goes again when its lease ends, through its 2601 first
 *   when it is state-changing — never blindly under the same msgid.
 * - **Order across windows.** `enqueue` takes a transaction-scoped advisory lock on the order key
 *   before its id is drawn, so two windows queuing for the same person get ids in commit order
 *   (otherwise a later id could commit first and be sent ahead of an earlier one).
 * - **msgids.** `allocateMsgid` draws a slot from the `msgid_slot` sequence (pg migration
 *   0003_office_outbox): unique across windows, in the national format.
 *
 * One sender per office is chosen by db/pg/senderLock.ts; claims stay safe without it.
 * Everything here runs on one `PgClient` (a pg Client or PoolClient: one session).
 */
export interface PgClient {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Runs `fn` in a transaction on this session; rolled back when it throws. */
export async function inTransaction<T>(db: PgClient, fn: () => Promise<T>): Promise<T> {
  await db.query('BEGIN');
  try {
    const out = await fn();
    await db.query('COMMIT');
    return out;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

const COLUMNS = `id, msgid, infno, order_key AS "orderKey", payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", answer, created_at AS "createdAt", subject, refusal_raw AS "refusalRaw", wire_msgid AS "wireMsgid",
  reversal, renew_msgid AS "renewMsgid"`;

/** A national msgid from the office's sequence: fixmedins_code + the slot's second (CST) + its serial. */
export async function allocateMsgid(db: PgClient, fixmedinsCode: string): Promise<string> {
  const { rows } = await db.query<{ n: string }>('SELECT next_msgid_slot()::text AS n');
  const n = BigInt(rows[0]!.n);
  return makeMsgid(fixmedinsCode, new Date(Number(n / 10_000n) * 1000), Number(n % 10_000n));
}

/**
 * Queues a message, in the caller's transaction (the message exists iff the business rows do).
 * `orderKey` is already resolved (a stay's messages under `psn:<persons.id>`, personOrderKey).
 */
export async function enqueue(db: PgClient, msg: { msgid: string; infno: string; orderKey: string; subject?: string; payload: unknown }): Promise<number> {
  await db.query('SELECT pg_advisory_xact_lock(180003, hashtext($1))', [msg.orderKey]);
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO outbox (msgid, infno, order_key, subject, payload) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [msg.msgid, msg.infno, msg.orderKey, msg.subject ?? msg.orderKey, JSON.stringify(msg.payload)],
  );
  return rows[0]!.id;
}

export interface ClaimOptions {
  /** Now, ISO-8601 UTC (the outbox's time format). */
  now: Date;
  maxItems?: number;
  /** Payload bytes per claim; a single larger item still goes alone. */
  maxBytes?: number;
  /** How long a claimed item stays off the others' list. Default 60 s (longer than a send's timeout). */
  leaseMs?: number;
  /** For items whose wire msgid is used up (renew_msgid = 1): the institution code of the new one. */
  fixmedinsCode?: string;
}

/**
 * Claims the items this sender may send now, oldest first, and commits the claim (its own
 * transaction). Returned rows are as they will go out: attempts already counted (1 on an item's
 * first send, where the desk's worker sees 0 before its markSending), wire msgid renewed where it
 * was used up, state-changing items armed.
 */
export async function claimDue(db: PgClient, o: ClaimOptions): Promise<OutboxRow[]> {
  const now = o.now.toISOString();
  const leaseEnd = new Date(o.now.getTime() + (o.leaseMs ?? 60_000)).toISOString();
  const maxItems = o.maxItems ?? 64;
  const maxBytes = o.maxBytes ?? 8 * 1024 * 1024;
  return inTransaction(db, async () => {
    const { rows } = await db.query<{ id: number; bytes: number }>(`
      SELECT o.id, octet_length(o.payload) AS bytes FROM outbox o
      WHERE o.status = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $1)
        AND (NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.id < o.id)
          OR (o.infno = $2 AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.id < o.id
            AND (p.infno <> $2 OR p.status <> 'pending'))))
      ORDER BY o.id LIMIT $3
      FOR UPDATE SKIP LOCKED`, [now, RUN_TOGETHER_INFNO, maxItems]);
    const ids: number[] = [];
    let bytes = 0;
    for (const r of rows) {
      if (ids.length > 0 && bytes + Number(r.bytes) > maxBytes) break;
      ids.push(r.id);
      bytes += Number(r.bytes);
    }
    if (ids.length === 0) return [];
    const claimed = (await db.query<OutboxRow>(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = ANY($1::int[]) RETURNING ${COLUMNS}`,
      [ids, leaseEnd],
    )).rows.sort((a, b) => a.id - b.id);
    const armed: { id: number; reversal: string }[] = [];
    for (const row of claimed) {
      if (row.renewMsgid === 1 && row.reversal === null) {
        if (!o.fixmedinsCode) throw new Error(`outbox ${row.msgid}: a new wire msgid is needed but no fixmedinsCode was given`);
        row.wireMsgid = await allocateMsgid(db, o.fixmedinsCode);
        row.renewMsgid = 0;
        await db.query('UPDATE outbox SET wire_msgid = $2, renew_msgid = 0 WHERE id = $1', [row.id, row.wireMsgid]);
      }
      if (isStateChanging(row.infno) && row.reversal === null && row.answer === null) {
        const u: PendingReversal = { omsgid: row.wireMsgid ?? row.msgid, reason: '发送后本机中断，结果未知', since: now, armed: true };
        row.reversal = JSON.stringify(u);
        armed.push({ id: row.id, reversal: row.reversal });
      }
    }
    if (armed.length > 0) {
      await db.query('UPDATE outbox o SET reversal = a.r FROM unnest($1::int[], $2::text[]) AS a(id, r) WHERE o.id = a.id',
        [armed.map((a) => a.id), armed.map((a) => a.reversal)]);
    }
    return claimed;
  });
}

/** Delivered and confirmed: results kept, items gone from the outbox (unblocking their keys), in the caller's transaction. */
export async function confirmDelivered(db: PgClient, results: DeliveredResult[]): Promise<void> {
  if (results.length === 0) return;
  await db.query(
    `INSERT INTO outbox_results (msgid, infno, infcode, err_msg, output)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])`,
    [results.map((r) => r.msgid), results.map((r) => r.infno), results.map((r) => r.infcode), results.map((r) => r.errMsg),
      results.map((r) => (r.output === null || r.output === undefined ? null : JSON.stringify(r.output)))],
  );
  await db.query('DELETE FROM outbox WHERE msgid = ANY($1::text[])', [results.map((r) => r.msgid)]);
}

/** Network trouble or a 5xx: try again at `nextAttemptAt` (ends the lease); the msgid stays the same. */
export async function scheduleRetry(db: PgClient, msgid: string, nextAttemptAt: string, error: string): Promise<void> {
  await db.query('UPDATE outbox SET next_attempt_at = $2, last_error = $3 WHERE msgid = $1', [msgid, nextAttemptAt, error]);
}

/** The send is known not to have reached the agency: no 冲正 needed. */
export async function disarmUnknownOutcome(db: PgClient, msgid: string): Promise<void> {
  await db.query(`UPDATE outbox SET reversal = NULL WHERE msgid = $1 AND (reversal::jsonb ->> 'armed') = 'true'`, [msgid]);
}

/** The outcome of a state-changing send is unknown: it waits for a 2601 冲正 of `omsgid`. */
export async function markUnknownOutcome(db: PgClient, msgid: string, u: { omsgid: string; reason: string; since: string }, nextAttemptAt: string): Promise<void> {
  await db.query('UPDATE outbox SET reversal = $2, next_attempt_at = $3, last_error = $4 WHERE msgid = $1', [msgid, JSON.stringify(u), nextAttemptAt, `结果未知，待冲正：${u.reason}`]);
}

/** The wire msgid is used up (a query whose answer was lost): the next claim gives it a new one. */
export async function markRenewMsgid(db: PgClient, msgid: string, nextAttemptAt: string, error: string): Promise<void> {
  await db.query('UPDATE outbox SET renew_msgid = 1, next_attempt_at = $2, last_error = $3 WHERE msgid = $1', [msgid, nextAttemptAt, error]);
}

/** The agency refused the item: it waits for a person; only its own order_key waits with it. */
export async function parkRejected(db: PgClient, msgid: string, error: string, raw: string | null = null, o: { renewMsgid?: boolean; answer?: string | null } = {}): Promise<void> {
  await db.query(
    `UPDATE outbox SET status = 'rejected', last_error = $2, refusal_raw = $3, answer = $4, next_attempt_at = NULL, reversal = NULL,
       renew_msgid = CASE WHEN $5 THEN 1 ELSE renew_msgid END WHERE msgid = $1`,
    [msgid, error, raw, o.answer ?? null, o.renewMsgid === true],
  );
}

/** Rejected items back to pending (same msgid), due at once. `msgid` null = every rejected item. */
export async function resendRejected(db: PgClient, msgid: string | null): Promise<string[]> {
  const { rows } = await db.query<{ msgid: string }>(
    `UPDATE outbox SET status = 'pending', next_attempt_at = NULL WHERE status = 'rejected' AND ($1::text IS NULL OR msgid = $1) RETURNING msgid`,
    [msgid],
  );
  return rows.map((r) => r.msgid);
}

export async function outboxDepth(db: PgClient): Promise<{ pending: number; rejected: number }> {
  const { rows } = await db.query<{ status: string; n: string }>('SELECT status, count(*)::text AS n FROM outbox GROUP BY status');
  return { pending: Number(rows.find((r) => r.status === 'pending')?.n ?? 0), rejected: Number(rows.find((r) => r.status === 'rejected')?.n ?? 0) };
}
