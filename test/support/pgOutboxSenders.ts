import pg from 'pg';
import { makeMsgid } from '../../shared/agency/envelope.ts';
import { claimDue, confirmDelivered, inTransaction, type PgClient } from '../../db/pg/outbox.ts';

/**
 * Senders competing for the office's shared outbox (issue 18), for pgOutbox.test.ts and the
 * office.outbox bench: a filled outbox, then N senders — one pg session each — claiming with
 * db/pg/outbox.ts and marking each item delivered, with a log of what each sent and checks of
 * what must never happen (an item sent twice, two items of one key in flight at once).
 */
export const BENCH_CODE = 'H34010400001';

/** `items` messages over `keys` order keys (item i under key i % keys), msgids from the office sequence. */
export async function fillOutbox(db: PgClient, items: number, keys: number, infno = '2401'): Promise<void> {
  const slots = await db.query<{ n: string }>('SELECT next_msgid_slot()::text AS n FROM generate_series(1, $1)', [items]);
  const msgids = slots.rows.map((r) => {
    const n = BigInt(r.n);
    return makeMsgid(BENCH_CODE, new Date(Number(n / 10_000n) * 1000), Number(n % 10_000n));
  });
  await db.query(
    `INSERT INTO outbox (msgid, infno, order_key, subject, payload)
     SELECT m, $2, 'psn:' || (i % $3), 'psn:' || (i % $3), '{"infno":"' || $2 || '"}'
     FROM unnest($1::text[]) WITH ORDINALITY AS t(m, i) ORDER BY i`,
    [msgids, infno, keys],
  );
}

export interface SendLog {
  /** Every send in the order it happened: sender, item id, key. */
  sends: { sender: number; id: number; msgid: string; key: string }[];
  /** Things that must not happen, as text (empty when all went well). */
  violations: string[];
  /** Items each sender delivered. */
  perSender: number[];
  ms: number;
}

/** Runs `senders` competing senders on `url` until the outbox is empty. */
export async function runSenders(url: string, senders: number, o: { maxItems?: number } = {}): Promise<SendLog> {
  const clients = await Promise.all(Array.from({ length: senders }, async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  const log: SendLog = { sends: [], violations: [], perSender: Array.from({ length: senders }, () => 0), ms: 0 };
  const inFlight = new Set<string>();
  const started = performance.now();
  try {
    await Promise.all(clients.map(async (db, sender) => {
      for (;;) {
        const rows = await claimDue(db, { now: new Date(), maxItems: o.maxItems ?? 64 });
        if (rows.length === 0) {
          const left = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox');
          if (left.rows[0]!.n === '0') return;
          // Every due head is on another sender's wire: look again shortly.
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        for (const r of rows) {
          if (inFlight.has(r.orderKey)) log.violations.push(`${r.orderKey}: ${r.msgid} claimed while another item of the key was in flight`);
          inFlight.add(r.orderKey);
          log.sends.push({ sender, id: r.id, msgid: r.msgid, key: r.orderKey });
        }
        // The agency answered every one: results stored and items gone, in one transaction.
        for (const r of rows) inFlight.delete(r.orderKey);
        await inTransaction(db, () => confirmDelivered(db, rows.map((r) => ({ msgid: r.msgid, infno: r.infno, infcode: 0, errMsg: null, output: { ok: true } }))));
        log.perSender[sender]! += rows.length;
      }
    }));
  } finally {
    log.ms = performance.now() - started;
    await Promise.all(clients.map((c) => c.end()));
  }
  return log;
}
