import { sql } from 'drizzle-orm';
import { outbox } from '../schema.ts';
import type { Tx } from './clerks.ts';

export function outboxDepth(db: Tx): { pending: number; rejected: number } {
  const rows = db.select({ status: outbox.status, n: sql<number>`count(*)` }).from(outbox).groupBy(outbox.status).all();
  return {
    pending: rows.find((r) => r.status === 'pending')?.n ?? 0,
    rejected: rows.find((r) => r.status === 'rejected')?.n ?? 0,
  };
}

/** Written by the caller inside its business transaction, so the message exists iff the rows do. */
export function enqueueMessage(db: Tx, msg: { msgid: string; infno: string; orderKey: string; payload: unknown }): void {
  db.insert(outbox).values({ msgid: msg.msgid, infno: msg.infno, orderKey: msg.orderKey, payload: JSON.stringify(msg.payload) }).run();
}
