import { getSetting, setSetting } from '../../db/repos/institution.ts';
import { outboxDepth, listRejected } from '../../db/repos/outbox.ts';
import { Desk } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { enqueueAdmission, installAdmissionHooks } from '../support/syncFixtures.ts';
import { enqueueVisit, installVisitHooks } from '../support/visitFixtures.ts';

/**
 * The chaos test's desk: a separate process that writes whole stays (2401 → 2301 → 2402 → 2304,
 * one transaction each, like the real services) and outpatient visits (2201 → 2203 → 2204 → 2207,
 * every third with its 2208 refund, another third refunded in part: test/support/visitFixtures.ts) and syncs them at the same time,
 * until CHAOS_ADMISSIONS stays and CHAOS_VISITS visits exist and the outbox is empty. The parent SIGKILLs it at random points
 * and starts it again; everything it needs to continue is in its SQLite file.
 *
 * Env: CHAOS_DATA_DIR, CHAOS_AGENCY_URL, CHAOS_ADMISSIONS, CHAOS_VISITS (default 0; visit k is person CHAOS_ADMISSIONS + k). Prints READY once syncing, DONE at the end.
 */
const dataDir = process.env.CHAOS_DATA_DIR;
const agencyUrl = process.env.CHAOS_AGENCY_URL;
const target = Number(process.env.CHAOS_ADMISSIONS ?? '50');
const visitTarget = Number(process.env.CHAOS_VISITS ?? '0');
if (!dataDir || !agencyUrl || !Number.isInteger(target) || target < 1) {
  process.stderr.write('CHAOS_DATA_DIR, CHAOS_AGENCY_URL and CHAOS_ADMISSIONS are required\n');
  process.exit(2);
}

// Its own hook registry: the synthetic stays carry their mdtrt_id references for these hooks only,
// not for the admission and settlement modules' hooks in the process-wide registry.
const hooks = new SyncHooks();
installAdmissionHooks(hooks);
installVisitHooks(hooks);
// No inFlightGraceMs: the desk's default (twice the 3 s timeout) outlasts the 3.5 s the 'delay' fault
// holds a request, so a 原交易不存在 that a held original follows is never believed (chaos.ts, late originals).
const desk = await Desk.open({
  dataDir, demo: true, agencyUrl, agencyTimeoutMs: 3000,
  sync: { hooks, maxItems: 25, backoffBaseMs: 20, backoffMaxMs: 300, idleMs: 20, offlineProbeMs: 50 },
});
const worker = desk.startSync();
process.stdout.write('READY\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Bounded: enough iterations for the stays to be written and delivered even with an agency that comes and goes.
for (let i = 0; i < 200_000; i++) {
  const done = Number(getSetting(desk.db, 'chaos.enqueued') ?? '0');
  const visits = Number(getSetting(desk.db, 'chaos.visits') ?? '0');
  if (done < target || visits < visitTarget) {
    const n = Math.min(target - done, 1 + Math.floor(Math.random() * 3));
    const m = Math.min(visitTarget - visits, Math.floor(Math.random() * 2));
    desk.db.transaction((tx) => {
      for (let k = 1; k <= n; k++) enqueueAdmission(tx, done + k);
      for (let k = 1; k <= m; k++) enqueueVisit(tx, visits + k, target + visits + k);
      setSetting(tx, 'chaos.enqueued', String(done + n));
      setSetting(tx, 'chaos.visits', String(visits + m));
    });
    worker.notify();
  } else {
    const depth = outboxDepth(desk.db);
    if (depth.rejected > 0) {
      process.stdout.write(`REJECTED ${JSON.stringify(listRejected(desk.db, 5))}\n`);
      process.exit(3);
    }
    if (depth.pending === 0) break;
  }
  await sleep(Math.floor(Math.random() * 25));
}
await desk.stopSync();
desk.close();
process.stdout.write('DONE\n');
