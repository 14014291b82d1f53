// Over 400 lines: the settlement engine step by step (DOMAIN §5), its validation, properties and the settle command.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.ts';
import { Decimal, toText } from '../../shared/money.ts';
import {
  computeSettlement,
  parsePolicy,
  parseSettleInput,
  settleFromJson,
  settleToJson,
  type SettleJson,
  type SettleResult,
} from '../../shared/settlement.ts';
import { inputError } from '../support/inputError.ts';
import { cliSettleInput, cliSettlePolicy } from '../support/cliExamples.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- test inputs are raw JSON, mutated per case */
type Json = any;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The policy of CLI.md `settle` (employees, Wuhan, 2026). */
function policy(): Json {
  return cliSettlePolicy();
}

/** The same policy for the residents' scheme (pool 390100, 大病保险 390200). */
function residentPolicy(): Json {
  const p = policy();
  p.version = '420100-390-2026-1';
  p.scheme = '390';
  p.poolFundType = '390100';
  p.supplementary.fundType = '390200';
  return p;
}

function fee(sn: string, cls: 'A' | 'B' | 'C', qty: string, price: string, amount: string, extra: Json = {}): Json {
  return { sn, code: `X${sn}`, name: `项目${sn}`, class: cls, qty, price, amount, selfPayRatio: cls === 'B' ? '0.10' : null, limitPrice: null, ...extra };
}

/** The input of CLI.md `settle`, with overrides. */
function input(over: Json = {}): Json {
  return { ...cliSettleInput(), ...over };
}

const compute = (json: Json): SettleResult => computeSettlement(parseSettleInput(json));
const out = (json: Json): SettleJson => settleFromJson(json);


const POOL = { fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金' };
const BIG = { fund_pay_type: '330100', fund_pay_type_name: '大额医疗费用补助基金' };
const CVL = { fund_pay_type: '320100', fund_pay_type_name: '公务员医疗补助基金' };

/** One in-scope class A line of `amount` yuan. */
const stay = (amount: string): Json[] => [fee('1', 'A', '1', amount, amount)];

describe('settle: CLI.md example', () => {
  it('yields exactly the output CLI.md shows, keys in its order', () => {
    // B line 10 × 12.50 = 125.00; pre = round(125.00 × 0.10) = 12.50; in = 112.50.
    // Level 3, first admission: D = 900.00 > 112.50, so act_pay_dedc = 112.50, X = 0, pool 0;
    // everything is the person's: 125.00, all cash.
    const expected = {
      medfee_sumamt: '125.00', inscp_scp_amt: '112.50', preselfpay_amt: '12.50',
      overlmt_selfpay: '0.00', fulamt_ownpay_amt: '0.00', act_pay_dedc: '112.50',
      hifp_pay: '0.00', fund_pay_sumamt: '0.00', psn_part_amt: '125.00',
      acct_pay: '0.00', psn_cash_pay: '125.00',
      setldetail: [], policyVersion: '420100-310-2026-1',
    };
    const o = out(input());
    expect(o).toEqual(expected);
    expect(Object.keys(o)).toEqual(Object.keys(expected));
    expect(JSON.stringify(o)).toBe(JSON.stringify(expected));
  });

  it('keeps the line split for the slip and the fee upload', () => {
    const r = compute(input());
    expect(r.lines.map((l) => [l.sn, toText(l.in), toText(l.pre), toText(l.over), toText(l.full)])).toEqual([['1', '112.50', '12.50', '0.00', '0.00']]);
    expect(toText(r.work.deductible)).toBe('900.00');
  });
});

describe('settle: per-line split (steps 1–2)', () => {
  it('splits a class A/B/C mix', () => {
    // Level 2, long-term (no reduction):
    //   A 2 × 500.00 = 1000.00 → in 1000.00
    //   B 3 × 200.00 =  600.00, ratio 0.20 → pre 120.00, in 480.00
    //   C 1 × 150.00 =  150.00 → full 150.00
    // total 1750.00, inScope 1480.00; D = 600.00; X = 880.00; pool = 880.00 × 0.85 = 748.00;
    // psn = 1750.00 − 748.00 = 1002.00.
    const j = input({
      hospitalLevel: 2, group: 'longTerm',
      fees: [fee('1', 'A', '2', '500.00', '1000.00'), fee('2', 'B', '3', '200.00', '600.00', { selfPayRatio: '0.20' }), fee('3', 'C', '1', '150.00', '150.00')],
    });
    expect(out(j)).toEqual({
      medfee_sumamt: '1750.00', inscp_scp_amt: '1480.00', preselfpay_amt: '120.00', overlmt_selfpay: '0.00',
      fulamt_ownpay_amt: '150.00', act_pay_dedc: '600.00', hifp_pay: '748.00', fund_pay_sumamt: '748.00',
      psn_part_amt: '1002.00', acct_pay: '0.00', psn_cash_pay: '1002.00',
      setldetail: [{ ...POOL, fund_payamt: '748.00' }], policyVersion: '420100-310-2026-1',
    });
    expect(compute(j).lines.map((l) => [toText(l.in), toText(l.pre), toText(l.over), toText(l.full)])).toEqual([
      ['1000.00', '0.00', '0.00', '0.00'], ['480.00', '120.00', '0.00', '0.00'], ['0.00', '0.00', '0.00', '150.00'],
    ]);
  });

  it('makes the excess over the price limit 超限价自付, half-up', () => {
    // Level 1, long-term (D 300.00, 0.90):
    //   B 4 × 120.00 = 480.00, limit 100.00: over = 20.00 × 4 = 80.00; base 400.00; pre 40.00; in 360.00
    //   A 2.5 × 33.33 = 83.325 → 83.33, limit 30.00: over = round(3.33 × 2.5 = 8.325) = 8.33 (half-up); in 75.00
    //   A 1 × 50.00, limit 60.00: price under the limit → over 0; in 50.00
    //   C 1 × 200.00, limit 100.00: class C is all self-paid, the limit does not matter → full 200.00
    // total 813.33 = 485.00 + 40.00 + 88.33 + 200.00; X = 485.00 − 300.00 = 185.00; pool = 166.50;
    // psn = 813.33 − 166.50 = 646.83.
    const j = input({
      hospitalLevel: 1, group: 'longTerm',
      fees: [
        fee('1', 'B', '4', '120.00', '480.00', { limitPrice: '100.00' }),
        fee('2', 'A', '2.5', '33.33', '83.33', { limitPrice: '30.00' }),
        fee('3', 'A', '1', '50.00', '50.00', { limitPrice: '60.00' }),
        fee('4', 'C', '1', '200.00', '200.00', { limitPrice: '100.00' }),
      ],
    });
    const o = out(j);
    expect([o.medfee_sumamt, o.inscp_scp_amt, o.preselfpay_amt, o.overlmt_selfpay, o.fulamt_ownpay_amt]).toEqual(['813.33', '485.00', '40.00', '88.33', '200.00']);
    expect([o.act_pay_dedc, o.hifp_pay, o.psn_part_amt, o.psn_cash_pay]).toEqual(['300.00', '166.50', '646.83', '646.83']);
    expect(compute(j).lines.map((l) => toText(l.over))).toEqual(['80.00', '8.33', '0.00', '0.00']);
  });

  it('rounds the B-class share half-up at .005', () => {
    // B 1 × 0.05, ratio 0.10: pre = round(0.005) = 0.01 (half-up, not to even), in = 0.04.
    const r = compute(input({ fees: [fee('1', 'B', '1', '0.05', '0.05')] }));
    expect([toText(r.lines[0]!.pre), toText(r.lines[0]!.in)]).toEqual(['0.01', '0.04']);
  });
});

describe('settle: deductible (step 4)', () => {
  it('lowers the deductible from the second admission of the year', () => {
    // Level 3, long-term, A 1450.00. First admission: D 900.00, X 550.00, pool 550 × 0.80 = 440.00.
    // Second (prior 1): D = round(900.00 × 0.5) = 450.00, X 1000.00, pool 800.00; a third (prior 2) the same.
    const base = { group: 'longTerm', fees: stay('1450.00') };
    expect([out(input(base)).act_pay_dedc, out(input(base)).hifp_pay]).toEqual(['900.00', '440.00']);
    expect([out(input({ ...base, priorAdmissionsThisYear: 1 })).act_pay_dedc, out(input({ ...base, priorAdmissionsThisYear: 1 })).hifp_pay]).toEqual(['450.00', '800.00']);
    expect(out(input({ ...base, priorAdmissionsThisYear: 2 })).hifp_pay).toBe('800.00');
  });

  it('rounds the repeat deductible half-up', () => {
    // D = round(300.01 × 0.5 = 150.005) = 150.01; level 1 A 1000.00: X = 849.99, pool = round(764.991) = 764.99;
    // psn = 1000.00 − 764.99 = 235.01.
    const p = policy();
    p.deductible['1'] = '300.01';
    const o = out(input({ policy: p, hospitalLevel: 1, group: 'longTerm', priorAdmissionsThisYear: 1, fees: stay('1000.00') }));
    expect([o.act_pay_dedc, o.hifp_pay, o.psn_part_amt]).toEqual(['150.01', '764.99', '235.01']);
  });

  it('takes only the in-scope amount when it is below the deductible', () => {
    // Level 3: A 500.00 + C 300.00. inScope 500.00 < D 900.00 → act_pay_dedc 500.00, X 0, pool 0;
    // the person pays 800.00.
    const o = out(input({ fees: [fee('1', 'A', '1', '500.00', '500.00'), fee('2', 'C', '1', '300.00', '300.00')] }));
    expect([o.inscp_scp_amt, o.act_pay_dedc, o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['500.00', '500.00', '0.00', '0.00', '800.00']);
    expect(o.setldetail).toEqual([]);
  });
});

describe('settle: bands and reductions (step 5)', () => {
  it('walks the two level-3 bands across the 10000 boundary', () => {
    // A 20900.00, long-term: X = 20000.00 = 10000.00 at 0.80 (8000.00) + 10000.00 at 0.85 (8500.00) → 16500.00;
    // psn = 20900.00 − 16500.00 = 4400.00.
    const o = out(input({ group: 'longTerm', fees: stay('20900.00') }));
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['16500.00', '16500.00', '4400.00']);
    // Exactly at the boundary: X 10000.00 → 8000.00. One fen above: 8000.00 + 0.01 × 0.85 = 8000.0085 → 8000.01.
    expect(out(input({ group: 'longTerm', fees: stay('10900.00') })).hifp_pay).toBe('8000.00');
    expect(out(input({ group: 'longTerm', fees: stay('10900.01') })).hifp_pay).toBe('8000.01');
  });

  it('reduces every band by the group’s points', () => {
    // Same stay, X 20000.00 over (0.80, 0.85) minus the group's reduction:
    //   longTerm 0 → 8000 + 8500 = 16500; referral/emergency 0.10 → 7000 + 7500 = 14500;
    //   otherTemporary 0.20 → 6000 + 6500 = 12500; unregistered 0.30 → 5000 + 5500 = 10500.
    const pool = (group: string): string => out(input({ group, fees: stay('20900.00') })).hifp_pay;
    expect(['longTerm', 'referral', 'emergency', 'otherTemporary', 'unregistered'].map(pool)).toEqual(['16500.00', '14500.00', '14500.00', '12500.00', '10500.00']);
  });

  it('floors a reduced ratio at 0', () => {
    // Level 3 bands (0.25 up to 10000, 0.85 above), unregistered −0.30: r' = max(0, −0.05) = 0 and 0.55;
    // X 20000.00 → 0 + 10000.00 × 0.55 = 5500.00.
    const p = policy();
    p.bands['3'][0].ratio = '0.25';
    expect(out(input({ policy: p, group: 'unregistered', fees: stay('20900.00') })).hifp_pay).toBe('5500.00');
    // Level 1 flat 0.25 − 0.30 → 0: the pool pays nothing and is not listed.
    p.bands['1'][0].ratio = '0.25';
    const o = out(input({ policy: p, hospitalLevel: 1, group: 'unregistered', fees: stay('1300.00') }));
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['0.00', '0.00', '1300.00']);
    expect(o.setldetail).toEqual([]);
  });

  it('rounds the pool half-up at .005', () => {
    // Level 1 A 400.05: X = 100.05, × 0.90 = 90.045 → 90.05 (half-up; half-even would give 90.04).
    const o = out(input({ hospitalLevel: 1, group: 'longTerm', fees: stay('400.05') }));
    expect([o.hifp_pay, o.psn_cash_pay]).toEqual(['90.05', '310.00']);
  });
});

describe('settle: annual cap and supplementary fund (steps 5–6)', () => {
  const big = { group: 'longTerm', fees: stay('20900.00') };

  it('caps the pool with x* inside the second band', () => {
    // capLeft = 300000.00 − 288000.00 = 12000.00 < poolRaw 16500.00 → pool 12000.00.
    // Walk: band 1 pays 8000.00 (x up to 10000); 4000.00 more at 0.85 → x* = 10000 + 4000/0.85
    // = 14705.882352941176…; uncovered = 20000 − x* = 5294.117647058823…;
    // supp = round(uncovered × 0.85) = round(4500 exactly) = 4500.00.
    // fund = 16500.00; psn = 4400.00.
    const j = input({ ...big, poolPaidThisYear: '288000.00' });
    const o = out(j);
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['12000.00', '16500.00', '4400.00']);
    expect(o.setldetail).toEqual([{ ...POOL, fund_payamt: '12000.00' }, { ...BIG, fund_payamt: '4500.00' }]);
    const r = compute(j);
    expect(r.work.capReachedAt!.toFixed(10)).toBe('14705.8823529412');
    expect(r.work.uncovered.toFixed(10)).toBe('5294.1176470588');
    expect(toText(r.hifob_pay)).toBe('4500.00');
    expect(toText(r.hifmi_pay)).toBe('0.00');
  });

  it('pays the supplementary fund at its own ratio on the exact uncovered amount', () => {
    // As above with supplementary ratio 0.90: supp = round(5294.1176470588… × 0.90 = 4764.70588…) = 4764.71;
    // fund = 12000.00 + 4764.71 = 16764.71; psn = 20900.00 − 16764.71 = 4135.29.
    const p = policy();
    p.supplementary.ratio = '0.90';
    const o = out(input({ ...big, policy: p, poolPaidThisYear: '288000.00' }));
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['12000.00', '16764.71', '4135.29']);
  });

  it('finds x* inside the first band', () => {
    // capLeft 5000.00: band 1 would pay 8000.00 > 5000.00 → x* = 5000 / 0.80 = 6250.00; uncovered 13750.00;
    // supp = 13750.00 × 0.85 = 11687.50; fund 16687.50; psn 4212.50.
    const o = out(input({ ...big, poolPaidThisYear: '295000.00' }));
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['5000.00', '16687.50', '4212.50']);
  });

  it('keeps the supplementary cent a rounded x* would lose at a .xx5 tie', () => {
    // Level 1 flat 0.90 − 0.20 (otherTemporary) = 0.70, D 300.00; A 1300.05 → X = 1000.05;
    // poolRaw = round(700.035) = 700.04 > capLeft = 300000.00 − 299999.99 = 0.01 → pool 0.01.
    // x* = 0.01 / 0.70 = 0.0142857142…; with supplementary ratio 0.70:
    // uncovered × 0.70 = 1000.05 × 0.70 − 0.01 = 700.025 exactly → half-up 700.03.
    // fund = 0.01 + 700.03 = 700.04; psn = 1300.05 − 700.04 = 600.01.
    const p = policy();
    p.supplementary.ratio = '0.70';
    const r = compute(input({ policy: p, hospitalLevel: 1, group: 'otherTemporary', poolPaidThisYear: '299999.99', fees: stay('1300.05') }));
    expect([toText(r.hifp_pay), toText(r.hifob_pay), toText(r.fund_pay_sumamt), toText(r.psn_cash_pay)]).toEqual(['0.01', '700.03', '700.04', '600.01']);
    // The naive path (x* to 40 digits, then X − x*, then × 0.70) lands a hair below the tie: 700.02.
    const naive = r.work.aboveDeductible.minus(new Decimal('0.01').dividedBy('0.70')).times('0.70');
    expect(toText(naive)).toBe('700.02');
  });

  it('pays nothing from the pool once the cap is used up, and the supplementary fund from 0', () => {
    // capLeft 0: x* = 0, uncovered = X = 20000.00, supp = 20000.00 × 0.85 = 17000.00; psn = 3900.00.
    for (const paid of ['300000.00', '310000.00']) {
      const o = out(input({ ...big, poolPaidThisYear: paid }));
      expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['0.00', '17000.00', '3900.00']);
      expect(o.setldetail).toEqual([{ ...BIG, fund_payamt: '17000.00' }]);
    }
  });

  it('caps the supplementary fund by what is left of its own yearly cap', () => {
    // supplementaryLeft = 400000.00 − 395000.00 = 5000.00 < 17000.00 → supp 5000.00; psn 15900.00.
    const o = out(input({ ...big, poolPaidThisYear: '300000.00', supplementaryPaidThisYear: '395000.00' }));
    expect([o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['5000.00', '15900.00']);
    // Used up (or overrun): nothing, and no fund rows.
    for (const paid of ['400000.00', '410000.00']) {
      const o2 = out(input({ ...big, poolPaidThisYear: '300000.00', supplementaryPaidThisYear: paid }));
      expect([o2.fund_pay_sumamt, o2.psn_cash_pay, o2.setldetail.length]).toEqual(['0.00', '20900.00', 0]);
    }
  });

  it('names the residents’ funds 390100 and 390200 (hifmi_pay)', () => {
    const r = compute(input({ ...big, policy: residentPolicy(), poolPaidThisYear: '288000.00' }));
    expect([toText(r.hifp_pay), toText(r.hifmi_pay), toText(r.hifob_pay)]).toEqual(['12000.00', '4500.00', '0.00']);
    expect(settleToJson(r).setldetail).toEqual([
      { fund_pay_type: '390100', fund_pay_type_name: '城乡居民基本医疗保险基金', fund_payamt: '12000.00' },
      { fund_pay_type: '390200', fund_pay_type_name: '城乡居民大病医疗保险基金', fund_payamt: '4500.00' },
    ]);
  });
});

describe('settle: civil servant subsidy (step 7)', () => {
  const mix = (over: Json = {}): Json => input({
    hospitalLevel: 2, group: 'longTerm',
    fees: [fee('1', 'A', '1', '1000.10', '1000.10'), fee('2', 'B', '3', '200.00', '600.00', { selfPayRatio: '0.20' }), fee('3', 'C', '1', '150.00', '150.00')],
    ...over,
  });

  it('pays on the person’s in-scope share, half-up', () => {
    // total 1750.10, inScope 1480.10, D 600.00, X 880.10; pool = round(748.085) = 748.09;
    // cvl = round((1480.10 − 748.09 − 0) × 0.50 = 366.005) = 366.01; fund 1114.10; psn 636.00.
    const o = out(mix({ civilServant: true }));
    expect([o.hifp_pay, o.fund_pay_sumamt, o.psn_part_amt, o.psn_cash_pay]).toEqual(['748.09', '1114.10', '636.00', '636.00']);
    expect(o.setldetail).toEqual([{ ...POOL, fund_payamt: '748.09' }, { ...CVL, fund_payamt: '366.01' }]);
    // Not a civil servant: no subsidy, psn 1002.01.
    expect(out(mix()).psn_part_amt).toBe('1002.01');
  });

  it('lists pool, supplementary, civil servant in that order, after the supplementary fund', () => {
    // Partial cap as above: pool 12000.00, supp 4500.00, cvl = round((20900 − 16500) × 0.50) = 2200.00; psn 2200.00.
    const o = out(input({ group: 'longTerm', civilServant: true, poolPaidThisYear: '288000.00', fees: stay('20900.00') }));
    expect(o.setldetail).toEqual([{ ...POOL, fund_payamt: '12000.00' }, { ...BIG, fund_payamt: '4500.00' }, { ...CVL, fund_payamt: '2200.00' }]);
    expect([o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['18700.00', '2200.00']);
    // Cap used up: supp 17000.00, cvl = round(3900.00 × 0.50) = 1950.00; fund 18950.00; psn 1950.00.
    const o2 = out(input({ group: 'longTerm', civilServant: true, poolPaidThisYear: '300000.00', fees: stay('20900.00') }));
    expect(o2.setldetail).toEqual([{ ...BIG, fund_payamt: '17000.00' }, { ...CVL, fund_payamt: '1950.00' }]);
    expect([o2.fund_pay_sumamt, o2.psn_cash_pay]).toEqual(['18950.00', '1950.00']);
  });
});

describe('settle: personal account (step 9)', () => {
  const mix = (over: Json = {}): Json => input({
    hospitalLevel: 2, group: 'longTerm',
    fees: [fee('1', 'A', '2', '500.00', '1000.00'), fee('2', 'B', '3', '200.00', '600.00', { selfPayRatio: '0.20' }), fee('3', 'C', '1', '150.00', '150.00')],
    ...over,
  });

  it('pays the whole share from a large enough balance', () => {
    // psn_part 1002.00 (see the class mix); balance 5000.00 → acct 1002.00, cash 0.00.
    const o = out(mix({ useAccount: true, accountBalance: '5000.00' }));
    expect([o.psn_part_amt, o.acct_pay, o.psn_cash_pay]).toEqual(['1002.00', '1002.00', '0.00']);
  });

  it('pays the balance when it is smaller than the share', () => {
    // acct = min(300.50, 1002.00) = 300.50; cash = 701.50.
    const o = out(mix({ useAccount: true, accountBalance: '300.50' }));
    expect([o.acct_pay, o.psn_cash_pay]).toEqual(['300.50', '701.50']);
  });

  it('does not touch the account unless chosen, nor for the residents’ scheme', () => {
    expect(out(mix({ useAccount: false, accountBalance: '5000.00' })).acct_pay).toBe('0.00');
    const o = out(mix({ policy: residentPolicy(), useAccount: true, accountBalance: '5000.00' }));
    expect([o.acct_pay, o.psn_cash_pay]).toEqual(['0.00', '1002.00']);
    expect(o.setldetail).toEqual([{ fund_pay_type: '390100', fund_pay_type_name: '城乡居民基本医疗保险基金', fund_payamt: '748.00' }]);
  });
});

describe('settle: refund lines', () => {
  it('treats negative quantities algebraically, rounding away from zero', () => {
    // Level 1, long-term (D 300.00, 0.90):
    //   1 A  10 × 100.00 = 1000.00                                       in 1000.00
    //   2 A  −2 × 100.00 = −200.00                                        in −200.00
    //   3 B   5 × 40.00 = 200.00, limit 30.00: over 50.00, base 150.00, pre 15.00, in 135.00
    //   4 B  −1 × 40.00 = −40.00, limit 30.00: over −10.00, base −30.00, pre −3.00, in −27.00
    //   5 C  −1 × 25.00 = −25.00                                          full −25.00
    //   6 B  −1 × 0.05 = −0.05: pre = round(−0.005) = −0.01, in −0.04
    // total 934.95 = inScope 907.96 + pre 11.99 + over 40.00 + full −25.00;
    // X = 607.96; pool = round(547.164) = 547.16; psn = 934.95 − 547.16 = 387.79.
    const o = out(input({
      hospitalLevel: 1, group: 'longTerm',
      fees: [
        fee('1', 'A', '10', '100.00', '1000.00'),
        fee('2', 'A', '-2', '100.00', '-200.00'),
        fee('3', 'B', '5', '40.00', '200.00', { limitPrice: '30.00' }),
        fee('4', 'B', '-1', '40.00', '-40.00', { limitPrice: '30.00' }),
        fee('5', 'C', '-1', '25.00', '-25.00'),
        fee('6', 'B', '-1', '0.05', '-0.05'),
      ],
    }));
    expect([o.medfee_sumamt, o.inscp_scp_amt, o.preselfpay_amt, o.overlmt_selfpay, o.fulamt_ownpay_amt]).toEqual(['934.95', '907.96', '11.99', '40.00', '-25.00']);
    expect([o.act_pay_dedc, o.hifp_pay, o.psn_cash_pay]).toEqual(['300.00', '547.16', '387.79']);
  });

  it('pays nothing from the funds when refunds leave the in-scope sum below zero', () => {
    // A −1 × 100.00 = −100.00 and C 1 × 300.00: total 200.00, inScope −100.00 → act_pay_dedc 0 (never
    // negative), pool 0, civil servant 0 (its base is floored at 0); the person's share is the total.
    const o = out(input({ civilServant: true, fees: [fee('1', 'A', '-1', '100.00', '-100.00'), fee('2', 'C', '1', '300.00', '300.00')] }));
    expect([o.inscp_scp_amt, o.act_pay_dedc, o.fund_pay_sumamt, o.psn_cash_pay]).toEqual(['-100.00', '0.00', '0.00', '200.00']);
  });
});

describe('settle: validation', () => {
  const err = (json: Json): InputError => inputError(() => parseSettleInput(json));

  it('names a missing field with its path', () => {
    const j = input();
    delete j.policy.version;
    expect(err(j)).toMatchObject({ code: 'MISSING_FIELD', path: 'policy.version' });
    expect(err(j).message).toContain('政策版本');
    const j2 = input();
    delete j2.fees[0].qty;
    expect(err(j2)).toMatchObject({ code: 'MISSING_FIELD', path: 'fees[0].qty' });
    const j3 = input();
    delete j3.policy;
    expect(err(j3)).toMatchObject({ code: 'MISSING_FIELD', path: 'policy' });
    const j4 = input();
    delete j4.policy.reduction.unregistered;
    expect(err(j4)).toMatchObject({ code: 'MISSING_FIELD', path: 'policy.reduction.unregistered' });
  });

  it('rejects an amount with more than two decimals, naming the row', () => {
    const j = input({ fees: [fee('1', 'A', '1', '1.00', '1.00'), fee('2', 'A', '1', '1.00', '1.00'), fee('3', 'A', '1', '1.00', '1.00'), fee('4', 'A', '1', '12.345', '12.345')] });
    const e = err(j);
    expect(e).toMatchObject({ code: 'INVALID_AMOUNT', path: 'fees[3].amount' });
    expect(e.message).toMatch(/^第 4 行费用：金额/);
  });

  it('rejects a ratio outside 0..1 inside the bands', () => {
    const j = input();
    j.policy.bands['3'][0].ratio = '1.20';
    expect(err(j)).toMatchObject({ code: 'INVALID_RATIO', path: 'policy.bands.3[0].ratio' });
    const j2 = input();
    j2.policy.reduction.referral = '-0.1';
    expect(err(j2)).toMatchObject({ code: 'INVALID_RATIO', path: 'policy.reduction.referral' });
  });

  it('rejects an amount that is not round(qty × price) within 0.01', () => {
    // 3 × 33.33 = 99.99: 100.00 is within a fen (accepted), 100.01 is not.
    const ok = input({ fees: [fee('1', 'A', '1', '10.00', '10.00'), fee('2', 'A', '3', '33.33', '100.00')] });
    expect(() => parseSettleInput(ok)).not.toThrow();
    const bad = input({ fees: [fee('1', 'A', '1', '10.00', '10.00'), fee('2', 'A', '3', '33.33', '100.01')] });
    const e = err(bad);
    expect(e).toMatchObject({ code: 'AMOUNT_MISMATCH', path: 'fees[1].amount' });
    expect(e.message).toMatch(/^第 2 行费用金额与数量×单价不符/);
    // Refund lines follow the same rule: −2 × 12.345 = −24.69.
    expect(() => parseSettleInput(input({ fees: [fee('1', 'A', '5', '12.345', '61.73'), fee('2', 'A', '-2', '12.345', '-24.69')] }))).not.toThrow();
  });

  it('rejects wrong codes and types', () => {
    expect(err(input({ fees: [fee('1', 'D' as 'A', '1', '1.00', '1.00')] }))).toMatchObject({ code: 'INVALID_FIELD', path: 'fees[0].class' });
    expect(err(input({ hospitalLevel: 4 }))).toMatchObject({ code: 'INVALID_FIELD', path: 'hospitalLevel' });
    expect(err(input({ group: 'vip' }))).toMatchObject({ code: 'INVALID_FIELD', path: 'group' });
    expect(err(input({ priorAdmissionsThisYear: -1 }))).toMatchObject({ code: 'INVALID_FIELD', path: 'priorAdmissionsThisYear' });
    expect(err(input({ civilServant: 'yes' }))).toMatchObject({ code: 'INVALID_FIELD', path: 'civilServant' });
    expect(err(input({ accountBalance: '-1.00' }))).toMatchObject({ code: 'INVALID_AMOUNT', path: 'accountBalance' });
    expect(err(input({ fees: {} }))).toMatchObject({ code: 'INVALID_FIELD', path: 'fees' });
    expect(err(input({ fees: [] }))).toMatchObject({ code: 'INVALID_FIELD', path: 'fees' });
    expect(inputError(() => parseSettleInput([1]))).toMatchObject({ code: 'INVALID_INPUT', path: '' });
  });

  it('requires the B-class ratio, unique line numbers and a non-negative total', () => {
    expect(err(input({ fees: [fee('1', 'B', '1', '1.00', '1.00', { selfPayRatio: null })] }))).toMatchObject({ code: 'MISSING_FIELD', path: 'fees[0].selfPayRatio' });
    expect(err(input({ fees: [fee('1', 'A', '1', '1.00', '1.00'), fee('1', 'A', '1', '2.00', '2.00')] }))).toMatchObject({ code: 'DUPLICATE_SN', path: 'fees[1].sn' });
    expect(err(input({ fees: [fee('1', 'A', '1', '1.00', '1.00'), fee('2', 'A', '-1', '2.00', '-2.00')] }))).toMatchObject({ code: 'NEGATIVE_TOTAL', path: 'fees' });
  });

  it('checks the bands and the funds of the scheme', () => {
    const j = input();
    j.policy.bands['3'][1].upTo = '20000.00';
    expect(err(j)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.bands.3[1].upTo' });
    const j2 = input();
    j2.policy.bands['3'] = [{ upTo: null, ratio: '0.8' }, { upTo: null, ratio: '0.85' }];
    expect(err(j2)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.bands.3[0].upTo' });
    const j3 = input();
    j3.policy.bands['3'] = [{ upTo: '10000.00', ratio: '0.8' }, { upTo: '5000.00', ratio: '0.85' }, { upTo: null, ratio: '0.9' }];
    expect(err(j3)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.bands.3[1].upTo' });
    const j4 = input();
    j4.policy.bands['1'] = [];
    expect(err(j4)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.bands.1' });
    const j5 = input();
    j5.policy.poolFundType = '390100';
    expect(err(j5)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.poolFundType' });
    const j6 = input();
    j6.policy.supplementary.fundType = '390200';
    expect(err(j6)).toMatchObject({ code: 'INVALID_FIELD', path: 'policy.supplementary.fundType' });
  });

  it('parses a policy on its own, under the path it is given', () => {
    const p = policy();
    expect(parsePolicy(p).bands[3].length).toBe(2);
    p.annualCap = '1.234';
    expect(inputError(() => parsePolicy(p, 'settle.policy'))).toMatchObject({ code: 'INVALID_AMOUNT', path: 'settle.policy.annualCap' });
  });

  it('ignores unknown fields and accepts JSON numbers', () => {
    const j = input();
    j.extra = 1;
    j.policy.note = 'x';
    j.policy.bands['3'][0].comment = 'y';
    j.fees[0].dept = '骨科';
    j.fees[0].date = '2026-10-01';
    j.fees[0].qty = 10;
    j.fees[0].price = 12.5;
    j.fees[0].amount = 125;
    j.hospitalLevel = '3';
    expect(out(j)).toEqual(out(input()));
  });
});

describe('settle: properties', () => {
  const cents = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => new Decimal(n).dividedBy(100).toFixed(2));
  const ratio = fc.integer({ min: 0, max: 1000 }).map((n) => new Decimal(n).dividedBy(1000).toFixed());
  const bands = fc.array(fc.tuple(fc.oneof(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1, max: 2_000_000 })), ratio), { minLength: 1, maxLength: 4 }).map((list) => {
    let upTo = 0;
    return list.map(([step, r], i) => {
      upTo += step;
      return { upTo: i === list.length - 1 ? null : new Decimal(upTo).dividedBy(100).toFixed(2), ratio: r };
    });
  });
  const policyArb = fc.record({
    scheme: fc.constantFrom('310', '390'),
    deductible: fc.record({ '1': cents(0, 200_000), '2': cents(0, 200_000), '3': cents(0, 200_000) }),
    repeatDeductibleFactor: ratio,
    bands: fc.record({ '1': bands, '2': bands, '3': bands }),
    reduction: fc.record({ longTerm: ratio, referral: ratio, emergency: ratio, otherTemporary: ratio, unregistered: ratio }),
    annualCap: cents(0, 50_000_000),
    suppRatio: ratio,
    suppCap: cents(0, 50_000_000),
    civilServantRatio: ratio,
  }).map((p) => ({
    version: 'prop-1', scheme: p.scheme, deductible: p.deductible, repeatDeductibleFactor: p.repeatDeductibleFactor,
    bands: p.bands, reduction: p.reduction, annualCap: p.annualCap,
    poolFundType: p.scheme === '310' ? '310100' : '390100',
    supplementary: { fundType: p.scheme === '310' ? '330100' : '390200', ratio: p.suppRatio, annualCap: p.suppCap },
    civilServantRatio: p.civilServantRatio,
  }));
  const lineArb = fc.record({
    cls: fc.constantFrom('A', 'B', 'C'),
    qty: fc.tuple(fc.integer({ min: -3, max: 30 }), fc.integer({ min: 0, max: 3 })).map(([n, k]) => new Decimal(n).dividedBy(10 ** k).toFixed()),
    price: fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 2, max: 4 })).map(([n, k]) => new Decimal(n).dividedBy(10 ** k).toFixed()),
    delta: fc.constantFrom('-0.01', '0', '0.01'),
    selfPayRatio: ratio,
    limitPrice: fc.option(cents(0, 2_000_000), { nil: null }),
  });
  // Long stays with large in-scope amounts, so that bands and caps are crossed often.
  const bigLineArb = fc.record({
    cls: fc.constantFrom('A', 'B'),
    qty: fc.integer({ min: 1, max: 10 }).map(String),
    price: cents(100_000, 5_000_000),
    delta: fc.constant('0'),
    selfPayRatio: ratio,
    limitPrice: fc.constant(null),
  });
  const inputArb = fc.record({
    policy: policyArb,
    hospitalLevel: fc.constantFrom(1, 2, 3),
    group: fc.constantFrom('longTerm', 'referral', 'emergency', 'otherTemporary', 'unregistered'),
    priorAdmissionsThisYear: fc.integer({ min: 0, max: 3 }),
    // What is left of each yearly cap, mostly small enough to bind on this stay.
    poolLeft: fc.oneof(cents(0, 3_000_000), cents(0, 60_000_000)),
    suppLeft: fc.oneof(cents(0, 5_000_000), cents(0, 60_000_000)),
    civilServant: fc.boolean(),
    useAccount: fc.boolean(),
    accountBalance: cents(0, 5_000_000),
    lines: fc.array(fc.oneof(lineArb, bigLineArb), { minLength: 1, maxLength: 8 }),
  }).map(({ lines, poolLeft, suppLeft, ...rest }) => ({
    ...rest,
    // Paid so far = cap − left, or more than the cap when left is bigger (an overrun year).
    poolPaidThisYear: new Decimal(rest.policy.annualCap).minus(poolLeft).abs().toFixed(2),
    supplementaryPaidThisYear: new Decimal(rest.policy.supplementary.annualCap).minus(suppLeft).abs().toFixed(2),
    fees: lines.map((l, i) => {
      const amount = new Decimal(l.qty).times(l.price).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).plus(l.delta).toFixed(2);
      return { sn: String(i + 1), code: `P${i}`, name: `项目${i}`, class: l.cls, qty: l.qty, price: l.price, amount, selfPayRatio: l.selfPayRatio, limitPrice: l.limitPrice };
    }),
  }));
  const nonNegative = inputArb.filter((j) => j.fees.reduce((acc, f) => acc.plus(f.amount), new Decimal(0)).gte(0));

  it('keeps the identities, never pays a negative fund and respects the caps', () => {
    fc.assert(fc.property(nonNegative, (j) => {
      const r = compute(j);
      expect(r.medfee_sumamt.eq(r.inscp_scp_amt.plus(r.preselfpay_amt).plus(r.overlmt_selfpay).plus(r.fulamt_ownpay_amt))).toBe(true);
      expect(r.medfee_sumamt.eq(r.fund_pay_sumamt.plus(r.psn_part_amt))).toBe(true);
      expect(r.psn_part_amt.eq(r.acct_pay.plus(r.psn_cash_pay))).toBe(true);
      expect(r.fund_pay_sumamt.eq(r.hifp_pay.plus(r.hifob_pay).plus(r.hifmi_pay).plus(r.cvlserv_pay))).toBe(true);
      for (const v of [r.hifp_pay, r.hifob_pay, r.hifmi_pay, r.cvlserv_pay, r.fund_pay_sumamt, r.acct_pay, r.act_pay_dedc]) expect(v.gte(0)).toBe(true);
      expect(r.hifp_pay.lte(r.work.capLeft)).toBe(true);
      expect(r.hifob_pay.plus(r.hifmi_pay).lte(r.work.supplementaryLeft)).toBe(true);
      expect(r.acct_pay.lte(new Decimal(j.accountBalance))).toBe(true);
      if (!(j.policy.scheme === '310' && j.useAccount)) expect(r.acct_pay.isZero()).toBe(true);
      if (r.inscp_scp_amt.gte(0)) expect(r.fund_pay_sumamt.lte(r.inscp_scp_amt)).toBe(true);
      expect(r.setldetail.every((f) => f.fund_payamt.gt(0))).toBe(true);
      const amounts = [r.medfee_sumamt, r.inscp_scp_amt, r.preselfpay_amt, r.overlmt_selfpay, r.fulamt_ownpay_amt, r.act_pay_dedc, r.hifp_pay, r.hifob_pay, r.hifmi_pay, r.cvlserv_pay, r.fund_pay_sumamt, r.psn_part_amt, r.acct_pay, r.psn_cash_pay, ...r.lines.flatMap((l) => [l.in, l.pre, l.over, l.full])];
      for (const v of amounts) expect(v.decimalPlaces()).toBeLessThanOrEqual(2);
      const o = settleToJson(r);
      for (const [k, v] of Object.entries(o)) if (k !== 'setldetail' && k !== 'policyVersion') expect(v).toMatch(/^-?\d+\.\d{2}$/);
    }), { numRuns: 500 });
  });

  it('agrees to the cent with an exact rational recomputation of §6a', () => {
    let cappedLater = 0;
    fc.assert(fc.property(nonNegative, (j) => {
      const r = compute(j);
      const firstTop = r.work.bands[0]?.upTo;
      if (r.work.capReachedAt && r.hifob_pay.plus(r.hifmi_pay).gt(0) && firstTop && r.work.capReachedAt.gt(firstTop)) cappedLater++;
      const o = oracle(j);
      expect([toText(r.act_pay_dedc), toText(r.hifp_pay), toText(r.hifob_pay.plus(r.hifmi_pay)), toText(r.cvlserv_pay), toText(r.acct_pay)]).toEqual(o);
    }), { numRuns: 1000 });
    // The generator must reach the hard path: the cap binding beyond the first band with the
    // supplementary fund paying.
    expect(cappedLater).toBeGreaterThan(20);
  });

  it('rejects the same inputs with any amount carrying a third decimal', () => {
    fc.assert(fc.property(nonNegative, fc.nat(), (j, k) => {
      const i = k % j.fees.length;
      j.fees[i]!.amount = `${j.fees[i]!.amount}1`;
      expect(inputError(() => parseSettleInput(j))).toMatchObject({ path: `fees[${i}].amount` });
    }), { numRuns: 100 });
  });
});

// ---------------------------------------------------------------------------------------------
// An independent recomputation of §6a in exact rationals (BigInt), to check the x* arithmetic.

interface Q { n: bigint; d: bigint }
function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function q(n: bigint, d = 1n): Q {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}
function qs(s: string): Q {
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = q(BigInt(i + f), 10n ** BigInt(f.length));
  return neg ? q(-v.n, v.d) : v;
}
const qadd = (a: Q, b: Q): Q => q(a.n * b.d + b.n * a.d, a.d * b.d);
const qsub = (a: Q, b: Q): Q => q(a.n * b.d - b.n * a.d, a.d * b.d);
const qmul = (a: Q, b: Q): Q => q(a.n * b.n, a.d * b.d);
const qdiv = (a: Q, b: Q): Q => q(a.n * b.d, a.d * b.n);
const qcmp = (a: Q, b: Q): number => Math.sign(Number(a.n * b.d - b.n * a.d));
const qmin = (a: Q, b: Q): Q => (qcmp(a, b) <= 0 ? a : b);
const qmax = (a: Q, b: Q): Q => (qcmp(a, b) >= 0 ? a : b);
const Q0 = q(0n);
/** Half-up (away from zero) to the fen. */
function qround(a: Q): Q {
  const neg = a.n < 0n;
  const abs = neg ? -a.n : a.n;
  const fen = (abs * 200n + a.d) / (2n * a.d);
  return q(neg ? -fen : fen, 100n);
}
function qtext(a: Q): string {
  const fen = qmul(a, q(100n)).n;
  const neg = fen < 0n;
  const abs = (neg ? -fen : fen).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

function oracle(j: Json): string[] {
  const p = j.policy;
  let total = Q0;
  let inScope = Q0;
  for (const f of j.fees) {
    const amount = qs(f.amount);
    total = qadd(total, amount);
    if (f.class === 'C') continue;
    const price = qs(f.price);
    const over = f.limitPrice !== null && qcmp(price, qs(f.limitPrice)) > 0 ? qround(qmul(qsub(price, qs(f.limitPrice)), qs(f.qty))) : Q0;
    const base = qsub(amount, over);
    const pre = f.class === 'B' ? qround(qmul(base, qs(f.selfPayRatio))) : Q0;
    inScope = qadd(inScope, qsub(base, pre));
  }
  const D = qround(qmul(qs(p.deductible[String(j.hospitalLevel)]), j.priorAdmissionsThisYear >= 1 ? qs(p.repeatDeductibleFactor) : q(1n)));
  const dedc = qmax(Q0, qmin(D, inScope));
  const X = qsub(inScope, dedc);
  const red = qs(p.reduction[j.group]);
  // Pool payment as a function of x, piecewise linear over the bands.
  const segs: { from: Q; to: Q | null; r: Q }[] = [];
  let from = Q0;
  for (const b of p.bands[String(j.hospitalLevel)]) {
    const to = b.upTo === null ? null : qs(b.upTo);
    segs.push({ from, to, r: qmax(Q0, qsub(qs(b.ratio), red)) });
    if (to) from = to;
  }
  const payAt = (x: Q): Q => segs.reduce((acc, s) => {
    const top = s.to === null ? x : qmin(x, s.to);
    return qcmp(top, s.from) > 0 ? qadd(acc, qmul(qsub(top, s.from), s.r)) : acc;
  }, Q0);
  const poolRaw = qround(payAt(qmax(Q0, X)));
  const capLeft = qmax(Q0, qsub(qs(p.annualCap), qs(j.poolPaidThisYear)));
  let pool = poolRaw;
  let uncovered = Q0;
  if (qcmp(poolRaw, capLeft) > 0) {
    pool = capLeft;
    // x* = sup{x : payAt(x) ≤ capLeft}, by bisection-free inversion per segment.
    let xs: Q | null = null;
    for (const s of segs) {
      const end = s.to === null ? X : qmin(X, s.to);
      if (qcmp(s.r, Q0) > 0 && qcmp(payAt(end), capLeft) > 0) {
        xs = qadd(s.from, qdiv(qsub(capLeft, payAt(s.from)), s.r));
        break;
      }
    }
    uncovered = qsub(X, xs!);
  }
  const supp = qmin(qround(qmul(uncovered, qs(p.supplementary.ratio))), qmax(Q0, qsub(qs(p.supplementary.annualCap), qs(j.supplementaryPaidThisYear))));
  const cvl = j.civilServant ? qround(qmul(qmax(Q0, qsub(qsub(inScope, pool), supp)), qs(p.civilServantRatio))) : Q0;
  const psn = qsub(total, qadd(qadd(pool, supp), cvl));
  const acct = p.scheme === '310' && j.useAccount ? qmax(Q0, qmin(qs(j.accountBalance), psn)) : Q0;
  return [qtext(dedc), qtext(pool), qtext(supp), qtext(cvl), qtext(acct)];
}

describe('settle: command line', () => {
  const run = (stdin: string) => spawnSync('npx', ['tsx', 'electron/cli/run.ts', 'settle'], { cwd: ROOT, input: stdin, encoding: 'utf8' });

  it('prints the CLI.md answer and exits 0', { timeout: 120_000 }, () => {
    const r = run(JSON.stringify(input()));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(out(input()));
    expect(JSON.parse(r.stdout).psn_cash_pay).toBe('125.00');
  });

  it('exits 2 with {error, message, path} on stderr and nothing on stdout', { timeout: 120_000 }, () => {
    const j = input();
    j.fees[0].amount = '126.00';
    const r = run(JSON.stringify(j));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const e = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(e).toMatchObject({ error: 'AMOUNT_MISMATCH', path: 'fees[0].amount' });
    expect(e.message).toMatch(/^第 1 行费用金额与数量×单价不符/);
    const r2 = run('{not json');
    expect(r2.status).toBe(2);
    expect(JSON.parse(r2.stderr.trim().split('\n').pop()!)).toMatchObject({ error: 'INVALID_JSON' });
  });
});
