import { afterEach, describe, expect, it } from 'vitest';
import type { AssistStayView } from '../../shared/api/assistance.ts';
import type { SettlementPreview, SettleOutcome } from '../../shared/api/settlement.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { admit, b64, type Ctx, fails, feeCsv, ITEM, ok, setup } from '../support/settlementFixtures.ts';

/** 协查 (004 第六十六条): a stay found from any fact of an agency's request; stays over the thresholds listed. */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

async function settle(c: Ctx, amount: string, patient = 0): Promise<{ admissionId: number; iptNo: string }> {
  const a = await admit(c, { patient });
  await ok(c, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv([{ sn: 'F1', ...ITEM.surgery, cnt: '1', pric: amount, amount }], addDays(a.admittedOn, 1))) });
  const p = await ok<SettlementPreview>(c, 'settlement.preview', { admissionId: a.id });
  const r = await ok<{ outcome: SettleOutcome }>(c, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
  expect(r.outcome.kind).toBe('settled');
  return { admissionId: a.id, iptNo: a.iptNo };
}

describe('协查', () => {
  it('finds the stay from the ID number, the name, the inpatient number, the platform ids, the dates or the total; lists the stays over the threshold', async () => {
    ctx = await setup({ online: true });
    const big = await settle(ctx, '31000.00');
    const small = await settle(ctx, '4200.00', 1);
    const p = DEMO_PATIENTS[0]!;
    const one = (rows: AssistStayView[]) => rows.map((r) => r.admissionId);
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { certno: p.certno }))).toEqual([big.admissionId]);
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { psnName: p.name.slice(0, 2) }))).toContain(big.admissionId);
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { iptNo: small.iptNo }))).toEqual([small.admissionId]);
    const found = (await ok<AssistStayView[]>(ctx, 'assist.find', { total: '31000' }))[0]!;
    expect(found).toMatchObject({ admissionId: big.admissionId, medfeeSumamt: '31000.00', assistanceFlag: true });
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { platformId: found.setlId! }))).toEqual([big.admissionId]);
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { platformId: found.mdtrtId! }))).toEqual([big.admissionId]);
    expect(one(await ok<AssistStayView[]>(ctx, 'assist.find', { from: todayCST(), total: '4200.00' }))).toEqual([small.admissionId]);
    expect(await ok<AssistStayView[]>(ctx, 'assist.find', { certno: '110101199001011237' })).toEqual([]);
    const e = await fails(ctx, 'assist.find', {});
    expect(e.message).toContain('请至少填写一项协查条件');
    // Over the threshold (cross-province 30,000, the policy's value): flagged at settlement and listed.
    const flagged = await ok<AssistStayView[]>(ctx, 'assist.flagged', { from: addDays(todayCST(), -1), to: todayCST() });
    expect(one(flagged)).toEqual([big.admissionId]);
    expect((await fails(ctx, 'assist.flagged', { from: todayCST(), to: addDays(todayCST(), -1) })).code).toBe('INVALID_RANGE');
  });
});
