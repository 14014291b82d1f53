import { describe, expect, it } from 'vitest';
import { Decimal, ZERO } from '../../shared/money.ts';
import { assistanceThresholds, COMPARED_FIELDS, compareWithAgency, feeForSettle, needsAssistanceFlag, pickPolicy, settleGroupOf, type ComparedField, type PolicyRecord } from '../../shared/settlementFlow.ts';

const rec = (id: number, region: string, insutype: string, year: number): PolicyRecord => ({ id, version: `${region}-${insutype}-${year}-${id}`, insuplcAdmdvs: region, insutype, year, body: {} });

describe('policy lookup', () => {
  const all = [rec(1, '420100', '310', 2026), rec(2, '420100', '310', 2027), rec(3, '420100', '390', 2026), rec(4, '420100', '310', 2026), rec(5, '110000', '310', 2026), rec(6, '420102', '310', 2026)];

  it('picks the insured pooling region, the scheme and the discharge year; the newest import of the key', () => {
    expect(pickPolicy(all, { insuredRegion: '420106', insutype: '310', dischargedOn: '2026-12-31' })?.id).toBe(4);
    expect(pickPolicy(all, { insuredRegion: '420106', insutype: '390', dischargedOn: '2026-03-01' })?.id).toBe(3);
    // A stay from December into January settles under the discharge year (004 第四十四条).
    expect(pickPolicy(all, { insuredRegion: '420106', insutype: '310', dischargedOn: '2027-01-03' })?.id).toBe(2);
    // Beijing pools at province level.
    expect(pickPolicy(all, { insuredRegion: '110105', insutype: '310', dischargedOn: '2026-05-01' })?.id).toBe(5);
    // A county's own policy beats its city's.
    expect(pickPolicy(all, { insuredRegion: '420102', insutype: '310', dischargedOn: '2026-05-01' })?.id).toBe(6);
    expect(pickPolicy(all, { insuredRegion: '320506', insutype: '310', dischargedOn: '2026-05-01' })).toBeUndefined();
  });
});

describe('groups, lines, 协查', () => {
  it('maps registration groups to the engine groups (003 第三部分)', () => {
    expect(['resettledRetiree', 'longTermResident', 'postedWorker', 'referral', 'emergency', 'otherTemporary', 'none', null].map(settleGroupOf))
      .toEqual(['longTerm', 'longTerm', 'longTerm', 'referral', 'emergency', 'otherTemporary', 'unregistered', 'unregistered']);
  });

  it('a line in the engine shape: catalogue class and limits; explicit 自费 and unknown codes are class C', () => {
    const item = { chrgitmLv: '02' as const, selfpayProp: new Decimal('0.2'), pricUplmtAmt: new Decimal('2800') };
    const base = { feedetlSn: '7', medListCodg: 'C0303', name: '螺钉', cnt: '2.0', pric: '3000.000000', amount: '6000.00', selfPay: false };
    expect(feeForSettle({ ...base, item })).toEqual({ sn: '7', code: 'C0303', name: '螺钉', class: 'B', qty: '2', price: '3000', amount: '6000.00', selfPayRatio: '0.2', limitPrice: '2800' });
    expect(feeForSettle({ ...base, item, selfPay: true })).toMatchObject({ class: 'C', selfPayRatio: null, limitPrice: null });
    expect(feeForSettle({ ...base, item: null })).toMatchObject({ class: 'C' });
  });

  it('the 协查 thresholds: 30,000 cross-province, 20,000 in-province, at the threshold inclusive (004 第六十六条)', () => {
    expect(needsAssistanceFlag(new Decimal('29999.99'), 'cross', {})).toBe(false);
    expect(needsAssistanceFlag(new Decimal('30000.00'), 'cross', {})).toBe(true);
    expect(needsAssistanceFlag(new Decimal('20000.00'), 'in', {})).toBe(true);
    expect(needsAssistanceFlag(new Decimal('19999.99'), 'in', {})).toBe(false);
    expect(assistanceThresholds({ assistanceThresholds: { cross: '25000.00' } }).cross.toFixed(2)).toBe('25000.00');
  });
});

describe('comparison with the agency', () => {
  const local = Object.fromEntries(COMPARED_FIELDS.map((f) => [f, ZERO])) as Record<ComparedField, Decimal>;
  local.medfee_sumamt = new Decimal('1000.00');
  local.hifp_pay = new Decimal('700.00');
  local.fund_pay_sumamt = new Decimal('700.00');
  local.psn_part_amt = new Decimal('300.00');
  local.psn_cash_pay = new Decimal('300.00');
  const funds = [{ fund_pay_type: '310100', fund_payamt: new Decimal('700.00') }];

  it('equal answers have no difference; fields the agency omits count as 0.00', () => {
    const agency = { medfee_sumamt: new Decimal('1000'), hifp_pay: new Decimal('700'), fund_pay_sumamt: new Decimal('700'), psn_part_amt: new Decimal('300'), psn_cash_pay: new Decimal('300') };
    expect(compareWithAgency(local, funds, agency, [{ fund_pay_type: '310100', fund_pay_type_name: '统筹', fund_payamt: new Decimal('700') }])).toEqual([]);
  });

  it('a 0.01 difference in one amount and one fund is reported, with the names the agency returned', () => {
    const agency = { medfee_sumamt: new Decimal('1000'), hifp_pay: new Decimal('700.01'), fund_pay_sumamt: new Decimal('700.01'), psn_part_amt: new Decimal('299.99'), psn_cash_pay: new Decimal('299.99') };
    const d = compareWithAgency(local, funds, agency, [{ fund_pay_type: '310100', fund_pay_type_name: '职工统筹基金', fund_payamt: new Decimal('700.01') }]);
    expect(d.map((x) => [x.field, x.local, x.agency, x.diff])).toEqual([
      ['hifp_pay', '700.00', '700.01', '0.01'], ['fund_pay_sumamt', '700.00', '700.01', '0.01'], ['psn_part_amt', '300.00', '299.99', '-0.01'],
      ['psn_cash_pay', '300.00', '299.99', '-0.01'], ['setldetail.310100', '700.00', '700.01', '0.01'],
    ]);
    expect(d[4]?.label).toBe('基金明细 职工统筹基金（310100）');
  });
});
