import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { RENDERER_DIST } from '../../electron/host/server.ts';
import { timeFigure, type Figure } from './harness.ts';
import { spawnGroup } from './processGroup.ts';
// @ts-expect-error -- a plain .mjs script without types
import { ensureStartBundle } from '../../scripts/startBundle.mjs';

/**
 * start.interactive: from launching `npm start`'s browser mode (fresh data folder: database,
 * demo data, reference agency, host) to the login field accepting input in Chromium — against
 * the barest baseline: a plain Node HTTP server serving the same built page, loaded the same way.
 */
async function untilInteractive(url: string, browser: Awaited<ReturnType<typeof chromium.launch>>): Promise<void> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.getByLabel('工号').waitFor({ state: 'visible', timeout: 60_000 });
  await page.close();
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('启动超时')), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/#k=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`启动进程退出：${code}`));
    });
  });
}

export async function benchStartInteractive(rounds = 3): Promise<Figure> {
  await ensureStartBundle({ quiet: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking'] });
  const values: number[] = [];
  const baselines: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      // Baseline: a bare server with the same page.
      const t0 = performance.now();
      const index = readFileSync(join(RENDERER_DIST, 'index.html'));
      const bare = createServer((req, res) => {
        const path = req.url === '/' ? 'index.html' : (req.url ?? '').slice(1).split('?')[0]!;
        try {
          const body = path === 'index.html' ? index : readFileSync(join(RENDERER_DIST, path));
          res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : 'text/html' });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((ok) => bare.listen(0, '127.0.0.1', ok));
      const port = (bare.address() as { port: number }).port;
      await untilInteractive(`http://127.0.0.1:${port}/`, browser);
      baselines.push(performance.now() - t0);
      bare.closeAllConnections();
      await new Promise<void>((ok) => bare.close(() => ok()));

      const t1 = performance.now();
      // What `npm start` runs (scripts/start.mjs: the cached bundle of electron/start.ts, built
      // before the rounds as a warm machine has it), in its own process group: the host and its
      // agency thread end with stop().
      const group = spawnGroup(process.execPath, ['scripts/start.mjs'], {
        env: { ...process.env, YIDI_DATA_DIR: mkdtempSync(join(tmpdir(), 'yidi-start-')), AGENCY_PORT: '0', YIDI_NO_OPEN: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const url = await waitForUrl(group.child);
        await untilInteractive(url, browser);
        values.push(performance.now() - t1);
      } finally {
        await group.stop();
      }
    }
  } finally {
    await browser.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return timeFigure('start.interactive', median(values), median(baselines));
}
