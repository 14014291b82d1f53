import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareClaimTotals, monthlyFundTotals } from '../../db/repos/claims.ts';
import { Desk } from '../../electron/services/desk.ts';
import { fromFen, toText } from '../../shared/money.ts';
import { reverseStay, settleStay } from '../support/claimFixtures.ts';

/**
 * Issue 12 point 6: the SQL sums of money in db/repos/claims.ts add integer fen, not REAL. A
 * double holds integers exactly only up to 2^53 (9007199254740992 fen): 90071992547409.93 yuan is
 * 9007199254740993 fen, which REAL rounds to …992 — one fen lost. Real SQLite file, real rows.
 */

const dirs: string[] = [];
const desks: Desk[] = [];
afterEach(() => {
  for (const d of desks.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function desk(): Promise<Desk> {
  const dir = mkdtempSync(join(tmpdir(), 'yidi-sums-'));
  dirs.push(dir);
  const d = await Desk.open({ dataDir: dir, demo: true, agencyUrl: 'http://127.0.0.1:9' });
  desks.push(d);
  return d;
}

const BIG = '90071992547409.93';

describe('claim sums in integer fen', () => {
  it('monthly fund totals keep every fen of an amount beyond 2^53 fen, and of negative reversals', async () => {
    const d = await desk();
    settleStay(d, { settledOn: '2026-10-05', medfee: BIG, funds: [['310100', BIG]], acct: '0.00' });
    const small = settleStay(d, { settledOn: '2026-10-06', medfee: '100.07', funds: [['310100', '12.34']], acct: '0.05' });
    reverseStay(d, small, '2026-10-07');
    settleStay(d, { settledOn: '2026-10-08', medfee: '100.07', funds: [['310100', '12.34']], acct: '0.05' });

    const rows = monthlyFundTotals(d.db, '2026-10-01', '2026-10-31');
    const fund = rows.find((r) => r.month === '2026-10' && r.fundPayType === '310100');
    // BIG + 12.34 − 12.34 + 12.34
    expect(toText(fromFen(fund!.fen))).toBe('90071992547422.27');
    expect(fund!.fen).toBe(9007199254742227n);
    const acct = rows.find((r) => r.month === '2026-10' && r.fundPayType === '310200');
    expect(toText(fromFen(acct!.fen))).toBe('0.05');
  });

  it('the bare GROUP BY totals are exact too', async () => {
    const d = await desk();
    settleStay(d, { settledOn: '2026-10-05', medfee: BIG, funds: [['310100', BIG]] });
    const [row] = bareClaimTotals(d.db, '2026-10-01', '2026-10-31');
    expect(row).toMatchObject({ n: 1, medfee: 9007199254740993n, fund: 9007199254740993n });
  });
});
