import { eq, isNull } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { claims, outpatientClaimItems, persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { ClaimExportFile, ClaimPreview, ClearingRefresh, DeferralItem, SubmittedClaim } from '../../shared/api/claim.ts';
import type { OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { mirrorToAgency, settleStay } from '../support/claimFixtures.ts';
import { pdfText } from '../support/pdfText.ts';
import { type Ctx, fails, ok, setup } from '../support/settlementFixtures.ts';

/**
 * Visits in the monthly claim (issue 16 §3 and §5, docs/claim.md "Visits") against the reference
 * agency over HTTP: a visit settled in November is declared in November's claim as its own line
 * (clr_type 11) beside the stays' (21); once the claim is cleared, a clerk cannot refund the visit
 * (清算后退费 needs a supervisor, 004 第四十五条), a supervisor can, in December; the refund is a
 * negative line (psntime −1) of December's claim and November's claim is left as it was.
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

/** The office's day on the desk and on the agency (10:00 CST), so settlement dates fall where the test says. */
let agencyNow = new Date('2026-11-10T02:00:00Z');
function day(c: Ctx, d: string): void {
  c.desk.setClock(() => d);
  agencyNow = new Date(`${d}T02:00:00Z`);
}

function personId(c: Ctx): number {
  return c.desk.db.select().from(persons).where(eq(persons.certno, DEMO_PATIENTS[0]!.certno)).get()!.id;
}

describe('visits in the monthly claim (clr_type 11)', () => {
  it('November: a stay and a visit, two lines; after clearing a clerk is refused the refund, a supervisor refunds in December; the refund is a negative line of December', async () => {
    ctx = await setup({ online: true, agencyNow: () => agencyNow });
    const c = ctx;
    day(c, '2026-11-10');
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const settled = await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' });
    expect(settled.outcome.state).toBe('settled');
    const s1 = settled.visit.settlements[0]!;
    expect(s1).toMatchObject({ setlTime: expect.stringMatching(/^2026-11-10 /) as unknown, amounts: { medfee_sumamt: '480.00', fund_pay_sumamt: '114.00', psn_cash_pay: '366.00' } });
    settleStay(c.desk, { patient: 1, settledOn: '2026-11-12', medfee: '5432.10', funds: [['310100', '3100.33']] });
    mirrorToAgency(c.desk, c.agency!.store);

    day(c, '2026-12-02');
    const nov = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-11' });
    expect(nov.lines.map((l) => [l.scheme, l.scope, l.clrType, l.psntime, l.medfee_sumamt, l.fund_appy_sum, l.national.clr_type])).toEqual([
      ['310', 'cross', '21', 1, '5432.10', '3100.33', '21'],
      ['310', 'cross', '11', 1, '480.00', '114.00', '11'],
    ]);
    expect(nov.lines[1]!.settlementIds).toEqual([-s1.id]);
    expect(nov.lines[1]!.byFund).toEqual([{ fund_pay_type: '310100', name: '职工基本医疗保险统筹基金', amount: '114.00' }]);
    const visitItem = nov.items.find((i) => i.settlementId === -s1.id)!;
    // Its window (to 12-05) is open and it has no request: a deferral may be asked for, as for a stay.
    expect(visitItem).toMatchObject({ iptNo: v.otpNo, psnName: '张秀兰', canDefer: true, setlId: s1.setlId });
    // A clerk cannot submit; the supervisor's submission sends one 3203 per line and the agency accepts both.
    await ok(c, 'claim.submit', { period: '2026-11', fingerprint: nov.fingerprint }, c.supervisor);
    await c.desk.syncWorker.drain(40);
    const novClaims = c.desk.db.select().from(claims).where(eq(claims.setlym, '2026-11')).all();
    expect(novClaims.map((x) => [x.clrType, x.status, x.psntime, x.medfeeSumamt])).toEqual([['21', 'applied', 1, '5432.10'], ['11', 'applied', 1, '480.00']]);
    const otpClaim = novClaims[1]!;
    const agencyClaim = c.agency!.store.db.prepare('SELECT clr_type, setl_ids FROM claims WHERE clr_appy_evt_id = ?').get(otpClaim.clrAppyEvtId) as { clr_type: string; setl_ids: string };
    expect(agencyClaim).toEqual({ clr_type: '11', setl_ids: JSON.stringify([s1.setlId]) });

    // Cleared by the agency (50), downloaded by the desk.
    c.agency!.store.acceptClaim(otpClaim.clrAppyEvtId!);
    c.agency!.store.clearClaim(otpClaim.clrAppyEvtId!);
    await ok<ClearingRefresh>(c, 'claim.refresh', {});
    expect(c.desk.db.select().from(claims).where(eq(claims.id, otpClaim.id)).get()!.status).toBe('cleared');

    // December: 清算后退费 — refused for a clerk with the rule, done by a supervisor.
    day(c, '2026-12-03');
    const refused = await fails(c, 'outpatient.refund', { settlementId: s1.id, reason: '患者退药' });
    expect(refused.code).toBe('CLAIMED_REFUND_SUPERVISOR');
    expect(refused.message).toContain('2026-11 期清算申报（已清算）');
    expect(refused.message).toContain('主管');
    expect(refused.message).toContain('004 第四十五条');
    const partial = await fails(c, 'outpatient.refundLines', { settlementId: s1.id, refund: [{ chrgBchno: settled.visit.lines[0]!.chrgBchno, feedetlSn: '1' }], reason: '部分退药' });
    expect(partial.code).toBe('CLAIMED_REFUND_SUPERVISOR');
    const refund = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: s1.id, reason: '患者退药' }, c.supervisor);
    expect(refund.outcome.state).toBe('settled');
    const r1 = refund.visit.settlements.find((x) => x.kind === 'refund')!;
    expect(r1).toMatchObject({ setlTime: expect.stringMatching(/^2026-12-03 /) as unknown, refunds: s1.id, amounts: { medfee_sumamt: '-480.00', fund_pay_sumamt: '-114.00' } });

    // November's claim is not touched: same totals, still holds the visit.
    const after = c.desk.db.select().from(claims).where(eq(claims.id, otpClaim.id)).get()!;
    expect([after.status, after.medfeeSumamt, after.fundAppySum, after.psntime]).toEqual(['cleared', '480.00', '114.00', 1]);
    expect(c.desk.db.select().from(outpatientClaimItems).where(isNull(outpatientClaimItems.releasedAt)).all().map((x) => [x.claimId, x.otpSettlementId])).toEqual([[otpClaim.id, s1.id]]);
    const novAgain = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-11' });
    expect(novAgain.lines.filter((l) => l.clrType === '11')).toEqual([]);

    // January: December's claim has the refund as a negative line of its own period.
    day(c, '2027-01-02');
    const dec = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-12' });
    expect(dec.lines.map((l) => [l.scheme, l.scope, l.clrType, l.settlementIds, l.psntime, l.medfee_sumamt, l.fund_appy_sum, l.cash_payamt, l.national.clr_type, l.national.psntime])).toEqual([
      ['310', 'cross', '11', [-r1.id], -1, '-480.00', '-114.00', '-366.00', '11', -1],
    ]);
    expect(dec.lines[0]!.byFund).toEqual([{ fund_pay_type: '310100', name: '职工基本医疗保险统筹基金', amount: '-114.00' }]);
    const decSubmit = await ok<{ claims: SubmittedClaim[] }>(c, 'claim.submit', { period: '2026-12', fingerprint: dec.fingerprint }, c.supervisor);
    expect(decSubmit.claims.map((x) => [x.clrType, x.clrTypeLabel, x.psntime])).toEqual([['11', '门诊', -1]]);
    await c.desk.syncWorker.drain(40);
    const decClaim = c.desk.db.select().from(claims).where(eq(claims.setlym, '2026-12')).get()!;
    expect([decClaim.clrType, decClaim.status, decClaim.psntime, decClaim.medfeeSumamt]).toEqual(['11', 'applied', -1, '-480.00']);

    // The detail list of December carries the refund's row, marked as a visit.
    const pdf = await ok<ClaimExportFile>(c, 'claim.export', { period: '2026-12', table: 'detail', format: 'pdf' });
    const text = pdfText(pdf.base64, 'claim-detail-outpatient-refund').replace(/\s+/g, ' ');
    expect(text).toContain(v.otpNo);
    expect(text).toContain('门诊');
    expect(text).toContain('-480.00');
  });

  it('a clerk refunds a visit not in any claim (隔笔 as before); a withdrawn claim frees its visits again', async () => {
    ctx = await setup({ online: true, agencyNow: () => agencyNow });
    const c = ctx;
    day(c, '2026-11-10');
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const s1 = (await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' })).visit.settlements[0]!;
    day(c, '2026-12-02');
    const nov = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-11' });
    const { claimIds } = await ok<{ claimIds: number[] }>(c, 'claim.submit', { period: '2026-11', fingerprint: nov.fingerprint }, c.supervisor);
    await c.desk.syncWorker.drain(40);
    expect((await fails(c, 'outpatient.refund', { settlementId: s1.id, reason: '患者退药' })).code).toBe('CLAIMED_REFUND_SUPERVISOR');
    await ok(c, 'claim.withdraw', { claimId: claimIds[0]!, reason: '核对后重新申报' }, c.supervisor);
    await c.desk.syncWorker.drain(40);
    expect(c.desk.db.select().from(claims).where(eq(claims.id, claimIds[0]!)).get()!.status).toBe('withdrawn');
    expect(c.desk.db.select().from(outpatientClaimItems).where(isNull(outpatientClaimItems.releasedAt)).all()).toEqual([]);
    const refund = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: s1.id, reason: '患者退药' });
    expect(refund.outcome.state).toBe('settled');
  });

  it('a visit deferred (延期申报, 004 第四十九条): asked on the window\'s last day, left out of its own period\'s claim, approved through the clearing download, declared in the next claim', async () => {
    ctx = await setup({ online: true, agencyNow: () => agencyNow });
    const c = ctx;
    day(c, '2026-11-10');
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    const s1 = (await ok<OutpatientSettleOutcome>(c, 'outpatient.settle', { visitId: v.id, expectedTotal: '480.00' })).visit.settlements[0]!;
    settleStay(c.desk, { patient: 1, settledOn: '2026-11-12', medfee: '5432.10', funds: [['310100', '3100.33']] });
    mirrorToAgency(c.desk, c.agency!.store);

    // 12-05 is November's last window day: the request is taken; a second one is refused while it waits.
    day(c, '2026-12-05');
    const d = await ok<{ deferralId: number; requestedOn: string }>(c, 'deferral.request', { settlementId: -s1.id, reason: '门诊病历待补录，当期无法完成核对' });
    expect(d).toMatchObject({ requestedOn: '2026-12-05' });
    expect(d.deferralId).toBeLessThan(0);
    expect((await fails(c, 'deferral.request', { settlementId: -s1.id, reason: '再次' })).code).toBe('DEFERRAL_PENDING');
    expect((await fails(c, 'deferral.request', { settlementId: -(s1.id + 99), reason: '无此结算' })).code).toBe('NOT_FOUND');

    // November's claim leaves the visit out (the stay goes on alone) and lists it as deferred.
    const nov = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-11' });
    expect(nov.lines.map((l) => [l.clrType, l.settlementIds])).toEqual([['21', [expect.any(Number) as unknown]]]);
    expect(nov.deferred.map((i) => [i.settlementId, i.iptNo, i.reasonLabel, i.canDefer])).toEqual([[-s1.id, v.otpNo, '已申请延期，不纳入本期', false]]);
    expect(nov.warnings.join('\n')).toContain('1 笔本期结算已申请延期申报');
    await ok(c, 'claim.submit', { period: '2026-11', fingerprint: nov.fingerprint }, c.supervisor);
    await c.desk.syncWorker.drain(60);

    // The 3290 went after the visit's 2207, with its setl_id; the agency holds the request.
    expect(c.agency!.store.deferralRows()).toMatchObject([{ setl_id: s1.setlId, requested_on: '2026-12-05', status: 'pending' }]);
    let list = await ok<DeferralItem[]>(c, 'deferral.list', { period: '2026-11' });
    expect(list).toMatchObject([{ id: d.deferralId, settlementId: -s1.id, iptNo: v.otpNo, psnName: '张秀兰', medfee: '480.00', state: 'pending', lastPeriod: '2027-01' }]);
    c.agency!.store.decideDeferral(s1.setlId!, true, '同意延期');
    await ok<ClearingRefresh>(c, 'claim.refresh', {});
    list = await ok<DeferralItem[]>(c, 'deferral.list', { period: '2026-11' });
    expect(list[0]).toMatchObject({ settlementId: -s1.id, state: 'approved', decisionNote: '同意延期' });

    // December's claim takes the November visit (its own line, clr_type 11, begun in November); the agency accepts it.
    day(c, '2027-01-02');
    const dec = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-12' });
    expect(dec.lines.map((l) => [l.clrType, l.settlementIds, l.psntime, l.medfee_sumamt, l.national.begndate])).toEqual([['11', [-s1.id], 1, '480.00', '2026-11-10']]);
    expect(dec.items.find((i) => i.settlementId === -s1.id)!.reasonLabel).toBe('往期结算（延期获准）');
    expect(dec.lapsed).toEqual([]);
    await ok(c, 'claim.submit', { period: '2026-12', fingerprint: dec.fingerprint }, c.supervisor);
    await c.desk.syncWorker.drain(60);
    const decClaim = c.desk.db.select().from(claims).where(eq(claims.setlym, '2026-12')).get()!;
    expect([decClaim.clrType, decClaim.status, decClaim.medfeeSumamt]).toEqual(['11', 'applied', '480.00']);
    const agencyClaim = c.agency!.store.db.prepare('SELECT clr_type, setl_ids FROM claims WHERE clr_appy_evt_id = ?').get(decClaim.clrAppyEvtId) as { clr_type: string; setl_ids: string };
    expect(agencyClaim).toEqual({ clr_type: '11', setl_ids: JSON.stringify([s1.setlId]) });
    // November's claim never held it.
    const novClaimIds = c.desk.db.select().from(claims).where(eq(claims.setlym, '2026-11')).all().map((x) => x.id);
    expect(c.desk.db.select().from(outpatientClaimItems).where(isNull(outpatientClaimItems.releasedAt)).all().map((x) => [x.claimId, x.otpSettlementId])).toEqual([[decClaim.id, s1.id]]);
    expect(novClaimIds).not.toContain(decClaim.id);
  });
});
