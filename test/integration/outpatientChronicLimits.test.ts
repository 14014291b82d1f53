import { afterEach, describe, expect, it } from 'vitest';
import { readChronicRegistrations } from '../../shared/agency/outpatient.ts';
import type { OutpatientPreview, OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { seedChronicRegistration } from '../agency/outpatient.ts';
import { type Ctx, ok, setup } from '../support/settlementFixtures.ts';
import { LINES, personId, VISIT } from '../support/outpatientFixtures.ts';

/**
 * The disease limits a 5301 answer carries (issue 16 §2): kept with the 门诊慢特病 visit, shown on it,
 * and a warning in Chinese with the rule when the visit's fees go beyond the per-visit limit, or with
 * this desk's earlier settlements of the disease this year beyond the annual one.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const DIABETES = { ...VISIT, medType: '14' as const, diseCodg: 'M07800', diseName: '糖尿病' };
const MORE = [{ feedetlSn: '3', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '2', pric: '30', amount: '60.00' }];

describe('门诊慢特病 limits (5301)', () => {
  it('reads the limits where the answer has them; an unreadable one is not a limit', () => {
    const regs = readChronicRegistrations({ feedetail: [
      { opsp_dise_code: 'M07800', opsp_dise_name: '糖尿病', begndate: '2024-01-01', lmt_amt: '700.00', sin_lmt_amt: '450' },
      { opsp_dise_code: 'M03900', opsp_dise_name: '高血压', begndate: '2024-01-01', lmt_amt: '不限' },
    ] });
    expect(regs.map((r) => r.limits)).toEqual([{ annual: '700.00', perVisit: '450' }, { annual: null, perVisit: null }]);
  });

  it('shows them on the visit and warns when its fees, or the year with them, go beyond', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    seedChronicRegistration(c.agency!.store.db, { psnNo: 'DEMO000001', code: 'M07800', name: '糖尿病', begndate: '2024-01-01', lmtAmt: '700.00', sinLmtAmt: '450.00' });

    // Without limits in the answer (the demo's 高血压): none shown, no warning.
    const plain = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, medType: '14', diseCodg: 'M03900', diseName: '高血压', personId: personId(c) });
    expect(plain.chronicLimits).toBeNull();

    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...DIABETES, personId: personId(c) });
    expect(v.chronicLimits).toEqual({ code: 'M07800', name: '糖尿病', annual: '700.00', perVisit: '450.00', visitFees: '0.00', earlierThisYear: '0.00', warnings: [] });
    const within = await ok<OutpatientVisitView>(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    expect(within.chronicLimits).toMatchObject({ visitFees: '400.00', warnings: [] });
    // A second batch takes the visit to 460.00: beyond the 450.00 a visit may have.
    const over = await ok<OutpatientVisitView>(c, 'outpatient.addFees', { visitId: v.id, lines: MORE });
    expect(over.chronicLimits!.warnings).toHaveLength(1);
    const w = over.chronicLimits!.warnings[0]!;
    for (const s of ['糖尿病 M07800', '460.00', '单次限额 450.00', '003 第三部分、004 第九条', '5301', '以参保地结算（2207）为准']) expect(w).toContain(s);
    expect(over.notes).toContain(w);
    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    expect(pre.visit.chronicLimits!.warnings).toEqual([w]);
    const done = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '460.00' });
    expect(done.outcome.state).toBe('settled');

    // The next visit of the disease: 400.00 is within a visit's limit, but 460.00 + 400.00 passes the year's 700.00.
    const next = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...DIABETES, personId: personId(c) });
    const year = await ok<OutpatientVisitView>(c, 'outpatient.addFees', { visitId: next.id, lines: LINES });
    expect(year.chronicLimits).toMatchObject({ visitFees: '400.00', earlierThisYear: '460.00' });
    expect(year.chronicLimits!.warnings).toEqual([expect.stringContaining('本院已结算 460.00 元 + 本次 400.00 元 = 860.00 元，超过参保地年度限额 700.00 元')]);

    // The first visit refunded: the year is within again.
    await ok(c, 'outpatient.refund', { settlementId: done.visit.settlements[0]!.id, reason: '患者要求退费' });
    const after = await ok<OutpatientVisitView>(c, 'outpatient.visit', { visitId: next.id });
    expect(after.chronicLimits).toMatchObject({ earlierThisYear: '0.00', warnings: [] });
  });
});
