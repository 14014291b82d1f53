import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { settlements, outbox } from '../../db/schema.ts';
import type { SettlementPreview, SettlementState } from '../../shared/api/settlement.ts';
import { addDays } from '../../shared/dates.ts';
import { admit, b64, type Ctx, fails, feeCsv, type FeeRow, ITEM, ok, setup } from '../support/settlementFixtures.ts';

/**
 * Issue 20 §2: the amount the clerk confirms is exactly the amount committed. The preview carries
 * a fingerprint of every input of its computation (fee lines, the year's prior stays and their
 * reversals, policy, catalogue, registration, dates…); a commit whose preview no longer matches
 * is refused in Chinese and writes nothing.
 */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

function stay(): FeeRow[] {
  return [
    { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
    { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
    { sn: 'F3', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00' },
    { sn: 'F4', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00' },
    { sn: 'F5', ...ITEM.room, cnt: '5', pric: '80', amount: '400.00' },
  ];
}

async function withFees(c: Ctx, o: Parameters<typeof admit>[1] = {}) {
  const a = await admit(c, o);
  await ok(c, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(stay(), addDays(a.admittedOn, 1))) });
  return a;
}
const preview = (c: Ctx, admissionId: number) => ok<SettlementPreview>(c, 'settlement.preview', { admissionId });
const commitInput = (admissionId: number, p: SettlementPreview) => ({ admissionId, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
const count = (c: Ctx, t: typeof settlements | typeof outbox) => c.desk.db.select({ n: sql<number>`count(*)` }).from(t).get()!.n;

describe('a settlement preview is committed only while it is current', () => {
  it('a preview made before the reversal of an earlier stay is refused (same total, other amounts); the new preview is what is committed', async () => {
    ctx = await setup({ online: true });
    const first = await withFees(ctx);
    const { settlementId } = await ok<{ settlementId: number }>(ctx, 'settlement.commit', commitInput(first.id, await preview(ctx, first.id)));
    const second = await withFees(ctx);
    const before = await preview(ctx, second.id);
    // The first stay counts as a prior admission of the year: the repeat deductible.
    expect(before).toMatchObject({ priorAdmissionsThisYear: 1, amounts: { act_pay_dedc: '450.00' } });

    await ok(ctx, 'settlement.reverse', { settlementId, reason: '费用录入错误，撤销重结' }, ctx.supervisor);
    const n = { settlements: count(ctx, settlements), outbox: count(ctx, outbox) };
    const err = await fails(ctx, 'settlement.commit', commitInput(second.id, before));
    // The total did not change (the old check let this through), the amounts did.
    expect(err).toMatchObject({ code: 'PREVIEW_STALE', path: 'fingerprint' });
    expect(err.message).toContain('请重新预结算');
    expect(err.message).toContain('本年度此前住院或撤销');
    expect({ settlements: count(ctx, settlements), outbox: count(ctx, outbox) }).toEqual(n);

    const now = await preview(ctx, second.id);
    expect(now.amounts.medfee_sumamt).toBe(before.amounts.medfee_sumamt);
    expect(now).toMatchObject({ priorAdmissionsThisYear: 0, amounts: { act_pay_dedc: '900.00' } });
    expect(now.fingerprint).not.toBe(before.fingerprint);
    expect(err.message).toContain(`个人现金支付 ${now.amounts.psn_cash_pay} 元`);
    const done = await ok<{ state: SettlementState }>(ctx, 'settlement.commit', commitInput(second.id, now));
    expect(done.state.active?.amounts).toEqual(now.amounts);
  });

  it('online, right after a reversal: the preview does not count the reversed stay, and it is exactly what is committed once the sync ran', async () => {
    ctx = await setup({ online: true });
    const first = await withFees(ctx);
    const { settlementId } = await ok<{ settlementId: number }>(ctx, 'settlement.commit', commitInput(first.id, await preview(ctx, first.id)));
    await ctx.desk.syncWorker.drain(50);
    const second = await withFees(ctx);
    expect(await preview(ctx, second.id)).toMatchObject({ cumSource: 'agency', priorAdmissionsThisYear: 1 });

    await ok(ctx, 'settlement.reverse', { settlementId, reason: '费用录入错误，撤销重结' }, ctx.supervisor);
    const p = await preview(ctx, second.id);
    expect(p).toMatchObject({ cumSource: 'agency', priorAdmissionsThisYear: 0, poolPaidThisYear: '0.00', amounts: { act_pay_dedc: '900.00' } });
    // The 2305 reaches the agency between preview and confirmation: the inputs are the same, so is the fingerprint.
    await ctx.desk.syncWorker.drain(50);
    const done = await ok<{ state: SettlementState }>(ctx, 'settlement.commit', commitInput(second.id, p));
    expect(done.state.active?.amounts).toEqual(p.amounts);
  });

  it('fees, the discharge day or the account read after the preview: refused; a commit without a preview is refused', async () => {
    ctx = await setup();
    const a = await withFees(ctx);
    const p = await preview(ctx, a.id);
    const err = await fails(ctx, 'settlement.commit', { ...commitInput(a.id, p), dischargedOn: addDays(p.dischargedOn, -1) });
    expect(err.code).toBe('PREVIEW_STALE');
    const noPreview = await fails(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt });
    expect(noPreview.message).toContain('预览校验码（fingerprint）');
    // A corrected fee line (same count, same total is not required): the old preview is stale.
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fix.csv', contentBase64: b64(feeCsv([{ sn: 'F6', ...ITEM.bed, cnt: '1', pric: '45', amount: '45.00' }], addDays(a.admittedOn, 1))) });
    expect((await fails(ctx, 'settlement.commit', commitInput(a.id, p))).code).toBe('FEES_CHANGED');
    expect(count(ctx, settlements)).toBe(0);
  });
});
