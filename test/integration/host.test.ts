import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivationCount, dummyHash } from '../../electron/services/passwords.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { officeRun } from '../support/testStore.ts';

let ctx: Awaited<ReturnType<typeof startDeskHost>>;

beforeAll(async () => {
  ctx = await startDeskHost({ lockoutAttempts: 3, lockoutMinutes: 15 });
});
afterAll(async () => ctx.stop());

async function login(name: string, password = 'demo1234'): Promise<string> {
  const r = await api(ctx.host, 'auth.login', { login: name, password });
  expect(r.body.ok, JSON.stringify(r.body)).toBe(true);
  return (r.body.result as { token: string }).token;
}

describe('local host', () => {
  it('binds to loopback only and refuses calls without the per-start secret', async () => {
    expect(ctx.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' }, undefined, 'wrong-secret');
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('FORBIDDEN_HOST');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    // fetch may not set Host, so a raw request plays the rebinding page.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(ctx.host.url + 'api/auth.login', { method: 'POST', headers: { host: 'evil.example:80', 'x-desk-secret': ctx.host.secret } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(421);
  });

  it('serves the app with a strict Content-Security-Policy', async () => {
    const res = await fetch(ctx.host.url);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
  });

  it('validates input against the contract and names the field in Chinese', async () => {
    const r = await api(ctx.host, 'auth.login', { login: '', password: 'x' });
    expect(r.body.ok).toBe(false);
    expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', path: 'login' });
    expect(r.body.error?.message).toContain('工号');
  });

  it('unknown methods are refused', async () => {
    const r = await api(ctx.host, 'db.dropEverything', {});
    expect(r.body.error?.code).toBe('UNKNOWN_METHOD');
  });

  it('a logged-in clerk sees the status; without a session the call is refused', async () => {
    expect((await api(ctx.host, 'status.get', {})).body.error?.code).toBe('UNAUTHENTICATED');
    const token = await login('clerk01');
    const r = await api(ctx.host, 'status.get', {}, token);
    expect(r.body.ok).toBe(true);
    expect(r.body.result).toMatchObject({ outboxPending: 0, outboxRejected: 0, institution: { code: 'H34010400001', level: 3 } });
  });

  it('enforces roles in the services: a clerk cannot back up, check integrity or read the audit log', async () => {
    const token = await login('clerk01');
    for (const m of ['backup.create', 'system.integrityCheck', 'audit.list', 'backup.restore']) {
      const r = await api(ctx.host, m, m === 'backup.restore' ? { name: 'x' } : {}, token);
      expect(r.body.error?.code, m).toBe('FORBIDDEN');
      expect(r.body.error?.message).toContain('主管');
    }
  });

  it.skipIf(!officeRun())('office mode: the integrity check checks the office store and says the backup is the server\'s; no file backup or restore from a window', async () => {
    const token = await login('super01');
    const check = (await api(ctx.host, 'system.integrityCheck', {}, token)).body.result as { ok: boolean; messages: string[] };
    expect(check.ok).toBe(true);
    expect(check.messages[0]).toBe('ok');
    expect(check.messages[1]).toMatch(/PostgreSQL .*个迁移。办公室模式.*pg_dump/);
    expect((await api(ctx.host, 'status.get', {}, token)).body.result).toMatchObject({ store: { kind: 'office', backupText: expect.stringContaining('信息科') } });
    for (const [m, input] of [['backup.create', {}], ['backup.restore', { name: 'x.sqlite' }]] as const) {
      const r = await api(ctx.host, m, input, token);
      expect(r.body.error?.code, m).toBe('OFFICE_BACKUP');
      expect(r.body.error?.message).toContain('服务器');
    }
  });

  it.skipIf(officeRun())('a supervisor checks integrity, backs up, restores; everyone logs in again after a restore', async () => {
    const token = await login('super01');
    expect((await api(ctx.host, 'system.integrityCheck', {}, token)).body.result).toEqual({ ok: true, messages: ['ok'] });
    const b = (await api(ctx.host, 'backup.create', {}, token)).body.result as { name: string };
    expect(b.name).toMatch(/manual\.sqlite$/);
    const list = (await api(ctx.host, 'backup.list', {}, token)).body.result as { name: string }[];
    expect(list.map((x) => x.name)).toContain(b.name);
    const r = await api(ctx.host, 'backup.restore', { name: b.name }, token);
    expect(r.body.ok, JSON.stringify(r.body)).toBe(true);
    expect((await api(ctx.host, 'status.get', {}, token)).body.error?.code).toBe('UNAUTHENTICATED');
    const again = await login('super01');
    const audit = (await api(ctx.host, 'audit.list', { limit: 50 }, again)).body.result as { action: string }[];
    expect(audit.map((a) => a.action)).toContain('backup.restore');
  });

  it('locks an account after repeated wrong passwords, and says so', async () => {
    const first = await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'bad' });
    expect(first.body.error?.message).toContain('还可尝试 2 次');
    await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'bad' });
    const third = await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'bad' });
    expect(third.body.error?.code).toBe('LOCKED');
    const right = await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' });
    expect(right.body.error?.code).toBe('LOCKED');
  });

  it('an unknown login gets the same words, lockout and password work as a wrong password (issue 21 p8)', async () => {
    await dummyHash(); // made once per process, before the counting starts
    const known: Array<{ code?: string; message?: string; work: number }> = [];
    const unknown: typeof known = [];
    for (const [name, into] of [['clerk02', known], ['nobody', unknown]] as const) {
      for (let i = 0; i < 4; i++) {
        const before = derivationCount();
        const r = await api(ctx.host, 'auth.login', { login: name, password: 'bad' });
        into.push({ code: r.body.error?.code, message: r.body.error?.message, work: derivationCount() - before });
      }
    }
    // Minus the time of day in the lock message, both answers are word for word the same.
    const strip = (xs: typeof known) => xs.map((x) => ({ ...x, message: x.message?.replace(/\d{1,2}:\d{2}:\d{2}/, 'HH:MM:SS') }));
    expect(strip(unknown)).toEqual(strip(known));
    expect(known.map((k) => k.code)).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOCKED', 'LOCKED']);
    expect(known[0]!.message).toBe('工号或密码不正确（还可尝试 2 次）');
    // One scrypt derivation per tried password in both cases (none once locked), so the time is the same.
    expect(known.map((k) => k.work)).toEqual([1, 1, 1, 0]);
  });
});

describe('host limits (issue 21 point 5)', () => {
  it('malformed % encoding in a path is 400, not 500', async () => {
    for (const path of ['%', 'api/%']) {
      const res = await fetch(ctx.host.url + path, { method: path.startsWith('api') ? 'POST' : 'GET', headers: { 'x-desk-secret': ctx.host.secret } });
      expect(res.status, path).toBe(400);
      expect(await res.text()).toContain('% 编码无效');
    }
  });

  it('a request over 20 MiB gets 413 in Chinese naming the limit, and the next request works', async () => {
    const big = JSON.stringify({ login: 'x'.repeat(21 * 1024 * 1024), password: 'x' });
    const res = await fetch(ctx.host.url + 'api/auth.login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-desk-secret': ctx.host.secret }, body: big }).catch(() => null);
    if (res) {
      expect(res.status).toBe(413);
      expect((await res.json()).error.message).toContain('20 MiB');
    }
    // The next call is answered by the contract as usual (not a broken connection, not 500).
    const next = await api(ctx.host, 'auth.login', { login: '', password: 'x' });
    expect(next.status).toBe(200);
    expect(next.body.error?.code).toBe('INVALID_INPUT');
  });
});
