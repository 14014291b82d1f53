import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../shared/api/index.ts';
import { Desk } from '../../electron/services/desk.ts';
import { dispatch } from '../../electron/services/dispatch.ts';

/**
 * The one door for IPC and HTTP alike: whatever arrives is validated against the contract
 * before any service runs, and roles are enforced there, not in the screens.
 */
let desk: Desk;
let clerkToken: string;
beforeAll(async () => {
  desk = await Desk.open({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-dispatch-')), demo: true, agencyUrl: 'http://127.0.0.1:9' });
  const r = await dispatch(desk, 'auth.login', { login: 'clerk01', password: 'demo1234' }, undefined);
  clerkToken = (r as { ok: true; result: { token: string } }).result.token;
});
afterAll(() => desk.close());

describe('dispatch', () => {
  it.each([
    ['a string', 'hello'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['wrong field types', { login: 12, password: true }],
    ['a huge login', { login: 'x'.repeat(100_000), password: 'y' }],
  ])('rejects %s as auth.login input without a crash', async (_what, input) => {
    const r = await dispatch(desk, 'auth.login', input, undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['INVALID_INPUT', 'LOGIN_FAILED']).toContain(r.error.code);
  });

  it('ignores prototype-pollution keys', async () => {
    const input = JSON.parse('{"login":"clerk01","password":"bad","__proto__":{"polluted":true}}') as unknown;
    await dispatch(desk, 'auth.login', input, undefined);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every non-public method refuses a call without a session, and every supervisor method refuses a clerk', async () => {
    for (const [name, spec] of Object.entries(contract)) {
      if (spec.access === 'public') continue;
      const anon = await dispatch(desk, name, {}, undefined);
      expect(anon.ok, name).toBe(false);
      if (!anon.ok) expect(anon.error.code, name).toBe('UNAUTHENTICATED');
      if (spec.access === 'supervisor') {
        const asClerk = await dispatch(desk, name, {}, clerkToken);
        expect(asClerk.ok, name).toBe(false);
        if (!asClerk.ok) expect(asClerk.error.code, name).toBe('FORBIDDEN');
      }
    }
  });

  it('unknown and inherited method names are refused', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'auth.login.x', '']) {
      const r = await dispatch(desk, name, {}, clerkToken);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.error.code, name).toBe('UNKNOWN_METHOD');
    }
  });
});
