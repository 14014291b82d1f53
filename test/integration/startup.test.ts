import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 20 point 5: a second `npm start`, or `npm run agency` while the desk runs, must say in
 * Chinese what is running and how to choose another port — never Node's English EADDRINUSE.
 * The scripts are spawned as the user would (through tsx, as `npm start` / `npm run agency` do).
 */
const root = resolve(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [tsx, script], {
    cwd: root,
    env: { ...process.env, YIDI_BROWSER: '1', YIDI_NO_OPEN: '1', YIDI_NO_BUILD: '1', YIDI_NO_SAMPLES: '1', DISPLAY: '', WAYLAND_DISPLAY: '', AGENCY_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Waits (bounded by the test timeout) until the process prints `text`, or fails if it exits first. */
async function until(r: Run, text: string): Promise<void> {
  let exited = false;
  void r.exit.then(() => (exited = true));
  for (let i = 0; i < 1200; i++) {
    if (r.stdout().includes(text)) return;
    if (exited) throw new Error(`进程已退出：\n${r.stdout()}\n${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`未等到“${text}”：\n${r.stdout()}\n${r.stderr()}`);
}

describe('start-up errors in Chinese (issue 20 point 5)', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'yidi-start-'));
    dirs.push(d);
    return d;
  };
  let first: Run;
  let agencyPort = 0;
  let hostPort = 0;
  let dataDir = '';

  beforeAll(async () => {
    agencyPort = await freePort();
    dataDir = tmp();
    first = run('electron/start.ts', { YIDI_DATA_DIR: dataDir, AGENCY_PORT: String(agencyPort), YIDI_PORT: '' });
    await until(first, '经办台已启动');
    const m = /经办台已启动：http:\/\/127\.0\.0\.1:(\d+)\//.exec(first.stdout());
    hostPort = Number(m?.[1]);
  }, 180_000);

  afterAll(async () => {
    if (first?.child.exitCode === null) {
      first.child.kill('SIGTERM');
      await first.exit;
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  function expectChinese(r: Run): void {
    expect(r.stderr()).not.toMatch(/EADDRINUSE|Error:|at .*\.ts:\d+/);
  }

  it('a second npm start on the same data directory names the running desk and how to run another', async () => {
    const second = run('electron/start.ts', { YIDI_DATA_DIR: dataDir, AGENCY_PORT: String(agencyPort) });
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain('经办台已在运行');
    expect(second.stderr()).toContain(`http://127.0.0.1:${hostPort}/`);
    expect(second.stderr()).toContain('YIDI_DATA_DIR');
    expect(second.stderr()).toContain('AGENCY_PORT');
    expectChinese(second);
    // The running desk is untouched.
    expect(first.child.exitCode).toBeNull();
  }, 120_000);

  it('a second npm start elsewhere whose agency port is taken says the reference agency holds it and how to choose another', async () => {
    const second = run('electron/start.ts', { YIDI_DATA_DIR: tmp(), AGENCY_PORT: String(agencyPort) });
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain(`端口 ${agencyPort} 已被占用`);
    expect(second.stderr()).toContain('本地参考经办机构');
    expect(second.stderr()).toContain(`AGENCY_PORT=${agencyPort + 1} npm start`);
    expectChinese(second);
  }, 120_000);

  it('npm run agency while the desk runs says what holds the port and how to choose another', async () => {
    const agency = run('test/agency/run.ts', { AGENCY_PORT: String(agencyPort), AGENCY_DB: join(tmp(), 'agency.sqlite') });
    expect(await agency.exit).toBe(1);
    expect(agency.stderr()).toContain(`端口 ${agencyPort} 已被占用`);
    expect(agency.stderr()).toContain('本地参考经办机构');
    expect(agency.stderr()).toContain(`AGENCY_PORT=${agencyPort + 1} npm run agency`);
    expect(agency.stdout()).toBe('');
    expectChinese(agency);
  }, 120_000);

  it('a desk host port (YIDI_PORT) already taken by a desk is named, with the advice to leave it unset', async () => {
    const other = await freePort();
    const second = run('electron/start.ts', { YIDI_DATA_DIR: tmp(), AGENCY_PORT: String(other), YIDI_PORT: String(hostPort) });
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain(`端口 ${hostPort} 已被占用`);
    expect(second.stderr()).toContain('经办台的本机服务');
    expect(second.stderr()).toContain('YIDI_PORT');
    expectChinese(second);
  }, 180_000);

  it('an invalid AGENCY_PORT is said in Chinese', async () => {
    const agency = run('test/agency/run.ts', { AGENCY_PORT: 'abc' });
    expect(await agency.exit).toBe(2);
    expect(agency.stderr()).toContain('环境变量 AGENCY_PORT 无效');
  }, 60_000);
});
