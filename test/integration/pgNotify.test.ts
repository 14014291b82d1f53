import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../db/pg/outbox.ts';
import { ChangeListener, CHANGE_CHANNEL, publishChange, type ListenerEvent } from '../../db/pg/notify.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * The office's change feed on a real PostgreSQL (issue 18): a change published in a transaction
 * reaches the other window at commit and never after a rollback, and a listener whose backend
 * is terminated comes back by itself (saying resync) and hears later changes.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`pgNotify 跳过：${unavailable}`);

const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(unavailable !== null)('LISTEN/NOTIFY change feed (real cluster)', () => {
  let cluster: PgCluster;
  const open: { end(): Promise<void> }[] = [];
  const client = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: cluster.url('feed') });
    c.on('error', () => undefined);
    await c.connect();
    open.push(c);
    return c;
  };
  const listen = async (name: string) => {
    const events: ListenerEvent[] = [];
    const l = new ChangeListener({
      connect: async () => {
        const c = new pg.Client({ connectionString: cluster.url('feed'), application_name: name });
        await c.connect();
        return c;
      },
      onEvent: (e) => events.push(e),
      retryMs: 100,
    });
    await l.start();
    open.push({ end: () => l.stop() });
    return { l, events, changes: () => events.filter((e) => e.kind === 'change').map((e) => e.kind === 'change' && e.change) };
  };

  beforeAll(async () => {
    cluster = await startPgCluster();
    await cluster.createDatabase('feed');
    await cluster.psql('CREATE TABLE t (id int)', 'feed');
  }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
    await cluster?.stop();
  });

  it('two windows see each other\'s committed change, and not a rolled-back one', async () => {
    const w1 = await listen('w1');
    const w2 = await listen('w2');
    await until(() => w1.l.listening && w2.l.listening);
    expect(w1.events[0]).toEqual({ kind: 'resync' });
    const db1 = await client();
    const db2 = await client();

    // Window 2 rolls back: nobody hears of it.
    await inTransaction(db2, async () => {
      await db2.query('INSERT INTO t VALUES (2)');
      await publishChange(db2, { table: 'settlements', subject: 'ZY-ROLLED-BACK', origin: 'w2' });
      throw new Error('abandoned');
    }).catch(() => undefined);

    // Window 1 commits; inside the open transaction nothing is delivered yet.
    let committed = false;
    await inTransaction(db1, async () => {
      await db1.query('INSERT INTO t VALUES (1)');
      await publishChange(db1, { table: 'settlements', subject: 'ZY001', origin: 'w1' });
      await new Promise((r) => setTimeout(r, 200));
      expect(w2.changes()).toEqual([]);
      committed = true;
    });
    expect(committed).toBe(true);
    await until(() => w2.changes().length > 0 && w1.changes().length > 0);

    // Window 2 commits a change of its own; window 1 sees it.
    await inTransaction(db2, async () => {
      await publishChange(db2, { table: 'admissions', subject: 'ZY002', origin: 'w2' });
    });
    await until(() => w1.changes().length === 2 && w2.changes().length === 2);
    const expected = [
      { table: 'settlements', subject: 'ZY001', origin: 'w1' },
      { table: 'admissions', subject: 'ZY002', origin: 'w2' },
    ];
    expect(w1.changes()).toEqual(expected);
    expect(w2.changes()).toEqual(expected);
    // The rolled-back one never arrives, even later.
    await new Promise((r) => setTimeout(r, 300));
    expect(w1.changes().map((c) => c && c.subject)).not.toContain('ZY-ROLLED-BACK');
  });

  it('a malformed NOTIFY on the channel is dropped, and a bad table name is refused before sending', async () => {
    const w = await listen('w-malformed');
    await until(() => w.l.listening);
    const db = await client();
    await db.query(`NOTIFY ${CHANGE_CHANNEL}, 'not json'`);
    await publishChange(db, { table: 'claims', subject: '2026-11' });
    await until(() => w.changes().length === 1);
    expect(w.changes()).toEqual([{ table: 'claims', subject: '2026-11', origin: null }]);
    await expect(publishChange(db, { table: 'x; DROP TABLE t' })).rejects.toThrow('表名不合规');
  });

  it('a listener whose backend is terminated reconnects by itself, says resync, and hears later changes', async () => {
    const w = await listen('w-victim');
    await until(() => w.l.listening);
    const db = await client();
    const { rows } = await db.query<{ n: number }>(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'w-victim'`);
    expect(rows[0]!.n).toBe(1);
    await until(() => w.events.some((e) => e.kind === 'disconnected'));
    await until(() => w.l.listening && w.events.filter((e) => e.kind === 'resync').length === 2);
    expect(w.events.map((e) => e.kind)).toEqual(['resync', 'disconnected', 'resync']);
    await publishChange(db, { table: 'outbox', subject: null });
    await until(() => w.changes().length === 1);
    expect(w.changes()).toEqual([{ table: 'outbox', subject: null, origin: null }]);
  });
});
