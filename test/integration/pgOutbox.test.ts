import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNationalMsgid } from '../../shared/agency/envelope.ts';
import { migratePg } from '../../db/pg/migrate.ts';
import { allocateMsgid, claimDue, confirmDelivered, enqueue, inTransaction, outboxDepth, parkRejected, resendRejected, scheduleRetry } from '../../db/pg/outbox.ts';
import { SenderLock, SENDER_LOCK_KEY } from '../../db/pg/senderLock.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';
import { BENCH_CODE, fillOutbox, runSenders } from '../support/pgOutboxSenders.ts';

/**
 * The office's shared outbox on a real PostgreSQL (issue 18): senders competing with
 * FOR UPDATE SKIP LOCKED, order per key, leases, backoff and parking, msgids from the sequence,
 * and the one-sender advisory lock changing hands when its holder dies.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`pgOutbox 跳过：${unavailable}`);

describe.skipIf(unavailable !== null)('the shared outbox on PostgreSQL (real cluster)', () => {
  let cluster: PgCluster;
  let n = 0;
  const open: pg.Client[] = [];
  const client = async (db: string): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: cluster.url(db) });
    c.on('error', () => undefined);
    await c.connect();
    open.push(c);
    return c;
  };
  /** A fresh, migrated database and a session on it. */
  const fresh = async (): Promise<{ name: string; db: pg.Client }> => {
    const name = `yidi_o${++n}`;
    await cluster.createDatabase(name);
    const db = await client(name);
    await migratePg(db);
    return { name, db };
  };

  beforeAll(async () => { cluster = await startPgCluster(); }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
    await cluster?.stop();
  });

  it('three senders competing deliver 10,000 items, each exactly once, in order per key, never two of a key in flight', async () => {
    const { name, db } = await fresh();
    await fillOutbox(db, 10_000, 500);
    const log = await runSenders(cluster.url(name), 3);
    expect(log.violations).toEqual([]);
    expect(log.sends).toHaveLength(10_000);
    expect(new Set(log.sends.map((s) => s.msgid)).size).toBe(10_000);
    // Competing, not one sender doing it all.
    for (const k of log.perSender) expect(k).toBeGreaterThan(0);
    const lastId = new Map<string, number>();
    const outOfOrder = log.sends.filter((s) => {
      const before = lastId.get(s.key) ?? 0;
      lastId.set(s.key, s.id);
      return s.id < before;
    });
    expect(outOfOrder).toEqual([]);
    const left = await db.query<{ outbox: string; results: string }>('SELECT (SELECT count(*) FROM outbox)::text AS outbox, (SELECT count(DISTINCT msgid) FROM outbox_results)::text AS results');
    expect(left.rows[0]).toEqual({ outbox: '0', results: '10000' });
  }, 120_000);

  it('a claimed item is leased: not due for anyone until it is marked or its lease ends, and then it comes back armed for its 2601', async () => {
    const { db } = await fresh();
    const other = await client(db.database!);
    const t0 = new Date('2026-12-07T08:00:00.000Z');
    await enqueue(db, { msgid: 'M1', infno: '2401', orderKey: 'psn:1', payload: {} });
    await enqueue(db, { msgid: 'M2', infno: '2402', orderKey: 'psn:1', payload: {} });
    await enqueue(db, { msgid: 'Q1', infno: '1101', orderKey: 'psn:2', payload: {} });
    const first = await claimDue(db, { now: t0, leaseMs: 60_000 });
    expect(first.map((r) => [r.msgid, r.attempts])).toEqual([['M1', 1], ['Q1', 1]]);
    expect(JSON.parse(first[0]!.reversal!)).toMatchObject({ omsgid: 'M1', armed: true });
    expect(first[1]!.reversal).toBeNull(); // a query is not state-changing: nothing to reverse
    // Another window, a second later: M1 is on the wire, so M2 (behind it) is not a head either.
    expect(await claimDue(other, { now: new Date(t0.getTime() + 1000) })).toEqual([]);
    // The sender died: after the lease M1 is due again, still armed, so it goes through its 2601 first.
    const again = await claimDue(other, { now: new Date(t0.getTime() + 61_000) });
    expect(again.map((r) => [r.msgid, r.attempts])).toEqual([['M1', 2], ['Q1', 2]]);
    expect(JSON.parse(again[0]!.reversal!)).toMatchObject({ omsgid: 'M1', armed: true });
    await inTransaction(other, () => confirmDelivered(other, [{ msgid: 'M1', infno: '2401', infcode: 0, errMsg: null, output: null }]));
    expect((await claimDue(other, { now: new Date(t0.getTime() + 62_000) })).map((r) => r.msgid)).toEqual(['M2']);
  });

  it('backoff and parking as on the desk: a retried head waits, a rejected head holds back only its key, a resend frees it', async () => {
    const { db } = await fresh();
    const t0 = new Date('2026-12-07T08:00:00.000Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    await enqueue(db, { msgid: 'A1', infno: '1101', orderKey: 'psn:1', payload: {} });
    await enqueue(db, { msgid: 'A2', infno: '1101', orderKey: 'psn:1', payload: {} });
    await enqueue(db, { msgid: 'B1', infno: '1101', orderKey: 'psn:2', payload: {} });
    await enqueue(db, { msgid: 'B2', infno: '1101', orderKey: 'psn:2', payload: {} });
    expect((await claimDue(db, { now: t0, maxItems: 1 })).map((r) => r.msgid)).toEqual(['A1']);
    await scheduleRetry(db, 'A1', at(30).toISOString(), '医保平台无法连接');
    expect((await claimDue(db, { now: at(1) })).map((r) => r.msgid)).toEqual(['B1']);
    await parkRejected(db, 'B1', '参保人信息不符', '{"infcode":-1}');
    expect(await claimDue(db, { now: at(2) })).toEqual([]);
    expect(await outboxDepth(db)).toEqual({ pending: 3, rejected: 1 });
    const retried = await claimDue(db, { now: at(31) });
    expect(retried.map((r) => [r.msgid, r.attempts, r.lastError])).toEqual([['A1', 2, '医保平台无法连接']]);
    await inTransaction(db, () => confirmDelivered(db, [{ msgid: 'A1', infno: '1101', infcode: 0, errMsg: null, output: { x: 1 } }]));
    expect((await claimDue(db, { now: at(32) })).map((r) => r.msgid)).toEqual(['A2']);
    expect(await resendRejected(db, 'B1')).toEqual(['B1']);
    expect((await claimDue(db, { now: at(33) })).map((r) => [r.msgid, r.attempts])).toEqual([['B1', 2]]);
    const result = await db.query<{ output: string }>(`SELECT output FROM outbox_results WHERE msgid = 'A1'`);
    expect(result.rows).toEqual([{ output: '{"x":1}' }]);
  });

  it('two windows queuing for one person at once: the later commit gets the later id, so nothing overtakes', async () => {
    const { db } = await fresh();
    const w2 = await client(db.database!);
    const sender = await client(db.database!);
    await db.query('BEGIN');
    await enqueue(db, { msgid: 'W1', infno: '2401', orderKey: 'psn:7', payload: {} });
    await w2.query('BEGIN');
    let second = false;
    const queued = enqueue(w2, { msgid: 'W2', infno: '2402', orderKey: 'psn:7', payload: {} }).then((id) => { second = true; return id; });
    await new Promise((r) => setTimeout(r, 300));
    // W2 waits for W1's transaction before it draws its id.
    expect(second).toBe(false);
    expect(await claimDue(sender, { now: new Date() })).toEqual([]);
    await db.query('COMMIT');
    const id2 = await queued;
    await w2.query('COMMIT');
    const ids = await sender.query<{ msgid: string; id: number }>('SELECT msgid, id FROM outbox ORDER BY id');
    expect(ids.rows.map((r) => r.msgid)).toEqual(['W1', 'W2']);
    expect(id2).toBe(ids.rows[1]!.id);
    expect((await claimDue(sender, { now: new Date() })).map((r) => r.msgid)).toEqual(['W1']);
  });

  it('a run of 2301 fee uploads at the head may go together; what follows it waits', async () => {
    const { db } = await fresh();
    for (const m of ['F1', 'F2', 'F3']) await enqueue(db, { msgid: m, infno: '2301', orderKey: 'psn:1', payload: {} });
    await enqueue(db, { msgid: 'S1', infno: '2304', orderKey: 'psn:1', payload: {} });
    const now = new Date('2026-12-07T08:00:00.000Z');
    expect((await claimDue(db, { now })).map((r) => r.msgid)).toEqual(['F1', 'F2', 'F3']);
    expect(await claimDue(db, { now })).toEqual([]);
  });

  it('msgids from the sequence: national format, unique across windows drawing at once, never back when the clock is', async () => {
    const { db } = await fresh();
    const other = await client(db.database!);
    const draw = async (c: pg.Client, k: number) => {
      const out: string[] = [];
      for (let i = 0; i < k; i++) out.push(await allocateMsgid(c, BENCH_CODE));
      return out;
    };
    const [a, b] = await Promise.all([draw(db, 1500), draw(other, 1500)]);
    const all = [...a!, ...b!];
    expect(new Set(all).size).toBe(3000);
    expect(all.filter((m) => !isNationalMsgid(m) || !m.startsWith(BENCH_CODE))).toEqual([]);
    // Each window's msgids only go up (the slot is second then serial, both fixed-width).
    expect([...a!].sort()).toEqual(a);
    // A slot ahead of the clock (a clock set back, or 10,000 in one second) is continued, not reused.
    const ahead = BigInt(Math.floor(Date.now() / 1000) + 3600) * 10_000n + 9998n;
    await db.query(`SELECT setval('msgid_slot', ${ahead})`);
    const next = await draw(db, 3);
    expect(next[0]!.slice(-4)).toBe('9999');
    expect(next[1]!.slice(-4)).toBe('0000');
    expect(next[1]!.slice(12, 26) > next[0]!.slice(12, 26)).toBe(true);
    expect(next[2]!.slice(-4)).toBe('0001');
  });

  it('one sender per office: the advisory lock changes hands within seconds when its holder dies or closes', async () => {
    const { name, db: admin } = await fresh();
    // Window A's way to the server, which the test cuts (a crashed window, a pulled cable).
    let aCut = false;
    const a = new SenderLock({ connect: async () => { if (aCut) throw new Error('网络中断'); return client(name); }, pollMs: 200 });
    const b = new SenderLock({ connect: async () => client(name), pollMs: 200 });
    const waitFor = async (cond: () => boolean, ms: number): Promise<number> => {
      const t = performance.now();
      while (!cond()) {
        if (performance.now() - t > ms) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
      return performance.now() - t;
    };
    try {
      a.start();
      await waitFor(() => a.held, 5000);
      b.start();
      await new Promise((r) => setTimeout(r, 700));
      expect([a.held, b.held]).toEqual([true, false]);
      // The holder's connection dies (its backend terminated) and A cannot reach the server again.
      aCut = true;
      const holder = await admin.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${SENDER_LOCK_KEY} AND granted`);
      expect(holder.rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [holder.rows[0]!.pid]);
      const tookOver = await waitFor(() => b.held, 5000);
      expect(tookOver).toBeLessThan(3000);
      await waitFor(() => !a.held, 2000);
      expect(a.lastError).toBeTruthy();
      // A is back, and waits its turn while B holds the lock; B closing hands it back.
      aCut = false;
      await new Promise((r) => setTimeout(r, 700));
      expect([a.held, b.held]).toEqual([false, true]);
      await b.stop();
      expect(await waitFor(() => a.held, 5000)).toBeLessThan(3000);
      const holders = await admin.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${SENDER_LOCK_KEY} AND granted`);
      expect(holders.rows).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 30_000);
});
