import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A child started in its own process group (detached), so `stop()` reaches everything under
 * it — `npx` → `tsx` → `node electron/start.ts` and whatever that starts — not only `npx`.
 * The bench used `child.kill()` and left the grandchildren (host + reference agency) alive,
 * holding its stderr, so `npm run bench` never ended (issue 19).
 */
export interface GroupChild {
  child: ChildProcess;
  /** The process group id (= the leader's pid). */
  pgid: number;
  /** SIGTERM to the whole group, wait for it to empty; SIGKILL what is left after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): GroupChild {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) throw new Error(`无法启动进程：${command}`);
  const pgid = child.pid;
  const leaderExit = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', () => undefined);
  return {
    child,
    pgid,
    async stop(graceMs = 10_000) {
      signalGroup(pgid, 'SIGTERM');
      if (!(await groupGone(pgid, graceMs))) {
        signalGroup(pgid, 'SIGKILL');
        await groupGone(pgid, 5_000);
      }
      // Reap the leader so no zombie remains in our process table.
      await Promise.race([leaderExit, sleep(5_000)]);
      if (pidsInGroup(pgid).length > 0) throw new Error(`进程组 ${pgid} 未能结束：${pidsInGroup(pgid).join(', ')}`);
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Live (non-zombie) processes whose process group is `pgid`, read from /proc. */
export function pidsInGroup(pgid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return groupAliveBySignal(pgid) ? [pgid] : [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // pid (comm) state ppid pgrp ... — comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const pgrp = Number(fields[2]);
    if (pgrp === pgid && state !== 'Z' && state !== 'X') pids.push(Number(name));
  }
  return pids;
}

function groupAliveBySignal(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls every 50 ms, at most `timeoutMs`; true when the group has no live process. */
async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const polls = Math.max(1, Math.ceil(timeoutMs / 50));
  for (let i = 0; i < polls; i++) {
    if (pidsInGroup(pgid).length === 0) return true;
    await sleep(50);
  }
  return pidsInGroup(pgid).length === 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
