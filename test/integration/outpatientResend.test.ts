import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimPreview } from '../../shared/api/claim.ts';
import type { OutpatientVisitView } from '../../shared/api/outpatient.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import type { DetailReconciliationView, ReconciliationDayView } from '../../shared/api/sync.ts';
import { todayCST } from '../../shared/dates.ts';
import { settledVisit } from '../support/outpatientFixtures.ts';
import { type Ctx, fails, ok, setup } from '../support/settlementFixtures.ts';

/**
 * 重新结算 of a visit (issue 15 §2, docs/reconciliation.md), as reconcileResend.test.ts for a stay: the
 * platform loses a visit's settlement; 3201 (clr_type 11) says 不平, 3202 names it 本机有、经办机构无; a
 * supervisor resends it: a void row (the old settlement untouched), a new 2207 under a new msgid, its
 * answer the visit's settlement; the void one has no receipt or refund, and the day and the claim see only the new one.
 */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

describe('resend a visit\'s settlement the platform does not hold', () => {
  it('the day is 不平, the supervisor resends the 2207, the new answer is the settlement and the day balances', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const { visit } = await settledVisit(c);
    const first = visit.settlements[0]!;
    const old = c.desk.db.$client.prepare('SELECT * FROM outpatient_settlements WHERE id = ?').get(first.id) as Record<string, unknown>;
    const store = c.agency!.store.db;
    store.prepare('DELETE FROM settlements WHERE setl_id = ?').run(first.setlId);
    const today = todayCST();
    const day = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(day.balanced).toBe(false);
    const diff = day.detail!.differences.find((d) => d.setlId === first.setlId)!;
    expect(diff).toMatchObject({ kind: 'deskOnly', remedy: { infno: '2207', resend: true } });

    // A clerk is refused, in Chinese.
    const refused = await fails(c, 'sync.resendSettlement', { day: today, setlId: first.setlId });
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/[\u4e00-\u9fff]/);

    const r = await ok<{ action: string; msgid: string; omsgid: string; note: string }>(c, 'sync.resendSettlement', { day: today, setlId: first.setlId }, c.supervisor);
    expect(r).toMatchObject({ action: 'resend', omsgid: old.msgid });
    expect(r.msgid).not.toBe(old.msgid);
    expect(r.note).toContain('经办机构无此结算记录');
    await c.desk.syncWorker.drain(400);
    // The old row is as it left the desk; the void is a row of its own, with the new 2207's request.
    expect(c.desk.db.$client.prepare('SELECT * FROM outpatient_settlements WHERE id = ?').get(first.id)).toEqual(old);
    expect(c.desk.db.$client.prepare(`SELECT v.otp_settlement_id AS s, q.msgid AS m, q.infno AS i FROM outpatient_voids v JOIN outpatient_requests q ON q.id = v.request_id`).all())
      .toEqual([{ s: first.id, m: r.msgid, i: '2207' }]);
    const after = await ok<OutpatientVisitView>(c, 'outpatient.visit', { visitId: visit.id });
    const fresh = after.settlements.find((s) => s.id !== first.id)!;
    expect(fresh).toMatchObject({ kind: 'settlement', voided: null, batches: first.batches, amounts: { medfee_sumamt: first.amounts.medfee_sumamt } });
    expect(after.settlements.find((s) => s.id === first.id)).toMatchObject({ voided: { reason: expect.stringContaining('作废') } });
    expect((store.prepare('SELECT count(*) AS n FROM settlements WHERE msgid = ?').get(r.msgid) as { n: number }).n).toBe(1);
    // The void settlement has no receipt, no refund (whole or partial), and cannot be resent again; the new one has its receipt.
    expect((await fails(c, 'outpatient.receiptPdf', { settlementId: first.id })).code).toBe('VOIDED');
    expect((await fails(c, 'outpatient.refund', { settlementId: first.id, reason: '患者要求退费' })).code).toBe('VOIDED');
    expect((await fails(c, 'outpatient.refundLines', { settlementId: first.id, refund: [{ chrgBchno: first.batches[0]!, feedetlSn: '1' }], reason: '患者要求退费' })).code).toBe('VOIDED');
    expect((await fails(c, 'sync.resendSettlement', { day: today, setlId: first.setlId }, c.supervisor)).code).toBe('ALREADY_RESENT');
    expect((await ok<{ pages: number }>(c, 'outpatient.receiptPdf', { settlementId: fresh.id })).pages).toBeGreaterThan(0);

    // 3201 and 3202 of the day see the new settlement only, and balance.
    const again = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(again.balanced).toBe(true);
    expect(again.rows.filter((x) => x.clrType === '11').map((x) => [x.insutype, x.localCount, x.localMedfee, x.stmtRslt])).toEqual([['310', 1, first.amounts.medfee_sumamt, '0'], ['', 1, first.amounts.medfee_sumamt, '0']]);
    const detail = await ok<DetailReconciliationView>(c, 'sync.reconcileDetail', { day: today });
    expect(detail).toMatchObject({ sentCount: 1, matched: 1, differences: [] });
    // The month's claim declares the resend, never the void one; the home screen counts it once.
    const claim = await ok<ClaimPreview>(c, 'claim.preview', { period: today.slice(0, 7) });
    expect(claim.items.map((i) => i.settlementId)).toEqual([-fresh.id]);
    const home = await ok<Dashboard>(c, 'dashboard.get', {});
    expect(home.outpatient).toMatchObject({ settlementsToday: 1, medfeeToday: first.amounts.medfee_sumamt });
  });

  it('is refused while the visit has other unsettled fees (the 2207 would take them too)', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const { visit } = await settledVisit(c);
    const first = visit.settlements[0]!;
    c.agency!.store.db.prepare('DELETE FROM settlements WHERE setl_id = ?').run(first.setlId);
    await ok(c, 'outpatient.addFees', { visitId: visit.id, lines: [{ feedetlSn: '9', medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '1', pric: '30.00', amount: '30.00' }] });
    const today = todayCST();
    expect((await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today })).balanced).toBe(false);
    const refused = await fails(c, 'sync.resendSettlement', { day: today, setlId: first.setlId }, c.supervisor);
    expect(refused).toMatchObject({ code: 'OTHER_FEES', path: 'setlId' });
    expect(refused.message).toContain('另有未结算的费用');
    expect(c.desk.db.$client.prepare('SELECT count(*) AS n FROM outpatient_voids').get()).toEqual({ n: 0 });
  });
});
