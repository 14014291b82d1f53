import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { officeRun } from '../support/testStore.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSecret, type SecretBox } from '../../electron/agency/secrets.ts';
import { CONNECTION_FIELD_LABEL, type AgencyConnectionView, type ConnectionTestResult, type SignInStatus } from '../../shared/api/agencyConnection.ts';
import { DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { DEMO_KEY } from '../support/identityDesk.ts';

/**
 * 设置 → 经办机构连接 (issue 13 point 6) over the real local host: what the screen may read (never
 * a secret), how a supervisor's write is stored (sealed with the desk's SecretBox, or in clear in
 * browser mode), what the environment fixes, what bad input gets, and 测试连接 — a real 9001 to a
 * running reference agency (tif gateway, signature checked against the token).
 */

/** A SecretBox like Electron safeStorage, but with a key of its own: AES-256-GCM, iv + tag + text. */
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

type DeskCtx = Awaited<ReturnType<typeof startDeskHost>>;
type Answer<T> = { ok: boolean; result?: T; error?: { code: string; message: string; path: string } };

const box = testBox();
/** The tif token the reference agency checks signatures with (as the platform issues one). */
const AGENCY_TOKEN = 'tif-Platform-Token-2026';
let agency: ReferenceAgency;
/** The desktop app: secrets sealed. No agencyUrl option, so the address is the supervisor's to set. */
let sealed: DeskCtx;
/** Browser mode: no box, secrets in clear. */
let plain: DeskCtx;
const tokens = new Map<DeskCtx, { supervisor: string; clerk: string }>();

async function login(ctx: DeskCtx, name: string): Promise<string> {
  const r = await api(ctx.host, 'auth.login', { login: name, password: 'demo1234' });
  return (r.body.result as { token: string }).token;
}

async function call<T>(ctx: DeskCtx, method: string, input: unknown, as: 'supervisor' | 'clerk' = 'supervisor'): Promise<Answer<T>> {
  return (await api(ctx.host, method, input, tokens.get(ctx)![as])).body as Answer<T>;
}

function setting(ctx: DeskCtx, key: string): string | undefined {
  return (ctx.desk.db.$client.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined)?.value;
}

/** Every stored setting but the msgid counter (a 9001 allocates a msgid): "nothing written" is checked against it. */
function settingsSnapshot(ctx: DeskCtx): Record<string, string> {
  const rows = ctx.desk.db.$client.prepare(`SELECT key, value FROM settings WHERE key NOT IN ('msgid.seq') ORDER BY key`).all() as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

function auditCount(ctx: DeskCtx): number {
  return (ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
}

beforeAll(async () => {
  // The platform issues the tif token; the demo institution's extensions keep their own key.
  agency = await startReferenceAgency({ institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_KEY, token: AGENCY_TOKEN, admdvs: DEMO_INSTITUTION.admdvs }] });
  // agencyUrl: undefined — startDeskHost's default would fix the address by the way the desk started.
  sealed = await startDeskHost({ agencyUrl: undefined, secretBox: box });
  plain = await startDeskHost({ agencyUrl: undefined });
  for (const ctx of [sealed, plain]) tokens.set(ctx, { supervisor: await login(ctx, 'super01'), clerk: await login(ctx, 'clerk01') });
});
afterAll(async () => {
  await sealed?.stop();
  await plain?.stop();
  await agency?.close();
});

const ENV_VARS = ['AGENCY_PAASID', 'AGENCY_TOKEN'];
afterEach(() => {
  for (const v of ENV_VARS) delete process.env[v];
});

describe('agency.connection.get', () => {
  it('shows every field but no secret value, only whether each is set; supervisors only', async () => {
    const r = await call<AgencyConnectionView>(sealed, 'agency.connection.get', {});
    expect(r.ok).toBe(true);
    const v = r.result!;
    expect(v).toMatchObject({ profile: 'tif', paasid: '', defaults: { paasid: 'H34010400001', username: 'H34010400001', recerSysCode: 'YBXT' }, fromEnv: [], fromStart: [], problem: null, secretStorage: 'encrypted' });
    expect(v.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // The demo stored the extensions' key; it is "set", and its value is nowhere in the answer.
    expect(v.secrets.extKey).toEqual({ set: true });
    expect(v.secrets.token).toEqual({ set: false });
    expect(JSON.stringify(v)).not.toContain(DEMO_KEY);
    expect(v.envVariables).toMatchObject({ url: 'AGENCY_URL', paasid: 'AGENCY_PAASID', token: 'AGENCY_TOKEN', sm2PrivateKey: 'AGENCY_SM2_PRIVATE_KEY_FILE' });
    expect(v.secretStorageText).toContain(box.kind);

    const clerk = await call(sealed, 'agency.connection.get', {}, 'clerk');
    expect(clerk.error?.code).toBe('FORBIDDEN');
    const clerkWrite = await call(sealed, 'agency.connection.update', { paasid: 'H34010400001' }, 'clerk');
    expect(clerkWrite.error?.code).toBe('FORBIDDEN');
  });
});

describe('agency.connection.update', () => {
  const SECRETS = { token: 'tif-Token-2026-abc', clientSecret: 'gm-Secret-77x', password: 'Passw0rd-2026', sm2PrivateKey: 'a1'.repeat(32), apikey: 'apikey-0042-q', extKey: 'ext-Key-9001z' };

  it('with a SecretBox: secrets are stored sealed, never returned, never in the audit log', async () => {
    const auditBefore = auditCount(sealed);
    const r = await call<AgencyConnectionView>(sealed, 'agency.connection.update', { ...SECRETS, paasid: 'PAAS_H340104', username: 'gm_user01' });
    expect(r.error).toBeUndefined();
    const v = r.result!;
    for (const f of Object.keys(SECRETS)) expect(v.secrets[f as keyof typeof SECRETS]).toEqual({ set: true });
    expect(v).toMatchObject({ paasid: 'PAAS_H340104', username: 'gm_user01' });
    const answer = JSON.stringify(v);
    for (const [f, value] of Object.entries(SECRETS)) {
      const key = f === 'extKey' ? 'agency.key' : `agency.${f}`;
      const stored = setting(sealed, key)!;
      expect(stored, f).toMatch(/^enc:v1:/);
      expect(stored, f).not.toContain(value);
      expect(openSecret(box, stored), f).toBe(value);
      expect(answer).not.toContain(value);
    }
    // Plain fields stay plain.
    expect(setting(sealed, 'agency.paasid')).toBe('PAAS_H340104');
    // One audit entry naming the changed settings, none of the values.
    expect(auditCount(sealed)).toBe(auditBefore + 1);
    const audit = (await call<{ action: string; detail: string }[]>(sealed, 'audit.list', { limit: 5 })).result!;
    const entry = audit.find((a) => a.action === 'agency.connection.update')!;
    expect(entry.detail).toContain('agency.token');
    expect(entry.detail).toContain('agency.paasid');
    for (const value of Object.values(SECRETS)) expect(entry.detail).not.toContain(value);
    // get says the same as the update's answer.
    expect((await call<AgencyConnectionView>(sealed, 'agency.connection.get', {})).result).toEqual(v);
    // The same values again change nothing and log nothing.
    await call(sealed, 'agency.connection.update', { token: SECRETS.token, paasid: 'PAAS_H340104' });
    expect(auditCount(sealed)).toBe(auditBefore + 1);
  });

  it('without a SecretBox (browser mode): secrets are stored as given, and the screen says so', async () => {
    const r = await call<AgencyConnectionView>(plain, 'agency.connection.update', { token: SECRETS.token, apikey: SECRETS.apikey });
    expect(r.error).toBeUndefined();
    expect(setting(plain, 'agency.token')).toBe(SECRETS.token);
    expect(setting(plain, 'agency.apikey')).toBe(SECRETS.apikey);
    const v = r.result!;
    expect(v.secrets.token).toEqual({ set: true });
    expect(JSON.stringify(v)).not.toContain(SECRETS.token);
    expect(v.secretStorage).toBe('database');
    // Office mode: the secrets are in the shared store, not in a file of this window.
    if (officeRun()) {
      expect(v.secretStorageText).toContain('明文保存在办公室数据库中');
    } else {
      expect(v.secretStorageText).toContain('明文保存在本机数据库文件中');
      expect(v.secretStorageText).toContain(plain.desk.dbFile);
    }
  });

  it('clears a field only when it is listed in clear; paasid falls back to the institution code', async () => {
    const r = await call<AgencyConnectionView>(plain, 'agency.connection.update', { clear: ['apikey', 'paasid'] });
    expect(r.error).toBeUndefined();
    expect(r.result!.secrets.apikey).toEqual({ set: false });
    expect(setting(plain, 'agency.apikey')).toBe('');
    expect(r.result!.paasid).toBe('');
    expect(plain.desk.agencyConfig().paasid).toBe('H34010400001');
  });

  it('keeps the tif path table as JSON; {} empties it', async () => {
    const table = { '9001': '/fsi/api/signInSignOutService/signIn', '2401': '/fsi/api/hospitalService/admission' };
    const r = await call<AgencyConnectionView>(plain, 'agency.connection.update', { paths: JSON.stringify(table) });
    expect(r.error).toBeUndefined();
    expect(JSON.parse(r.result!.paths)).toEqual(table);
    expect(plain.desk.agencyConfig().paths).toEqual(table);
    const empty = await call<AgencyConnectionView>(plain, 'agency.connection.update', { paths: '{}' });
    expect(empty.result!.paths).toBe('');
    expect(setting(plain, 'agency.paths')).toBe('');
  });

  it('refuses bad values naming the field in Chinese, and writes nothing', async () => {
    const cases: { input: Record<string, unknown>; path: string; says: RegExp }[] = [
      { input: { paasid: '../../etc/passwd' }, path: 'paasid', says: /应用编号（paasid）只能包含英文字母/ },
      { input: { paasid: '' }, path: 'paasid', says: /clear/ },
      { input: { paasid: 'x'.repeat(5000) }, path: 'paasid', says: /过长/ },
      { input: { username: '2026-02-30' }, path: 'username', says: /授权用户名/ },
      { input: { clientId: 'ABCDEFGHIJKLMNO' }, path: 'clientId', says: /16 个英文字母或数字/ },
      { input: { sm2PrivateKey: 'a'.repeat(63) }, path: 'sm2PrivateKey', says: /64 位十六进制/ },
      { input: { sm2PlatformPublicKey: '05' + 'a'.repeat(128) }, path: 'sm2PlatformPublicKey', says: /04 开头/ },
      { input: { url: 'ftp://gw.example/fsi' }, path: 'url', says: /网关地址应为以 http:\/\/ 或 https:\/\/ 开头/ },
      { input: { url: '' }, path: 'url', says: /请填写网关地址/ },
      { input: { extUrl: 'gw.example/desk-ext' }, path: 'extUrl', says: /桌面扩展接口地址/ },
      { input: { profile: 'soap' }, path: 'profile', says: /接口方式应为 tif/ },
      { input: { concurrency: 0 }, path: 'concurrency', says: /并发交易数应在 1 到 16 之间/ },
      { input: { signInMaxAgeMin: 1.5 }, path: 'signInMaxAgeMin', says: /签到有效时长（分钟）应为整数/ },
      { input: { recerSysCode: 'ybxt' }, path: 'recerSysCode', says: /接收方系统代码/ },
      { input: { token: '' }, path: 'token', says: /签名令牌（token）至少 8 个字符.*clear/ },
      { input: { token: '2026-02-30' }, path: 'token', says: /签名令牌（token）/ },
      { input: { token: "'; DROP TABLE staff; --" }, path: 'token', says: /不能有空格、引号/ },
      { input: { password: 'only-letters' }, path: 'password', says: /授权密码应同时包含英文字母和数字/ },
      { input: { token: 'tif-Token-2026', clear: ['token'] }, path: 'token', says: /不能同时填写和清除/ },
      { input: { clear: [] }, path: 'clear', says: /列表为空/ },
      { input: { clear: ['url'] }, path: 'clear.0', says: /要清除的字段应为/ },
      { input: { paths: 'not json' }, path: 'paths', says: /交易地址表.*JSON/ },
      { input: { paths: '{"9001": "fsi/signIn"}' }, path: 'paths', says: /交易 9001 的路径应以 \/ 开头/ },
      { input: { paths: '{"sign": "/x"}' }, path: 'paths', says: /交易编号“sign”不正确/ },
      // gm needs a 16-character client id; this desk has none yet.
      { input: { profile: 'gm' }, path: 'clientId', says: /国密 OAuth2 网关的客户端编号应为 16 个字符/ },
      { input: { whatever: 1 }, path: '', says: /不认识的字段/ },
    ];
    for (const c of cases) {
      const before = settingsSnapshot(sealed);
      const audits = auditCount(sealed);
      const r = await call(sealed, 'agency.connection.update', c.input);
      const where = JSON.stringify(c.input).slice(0, 60);
      expect(r.ok, where).toBe(false);
      expect(r.error!.path, where).toBe(c.path);
      expect(r.error!.message, where).toMatch(/[\u4e00-\u9fff]/);
      expect(r.error!.message, where).toMatch(c.says);
      expect(settingsSnapshot(sealed), where).toEqual(before);
      expect(auditCount(sealed), where).toBe(audits);
    }
  });

  it('a value of the wrong type is refused with the field’s Chinese name before its key, for every connection field', async () => {
    // Here the schema's own sentence is generic (应为文本 / 应为数字): only the contract's labels name the field.
    const names: Record<string, string> = {
      profile: '接口方式', url: '网关地址', paths: '交易地址表', paasid: '应用编号', token: '签名令牌', clientId: '客户端编号',
      clientSecret: '客户端密钥', username: '授权用户名', password: '密码', sm2PrivateKey: '本机 SM2 私钥', sm2PlatformPublicKey: '平台 SM2 公钥',
      apikey: '前置机 apikey', extUrl: '桌面扩展接口地址', extKey: '桌面扩展接口密钥', recerSysCode: '接收方系统代码',
      signInMaxAgeMin: '签到有效时长（分钟）', concurrency: '并发交易数', clear: '要清除的字段',
    };
    expect(Object.keys(names).sort()).toEqual([...Object.keys(CONNECTION_FIELD_LABEL)].sort());
    for (const [field, name] of Object.entries(names)) {
      const input = { [field]: field === 'signInMaxAgeMin' || field === 'concurrency' ? '60' : field === 'clear' ? 'token' : 12345678 };
      const before = settingsSnapshot(sealed);
      const r = await call(sealed, 'agency.connection.update', input);
      expect(r.ok, field).toBe(false);
      expect(r.error!.path, field).toBe(field);
      expect(r.error!.message.startsWith(`${name}（${field}）：`), r.error!.message).toBe(true);
      expect(settingsSnapshot(sealed), field).toEqual(before);
    }
  });

  it('fields the environment decides are shown as such and cannot be changed here', async () => {
    process.env.AGENCY_PAASID = 'ENV_PAAS_01';
    process.env.AGENCY_TOKEN = 'env-Token-0001';
    const v = (await call<AgencyConnectionView>(plain, 'agency.connection.get', {})).result!;
    expect(v.fromEnv).toEqual(expect.arrayContaining(['paasid', 'token']));
    expect(v.paasid).toBe('ENV_PAAS_01');
    expect(v.secrets.token).toEqual({ set: true });
    expect(JSON.stringify(v)).not.toContain('env-Token-0001');
    const before = settingsSnapshot(plain);
    for (const [field, input] of [['paasid', { paasid: 'OTHER_PAAS_02' }], ['token', { token: 'other-Token-02' }], ['token', { clear: ['token'] }]] as const) {
      const r = await call(plain, 'agency.connection.update', input);
      expect(r.error, field).toMatchObject({ code: 'FIXED_BY_ENV', path: field });
      expect(r.error!.message).toContain(field === 'paasid' ? 'AGENCY_PAASID' : 'AGENCY_TOKEN');
      expect(r.error!.message).toContain('环境变量');
    }
    expect(settingsSnapshot(plain)).toEqual(before);
    // The fields the environment leaves alone are still the supervisor's.
    expect((await call(plain, 'agency.connection.update', { username: 'gm_user02' })).ok).toBe(true);
  });

  it('fields the way the desk was started fixes (a desk option) are marked and refused', async () => {
    const started = await startDeskHost({ agencyUrl: agency.url });
    try {
      tokens.set(started, { supervisor: await login(started, 'super01'), clerk: await login(started, 'clerk01') });
      const v = (await call<AgencyConnectionView>(started, 'agency.connection.get', {})).result!;
      expect(v.fromStart).toEqual(['url', 'extUrl']);
      expect(v.url).toBe(agency.url);
      const r = await call(started, 'agency.connection.update', { url: 'https://gw.example/fsi/api/rsfComIfsService/callService' });
      expect(r.error).toMatchObject({ code: 'FIXED_BY_START', path: 'url' });
    } finally {
      await started.stop();
    }
  });
});

describe('agency.connection.test (测试连接)', () => {
  it('signs in (9001) at the reference agency and shows the sign_no; the status bar has the sign-in', async () => {
    // The sealed desk points at the running agency, with a wrong tif token first.
    const set = await call<AgencyConnectionView>(sealed, 'agency.connection.update', { url: agency.url, extUrl: agency.extUrl, token: 'wrong-Token-0001', clear: ['paasid'] });
    expect(set.error).toBeUndefined();
    const signInsBefore = agency.store.count('sign_ins');

    // Wrong token: the tif gateway answers HTTP 401, shown in Chinese; no sign-in recorded.
    const wrong = await call<ConnectionTestResult>(sealed, 'agency.connection.test', {});
    expect(wrong.ok).toBe(true);
    expect(wrong.result).toMatchObject({ ok: false });
    const message = (wrong.result as { message: string }).message;
    expect(message).toContain('HTTP 401');
    expect(message).toContain('x-tif-signature 校验失败');
    expect(message).not.toContain('wrong-Token-0001');
    expect(agency.store.count('sign_ins')).toBe(signInsBefore);
    expect((await call<SignInStatus[]>(sealed, 'agency.signIn.status', {}, 'clerk')).result).toEqual([]);

    // The token the platform issued: a sign_no and its time, kept for the operator.
    expect((await call(sealed, 'agency.connection.update', { token: AGENCY_TOKEN })).ok).toBe(true);
    const good = await call<ConnectionTestResult>(sealed, 'agency.connection.test', {});
    expect(good.result).toMatchObject({ ok: true });
    const ok = good.result as { signNo: string; signTime: string; signedAt: string };
    expect(ok.signNo).toMatch(/^\d{18}$/);
    expect(ok.signTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(agency.store.count('sign_ins')).toBe(signInsBefore + 1);
    const status = (await call<SignInStatus[]>(sealed, 'agency.signIn.status', {}, 'clerk')).result!;
    expect(status).toEqual([{ login: 'super01', name: expect.any(String), signNo: ok.signNo, signTime: ok.signTime, signedAt: ok.signedAt }]);
    const audit = (await call<{ action: string; detail: string }[]>(sealed, 'audit.list', { limit: 10 })).result!;
    expect(audit.filter((a) => a.action === 'agency.connection.test').map((a) => JSON.parse(a.detail) as { ok: boolean })).toEqual([
      expect.objectContaining({ ok: true, signNo: ok.signNo }),
      expect.objectContaining({ ok: false }),
    ]);
  });

  it('an agency that is not there is a Chinese answer, not an error', async () => {
    expect((await call(plain, 'agency.connection.update', { url: 'http://127.0.0.1:9/fsi/api/rsfComIfsService/callService' })).ok).toBe(true);
    const r = await call<ConnectionTestResult>(plain, 'agency.connection.test', {});
    expect(r.ok).toBe(true);
    expect(r.result).toMatchObject({ ok: false });
    expect((r.result as { message: string }).message).toMatch(/[\u4e00-\u9fff]/);
  });
});
