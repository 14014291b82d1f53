import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AgencyStore } from '../agency/server.ts';
import { INST, seedPatients, tmpDir } from '../support/syncFixtures.ts';

/**
 * The chaos run (issue 6, Done when): a desk process writes and syncs whole stays while this
 * process SIGKILLs it at random points — during start-up, in a write, with a batch on the wire,
 * between an answer and its confirmation — and now and then SIGKILLs the agency process too and
 * starts it again on the same port and file. At the end the desk runs undisturbed to completion
 * and the books are compared: the agency holds every message exactly once (every settlement once),
 * all of them accepted, and the desk's outbox is empty with a confirmed result for each.
 */

export interface ChaosOptions {
  /** Desk SIGKILLs. */
  kills: number;
  /** Stays (4 messages each) the desk writes in all. */
  admissions: number;
  /** Kill and restart the agency about once every this many desk kills. */
  agencyEvery?: number;
  /** Longest random wait after the desk says READY before the kill, ms. */
  maxLifeMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  kills: number;
  agencyRestarts: number;
  admissions: number;
  messages: number;
  settlements: number;
}

const ROOT = resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function spawnTs(file: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when the child prints `word` (or exits: rejects), bounded by `ms`. */
function waitFor(child: ChildProcess, word: string, ms: number): Promise<string> {
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => done(new Error(`等待子进程输出 ${word} 超时（${ms} ms）：${out.slice(-500)} ${err.slice(-500)}`)), ms);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes(word)) done(null);
    };
    const onErr = (b: Buffer) => {
      err += b.toString();
    };
    const onExit = (code: number | null, signal: string | null) => done(out.includes(word) ? null : new Error(`子进程退出（${code ?? signal}）而未输出 ${word}：${out.slice(-800)} ${err.slice(-1500)}`));
    function done(e: Error | null) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (e) rej(e);
      else res(out);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const dir = tmpDir('yidi-chaos-');
  const agencyDb = join(dir, 'agency.sqlite');
  const dataDir = join(dir, 'desk');
  const seed = AgencyStore.open(agencyDb);
  seedPatients(seed, o.admissions);
  seed.close();
  const port = await freePort();
  const agencyEnv = { AGENCY_PORT: String(port), AGENCY_DB: agencyDb, AGENCY_INSTITUTION_CODE: INST.code, AGENCY_INSTITUTION_NAME: INST.name, AGENCY_KEY: INST.key, AGENCY_ADMDVS: INST.admdvs };
  const startAgency = async (): Promise<ChildProcess> => {
    const a = spawnTs('test/agency/run.ts', agencyEnv);
    await waitFor(a, '"url"', 60_000);
    return a;
  };
  const deskEnv = { CHAOS_DATA_DIR: dataDir, CHAOS_AGENCY_URL: `http://127.0.0.1:${port}`, CHAOS_ADMISSIONS: String(o.admissions) };
  let agency = await startAgency();
  let agencyRestarts = 0;
  const maxLife = o.maxLifeMs ?? 700;
  try {
    for (let k = 1; k <= o.kills; k++) {
      const desk = spawnTs('test/chaos/deskChild.ts', deskEnv);
      try {
        // Half the kills land during start-up (migrations, demo load, first round), half while it works.
        if (Math.random() < 0.25) await sleep(Math.floor(Math.random() * 400));
        else {
          await waitFor(desk, 'READY', 60_000).catch(() => undefined);
          await sleep(Math.floor(Math.random() * maxLife));
        }
        if (o.agencyEvery && Math.random() < 1 / o.agencyEvery) {
          await kill(agency);
          agencyRestarts++;
          await sleep(Math.floor(Math.random() * 150));
          agency = await startAgency();
          await sleep(Math.floor(Math.random() * 200));
        }
      } finally {
        await kill(desk);
      }
      log(`kill ${k}/${o.kills} (agency restarts ${agencyRestarts})`);
    }
    // Undisturbed to the end.
    const last = spawnTs('test/chaos/deskChild.ts', deskEnv);
    const out = await waitFor(last, 'DONE', 300_000);
    if (out.includes('REJECTED')) throw new Error(`有报文被拒绝：${out}`);
    await new Promise((r) => last.once('exit', r));
  } finally {
    await kill(agency);
  }

  // The books.
  const a = new Database(agencyDb, { readonly: true });
  const d = new Database(join(dataDir, 'desk.sqlite'), { readonly: true });
  try {
    const agencyMsgs = a.prepare('SELECT msgid, infno, response FROM messages').all() as { msgid: string; infno: string; response: string }[];
    const deskResults = d.prepare('SELECT msgid, infno, infcode FROM outbox_results').all() as { msgid: string; infno: string; infcode: number }[];
    const outboxLeft = (d.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    const enqueued = Number((d.prepare(`SELECT value FROM settings WHERE key = 'chaos.enqueued'`).get() as { value: string } | undefined)?.value ?? '0');
    const problems: string[] = [];
    if (enqueued !== o.admissions) problems.push(`desk wrote ${enqueued} stays, expected ${o.admissions}`);
    if (outboxLeft !== 0) problems.push(`desk outbox still holds ${outboxLeft}`);
    if (deskResults.length !== 4 * o.admissions) problems.push(`desk has ${deskResults.length} confirmed results, expected ${4 * o.admissions}`);
    if (deskResults.some((r) => r.infcode !== 0)) problems.push('desk has a failed result');
    const deskIds = new Set(deskResults.map((r) => r.msgid));
    const agencyIds = new Set(agencyMsgs.map((m) => m.msgid));
    if (agencyMsgs.length !== 4 * o.admissions) problems.push(`agency holds ${agencyMsgs.length} messages, expected ${4 * o.admissions}`);
    for (const id of deskIds) if (!agencyIds.has(id)) problems.push(`agency lacks ${id}`);
    for (const id of agencyIds) if (!deskIds.has(id)) problems.push(`agency has ${id} the desk never confirmed`);
    const failed = agencyMsgs.filter((m) => (JSON.parse(m.response) as { infcode: number }).infcode !== 0);
    if (failed.length > 0) problems.push(`agency refused ${failed.length}: ${failed.slice(0, 3).map((m) => m.response).join(' | ')}`);
    const settlements = a.prepare(`SELECT count(*) AS n, count(DISTINCT mdtrt_id) AS stays, count(DISTINCT msgid) AS msgs FROM settlements`).get() as { n: number; stays: number; msgs: number };
    if (settlements.n !== o.admissions || settlements.stays !== o.admissions || settlements.msgs !== o.admissions) problems.push(`agency settlements ${JSON.stringify(settlements)}, expected ${o.admissions} each`);
    const admissions = (a.prepare('SELECT count(*) AS n FROM admissions').get() as { n: number }).n;
    if (admissions !== o.admissions) problems.push(`agency admissions ${admissions}, expected ${o.admissions}`);
    if (problems.length > 0) throw new Error(`混沌测试发现问题：\n${problems.slice(0, 20).join('\n')}`);
    return { kills: o.kills, agencyRestarts, admissions: o.admissions, messages: agencyMsgs.length, settlements: settlements.n };
  } finally {
    a.close();
    d.close();
  }
}
