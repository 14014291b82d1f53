import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { findOutboxItem, outboxDepth, resendRejected } from '../../db/repos/outbox.ts';
import { Desk } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { enqueueAdmission, installAdmissionHooks, INST, seedPatients, tmpDir } from '../support/syncFixtures.ts';

/**
 * sync.10k: answers that arrive in the same turn are committed together (group commit in
 * electron/sync/outboxWorker.ts), each in its own savepoint — a handler that fails parks only its
 * own item with the answer kept, the others' results and removals are durable in the same commit.
 */
/** A demo desk whose worker sends four at a time to a reference agency with eight patients; closed after the test. */
async function openDeskWithAgency() {
  const dir = tmpDir();
  const agency = await startReferenceAgency({ port: 0, institutions: [INST], profile: 'tif' });
  seedPatients(agency.store, 8);
  const hooks = new SyncHooks();
  installAdmissionHooks(hooks);
  const desk = await Desk.open({ dataDir: `${dir}/desk`, demo: true, agencyUrl: agency.url, sync: { hooks, concurrency: 4, backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20, random: () => 0.5 } });
  onTestFinished(async () => {
    await desk.stopSync();
    desk.close();
    await agency.close();
  });
  return { agency, hooks, desk };
}

describe('group commit of answers', () => {
  it('stores four answers of one turn in one transaction; the one whose handler fails is parked alone with its answer', async () => {
    const { agency, hooks, desk } = await openDeskWithAgency();
    let failing: Set<string> | 'all' = 'all';
    const seen: string[] = [];
    hooks.onResult('2401', (_tx, env) => {
      if (failing === 'all' || failing.has(env.msgid)) throw new Error('磁盘已满');
      seen.push(env.msgid);
    });
    const stays = desk.db.transaction((tx) => Array.from({ length: 4 }, (_, i) => enqueueAdmission(tx, i + 1)));
    const heads = stays.map((s) => s.msgids[0]);
    // First every 2401 answer is parked with the answer kept (the agency has the four admissions).
    await desk.syncWorker.round();
    for (const m of heads) expect(findOutboxItem(desk.db, m)).toMatchObject({ status: 'rejected' });
    expect(agency.store.count('admissions')).toBe(4);

    // Re-sent, the four kept answers are stored without the network, all four in the same turn.
    failing = new Set([heads[2]!]);
    desk.db.transaction((tx) => resendRejected(tx, null));
    const transactions = vi.spyOn(desk.db, 'transaction');
    const report = await desk.syncWorker.round();
    const calls = transactions.mock.calls.length;
    transactions.mockRestore();
    expect(report).toMatchObject({ sent: 4, confirmed: 3, rejected: 1 });
    // One to pick the round's items, one for the four answers (it was one per answer).
    expect(calls).toBe(2);
    expect(seen.sort()).toEqual([heads[0], heads[1], heads[3]].sort());
    expect(findOutboxItem(desk.db, heads[2]!)).toMatchObject({ status: 'rejected', lastError: expect.stringContaining('磁盘已满') });
    for (const m of [heads[0], heads[1], heads[3]]) expect(findOutboxItem(desk.db, m!)).toBeUndefined();

    // The parked one goes through on its kept answer; nothing is sent twice.
    failing = new Set();
    desk.db.transaction((tx) => resendRejected(tx, null));
    await desk.syncWorker.drain(200);
    expect(outboxDepth(desk.db)).toEqual({ pending: 0, rejected: 0 });
    expect(agency.store.count('admissions')).toBe(4);
    const admissions = agency.store.db.prepare(`SELECT count(*) AS n FROM messages WHERE infno = '2401'`).get() as { n: number };
    expect(admissions.n).toBe(4);
  });

  it('a group commit that fails writes nothing; each answer is then stored in a transaction of its own', async () => {
    const { agency, hooks, desk } = await openDeskWithAgency();
    let fail = true;
    const seen: string[] = [];
    hooks.onResult('2401', (_tx, env) => {
      if (fail) throw new Error('磁盘已满');
      seen.push(env.msgid);
    });
    const heads = desk.db.transaction((tx) => Array.from({ length: 4 }, (_, i) => enqueueAdmission(tx, i + 1).msgids[0]));
    await desk.syncWorker.round();
    fail = false;
    desk.db.transaction((tx) => resendRejected(tx, null));
    // The second outer transaction of the round is the group's: it fails as a full disk would at commit.
    const real = desk.db.transaction.bind(desk.db);
    let n = 0;
    const transactions = vi.spyOn(desk.db, 'transaction').mockImplementation(((fn: Parameters<typeof real>[0]) => {
      if (++n === 2) throw new Error('SQLITE_FULL');
      return real(fn);
    }) as typeof real);
    const report = await desk.syncWorker.round();
    transactions.mockRestore();
    expect(n).toBe(1 + 1 + 4);
    expect(report).toMatchObject({ sent: 4, confirmed: 4, rejected: 0 });
    expect(seen.sort()).toEqual([...heads].sort());
    for (const m of heads) expect(findOutboxItem(desk.db, m)).toBeUndefined();
    await desk.syncWorker.drain(200);
    expect(outboxDepth(desk.db)).toEqual({ pending: 0, rejected: 0 });
    expect((agency.store.db.prepare(`SELECT count(*) AS n FROM messages WHERE infno = '2401'`).get() as { n: number }).n).toBe(4);
  });
});
