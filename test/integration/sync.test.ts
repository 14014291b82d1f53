import { describe, expect, it, onTestFinished } from 'vitest';
import { outboxDepth, findOutboxItem, resendRejected } from '../../db/repos/outbox.ts';
import { Desk, type DeskOptions } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency, type FaultSpec, type ReferenceAgency } from '../agency/server.ts';
import { enqueueAdmission, enqueueSignIns, installAdmissionHooks, INST, seedPatients, tmpDir } from '../support/syncFixtures.ts';

interface Ctx {
  agency: ReferenceAgency;
  desk: Desk;
  dataDir: string;
  agencyDb: string;
}

async function setup(options: Partial<DeskOptions> = {}, agencyFile = false): Promise<Ctx> {
  const dir = tmpDir();
  const agencyDb = `${dir}/agency.sqlite`;
  const agency = await startReferenceAgency({ port: 0, institutions: [INST], ...(agencyFile ? { dbFile: agencyDb } : {}) });
  seedPatients(agency.store, 40);
  const dataDir = `${dir}/desk`;
  const desk = await Desk.open({
    dataDir, demo: true, agencyUrl: agency.url, agencyTimeoutMs: 1500,
    sync: { backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20, offlineProbeMs: 20, random: () => 0.5 },
    ...options,
  });
  const ctx: Ctx = { agency, desk, dataDir, agencyDb };
  onTestFinished(async () => {
    await ctx.desk.stopSync();
    ctx.desk.close();
    await ctx.agency.close();
  });
  return ctx;
}

/** Every message once at the agency, every item confirmed at the desk, nothing left in the outbox. */
function expectExactlyOnce(ctx: Ctx, msgids: string[]): void {
  const stored = ctx.agency.store.db.prepare('SELECT msgid, response FROM messages').all() as { msgid: string; response: string }[];
  expect(stored.map((m) => m.msgid).sort()).toEqual([...msgids].sort());
  for (const m of stored) expect(JSON.parse(m.response), m.response).toMatchObject({ infcode: 0 });
  expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 0, rejected: 0 });
  const results = ctx.desk.db.$client.prepare('SELECT msgid, infcode FROM outbox_results').all() as { msgid: string; infcode: number }[];
  expect(results.map((r) => r.msgid).sort()).toEqual([...msgids].sort());
  expect(results.every((r) => r.infcode === 0)).toBe(true);
}

function signIns(ctx: Ctx, n: number): string[] {
  return ctx.desk.db.transaction((tx) => enqueueSignIns(tx, n));
}

describe('outbox worker', () => {
  it('delivers a queue in batches by count, confirms each answer by its echo, and empties the outbox', async () => {
    const ctx = await setup({ sync: { maxItems: 7, backoffBaseMs: 5, idleMs: 20 } });
    const ids = signIns(ctx, 30);
    const w = ctx.desk.syncWorker;
    const first = await w.round();
    expect(first).toMatchObject({ sent: 7, awaiting: 7, confirmed: 0 });
    // Nothing leaves the outbox on the first answer: the repeat must get the same answer back.
    expect(outboxDepth(ctx.desk.db).pending).toBe(30);
    await w.drain(100);
    expectExactlyOnce(ctx, ids);
    expect(ctx.agency.store.count('sign_ins')).toBe(30);
  });

  it('splits batches by bytes', async () => {
    const ctx = await setup({ sync: { maxItems: 100, maxBytes: 1500 } });
    signIns(ctx, 5);
    const r = await ctx.desk.syncWorker.round();
    expect(r.sent).toBeGreaterThan(0);
    expect(r.sent).toBeLessThan(5);
  });
});

const FAULTS: { name: string; spec: FaultSpec }[] = [
  { name: 'refuse', spec: { mode: 'refuse', times: 3 } },
  { name: 'delay beyond the client timeout', spec: { mode: 'delay', ms: 2500, times: 2 } },
  { name: 'drop mid-answer', spec: { mode: 'drop', times: 3 } },
  { name: 'status500', spec: { mode: 'status500', times: 3 } },
  { name: 'garbage', spec: { mode: 'garbage', times: 3 } },
  { name: 'crashAfterAnswer', spec: { mode: 'crashAfterAnswer', times: 2 } },
];

describe('fault injection: each ends with exactly-once delivery', () => {
  for (const f of FAULTS) {
    it(`${f.name}`, async () => {
      const ctx = await setup();
      const ids = signIns(ctx, 12);
      ctx.agency.faults.set({ ...f.spec, path: '/api/batch' });
      const r = await ctx.desk.syncWorker.drain(500);
      expect(r.pending).toBe(0);
      expect(ctx.agency.faults.list()).toEqual([]);
      expectExactlyOnce(ctx, ids);
      expect(ctx.agency.store.count('sign_ins')).toBe(12);
    });
  }

  it('failItem: that item is parked with the agency message, the rest is delivered; a re-send (same msgid) delivers it once', async () => {
    const ctx = await setup();
    const ids = signIns(ctx, 6);
    ctx.agency.faults.set({ mode: 'failItem', msgid: ids[2]!, times: 1 });
    await ctx.desk.syncWorker.drain(100);
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 0, rejected: 1 });
    expect(findOutboxItem(ctx.desk.db, ids[2]!)).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('注入的故障') });
    expect(ctx.agency.store.count('sign_ins')).toBe(5);
    expect(ctx.desk.db.transaction((tx) => resendRejected(tx, ids[2]!))).toEqual([ids[2]]);
    await ctx.desk.syncWorker.drain(100);
    expectExactlyOnce(ctx, ids);
    expect(ctx.agency.store.count('sign_ins')).toBe(6);
  });

  it('crashAfterAnswer with confirm "once" loses the message — why the worker confirms by echo', async () => {
    const ctx = await setup({ sync: { confirm: 'once', backoffBaseMs: 5, idleMs: 20 } });
    signIns(ctx, 3);
    ctx.agency.faults.set({ mode: 'crashAfterAnswer', times: 1 });
    await ctx.desk.syncWorker.drain(10);
    expect(outboxDepth(ctx.desk.db).pending).toBe(0);
    expect(ctx.agency.store.count('messages')).toBe(0);
  });
});

describe('order and poison items', () => {
  it('an admission’s messages reach the agency in insertion order (2401 → 2301 → 2402 → 2304), one head per order_key per batch', async () => {
    const hooks = new SyncHooks();
    const ctx = await setup({ sync: { hooks, backoffBaseMs: 5, idleMs: 20 } });
    installAdmissionHooks(hooks);
    const chains = ctx.desk.db.transaction((tx) => [1, 2, 3, 4].map((n) => enqueueAdmission(tx, n)));
    const r = await ctx.desk.syncWorker.round();
    expect(r.sent).toBe(4);
    await ctx.desk.syncWorker.drain(200);
    expectExactlyOnce(ctx, chains.flatMap((c) => c.msgids));
    const order = (ctx.agency.store.db.prepare('SELECT msgid FROM messages ORDER BY rowid').all() as { msgid: string }[]).map((m) => m.msgid);
    for (const c of chains) {
      const pos = c.msgids.map((id) => order.indexOf(id));
      expect(pos).toEqual([...pos].sort((a, b) => a - b));
    }
    expect(ctx.agency.store.count('settlements')).toBe(4);
  });

  it('a poison item blocks only its own order_key; the rest of the queue is delivered; after a re-send its followers go in order', async () => {
    const hooks = new SyncHooks();
    const ctx = await setup({ sync: { hooks, backoffBaseMs: 5, idleMs: 20 } });
    installAdmissionHooks(hooks);
    const chains = ctx.desk.db.transaction((tx) => [1, 2, 3].map((n) => enqueueAdmission(tx, n)));
    const others = signIns(ctx, 5);
    const poison = chains[1]!.msgids[0];
    ctx.agency.faults.set({ mode: 'failItem', msgid: poison, times: 1 });
    await ctx.desk.syncWorker.drain(200);
    expect(findOutboxItem(ctx.desk.db, poison)?.status).toBe('rejected');
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    // Everyone else went through; the poisoned admission's discharge and settlement never left.
    expect(ctx.agency.store.count('settlements')).toBe(2);
    expect(ctx.agency.store.count('sign_ins')).toBe(5);
    for (const id of chains[1]!.msgids) expect(ctx.agency.store.message(id)).toBeUndefined();
    ctx.desk.db.transaction((tx) => resendRejected(tx, poison));
    await ctx.desk.syncWorker.drain(200);
    expectExactlyOnce(ctx, [...chains.flatMap((c) => c.msgids), ...others]);
    expect(ctx.agency.store.count('settlements')).toBe(3);
  });

  it('a business refusal is parked with the agency’s own message, and holds back only its admission', async () => {
    const hooks = new SyncHooks();
    const ctx = await setup({ sync: { hooks, backoffBaseMs: 5, idleMs: 20 } });
    installAdmissionHooks(hooks);
    const bad = ctx.desk.db.transaction((tx) => enqueueAdmission(tx, 9, { psn: 'NOBODY' }));
    const good = ctx.desk.db.transaction((tx) => enqueueAdmission(tx, 10));
    await ctx.desk.syncWorker.drain(200);
    expect(findOutboxItem(ctx.desk.db, bad.msgids[0])).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('人员编号不存在：NOBODY') });
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    for (const id of good.msgids) expect(ctx.agency.store.message(id)).toBeDefined();
  });
});

describe('restarts, stop, offline', () => {
  it('the desk dies with a batch in flight; a new desk on the same files re-sends the same msgids and the agency holds each once', async () => {
    const ctx = await setup();
    const ids = signIns(ctx, 10);
    ctx.agency.faults.set({ mode: 'delay', ms: 400, times: 1 });
    const inFlight = ctx.desk.syncWorker.round().catch(() => undefined);
    // Wait (bounded) until the request is on the wire, then pull the database from under it.
    for (let i = 0; i < 200 && ctx.agency.faults.list().length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    ctx.desk.close();
    await inFlight;
    const desk2 = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url, sync: { backoffBaseMs: 5, idleMs: 20 } });
    ctx.desk = desk2;
    expect(outboxDepth(desk2.db).pending).toBe(10);
    await desk2.syncWorker.drain(100);
    expectExactlyOnce(ctx, ids);
  });

  it('graceful stop waits for the batch in flight and stores its answer', async () => {
    const ctx = await setup();
    signIns(ctx, 4);
    ctx.agency.faults.set({ mode: 'delay', ms: 300, times: 1 });
    const w = ctx.desk.startSync();
    for (let i = 0; i < 400 && (w.progress?.inFlight ?? 0) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(w.progress?.inFlight).toBe(4);
    await ctx.desk.stopSync();
    expect(w.running).toBe(false);
    const rows = ctx.desk.db.$client.prepare('SELECT answer FROM outbox').all() as { answer: string | null }[];
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.answer !== null)).toBe(true);
  });

  it('offline: the worker backs off and only pings; when the agency is back it delivers everything once', async () => {
    const ctx = await setup({}, true);
    const port = ctx.agency.port;
    await ctx.agency.close();
    const ids = signIns(ctx, 8);
    const w = ctx.desk.startSync();
    for (let i = 0; i < 400 && ctx.desk.connectivity.online !== false; i++) await new Promise((r) => setTimeout(r, 5));
    expect(ctx.desk.connectivity.online).toBe(false);
    expect(w.lastError).toMatch(/拒绝连接|离线/);
    ctx.agency = await startReferenceAgency({ port, dbFile: ctx.agencyDb, institutions: [INST] });
    for (let i = 0; i < 1000 && outboxDepth(ctx.desk.db).pending > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await ctx.desk.stopSync();
    expect(ctx.desk.connectivity.online).toBe(true);
    expectExactlyOnce(ctx, ids);
  });

  it('a wrong institution key is the desk’s configuration: nothing is parked, the worker says what to check', async () => {
    const ctx = await setup({ agencyKey: 'wrong-key' });
    signIns(ctx, 3);
    const r = await ctx.desk.syncWorker.round();
    expect(r).toMatchObject({ sent: 3, retry: 3, rejected: 0 });
    expect(r.error).toContain('密钥');
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 0 });
  });

  it('a result handler that fails parks the item (the agency has it); a re-send answers from the agency store and runs the handler again', async () => {
    const hooks = new SyncHooks();
    const ctx = await setup({ sync: { hooks, backoffBaseMs: 5, idleMs: 20 } });
    let failures = 1;
    const seen: string[] = [];
    hooks.onResult('9001', (_tx, env, response) => {
      if (failures-- > 0) throw new Error('磁盘已满');
      seen.push(`${env.msgid}:${response.infcode}`);
    });
    const ids = signIns(ctx, 1);
    await ctx.desk.syncWorker.drain(20);
    expect(findOutboxItem(ctx.desk.db, ids[0]!)).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('磁盘已满') });
    ctx.desk.db.transaction((tx) => resendRejected(tx, null));
    await ctx.desk.syncWorker.drain(20);
    expect(seen).toEqual([`${ids[0]}:0`]);
    expectExactlyOnce(ctx, ids);
  });
});

describe('progress and runNow', () => {
  it('progress counts what can move; items held behind a rejected head do not keep a progress bar up; runNow answers while offline', async () => {
    const hooks = new SyncHooks();
    const ctx = await setup({ sync: { hooks, backoffBaseMs: 5, idleMs: 20, offlineProbeMs: 20 } });
    installAdmissionHooks(hooks);
    const chain = ctx.desk.db.transaction((tx) => enqueueAdmission(tx, 1));
    signIns(ctx, 3);
    ctx.agency.faults.set({ mode: 'failItem', msgid: chain.msgids[0], times: 1 });
    const w = ctx.desk.syncWorker;
    await w.round();
    expect(w.progress).toMatchObject({ total: 7, done: 0 });
    await w.drain(50);
    expect(outboxDepth(ctx.desk.db)).toEqual({ pending: 3, rejected: 1 });
    expect(w.progress).toBeNull();

    await ctx.agency.close();
    ctx.desk.connectivity.online = false;
    w.start();
    const r = await w.runNow();
    expect(r).toMatchObject({ sent: 0, error: expect.stringContaining('离线') });
  });
});
