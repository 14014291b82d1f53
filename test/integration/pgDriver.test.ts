import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedPgMigrations, knownPgMigrations, migratePg } from '../../db/pg/migrate.ts';
import { pgTables } from '../../db/pg/schema.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * The office store through the real driver (`pg`, issue 18): the migration runner on a pg Client,
 * and the money columns as the driver hands them back — exact two-decimal strings, summed in SQL
 * without floating point.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`pgDriver 跳过：${unavailable}`);

describe.skipIf(unavailable !== null)('PostgreSQL through the pg driver (real cluster)', () => {
  let cluster: PgCluster;
  let client: pg.Client;

  beforeAll(async () => {
    cluster = await startPgCluster();
    await cluster.createDatabase('yidi_driver');
    client = new pg.Client({ connectionString: cluster.url('yidi_driver') });
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    await cluster?.stop();
  });

  it('migrates a fresh database with every migration, once, and money comes back exact', async () => {
    const known = knownPgMigrations();
    expect(await migratePg(client)).toEqual(known.map((m) => m.tag));
    expect(await migratePg(client)).toEqual([]);
    expect(await appliedPgMigrations(client)).toEqual(known.map((m) => m.tag));
    // A settlement-sized sum of amounts that binary floating point gets wrong (0.1 + 0.2).
    const r = await client.query<{ s: string }>(`SELECT sum(v)::numeric(18,2)::text AS s FROM (VALUES ('0.10'::numeric(18,2)), ('0.20'::numeric(18,2)), ('4972.07'::numeric(18,2))) t(v)`);
    expect(r.rows[0]!.s).toBe('4972.37');
    const cols = await client.query<{ data_type: string; numeric_scale: number }>(`SELECT data_type, numeric_scale FROM information_schema.columns WHERE table_name = 'settlements' AND column_name = 'medfee_sumamt'`);
    expect(cols.rows[0]).toEqual({ data_type: 'numeric', numeric_scale: 2 });
  });

  it('the derived tables work as drizzle tables: typed inserts and reads, money exact, booleans, identity ids, the clock default', async () => {
    await migratePg(client);
    const db = drizzle(client);
    const { reconciliationRuns: runs, clerks } = pgTables;
    const [row] = await db.insert(runs).values({ day: '2026-12-01', insutype: '310', localCount: 2, localMedfee: '4972.07' }).returning();
    expect(row).toMatchObject({ localMedfee: '4972.07', localFund: '0.00', localCount: 2 });
    expect(row!.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    await db.insert(runs).values({ day: '2026-12-01', insutype: '310', localCount: 1, localMedfee: '0.10' });
    const [sum] = await db.select({ total: sql<string>`sum(${runs.localMedfee})::text` }).from(runs).where(eq(runs.day, '2026-12-01'));
    expect(sum!.total).toBe('4972.17');
    const [clerk] = await db.insert(clerks).values({ login: 'li', name: '李', role: 'clerk', passwordHash: 'x' }).returning();
    expect(clerk).toMatchObject({ active: true, failedAttempts: 0, role: 'clerk' });
    expect(clerk!.id).toBeGreaterThan(0);
    // Identity "by default": a desk's row can move with its id.
    const [moved] = await db.insert(clerks).values({ id: 500, login: 'wang', name: '王', role: 'supervisor', passwordHash: 'y' }).returning({ id: clerks.id });
    expect(moved!.id).toBe(500);
  });
});
