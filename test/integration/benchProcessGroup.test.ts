import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsInGroup, spawnGroup } from '../bench/processGroup.ts';

/**
 * issue 19: the bench started `npx tsx electron/start.ts` and killed only `npx`; the processes
 * under it lived on (host + agency listening, holding the bench's stderr) and `npm run bench`
 * never exited. A leader that starts grandchildren plays that chain here (one grandchild ignores
 * SIGTERM, like a host draining its connections), without the seconds a real start takes.
 */
const LEADER = `
const { spawn } = require('node:child_process');
const keep = 'setInterval(() => {}, 1000)';
const a = spawn(process.execPath, ['-e', keep], { stdio: 'ignore' });
const b = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); " + keep], { stdio: 'ignore' });
setTimeout(() => console.log(JSON.stringify([a.pid, b.pid])), 200);
setInterval(() => {}, 1000);
`;

/** Running (a zombie waiting for its reaper counts as ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  return out.split('\n')[0]!;
}

const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('bench child processes (issue 19)', () => {
  it('stop() ends the leader and every grandchild, escalating to SIGKILL, and the group is empty afterwards', async () => {
    const group = spawnGroup(process.execPath, ['-e', LEADER], { stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchildren = JSON.parse(await firstLine(group.child.stdout!)) as number[];
    leftovers.push(group.pgid, ...grandchildren);
    expect(pidsInGroup(group.pgid).sort()).toEqual([group.pgid, ...grandchildren].sort());

    await group.stop(500);

    expect(pidsInGroup(group.pgid)).toEqual([]);
    for (const pid of [group.pgid, ...grandchildren]) expect(alive(pid), `进程 ${pid} 仍在运行`).toBe(false);
    expect(group.child.exitCode !== null || group.child.signalCode !== null).toBe(true);
  });

  it('the old way — child.kill() on the leader only — leaves the grandchildren behind (what stop() is for)', async () => {
    const child = spawn(process.execPath, ['-e', LEADER], { stdio: ['ignore', 'pipe', 'ignore'] });
    const grandchildren = JSON.parse(await firstLine(child.stdout!)) as number[];
    leftovers.push(...grandchildren);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(grandchildren.filter(alive)).toEqual(grandchildren);
    for (const pid of grandchildren) process.kill(pid, 'SIGKILL');
  });
});
