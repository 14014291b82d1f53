import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { pdfText } from '../support/pdfText.ts';
import { admissions, fullSelfPayDischarges, outbox, settlements } from '../../db/schema.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import type { SettlementPreview, SettlementState } from '../../shared/api/settlement.ts';
import { addDays, addMonths, todayCST } from '../../shared/dates.ts';
import { admit, b64, type Ctx, fails, feeCsv, ITEM, ok, setup, SHORT_STAY } from '../support/settlementFixtures.ts';

/** 全额自付 (issue 14 §2; 004 第四十七条, 第三十五条(三)): no settlement, the details still go up, the advice is printed. */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const ROWS = SHORT_STAY;


describe('全额自付', () => {
  it('offline: discharged with 2301/2402 queued and no 2304, the deadlines on the home screen, the fee list and advice printed; then nothing else settles the stay', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(ROWS, addDays(a.admittedOn, 1))) });
    expect((await fails(ctx, 'settlement.selfPay', { admissionId: a.id, dischargedOn: todayCST(), reason: ' ' })).message).toContain('请填写未直接结算的原因');
    const { state } = await ok<{ state: SettlementState }>(ctx, 'settlement.selfPay', { admissionId: a.id, dischargedOn: todayCST(), reason: '医保信息平台网络故障，患者不愿等待' });
    const today = todayCST();
    expect(state.selfPay).toEqual({
      paidOn: today, uploadBy: addDays(today, 2), claimBy: addMonths(today, 3), reason: '医保信息平台网络故障，患者不愿等待', medfee_sumamt: '1100.00', uploaded: false,
      rules: { upload: '004 第三十五条(三)', claim: '004 第四十七条' },
    });
    expect(state.active).toBeNull();
    expect(state.admission).toMatchObject({ status: 'discharged', selfPaid: true });
    expect(ctx.desk.db.select().from(outbox).all().map((o) => o.infno)).toEqual(['2301', '2402']);
    expect(ctx.desk.db.select().from(settlements).all()).toEqual([]);
    expect(ctx.desk.db.select().from(admissions).where(eq(admissions.id, a.id)).get()?.status).toBe('discharged');
    expect(ctx.desk.db.select().from(fullSelfPayDischarges).all()).toHaveLength(1);

    const home = await ok<Dashboard>(ctx, 'dashboard.get', {});
    const due = home.deadlines.find((d) => d.text.includes(a.iptNo));
    expect(due).toMatchObject({ date: addDays(today, 2), daysLeft: 2, level: 'warn' });
    expect(due!.text).toContain('全额自付：费用明细和诊断信息须于');
    expect(due!.text).toContain('004 第三十五条(三)');

    const advice = await ok<{ fileName: string; pdfBase64: string; pages: number }>(ctx, 'settlement.selfPayAdvicePdf', { admissionId: a.id });
    expect(advice.pages).toBe(1);
    const t = pdfText(advice.pdfBase64, 'self-pay-advice');
    for (const s of ['异地就医全额自付费用清单及零星报销告知', '张秀兰', a.iptNo, '三级医院床位费', '单人病房差价', '1,100.00', '零星报销告知', addMonths(today, 3), addMonths(today, 6), addDays(today, 2), '004 第四十七条', '004 第三十五条(三)', '医保信息平台网络故障']) {
      expect(t.replace(/\s+/g, '')).toContain(s.replace(/\s+/g, ''));
    }

    // Paid in full: no direct settlement and no second 全额自付.
    expect((await fails(ctx, 'settlement.selfPay', { admissionId: a.id, dischargedOn: today, reason: '再办一次' })).code).toBe('ALREADY_SELF_PAID');
    const p = await ok<SettlementPreview>(ctx, 'settlement.preview', { admissionId: a.id });
    expect((await fails(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint })).code).toBe('ALREADY_SELF_PAID');
    expect((await fails(ctx, 'settlement.selfPayAdvicePdf', { admissionId: 999999 })).code).toBe('NOT_SELF_PAID');
  });

  it('a long stay continues over pages with the heads repeated; the advice follows the last line', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const many = Array.from({ length: 120 }, (_, i) => ({ sn: `L${i + 1}`, ...ITEM.drug, cnt: '1', pric: '12.5', amount: '12.50' }));
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(many, addDays(a.admittedOn, 1))) });
    await ok(ctx, 'settlement.selfPay', { admissionId: a.id, dischargedOn: todayCST(), reason: '网络故障' });
    const advice = await ok<{ pdfBase64: string; pages: number }>(ctx, 'settlement.selfPayAdvicePdf', { admissionId: a.id });
    expect(advice.pages).toBeGreaterThanOrEqual(3);
    const t = pdfText(advice.pdfBase64);
    expect(t.replace(/\s+/g, '')).toContain(`第1页共${advice.pages}页`);
    expect(t).toContain('（续）');
    expect(t).toContain('L120');
    expect(t.indexOf('零星报销告知', t.indexOf('L120'))).toBeGreaterThan(0);
    expect(t.replace(/\s+/g, '')).toContain('1,500.00');
  });

  it('online: the details and diagnosis reach the agency, and the deadline leaves the home screen', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(ROWS, addDays(a.admittedOn, 1))) });
    await ok(ctx, 'settlement.selfPay', { admissionId: a.id, dischargedOn: todayCST(), reason: '患者选择回参保地报销' });
    expect((await ctx.desk.syncWorker.drain(50)).pending).toBe(0);
    expect(ctx.agency!.store.count('fee_details')).toBe(3);
    expect(ctx.agency!.store.db.prepare('SELECT status FROM admissions').all()).toEqual([{ status: 'discharged' }]);
    expect(ctx.agency!.store.count('settlements')).toBe(0);
    const state = await ok<SettlementState>(ctx, 'settlement.state', { admissionId: a.id });
    expect(state.selfPay?.uploaded).toBe(true);
    expect((await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.some((d) => d.text.includes(a.iptNo))).toBe(false);
  });
});
