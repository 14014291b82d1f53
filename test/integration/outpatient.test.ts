import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { personOrderKey } from '../../db/repos/outbox.ts';
import { outbox, outboxReversals, outpatientSettlements, persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { OutpatientPreview, OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { type Ctx, fails, ok, setup } from '../support/settlementFixtures.ts';

/**
 * The desk's outpatient path against the reference agency over HTTP (issue 16): register (2201 +
 * 2203), a charge batch (2204), preview (2206 beside the estimate), settle (2207: the answer is the
 * settlement), a second batch, the refund of the earlier settlement (隔笔, 2208), exactly once under
 * a lost answer (2601 then a new msgid), and offline. Figures as in outpatientAgency.test.ts:
 * 张秀兰, Wuhan employees, outpatient deductible 200.00 a year, ratio 0.60.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const WESTERN = { diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true };
const VISIT = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [WESTERN] };
const LINES = [
  { feedetlSn: '1', medListCodg: 'XJ01DCC028A001010101445', medinsListCodg: 'YP0001', name: '头孢呋辛钠注射液', cnt: '2', pric: '50', amount: '100.00' },
  { feedetlSn: '2', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '10', pric: '30', amount: '300.00' },
  { feedetlSn: '3', medListCodg: 'ZZ0000000000001', medinsListCodg: 'ZF0001', name: '单人病房差价', cnt: '1', pric: '80', amount: '80.00' },
];

/** The text of the PDF (pdftotext); the first page kept as a PNG in test/artifacts to look at. */
function pdfText(b64pdf: string, png: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'otp-')), 'r.pdf');
  writeFileSync(file, Buffer.from(b64pdf, 'base64'));
  mkdirSync('test/artifacts', { recursive: true });
  spawnSync('/usr/bin/pdftoppm', ['-png', '-r', '90', '-f', '1', '-singlefile', file, join('test/artifacts', png)]);
  return spawnSync('/usr/bin/pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
}

function personId(c: Ctx): number {
  return c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[0]!.certno)).get()!.id;
}

describe('outpatient visit online: the insured region answers', () => {
  it('registers, uploads, previews and settles; a second batch; the earlier settlement refunded (隔笔)', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const refused = await fails(c, 'outpatient.register', { ...VISIT, personId: personId(c), diagnoses: [{ diagType: '2', code: 'BNW010', name: '感冒', main: true }] });
    expect(refused).toMatchObject({ code: 'INVALID_VISIT', path: 'diagnoses' });
    expect(refused.message).toContain('西医诊断');

    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    expect(v.registered).toBe(true);
    expect(v.mdtrtId).toMatch(/^340104M/);
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });

    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    expect(pre.agency.available).toBe(true);
    expect(pre.agency.amounts).toMatchObject({ medfee_sumamt: '480.00', act_pay_dedc: '200.00', hifp_pay: '114.00', psn_cash_pay: '366.00' });
    expect(pre.estimate).toMatchObject({ withPolicy: true, amounts: { hifp_pay: '114.00', psn_cash_pay: '366.00' } });
    // After the preview the 2204 answered: the agency's split of each line is stored and agrees with the desk's.
    const lines = (await ok<OutpatientVisitView>(c, 'outpatient.visit', { visitId: v.id })).lines;
    expect(lines.map((l) => [l.feedetlSn, l.agencySplit?.inscp, l.splitDiffers])).toEqual([['1', '90.00', []], ['2', '300.00', []], ['3', '0.00', []]]);

    expect((await fails(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '470.00' })).code).toBe('FEES_CHANGED');
    const first = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect(first.outcome.state).toBe('settled');
    const s1 = first.visit.settlements[0]!;
    expect(s1.amounts).toMatchObject({ medfee_sumamt: '480.00', hifp_pay: '114.00', fund_pay_sumamt: '114.00', psn_cash_pay: '366.00' });
    expect(s1.funds).toEqual([{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '114.00' }]);
    expect(s1.setlId).toMatch(/^340104S/);
    expect(first.visit.unsettledTotal).toBe('0.00');
    expect((await fails(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '0.00' })).code).toBe('NO_FEES');

    // The receipt prints the stored answer: the fund row's name as returned, the person's share, the setl_id; then 补打.
    const a4 = await ok<{ base64: string; reprint: boolean; printCount: number }>(c, 'outpatient.receiptPdf', { settlementId: s1.id });
    expect(a4.reprint).toBe(false);
    const text = pdfText(a4.base64, 'outpatient-receipt-a4').replace(/\s+/g, ' ');
    for (const t of ['异地就医门诊结算单', '张秀兰', '职工基本医疗保险统筹基金', '114.00', '366.00', s1.setlId!, '急性上呼吸道感染']) expect(text).toContain(t);
    expect(text).not.toContain('补打');
    const narrow = await ok<{ base64: string; reprint: boolean; printCount: number }>(c, 'outpatient.receiptPdf', { settlementId: s1.id, format: '80mm' });
    expect(narrow).toMatchObject({ reprint: true, printCount: 2 });
    const narrowText = pdfText(narrow.base64, 'outpatient-receipt-80mm');
    expect(narrowText).toContain('补打');
    expect(narrowText).toContain('366.00');

    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: [{ feedetlSn: '4', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '5', pric: '30', amount: '150.00' }] });
    const second = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '150.00' });
    expect(second.visit.settlements[1]!.amounts).toMatchObject({ act_pay_dedc: '0.00', hifp_pay: '90.00', psn_cash_pay: '60.00' });

    // 隔笔: the first, not the last; the second is not recomputed (004 第四十五条).
    const refund = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: s1.id, reason: '患者退药' });
    expect(refund.outcome.state).toBe('settled');
    const rows = refund.visit.settlements;
    expect(rows.map((r) => [r.kind, r.amounts.medfee_sumamt, r.amounts.hifp_pay])).toEqual([['settlement', '480.00', '114.00'], ['settlement', '150.00', '90.00'], ['refund', '-480.00', '-114.00']]);
    expect(rows[0]!.refundedBy).toBe(rows[2]!.id);
    expect(refund.visit.unsettledTotal).toBe('480.00'); // the refunded batch's lines can be settled (or withdrawn) again
    expect((await fails(c, 'outpatient.refund', { settlementId: s1.id, reason: '重复' })).code).toBe('ALREADY_REFUNDED');
    expect((await fails(c, 'outpatient.refund', { settlementId: rows[2]!.id, reason: '退费的退费' })).code).toBe('NOT_A_SETTLEMENT');
  });

  it('a refused 2201 is shown on the visit in the agency\'s words, not as waiting', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    // The insured region no longer knows the person (its record is gone): 2201 is refused.
    c.agency!.store.db.prepare(`DELETE FROM persons WHERE certno = ?`).run(DEMO_PATIENTS[0]!.certno);
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    expect(v.registered).toBe(false);
    expect(v.notes.join()).toMatch(/参保地拒绝了 2201：.*人员编号不存在/);
    expect(v.notes.join()).not.toContain('联网后自动发送');
  });

  it('a 2207 (then a 2208) whose answer is lost is 冲正ed and sent again under a new msgid: settled (refunded) exactly once', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    c.agency!.faults.set({ mode: 'lostAfterCommit', infno: '2207', times: 1 });
    await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect((await c.desk.awaitDelivery(personOrderKey(personId(c)), 20_000)).state).toBe('clear');
    const agencyRows = c.agency!.store.db.prepare(`SELECT kind FROM settlements WHERE mdtrt_id = ?`).all(v.mdtrtId) as { kind: string }[];
    expect(agencyRows).toEqual([{ kind: 'settle' }]);
    expect(c.desk.db.select().from(outpatientSettlements).all()).toHaveLength(1);
    expect(c.desk.db.select().from(outboxReversals).all().map((r) => r.infno)).toEqual(['2207']);
    expect(c.desk.db.select().from(outbox).all()).toEqual([]);

    // The refund's answer lost too: 2601, a new msgid, refunded once.
    c.agency!.faults.set({ mode: 'lostAfterCommit', infno: '2208', times: 1 });
    const s = c.desk.db.select().from(outpatientSettlements).get()!;
    await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: s.id, reason: '患者退药' });
    expect((await c.desk.awaitDelivery(personOrderKey(personId(c)), 20_000)).state).toBe('clear');
    expect((c.agency!.store.db.prepare(`SELECT kind FROM settlements WHERE mdtrt_id = ? ORDER BY id`).all(v.mdtrtId) as { kind: string }[]).map((r) => r.kind)).toEqual(['settle', 'reversal']);
    expect(c.desk.db.select().from(outpatientSettlements).all().map((r) => r.kind)).toEqual(['settlement', 'refund']);
    expect(c.desk.db.select().from(outboxReversals).all().map((r) => r.infno)).toEqual(['2207', '2208']);
  });
});

describe('门诊慢特病 (issue 16 §2)', () => {
  it('checks the registration of the disease (5301): refused in Chinese for another disease; settled with the chronic terms for hers', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const refused = await fails(c, 'outpatient.register', { ...VISIT, medType: '14', diseCodg: 'M07800', diseName: '糖尿病', personId: personId(c) });
    expect(refused).toMatchObject({ code: 'CHRONIC_NOT_REGISTERED', path: 'diseCodg' });
    expect(refused.message).toContain('没有病种 M07800 的有效门诊慢特病备案');
    expect(refused.message).toContain('高血压 M03900');
    expect(refused.message).toContain('普通门诊');
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, medType: '14', diseCodg: 'M03900', diseName: '高血压', personId: personId(c) });
    expect(v).toMatchObject({ medType: '14', diseCodg: 'M03900', registered: true });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    // Chronic terms of the demo policy: no deductible, ratio 0.70 — 390.00 × 0.70 = 273.00; the person 480 − 273 = 207.00.
    expect(pre.agency.amounts).toMatchObject({ act_pay_dedc: '0.00', hifp_pay: '273.00', psn_cash_pay: '207.00' });
    expect(pre.estimate.amounts).toMatchObject({ hifp_pay: '273.00', psn_cash_pay: '207.00' });
    const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect(out.visit.settlements[0]!.amounts.psn_cash_pay).toBe('207.00');
  });
});

describe('outpatient partial refund (004 第四十五条)', () => {
  it('refunds one line: 2208 of the settlement, 2205 of its batch, the kept lines again (2204) and a new 2207; one net result', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    const first = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    const s1 = first.visit.settlements[0]!;
    const batch = first.visit.lines[0]!.chrgBchno;
    expect((await fails(c, 'outpatient.refundLines', { settlementId: s1.id, refund: [{ chrgBchno: 'X', feedetlSn: '3' }], reason: '退药' })).code).toBe('NOT_IN_SETTLEMENT');

    const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.refundLines', { settlementId: s1.id, refund: [{ chrgBchno: batch, feedetlSn: '3' }], reason: '患者未使用单人病房' });
    expect(out.outcome.state).toBe('settled');
    const rows = out.visit.settlements;
    expect(rows.map((r) => [r.kind, r.amounts.medfee_sumamt, r.amounts.hifp_pay, r.amounts.psn_cash_pay])).toEqual([
      ['settlement', '480.00', '114.00', '366.00'], ['refund', '-480.00', '-114.00', '-366.00'], ['settlement', '400.00', '114.00', '286.00'],
    ]);
    // The first batch is withdrawn; the kept lines stand in a new batch, settled; nothing is left to settle.
    expect(out.visit.lines.filter((l) => l.withdrawn).map((l) => l.feedetlSn)).toEqual(['1', '2', '3']);
    expect(out.visit.lines.filter((l) => !l.withdrawn).map((l) => [l.feedetlSn, l.settled])).toEqual([['1', true], ['2', true]]);
    expect(out.visit.unsettledTotal).toBe('0.00');
    // At the agency: two settlements and a reversal; only the kept lines remain uploaded.
    const agency = c.agency!.store.db;
    expect((agency.prepare(`SELECT kind FROM settlements WHERE mdtrt_id = ? ORDER BY id`).all(v.mdtrtId) as { kind: string }[]).map((r) => r.kind)).toEqual(['settle', 'reversal', 'settle']);
    expect((agency.prepare(`SELECT feedetl_sn FROM otp_fees WHERE mdtrt_id = ? ORDER BY id`).all(v.mdtrtId) as { feedetl_sn: string }[]).map((r) => r.feedetl_sn)).toEqual(['1', '2']);
    expect(c.desk.db.select().from(outbox).all()).toEqual([]);
  });
});

describe('outpatient visit offline, then online', () => {
  it('a visit registered and settled while the agency is unreachable is settled from its answer when the connection returns', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    c.agency!.faults.set({ mode: 'refuse', times: 1_000 });
    await c.desk.connectivity.check();
    expect(c.desk.connectivity.online).toBe(false);
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    expect(pre.agency.available).toBe(false);
    const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: pre.estimate.amounts.medfee_sumamt });
    expect(out.outcome.state).toBe('pending');
    expect(c.desk.db.select().from(outpatientSettlements).all()).toEqual([]);

    c.agency!.faults.clear();
    await c.desk.connectivity.check();
    expect((await c.desk.awaitDelivery(personOrderKey(personId(c)), 20_000)).state).toBe('clear');
    const after = await ok<OutpatientVisitView>(c, 'outpatient.visit', { visitId: v.id });
    expect(after.mdtrtId).toMatch(/^340104M/);
    expect(after.settlements.map((s) => [s.kind, s.amounts.hifp_pay, s.amounts.psn_cash_pay])).toEqual([['settlement', '114.00', '366.00']]);
  });
});

describe('outpatient visit offline', () => {
  it('records the visit and its fees, shows the estimate as 估算, and queues the 2207 without a settlement', async () => {
    ctx = await setup();
    const c = ctx;
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    expect(v.registered).toBe(false);
    expect(v.notes.join()).toContain('2201');
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const pre = await ok<OutpatientPreview>(c, 'outpatient.preview', { visitId: v.id });
    expect(pre.agency.available).toBe(false);
    expect(pre.agency.note).toContain('离线');
    expect(pre.estimate.amounts.psn_cash_pay).toBe('366.00');
    const out = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect(out.outcome).toMatchObject({ state: 'pending' });
    expect(out.visit.settlements).toEqual([]);
    expect(c.desk.db.select().from(outbox).all().map((r) => r.infno)).toEqual(['2201', '2203', '2204', '2207']);
    expect((await fails(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' })).code).toBe('SETTLEMENT_PENDING');
  });
});
