import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeskMovedError, readOfficeMarker } from '../../db/officeMarker.ts';
import { knownMigrations } from '../../db/migrate.ts';
import { openDatabase } from '../../db/open.ts';
import { knownPgMigrations, migratePg } from '../../db/pg/migrate.ts';
import { moveDesk, MoveMismatch, MoveRefused, type MoveReport } from '../../db/pg/moveDesk.ts';
import { movePlan } from '../../db/pg/movePlan.ts';
import { allocateMsgid } from '../../db/pg/outbox.ts';
import { runCli } from '../../electron/cli/main.ts';
import { Desk } from '../../electron/services/desk.ts';
import { officeTargetFromEnv } from '../../electron/services/officeStore/config.ts';
import { Decimal } from '../../shared/money.ts';
import { buildOfficeMonth, type OfficeMonth } from '../support/officeMonth.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * Moving a desk into the office store (issue 18 point 3) on a real PostgreSQL cluster, with a
 * realistic month (test/support/officeMonth.ts): the copy is checked here independently of the
 * move's own verification (straight SQL on both files), a second move into the filled store is
 * refused, a money value altered between copy and verification is caught and rolled back, and
 * the desk's file is kept aside byte for byte.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`officeMove 跳过：${unavailable}`);

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(unavailable !== null)('moving a desk into the office store (real cluster)', () => {
  let cluster: PgCluster;
  let month: OfficeMonth;
  let pristine: string;
  let dbSeq = 0;

  beforeAll(async () => {
    cluster = await startPgCluster();
    month = await buildOfficeMonth();
    pristine = sha(month.dbFile);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    if (month) rmSync(month.dataDir, { recursive: true, force: true });
  });

  /** A copy of the month's desk in a data directory of its own (each move renames its file). */
  function deskCopy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'yidi-move-'));
    copyFileSync(month.dbFile, join(dir, 'desk.sqlite'));
    return join(dir, 'desk.sqlite');
  }

  async function store(migrations = knownPgMigrations()): Promise<{ url: string; client: pg.Client }> {
    const url = await cluster.createDatabase(`office_${++dbSeq}`);
    const client = new pg.Client({ connectionString: url });
    // A test that fails before client.end() must not turn the cluster's shutdown into an unhandled error.
    client.on('error', () => undefined);
    await client.connect();
    await migratePg(client, migrations);
    return { url, client };
  }

  async function officeRows(client: pg.Client): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of movePlan()) out[t.name] = (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${t.name}"`)).rows[0]!.n;
    return out;
  }

  it('moves the month with its ids, totals and outbox; keeps the file aside unchanged; the desk does not start over empty', async () => {
    const file = deskCopy();
    const before = sha(file);
    expect(before).toBe(pristine);
    const { url, client } = await store();
    const report: MoveReport = await moveDesk({ sqliteFile: file, officeUrl: url, batchRows: 250 });

    // Independently of the move's own check: straight SQL on the kept file and on the store.
    const lite = new Database(report.keptAside, { readonly: true });
    lite.defaultSafeIntegers(true);
    const count = (t: string) => (lite.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as bigint).toString();
    for (const t of movePlan()) expect(report.tables[t.name]!.rows, t.name).toBe(count(t.name));
    expect(await officeRows(client)).toEqual(Object.fromEntries(movePlan().map((t) => [t.name, count(t.name)])));
    // The month is really there: hundreds of settlements, reversals, fee lines, a claim, the outbox in both states.
    expect(Number(count('settlements'))).toBeGreaterThan(300);
    expect(Number(lite.prepare(`SELECT count(*) FROM settlements WHERE kind = 'reversal'`).pluck().get())).toBeGreaterThanOrEqual(15);
    expect(Number(count('fee_lines'))).toBeGreaterThanOrEqual(750);
    expect(Number(count('claims'))).toBeGreaterThan(0);
    expect(Number(count('claim_items'))).toBeGreaterThan(300);
    expect(Number(count('outbox_results'))).toBeGreaterThanOrEqual(12);
    // …and the stays settled the whole way through against the agency: requests, its answers, a slip, the uploads.
    for (const t of ['settlement_requests', 'agency_settlement_results', 'slip_prints', 'fee_uploads', 'audit_log', 'outpatient_visits', 'outpatient_fee_lines']) expect(Number(count(t)), t).toBeGreaterThan(0);
    // The outpatient refund: both sides of the cycle the move fills in afterwards, equal id by id.
    for (const [t, col] of [['outpatient_settlements', 'refunds'], ['outpatient_requests', 'refunds']] as const) {
      const desk = lite.prepare(`SELECT id, ${col} FROM ${t} WHERE ${col} IS NOT NULL ORDER BY id`).raw(true).all().map((r) => (r as bigint[]).map(Number));
      expect(desk.length, `${t}.${col}`).toBeGreaterThan(0);
      expect((await client.query({ text: `SELECT id, ${col} FROM ${t} WHERE ${col} IS NOT NULL ORDER BY id`, rowMode: 'array' })).rows).toEqual(desk);
    }
    expect(Number(count('outbox_reversals'))).toBe(1);
    expect(report.outbox.byStatus.rejected).toBe('8');
    expect(Number(report.outbox.byStatus.pending)).toBeGreaterThan(40);

    for (const t of movePlan().filter((x) => x.money.length > 0)) {
      for (const c of t.money) {
        const deskSum = (lite.prepare(`SELECT "${c}" FROM "${t.name}"`).pluck().all() as string[]).reduce((a, v) => a.plus(v), new Decimal(0));
        const pgSum = (await client.query<{ s: string }>(`SELECT coalesce(sum("${c}"), 0)::text AS s FROM "${t.name}"`)).rows[0]!.s;
        expect(new Decimal(pgSum).eq(deskSum), `${t.name}.${c}`).toBe(true);
        expect(new Decimal(report.tables[t.name]!.money[c]!).eq(deskSum)).toBe(true);
      }
    }
    expect(new Decimal(report.tables.settlements!.money.medfee_sumamt!).gt(1_000_000)).toBe(true);

    // Every table equal row by row, every column (booleans as 0/1, ids and numbers as text, money as its two-decimal text).
    const norm = (v: unknown) => (v === null ? null : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    for (const t of movePlan()) {
      const cols = t.columns.map((c) => `"${c}"`).join(', ');
      const a = (lite.prepare(`SELECT ${cols} FROM "${t.name}"`).raw(true).all() as unknown[][]).map((r) => JSON.stringify(r.map(norm))).sort();
      const b = ((await client.query({ text: `SELECT ${cols} FROM "${t.name}"`, rowMode: 'array' })).rows as unknown[][]).map((r) => JSON.stringify(r.map(norm))).sort();
      expect(b, t.name).toEqual(a);
    }
    // Same ids, same rows: every settlement row's amounts equal, id by id.
    const deskSettlements = lite.prepare(`SELECT id, reversal_of, medfee_sumamt, fund_pay_sumamt, psn_cash_pay FROM settlements ORDER BY id`).raw(true).all() as unknown[][];
    const pgSettlements = (await client.query({ text: `SELECT id, reversal_of, medfee_sumamt, fund_pay_sumamt, psn_cash_pay FROM settlements ORDER BY id`, rowMode: 'array' })).rows as unknown[][];
    expect(pgSettlements.map((r) => r.map((v) => (v === null ? null : String(v))))).toEqual(deskSettlements.map((r) => r.map((v) => (v === null ? null : String(v)))));
    // The outbox queues, in order, per person.
    const deskQueue = lite.prepare(`SELECT order_key, msgid, status FROM outbox ORDER BY order_key, id`).raw(true).all();
    expect((await client.query({ text: `SELECT order_key, msgid, status FROM outbox ORDER BY order_key, id`, rowMode: 'array' })).rows).toEqual(deskQueue);

    // Identities past the largest id, also past deleted outbox rows (sqlite_sequence).
    const outboxSeq = (lite.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'outbox'`).pluck().get() as bigint);
    expect(BigInt(report.tables.outbox!.nextId!)).toBe(outboxSeq + 1n);
    const nextSettlement = await client.query<{ id: number }>(`INSERT INTO audit_log (action, entity) VALUES ('test', 'office') RETURNING id`);
    expect(BigInt(nextSettlement.rows[0]!.id)).toBe(BigInt(report.tables.audit_log!.nextId!));
    await client.query(`DELETE FROM audit_log WHERE action = 'test'`);
    // The office's next msgid comes after the desk's last one, never one it already used.
    const deskSlot = lite.prepare(`SELECT value FROM settings WHERE key = 'msgid.seq'`).pluck().get() as string;
    expect(deskSlot).toMatch(/^\d{14}:\d{4}$/);
    expect(report.msgidSlotNext).not.toBeNull();
    const officeMsgid = await allocateMsgid(client, 'H42010000001');
    const deskLast = `H42010000001${deskSlot.replace(':', '')}`;
    expect(officeMsgid > deskLast, `${officeMsgid} after ${deskLast}`).toBe(true);
    const movedSettlements = count('settlements');
    const movedOutbox = count('outbox');
    lite.close();

    // Kept aside, byte for byte; recorded beside it; the desk refuses to start over on an empty file.
    expect(existsSync(file)).toBe(false);
    expect(report.keptAside).toMatch(/desk\.moved-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.sqlite$/);
    expect(sha(report.keptAside)).toBe(before);
    expect(readOfficeMarker(file)).toMatchObject({ officeUrl: expect.stringContaining('127.0.0.1'), keptAside: report.keptAside });
    await expect(openDatabase(file)).rejects.toBeInstanceOf(DeskMovedError);
    const desk = await Desk.openOrRecover({ dataDir: join(file, '..') });
    expect(desk.broken?.message).toContain('本桌面的数据已于');
    expect(desk.broken?.message).toContain(report.keptAside);
    desk.close();
    expect(existsSync(file)).toBe(false);

    // The desk switches to the office store (office mode, as YIDI_DB_URL gives it) and works on the moved month.
    const office = officeTargetFromEnv({ YIDI_DB_URL: url });
    const onOffice = await Desk.open({ dataDir: join(file, '..'), office });
    expect(onOffice.inOffice).toBe(true);
    expect(onOffice.db.$client.prepare('SELECT count(*) AS n FROM settlements').get()).toEqual({ n: Number(movedSettlements) });
    expect(onOffice.db.$client.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: Number(movedOutbox) });
    onOffice.close();
    expect(existsSync(file)).toBe(false);

    // A second move into the now non-empty store is refused, naming tables, and touches nothing.
    const again = deskCopy();
    const e = await moveDesk({ sqliteFile: again, officeUrl: url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MoveRefused);
    expect((e as MoveRefused).code).toBe('OFFICE_NOT_EMPTY');
    expect((e as Error).message).toMatch(/办公室数据库不是空的：表 .*settlements（\d+ 行）/);
    expect(sha(again)).toBe(pristine);
    // Nothing renamed, nothing recorded (a read-only reader of a WAL file leaves its -wal/-shm, as the desk does).
    expect(readdirSync(join(again, '..')).filter((f) => !/-(wal|shm)$/.test(f))).toEqual(['desk.sqlite']);
    expect((await officeRows(client)).settlements).toBe(report.tables.settlements!.rows);
    await client.end();
  }, 180_000);

  it('rolls everything back when a money value differs after the copy, naming the table and column', async () => {
    const file = deskCopy();
    const { url, client } = await store();
    const e = await moveDesk({
      sqliteFile: file, officeUrl: url,
      beforeVerify: async (conn) => {
        await conn.query(`UPDATE settlements SET medfee_sumamt = medfee_sumamt + 0.01 WHERE id = (SELECT max(id) FROM settlements)`);
      },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MoveMismatch);
    expect((e as Error).message).toContain('表 settlements 列 medfee_sumamt 合计');
    expect((e as MoveMismatch).differences).toEqual([expect.objectContaining({ table: 'settlements', column: 'medfee_sumamt' })]);
    expect(Object.values(await officeRows(client)).every((n) => n === '0')).toBe(true);
    // The file is where it was, unchanged, and nothing says the desk moved.
    expect(sha(file)).toBe(pristine);
    expect(readOfficeMarker(file)).toBeNull();
    // The identities were restarted inside the transaction, so the rollback undid that too.
    expect((await client.query<{ id: number }>(`INSERT INTO audit_log (action, entity) VALUES ('probe', 'office') RETURNING id`)).rows[0]!.id).toBe(1);
    await client.query(`DELETE FROM audit_log`);
    // The rolled-back store is still empty, so the move can be run again.
    const ok = await moveDesk({ sqliteFile: file, officeUrl: url });
    expect(ok.tables.settlements!.rows).not.toBe('0');
    await client.end();
  }, 120_000);

  it('a connection lost in the middle of the move leaves the store empty and the file where it was', async () => {
    const file = deskCopy();
    const { url, client } = await store();
    const e = await moveDesk({ sqliteFile: file, officeUrl: url, beforeVerify: async (conn) => void (await conn.query('SELECT pg_terminate_backend(pg_backend_pid())')) }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/^迁入失败，已全部撤回：/);
    expect(Object.values(await officeRows(client)).every((n) => n === '0')).toBe(true);
    expect(sha(file)).toBe(pristine);
    expect(readOfficeMarker(file)).toBeNull();
    await client.end();
  }, 60_000);

  it('catches an outbox queue out of order or a lost row', async () => {
    const { url, client } = await store();
    const swapped = await moveDesk({
      sqliteFile: deskCopy(), officeUrl: url,
      beforeVerify: async (conn) => {
        // Two waiting items of one person's queue trade places (ids swapped).
        const r = (await conn.query(`SELECT id FROM outbox WHERE order_key = (SELECT order_key FROM outbox GROUP BY order_key HAVING count(*) > 1 ORDER BY order_key LIMIT 1) ORDER BY id LIMIT 2`)).rows as { id: number }[];
        await conn.query(`UPDATE outbox SET id = -1 WHERE id = $1`, [r[0]!.id]);
        await conn.query(`UPDATE outbox SET id = $1 WHERE id = $2`, [r[0]!.id, r[1]!.id]);
        await conn.query(`UPDATE outbox SET id = $1 WHERE id = -1`, [r[1]!.id]);
      },
    }).catch((x: unknown) => x);
    expect(swapped).toBeInstanceOf(MoveMismatch);
    expect((swapped as Error).message).toMatch(/发送队列 psn:\d+ 的顺序或状态不同/);
    const lost = await moveDesk({ sqliteFile: deskCopy(), officeUrl: url, beforeVerify: async (conn) => void (await conn.query(`DELETE FROM fee_lines WHERE id = (SELECT min(id) FROM fee_lines)`)) }).catch((x: unknown) => x);
    expect((lost as Error).message).toContain('表 fee_lines 行数');
    expect(Object.values(await officeRows(client)).every((n) => n === '0')).toBe(true);
    await client.end();
  }, 120_000);

  it('the office goes on after the desk\'s last msgid even when that slot is ahead of the server clock', async () => {
    const file = deskCopy();
    const w = new Database(file);
    // A desk that sent 10,000 messages in one second runs an hour ahead of the clock; a set-back clock does the same.
    const ahead = new Date(Date.now() + 3600_000 + 8 * 3600_000).toISOString().replace(/[-T:]/g, '').slice(0, 14);
    w.prepare(`UPDATE settings SET value = ? WHERE key = 'msgid.seq'`).run(`${ahead}:0042`);
    w.close();
    const { url, client } = await store();
    const report = await moveDesk({ sqliteFile: file, officeUrl: url });
    expect(report.msgidSlotNext).not.toBeNull();
    const next = await allocateMsgid(client, 'H42010000001');
    expect(next).toBe(`H42010000001${ahead}0043`);
    await client.end();
  }, 120_000);

  it('a desk amount PostgreSQL would round (three decimals) is caught, not silently rounded', async () => {
    const file = deskCopy();
    const w = new Database(file);
    w.prepare(`UPDATE fee_lines SET det_item_fee_sumamt = '10.005' WHERE id = (SELECT min(id) FROM fee_lines)`).run();
    w.close();
    const { url, client } = await store();
    const e = await moveDesk({ sqliteFile: file, officeUrl: url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MoveMismatch);
    expect((e as Error).message).toMatch(/表 fee_lines 列 det_item_fee_sumamt 合计：桌面 \d+\.\d{3}，办公室 \d+\.\d{2}\b/);
    expect(Object.values(await officeRows(client)).every((n) => n === '0')).toBe(true);
    await client.end();
  }, 60_000);

  it('a desk that stopped with commits still in its WAL moves them too, and the WAL is kept aside with the file', async () => {
    const file = deskCopy();
    const w = new Database(file);
    w.pragma('journal_mode = WAL');
    w.pragma('wal_autocheckpoint = 0');
    w.prepare(`INSERT INTO audit_log (action, entity, detail) VALUES ('crash.test', 'office', 'only in the WAL')`).run();
    // Copy the files while the writer is still open, as a machine that lost power leaves them.
    const dir = mkdtempSync(join(tmpdir(), 'yidi-move-wal-'));
    const crashed = join(dir, 'desk.sqlite');
    copyFileSync(file, crashed);
    copyFileSync(`${file}-wal`, `${crashed}-wal`);
    w.close();
    const before = [sha(crashed), sha(`${crashed}-wal`)];
    const { url, client } = await store();
    const report = await moveDesk({ sqliteFile: crashed, officeUrl: url });
    expect((await client.query(`SELECT detail FROM audit_log WHERE action = 'crash.test'`)).rows).toEqual([{ detail: 'only in the WAL' }]);
    expect(existsSync(`${report.keptAside}-wal`)).toBe(true);
    const kept = new Database(report.keptAside, { readonly: true });
    expect(kept.prepare(`SELECT count(*) FROM audit_log WHERE action = 'crash.test'`).pluck().get()).toBe(1);
    kept.close();
    expect([sha(report.keptAside), sha(`${report.keptAside}-wal`)]).toEqual(before);
    await client.end();
  }, 60_000);

  it('two moves into one store at once: one lands, the other is refused as not empty', async () => {
    const { url, client } = await store();
    const results = await Promise.allSettled([moveDesk({ sqliteFile: deskCopy(), officeUrl: url }), moveDesk({ sqliteFile: deskCopy(), officeUrl: url })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as MoveRefused).code).toBe('OFFICE_NOT_EMPTY');
    await client.end();
  }, 60_000);

  it('CLI office move refuses while the desk of that data directory is running', async () => {
    const file = deskCopy();
    // The parent process is alive and is not this one: as if a desk held the directory.
    writeFileSync(join(file, '..', 'desk.lock'), JSON.stringify({ pid: process.ppid, url: 'http://127.0.0.1:5173/' }));
    const { url, client } = await store();
    const r = await runCli(['office', 'move', '--db', file, '--to', url]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: 'DESK_RUNNING', path: '--db' });
    expect(JSON.parse(r.stderr).message).toContain('请先关闭使用这个数据目录的经办台');
    expect(sha(file)).toBe(pristine);
    expect((await officeRows(client)).settlements).toBe('0');
    await client.end();
  }, 60_000);

  it('refuses a desk file that is damaged, breaks a foreign key or is not at this build\'s level, before touching the store', async () => {
    const { url, client } = await store();
    const damaged = deskCopy();
    const bytes = readFileSync(damaged);
    bytes.fill(0x5a, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 8192);
    writeFileSync(damaged, bytes);
    const e1 = await moveDesk({ sqliteFile: damaged, officeUrl: url }).catch((x: unknown) => x);
    expect((e1 as MoveRefused).code).toBe('SOURCE_CORRUPT');
    expect((e1 as Error).message).toContain('完整性检查未通过');

    const dangling = deskCopy();
    const w = new Database(dangling);
    w.pragma('foreign_keys = OFF');
    w.prepare(`UPDATE settlement_funds SET settlement_id = 999999 WHERE id = (SELECT min(id) FROM settlement_funds)`).run();
    w.close();
    const e2 = await moveDesk({ sqliteFile: dangling, officeUrl: url }).catch((x: unknown) => x);
    expect((e2 as MoveRefused).code).toBe('SOURCE_FOREIGN_KEY');
    expect((e2 as Error).message).toContain('表 settlement_funds');

    const olderDir = mkdtempSync(join(tmpdir(), 'yidi-move-old-'));
    const older = await openDatabase(join(olderDir, 'desk.sqlite'), { migrations: knownMigrations().slice(0, -1) });
    older.$client.close();
    const e3 = await moveDesk({ sqliteFile: join(olderDir, 'desk.sqlite'), officeUrl: url }).catch((x: unknown) => x);
    expect((e3 as MoveRefused).code).toBe('SOURCE_LEVEL');
    expect((e3 as Error).message).toContain('请先用本版本程序打开一次这个桌面');
    expect(Object.values(await officeRows(client)).every((n) => n === '0')).toBe(true);
    await client.end();
  }, 60_000);

  it('refuses a store not at the desk file\'s level, and an unmigrated one', async () => {
    const older = await store(knownPgMigrations().slice(0, 1));
    const e = await moveDesk({ sqliteFile: deskCopy(), officeUrl: older.url }).catch((x: unknown) => x);
    expect((e as MoveRefused).code).toBe('OFFICE_LEVEL');
    expect((e as Error).message).toContain(`办公室数据库的迁移级别为 ${knownPgMigrations()[0]!.tag}`);
    await older.client.end();
    const bare = await cluster.createDatabase(`office_${++dbSeq}`);
    expect(((await moveDesk({ sqliteFile: deskCopy(), officeUrl: bare }).catch((x: unknown) => x)) as MoveRefused).code).toBe('OFFICE_LEVEL');
  }, 60_000);

  it('CLI office move: prints the verification as JSON, never the password', async () => {
    const file = deskCopy();
    const { url, client } = await store();
    // Trust authentication ignores the password, so the move works and we can look for it in the output.
    const withPassword = url.replace('postgres@', 'postgres:S3cr%C3%A9t-pw@');
    const r = await runCli(['office', 'move', '--db', file, '--to', withPassword]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('S3cr');
    const out = JSON.parse(r.stdout) as MoveReport;
    expect(out.office).toContain('postgres:***@127.0.0.1');
    expect(out.tables.settlements!.rows).toBe((await officeRows(client)).settlements);
    expect(readFileSync(out.marker, 'utf8')).not.toContain('S3cr');
    // Again: refused (exit 2, Chinese, the path says which option), and still no password.
    const twice = await runCli(['office', 'move', '--db', deskCopy(), '--to', withPassword]);
    expect(twice.code).toBe(2);
    expect(JSON.parse(twice.stderr)).toMatchObject({ error: 'OFFICE_NOT_EMPTY', path: '--to' });
    expect(twice.stderr).not.toContain('S3cr');
    const unreachable = await runCli(['office', 'move', '--db', deskCopy(), '--to', 'postgres://it:S3cret@127.0.0.1:1/office']);
    expect(JSON.parse(unreachable.stderr)).toMatchObject({ error: 'OFFICE_UNREACHABLE' });
    expect(unreachable.stderr).not.toContain('S3cret');
    await client.end();
  }, 120_000);
});
