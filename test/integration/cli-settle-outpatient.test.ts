import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The CLI's `settle` (../shared/CLI.md) keeps its stay input and output exactly, and takes an
 * outpatient variant (issue 16 §5; docs/outpatient.md "CLI"): an `outpatient` member and the
 * policy's `outpatient` terms, computed by the engine of the desk's outpatient estimate.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function settle(input: unknown): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'electron/cli/run.ts', 'settle'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, input: JSON.stringify(input) });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function out(input: unknown): Record<string, unknown> {
  const r = settle(input);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

function err(input: unknown): { error: string; message: string; path: string } {
  const r = settle(input);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  return JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{'))!) as { error: string; message: string; path: string };
}

/** CLI.md's example policy, with the outpatient terms of the standard model beside it. */
const POLICY = {
  version: '420100-310-2026-1', scheme: '310',
  deductible: { 1: '300.00', 2: '600.00', 3: '900.00' }, repeatDeductibleFactor: '0.5',
  bands: { 1: [{ upTo: null, ratio: '0.90' }], 2: [{ upTo: null, ratio: '0.85' }], 3: [{ upTo: '10000.00', ratio: '0.80' }, { upTo: null, ratio: '0.85' }] },
  reduction: { longTerm: '0', referral: '0.10', emergency: '0.10', otherTemporary: '0.20', unregistered: '0.30' },
  annualCap: '300000.00', poolFundType: '310100', supplementary: { fundType: '330100', ratio: '0.85', annualCap: '400000.00' }, civilServantRatio: '0.50',
};
const OTP_TERMS = { deductible: '200.00', ratio: '0.60', annualCap: '3000.00', chronic: { ratio: '0.70', annualCap: '10000.00' } };
const STAY = {
  policy: POLICY, hospitalLevel: 3, group: 'referral', priorAdmissionsThisYear: 0, poolPaidThisYear: '0.00', supplementaryPaidThisYear: '0.00',
  civilServant: false, useAccount: false, accountBalance: '0.00',
  fees: [{ sn: '1', code: 'XA01', name: '头孢呋辛', class: 'B', qty: '10', price: '12.50', amount: '125.00', selfPayRatio: '0.10', limitPrice: null }],
};
const FEES = [
  { sn: '1', code: 'XA02', name: '奥美拉唑肠溶胶囊', class: 'A', qty: '10', price: '30', amount: '300.00', selfPayRatio: null, limitPrice: null },
  { sn: '2', code: 'XJ01', name: '头孢呋辛钠注射液', class: 'B', qty: '2', price: '50', amount: '100.00', selfPayRatio: '0.10', limitPrice: null },
  { sn: '3', code: 'ZZ01', name: '单人病房差价', class: 'C', qty: '1', price: '80', amount: '80.00', selfPayRatio: null, limitPrice: null },
];
const VISIT = {
  policy: { ...POLICY, outpatient: OTP_TERMS }, group: 'referral', useAccount: false, accountBalance: '0.00', fees: FEES,
  outpatient: { medType: '11', deductibleUsedThisYear: '0.00', poolPaidThisYear: '0.00' },
};

describe('CLI settle', { timeout: 180_000 }, () => {
  it('a stay: CLI.md\'s example input gives its output exactly, an outpatient block in the policy notwithstanding', () => {
    const expected = {
      medfee_sumamt: '125.00', inscp_scp_amt: '112.50', preselfpay_amt: '12.50', overlmt_selfpay: '0.00', fulamt_ownpay_amt: '0.00', act_pay_dedc: '112.50',
      hifp_pay: '0.00', fund_pay_sumamt: '0.00', psn_part_amt: '125.00', acct_pay: '0.00', psn_cash_pay: '125.00', setldetail: [], policyVersion: '420100-310-2026-1',
    };
    const stay = out(STAY);
    expect(stay).toEqual(expected);
    expect(Object.keys(stay)).toEqual(Object.keys(expected));
    expect(out({ ...STAY, policy: { ...POLICY, outpatient: OTP_TERMS } })).toEqual(expected);
  });

  it('a visit: the outpatient deductible, ratio less the group reduction, 急诊 as registered, 门诊慢特病 terms, the year so far', () => {
    // In scope 300 + 90 = 390; deductible 200; ratio 0.60 − 0.10 (referral) = 0.50 → 95.00.
    expect(out(VISIT)).toEqual({
      medfee_sumamt: '480.00', inscp_scp_amt: '390.00', preselfpay_amt: '10.00', overlmt_selfpay: '0.00', fulamt_ownpay_amt: '80.00', act_pay_dedc: '200.00',
      hifp_pay: '95.00', fund_pay_sumamt: '95.00', psn_part_amt: '385.00', acct_pay: '0.00', psn_cash_pay: '385.00',
      setldetail: [{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '95.00' }], policyVersion: '420100-310-2026-1', med_type: '11',
    });
    // Unregistered: 0.60 − 0.30 = 0.30 → 57.00; as 急诊 (13) it counts as registered (emergency, −0.10) → 95.00.
    expect(out({ ...VISIT, group: 'unregistered' })).toMatchObject({ hifp_pay: '57.00', med_type: '11' });
    expect(out({ ...VISIT, group: 'unregistered', outpatient: { ...VISIT.outpatient, medType: '13' } })).toMatchObject({ hifp_pay: '95.00', med_type: '13' });
    // 门诊慢特病: no deductible, ratio 0.70 − 0.10 → 390 × 0.60 = 234.00.
    expect(out({ ...VISIT, outpatient: { ...VISIT.outpatient, medType: '14' } })).toMatchObject({ act_pay_dedc: '0.00', hifp_pay: '234.00', psn_cash_pay: '246.00' });
    // 150.00 of the deductible met already: 50.00 left, (390 − 50) × 0.50 = 170.00; the cap nearly used: 2990.00 paid → 10.00.
    expect(out({ ...VISIT, outpatient: { ...VISIT.outpatient, deductibleUsedThisYear: '150.00' } })).toMatchObject({ act_pay_dedc: '50.00', hifp_pay: '170.00' });
    expect(out({ ...VISIT, outpatient: { ...VISIT.outpatient, poolPaidThisYear: '2990.00' } })).toMatchObject({ hifp_pay: '10.00', psn_cash_pay: '470.00' });
    // The account pays the person's share up to its balance (an employee).
    expect(out({ ...VISIT, useAccount: true, accountBalance: '100.00' })).toMatchObject({ acct_pay: '100.00', psn_cash_pay: '285.00' });
  });

  it('a visit\'s errors: in Chinese, naming the member; the fee lines checked as a stay\'s', () => {
    expect(err({ ...VISIT, outpatient: { ...VISIT.outpatient, medType: '21' } })).toMatchObject({ error: 'INVALID_FIELD', path: 'outpatient.medType' });
    expect(err({ ...VISIT, outpatient: { medType: '11', poolPaidThisYear: '0.00' } })).toMatchObject({ error: 'MISSING_FIELD', path: 'outpatient.deductibleUsedThisYear' });
    const noTerms = err({ ...VISIT, policy: POLICY });
    expect(noTerms).toMatchObject({ error: 'MISSING_FIELD', path: 'policy.outpatient' });
    expect(noTerms.message).toContain('门诊待遇参数');
    expect(err({ ...VISIT, policy: { ...POLICY, outpatient: { ...OTP_TERMS, ratio: '1.5' } } })).toMatchObject({ error: 'INVALID_FIELD', path: 'policy.outpatient.ratio' });
    expect(err({ ...VISIT, outpatient: 'yes' })).toMatchObject({ error: 'INVALID_FIELD', path: 'outpatient' });
    const bad = err({ ...VISIT, fees: [{ ...FEES[0]!, amount: '301.00' }] });
    expect(bad).toMatchObject({ error: 'AMOUNT_MISMATCH', path: 'fees[0].amount' });
    expect(bad.message).toMatch(/[\u4e00-\u9fff]/);
  });
});
