import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareClaimTotals } from '../../db/repos/claims.ts';
import { claimInputOf, gatherClaim } from '../../electron/services/claim/gather.ts';
import { claimPolicy } from '../../electron/services/claim/policy.ts';
import { previewOf } from '../../electron/services/claim/views.ts';
import { Desk } from '../../electron/services/desk.ts';
import { buildClaim } from '../../shared/claim.ts';
import { Decimal, toText } from '../../shared/money.ts';
import { settleMany } from '../support/claimFixtures.ts';
import { timeFigure, timeMs, type Figure } from './harness.ts';

const N = 20_000;

/**
 * claim.20k: the claim of a 20,000-settlement month through the service (the rows read from
 * SQLite with their claim and deferral state, the engine input, buildClaim, the preview with its
 * 3203 lines) against a bare SQL GROUP BY of the period's totals per scheme × scope (issue 7's
 * baseline); claim.20k.engine: the same service time against the bare buildClaim on the input
 * already parsed (what reading and viewing add to the engine).
 */
export async function benchClaim20k(): Promise<Figure[]> {
  const desk = await Desk.open({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-bench-claim-')), demo: true });
  try {
    settleMany(desk, Array.from({ length: N }, (_, i) => {
      const patient = i % 4;
      return {
        patient, settledOn: `2026-10-${String(1 + (i % 31)).padStart(2, '0')}`, medfee: toText(new Decimal(1000 + (i % 997)).plus(new Decimal(i % 100).dividedBy(100))),
        funds: [[patient === 2 ? '390100' : '310100', toText(new Decimal(500 + (i % 313)))]] as [string, string][], acct: patient === 2 ? '0.00' : String(i % 3),
      };
    }));
    const db = desk.db;
    const today = '2026-11-03';
    const service = timeMs(() => {
      const g = gatherClaim(db, '2026-10', today);
      if (previewOf(db, g).itemCount !== N) throw new Error('claim.20k: wrong item count');
    }, 1, 3);
    const { input } = claimInputOf(db, '2026-10', today, claimPolicy(db));
    const bare = timeMs(() => {
      if (buildClaim(input).claims.length === 0) throw new Error('claim.20k: empty claim');
    }, 1, 3);
    const sql = timeMs(() => {
      if (bareClaimTotals(db, '2026-10-01', '2026-10-31').length === 0) throw new Error('claim.20k: empty group by');
    }, 3, 3);
    return [timeFigure('claim.20k', service, sql), timeFigure('claim.20k.engine', service, bare)];
  } finally {
    desk.close();
  }
}
