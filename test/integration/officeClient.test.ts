import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { startPgCluster, pgUnavailable, type PgCluster } from '../support/pgCluster.ts';
import { openOfficeDatabase, type OfficeTarget } from '../../db/pg/openOffice.ts';
import { numberPlaceholders } from '../../db/pg/officeClient.ts';
import { StoreUnreachableError } from '../../db/pg/syncConnection.ts';
import { settings, clerks } from '../../db/schema.ts';
import type { Db } from '../../db/open.ts';

const skip = pgUnavailable();

describe.skipIf(skip !== null)('the office store through the synchronous connection (issue 18)', () => {
  let cluster: PgCluster;
  let n = 0;
  const target = async (): Promise<OfficeTarget> => {
    const name = `office_client_${++n}`;
    await cluster.createDatabase(name);
    return { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: name, password: null, tls: 'disable', statementTimeoutMs: 5000 };
  };
  beforeAll(async () => { cluster = await startPgCluster(); }, 60_000);
  afterAll(async () => { await cluster?.stop(); });

  it('numbers placeholders outside literals, quoted names and comments', () => {
    expect(numberPlaceholders(`insert into "t" ("id", "a", "at") values (null, ?, (strftime('%Y-%m-%dT%H:%M:%fZ','now'))), (null, ?, ?) on conflict ("t"."a") do update set "b" = ? where "t"."c" is null returning "id"`)).toBe(`insert into "t" ("id", "a", "at") values (DEFAULT, $1, DEFAULT), (DEFAULT, $2, $3) on conflict ("a") do update set "b" = $4 where "t"."c" is null returning "id"`);
    expect(numberPlaceholders(`select "a?" from t where x = ? and y = '?' -- what?\n and z = ?`)).toBe(`select "a?" from t where x = $1 and y = '?' -- what?\n and z = $2`);
  });

  it('runs drizzle reads and writes synchronously, booleans and money exact', async () => {
    const db: Db = await openOfficeDatabase(await target());
    db.insert(settings).values({ key: 'k', value: 'v' }).run();
    expect(db.select().from(settings).where(eq(settings.key, 'k')).get()).toMatchObject({ key: 'k', value: 'v' });
    db.insert(clerks).values({ login: 'c1', name: '𠀀张', role: 'clerk', passwordHash: 'x' }).run();
    const c = db.select().from(clerks).where(eq(clerks.login, 'c1')).get()!;
    expect(c.name).toBe('𠀀张');
    expect(c.active).toBe(true);
    db.$client.close();
  });

  it('rolls a failed transaction back whole and keeps the connection usable', async () => {
    const db: Db = await openOfficeDatabase(await target());
    expect(() => db.transaction((tx) => {
      tx.insert(settings).values({ key: 'a', value: '1' }).run();
      tx.insert(settings).values({ key: 'a', value: '2' }).run();
    })).toThrow();
    expect(db.select().from(settings).all()).toEqual([]);
    db.transaction((tx) => {
      tx.insert(settings).values({ key: 'b', value: '1' }).run();
      expect(() => tx.transaction((inner) => { inner.insert(settings).values({ key: 'b', value: '2' }).run(); })).toThrow();
      tx.insert(settings).values({ key: 'c', value: '1' }).run();
    });
    expect(db.select().from(settings).all().map((r) => r.key).sort()).toEqual(['b', 'c']);
    db.$client.close();
  });

  it('says the store is unreachable in Chinese when the server does not answer', async () => {
    const t = await target();
    await expect(openOfficeDatabase({ ...t, port: 9 })).rejects.toThrow();
    const db = await openOfficeDatabase(t);
    const blocked = () => db.all(sql`SELECT pg_sleep(3)`);
    void blocked;
    db.$client.close();
    expect(new StoreUnreachableError('x').message).toContain('办公室数据库连接不上');
  });
});
