import { afterEach, describe, expect, it } from 'vitest';
import type { SettlementPreview, SettleOutcome } from '../../shared/api/settlement.ts';
import type { StayQueryView } from '../../shared/api/stayQuery.ts';
import { addDays } from '../../shared/dates.ts';
import { admit, b64, type Ctx, fails, feeCsv, ITEM, ok, setup } from '../support/settlementFixtures.ts';

/**
 * 5203 / 5204 / 5303 through the API against the reference agency (issue 15 §4): the platform's
 * answer beside the desk's record, and each way they can disagree found.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const q = (c: Ctx, admissionId: number, infno: string) => ok<StayQueryView>(c, 'stay.query', { admissionId, infno });

describe('stay queries 5203 / 5204 / 5303', () => {
  it('in hospital, settled, then the platform made to differ: each query shows both sides and what differs', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    // 5303 while in hospital: both say 在院.
    const inHosp = await q(ctx, a.id, '5303');
    expect(inHosp).toMatchObject({ infno: '5303', desk: { status: 'admitted' }, differences: [] });
    expect(inHosp.infno === '5303' ? inHosp.platform.stays : []).toHaveLength(1);
    // No settlement yet: 5203 says why.
    expect((await fails(ctx, 'stay.query', { admissionId: a.id, infno: '5203' })).message).toContain('尚无平台结算编号');

    const day = addDays(a.admittedOn, 1);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv([
      { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
      { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
    ], day)) });
    const p = await ok<SettlementPreview>(ctx, 'settlement.preview', { admissionId: a.id });
    const c = await ok<{ outcome: SettleOutcome }>(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    expect(c.outcome.kind).toBe('settled');

    const s = await q(ctx, a.id, '5203');
    expect(s).toMatchObject({ infno: '5203', desk: { medfeeSumamt: '700.00' }, platform: { medfeeSumamt: '700.00' }, differences: [] });
    expect(await q(ctx, a.id, '5204')).toMatchObject({ desk: { lines: 2 }, platform: { lines: 2 }, differences: [] });
    // Discharged on the desk and at the platform: 5303 lists nothing, no difference.
    expect(await q(ctx, a.id, '5303')).toMatchObject({ desk: { status: 'discharged' }, differences: [] });

    // The platform's record now differs: another total, a line it lost, and it still thinks the stay is open.
    const adb = ctx.agency!.store.db;
    adb.prepare(`UPDATE settlements SET medfee_sumamt = '720.00'`).run();
    adb.prepare(`DELETE FROM fee_details WHERE feedetl_sn = 'F2'`).run();
    adb.prepare(`UPDATE admissions SET status = 'admitted'`).run();
    expect((await q(ctx, a.id, '5203')).differences).toEqual([{ field: 'medfee_sumamt', label: '医疗费总额', desk: '700.00', platform: '720.00' }]);
    expect((await q(ctx, a.id, '5204')).differences).toEqual([{ field: 'feedetl_sn:F2', label: '明细 F2', desk: '250.00', platform: null }]);
    expect((await q(ctx, a.id, '5303')).differences).toEqual([{ field: 'in_hosp', label: '在院状态', desk: '不在院', platform: '在院' }]);
  });

  it('a stay the platform does not know, and an unknown stay, are refused naming admissionId', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx, { register: false });
    const e = await fails(ctx, 'stay.query', { admissionId: a.id, infno: '5204' });
    expect(e).toMatchObject({ code: 'NOT_ON_PLATFORM', path: 'admissionId' });
    expect((await fails(ctx, 'stay.query', { admissionId: 999_999, infno: '5303' })).code).toBe('NOT_FOUND');
  });
});
