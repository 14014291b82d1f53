import { expect, it } from 'vitest';
import { runChaos } from './chaos.ts';

// The short chaos run of `npm test`; `npm run test:chaos` runs hundreds of kills (test/chaos/run.ts).
it('chaos: SIGKILL the desk ~20 times (and the agency now and then) under the platform faults — every stay and outpatient visit (2201/2203/2204/2207, whole refunds 2208, partial refunds 2208/2205/2204/2207) in effect exactly once, every unknown outcome taken back by 2601, outbox empty', async () => {
  const report = await runChaos({ kills: 20, admissions: 40, visits: 12, agencyEvery: 4 });
  // 40 stays × 4 messages; 12 visits × 4, the 2208 of visits 3, 6, 9, 12 and the four of the partial
  // refunds of visits 1, 4, 7, 10 — whose second 2207 makes 16 settlements, and whose 2208 makes 8 refunds.
  expect(report).toMatchObject({ kills: 20, admissions: 40, visits: 12, messages: 228, settlements: 40, visitSettlements: 16, visitRefunds: 8, visitPartialRefunds: 4 });
  expect(report.faults).toBeGreaterThan(0);
  // Faults that lose answers after commit were armed: some originals must have been taken back.
  expect(report.reversals).toBeGreaterThan(0);
}, 600_000);
