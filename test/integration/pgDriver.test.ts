import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedPgMigrations, knownPgMigrations, migratePg } from '../../db/pg/migrate.ts';
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
});
