import { agencyFigures, SETTLEMENT_FIELDS } from '../../shared/agencySettlement.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResponse } from '../../shared/agency/envelope.ts';
import { readSettlement, type SettlementInfo } from '../../shared/agency/settlement.ts';
import { Decimal, ZERO } from '../../shared/money.ts';
import { agencyTotal, assistanceThresholds, CHECKED_TOTALS, compareWithAgency, SPLIT_TOTALS, feeForSettle, needsAssistanceFlag, pickPolicy, settleGroupOf, type CheckedTotal, type PolicyRecord } from '../../shared/settlementFlow.ts';

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
  const local = { medfee_sumamt: '1000.00', inscp_scp_amt: '800.00', preselfpay_amt: '50.00', overlmt_selfpay: '30.00', fulamt_ownpay_amt: '120.00', fund_pay_sumamt: '700.00', psn_part_amt: '300.00', psn_cash_pay: '300.00' };
  const ours = Object.fromEntries(Object.entries(local).map(([k, v]) => [k, new Decimal(v)])) as Record<CheckedTotal, Decimal>;
  const agency = (over: Record<string, string | null> = {}): Record<string, Decimal | null> =>
    Object.fromEntries(Object.entries({ ...local, ...over }).map(([k, v]) => [k, v === null ? null : new Decimal(v)]));

  it('equal totals have no difference; per-fund figures (hifp_pay, acct_pay, hosp_part_amt) are not compared', () => {
    expect(compareWithAgency(ours, agency({ hifp_pay: '123.45', acct_pay: '99.00', act_pay_dedc: '201.00', hosp_part_amt: '505.01' }))).toEqual([]);
  });

  it('an amount the agency did not give (null, "", missing) is not 0.00 and not a difference', () => {
    expect(compareWithAgency(ours, agency({ fund_pay_sumamt: null, psn_part_amt: null, fulamt_ownpay_amt: null }))).toEqual([]);
    expect(compareWithAgency(ours, {})).toEqual([]);
  });

  it('without psn_part_amt the person share is 个人账户 + 个人现金 when both are given', () => {
    const cashOf200 = { ...ours, psn_cash_pay: new Decimal('200.00') };
    expect(compareWithAgency(cashOf200, agency({ psn_part_amt: null, acct_pay: '100.00', psn_cash_pay: '200.00' }))).toEqual([]);
    expect(compareWithAgency(cashOf200, agency({ psn_part_amt: null, acct_pay: '100.01', psn_cash_pay: '200.00' })).map((d) => d.field)).toEqual(['psn_part_amt']);
    expect(compareWithAgency(cashOf200, agency({ psn_part_amt: null, acct_pay: null, psn_cash_pay: '200.00' }))).toEqual([]);
  });

  it('a 0.01 difference in any compared total is reported with the rule it breaks', () => {
    for (const f of CHECKED_TOTALS) {
      const d = compareWithAgency(ours, agency({ [f]: new Decimal(local[f]).plus('0.01').toFixed(2) }));
      expect(d.map((x) => [x.field, x.local, x.agency, x.diff])).toEqual([[f, local[f], new Decimal(local[f]).plus('0.01').toFixed(2), '0.01']]);
      expect(d[0]?.rule).toMatch(/004 (第三十六条|附件10)/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Real answers through the whole reading path (issue 14 §3): readSettlement, then the comparison.

const SAMPLES_DIR = fileURLToPath(new URL('../../../shared/reference/samples/', import.meta.url));
const SETTLEMENT_SAMPLES = readdirSync(SAMPLES_DIR).filter((f) => /^230[345]-response-.*\.json$/.test(f));

/** The desk's figures equal to the answer's own totals (a total it did not give stays 0.00: it must not be compared). */
function localEqualTo(info: SettlementInfo): Record<CheckedTotal, Decimal> {
  return Object.fromEntries(CHECKED_TOTALS.map((f) => [f, agencyTotal(info.amounts, f) ?? ZERO])) as Record<CheckedTotal, Decimal>;
}

describe('real settlement answers in reference/samples', () => {
  it('there are 2303, 2304 and 2305 samples', () => {
    expect(SETTLEMENT_SAMPLES.map((f) => f.slice(0, 4)).sort()).toEqual(expect.arrayContaining(['2303', '2304', '2305']));
  });

  for (const file of SETTLEMENT_SAMPLES) {
    it(`${file}: read and compared with equal local totals, no mismatch; a fen off is caught`, () => {
      const r = parseResponse(JSON.parse(readFileSync(SAMPLES_DIR + file, 'utf8')));
      const info = readSettlement(r.output, r.err_msg);
      const ours = localEqualTo(info);
      expect(compareWithAgency(ours, info.amounts)).toEqual([]);
      expect(compareWithAgency({ ...ours, medfee_sumamt: ours.medfee_sumamt.plus('0.01') }, info.amounts).map((d) => d.field)).toEqual(['medfee_sumamt']);
    });
  }
});

describe('generated answers with extra fund rows and null amounts (property)', () => {
  const OTHER_FIELDS = ['act_pay_dedc', 'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'hosp_part_amt', 'oth_pay', 'acct_pay', 'psn_cash_pay', 'balc', 'acct_mulaid_pay', 'hifdm_pay'];
  const EXTRA_CODES = ['310200', '310201', '999996', '999997', '620100', '330101', '390201', '610100', '', 'X1'];
  const fen = fc.bigInt({ min: -10_000_000n, max: 100_000_000n });
  const yuanText = (f: bigint): string => new Decimal(f.toString()).div(100).toFixed(2);
  /** How an amount arrives on the wire: bare number (sometimes without trailing zeros), quoted text. */
  const wire = fc.constantFrom('number', 'short', 'string');
  const encode = (v: string, how: string): string => (how === 'string' ? JSON.stringify(v) : how === 'short' ? new Decimal(v).toString() : v);
  const absent = fc.constantFrom('null', '""', 'missing');

  const answer = fc.record({
    totals: fc.record(Object.fromEntries(CHECKED_TOTALS.map((f) => [f, fen])) as Record<CheckedTotal, typeof fen>),
    given: fc.record(Object.fromEntries(CHECKED_TOTALS.map((f) => [f, fc.boolean()])) as Record<CheckedTotal, fc.Arbitrary<boolean>>),
    how: wire,
    missingAs: absent,
    others: fc.array(fc.tuple(fc.constantFrom(...OTHER_FIELDS), fc.option(fen, { nil: null }), absent), { maxLength: 8 }),
    rows: fc.array(fc.record({ code: fc.constantFrom(...EXTRA_CODES), amount: fc.option(fen, { nil: null }), missingAs: absent, named: fc.boolean() }), { maxLength: 6 }),
    /** Without psn_part_amt, give acct_pay so that 个人账户 + 个人现金 is the person's share (the 2305 sample's shape). */
    acctFill: fc.boolean(),
  });

  type Answer = typeof answer extends fc.Arbitrary<infer T> ? T : never;

  function build(a: Answer, bump?: CheckedTotal): string {
    const info: string[] = ['"mdtrt_id":"1"'];
    for (const f of CHECKED_TOTALS) {
      if (!a.given[f]) {
        if (a.missingAs !== 'missing') info.push(`"${f}":${a.missingAs}`);
        continue;
      }
      const v = yuanText(a.totals[f] + (f === bump ? 1n : 0n));
      info.push(`"${f}":${encode(v, a.how)}`);
    }
    if (a.acctFill && !a.given.psn_part_amt && a.given.psn_cash_pay) {
      info.push(`"acct_pay":${encode(yuanText(a.totals.psn_part_amt - a.totals.psn_cash_pay), a.how)}`);
    }
    for (const [f, v, as] of a.others) {
      if (info.some((x) => x.startsWith(`"${f}"`))) continue;
      if (v !== null) info.push(`"${f}":${encode(yuanText(v), a.how)}`);
      else if (as !== 'missing') info.push(`"${f}":${as}`);
    }
    const rows = a.rows.map((r) => {
      const amt = r.amount === null ? (r.missingAs === 'missing' ? '' : `,"fund_payamt":${r.missingAs}`) : `,"fund_payamt":${encode(yuanText(r.amount), a.how)}`;
      return `{"fund_pay_type":"${r.code}"${amt}${r.named ? ',"fund_pay_type_name":"某基金"' : ',"fund_pay_type_name":null'}}`;
    });
    return `{"infcode":0,"output":{"setlinfo":{${info.join(',')}},"setldetail":[${rows.join(',')}]}}`;
  }

  const localOf = (a: Answer): Record<CheckedTotal, Decimal> =>
    Object.fromEntries(CHECKED_TOTALS.map((f) => [f, new Decimal(yuanText(a.totals[f]))])) as Record<CheckedTotal, Decimal>;
  const read = (text: string): SettlementInfo => {
    const r = parseResponse(JSON.parse(text));
    return readSettlement(r.output, r.err_msg);
  };

  it('1,000 answers equal to the desk on the totals they give: no false mismatch', () => {
    fc.assert(fc.property(answer, (a) => {
      // psn_part_amt not given is read as acct_pay + psn_cash_pay: acct_pay only as acctFill makes it (consistent).
      const b = { ...a, others: a.others.filter(([f]) => f !== 'acct_pay' && f !== 'psn_cash_pay') };
      expect(compareWithAgency(localOf(b), read(build(b)).amounts)).toEqual([]);
    }), { numRuns: 1000, seed: 14 });
  });

  it('1,000 answers with one given total a fen off: caught, and only that total', () => {
    fc.assert(fc.property(answer, fc.constantFrom(...CHECKED_TOTALS), (a, f) => {
      // (A fen off psn_cash_pay with psn_part_amt read as acct_pay + psn_cash_pay shows in both: acctFill off here.)
      const b = { ...a, acctFill: false, given: { ...a.given, [f]: true }, others: a.others.filter(([x]) => x !== 'acct_pay' && x !== 'psn_cash_pay') };
      const d = compareWithAgency(localOf(b), read(build(b, f)).amounts);
      expect(d.map((x) => [x.field, x.diff])).toEqual([[f, '0.01']]);
    }), { numRuns: 1000, seed: 15 });
  });

  it('1,000 answers taken as the settlement (agencyFigures): the split the desk knows is no mismatch, the identities of 附件10 hold, rows without code or amount are not paid rows', () => {
    fc.assert(fc.property(answer, (a) => {
      const b = { ...a, others: a.others.filter(([f]) => f !== 'acct_pay' && f !== 'psn_cash_pay') };
      const info = read(build(b));
      const local = localOf(b);
      const split = { medfee_sumamt: local.medfee_sumamt, inscp_scp_amt: local.inscp_scp_amt, preselfpay_amt: local.preselfpay_amt, overlmt_selfpay: local.overlmt_selfpay, fulamt_ownpay_amt: local.fulamt_ownpay_amt };
      expect(compareWithAgency(split, info.amounts, SPLIT_TOTALS)).toEqual([]);
      const fig = agencyFigures(info, split);
      // Every figure the answer gave is kept as given; every one it did not give is named as filled.
      for (const f of SETTLEMENT_FIELDS) {
        const given = info.amounts[f];
        if (given !== null) expect(fig.amounts[f].eq(given)).toBe(true);
        else expect(fig.derived.map((x) => x.field)).toContain(f);
      }
      // Filled figures follow 附件10 注3 where the parts they come from are known.
      if (info.amounts.psn_cash_pay === null) expect(fig.amounts.psn_cash_pay.eq(fig.amounts.psn_part_amt.minus(fig.amounts.acct_pay))).toBe(true);
      if (info.amounts.psn_part_amt === null && info.amounts.psn_cash_pay === null) expect(fig.amounts.psn_part_amt.eq(fig.amounts.medfee_sumamt.minus(fig.amounts.fund_pay_sumamt))).toBe(true);
      expect(fig.funds.every((r) => r.fund_pay_type !== '')).toBe(true);
      expect(fig.funds).toHaveLength(info.setldetail.filter((r) => r.fundPayType !== null && r.fundPayamt !== null).length);
    }), { numRuns: 1000, seed: 16 });
  });
});
