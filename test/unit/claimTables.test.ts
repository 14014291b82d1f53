import { describe, expect, it } from 'vitest';
import { detailList, fundColumnOf, fundDetailTable, hospitalTable, periodLabel, type TableItem, type TableRefund } from '../../shared/claimTables.ts';
import { Decimal, toText, ZERO } from '../../shared/money.ts';

const d = (v: string) => new Decimal(v);

function item(o: Partial<TableItem> & Pick<TableItem, 'id' | 'scheme' | 'insuredRegion'>): TableItem {
  return {
    kind: 'settlement', settledOn: '2026-10-10', scope: 'cross', iptNo: 'ZY1', psnName: '张三', setlId: 'S1',
    medfee: ZERO, fund: ZERO, acct: ZERO, cash: ZERO, funds: [], deduction: ZERO, ...o,
  };
}

const items: TableItem[] = [
  item({ id: '1', scheme: '310', insuredRegion: '420102', medfee: d('1000.00'), fund: d('700.00'), acct: d('50.00'), cash: d('250.00'),
    funds: [{ fund_pay_type: '310100', amount: d('600.00') }, { fund_pay_type: '330100', amount: d('80.00') }, { fund_pay_type: '320100', amount: d('20.00') }], deduction: d('12.34') }),
  item({ id: '2', scheme: '310', insuredRegion: '420106', medfee: d('500.00'), fund: d('300.00'), cash: d('200.00'), funds: [{ fund_pay_type: '310100', amount: d('300.00') }] }),
  // A reversal of a settlement declared earlier: negative amounts net the region.
  item({ id: '3', kind: 'reversal', scheme: '310', insuredRegion: '420102', medfee: d('-100.00'), fund: d('-60.00'), cash: d('-40.00'), funds: [{ fund_pay_type: '310100', amount: d('-60.00') }] }),
  item({ id: '4', scheme: '310', insuredRegion: '110105', medfee: d('300.00'), fund: d('100.00'), cash: d('200.00'), funds: [{ fund_pay_type: '610100', amount: d('40.00') }, { fund_pay_type: '999997', amount: d('60.00') }] }),
  item({ id: '5', scheme: '390', scope: 'in', insuredRegion: '341202', medfee: d('800.00'), fund: d('450.25'), cash: d('349.75'),
    funds: [{ fund_pay_type: '390100', amount: d('400.00') }, { fund_pay_type: '390200', amount: d('30.25') }, { fund_pay_type: '320100', amount: d('20.00') }] }),
];

describe('clearing tables (004 附件11, 附件13, 附件14)', () => {
  it('puts each fund in its column', () => {
    expect(['310100', '390100', '330100', '390200', '320100', '310200', '610100', '370100', '350100', '640100', '999997', '999996'].map((t) => fundColumnOf(t, '310')))
      .toEqual(['pool', 'pool', 'major', 'major', 'civil', 'account', 'assistance', 'enterprise', 'disabled', 'fiscal', 'other', 'other']);
    // Residents have no 公务员补助 column.
    expect(fundColumnOf('320100', '390')).toBe('other');
  });

  it('附件13: regions by insured pooling region, 合计 = 1..9 with the accounts, 应付 = 合计 − 审核扣款, columns add up', () => {
    const t = fundDetailTable('2026-10', items, '310');
    expect(t.columns).toEqual(['统筹支付', '医疗救助(大病)支付', '公务员补助', '其他基金', '帐户支付', '民政补助支付', '企业补充医保支付', '伤残医保支付', '财政兜底支付', '合计', '审核扣款', '应付']);
    expect(t.numbers).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10（=1至9之和）', '11', '12（=10-11）']);
    expect(t.rows.map((r) => [r.region, r.regionName])).toEqual([['110000', '北京市'], ['420100', '湖北省武汉市']]);
    const wuhan = t.rows[1]!.values.map(toText);
    expect(wuhan).toEqual(['840.00', '80.00', '20.00', '0.00', '50.00', '0.00', '0.00', '0.00', '0.00', '990.00', '12.34', '977.66']);
    expect(t.rows[0]!.values.map(toText)).toEqual(['0.00', '0.00', '0.00', '60.00', '0.00', '40.00', '0.00', '0.00', '0.00', '100.00', '0.00', '100.00']);
    // 合计 of the table = Σ (fund_pay_sumamt + acct_pay) of the scheme's items.
    expect(toText(t.total[9]!)).toBe(toText(items.filter((i) => i.scheme === '310').reduce((a, i) => a.plus(i.fund).plus(i.acct), ZERO)));
    for (let c = 0; c < t.total.length; c++) expect(t.total[c]!.eq(t.rows.reduce((a, r) => a.plus(r.values[c]!), ZERO))).toBe(true);
  });

  it('附件14: eight fund columns and 合计, no deduction columns', () => {
    const t = fundDetailTable('2026-10', items, '390');
    expect(t.columns).toHaveLength(9);
    expect(t.numbers.at(-1)).toBe('9（=1至8之和）');
    expect(t.rows.map((r) => [r.regionName, ...r.values.map(toText)])).toEqual([['安徽省阜阳市', '400.00', '30.25', '20.00', '0.00', '0.00', '0.00', '0.00', '0.00', '450.25']]);
  });

  it('附件11: 申请金额 = funds + accounts, 实付 = 申请 − 扣款 unless the agency reported what it paid', () => {
    const h = { code: 'L001', gbCode: 'H34010400001', name: '合肥市第一人民医院' };
    const t = hospitalTable('2026-10', items, h, null);
    expect(t.rows).toHaveLength(1);
    expect([t.rows[0]!.code, t.rows[0]!.gbCode]).toEqual(['L001', 'H34010400001']);
    expect([toText(t.total.applied), toText(t.total.deducted), toText(t.total.paid)]).toEqual(['1540.25', '12.34', '1527.91']);
    expect(toText(hospitalTable('2026-10', items, h, d('1500.00')).total.paid)).toBe('1500.00');
    expect(hospitalTable('2026-10', [], h, null).rows).toEqual([]);
  });

  it('the detail list: every item in date order, reversals marked, totals', () => {
    const l = detailList('2026-10', items, new Map([['4', '2026-09 结算']]));
    expect(l.rows).toHaveLength(5);
    expect(l.rows.find((r) => r.setlId === 'S1' && r.note === '结算撤销')).toBeDefined();
    expect(l.rows.find((r) => r.note === '2026-09 结算')?.region).toBe('北京市朝阳区');
    expect([l.total.count, toText(l.total.medfee), toText(l.total.deduction)]).toEqual([5, '2500.00', '12.34']);
    expect(periodLabel('2026-01')).toBe('2026年01月');
  });

  it('a deduction of the period before agreed after its cutoff: 审核扣款 net of it in 附件11 and 附件13 (its region), a row of its own in the detail list (004 第五十条)', () => {
    const refund: TableRefund = {
      ddnId: 'E1D0001', fromPeriod: '2026-09', settlementId: '9', settledOn: '2026-09-20', scheme: '310', scope: 'cross', insuredRegion: '110105',
      iptNo: 'ZY9', psnName: '李四', setlId: 'S9', amount: d('20.00'),
    };
    const hospital = { code: 'H1', gbCode: 'H1', name: '医院' };
    const h = hospitalTable('2026-10', items, hospital, null, [refund]);
    expect([toText(h.total.deducted), toText(h.refunded)]).toEqual(['-7.66', '20.00']);
    expect(toText(h.total.paid)).toBe(toText(h.total.applied.plus('7.66')));
    // A period with nothing declared but a refund still has the hospital's row.
    expect(hospitalTable('2026-10', [], hospital, null, [refund]).rows).toHaveLength(1);

    const t = fundDetailTable('2026-10', items, '310', [refund]);
    const beijing = t.rows.find((r) => r.region === '110000')!.values.map(toText);
    expect(beijing.slice(-3)).toEqual(['100.00', '-20.00', '120.00']);
    expect(t.total.map(toText).slice(-2)).toEqual(['-7.66', toText(t.total[9]!.plus('7.66'))]);
    // A residents' refund does not touch the employees' table; 附件14 has no deduction column.
    expect(fundDetailTable('2026-10', items, '310', [{ ...refund, scheme: '390' }]).total.map(toText)[10]).toBe('12.34');

    const list = detailList('2026-10', items, new Map(), [refund]);
    expect(list.total.count).toBe(5);
    expect(list.rows).toHaveLength(6);
    const last = list.rows[5]!;
    expect([last.seq, last.setlId, toText(last.deduction), toText(last.medfee)]).toEqual([6, 'S9', '-20.00', '0.00']);
    expect(last.note).toBe('2026-09 期扣款退还');
    expect(toText(list.total.deduction)).toBe('-7.66');
  });
});
