import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePg } from '../../db/pg/migrate.ts';
import { lockHolder, OfficeLockError, withMonthlyClaimOnce, withStayLock } from '../../db/pg/stayLock.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * Collision locks on a real PostgreSQL with two windows (two sessions), issue 18: a stay being
 * settled at one window is refused at the other naming who holds it; the lock goes at commit,
 * rollback and when the holder's session dies; the month's claim is submitted once.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`pgStayLock 跳过：${unavailable}`);

/** A promise and its resolver: keeps a window inside its transaction until the test lets go. */
const gate = () => {
  let open!: () => void;
  const p = new Promise<void>((r) => { open = r; });
  return { p, open };
};

const caught = async (p: Promise<unknown>): Promise<OfficeLockError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof OfficeLockError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe.skipIf(unavailable !== null)('collision locks (real cluster, two windows)', () => {
  let cluster: PgCluster;
  const open: pg.Client[] = [];
  const window = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: cluster.url('locks') });
    c.on('error', () => undefined);
    await c.connect();
    open.push(c);
    return c;
  };
  const w3 = { window: '窗口3', clerk: '王芳' };
  const w1 = { window: '窗口1', clerk: '李四' };

  beforeAll(async () => {
    cluster = await startPgCluster();
    await cluster.createDatabase('locks');
    const c = await window();
    await migratePg(c);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
    await cluster?.stop();
  });

  it('a stay being settled at one window is refused at another, naming who and since when; released at commit', async () => {
    const a = await window();
    const b = await window();
    const g = gate();
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    const first = withStayLock(a, 'ZY001', w3, async () => {
      await a.query(`CREATE TABLE IF NOT EXISTS settled (admission text)`);
      await a.query(`INSERT INTO settled VALUES ('ZY001')`);
      entered();
      await g.p;
      return 'done';
    });
    await inside;

    const e = await caught(withStayLock(b, 'ZY001', w1, async () => { throw new Error('must not run'); }));
    expect(e.code).toBe('STAY_LOCKED');
    expect(e.field).toBe('admissionId');
    expect(e.message).toMatch(/^住院号 ZY001 正由 窗口3 王芳 结算（自 \d\d:\d\d 起）/);
    expect(e.holder).toMatchObject(w3);
    // Another stay is free meanwhile.
    await expect(withStayLock(b, 'ZY002', w1, async () => 'other')).resolves.toBe('other');

    g.open();
    await expect(first).resolves.toBe('done');
    await expect(withStayLock(b, 'ZY001', w1, async () => 'second')).resolves.toBe('second');
    const { rows } = await b.query<{ n: number }>(`SELECT count(*)::int AS n FROM settled`);
    expect(rows[0]!.n).toBe(1);
    // Nobody is left named as a holder.
    expect(await lockHolder(b, 'stay', 'ZY001')).toBeNull();
    expect((await b.query(`SELECT count(*)::int AS n FROM office.lock_holders`)).rows[0]).toEqual({ n: 0 });
  });

  it('a rollback releases the stay and undoes the work', async () => {
    const a = await window();
    const b = await window();
    await a.query(`CREATE TABLE IF NOT EXISTS settled (admission text)`);
    await expect(withStayLock(a, 'ZY010', w3, async () => {
      await a.query(`INSERT INTO settled VALUES ('ZY010')`);
      throw new Error('审核不通过');
    })).rejects.toThrow('审核不通过');
    await expect(withStayLock(b, 'ZY010', w1, async () => 'ok')).resolves.toBe('ok');
    expect((await b.query(`SELECT count(*)::int AS n FROM settled WHERE admission = 'ZY010'`)).rows[0]).toEqual({ n: 0 });
  });

  it('a window whose session dies while settling lets go at once; its leftover row names nobody', async () => {
    const a = await window();
    const b = await window();
    const pid = (await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    const dying = withStayLock(a, 'ZY020', w3, async () => {
      entered();
      await a.query('SELECT pg_sleep(30)');
    }).catch((e: unknown) => e);
    await inside;
    expect((await caught(withStayLock(b, 'ZY020', w1, async () => undefined))).code).toBe('STAY_LOCKED');
    await b.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await dying).toBeInstanceOf(Error);
    // The server may take a moment to end the backend and free its locks.
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = await withStayLock(b, 'ZY020', w1, async () => true).catch(() => false);
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ok).toBe(true);
    expect(await lockHolder(b, 'stay', 'ZY020')).toBeNull();
  });

  it('the month\'s claim is submitted once: a concurrent second is refused naming the holder, a later one because it exists; withdrawn frees the period', async () => {
    const a = await window();
    const b = await window();
    const key = { setlym: '202611', insutype: '310', scope: 'cross' as const };
    const insert = (db: pg.Client, msgid: string, k: { setlym: string; insutype: string; scope: 'cross' | 'in' } = key) => db.query<{ id: number }>(`INSERT INTO claims (setlym, insutype, scope, psntime, by_fund, msgid)
      VALUES ($1, $2, $3, 1, '{}', $4) RETURNING id`, [k.setlym, k.insutype, k.scope, msgid]).then((r) => r.rows[0]!.id);
    const g = gate();
    let entered!: () => void;
    const inside = new Promise<void>((r) => { entered = r; });
    const first = withMonthlyClaimOnce(a, key, w3, async () => {
      const id = await insert(a, 'M1');
      entered();
      await g.p;
      return id;
    });
    await inside;
    const concurrent = await caught(withMonthlyClaimOnce(b, key, w1, () => insert(b, 'M2')));
    expect(concurrent.code).toBe('CLAIM_LOCKED');
    expect(concurrent.field).toBe('period');
    expect(concurrent.message).toMatch(/^职工基本医疗保险·跨省 202611 期的申报正由 窗口3 王芳 提交（自 \d\d:\d\d 起）/);
    // Another scope of the same month is its own claim.
    const inKey = { ...key, scope: 'in' as const };
    await expect(withMonthlyClaimOnce(b, inKey, w1, () => insert(b, 'M3', inKey))).resolves.toBeGreaterThan(0);
    g.open();
    const id = await first;

    const later = await caught(withMonthlyClaimOnce(b, key, w1, () => insert(b, 'M4')));
    expect(later.code).toBe('ALREADY_CLAIMED');
    expect(later.message).toBe(`职工基本医疗保险·跨省 202611 期已有申报（编号 ${id}）；如需更正，请先撤销该申报后重新申报`);
    expect((await b.query(`SELECT msgid, scope FROM claims WHERE setlym = '202611' ORDER BY id`)).rows).toEqual([{ msgid: 'M1', scope: 'cross' }, { msgid: 'M3', scope: 'in' }]);

    await b.query(`UPDATE claims SET status = 'withdrawn' WHERE id = $1`, [id]);
    await expect(withMonthlyClaimOnce(b, key, w1, () => insert(b, 'M5'))).resolves.toBeGreaterThan(id);
  });

  it('two windows racing for the same claim: exactly one submits', async () => {
    const a = await window();
    const b = await window();
    const key = { setlym: '202610', insutype: '390', scope: 'cross' as const };
    const submit = (db: pg.Client, who: typeof w1, msgid: string) => withMonthlyClaimOnce(db, key, who, async () => {
      await db.query(`INSERT INTO claims (setlym, insutype, scope, psntime, by_fund, msgid) VALUES ($1, $2, $3, 1, '{}', $4)`, [key.setlym, key.insutype, key.scope, msgid]);
      await db.query('SELECT pg_sleep(0.1)');
      return msgid;
    });
    const results = await Promise.allSettled([submit(a, w3, 'R1'), submit(b, w1, 'R2')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(OfficeLockError);
    expect((await a.query(`SELECT count(*)::int AS n FROM claims WHERE setlym = '202610'`)).rows[0]).toEqual({ n: 1 });
  });
});
