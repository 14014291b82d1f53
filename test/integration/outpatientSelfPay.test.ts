import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { personOrderKey } from '../../db/repos/outbox.ts';
import { outbox, outpatientFullSelfPays, outpatientSettlements, persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import type { OutpatientPreview, OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { addDays, addMonths, todayCST } from '../../shared/dates.ts';
import { pdfText } from '../support/pdfText.ts';
import { type Ctx, fails, ok, setup } from '../support/settlementFixtures.ts';

/**
 * 全额自付 of a visit (issue 16 §7; 004 第四十七条, 第三十六条(三) → 第三十五条(三)): with the agency
 * unreachable the patient pays in full; no 2207 and no receipt from the desk's numbers; the visit's
 * diagnoses and details (2201/2203/2204) stay queued with the 2-day deadline shown, then go up when
 * the connection returns and the deadline closes.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const VISIT = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [{ diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true }] };
const LINES = [
  { feedetlSn: '1', medListCodg: 'XJ01DCC028A001010101445', medinsListCodg: 'YP0001', name: '头孢呋辛钠注射液', cnt: '2', pric: '50', amount: '100.00' },
  { feedetlSn: '2', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '10', pric: '30', amount: '300.00' },
  { feedetlSn: '3', medListCodg: 'ZZ0000000000001', medinsListCodg: 'ZF0001', name: '单人病房差价', cnt: '1', pric: '80', amount: '80.00' },
];
const REASON = '医保信息平台网络中断，患者不愿等待';

function personId(c: Ctx): number {
  return c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[0]!.certno)).get()!.id;
}

describe('outpatient 全额自付', () => {
  it('offline: paid in full with the advice printed, the details queued with the 2-day deadline; uploaded when the connection returns; nothing settles the visit', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    c.agency!.faults.set({ mode: 'refuse', times: 1_000 });
    await c.desk.connectivity.check();
    expect(c.desk.connectivity.online).toBe(false);
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    expect(pre.agency.available).toBe(false);

    expect((await fails(c, 'outpatient.selfPay', { visitId: v.id, reason: ' ' })).message).toContain('请填写未直接结算的原因');
    expect((await fails(c, 'outpatient.selfPayAdvicePdf', { visitId: v.id })).code).toBe('NOT_SELF_PAID');
    const paid = await ok<OutpatientVisitView>(c, 'outpatient.selfPay', { visitId: v.id, reason: REASON });
    const today = todayCST();
    expect(paid.selfPay).toEqual({
      paidOn: today, uploadBy: addDays(today, 2), claimBy: addMonths(today, 3), claimByExtended: addMonths(today, 6), reason: REASON, medfee_sumamt: '480.00',
      batches: [`${v.otpNo}-01`], uploaded: false, queued: 3, rules: { upload: '004 第三十六条(三)、第三十五条(三)', claim: '004 第四十七条' },
    });
    expect(paid.notes.join()).toContain(`费用明细和诊断信息须于 ${addDays(today, 2)} 前上传`);
    // No settlement asked for and none made from the desk's numbers.
    expect(c.desk.db.select().from(outbox).all().map((o) => o.infno)).toEqual(['2201', '2203', '2204']);
    expect(c.desk.db.select().from(outpatientSettlements).all()).toEqual([]);
    expect(paid.settlements).toEqual([]);

    const home = await ok<Dashboard>(c, 'dashboard.get', {});
    const due = home.deadlines.find((d) => d.text.includes(v.otpNo));
    expect(due).toMatchObject({ date: addDays(today, 2), daysLeft: 2, level: 'warn' });
    expect(due!.text).toContain('全额自付：费用明细和诊断信息须于');
    expect(due!.text).toContain('004 第三十六条(三)');

    const advice = await ok<{ fileName: string; pdfBase64: string; pages: number }>(c, 'outpatient.selfPayAdvicePdf', { visitId: v.id });
    expect(advice.pages).toBe(1);
    expect(advice.fileName).toContain(v.otpNo);
    const t = pdfText(advice.pdfBase64, 'outpatient-self-pay-advice').replace(/\s+/g, '');
    for (const s of ['异地就医全额自付费用清单及零星报销告知', '张秀兰', `门诊号：${v.otpNo}`, '就诊日期', '急性上呼吸道感染', '头孢呋辛钠注射液', '单人病房差价', '480.00',
      '本次门诊未能在本院直接结算', addMonths(today, 3), addMonths(today, 6), addDays(today, 2), '004第四十七条', '004第三十六条(三)、第三十五条(三)', REASON, '门诊病历']) {
      expect(t).toContain(s.replace(/\s+/g, ''));
    }
    expect(t).not.toContain('住院号');

    // Paid in full: no settlement, no more fees, no second 全额自付.
    expect((await fails(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' })).code).toBe('ALREADY_SELF_PAID');
    expect((await fails(c, 'outpatient.preview', { visitId: v.id })).code).toBe('ALREADY_SELF_PAID');
    expect((await fails(c, 'outpatient.addFees', { visitId: v.id, lines: [{ ...LINES[0]!, feedetlSn: '9' }] })).code).toBe('ALREADY_SELF_PAID');
    expect((await fails(c, 'outpatient.selfPay', { visitId: v.id, reason: REASON })).code).toBe('ALREADY_SELF_PAID');
    expect(c.desk.db.select().from(outpatientFullSelfPays).all()).toHaveLength(1);

    // The connection returns: the diagnoses and details go up, the deadline closes; the agency holds the visit unsettled.
    c.agency!.faults.clear();
    await c.desk.connectivity.check();
    expect((await c.desk.awaitDelivery(personOrderKey(personId(c)), 20_000)).state).toBe('clear');
    const after = await ok<OutpatientVisitView>(c, 'outpatient.visit', { visitId: v.id });
    expect(after.selfPay).toMatchObject({ uploaded: true, queued: 0 });
    expect(after.mdtrtId).toMatch(/^340104M/);
    expect(after.notes.join()).toContain('费用明细和诊断信息已上传');
    expect((await ok<Dashboard>(c, 'dashboard.get', {})).deadlines.some((d) => d.text.includes(v.otpNo))).toBe(false);
    const db = c.agency!.store.db;
    expect((db.prepare('SELECT count(*) AS n FROM otp_fees WHERE mdtrt_id = ?').get(after.mdtrtId) as { n: number }).n).toBe(3);
    expect((db.prepare(`SELECT count(*) AS n FROM settlements WHERE mdtrt_id = ?`).get(after.mdtrtId) as { n: number }).n).toBe(0);
  });

  it('refused while a 2207 is on its way, and without unsettled lines', async () => {
    ctx = await setup();
    const c = ctx;
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    expect((await fails(c, 'outpatient.selfPay', { visitId: v.id, reason: REASON })).code).toBe('NO_FEES');
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect(out.outcome.state).toBe('pending');
    const refused = await fails(c, 'outpatient.selfPay', { visitId: v.id, reason: REASON });
    expect(refused.code).toBe('SETTLEMENT_PENDING');
    expect(refused.message).toContain('已发往参保地');
    expect(c.desk.db.select().from(outpatientFullSelfPays).all()).toEqual([]);
  });
});
