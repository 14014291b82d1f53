// Over 400 lines: the claim engine of CLI.md: window, deferral, reversals, ordering, input errors, 3203 and the command, one rule set.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildClaim, claimCalendar, decideItem, dueNotices, parseClaimInput } from '../../shared/claim.ts';
import { national3203Input } from '../../shared/agency/claim.ts';
import type { ClaimResult } from '../../shared/claim.ts';
import { InputError } from '../../shared/errors.ts';
import { inputError } from '../support/inputError.ts';

/** The example input of CLI.md `claim`, verbatim. */
const EXAMPLE = {
  period: '2026-10',
  today: '2026-11-03',
  policy: { claimWindowEndDay: 5, maxDeferralMonths: 2 },
  settlements: [
    {
      id: 'S1', settledOn: '2026-10-12', scheme: '310', scope: 'cross',
      reversalOf: null, claimedIn: null, deferral: null,
      medfee_sumamt: '1000.00', fund_pay_sumamt: '700.00', acct_pay: '0.00',
      psn_cash_pay: '300.00',
      setldetail: [{ fund_pay_type: '310100', fund_payamt: '700.00' }],
    },
  ],
};

/** The example output of CLI.md `claim`, verbatim. */
const EXAMPLE_OUTPUT = {
  period: '2026-10', windowOpen: true, windowCloses: '2026-11-05',
  claims: [{
    scheme: '310', scope: 'cross', settlementIds: ['S1'], psntime: 1,
    medfee_sumamt: '1000.00', fund_appy_sum: '700.00', acct_pay: '0.00',
    cash_payamt: '300.00',
    byFund: [{ fund_pay_type: '310100', amount: '700.00' }],
  }],
  lapsed: [], warnings: [],
};

type Raw = Record<string, unknown>;

/** A raw settlement as the CLI receives it: 1000 = 700 fund + 300 cash unless overridden. */
function st(id: string, settledOn: string, over: Raw = {}): Raw {
  return {
    id, settledOn, scheme: '310', scope: 'cross', reversalOf: null, claimedIn: null, deferral: null,
    medfee_sumamt: '1000.00', fund_pay_sumamt: '700.00', acct_pay: '0.00', psn_cash_pay: '300.00',
    setldetail: [{ fund_pay_type: '310100', fund_payamt: '700.00' }],
    ...over,
  };
}

/** A reversal of `of` with the default amounts negated. */
function rev(id: string, settledOn: string, of: string, over: Raw = {}): Raw {
  return st(id, settledOn, {
    reversalOf: of, medfee_sumamt: '-1000.00', fund_pay_sumamt: '-700.00', psn_cash_pay: '-300.00',
    setldetail: [{ fund_pay_type: '310100', fund_payamt: '-700.00' }], ...over,
  });
}

function claim(period: string, today: string, settlements: Raw[], policy: Raw = { claimWindowEndDay: 5, maxDeferralMonths: 2 }): ClaimResult {
  return buildClaim(parseClaimInput({ period, today, policy, settlements }));
}

function ids(r: ClaimResult): string[] {
  return r.claims.flatMap((c) => c.settlementIds);
}


describe('CLI.md example', () => {
  it('produces exactly the documented output', () => {
    expect(buildClaim(parseClaimInput(EXAMPLE))).toStrictEqual(EXAMPLE_OUTPUT);
  });

  it('serialises with the documented key order', () => {
    expect(JSON.stringify(buildClaim(parseClaimInput(EXAMPLE)))).toBe(JSON.stringify(EXAMPLE_OUTPUT));
  });
});

describe('the declaration window (004 第四十九条: days 1–5 of the next month)', () => {
  const s = [st('S1', '2026-10-12')];

  it('day 1 is inside the window', () => {
    const r = claim('2026-10', '2026-11-01', s);
    expect(r.windowOpen).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('day 5 is the last day: open, with a last-day warning', () => {
    const r = claim('2026-10', '2026-11-05', s);
    expect(r.windowOpen).toBe(true);
    expect(r.windowCloses).toBe('2026-11-05');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('最后一天');
  });

  it('day 6 is outside: the claim still lists its contents, with a warning', () => {
    const r = claim('2026-10', '2026-11-06', s);
    expect(r.windowOpen).toBe(false);
    expect(ids(r)).toEqual(['S1']);
    expect(r.lapsed).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('已于 2026-11-05 截止');
  });

  it('before the window opens the claim is a preview, with a warning', () => {
    const r = claim('2026-10', '2026-10-31', s);
    expect(r.windowOpen).toBe(false);
    expect(ids(r)).toEqual(['S1']);
    expect(r.warnings[0]).toContain('尚未开始');
  });

  it('December is claimed in January of the next year', () => {
    const r = claim('2026-12', '2027-01-05', [st('D1', '2026-12-31')]);
    expect(r.windowOpen).toBe(true);
    expect(r.windowCloses).toBe('2027-01-05');
    expect(ids(r)).toEqual(['D1']);
    expect(claim('2026-12', '2027-01-06', []).windowOpen).toBe(false);
  });

  it('follows claimWindowEndDay from the policy (February with day 28)', () => {
    const r = claim('2027-01', '2027-02-28', [], { claimWindowEndDay: 28, maxDeferralMonths: 2 });
    expect(r.windowCloses).toBe('2027-02-28');
    expect(r.windowOpen).toBe(true);
    // No items: the last day needs no warning.
    expect(r.warnings).toEqual([]);
  });

  it('a period with no settlements gives no claims, no lapsed items, no warnings', () => {
    expect(claim('2026-10', '2026-11-02', [])).toStrictEqual({
      period: '2026-10', windowOpen: true, windowCloses: '2026-11-05', claims: [], lapsed: [], warnings: [],
    });
  });

  it('a period whose only settlements are later or already claimed has no claims', () => {
    const r = claim('2026-10', '2026-11-02', [st('N1', '2026-11-01'), st('C1', '2026-10-02', { claimedIn: '2026-10' })]);
    expect(r.claims).toEqual([]);
    expect(r.lapsed).toEqual([]);
  });
});

describe('deferral (004 第四十九条 第二款、第三款)', () => {
  // August item: its own window is 2026-09-01..05; claimed late in the September period.
  const late = (deferral: unknown): Raw[] => [st('A1', '2026-08-20', { deferral })];

  it('an approved deferral requested on the last day of its window is accepted', () => {
    const r = claim('2026-09', '2026-10-02', late({ requestedOn: '2026-09-05', approved: true }));
    expect(ids(r)).toEqual(['A1']);
    expect(r.lapsed).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('a deferral requested the day after the window closed is lapsed', () => {
    const r = claim('2026-09', '2026-10-02', late({ requestedOn: '2026-09-06', approved: true }));
    expect(r.claims).toEqual([]);
    expect(r.lapsed).toEqual(['A1']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('A1');
    expect(r.warnings[0]).toContain('自行承担');
  });

  it('the window end day of the policy decides what "in time" means', () => {
    const policy = { claimWindowEndDay: 10, maxDeferralMonths: 2 };
    expect(ids(claim('2026-09', '2026-10-02', late({ requestedOn: '2026-09-10', approved: true }), policy))).toEqual(['A1']);
    expect(claim('2026-09', '2026-10-02', late({ requestedOn: '2026-09-11', approved: true }), policy).lapsed).toEqual(['A1']);
  });

  it('an earlier item without a deferral is lapsed', () => {
    const r = claim('2026-09', '2026-10-02', late(null));
    expect(r.lapsed).toEqual(['A1']);
    expect(r.warnings[0]).toContain('未提交延期说明');
  });

  it('a deferral the agency has not accepted (approved: false) is lapsed', () => {
    const r = claim('2026-09', '2026-10-02', late({ requestedOn: '2026-09-03', approved: false }));
    expect(r.lapsed).toEqual(['A1']);
    expect(r.warnings[0]).toContain('未获经办机构认可');
  });

  it('at most maxDeferralMonths periods: a July item goes into August or September, not October', () => {
    const july = [st('J1', '2026-07-15', { deferral: { requestedOn: '2026-08-03', approved: true } })];
    expect(ids(claim('2026-07', '2026-08-03', july))).toEqual(['J1']);
    expect(ids(claim('2026-08', '2026-09-03', july))).toEqual(['J1']);
    expect(ids(claim('2026-09', '2026-10-03', july))).toEqual(['J1']);
    const oct = claim('2026-10', '2026-11-03', july);
    expect(oct.claims).toEqual([]);
    expect(oct.lapsed).toEqual(['J1']);
    expect(oct.warnings[0]).toContain('最长延期 2 个月');
  });

  it('the limit comes from the policy and crosses year ends', () => {
    const nov = [st('N1', '2026-11-30', { deferral: { requestedOn: '2026-12-01', approved: true } })];
    const policy = { claimWindowEndDay: 5, maxDeferralMonths: 1 };
    expect(ids(claim('2026-12', '2027-01-04', nov, policy))).toEqual(['N1']);
    expect(claim('2027-01', '2027-02-04', nov, policy).lapsed).toEqual(['N1']);
    expect(claim('2027-01', '2027-02-04', nov).lapsed).toEqual([]);
  });

  it('a deferred item is claimed with the current period, in date order', () => {
    const r = claim('2026-09', '2026-10-02', [
      st('B1', '2026-09-03'),
      st('A1', '2026-08-20', { deferral: { requestedOn: '2026-09-04', approved: true } }),
    ]);
    expect(r.claims).toHaveLength(1);
    expect(r.claims[0]!.settlementIds).toEqual(['A1', 'B1']);
    expect(r.claims[0]!.psntime).toBe(2);
  });

  it('decideItem explains each outcome', () => {
    const p = { claimWindowEndDay: 5, maxDeferralMonths: 2 };
    const one = (raw: Raw, period: string) => decideItem(parseClaimInput({ period, today: '2026-11-01', policy: p, settlements: [raw] }).settlements[0]!, period, p);
    expect(one(st('X', '2026-10-01'), '2026-10')).toEqual({ status: 'claim', reason: 'OWN_PERIOD' });
    expect(one(st('X', '2026-11-01'), '2026-10')).toEqual({ status: 'later', reason: 'AFTER_PERIOD' });
    expect(one(st('X', '2026-09-01', { claimedIn: '2026-09' }), '2026-10')).toEqual({ status: 'claimed', reason: 'ALREADY_CLAIMED' });
    expect(one(st('X', '2026-09-01'), '2026-10')).toEqual({ status: 'lapsed', reason: 'NO_DEFERRAL' });
    expect(one(st('X', '2026-09-01', { deferral: { requestedOn: '2026-10-05', approved: true } }), '2026-10')).toEqual({ status: 'claim', reason: 'DEFERRED' });
    expect(one(st('X', '2026-09-01', { deferral: { requestedOn: '2026-10-06', approved: true } }), '2026-10')).toEqual({ status: 'lapsed', reason: 'DEFERRAL_TOO_LATE' });
    expect(one(st('X', '2026-07-01', { deferral: { requestedOn: '2026-08-01', approved: true } }), '2026-10')).toEqual({ status: 'lapsed', reason: 'DEFERRAL_LIMIT' });
  });
});

describe('reversals (结算撤销)', () => {
  it('a settlement and its reversal in the same period net out', () => {
    const r = claim('2026-10', '2026-11-02', [
      st('S1', '2026-10-03'),
      rev('R1', '2026-10-10', 'S1'),
      st('S2', '2026-10-15', {
        medfee_sumamt: '500.00', fund_pay_sumamt: '350.00', acct_pay: '50.00', psn_cash_pay: '100.00',
        setldetail: [{ fund_pay_type: '310100', fund_payamt: '300.00' }, { fund_pay_type: '330100', fund_payamt: '50.00' }],
      }),
    ]);
    expect(r.claims).toEqual([{
      scheme: '310', scope: 'cross', settlementIds: ['S1', 'R1', 'S2'], psntime: 1,
      medfee_sumamt: '500.00', fund_appy_sum: '350.00', acct_pay: '50.00', cash_payamt: '100.00',
      byFund: [{ fund_pay_type: '310100', amount: '300.00' }, { fund_pay_type: '330100', amount: '50.00' }],
    }]);
  });

  it('a period of only a settlement and its reversal has psntime 0 and zero totals', () => {
    const r = claim('2026-10', '2026-11-02', [st('S1', '2026-10-03'), rev('R1', '2026-10-03', 'S1')]);
    expect(r.claims[0]).toMatchObject({ psntime: 0, medfee_sumamt: '0.00', fund_appy_sum: '0.00', cash_payamt: '0.00', byFund: [{ fund_pay_type: '310100', amount: '0.00' }] });
  });

  it('a reversal of an earlier period’s settlement is claimed in the period of its own date', () => {
    const items = [st('S0', '2026-09-20', { claimedIn: '2026-09' }), rev('R0', '2026-10-08', 'S0')];
    const oct = claim('2026-10', '2026-11-02', items);
    expect(oct.claims).toEqual([{
      scheme: '310', scope: 'cross', settlementIds: ['R0'], psntime: -1,
      medfee_sumamt: '-1000.00', fund_appy_sum: '-700.00', acct_pay: '0.00', cash_payamt: '-300.00',
      byFund: [{ fund_pay_type: '310100', amount: '-700.00' }],
    }]);
    expect(oct.lapsed).toEqual([]);
    // Not in September: the reversal is dated after it.
    expect(claim('2026-09', '2026-10-02', [st('S0', '2026-09-20'), rev('R0', '2026-10-08', 'S0')]).claims[0]!.settlementIds).toEqual(['S0']);
  });

  it('an earlier reversal never declared follows the rule of its own date: lapsed without a deferral, claimed with an approved one in time', () => {
    const late = claim('2026-11', '2026-12-02', [rev('R0', '2026-09-08', 'S0')]);
    expect(late.claims).toEqual([]);
    expect(late.lapsed).toEqual(['R0']);
    const deferred = claim('2026-11', '2026-12-02', [rev('R0', '2026-09-08', 'S0', { deferral: { requestedOn: '2026-10-05', approved: true } })]);
    expect(ids(deferred)).toEqual(['R0']);
    expect(deferred.claims[0]!.psntime).toBe(-1);
  });

  it('a reversal whose original lapsed is still claimed in the period of its own date, with a warning to check with the agency', () => {
    const r = claim('2026-10', '2026-11-02', [st('S0', '2026-09-20'), rev('R0', '2026-10-08', 'S0')]);
    expect(ids(r)).toEqual(['R0']);
    expect(r.lapsed).toEqual(['S0']);
    expect(r.warnings.some((w) => w.includes('R0（撤销 S0）') && w.includes('原结算已过申报期限'))).toBe(true);
  });
});

describe('claimedIn and later settlements', () => {
  it('a settlement already claimed is never claimed again, nor lapsed', () => {
    const r = claim('2026-10', '2026-11-02', [
      st('S1', '2026-10-03', { claimedIn: '2026-10' }),
      st('S2', '2026-08-03', { claimedIn: '2026-08', deferral: { requestedOn: '2026-09-01', approved: true } }),
      st('S3', '2026-10-04'),
    ]);
    expect(ids(r)).toEqual(['S3']);
    expect(r.lapsed).toEqual([]);
  });

  it('settlements dated after the period are not part of it and not lapsed', () => {
    const r = claim('2026-10', '2026-11-03', [st('S1', '2026-10-31'), st('S2', '2026-11-01'), st('S3', '2026-12-15')]);
    expect(ids(r)).toEqual(['S1']);
    expect(r.lapsed).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});

describe('ordering (CLI.md)', () => {
  it('claims by scheme then cross before in; ids by date then id; byFund by type; lapsed ascending', () => {
    const r = claim('2026-10', '2026-11-02', [
      st('Z9', '2026-10-05', { scheme: '390', scope: 'in', setldetail: [{ fund_pay_type: '390200', fund_payamt: '100.00' }, { fund_pay_type: '390100', fund_payamt: '600.00' }] }),
      st('S2', '2026-10-05'),
      st('S10', '2026-10-05'),
      st('A1', '2026-10-20'),
      st('B7', '2026-10-01', { scope: 'in' }),
      st('Y1', '2026-10-02', { scheme: '390', scope: 'cross', setldetail: [{ fund_pay_type: '390100', fund_payamt: '700.00' }] }),
      st('L3', '2026-09-01'),
      st('L10', '2026-08-01'),
      st('L2', '2026-09-30'),
    ]);
    expect(r.claims.map((c) => [c.scheme, c.scope, c.settlementIds])).toEqual([
      ['310', 'cross', ['S10', 'S2', 'A1']],
      ['310', 'in', ['B7']],
      ['390', 'cross', ['Y1']],
      ['390', 'in', ['Z9']],
    ]);
    expect(r.claims[3]!.byFund.map((f) => f.fund_pay_type)).toEqual(['390100', '390200']);
    expect(r.lapsed).toEqual(['L10', 'L2', 'L3']);
  });
});

describe('totals of a generated 20,000-settlement month', () => {
  it('equal the sum of the items to the fen, computed independently with integer fen', () => {
    // A small deterministic generator (mulberry32): the same month on every run.
    let seed = 20261031;
    const rand = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number): number => Math.floor(rand() * n);
    const yuan = (fen: number): string => {
      const a = Math.abs(fen);
      return `${fen < 0 ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
    };
    const schemes = ['310', '390'];
    const scopes = ['cross', 'in'];
    const fundsOf: Record<string, string[]> = { '310': ['310100', '320100', '330100'], '390': ['390100', '390200'] };
    interface Exp { psntime: number; med: number; fund: number; acct: number; cash: number; byFund: Map<string, number>; n: number }
    const expected = new Map<string, Exp>();
    const settlements: Raw[] = [];
    const originals: { id: string; raw: Raw; fen: { med: number; acct: number; cash: number; parts: [string, number][] } }[] = [];
    for (let i = 0; i < 20_000; i++) {
      const scheme = schemes[int(2)]!;
      const scope = scopes[int(2)]!;
      const day = 1 + int(31);
      const settledOn = `2026-10-${String(day).padStart(2, '0')}`;
      const id = `G${String(i).padStart(5, '0')}`;
      const reversal = originals.length > 0 && int(20) === 0;
      let med: number; let acct: number; let cash: number; let parts: [string, number][];
      let raw: Raw;
      if (reversal) {
        // Reverse an earlier original of the month: same scheme/scope, same date or later.
        const o = originals.splice(int(originals.length), 1)[0]!;
        med = -o.fen.med; acct = -o.fen.acct; cash = -o.fen.cash;
        parts = o.fen.parts.map(([t, v]) => [t, -v]);
        const date = (o.raw.settledOn as string) > settledOn ? (o.raw.settledOn as string) : settledOn;
        raw = { ...o.raw, id, settledOn: date, reversalOf: o.id };
      } else {
        med = 1 + int(10_000_000);
        const fundTotal = int(med + 1);
        acct = scheme === '310' ? int(med - fundTotal + 1) : 0;
        cash = med - fundTotal - acct;
        const types = fundsOf[scheme]!;
        const first = int(fundTotal + 1);
        const second = int(fundTotal - first + 1);
        parts = [[types[0]!, first], [types[1]!, second], [types[types.length - 1]!, fundTotal - first - second]];
        raw = { id, settledOn, scheme, scope, reversalOf: null, claimedIn: null, deferral: null, extra: 'ignored' };
      }
      const fund = parts.reduce((a, [, v]) => a + v, 0);
      raw = { ...raw, medfee_sumamt: yuan(med), fund_pay_sumamt: yuan(fund), acct_pay: yuan(acct), psn_cash_pay: yuan(cash), setldetail: parts.map(([t, v]) => ({ fund_pay_type: t, fund_payamt: yuan(v) })) };
      if (!reversal) originals.push({ id, raw, fen: { med, acct, cash, parts } });
      settlements.push(raw);
      const key = `${raw.scheme as string}/${raw.scope as string}`;
      const e = expected.get(key) ?? { psntime: 0, med: 0, fund: 0, acct: 0, cash: 0, byFund: new Map<string, number>(), n: 0 };
      e.psntime += reversal ? -1 : 1;
      e.med += med; e.fund += fund; e.acct += acct; e.cash += cash; e.n += 1;
      for (const [t, v] of parts) e.byFund.set(t, (e.byFund.get(t) ?? 0) + v);
      expected.set(key, e);
    }
    const r = claim('2026-10', '2026-11-04', settlements);
    expect(r.lapsed).toEqual([]);
    expect(r.claims.map((c) => `${c.scheme}/${c.scope}`)).toEqual(['310/cross', '310/in', '390/cross', '390/in']);
    let count = 0;
    for (const c of r.claims) {
      const e = expected.get(`${c.scheme}/${c.scope}`)!;
      count += c.settlementIds.length;
      expect(c.settlementIds).toHaveLength(e.n);
      expect(c.psntime).toBe(e.psntime);
      expect(c.medfee_sumamt).toBe(yuan(e.med));
      expect(c.fund_appy_sum).toBe(yuan(e.fund));
      expect(c.acct_pay).toBe(yuan(e.acct));
      expect(c.cash_payamt).toBe(yuan(e.cash));
      expect(c.byFund).toEqual([...e.byFund.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, v]) => ({ fund_pay_type: t, amount: yuan(v) })));
      // Ascending settledOn, then id.
      const byId = new Map(settlements.map((s) => [s.id as string, s.settledOn as string]));
      const keys = c.settlementIds.map((id) => `${byId.get(id)!} ${id}`);
      expect(keys).toEqual([...keys].sort());
    }
    expect(count).toBe(20_000);
  });
});

describe('input errors', () => {
  const base = (): Raw & { settlements: Raw[] } => ({ period: '2026-10', today: '2026-11-03', policy: { claimWindowEndDay: 5, maxDeferralMonths: 2 }, settlements: [st('S1', '2026-10-01'), st('S2', '2026-10-02'), st('S3', '2026-10-03')] });
  const err = (mutate: (x: Raw & { settlements: Raw[] }) => void): InputError => {
    const x = base();
    mutate(x);
    return inputError(() => parseClaimInput(x));
  };

  it('a missing field names its path and the field in Chinese', () => {
    const e = err((x) => { delete x.settlements[2]!.settledOn; });
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.path).toBe('settlements[2].settledOn');
    expect(e.message).toContain('结算日期');
  });

  it('an invalid date', () => {
    const e = err((x) => { x.settlements[1]!.settledOn = '2026-02-30'; });
    expect([e.code, e.path]).toEqual(['INVALID_DATE', 'settlements[1].settledOn']);
  });

  it('a period must be YYYY-MM', () => {
    for (const p of ['2026-13', '2026-1', '2026-10-01', 202610, '']) {
      const e = err((x) => { x.period = p; });
      expect([e.code, e.path]).toEqual(['INVALID_PERIOD', 'period']);
      expect(e.message).toContain('清算期');
    }
    expect(err((x) => { x.settlements[0]!.claimedIn = '2026/10'; }).path).toBe('settlements[0].claimedIn');
  });

  it('duplicate settlement ids', () => {
    const e = err((x) => { x.settlements[2]!.id = 'S1'; });
    expect([e.code, e.path]).toEqual(['DUPLICATE_ID', 'settlements[2].id']);
    expect(e.message).toContain('S1');
  });

  it('invalid amounts, with paths into setldetail', () => {
    expect(err((x) => { x.settlements[0]!.medfee_sumamt = '1000.001'; })).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settlements[0].medfee_sumamt' });
    expect(err((x) => { x.settlements[0]!.acct_pay = 'abc'; })).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settlements[0].acct_pay' });
    expect(err((x) => { x.settlements[1]!.setldetail = [{ fund_pay_type: '310100', fund_payamt: '7,00' }]; })).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settlements[1].setldetail[0].fund_payamt' });
    expect(err((x) => { x.settlements[1]!.setldetail = [{ fund_payamt: '700.00' }]; })).toMatchObject({ code: 'MISSING_FIELD', path: 'settlements[1].setldetail[0].fund_pay_type' });
  });

  it('signs: a settlement is not negative, a reversal not positive', () => {
    expect(err((x) => { x.settlements[0]!.psn_cash_pay = '-1.00'; })).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settlements[0].psn_cash_pay' });
    expect(err((x) => { x.settlements.push(rev('R1', '2026-10-05', 'S1', { medfee_sumamt: '1000.00' })); })).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settlements[3].medfee_sumamt' });
  });

  it('reversals that cannot be', () => {
    expect(err((x) => { x.settlements.push(rev('R1', '2026-09-30', 'S1')); })).toMatchObject({ code: 'INVALID_REVERSAL', path: 'settlements[3].settledOn' });
    expect(err((x) => { x.settlements.push(rev('R1', '2026-10-05', 'S1'), rev('R2', '2026-10-06', 'S1')); })).toMatchObject({ code: 'INVALID_REVERSAL', path: 'settlements[4].reversalOf' });
    expect(err((x) => { x.settlements.push(rev('R1', '2026-10-05', 'R1')); })).toMatchObject({ code: 'INVALID_REVERSAL', path: 'settlements[3].reversalOf' });
  });

  it('wrong types and values', () => {
    expect(err((x) => { x.settlements[0]!.scope = 'local'; })).toMatchObject({ code: 'INVALID_VALUE', path: 'settlements[0].scope' });
    expect(err((x) => { x.settlements[0]!.deferral = { requestedOn: '2026-11-01', approved: 'yes' }; })).toMatchObject({ code: 'INVALID_TYPE', path: 'settlements[0].deferral.approved' });
    expect(err((x) => { x.settlements[0]!.deferral = { approved: true }; })).toMatchObject({ code: 'MISSING_FIELD', path: 'settlements[0].deferral.requestedOn' });
    expect(err((x) => { x.settlements = {} as unknown as Raw[]; })).toMatchObject({ code: 'INVALID_TYPE', path: 'settlements' });
    expect(err((x) => { delete x.policy; })).toMatchObject({ code: 'MISSING_FIELD', path: 'policy' });
    expect(err((x) => { x.policy = { claimWindowEndDay: 0, maxDeferralMonths: 2 }; })).toMatchObject({ code: 'INVALID_POLICY', path: 'policy.claimWindowEndDay' });
    expect(err((x) => { x.policy = { claimWindowEndDay: 29, maxDeferralMonths: 2 }; })).toMatchObject({ path: 'policy.claimWindowEndDay' });
    expect(err((x) => { x.policy = { claimWindowEndDay: 5, maxDeferralMonths: 1.5 }; })).toMatchObject({ path: 'policy.maxDeferralMonths' });
    expect(err((x) => { x.today = '2026-11-31'; })).toMatchObject({ code: 'INVALID_DATE', path: 'today' });
    expect(inputError(() => parseClaimInput([]))).toMatchObject({ code: 'INVALID_INPUT', path: '' });
    expect(inputError(() => parseClaimInput(null))).toMatchObject({ code: 'INVALID_INPUT', path: '' });
  });

  it('unknown fields are ignored; absent reversalOf / claimedIn / deferral mean none', () => {
    const x = base();
    (x as Raw).comment = 'x';
    x.settlements[0]!.note = 'ignored';
    delete x.settlements[1]!.reversalOf;
    delete x.settlements[1]!.claimedIn;
    delete x.settlements[1]!.deferral;
    const r = buildClaim(parseClaimInput(x));
    expect(ids(r)).toEqual(['S1', 'S2', 'S3']);
    expect(JSON.stringify(r)).not.toContain('ignored');
  });
});

describe('national 3203 清算申请', () => {
  it('maps one claim line', () => {
    const r = buildClaim(parseClaimInput(EXAMPLE));
    expect(national3203Input(r.period, r.claims[0]!)).toStrictEqual({
      clr_type: '21', clr_way: '01', setlym: '202610', psntime: 1,
      medfee_sumamt: '1000.00', med_sumfee: '1000.00', fund_appy_sum: '700.00', cash_payamt: '300.00', acct_pay: '0.00',
      begndate: '2026-10-01', enddate: '2026-10-31',
    });
  });

  it('begndate covers deferred items when their dates are given', () => {
    const input = parseClaimInput({ period: '2027-02', today: '2027-03-02', policy: { claimWindowEndDay: 5, maxDeferralMonths: 2 }, settlements: [
      st('A', '2027-01-20', { deferral: { requestedOn: '2027-02-01', approved: true } }), st('B', '2027-02-10'),
    ] });
    const r = buildClaim(input);
    const dates = new Map(input.settlements.map((s) => [s.id, s.settledOn]));
    expect(national3203Input(r.period, r.claims[0]!, dates)).toMatchObject({ setlym: '202702', begndate: '2027-01-20', enddate: '2027-02-28', psntime: 2 });
  });
});

describe('claim calendar (004 第四十九条–第五十一条)', () => {
  const policy = { claimWindowEndDay: 5 };

  it('gives the dates of one cycle', () => {
    expect(claimCalendar('2026-10', policy)).toEqual({ period: '2026-10', windowOpens: '2026-11-01', windowCloses: '2026-11-05', reviewCutoff: '2026-11-20', confirmationBy: '2026-11-25' });
    expect(claimCalendar('2026-12', { claimWindowEndDay: 7, reviewCutoffDay: 18, confirmationDay: 24 })).toEqual({ period: '2026-12', windowOpens: '2027-01-01', windowCloses: '2027-01-07', reviewCutoff: '2027-01-18', confirmationBy: '2027-01-24' });
  });

  it('rejects a policy whose steps are out of order and a bad period', () => {
    expect(inputError(() => claimCalendar('2026-10', { claimWindowEndDay: 20 }))).toMatchObject({ code: 'INVALID_POLICY', path: 'policy.reviewCutoffDay' });
    expect(inputError(() => claimCalendar('2026-13', policy))).toMatchObject({ code: 'INVALID_PERIOD' });
  });

  it('lists what is due: nothing new before the 25th, the next window from the 25th', () => {
    expect(dueNotices('2026-10-24', policy).map((n) => [n.kind, n.period, n.date, n.daysLeft])).toEqual([['confirmationBy', '2026-09', '2026-10-25', 1]]);
    const on25 = dueNotices('2026-10-25', policy);
    expect(on25.map((n) => [n.kind, n.period, n.date, n.daysLeft])).toEqual([
      ['confirmationBy', '2026-09', '2026-10-25', 0],
      ['windowOpens', '2026-10', '2026-11-01', 7],
      ['windowCloses', '2026-10', '2026-11-05', 11],
      ['reviewCutoff', '2026-10', '2026-11-20', 26],
      ['confirmationBy', '2026-10', '2026-11-25', 31],
    ]);
    expect(on25[0]!.text).toContain('今天');
    expect(on25[2]!.text).toContain('延期说明');
  });

  it('during the window, the close comes first; across the year end too', () => {
    expect(dueNotices('2026-11-05', policy).map((n) => n.kind)).toEqual(['windowCloses', 'reviewCutoff', 'confirmationBy']);
    expect(dueNotices('2026-11-05', policy)[0]!.text).toContain('今天');
    expect(dueNotices('2026-12-28', policy).map((n) => [n.kind, n.date])).toEqual([
      ['windowOpens', '2027-01-01'], ['windowCloses', '2027-01-05'], ['reviewCutoff', '2027-01-20'], ['confirmationBy', '2027-01-25'],
    ]);
  });
});

describe('the claim command (real CLI, child process)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = (stdin: string) => spawnSync('npx', ['tsx', 'electron/cli/run.ts', 'claim'], { cwd: root, input: stdin, encoding: 'utf8' });

  it('exits 0 with the CLI.md output, and 2 with a located error on invalid input', () => {
    const ok = run(JSON.stringify(EXAMPLE));
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toStrictEqual(EXAMPLE_OUTPUT);

    const bad = structuredClone(EXAMPLE);
    bad.settlements[0]!.settledOn = '2026-10-32';
    const ko = run(JSON.stringify(bad));
    expect(ko.status).toBe(2);
    expect(ko.stdout).toBe('');
    const error = JSON.parse(ko.stderr.trim().split('\n').pop()!) as { error: string; message: string; path: string };
    expect(error).toMatchObject({ error: 'INVALID_DATE', path: 'settlements[0].settledOn' });
    expect(error.message).toContain('结算日期');

    expect(run('{not json').status).toBe(2);
  });
});
