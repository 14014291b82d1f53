import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_AGENCY_KEY, DEMO_INSTITUTION, LEGACY_DEMO_AGENCY_KEY } from '../../electron/services/demo/demoData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setSetting } from '../../db/repos/institution.ts';
import { getSetting } from '../../db/repos/institution.ts';
import { CONNECTION_SECRET_FIELDS, connectionUpdateInput, type ConnectionTestResult } from '../../shared/api/agencyConnection.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';

/**
 * The demo's shared secret (DEMO_AGENCY_KEY) is one a supervisor can type into 设置 → 经办机构连接:
 * the secret rule there wants letters and digits, and the old demo key (demo-key-change-me) had
 * no digit, so the demo's own key could not be entered on the demo's own screen. One constant,
 * used by the reference agency's default, the demo settings, the tests and the docs.
 */

const root = resolve(import.meta.dirname, '..', '..');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the demo secret', () => {
  it('passes the secret rule of every secret field of the connection screen (the old one did not)', () => {
    for (const field of CONNECTION_SECRET_FIELDS.filter((f) => f !== 'sm2PrivateKey')) {
      expect(connectionUpdateInput.safeParse({ [field]: DEMO_AGENCY_KEY }).success, field).toBe(true);
      const old = connectionUpdateInput.safeParse({ [field]: 'demo-key-change-me' });
      expect(old.success, field).toBe(false);
      expect(old.error!.issues[0]!.message).toMatch(/应同时包含英文字母和数字/);
    }
  });

  it('a supervisor types it on the connection screen and 测试连接 signs in at a reference agency that holds it', async () => {
    const agency = await startReferenceAgency({ port: 0, institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_AGENCY_KEY, admdvs: DEMO_INSTITUTION.admdvs }] });
    cleanups.push(() => agency.close());
    // No agencyUrl/agencyKey options: address and secrets are the supervisor's to set.
    const ctx = await startDeskHost({ agencyUrl: undefined });
    cleanups.push(() => ctx.stop());
    // The demo settings hold the same key.
    expect(getSetting(ctx.desk.db, 'agency.key')).toBe(DEMO_AGENCY_KEY);
    const token = ((await api(ctx.host, 'auth.login', { login: 'super01', password: 'demo1234' })).body.result as { token: string }).token;
    const update = await api(ctx.host, 'agency.connection.update', { url: agency.url, token: DEMO_AGENCY_KEY, extKey: DEMO_AGENCY_KEY }, token);
    expect(update.body.error).toBeUndefined();
    expect(update.body.ok).toBe(true);
    const test = (await api(ctx.host, 'agency.connection.test', {}, token)).body.result as ConnectionTestResult;
    expect(test).toMatchObject({ ok: true });
    expect(agency.store.count('sign_ins')).toBe(1);
  });

  it('a demo database from before, holding the old key, gets the new one when the demo opens it; a key set otherwise is left alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yidi-demo-secret-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const first = await Desk.open({ dataDir: dir, demo: true });
    first.db.transaction((tx) => setSetting(tx, 'agency.key', LEGACY_DEMO_AGENCY_KEY));
    first.close();
    const again = await Desk.open({ dataDir: dir, demo: true });
    expect(getSetting(again.db, 'agency.key')).toBe(DEMO_AGENCY_KEY);
    again.db.transaction((tx) => setSetting(tx, 'agency.key', 'hospital-Key-2027'));
    again.close();
    const third = await Desk.open({ dataDir: dir, demo: true });
    expect(getSetting(third.db, 'agency.key')).toBe('hospital-Key-2027');
    third.close();
    // Not a demo: nothing is touched.
    const plain = await Desk.open({ dataDir: dir });
    plain.db.transaction((tx) => setSetting(tx, 'agency.key', LEGACY_DEMO_AGENCY_KEY));
    plain.close();
    const still = await Desk.open({ dataDir: dir });
    expect(getSetting(still.db, 'agency.key')).toBe(LEGACY_DEMO_AGENCY_KEY);
    still.close();
  });

  it('is the only demo-key literal in code, tests and docs', () => {
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'artifacts' || name.startsWith('.') || name === 'dist' || name === 'dist-electron') continue;
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|mjs|js|md|json)$/.test(name)) {
          for (const m of readFileSync(p, 'utf8').matchAll(/demo-key[\w-]*/g)) found.push(`${p.slice(root.length + 1)}: ${m[0]}`);
        }
      }
    };
    for (const d of ['electron', 'shared', 'db', 'renderer', 'scripts', 'test', 'docs']) walk(join(root, d));
    for (const f of ['README.md', 'CONTRIBUTING.md']) for (const m of readFileSync(join(root, f), 'utf8').matchAll(/demo-key[\w-]*/g)) found.push(`${f}: ${m[0]}`);
    // This file names the old key on purpose (above), and demoData.ts once, to move old demo databases on.
    const legacy = found.filter((f) => f.endsWith(`: ${LEGACY_DEMO_AGENCY_KEY}`) && !f.startsWith('test/integration/demoSecret.test.ts'));
    expect(legacy).toEqual(['electron/services/demo/demoData.ts: demo-key-change-me']);
    const others = found.filter((f) => !f.startsWith('test/integration/demoSecret.test.ts') && !f.endsWith(`: ${DEMO_AGENCY_KEY}`) && !legacy.includes(f));
    expect(others).toEqual([]);
    expect(found.some((f) => f.startsWith('electron/services/demo/demoData.ts'))).toBe(true);
  });
});
