import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AgencyStore } from '../agency/server.ts';
import { INST, psnNo, seedPatients, tmpDir } from '../support/syncFixtures.ts';
import { KEPT_MEDFEE, VISIT_MEDFEE, visitMessageCount, visitPartlyRefunded, visitRefunded } from '../support/visitFixtures.ts';

/**
 * The chaos run (issue 6, issue 13): a desk process writes and syncs whole stays while this
 * process SIGKILLs it at random points — during start-up, in a write, with a transaction on the
 * wire, between an answer and its confirmation — switches on the platform faults of the reference
 * agency (answers lost after commit on each state-changing transaction, answers cut, the agency
 * dying before its commit, the 2601's own answer lost, sign-ins expiring, 500s, garbage, delays),
 * and now and then SIGKILLs the agency process too and starts it again on the same port and file.
 * The agency does not deduplicate: a repeated msgid is refused. At the end the desk runs
 * undisturbed to completion and the books are compared: the agency holds every stay in effect
 * exactly once (one admission, its fee lines, one settlement — none missing, none twice), every
 * outpatient visit exactly once (one registration, its lines, one 2207 settlement, and for every
 * third visit one 2208 refund of it; for another third a partial refund — the 2208, the 2205 of the
 * batch, the 2204 of the kept line, a second 2207 of it — leaving one line and one settlement in
 * effect), every
 * message the agency kept but the desk could not know about was taken back by a 2601 the desk
 * recorded, and the desk's outbox is empty with a confirmed result for each message.
 */

export interface ChaosOptions {
  /** Desk SIGKILLs. */
  kills: number;
  /** Stays (4 messages each) the desk writes in all. */
  admissions: number;
  /** Outpatient visits (2201/2203/2204/2207, every third also 2208, another third a partial refund), for persons after the stays'. */
  visits?: number;
  /** Kill and restart the agency about once every this many desk kills. */
  agencyEvery?: number;
  /** Longest random wait after the desk says READY before the kill, ms. */
  maxLifeMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  kills: number;
  agencyRestarts: number;
  /** Platform faults switched on during the run. */
  faults: number;
  admissions: number;
  visits: number;
  /** Confirmed at the desk (4 per stay, 4, 5 or 8 per visit). */
  messages: number;
  settlements: number;
  /** Outpatient settlements (2207, the partial refunds' second ones included) and refunds (2208) at the agency. */
  visitSettlements: number;
  visitRefunds: number;
  /** Of the visits, those refunded in part (2208 → 2205 → 2204 → 2207). */
  visitPartialRefunds: number;
  /** Originals held past the desk's timeout that reached the books after a 2601 within the in-flight grace (taken back by the next one; see the check). */
  lateOriginals: number;
  /** 2601 冲正 the desk sent and recorded. */
  reversals: number;
  /** Of those, originals the agency had kept and took back. */
  reversed: number;
}

const STAY_CHANGING = ['2401', '2301', '2402', '2304'];
const VISIT_CHANGING = ['2201', '2203', '2204', '2205', '2207', '2208'];
const STATE_CHANGING = [...STAY_CHANGING, ...VISIT_CHANGING];

/** One platform fault, at random, for the agency to apply to the next requests. */
function randomFault(): Record<string, unknown> {
  const infno = STATE_CHANGING[Math.floor(Math.random() * STATE_CHANGING.length)]!;
  const times = 1 + Math.floor(Math.random() * 2);
  const pick = Math.floor(Math.random() * 9);
  switch (pick) {
    case 0: return { mode: 'lostAfterCommit', infno, times };
    case 1: return { mode: 'drop', infno, times };
    case 2: return { mode: 'crashAfterAnswer', infno, times };
    case 3: return { mode: 'reversalAnswerLost', times };
    case 4: return { mode: 'signInExpired', times: 1 };
    case 5: return { mode: 'status500', infno, times };
    case 6: return { mode: 'garbage', infno, times };
    case 7: return { mode: 'delay', ms: 3500, infno, times: 1 };
    default: return { mode: 'lostAfterCommit', infno: '2304', times: 1 };
  }
}

const CERTAIN_FAULT = { mode: 'lostAfterCommit', infno: '2401', times: 1 };

async function setFaults(port: number, faults: Record<string, unknown>[]): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/__faults`, { method: 'POST', body: JSON.stringify({ faults }), signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
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
  const visits = o.visits ?? 0;
  seedPatients(seed, o.admissions + visits);
  seed.close();
  const port = await freePort();
  const agencyEnv = { AGENCY_PORT: String(port), AGENCY_DB: agencyDb, AGENCY_INSTITUTION_CODE: INST.code, AGENCY_INSTITUTION_NAME: INST.name, AGENCY_KEY: INST.key, AGENCY_ADMDVS: INST.admdvs };
  const startAgency = async (): Promise<ChildProcess> => {
    const a = spawnTs('test/agency/run.ts', agencyEnv);
    await waitFor(a, '"url"', 60_000);
    return a;
  };
  const deskEnv = { CHAOS_DATA_DIR: dataDir, CHAOS_AGENCY_URL: `http://127.0.0.1:${port}`, CHAOS_ADMISSIONS: String(o.admissions), CHAOS_VISITS: String(visits) };
  let agency = await startAgency();
  let agencyRestarts = 0;
  let faultCount = 0;
  // The random faults below may all land when nothing is in flight on a loaded machine; one answer
  // lost after commit on the first 2401s is armed for sure (again after each agency restart, which
  // forgets armed faults), so every run proves the 2601 path, not only the lucky ones.
  const armCertain = async (): Promise<void> => {
    const certain = [CERTAIN_FAULT];
    if (await setFaults(port, certain)) faultCount += certain.length;
  };
  await armCertain();
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
        // Setting faults replaces those armed: the first kills keep the certain one among them.
        if (k <= 5 || Math.random() < 0.7) {
          const faults = [...(k <= 5 ? [CERTAIN_FAULT] : []), randomFault(), ...(Math.random() < 0.3 ? [randomFault()] : [])];
          if (await setFaults(port, faults)) faultCount += faults.length;
          await sleep(Math.floor(Math.random() * maxLife));
        }
        if (o.agencyEvery && Math.random() < 1 / o.agencyEvery) {
          await kill(agency);
          agencyRestarts++;
          await sleep(Math.floor(Math.random() * 150));
          agency = await startAgency();
          await armCertain();
          await sleep(Math.floor(Math.random() * 200));
        }
      } finally {
        await kill(desk);
      }
      log(`kill ${k}/${o.kills} (agency restarts ${agencyRestarts})`);
    }
    // Undisturbed to the end (faults still armed are consumed on the way).
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
    const agencyMsgs = a.prepare('SELECT rowid AS seq, msgid, infno, infcode, reversed_by, response FROM messages').all() as { seq: number; msgid: string; infno: string; infcode: number | null; reversed_by: string | null; response: string }[];
    const deskResults = d.prepare('SELECT msgid, infno, infcode FROM outbox_results').all() as { msgid: string; infno: string; infcode: number }[];
    const deskReversals = d.prepare('SELECT item_msgid, infno, omsgid, reversal_msgid, outcome FROM outbox_reversals').all() as { item_msgid: string; infno: string; omsgid: string; reversal_msgid: string; outcome: string }[];
    const outboxLeft = (d.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    const enqueued = Number((d.prepare(`SELECT value FROM settings WHERE key = 'chaos.enqueued'`).get() as { value: string } | undefined)?.value ?? '0');
    const problems: string[] = [];
    const n = o.admissions;
    const visitNos = Array.from({ length: visits }, (_, i) => i + 1);
    const refunds = visitNos.filter(visitRefunded).length;
    const partial = visitNos.filter(visitPartlyRefunded);
    const visitMessages = visitNos.reduce((t, k) => t + visitMessageCount(k), 0);
    const visitsWritten = Number((d.prepare(`SELECT value FROM settings WHERE key = 'chaos.visits'`).get() as { value: string } | undefined)?.value ?? '0');
    if (enqueued !== n) problems.push(`desk wrote ${enqueued} stays, expected ${n}`);
    if (visitsWritten !== visits) problems.push(`desk wrote ${visitsWritten} visits, expected ${visits}`);
    if (outboxLeft !== 0) problems.push(`desk outbox still holds ${outboxLeft}`);
    if (deskResults.length !== 4 * n + visitMessages) problems.push(`desk has ${deskResults.length} confirmed results, expected ${4 * n + visitMessages}`);
    if (deskResults.some((r) => r.infcode !== 0)) problems.push('desk has a failed result');

    // In effect at the agency: each stay once.
    const perPerson = a.prepare('SELECT psn_no, count(*) AS n, min(status) AS lo, max(status) AS hi FROM admissions GROUP BY psn_no').all() as { psn_no: string; n: number; lo: string; hi: string }[];
    if (perPerson.length !== n) problems.push(`agency has admissions for ${perPerson.length} persons, expected ${n}`);
    for (const p of perPerson) if (p.n !== 1 || p.lo !== 'discharged' || p.hi !== 'discharged') problems.push(`agency admissions of ${p.psn_no}: ${JSON.stringify(p)}`);
    const fees = (a.prepare('SELECT count(*) AS n FROM fee_details').get() as { n: number }).n;
    if (fees !== 2 * n) problems.push(`agency fee lines ${fees}, expected ${2 * n}`);
    const settlements = a.prepare(`SELECT count(*) AS n, count(DISTINCT mdtrt_id) AS stays FROM settlements WHERE kind = 'settle' AND clr_type <> '11'`).get() as { n: number; stays: number };
    if (settlements.n !== n || settlements.stays !== n) problems.push(`agency settlements ${JSON.stringify(settlements)}, expected ${n} each`);

    // In effect at the agency: each visit once — one registration per person, its two lines, one 2207, and the refunded ones' 2208;
    // a partly refunded visit: its first 2207 reversed by one 2208, the kept line alone in a new batch, settled once by a second 2207.
    const otpPersons = a.prepare(`SELECT psn_no, count(*) AS n FROM otp_visits WHERE status = 'registered' GROUP BY psn_no`).all() as { psn_no: string; n: number }[];
    if (otpPersons.length !== visits) problems.push(`agency has visits for ${otpPersons.length} persons, expected ${visits}`);
    for (const p of otpPersons) if (p.n !== 1) problems.push(`agency visits of ${p.psn_no}: ${p.n}`);
    const otpFees = (a.prepare('SELECT count(*) AS n FROM otp_fees').get() as { n: number }).n;
    if (otpFees !== 2 * visits - partial.length) problems.push(`agency outpatient fee lines ${otpFees}, expected ${2 * visits - partial.length}`);
    const otpSettled = a.prepare(`SELECT setl_id, psn_no, kind, medfee_sumamt, reverses FROM settlements WHERE clr_type = '11'`).all() as { setl_id: string; psn_no: string; kind: string; medfee_sumamt: string; reverses: string | null }[];
    const settles = otpSettled.filter((x) => x.kind === 'settle');
    const reversals = otpSettled.filter((x) => x.kind === 'reversal');
    const refundedPersons = new Set(visitNos.filter(visitRefunded).map((k) => psnNo(n + k)));
    const partlyPersons = new Set(partial.map((k) => psnNo(n + k)));
    if (reversals.length !== refunds + partial.length || new Set(reversals.map((x) => x.reverses)).size !== reversals.length || reversals.some((x) => !refundedPersons.has(x.psn_no) && !partlyPersons.has(x.psn_no))) {
      problems.push(`agency outpatient refunds ${JSON.stringify(reversals.map((x) => x.psn_no))}, expected one each for ${[...refundedPersons, ...partlyPersons].join(', ')}`);
    }
    const reversedIds = new Set(reversals.map((x) => x.reverses));
    for (const k of visitNos) {
      const psn = psnNo(n + k);
      const mine = settles.filter((x) => x.psn_no === psn);
      // What stands: the whole visit, nothing (refunded), or the kept line only (partly refunded).
      const standing = mine.filter((x) => !reversedIds.has(x.setl_id)).map((x) => x.medfee_sumamt);
      const want = visitRefunded(k) ? [] : visitPartlyRefunded(k) ? [KEPT_MEDFEE] : [VISIT_MEDFEE];
      const taken = mine.filter((x) => reversedIds.has(x.setl_id)).map((x) => x.medfee_sumamt);
      const wantTaken = visitRefunded(k) || visitPartlyRefunded(k) ? [VISIT_MEDFEE] : [];
      if (JSON.stringify(standing) !== JSON.stringify(want) || JSON.stringify(taken) !== JSON.stringify(wantTaken)) {
        problems.push(`agency outpatient settlements of visit ${k} (${psn}): standing ${JSON.stringify(standing)}, refunded ${JSON.stringify(taken)}; expected ${JSON.stringify(want)}, ${JSON.stringify(wantTaken)}`);
      }
    }
    const keptLines = a.prepare(`SELECT v.psn_no AS psn_no, f.chrg_bchno AS batch, f.det_item_fee_sumamt AS amount FROM otp_fees f JOIN otp_visits v ON v.mdtrt_id = f.mdtrt_id`).all() as { psn_no: string; batch: string; amount: string }[];
    for (const k of partial) {
      const lines = keptLines.filter((l) => l.psn_no === psnNo(n + k));
      if (lines.length !== 1 || lines[0]!.amount !== KEPT_MEDFEE || !lines[0]!.batch.endsWith('-02')) problems.push(`agency fee lines of partly refunded visit ${k}: ${JSON.stringify(lines)}`);
    }

    // Every message the agency kept and still holds in effect is one the desk confirmed; every
    // one it kept and took back was named by a 2601 of the desk.
    const inEffect = agencyMsgs.filter((m) => STATE_CHANGING.includes(m.infno) && m.infcode === 0 && m.reversed_by === null);
    if (inEffect.length !== 4 * n + visitMessages) problems.push(`agency holds ${inEffect.length} state-changing messages in effect, expected ${4 * n + visitMessages}`);
    const reversedAtAgency = agencyMsgs.filter((m) => m.reversed_by !== null);
    const namedByDesk = new Set(deskReversals.map((r) => r.omsgid));
    for (const m of reversedAtAgency) if (!namedByDesk.has(m.msgid)) problems.push(`agency reversed ${m.msgid} without a desk record`);
    const agencyIds = new Map(agencyMsgs.map((m) => [m.msgid, m]));
    for (const r of deskReversals) {
      const rev = agencyIds.get(r.reversal_msgid);
      if (!rev || rev.infno !== '2601') problems.push(`desk recorded 冲正 ${r.reversal_msgid} the agency does not hold as 2601`);
      const orig = agencyIds.get(r.omsgid);
      if (orig && orig.infcode === 0 && orig.reversed_by === null) problems.push(`desk's 冲正 of ${r.omsgid} left it in effect`);
    }
    // A late original: the desk timed out on it (the 'delay' fault holds a request longer than the
    // desk waits), its 2601 found nothing (原交易不存在: the original was still held) and the held
    // original reached the agency's books only after that 2601. Within the in-flight grace the desk
    // does not believe "not there" (outcome not-yet) and sends another 2601 instead of the resend, which
    // takes the late original back — expected, counted. A late original after a 2601 the desk DID
    // believe (not-in-effect: it resent at once) is the twice-in-effect risk: a failure, whether the
    // agency happened to refuse it by a business rule (在院…) or not.
    const processedAt = new Map(agencyMsgs.map((m) => [m.msgid, m.seq]));
    const landedAfter = (m: { msgid: string; seq: number }, outcome: string): boolean => deskReversals.some((r) => r.omsgid === m.msgid && r.outcome === outcome && (processedAt.get(r.reversal_msgid) ?? Infinity) < m.seq);
    const stateChanging = agencyMsgs.filter((m) => STATE_CHANGING.includes(m.infno));
    const believedLate = stateChanging.filter((m) => landedAfter(m, 'not-in-effect'));
    if (believedLate.length > 0) problems.push(`late originals after a 2601 the desk believed (原交易不存在, resent at once): ${believedLate.map((m) => `${m.infno} ${m.msgid} infcode ${m.infcode ?? '?'}`).join(', ')}`);
    const late = stateChanging.filter((m) => landedAfter(m, 'not-yet'));
    if (late.length > 0) log(`late originals after a 2601 within the grace, taken back by the next 2601: ${late.map((m) => `${m.infno} ${m.msgid}`).join(', ')}`);
    const refusedBusiness = stateChanging.filter((m) => m.infcode !== 0);
    if (refusedBusiness.length > 0) {
      // Which transaction and the agency's own words: enough to tell a desk bug from a fault the check does not know.
      const first = refusedBusiness[0]!;
      const said = ((): string => { try { return String((JSON.parse(first.response) as { err_msg?: unknown }).err_msg ?? ''); } catch { return first.response.slice(0, 200); } })();
      problems.push(`agency refused ${refusedBusiness.length} business messages (e.g. ${first.infno} ${first.msgid}: ${said})`);
    }
    if (problems.length > 0) throw new Error(`混沌测试发现问题：\n${problems.slice(0, 20).join('\n')}`);
    return {
      kills: o.kills, agencyRestarts, faults: faultCount, admissions: n, visits, messages: deskResults.length, settlements: settlements.n,
      visitSettlements: settles.length, visitRefunds: reversals.length, visitPartialRefunds: partial.length, lateOriginals: late.length,
      reversals: deskReversals.length, reversed: reversedAtAgency.length,
    };
  } finally {
    a.close();
    d.close();
  }
}
