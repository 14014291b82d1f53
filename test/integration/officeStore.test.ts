import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { officeRun } from '../support/testStore.ts';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openSecret, type SecretBox } from '../../electron/agency/secrets.ts';
import { knownPgMigrations, migratePg } from '../../db/pg/migrate.ts';
import type { OfficeStoreTestResult, OfficeStoreView } from '../../shared/api/officeStore.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * 设置 → 办公室数据库 (issue 18 point 2) over the real local host and a real PostgreSQL: the
 * password sealed and never returned or audited, YIDI_DB_URL winning, and 测试连接 — good,
 * wrong password, nothing listening, TLS required / verified, a store behind and one too new.
 */
const unavailable = process.env.CI ? null : pgUnavailable();
if (unavailable) console.warn(`officeStore 跳过：${unavailable}`);

function testBox(): SecretBox {
  const key = randomBytes(32);
  return {
    kind: '测试用 AES-GCM 密钥盒',
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt(cipher) {
      const d = createDecipheriv('aes-256-gcm', key, cipher.subarray(0, 12));
      d.setAuthTag(cipher.subarray(12, 28));
      return Buffer.concat([d.update(cipher.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const a = s.address() as { port: number };
    s.close(() => resolve(a.port));
  });
});

type DeskCtx = Awaited<ReturnType<typeof startDeskHost>>;
type Answer<T> = { ok: boolean; result?: T; error?: { code: string; message: string; path: string } };

describe.skipIf(unavailable !== null)('office store settings and 测试连接 (real cluster)', () => {
  const box = testBox();
  // Made up per run: no password is in the repository.
  const PASSWORD = `Office-1${randomBytes(6).toString('hex')}`;
  let cluster: PgCluster;
  let ctx: DeskCtx;
  let supervisor = '';
  let clerk = '';
  const call = async <T,>(method: string, input: unknown, token = supervisor): Promise<Answer<T>> => (await api(ctx.host, method, input, token)).body as Answer<T>;
  const setting = (key: string) => (ctx.desk.db.$client.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const url = (db: string, port = cluster.port) => `postgres://office_clerk@127.0.0.1:${port}/${db}`;
  const test = async () => (await call<OfficeStoreTestResult>('office.store.test', {})).result!;

  beforeAll(async () => {
    cluster = await startPgCluster({ passwordRoles: ['office_clerk'], ssl: true });
    await cluster.psql(`CREATE ROLE office_clerk LOGIN PASSWORD '${PASSWORD}'`);
    for (const db of ['office_current', 'office_empty', 'office_behind', 'office_newer']) await cluster.psql(`CREATE DATABASE ${db} OWNER office_clerk`);
    const known = knownPgMigrations();
    const migrate = async (db: string, upTo: number, extra?: string) => {
      // As the office's own role, which owns what it migrates (as IT sets it up).
      const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'office_clerk', password: PASSWORD, database: db });
      await c.connect();
      await migratePg(c, known.slice(0, upTo));
      if (extra) await c.query(extra);
      await c.end();
    };
    await migrate('office_current', known.length);
    await migrate('office_behind', known.length - 1);
    await migrate('office_newer', known.length, `INSERT INTO schema_migrations (tag, applied_at) VALUES ('9999_from_the_future', 'x')`);
    ctx = await startDeskHost({ secretBox: box });
    supervisor = ((await api(ctx.host, 'auth.login', { login: 'super01', password: 'demo1234' })).body.result as { token: string }).token;
    clerk = ((await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.result as { token: string }).token;
  }, 120_000);
  afterAll(async () => {
    await ctx?.stop();
    await cluster?.stop();
  });
  afterEach(() => { delete process.env.YIDI_DB_URL; });

  it('starts unset, says which store the window runs on; supervisors only', async () => {
    const v = (await call<OfficeStoreView>('office.store.get', {})).result!;
    expect(v).toMatchObject({ source: 'none', url: '', tls: 'disable', password: { set: false }, inUse: officeRun(), envVariable: 'YIDI_DB_URL', problem: null });
    expect((await call('office.store.get', {}, clerk)).error?.code).toBe('FORBIDDEN');
    expect((await call('office.store.update', { url: url('office_current') }, clerk)).error?.code).toBe('FORBIDDEN');
    expect((await call('office.store.test', {}, clerk)).error?.code).toBe('FORBIDDEN');
    expect(await test()).toEqual({ ok: false, field: 'url', message: '尚未设置办公室数据库的连接地址' });
  });

  it('stores the password sealed, never returns it or audits it; a bad URL is refused naming the field', async () => {
    const bad = await call('office.store.update', { url: `postgres://office_clerk:${PASSWORD}@127.0.0.1:${cluster.port}/office_current` });
    expect(bad.error).toMatchObject({ code: 'INVALID_INPUT', path: 'url' });
    expect(bad.error!.message).toContain('不能写密码');
    expect(bad.error!.message).not.toContain(PASSWORD);
    expect((await call('office.store.update', { url: 'mysql://x@h/d' })).error).toMatchObject({ path: 'url', message: expect.stringContaining('postgres://') as string });
    expect((await call('office.store.update', { tls: 'verify-full' })).error).toMatchObject({ path: 'caFile' });

    const r = await call<OfficeStoreView>('office.store.update', { url: url('office_current'), password: PASSWORD });
    expect(r.error).toBeUndefined();
    expect(r.result).toMatchObject({ source: 'settings', url: url('office_current'), password: { set: true } });
    expect(JSON.stringify(r.result)).not.toContain(PASSWORD);
    const stored = setting('office.password')!;
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain(PASSWORD);
    expect(openSecret(box, stored)).toBe(PASSWORD);
    const audit = ctx.desk.db.$client.prepare(`SELECT detail FROM audit_log WHERE action = 'office.store.update' ORDER BY id DESC LIMIT 1`).get() as { detail: string };
    expect(JSON.parse(audit.detail)).toEqual({ changed: ['office.url', 'office.tls', 'office.password'] });
    expect(audit.detail).not.toContain(PASSWORD);
    expect(JSON.stringify((await call('office.store.get', {})).result)).not.toContain(PASSWORD);
  });

  it('测试连接, good: server version, user, no TLS, migrations current; nothing written to the store', async () => {
    const r = await test();
    if (!r.ok) throw new Error(r.message);
    const version = (await cluster.psql('SHOW server_version')).split('\n')[1]!;
    expect(r).toMatchObject({ serverVersion: version, user: 'office_clerk', database: 'office_current', address: `127.0.0.1:${cluster.port}`, tls: { used: false, version: null } });
    expect(r.migrations).toEqual({ applied: knownPgMigrations().length, known: knownPgMigrations().length, state: 'current', pending: [] });
    expect(r.text).toContain(`PostgreSQL ${version}，用户 office_clerk`);
    expect(r.text).toContain('未加密');
    expect(r.text).toContain('数据库结构与本程序一致');
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
  });

  it('TLS: require encrypts; verify-full checks the server against the CA file; a missing CA file names that field', async () => {
    await call('office.store.update', { tls: 'require' });
    const req = await test();
    expect(req).toMatchObject({ ok: true, tls: { used: true, version: expect.stringMatching(/^TLSv1\.[23]$/) as string } });
    await call('office.store.update', { tls: 'verify-full', caFile: cluster.caFile });
    expect(await test()).toMatchObject({ ok: true, tls: { used: true } });
    await call('office.store.update', { caFile: '/nonexistent/office-ca.pem' });
    expect(await test()).toEqual({ ok: false, field: 'caFile', message: 'CA 证书文件 /nonexistent/office-ca.pem 不存在或无法读取' });
    // Another CA than the server's: refused, the CA file named.
    await call('office.store.update', { caFile: '/etc/ssl/certs/ca-certificates.crt' });
    const other = await test();
    expect(other).toMatchObject({ ok: false, field: 'caFile' });
    await call('office.store.update', { tls: 'disable', clear: ['caFile'] });
  });

  it('wrong password: refused naming the password field and the server, never echoing the password', async () => {
    await call('office.store.update', { password: 'Wrong-Password-1' });
    const r = await test();
    expect(r).toEqual({ ok: false, field: 'password', message: `数据库密码错误：用户 office_clerk 无法登录 127.0.0.1:${cluster.port}` });
    await call('office.store.update', { clear: ['password'] });
    expect(await test()).toMatchObject({ ok: false, field: 'password', message: expect.stringContaining('尚未设置数据库密码') as string });
    await call('office.store.update', { password: PASSWORD });
  });

  it('nothing listening: says the host:port it could not reach', async () => {
    const port = await freePort();
    await call('office.store.update', { url: url('office_current', port) });
    const r = await test();
    expect(r).toEqual({ ok: false, field: 'url', message: `无法连接服务器 127.0.0.1:${port}：连接被拒绝（服务器未运行，或主机、端口不对）` });
  });

  it('a store behind says which migrations would run; an empty one that all would; a missing database names it', async () => {
    await call('office.store.update', { url: url('office_behind') });
    const behind = await test();
    const known = knownPgMigrations();
    expect(behind).toMatchObject({ ok: true, migrations: { applied: known.length - 1, known: known.length, state: 'behind', pending: [known.at(-1)!.tag] } });
    expect(behind.ok && behind.text).toContain(`切换到办公室模式时将运行 1 个迁移（${known.at(-1)!.tag}）`);
    await call('office.store.update', { url: url('office_empty') });
    expect(await test()).toMatchObject({ ok: true, migrations: { applied: 0, state: 'empty', pending: known.map((m) => m.tag) } });
    await call('office.store.update', { url: url('no_such_db') });
    expect(await test()).toMatchObject({ ok: false, field: 'url', message: expect.stringContaining('数据库 no_such_db') as string });
  });

  it('a store migrated by a newer build is refused in Chinese', async () => {
    await call('office.store.update', { url: url('office_newer') });
    const r = await test();
    expect(r).toEqual({ ok: false, field: null, message: '办公室数据库已由更新版本的程序迁移（本程序不认识的迁移：9999_from_the_future），本窗口不能使用它：请把本窗口的程序升级到最新版本' });
  });

  it('YIDI_DB_URL wins: shown as such without its password, used by the test, and the settings cannot be changed', async () => {
    process.env.YIDI_DB_URL = `postgres://office_clerk:${encodeURIComponent(PASSWORD)}@127.0.0.1:${cluster.port}/office_current?sslmode=require`;
    const v = (await call<OfficeStoreView>('office.store.get', {})).result!;
    expect(v).toMatchObject({ source: 'env', url: `postgres://office_clerk@127.0.0.1:${cluster.port}/office_current`, tls: 'require', password: { set: true } });
    expect(JSON.stringify(v)).not.toContain(PASSWORD);
    expect(await test()).toMatchObject({ ok: true, database: 'office_current', tls: { used: true } });
    expect((await call('office.store.update', { url: url('office_empty') })).error).toMatchObject({ code: 'FIXED_BY_ENV', path: 'url' });
    process.env.YIDI_DB_URL = 'postgres://nobody';
    expect((await call<OfficeStoreView>('office.store.get', {})).result!.problem).toContain('环境变量 YIDI_DB_URL');
  });
});
