import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Start-up problems of the ports and the data directory said in Chinese (issue 20 point 5):
 * what is already running there and how to choose another port, instead of Node's English
 * EADDRINUSE stack. Used by `npm start` (electron/start.ts) and `npm run agency`.
 */

/** A start-up problem the user can act on: printed as is, exit status 1, no stack. */
export class StartupError extends Error {}

export function isAddrInUse(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EADDRINUSE';
}

export type PortOccupant = 'agency' | 'desk' | 'other';

async function get(url: string): Promise<Response | null> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(1500), headers: { connection: 'close' } });
  } catch {
    return null;
  }
}

/** Who answers on 127.0.0.1:port — the reference agency (its /__faults), the desk's host (its CSP), or something else. */
export async function identifyOccupant(port: number): Promise<PortOccupant> {
  const faults = await get(`http://127.0.0.1:${port}/__faults`);
  if (faults?.ok) {
    const body = (await faults.json().catch(() => null)) as { faults?: unknown } | null;
    if (body && Array.isArray(body.faults)) return 'agency';
  }
  const root = await get(`http://127.0.0.1:${port}/`);
  if (root?.headers.get('content-security-policy')) return 'desk';
  return 'other';
}

const OCCUPANT_TEXT: Record<PortOccupant, string> = {
  agency: '本地参考经办机构（由另一个 npm start 或 npm run agency 启动）',
  desk: '另一个经办台的本机服务（npm start）',
  other: '其他程序',
};

export interface PortUse {
  port: number;
  /** What this process wanted to open there, e.g. 本地参考经办机构. */
  service: string;
  /** The environment variable that chooses the port. */
  variable: string;
  /** The command being started, for the example, e.g. `npm start`. */
  command: string;
  /** Extra advice lines. */
  advice?: string[];
}

export function portInUseMessage(use: PortUse, occupant: PortOccupant): string {
  const other = use.port === 18090 ? 18091 : use.port + 1;
  return [
    `无法启动${use.service}：端口 ${use.port} 已被占用，占用者是${OCCUPANT_TEXT[occupant]}。`,
    `· 如果那是已在运行的经办台或经办机构，请直接使用它，或先关闭它（在其窗口按 Ctrl+C）再启动；`,
    `· 或换一个端口：${use.variable}=${other} ${use.command}（${use.variable}=0 表示自动选择空闲端口）。`,
    ...(use.advice ?? []).map((a) => `· ${a}`),
  ].join('\n');
}

/** Runs `open` (which listens on use.port); an EADDRINUSE becomes a StartupError naming the occupant. */
export async function listenOrExplain<T>(use: PortUse, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    if (!isAddrInUse(e)) throw e;
    throw new StartupError(portInUseMessage(use, await identifyOccupant(use.port)));
  }
}

/** A port from an environment variable: an integer 0–65535, else a Chinese StartupError. */
export function portFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupError(`环境变量 ${variable} 无效：“${raw}”。请填写 0–65535 之间的端口号（0 表示自动选择空闲端口）。`);
  }
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

export interface InstanceLock {
  /** Records where this desk is served (shown to a second start). */
  update: (info: { url?: string }) => void;
  release: () => void;
}

/**
 * One desk per data directory: a second `npm start` on the same directory is refused in
 * Chinese (naming the running process and its address) before it touches the database or a
 * port. A lock left by a process that no longer exists is taken over.
 */
export function lockDataDir(dataDir: string): InstanceLock {
  const file = join(dataDir, 'desk.lock');
  if (existsSync(file)) {
    let held: { pid?: unknown; url?: unknown } = {};
    try {
      held = JSON.parse(readFileSync(file, 'utf8')) as typeof held;
    } catch {
      held = {};
    }
    if (typeof held.pid === 'number' && held.pid !== process.pid && alive(held.pid)) {
      throw new StartupError(
        [
          `经办台已在运行（进程号 ${held.pid}${typeof held.url === 'string' ? `，地址 ${held.url}` : ''}），使用同一数据目录 ${dataDir}。`,
          '· 请切换到已打开的经办台窗口；要重新启动，先在其命令行窗口按 Ctrl+C 关闭它。',
          '· 确需同时运行第二个经办台（例如测试）：用 YIDI_DATA_DIR 指定另一个数据目录，并用 AGENCY_PORT 指定另一个参考经办机构端口，例如',
          `  YIDI_DATA_DIR=data2 AGENCY_PORT=18091 npm start（本机服务端口默认自动选择，也可用 YIDI_PORT 指定）。`,
        ].join('\n'),
      );
    }
  }
  let info: { pid: number; url?: string } = { pid: process.pid };
  writeFileSync(file, JSON.stringify(info));
  return {
    update: (more) => {
      info = { ...info, ...more };
      writeFileSync(file, JSON.stringify(info));
    },
    release: () => {
      try {
        const now = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
        if (now.pid === process.pid) rmSync(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
