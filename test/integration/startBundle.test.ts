import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types
import { ensureStartBundle } from '../../scripts/startBundle.mjs';

/**
 * Issue 19 start.interactive: `npm start` runs electron/start.ts from a bundle built on demand
 * (scripts/startBundle.mjs). The bundle must start the desk and its reference agency thread as
 * tsx does, and be rebuilt when a source changes.
 */
const root = resolve(import.meta.dirname, '..', '..');
const stamp = join(root, '.cache', 'start', 'inputs.json');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the start bundle', () => {
  it('is built with every project source of the host and the agency thread, and rebuilt after one changes', async () => {
    const url = (await ensureStartBundle({ quiet: true })) as string;
    expect(existsSync(fileURLToPath(url))).toBe(true);
    const first = JSON.parse(readFileSync(stamp, 'utf8')) as { at: number; inputs: string[] };
    expect(first.inputs).toEqual(expect.arrayContaining(['electron/start.ts', 'electron/agencyWorker.ts', 'electron/services/desk.ts', 'test/agency/server.ts']));
    expect(first.inputs.some((f) => f.includes('node_modules'))).toBe(false);
    await ensureStartBundle({ quiet: true });
    expect(JSON.parse(readFileSync(stamp, 'utf8')).at).toBe(first.at); // current: not rebuilt

    const source = join(root, 'electron', 'agencyWorker.ts');
    const now = new Date();
    utimesSync(source, now, now);
    await new Promise((ok) => setTimeout(ok, 20));
    await ensureStartBundle({ quiet: true });
    expect(JSON.parse(readFileSync(stamp, 'utf8')).at).toBeGreaterThanOrEqual(now.getTime() - 1);
  }, 120_000);

  it('npm start (node scripts/start.mjs) serves the login and starts the reference agency from the bundle', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yidi-bundle-'));
    dirs.push(dataDir);
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: { ...process.env, YIDI_DATA_DIR: dataDir, AGENCY_PORT: '0', YIDI_PORT: '', YIDI_BROWSER: '1', YIDI_NO_OPEN: '1', YIDI_NO_BUILD: '1', YIDI_NO_SAMPLES: '1', AGENCY_URL: '', DISPLAY: '', WAYLAND_DISPLAY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
    const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    try {
      for (let i = 0; i < 1200 && !(out.includes('经办台已启动') && out.includes('本地参考经办机构已启动')); i++) {
        if (child.exitCode !== null) throw new Error(`进程已退出：\n${out}\n${err}`);
        await new Promise((ok) => setTimeout(ok, 100));
      }
      const host = /经办台已启动：(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      const agency = /本地参考经办机构已启动：(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(host, `${out}\n${err}`).toBeDefined();
      expect(agency, `${out}\n${err}`).toBeDefined();
      // YIDI_NO_BUILD: on a clean clone the renderer is built only by test:e2e, after this file.
      const page = await fetch(host!);
      if (existsSync(join(root, 'renderer', 'dist', 'index.html'))) {
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<div id="root">');
      } else {
        expect(page.status).toBe(503);
        expect(await page.text()).toContain('界面尚未构建');
      }
      const api = await fetch(new URL('api/session.login', host!), { method: 'POST', body: '{}' });
      expect(api.status).toBe(403); // the bundled host's API answers, and refuses a caller without the desk's secret
    } finally {
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  }, 120_000);
});
