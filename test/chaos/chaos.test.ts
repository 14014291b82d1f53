import { expect, it } from 'vitest';
import { runChaos } from './chaos.ts';

// The short chaos run of `npm test`; `npm run test:chaos` runs hundreds of kills (test/chaos/run.ts).
it('chaos: SIGKILL the desk ~20 times (and the agency now and then) under the platform faults — every stay and outpatient visit (2201/2203/2204/2207, refunds 2208) in effect exactly once, every unknown outcome taken back by 2601, outbox empty', async () => {
  const report = await runChaos({ kills: 20, admissions: 40, visits: 12, agencyEvery: 4 });
  // 40 stays × 4 messages; 12 visits × 4 and the 2208 of visits 3, 6, 9, 12.
  expect(report).toMatchObject({ kills: 20, admissions: 40, visits: 12, messages: 212, settlements: 40, visitSettlements: 12, visitRefunds: 4 });
  expect(report.faults).toBeGreaterThan(0);
  // Faults that lose answers after commit were armed: some originals must have been taken back.
  expect(report.reversals).toBeGreaterThan(0);
}, 600_000);
