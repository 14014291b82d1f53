import { describe, expect, it } from 'vitest';
import { readAgencyConfig, tokenUrl, transactionUrl } from '../../electron/agency/config.ts';
import { tifHeaders, tifSignature } from '../../electron/agency/profiles/tif.ts';
import { isDuplicateMsgid, isReversalNotInEffect, isSignInRefusal, isStateChanging, psnNoOf, STATE_CHANGING } from '../../shared/agency/transactions.ts';

describe('tif profile (docs/agency.md)', () => {
  it('signs timestamp + token + nonce + timestamp with SHA-256, lowercase hex (worked example)', () => {
    // Computed apart from this code: python3 hashlib.sha256(b'1700000000demo-tokenabc1231700000000').
    expect(tifSignature('1700000000', 'demo-token', 'abc123')).toBe('dc1b302d31ab1954a9088460ec2e06a2b02086646a08a11ea752bb9e1c14a4fe');
  });

  it('headers carry the paasid, the Unix time in SECONDS, a fresh nonce and the signature', () => {
    const now = new Date('2026-12-06T08:00:00.789Z');
    const h = tifHeaders('H34010400001', 'demo-token', now, 'abc123');
    expect(h['x-tif-paasid']).toBe('H34010400001');
    expect(h['x-tif-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(h['x-tif-timestamp']).toMatch(/^\d{10}$/);
    expect(h['x-tif-nonce']).toBe('abc123');
    expect(h['x-tif-signature']).toBe(tifSignature(h['x-tif-timestamp']!, 'demo-token', 'abc123'));
    const a = tifHeaders('P', 'T', now);
    const b = tifHeaders('P', 'T', now);
    expect(a['x-tif-nonce']).not.toBe(b['x-tif-nonce']);
    expect(a['x-tif-nonce']).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('connection config', () => {
  const base = { fixmedinsCode: 'H34010400001', setting: () => undefined, env: {} };

  it('tif by default, the institution code as paasid, YBXT, 60 min sign-in age, 4 in flight', () => {
    const c = readAgencyConfig({ ...base, overrides: { url: 'http://127.0.0.1:9' } });
    expect(c).toMatchObject({ profile: 'tif', paasid: 'H34010400001', recerSysCode: 'YBXT', signInMaxAgeMin: 60, concurrency: 4, extUrl: null });
  });

  it('the environment wins over settings and desk options, and says which fields it fixed', () => {
    const settings: Record<string, string> = { 'agency.profile': 'plain', 'agency.url': 'http://settings.invalid' };
    const c = readAgencyConfig({
      fixmedinsCode: 'H34010400001', setting: (k) => settings[k],
      env: { AGENCY_PROFILE: 'tif', AGENCY_URL: 'https://gw.example/fsi/api/rsfComIfsService/callService', AGENCY_PAASID: 'PAAS1', AGENCY_TOKEN: 'tok', AGENCY_EXT_URL: 'http://ext.example/desk-ext' },
      overrides: { url: 'http://option.invalid' },
    });
    expect(c).toMatchObject({ profile: 'tif', url: 'https://gw.example/fsi/api/rsfComIfsService/callService', paasid: 'PAAS1', token: 'tok', extUrl: 'http://ext.example/desk-ext' });
    expect(c.fromEnv).toEqual(expect.arrayContaining(['profile', 'url', 'paasid', 'token', 'extUrl']));
  });

  it('refuses an unknown profile and a bad path table in Chinese, naming the field', () => {
    expect(() => readAgencyConfig({ ...base, env: { AGENCY_PROFILE: 'soap' } })).toThrow(/tif、gm 或 plain/);
    expect(() => readAgencyConfig({ ...base, env: { AGENCY_PATHS: '{"9001": "signIn"}' } })).toThrow(/以 \/ 开头/);
  });

  it('a URL without a path gets the national callService path; a path table routes by infno', () => {
    const cfg = { profile: 'tif' as const, url: 'http://127.0.0.1:8080', paths: { '9001': '/fsi/api/signInSignOutService/signIn', '2304': '/fsi/api/hospSettService/settV2' } };
    expect(transactionUrl(cfg, '1101')).toBe('http://127.0.0.1:8080/fsi/api/rsfComIfsService/callService');
    expect(transactionUrl(cfg, '9001')).toBe('http://127.0.0.1:8080/fsi/api/signInSignOutService/signIn');
    expect(transactionUrl(cfg, '2304')).toBe('http://127.0.0.1:8080/fsi/api/hospSettService/settV2');
    expect(transactionUrl({ ...cfg, profile: 'plain' }, '2304')).toBe('http://127.0.0.1:8080/fsi/api/rsfComIfsService/callService');
    expect(tokenUrl({ url: 'https://gw.example/jl/fsi/api/rsfComIfsService/callService' })).toBe('https://gw.example/jl/auth/oauth/token');
    expect(tokenUrl({ url: 'https://gw.example' })).toBe('https://gw.example/auth/oauth/token');
  });
});

describe('the state-changing table and the answers that steer the worker', () => {
  it('lists every state-changing inpatient, outpatient and claim transaction, and no query', () => {
    expect(STATE_CHANGING.map((r) => r.infno).sort()).toEqual(['2201', '2202', '2203', '2204', '2205', '2207', '2208', '2301', '2302', '2304', '2305', '2401', '2402', '2403', '2404', '2405', '3203', '3204']);
    for (const q of ['1101', '2206', '2303', '3201', '9001', '9002', '2601']) expect(isStateChanging(q)).toBe(false);
  });

  it('reads 签到, 报文ID重复 and "the original is not in effect" from real-looking err_msg texts', () => {
    expect(isSignInRefusal('签到信息无效或已过期，请重新签到')).toBe(true);
    expect(isSignInRefusal('参保人不存在')).toBe(false);
    expect(isDuplicateMsgid('报文ID重复：H34010400001202612060800000001')).toBe(true);
    expect(isReversalNotInEffect('FSI-原交易不存在')).toBe(true);
    expect(isReversalNotInEffect('原交易已冲正')).toBe(true);
    // The real Zhejiang 2601 refusal (samples/2601-error-response-zhejiang.json) needs a person.
    expect(isReversalNotInEffect('FSI-调用业务基础子系统冲正失败:冲正的结算信息退费结算标志不为未退费，不能办理冲正交易')).toBe(false);
  });

  it('finds the psn_no a 2601 names in any input node', () => {
    expect(psnNoOf({ mdtrtinfo: { psn_no: 'P1' }, diseinfo: [] })).toBe('P1');
    expect(psnNoOf({ feedetail: [{ psn_no: 'P2' }] })).toBe('P2');
    expect(psnNoOf({ data: { clr_appy_evt_id: 'X' } })).toBe('');
  });
});

describe('refusal advice on the sync screen', () => {
  it('a 2401 refused for a missing registration leads to the 补办 path of 004 第二十二条; other refusals keep the agency’s words only', async () => {
    const { refusalAdvice } = await import('../../shared/agency/refusalAdvice.ts');
    expect(refusalAdvice('2401', '医保平台业务失败（2401）：该参保人无有效异地就医备案信息')).toMatch(/补办备案.*004 第二十二条/);
    expect(refusalAdvice('2401', '医保平台业务失败（2401）：床位号不能为空')).toBeNull();
    expect(refusalAdvice('2304', '未备案')).toBeNull();
  });
});
