import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import type { OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import { type Ctx, ok, setup } from '../support/settlementFixtures.ts';

/**
 * Outpatient downstream (issue 16 §5) against the reference agency: the home screen's visits,
 * settled amounts (a refund −1, amounts net) and the month's share of direct settlement.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

export const VISIT = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [{ diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true }] };
export const LINES = [
  { feedetlSn: '1', medListCodg: 'XJ01DCC028A001010101445', medinsListCodg: 'YP0001', name: '头孢呋辛钠注射液', cnt: '2', pric: '50', amount: '100.00' },
  { feedetlSn: '2', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '10', pric: '30', amount: '300.00' },
];

export function personId(c: Ctx, n = 0): number {
  return c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[n]!.certno)).get()!.id;
}

export async function settledVisit(c: Ctx): Promise<OutpatientSettleOutcome> {
  const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
  await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
  const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '400.00' });
  expect(out.outcome.state).toBe('settled');
  return out;
}

describe('outpatient on the home screen', () => {
  it('counts the visits, nets a refund, and gives the share of direct settlement against 全额自付', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const before = await ok<Dashboard>(c, 'dashboard.get', {});
    expect(before.outpatient).toMatchObject({ visitsToday: 0, settlementsToday: 0, medfeeToday: '0.00', fundToday: '0.00' });
    expect(before.directShare.visits).toEqual({ direct: 0, selfPaid: 0, share: null });

    const a = await settledVisit(c);
    const b = await settledVisit(c);
    const refunded = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: b.visit.settlements[0]!.id, reason: '患者要求退费' });
    expect(refunded.outcome.state).toBe('settled');
    // A third visit paid in full: not a direct settlement.
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    await ok(c, 'outpatient.selfPay', { visitId: v.id, reason: '患者不愿等待' });

    const all = [...a.visit.settlements, ...refunded.visit.settlements];
    const net = (f: 'medfee_sumamt' | 'fund_pay_sumamt') => toText(sum(all.map((s) => new Decimal(s.amounts[f]))));
    expect(net('medfee_sumamt')).toBe('400.00');
    const d = await ok<Dashboard>(c, 'dashboard.get', {});
    expect(d.outpatient).toEqual({
      visitsToday: 3, settlementsToday: 1, medfeeToday: '400.00', fundToday: net('fund_pay_sumamt'),
      month: { visits: 3, settlements: 1, medfee: '400.00', fund: net('fund_pay_sumamt') },
    });
    expect(new Decimal(d.outpatient.fundToday).gt(0)).toBe(true);
    expect(d.directShare.visits).toEqual({ direct: 2, selfPaid: 1, share: '0.6667' });
    expect(d.directShare.stays).toEqual({ direct: 0, selfPaid: 0, share: null });
    // The stays' own figures do not count visits.
    expect(d.settlementsToday).toBe(0);
    expect(d.month.byFund).toEqual([]);
  });
});
