import { expect, it } from 'vitest';
import { runChaos } from './chaos.ts';

// The short chaos run of `npm test`; `npm run test:chaos` runs hundreds of kills (test/chaos/run.ts).
it('chaos: SIGKILL the desk ~20 times (and the agency now and then) while it writes and syncs stays — every message exactly once, outbox empty', async () => {
  const report = await runChaos({ kills: 20, admissions: 40, agencyEvery: 4 });
  expect(report).toMatchObject({ kills: 20, admissions: 40, messages: 160, settlements: 40 });
}, 600_000);
