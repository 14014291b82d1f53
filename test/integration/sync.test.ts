import { describe, expect, it, onTestFinished } from 'vitest';
import { armUnknownOutcome, outboxDepth, findOutboxItem, resendRejected } from '../../db/repos/outbox.ts';
import { Desk, type DeskOptions } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency, type AgencyProfile, type FaultSpec, type ReferenceAgency } from '../agency/server.ts';
import { enqueueAdmission, installAdmissionHooks, INST, seedPatients, tmpDir } from '../support/syncFixtures.ts';

/**
 * The outbox worker against the platform-like reference agency (issue 13): single transactions,
 * a sign-in before the first, no deduplication at the agency — an unknown outcome is resolved by
 * 2601 冲正 and then a new msgid. "Exactly once" is read from the agency's business tables, not
 * from its message log: a reversed message is in the log and in effect nowhere.
 */

interface Ctx {
  agency: ReferenceAgency;
  desk: Desk;
  dataDir: string;
  agencyDb: string;
  hooks: SyncHooks;
}

async function setup(options: Partial<DeskOptions> = {}, o: { agencyFile?: boolean; profile?: AgencyProfile } = {}): Promise<Ctx> {
  const dir = tmpDir();
  const agencyDb = `${dir}/agency.sqlite`;
  const agency = await startReferenceAgency({ port: 0, institutions: [INST], profile: o.profile ?? 'tif', ...(o.agencyFile ? { dbFile: agencyDb } : {}) });
  seedPatients(agency.store, 40);
  const dataDir = `${dir}/desk`;
  const hooks = new SyncHooks();
  installAdmissionHooks(hooks);
  const desk = await Desk.open({
    dataDir, demo: true, agencyUrl: agency.url, agencyTimeoutMs: 1500,
    ...options,
    // A short in-flight grace: the faults below that end in 原交易不存在 need not wait the desk's 3 s.
    sync: { hooks, backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20, offlineProbeMs: 20, random: () => 0.5, inFlightGraceMs: 100, ...options.sync },
  });
  const ctx: Ctx = { agency, desk, dataDir, agencyDb, hooks };
  onTestFinished(async () => {
    await ctx.desk.stopSync();
    ctx.desk.close();
    await ctx.agency.close();
  });
  return ctx;
}

function stays(ctx: Ctx, from: number, count: number): ReturnType<typeof enqueueAdmission>[] {
  return ctx.desk.db.transaction((tx) => Array.from({ length: count }, (_, i) => enqueueAdmission(tx, from + i)));
}

interface AgencyMessage {
  msgid: string;
  infno: string;
  infcode: number;
  reversed_by: string | null;
  request: string;
}

function agencyMessages(ctx: Ctx): AgencyMessage[] {
  return ctx.agency.store.db.prepare('SELECT msgid, infno, infcode, reversed_by, request FROM messages ORDER BY rowid').all() as AgencyMessage[];
}

function reversals(ctx: Ctx): { item_msgid: string; infno: string; omsgid: string; reversal_msgid: string; outcome: string; next_msgid: string | null }[] {
  return ctx.desk.db.$client.prepare('SELECT item_msgid, infno, omsgid, reversal_msgid, outcome, next_msgid FROM outbox_reversals ORDER BY id').all() as never;
}

/**
 * Every stay in effect at the agency exactly once — one admission per person, discharged, its two
 * fee lines, one settlement — the outbox empty, and every 冲正 the desk recorded is a 2601 the
 * agency answered, whose original is no longer in effect there.
 */
function expectExactlyOnce(ctx: Ctx, n: number): void {
  const db = ctx.agency.store.db;
  const perPerson = db.prepare('SELECT psn_no, count(*) AS n, min(status) AS status FROM admissions GROUP BY psn_no').all() as { psn_no: string; n: number; status: string }[];
  expect(perPerson).toHaveLength(n);
  for (const p of perPerson) expect(p, p.psn_no).toMatchObject({ n: 1, status: 'discharged' });
  expect(ctx.agency.store.count('fee_details')).toBe(2 * n);
  const settled = db.prepare(`SELECT mdtrt_id, count(*) AS n FROM settlements WHERE kind = 'settle' GROUP BY mdtrt_id`).all() as { n: number }[];
  expect(settled).toHaveLength(n);
  expect(settled.every((s) => s.n === 1)).toBe(true);
  expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 0, rejected: 0 });
  const results = ctx.desk.db.$client.prepare('SELECT infcode FROM outbox_results').all() as { infcode: number }[];
  expect(results).toHaveLength(4 * n);
  expect(results.every((r) => r.infcode === 0)).toBe(true);
  const byMsgid = new Map(agencyMessages(ctx).map((m) => [m.msgid, m]));
  for (const r of reversals(ctx)) {
    expect(byMsgid.get(r.reversal_msgid)?.infno, r.reversal_msgid).toBe('2601');
    const orig = byMsgid.get(r.omsgid);
    // Reversed, or it never took effect (not kept, or refused) — either way not in effect.
    if (orig && orig.infcode === 0) expect(orig.reversed_by, r.omsgid).not.toBeNull();
  }
  // Every transaction but 9001 went under a sign_no the agency had issued.
  const signNos = new Set((db.prepare('SELECT sign_no FROM sign_ins').all() as { sign_no: string }[]).map((s) => s.sign_no));
  for (const m of byMsgid.values()) {
    if (m.infno === '9001') continue;
    expect(signNos.has((JSON.parse(m.request) as { sign_no: string }).sign_no), m.msgid).toBe(true);
  }
}

describe('outbox worker', () => {
  it('signs in once, sends single transactions in order per stay, and every stay is in effect once', async () => {
    const ctx = await setup();
    const chains = stays(ctx, 1, 6);
    await ctx.desk.syncWorker.drain(200);
    expectExactlyOnce(ctx, 6);
    expect(reversals(ctx)).toEqual([]);
    expect(ctx.agency.store.count('sign_ins')).toBe(1);
    const order = agencyMessages(ctx).map((m) => m.msgid);
    for (const c of chains) {
      const pos = c.msgids.map((id) => order.indexOf(id));
      expect(pos.every((p) => p >= 0)).toBe(true);
      expect(pos).toEqual([...pos].sort((a, b) => a - b));
    }
  });

  it('keeps at most `concurrency` transactions in flight', async () => {
    const ctx = await setup({ sync: { concurrency: 2 } });
    stays(ctx, 1, 6);
    ctx.agency.faults.set({ mode: 'delay', ms: 60, times: 30 });
    const w = ctx.desk.startSync();
    let most = 0;
    for (let i = 0; i < 2000 && outboxDepth(ctx.desk.db).pending > 0; i++) {
      most = Math.max(most, w.progress?.inFlight ?? 0);
      await new Promise((r) => setTimeout(r, 5));
    }
    await ctx.desk.stopSync();
    expect(most).toBe(2);
    expectExactlyOnce(ctx, 6);
  });
});

/** Faults whose outcome the desk cannot know, aimed at each state-changing transaction of a stay. */
const UNKNOWN: { name: string; spec: FaultSpec }[] = [
  { name: 'answer lost after commit (2401)', spec: { mode: 'lostAfterCommit', infno: '2401', times: 2 } },
  { name: 'answer lost after commit (2301)', spec: { mode: 'lostAfterCommit', infno: '2301', times: 2 } },
  { name: 'answer lost after commit (2402)', spec: { mode: 'lostAfterCommit', infno: '2402', times: 2 } },
  { name: 'answer lost after commit (2304)', spec: { mode: 'lostAfterCommit', infno: '2304', times: 2 } },
  { name: 'answer cut halfway (2304)', spec: { mode: 'drop', infno: '2304', times: 2 } },
  { name: 'agency died before its commit (2401)', spec: { mode: 'crashAfterAnswer', infno: '2401', times: 2 } },
  { name: 'delay beyond the client timeout (2402)', spec: { mode: 'delay', ms: 2500, infno: '2402', times: 1 } },
  { name: 'garbage answer (2301)', spec: { mode: 'garbage', infno: '2301', times: 2 } },
  { name: 'status 500 (2304)', spec: { mode: 'status500', infno: '2304', times: 2 } },
];

describe('an unknown outcome is resolved by 2601 冲正, then a new msgid', () => {
  for (const f of UNKNOWN) {
    it(f.name, async () => {
      const ctx = await setup();
      stays(ctx, 1, 3);
      ctx.agency.faults.set(f.spec);
      await ctx.desk.syncWorker.drain(500);
      expect(ctx.agency.faults.list()).toEqual([]);
      expectExactlyOnce(ctx, 3);
      const rs = reversals(ctx);
      expect(rs.length).toBeGreaterThanOrEqual(1);
      expect(rs.every((r) => r.infno === f.spec.infno)).toBe(true);
      for (const r of rs) expect(r.next_msgid).not.toBe(r.omsgid);
      // What the agency kept of the first send was taken back, or it kept nothing.
      const kept = rs.filter((r) => r.outcome === 'reversed').length;
      if (f.spec.mode === 'crashAfterAnswer') expect(kept).toBe(0);
      if (f.spec.mode === 'lostAfterCommit') expect(kept).toBe(rs.length);
    });
  }

  it('the 2601’s own answer is lost: it is sent again, “已冲正” counts as not in effect, and no second 2304 goes out meanwhile', async () => {
    const ctx = await setup();
    stays(ctx, 1, 1);
    ctx.agency.faults.set([{ mode: 'lostAfterCommit', infno: '2304', times: 1 }, { mode: 'reversalAnswerLost', times: 1 }]);
    await ctx.desk.syncWorker.drain(500);
    expectExactlyOnce(ctx, 1);
    const seq = agencyMessages(ctx).filter((m) => m.infno === '2304' || m.infno === '2601').map((m) => m.infno);
    expect(seq).toEqual(['2304', '2601', '2601', '2304']);
  });

  it('a connection refused before anything was sent is retried with the same msgid (no 冲正)', async () => {
    const ctx = await setup();
    const [c] = stays(ctx, 1, 1);
    const port = ctx.agency.port;
    await ctx.agency.close();
    ctx.desk.connectivity.online = true;
    const r = await ctx.desk.syncWorker.round();
    expect(r.retry).toBeGreaterThan(0);
    ctx.agency = await startReferenceAgency({ port, institutions: [INST] });
    seedPatients(ctx.agency.store, 5);
    await ctx.desk.syncWorker.drain(500);
    expectExactlyOnce(ctx, 1);
    expect(reversals(ctx)).toEqual([]);
    expect(agencyMessages(ctx).some((m) => m.msgid === c!.msgids[0])).toBe(true);
  });

  it('a sign-in that expired mid-run: the agency says 签到, the desk signs in again and the transaction goes through', async () => {
    const ctx = await setup();
    stays(ctx, 1, 2);
    ctx.agency.faults.set({ mode: 'signInExpired', infno: '2402', times: 1 });
    await ctx.desk.syncWorker.drain(500);
    expectExactlyOnce(ctx, 2);
    expect(ctx.agency.store.count('sign_ins')).toBe(2);
    expect(reversals(ctx)).toEqual([]);
  });
});

describe('a late original: 原交易不存在 is believed only after the in-flight grace (issue 16)', () => {
  it('the gateway holds a 2401 past the desk timeout, 2601 finds nothing, the original lands afterwards: a second 2601 at since + grace takes it back and the stay is in effect once', async () => {
    // The desk waits 1.5 s; the gateway holds the first 2401 and its first resend 2.5 s each, so each
    // lands about a second after its 2601 said 原交易不存在. Believed at once (grace 0, the old rule),
    // the resend goes while the original is still held: the original takes effect, the resend's own
    // resend is refused (在院) and parks, and the desk never learns of the admission the agency holds.
    const ctx = await setup({ sync: { inFlightGraceMs: 3000 } });
    stays(ctx, 1, 1);
    ctx.agency.faults.set({ mode: 'delay', ms: 2500, infno: '2401', times: 2 });
    await ctx.desk.syncWorker.drain(3000);
    expect(ctx.agency.faults.list()).toEqual([]);
    expectExactlyOnce(ctx, 1);
    const rs = reversals(ctx).filter((r) => r.infno === '2401');
    const early = rs.filter((r) => r.outcome === 'not-yet');
    expect(early.length).toBeGreaterThanOrEqual(1);
    for (const e of early) {
      // No resend on "not there yet"; the later 2601 of the same original found it and took it back.
      expect(e.next_msgid).toBeNull();
      expect(rs.some((r) => r.omsgid === e.omsgid && r.outcome === 'reversed')).toBe(true);
    }
    // Both held originals reached the agency's books (and were taken back): the check saw late originals.
    const held = agencyMessages(ctx).filter((m) => early.some((e) => e.omsgid === m.msgid));
    expect(held.length).toBe(early.length);
    expect(held.every((m) => m.infcode === 0 && m.reversed_by !== null)).toBe(true);
  });
});

describe('the core transactions in every gateway profile', () => {
  for (const profile of ['tif', 'plain'] as const) {
    it(`${profile}: stays are delivered once, with a lost answer resolved by 冲正`, async () => {
      const ctx = await setup({}, { profile });
      stays(ctx, 1, 2);
      ctx.agency.faults.set({ mode: 'lostAfterCommit', infno: '2304', times: 1 });
      await ctx.desk.syncWorker.drain(500);
      expectExactlyOnce(ctx, 2);
      expect(reversals(ctx)).toHaveLength(1);
    });
  }
});

describe('refusals and poison items', () => {
  it('a business refusal parks the item with the agency’s words and holds back only its stay; a re-send goes under a new msgid', async () => {
    const ctx = await setup();
    const chains = stays(ctx, 1, 3);
    const poison = chains[1]!.msgids[0];
    ctx.agency.faults.set({ mode: 'failItem', msgid: poison, times: 1 });
    await ctx.desk.syncWorker.drain(200);
    expect(findOutboxItem(ctx.desk.db, poison)).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('注入的故障') });
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    expect(ctx.agency.store.count('settlements')).toBe(2);
    ctx.desk.db.transaction((tx) => resendRejected(tx, poison));
    await ctx.desk.syncWorker.drain(200);
    expectExactlyOnce(ctx, 3);
    // The refused msgid is used up at the agency: the item went again under another.
    const sent2401 = agencyMessages(ctx).filter((m) => m.infno === '2401' && JSON.parse(m.request).input.mdtrtinfo.psn_no === 'CH0000000002');
    expect(sent2401.map((m) => m.infcode)).toEqual([0]);
    expect(sent2401[0]!.msgid).not.toBe(poison);
  });

  it('a 2401 answered with infcode 0, an error text and no mdtrt_id is a refusal, not a success: parked with the platform\'s words, a re-send goes under a new msgid (issue 14 §3)', async () => {
    const ctx = await setup();
    const [chain] = stays(ctx, 1, 1);
    const first = chain!.msgids[0];
    ctx.agency.faults.set({ mode: 'okWithoutOutput', infno: '2401', times: 1 });
    await ctx.desk.syncWorker.drain(200);
    expect(findOutboxItem(ctx.desk.db, first)).toMatchObject({ status: 'rejected', lastError: expect.stringMatching(/mdtrt_id.*服务暂不可用/) });
    expect(ctx.agency.store.count('admissions')).toBe(0);
    ctx.desk.db.transaction((tx) => resendRejected(tx, first));
    await ctx.desk.syncWorker.drain(200);
    expectExactlyOnce(ctx, 1);
  });

  it('an unknown person is refused by the agency: parked with its message, the other stay goes through', async () => {
    const ctx = await setup();
    const bad = ctx.desk.db.transaction((tx) => enqueueAdmission(tx, 9, { psn: 'NOBODY' }));
    stays(ctx, 10, 1);
    await ctx.desk.syncWorker.drain(200);
    expect(findOutboxItem(ctx.desk.db, bad.msgids[0])).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('人员编号不存在：NOBODY') });
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    expect(ctx.agency.store.count('settlements')).toBe(1);
  });

  it('a wrong tif token is the desk’s configuration: nothing is parked, the worker says what to check', async () => {
    const ctx = await setup({ agencyKey: 'wrong-key' });
    stays(ctx, 1, 1);
    const r = await ctx.desk.syncWorker.round();
    expect(r).toMatchObject({ rejected: 0, confirmed: 0 });
    expect(r.error).toMatch(/token|签名/);
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 4, rejected: 0 });
    expect(ctx.agency.store.count('admissions')).toBe(0);
  });

  it('a result handler that fails parks the item with the answer kept; a re-send runs the handler on that answer without sending again', async () => {
    const ctx = await setup();
    let failures = 1;
    const seen: string[] = [];
    ctx.hooks.onResult('2401', (_tx, env, response) => {
      if (failures-- > 0) throw new Error('磁盘已满');
      seen.push(`${env.msgid}:${response.infcode}`);
    });
    const [c] = stays(ctx, 1, 1);
    await ctx.desk.syncWorker.drain(50);
    expect(findOutboxItem(ctx.desk.db, c!.msgids[0])).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('磁盘已满') });
    expect(ctx.agency.store.count('admissions')).toBe(1);
    ctx.desk.db.transaction((tx) => resendRejected(tx, null));
    await ctx.desk.syncWorker.drain(200);
    expect(seen).toHaveLength(1);
    expectExactlyOnce(ctx, 1);
    expect(agencyMessages(ctx).filter((m) => m.infno === '2401')).toHaveLength(1);
  });
});

describe('restarts, stop, offline', () => {
  it('the desk dies with a 2401 in flight; the new desk does not send that msgid blindly again: 2601 first, then a new msgid — once', async () => {
    const ctx = await setup();
    stays(ctx, 1, 2);
    ctx.agency.faults.set({ mode: 'delay', ms: 400, infno: '2401', times: 1 });
    const inFlight = ctx.desk.syncWorker.round().catch(() => undefined);
    for (let i = 0; i < 400 && ctx.agency.faults.list().length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    ctx.desk.close();
    await inFlight;
    // Let the agency finish the delayed transaction the dead desk had sent.
    await new Promise((r) => setTimeout(r, 500));
    const desk2 = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url, sync: { hooks: ctx.hooks, backoffBaseMs: 5, idleMs: 20, inFlightGraceMs: 100 } });
    ctx.desk = desk2;
    await desk2.syncWorker.drain(500);
    expectExactlyOnce(ctx, 2);
    // Resolved from the write-ahead mark, not from a 报文ID重复 the real platform would not give.
    const reasons = ctx.desk.db.$client.prepare(`SELECT reason FROM outbox_reversals WHERE infno = '2401'`).all() as { reason: string }[];
    expect(reasons.map((r) => r.reason)).toContain('发送后本机中断，结果未知');
  });

  it('a round cut short (offline) leaves a dead desk\'s write-ahead mark on the items it did not reach: they are resolved by 2601, never sent blindly', async () => {
    const ctx = await setup({ sync: { concurrency: 1 } });
    const [, second] = stays(ctx, 1, 2);
    // The second stay's 2401 was on the wire when an earlier desk died: its mark is there before this round picks it.
    ctx.desk.db.transaction((tx) => armUnknownOutcome(tx, second!.msgids[0], second!.msgids[0], '2026-01-01T00:00:00.000Z'));
    // The first send of the round is cut: the lane stops, the second stay's item is left untouched.
    ctx.agency.faults.set({ mode: 'refuse', times: 1 });
    const r = await ctx.desk.syncWorker.round();
    expect(r.sent).toBe(1);
    expect(findOutboxItem(ctx.desk.db, second!.msgids[0])!.reversal).toContain('"armed":true');
    ctx.agency.faults.clear();
    await ctx.desk.syncWorker.drain(500);
    expectExactlyOnce(ctx, 2);
    // Its original msgid reached the agency only as the omsgid of a 2601, and the item went under a new one.
    const rs = reversals(ctx).filter((x) => x.item_msgid === second!.msgids[0]);
    expect(rs).toMatchObject([{ omsgid: second!.msgids[0], outcome: 'not-in-effect' }]);
    expect(agencyMessages(ctx).some((m) => m.msgid === second!.msgids[0])).toBe(false);
  });

  it('graceful stop waits for the transactions in flight and stores their answers', async () => {
    const ctx = await setup();
    stays(ctx, 1, 3);
    ctx.agency.faults.set({ mode: 'delay', ms: 300, times: 3 });
    const w = ctx.desk.startSync();
    for (let i = 0; i < 400 && (w.progress?.inFlight ?? 0) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(w.progress?.inFlight).toBeGreaterThan(0);
    await ctx.desk.stopSync();
    expect(w.running).toBe(false);
    const sending = ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'sending'`).get() as { n: number };
    expect(sending.n).toBe(0);
    expect((ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM outbox_results').get() as { n: number }).n).toBeGreaterThan(0);
  });

  it('offline: the worker backs off and only pings; when the agency is back it delivers everything once', async () => {
    const ctx = await setup({}, { agencyFile: true });
    const port = ctx.agency.port;
    await ctx.agency.close();
    stays(ctx, 1, 2);
    const w = ctx.desk.startSync();
    for (let i = 0; i < 400 && ctx.desk.connectivity.online !== false; i++) await new Promise((r) => setTimeout(r, 5));
    expect(ctx.desk.connectivity.online).toBe(false);
    expect(w.lastError).toMatch(/拒绝连接|离线/);
    ctx.agency = await startReferenceAgency({ port, dbFile: ctx.agencyDb, institutions: [INST] });
    for (let i = 0; i < 1000 && outboxDepth(ctx.desk.db).pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await ctx.desk.stopSync();
    expect(ctx.desk.connectivity.online).toBe(true);
    expectExactlyOnce(ctx, 2);
  });
});

describe('progress and runNow', () => {
  it('progress counts what can move; items held behind a rejected head do not keep a progress bar up; runNow answers while offline', async () => {
    const ctx = await setup();
    const [c] = stays(ctx, 1, 2);
    ctx.agency.faults.set({ mode: 'failItem', msgid: c!.msgids[0], times: 1 });
    const w = ctx.desk.syncWorker;
    await w.round();
    expect(w.progress).toMatchObject({ total: 8 });
    await w.drain(100);
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    expect(w.progress).toBeNull();

    await ctx.agency.close();
    ctx.desk.connectivity.online = false;
    w.start();
    const r = await w.runNow();
    expect(r).toMatchObject({ sent: 0, error: expect.stringContaining('离线') });
  });
});
