import { afterEach, describe, expect, it } from 'vitest';
import { rawRows } from '../support/storeSql.ts';
import type { ClaimPreview } from '../../shared/api/claim.ts';
import type { DetailReconciliationView, ReconciliationDayView } from '../../shared/api/sync.ts';
import type { SettlementPreview, SettlementState } from '../../shared/api/settlement.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { admit, b64, type Ctx, fails, feeCsv, ok, setup, SHORT_STAY } from '../support/settlementFixtures.ts';

/**
 * 重新结算 (issue 15 §2, docs/reconciliation.md): the platform loses a stay's settlement; 3201 says
 * 不平, 3202 names it 本机有、经办机构无; a supervisor resends it: the old settlement is void (a new
 * row, the old one untouched), a new 2304 goes, its answer is the stay's settlement, and the day balances.
 */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

describe('resend a settlement the platform does not hold', () => {
  it('the day is 不平, the supervisor resends, the new answer is the settlement and 3201 balances', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const a = await admit(c);
    await ok(c, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(SHORT_STAY, addDays(a.admittedOn, 1))) });
    const p = await ok<SettlementPreview>(c, 'settlement.preview', { admissionId: a.id });
    const done = await ok<{ settlementId: number }>(c, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    const old = c.desk.db.$client.prepare('SELECT * FROM settlements WHERE id = ?').get(done.settlementId) as Record<string, unknown>;
    const store = c.agency!.store.db;
    // The platform loses it.
    store.prepare('DELETE FROM settlements WHERE setl_id = ?').run(old.setl_id);
    const today = todayCST();
    const day = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(day.balanced).toBe(false);
    const diff = day.detail!.differences.find((d) => d.setlId === old.setl_id)!;
    expect(diff).toMatchObject({ kind: 'deskOnly', remedy: { infno: '2304', resend: true } });

    // A clerk is refused, in Chinese; a difference that is not a resend is refused.
    const refused = await fails(c, 'sync.resendSettlement', { day: today, setlId: old.setl_id });
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/[\u4e00-\u9fff]/);
    expect((await fails(c, 'sync.resendSettlement', { day: today, setlId: 'S-UNKNOWN' }, c.supervisor)).code).toBe('NOT_A_DIFFERENCE');

    const r = await ok<{ action: string; msgid: string; omsgid: string; note: string }>(c, 'sync.resendSettlement', { day: today, setlId: old.setl_id }, c.supervisor);
    expect(r).toMatchObject({ action: 'resend', omsgid: old.msgid });
    expect(r.msgid).not.toBe(old.msgid);
    expect(r.note).toContain('经办机构无此结算记录');
    await c.desk.syncWorker.drain(400);
    // The old row is as it left the desk; the void is a row of its own; the new answer is the settlement.
    expect(c.desk.db.$client.prepare('SELECT * FROM settlements WHERE id = ?').get(done.settlementId)).toEqual(old);
    expect(rawRows(c.desk.db, 'SELECT settlement_id AS s, request_id IS NOT NULL AS r FROM settlement_voids')).toEqual([{ s: done.settlementId, r: 1 }]);
    const state = await ok<SettlementState>(c, 'settlement.state', { admissionId: a.id });
    expect(state.active).not.toBeNull();
    expect(state.active!.id).not.toBe(done.settlementId);
    expect(state.active!.msgid).toBe(r.msgid);
    expect(state.settlements.find((s) => s.id === done.settlementId)).toMatchObject({ voided: { reason: expect.stringContaining('作废') } });
    expect((store.prepare('SELECT count(*) AS n FROM settlements WHERE msgid = ?').get(r.msgid) as { n: number }).n).toBe(1);
    // The void settlement has no slip, and cannot be resent or reversed again.
    expect((await fails(c, 'settlement.slipPdf', { settlementId: done.settlementId })).code).toBe('VOIDED');
    expect((await fails(c, 'sync.resendSettlement', { day: today, setlId: old.setl_id }, c.supervisor)).code).toBe('ALREADY_RESENT');
    expect((await fails(c, 'settlement.reverse', { settlementId: done.settlementId, reason: '测试撤销原因' }, c.supervisor)).code).toBe('VOIDED');

    const again = await ok<ReconciliationDayView>(c, 'sync.reconcile', { day: today });
    expect(again.balanced).toBe(true);
    const detail = await ok<DetailReconciliationView>(c, 'sync.reconcileDetail', { day: today });
    expect(detail).toMatchObject({ sentCount: 1, matched: 1, differences: [] });
    // The month's claim declares the resend, never the void one (the platform never paid it).
    const claim = await ok<ClaimPreview>(c, 'claim.preview', { period: today.slice(0, 7) });
    expect(claim.items.map((i) => i.settlementId)).toEqual([state.active!.id]);
  });
});
