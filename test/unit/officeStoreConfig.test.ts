import { describe, expect, it } from 'vitest';
import { explainProbeError } from '../../db/pg/probe.ts';
import { checkCaFile, checkScreenUrl, maskOfficeUrl, OfficeConfigError, parseOfficeUrl, tlsFromParams } from '../../shared/officeStore.ts';

/** The office store's connection settings (issue 18 point 2): what a URL may be, what is never shown. */
const refusal = (fn: () => unknown): { field: string; message: string } => {
  try {
    fn();
  } catch (e) {
    if (e instanceof OfficeConfigError) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('parseOfficeUrl', () => {
  it('reads user, host, port (5432 by default), database and the query; decodes % escapes', () => {
    expect(parseOfficeUrl('postgres://yidi@10.0.0.5:6543/yidi_office')).toEqual({ user: 'yidi', password: null, host: '10.0.0.5', port: 6543, database: 'yidi_office', params: {} });
    expect(parseOfficeUrl(' postgresql://it%40hosp:p%40ss@db.hosp.local/office?sslmode=require ')).toEqual({ user: 'it@hosp', password: 'p@ss', host: 'db.hosp.local', port: 5432, database: 'office', params: { sslmode: 'require' } });
    expect(parseOfficeUrl('postgres://u@[::1]:5433/d').host).toBe('::1');
  });

  it('refuses what is not a usable URL, naming the 连接地址 field and what is wrong', () => {
    expect(refusal(() => parseOfficeUrl(''))).toEqual({ field: 'url', message: expect.stringContaining('请填写连接地址') as string });
    expect(refusal(() => parseOfficeUrl('mysql://u@h/d')).message).toContain('应以 postgres:// 开头');
    expect(refusal(() => parseOfficeUrl('postgres://h:5432/d')).message).toContain('缺少数据库用户名');
    expect(refusal(() => parseOfficeUrl('postgres://u@h:70000/d')).message).toContain('端口应为 1–65535');
    expect(refusal(() => parseOfficeUrl('postgres://u@h:5432')).message).toContain('缺少数据库名');
    expect(refusal(() => parseOfficeUrl('postgres://u@h/d b')).message).toContain('空格');
    expect(refusal(() => parseOfficeUrl('postgres://%E0%A4%A@h/d')).message).toContain('% 编码');
  });
});

describe('what the screen may show and take', () => {
  it('masks a password: never its text, only that there is one', () => {
    const u = parseOfficeUrl('postgres://yidi:S3cret-Pass@db:5432/office');
    expect(maskOfficeUrl(u)).toBe('postgres://yidi:******@db:5432/office');
    expect(maskOfficeUrl(u)).not.toContain('S3cret');
    expect(maskOfficeUrl({ ...u, password: null })).toBe('postgres://yidi@db:5432/office');
  });

  it('a URL typed on the screen may carry neither a password nor ? parameters', () => {
    expect(refusal(() => checkScreenUrl('postgres://yidi:pw@db/office'))).toEqual({ field: 'url', message: expect.stringContaining('不能写密码') as string });
    expect(refusal(() => checkScreenUrl('postgres://yidi@db/office?sslmode=require')).message).toContain('不要带 ? 参数');
    expect(checkScreenUrl('postgres://yidi@db/office').user).toBe('yidi');
  });

  it('TLS from YIDI_DB_URL\'s sslmode; verify-full needs a CA file, an absolute path', () => {
    expect(tlsFromParams({})).toEqual({ tls: 'disable', caFile: '' });
    expect(tlsFromParams({ sslmode: 'verify-full', sslrootcert: '/etc/yidi/ca.pem' })).toEqual({ tls: 'verify-full', caFile: '/etc/yidi/ca.pem' });
    expect(refusal(() => tlsFromParams({ sslmode: 'prefer' }))).toEqual({ field: 'tls', message: expect.stringContaining('sslmode 应为') as string });
    expect(refusal(() => tlsFromParams({ sslmode: 'verify-full' })).field).toBe('caFile');
    expect(refusal(() => checkCaFile('verify-full', '')).field).toBe('caFile');
    expect(refusal(() => checkCaFile('verify-full', 'ca.pem')).message).toContain('完整路径');
    expect(() => checkCaFile('verify-full', 'C:\\yidi\\ca.pem')).not.toThrow();
    expect(() => checkCaFile('require', '')).not.toThrow();
  });
});

describe('explainProbeError', () => {
  const t = { host: 'db.hosp', port: 5432, user: 'yidi', database: 'office', tls: 'disable' as const };
  it('names the field and the address, in Chinese', () => {
    expect(explainProbeError(Object.assign(new Error('password authentication failed for user "yidi"'), { code: '28P01' }), t)).toEqual({ ok: false, field: 'password', message: '数据库密码错误：用户 yidi 无法登录 db.hosp:5432' });
    expect(explainProbeError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), t)).toMatchObject({ field: 'url', message: expect.stringContaining('db.hosp:5432') as string });
    expect(explainProbeError(Object.assign(new Error('getaddrinfo ENOTFOUND db.hosp'), { code: 'ENOTFOUND' }), t).message).toContain('找不到服务器 db.hosp');
    expect(explainProbeError(Object.assign(new Error('database "office" does not exist'), { code: '3D000' }), t).message).toContain('数据库 office');
    expect(explainProbeError(new Error('The server does not support SSL connections'), { ...t, tls: 'require' }).field).toBe('tls');
    expect(explainProbeError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), { ...t, tls: 'verify-full' }).field).toBe('caFile');
  });
});
