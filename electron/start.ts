import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import { Desk } from './services/desk.ts';
import { startHost, RENDERER_DIST } from './host/server.ts';
import { DEMO_AGENCY_KEY, DEMO_INSTITUTION } from './services/demo/demoData.ts';
import { writeDemoSamples } from './services/demo/samples.ts';
import type { AgencyWorkerData, AgencyWorkerMessage } from './agencyWorker.ts';
import { listenOrExplain, lockDataDir, portFromEnv, StartupError, type InstanceLock } from './ports.ts';
import { officeTargetFromEnv } from './services/officeStore/config.ts';
import { hostname } from 'node:os';
import { maskUrl } from '../db/officeMarker.ts';

/**
 * `npm start`: the Electron window where its runtime is installed; otherwise the same app
 * served by the local host and opened in the system Chromium in app mode, or its URL printed
 * when there is no display. First start creates the database with demo data and runs the
 * local reference agency so a newcomer can try the whole flow at once.
 */
const root = resolve(import.meta.dirname, '..');
/** Set by scripts/start.mjs (`npm start`) in its bundle: the agency thread's own bundle. Undefined under tsx. */
declare const YIDI_BUNDLED_AGENCY_WORKER: string | undefined;
const dataDir = resolve(process.env.YIDI_DATA_DIR ?? join(root, 'data'));
let agencyPort = 18090;
let hostPort = 0;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildRendererIfStale(): void {
  const index = join(RENDERER_DIST, 'index.html');
  const stale = !existsSync(index) || Math.max(newestMtime(join(root, 'renderer', 'src')), newestMtime(join(root, 'shared'))) > statSync(index).mtimeMs;
  if (!stale || process.env.YIDI_NO_BUILD === '1') return;
  console.log('正在构建界面…');
  const r = spawnSync('npm', ['run', '--silent', 'build:renderer'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('界面构建失败');
}

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function findChromium(): string | null {
  for (const c of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (c && existsSync(c)) return c;
  }
  return null;
}

const AGENCY_PORT_USE = {
  service: '本地参考经办机构',
  variable: 'AGENCY_PORT',
  command: 'npm start',
} as const;

/** The agency's port, free now (0: a free one chosen by the system); a taken one is the StartupError startAgency would give. */
async function checkAgencyPort(port: number): Promise<number> {
  const probe = createServer();
  return listenOrExplain({ port, ...AGENCY_PORT_USE, advice: agencyAdvice(port) }, () => new Promise<number>((ok, fail) => {
    probe.once('error', fail);
    probe.listen(port, '127.0.0.1', () => {
      const chosen = (probe.address() as AddressInfo).port;
      probe.close(() => ok(chosen));
    });
  }));
}

function agencyAdvice(port: number): string[] {
  return ['已单独运行 npm run agency 的，可让经办台直接连接它：AGENCY_URL=http://127.0.0.1:' + port + ' npm start。'];
}

/**
 * Starts the local reference agency on its own thread (electron/agencyWorker.ts) and returns at
 * once; `ready` settles when it listens with its demo data (a taken port: the StartupError of
 * listenOrExplain). Null when AGENCY_URL names an agency to use instead.
 */
function startAgency(): { ready: Promise<string>; close: () => Promise<void> } | null {
  if (process.env.AGENCY_URL) return null;
  mkdirSync(dataDir, { recursive: true });
  const data: AgencyWorkerData = {
    port: agencyPort,
    dbFile: join(dataDir, 'agency.sqlite'),
    institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: process.env.AGENCY_KEY ?? DEMO_AGENCY_KEY, admdvs: DEMO_INSTITUTION.admdvs }],
  };
  const worker = new Worker(typeof YIDI_BUNDLED_AGENCY_WORKER === 'string' ? new URL(YIDI_BUNDLED_AGENCY_WORKER) : new URL('./agencyWorker.ts', import.meta.url), { workerData: data });
  const exited = new Promise<void>((ok) => worker.once('exit', () => ok()));
  const listening = new Promise<string>((ok, fail) => {
    worker.on('message', (m: AgencyWorkerMessage) => {
      if (m.kind === 'ready') ok(m.url);
      if (m.kind === 'failed') fail(Object.assign(new Error(m.message), m.addrInUse ? { code: 'EADDRINUSE' } : {}));
    });
    worker.once('error', fail);
    void exited.then(() => fail(new Error('本地参考经办机构意外退出')));
  });
  const ready = listenOrExplain({ port: agencyPort, ...AGENCY_PORT_USE, advice: agencyAdvice(agencyPort) }, () => listening).then((url) => {
    console.log(`本地参考经办机构已启动：${url}`);
    return url;
  });
  ready.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
  return {
    ready,
    close: async () => {
      worker.postMessage('close');
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 5000).unref())]);
      await worker.terminate();
    },
  };
}

async function main(): Promise<void> {
  agencyPort = portFromEnv('AGENCY_PORT', 18090);
  hostPort = portFromEnv('YIDI_PORT', 0);
  // A second start on the same data directory is refused before it touches the database or a port.
  mkdirSync(dataDir, { recursive: true });
  lock = lockDataDir(dataDir);
  buildRendererIfStale();
  // The sample fee files of the README's newcomer path, dated today (the day a newcomer admits).
  if (process.env.YIDI_NO_SAMPLES !== '1' && writeDemoSamples(join(root, 'samples'))) console.log(`样例费用文件已改为今天的日期：${join(root, 'samples')}`);
  const electron = electronBinary();
  if (electron && process.env.YIDI_BROWSER !== '1') {
    const r = spawnSync('npm', ['run', '--silent', 'build:electron'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('主进程构建失败');
    const agency = startAgency();
    await agency?.ready;
    const child = spawn(electron, [root], { stdio: 'inherit', env: { ...process.env, YIDI_DEMO: '1' } });
    child.on('exit', (code) => void agency?.close().finally(() => {
      lock?.release();
      process.exit(code ?? 0);
    }));
    return;
  }

  // The login does not need the reference agency: it starts on its own thread while the desk
  // opens and serves the login (issue 19). Its port is checked (or, for AGENCY_PORT=0, chosen)
  // first, so its address is known to the desk and a taken port still stops the start before
  // anything is written. The background sync starts once the agency is up.
  if (!process.env.AGENCY_URL) agencyPort = await checkAgencyPort(agencyPort);
  const agency = startAgency();
  const stopAgency = async () => {
    await agency?.close();
  };
  const desk = await Desk.openOrRecover({ dataDir, demo: true, demoHistory: true, agencyUrl: agency ? `http://127.0.0.1:${agencyPort}` : undefined, office: officeTargetFromEnv(process.env, `yidi-desk ${hostname()}`) }).catch(async (e: unknown) => {
    await stopAgency();
    throw e;
  });
  if (desk.broken) console.error(`${desk.broken.message}\n界面中将显示恢复页面；也可关闭程序后把 ${join(dataDir, 'backups')} 中的备份复制为 desk.sqlite。`);
  const host = await listenOrExplain(
    { port: hostPort, service: '经办台本机服务', variable: 'YIDI_PORT', command: 'npm start', advice: ['不设置 YIDI_PORT 时经办台自动选择空闲端口。'] },
    () => startHost({ desk, port: hostPort }),
  ).catch(async (e: unknown) => {
    await desk.shutdown();
    await stopAgency();
    throw e;
  });
  lock?.update({ url: host.url });
  console.log(`经办台已启动：${host.openUrl}`);
  console.log(`数据目录：${dataDir}`);
  if (desk.inOffice) console.log(`办公室模式：业务数据在办公室数据库 ${maskUrl(process.env.YIDI_DB_URL ?? '')}（本机不另存业务数据）`);
  console.log('演示账号：clerk01 / demo1234（经办员），super01 / demo1234（主管）');
  const chromium = findChromium();
  if (chromium && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && process.env.YIDI_NO_OPEN !== '1') {
    const profile = join(dataDir, 'browser-profile');
    spawn(chromium, [`--app=${host.openUrl}`, '--lang=zh-CN', `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1366,860'], { stdio: 'ignore', detached: true }).unref();
  } else {
    console.log('未检测到图形界面或 Chromium：请在浏览器中打开上面的地址。');
  }

  const stopAll = async () => {
    await host.close();
    await desk.shutdown();
    await stopAgency();
  };
  const shutdown = async () => {
    await stopAll();
    lock?.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  // Another program may take the checked port in between: then stop as a taken port always did.
  await agency?.ready.catch(async (e: unknown) => {
    await stopAll();
    throw e;
  });
  desk.startBackground(10_000);
}

let lock: InstanceLock | undefined;

try {
  await main();
} catch (e) {
  lock?.release();
  if (!(e instanceof StartupError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
