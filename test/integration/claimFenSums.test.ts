import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { insertClaim, insertDeferral } from '../../db/repos/claims.ts';
import { insertAgencyResult } from '../../db/repos/settlements.ts';
import { claimInputOf, gatherClaim } from '../../electron/services/claim/gather.ts';
import { claimPolicy } from '../../electron/services/claim/policy.ts';
import { Desk } from '../../electron/services/desk.ts';
import { ServiceError } from '../../electron/services/errors.ts';
import { buildClaim, type ClaimResult } from '../../shared/claim.ts';
import { reverseStay, settleMany, settleStay } from '../support/claimFixtures.ts';

/**
 * claim.20k: gatherClaim sums the lines' stored amounts as integer fen (storedFen) instead of a
 * Decimal per amount. Its claim must be the one buildClaim makes from every amount parsed with
 * parseAmount (claimInputOf, the engine's input of CLI.md) — on negatives, zeros, sums past
 * 2^53 fen, claimed, deferred and agency-figured items, and stored texts not in toText's form.
 */

const dirs: string[] = [];
const desks: Desk[] = [];
afterEach(() => {
  for (const d of desks.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function desk(): Promise<Desk> {
  const dir = mkdtempSync(join(tmpdir(), 'yidi-fensums-'));
  dirs.push(dir);
  const d = await Desk.open({ dataDir: dir, demo: true, agencyUrl: 'http://127.0.0.1:9' });
  desks.push(d);
  return d;
}

const TODAY = '2026-11-03';

function byDecimals(d: Desk, period: string): ClaimResult {
  return buildClaim(claimInputOf(d.db, period, TODAY, claimPolicy(d.db)).input);
}

function line(r: ClaimResult, scheme: string) {
  const l = r.claims.find((c) => c.scheme === scheme);
  if (!l) throw new Error(`no line ${scheme}`);
  return l;
}

describe('the claim sums in integer fen', () => {
  it('equal the Decimal sums: reversals, zero amounts, claimed, deferred and agency-figured items', async () => {
    const d = await desk();
    const a = settleStay(d, { patient: 0, settledOn: '2026-10-02', medfee: '1000.07', funds: [['310100', '600.03']], acct: '0.05' });
    settleStay(d, { patient: 1, settledOn: '2026-10-03', medfee: '0.00', funds: [['310100', '0.00']], acct: '0.00' });
    settleStay(d, { patient: 2, settledOn: '2026-10-04', medfee: '88.80', funds: [['390100', '44.40'], ['610100', '0.01']] });
    reverseStay(d, a, '2026-10-09');
    const b = settleStay(d, { patient: 3, settledOn: '2026-10-10', medfee: '9999999999.99', funds: [['310100', '9999999999.98']], acct: '0.01' });
    // Claimed in an earlier claim of the period: not declared again.
    const claimed = settleStay(d, { patient: 0, settledOn: '2026-10-11', medfee: '555.55', funds: [['310100', '111.11']] });
    insertClaim(d.db, { setlym: '2026-10', insutype: '310', scope: 'cross', psntime: 1, medfeeSumamt: '555.55', fundAppySum: '111.11', acctPay: '0.00', cashPayamt: '444.44', byFund: [], msgid: 'FENSUMS-CLAIM', clerkId: null, settlementIds: [claimed.settlementId] });
    // Deferred from September with an approved request: declared now, added one by one.
    const late = settleStay(d, { patient: 1, settledOn: '2026-09-20', medfee: '300.30', funds: [['310100', '200.20']], acct: '0.10' });
    const dId = insertDeferral(d.db, { settlementId: late.settlementId, reason: '测试', requestedOn: '2026-10-03', msgid: 'FENSUMS-DEF', clerkId: null });
    d.db.run(sql`UPDATE deferrals SET approved = ${1} WHERE id = ${dId}`);
    // An own-period item whose deferral is pending: out of this claim.
    const pending = settleStay(d, { patient: 0, settledOn: '2026-10-12', medfee: '77.77', funds: [['310100', '7.77']] });
    insertDeferral(d.db, { settlementId: pending.settlementId, reason: '测试', requestedOn: '2026-10-20', msgid: 'FENSUMS-DEF2', clerkId: null });
    // The agency's figures differ: the claim uses them.
    insertAgencyResult(d.db, {
      settlementId: b.settlementId,
      body: { setlinfo: { medfee_sumamt: '9999999999.99', fund_pay_sumamt: '9999999999.00', acct_pay: '0.01', psn_cash_pay: '0.98' }, setldetail: [{ fund_pay_type: '310100', fund_payamt: '9999999999.00' }] },
      mismatch: [{ field: 'fund_pay_sumamt' }],
      funds: [{ fundPayType: '310100', fundPayTypeName: '统筹基金', fundPayamt: '9999999999.00' }],
    });

    const fast = gatherClaim(d.db, '2026-10', TODAY).result;
    expect(fast).toEqual(byDecimals(d, '2026-10'));
    const l = line(fast, '310');
    // 1000.07 + 0.00 − 1000.07 + 9999999999.99 (agency) + 300.30 (deferred); 555.55 claimed and 77.77 pending stay out.
    expect(l.medfee_sumamt).toBe('10000000300.29');
    expect(l.fund_appy_sum).toBe('10000000199.20'); // 600.03 + 0 − 600.03 + 9999999999.00 + 200.20
    expect(l.acct_pay).toBe('0.11');
    expect(l.byFund).toEqual([{ fund_pay_type: '310100', amount: '10000000199.20' }]);
    expect(l.psntime).toBe(3); // a, the zero stay, b, the deferred one; the reversal cancels a's
    expect(line(fast, '390').byFund).toEqual([{ fund_pay_type: '390100', amount: '44.40' }, { fund_pay_type: '610100', amount: '0.01' }]);
  });

  it('stay exact when a line passes 2^53 fen (the line is added in Decimals)', async () => {
    const d = await desk();
    const n = 9010; // 9010 × 999,999,999,999 fen > 2^53 − 1
    settleMany(d, Array.from({ length: n }, (_, i) => ({ patient: 0, settledOn: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}`, medfee: '9999999999.99', funds: [['310100', '9999999999.99']] as [string, string][], acct: '0.00' })));
    const fast = gatherClaim(d.db, '2026-10', TODAY).result;
    expect(line(fast, '310').medfee_sumamt).toBe('90099999999909.90');
    expect(line(fast, '310').byFund).toEqual([{ fund_pay_type: '310100', amount: '90099999999909.90' }]);
    expect(fast).toEqual(byDecimals(d, '2026-10'));
  });

  it('a stored text not in toText form is read by parseAmount, and one that is no amount stops the claim', async () => {
    const d = await desk();
    const s = settleStay(d, { patient: 0, settledOn: '2026-10-02', medfee: '100.00', funds: [['310100', '60.00']], acct: '0.00' });
    settleStay(d, { patient: 0, settledOn: '2026-10-03', medfee: '10.00', funds: [['310100', '6.00']], acct: '0.00' });
    d.db.run(sql`UPDATE settlements SET acct_pay = '1.5', psn_cash_pay = '38.50' WHERE id = ${s.settlementId}`);
    d.db.run(sql`UPDATE settlement_funds SET fund_payamt = '060.00' WHERE settlement_id = ${s.settlementId}`);
    const fast = gatherClaim(d.db, '2026-10', TODAY).result;
    expect(line(fast, '310').acct_pay).toBe('1.50');
    expect(line(fast, '310').byFund).toEqual([{ fund_pay_type: '310100', amount: '66.00' }]);
    expect(fast).toEqual(byDecimals(d, '2026-10'));

    d.db.run(sql`UPDATE settlements SET acct_pay = '1,50' WHERE id = ${s.settlementId}`);
    let err: unknown;
    try {
      gatherClaim(d.db, '2026-10', TODAY);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('CLAIM_DATA');
    expect((err as Error).message).toContain(`结算 ${s.settlementId} 的个人账户支出`);
  });
});
