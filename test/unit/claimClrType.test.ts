import { describe, expect, it } from 'vitest';
import { buildClaim, parseClaimInput } from '../../shared/claim.ts';
import { national3203Input } from '../../shared/agency/claim.ts';

/**
 * 清算类别 in the claim engine (docs/claim.md "Visits"): typed items (the desk's) are claimed per
 * scheme × scope × clr_type, stays (21) before visits (11); an untyped input (CLI.md's) keeps its
 * output exactly, with no clr_type key.
 */

type Raw = Record<string, unknown>;
function st(id: string, settledOn: string, over: Raw = {}): Raw {
  return {
    id, settledOn, scheme: '310', scope: 'cross', medfee_sumamt: '1000.00', fund_pay_sumamt: '700.00', acct_pay: '0.00', psn_cash_pay: '300.00',
    setldetail: [{ fund_pay_type: '310100', fund_payamt: '700.00' }], ...over,
  };
}
const claim = (settlements: Raw[], period = '2026-11', today = '2026-12-02') => buildClaim(parseClaimInput({ period, today, policy: { claimWindowEndDay: 5, maxDeferralMonths: 2 }, settlements }));

describe('clr_type', () => {
  it('splits a scheme × scope into a stays line and a visits line, stays first, each summed on its own', () => {
    const r = claim([
      st('V1', '2026-11-03', { clr_type: '11', medfee_sumamt: '480.00', fund_pay_sumamt: '114.00', psn_cash_pay: '366.00', setldetail: [{ fund_pay_type: '310100', fund_payamt: '114.00' }] }),
      st('S1', '2026-11-04', { clr_type: '21' }),
      st('V2', '2026-11-05', { clr_type: '11', medfee_sumamt: '100.00', fund_pay_sumamt: '0.00', psn_cash_pay: '100.00', setldetail: [] }),
    ]);
    expect(r.claims.map((c) => [c.clr_type, c.settlementIds, c.psntime, c.medfee_sumamt, c.fund_appy_sum, c.cash_payamt])).toEqual([
      ['21', ['S1'], 1, '1000.00', '700.00', '300.00'],
      ['11', ['V1', 'V2'], 2, '580.00', '114.00', '466.00'],
    ]);
    expect(national3203Input('2026-11', r.claims[1]!).clr_type).toBe('11');
    expect(national3203Input('2026-11', r.claims[0]!).clr_type).toBe('21');
  });

  it('a refund of a visit claimed last period is a negative line of its own period, counting −1', () => {
    const r = claim([
      st('V1', '2026-10-20', { clr_type: '11', claimedIn: '2026-10' }),
      st('R1', '2026-11-02', { clr_type: '11', reversalOf: 'V1', medfee_sumamt: '-1000.00', fund_pay_sumamt: '-700.00', psn_cash_pay: '-300.00', setldetail: [{ fund_pay_type: '310100', fund_payamt: '-700.00' }] }),
    ]);
    expect(r.claims).toEqual([{ scheme: '310', scope: 'cross', clr_type: '11', settlementIds: ['R1'], psntime: -1, medfee_sumamt: '-1000.00', fund_appy_sum: '-700.00', acct_pay: '0.00', cash_payamt: '-300.00', byFund: [{ fund_pay_type: '310100', amount: '-700.00' }] }]);
  });

  it('an untyped input (CLI.md) has no clr_type key and its 3203 is 21', () => {
    const r = claim([st('S1', '2026-11-04')]);
    expect(Object.keys(r.claims[0]!)).not.toContain('clr_type');
    expect(national3203Input('2026-11', r.claims[0]!).clr_type).toBe('21');
  });

  it('refuses an unknown clr_type naming the field', () => {
    expect(() => claim([st('S1', '2026-11-04', { clr_type: '41' })])).toThrow(/clr_type|清算类别/);
  });
});
