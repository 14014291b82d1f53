import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import type { ReconciliationDayView } from '../../shared/api/sync.ts';
import { todayCST } from '../../shared/dates.ts';
import { mirrorToAgency, settleStay } from '../support/claimFixtures.ts';
import { type Ctx, ok, setup } from '../support/settlementFixtures.ts';

/**
 * Daily reconciliation with visits (docs/reconciliation.md "Visits"), desk and reference agency over
 * HTTP: 3201 per 清算类别 — the stays as 21, the visits as 11 — so a day with a stay and two visits
 * (one refunded) is 平; when the platform lacks one of the visits, the 11 rows are 不平, the 21 rows
 * stay 平, and the 3202 of the visits names that settlement as the desk's alone.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const VISIT = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [{ diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true }] };
const line = (sn: string, amount: string) => ({ feedetlSn: sn, medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '1', pric: amount, amount });

async function visit(c: Ctx, patient: number, amount: string): Promise<OutpatientSettleOutcome> {
  const personId = c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[patient]!.certno)).get()!.id;
  const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId });
  await ok(c, 'outpatient.addFees', { visitId: v.id, lines: [line('1', amount)] });
  const s = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: amount });
  expect(s.outcome.state).toBe('settled');
  return s;
}

const rowsOf = (d: ReconciliationDayView) => d.rows.map((r) => [r.clrType, r.insutype, r.localCount, r.localMedfee, r.stmtRslt]);

describe('daily reconciliation by clr_type, visits included', () => {
  it('a day with a stay and visits is 平; a visit the platform lacks makes the 11 rows 不平 and shows in the detail as the desk\'s alone', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const today = todayCST();
    settleStay(c.desk, { patient: 2, settledOn: today, medfee: '8000.00', funds: [['390100', '4200.00']] });
    mirrorToAgency(c.desk, c.agency!.store);
    const a = await visit(c, 0, '300.00');
    const b = await visit(c, 1, '200.00');
    const refunded = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: b.visit.settlements[0]!.id, reason: '患者退药' });
    expect(refunded.outcome.state).toBe('settled');

    const day = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(rowsOf(day)).toEqual([
      ['21', '390', 1, '8000.00', '0'], ['21', '', 1, '8000.00', '0'],
      ['11', '310', 3, '300.00', '0'], ['11', '', 3, '300.00', '0'],
    ]);
    expect(day.balanced).toBe(true);
    expect(day.rows.map((r) => r.insutypeLabel)).toEqual(['城乡居民基本医疗保险', '全部险种合计', '门诊·职工基本医疗保险', '门诊·全部险种合计']);
    // The agency was asked about each 清算类别 apart.
    const asked = (c.agency!.store.db.prepare("SELECT request FROM messages WHERE infno = '3201' ORDER BY rowid").all() as { request: string }[])
      .map((r) => (JSON.parse(r.request) as { input: { data: { clr_type: string } } }).input.data.clr_type);
    expect(asked).toEqual(['21', '21', '11', '11']);

    // The platform loses visit A's settlement: 不平 for the visits only; the detail names it.
    const setlId = a.visit.settlements[0]!.setlId!;
    c.agency!.store.db.prepare('DELETE FROM settlements WHERE setl_id = ?').run(setlId);
    const again = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(again.balanced).toBe(false);
    expect(again.rows.map((r) => [r.clrType, r.insutype, r.stmtRslt])).toEqual([['21', '390', '0'], ['21', '', '0'], ['11', '310', '1'], ['11', '', '1']]);
    expect(again.rows[3]!.stmtRsltDscr).toContain('医疗费总额');
    expect(again.detail).toMatchObject({ error: null, sentCount: 4, matched: 3 });
    expect(again.detail!.differences.map((d) => [d.kind, d.setlId, d.desk?.settlementId, d.desk?.medfee_sumamt, d.remedy])).toEqual([['deskOnly', setlId, -a.visit.settlements[0]!.id, '300.00', { infno: '2207', resend: true }]]);
    expect(again.detail!.differences[0]!.action).toMatch(/^门诊：.*2207/);
  });
});
