import { describe, expect, it, onTestFinished } from 'vitest';
import type { DetailReconciliationView, ReconciliationDayView } from '../../shared/api/sync.ts';
import { todayCST } from '../../shared/dates.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { DailyReconciler, deadlines } from '../../electron/sync/reconcile.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { disagreeingDay, recordOnDesk, settleAtAgency, type AgencySettlement } from '../support/detailFixtures.ts';
import { installAdmissionHooks, INST, seedPatients } from '../support/syncFixtures.ts';

/**
 * Detail reconciliation 3202 with the real desk and the reference agency over HTTP
 * (docs/reconciliation.md): a day made 不平 on purpose in each of the three ways — the platform
 * holds a settlement the desk does not, the desk one the platform does not, and one whose amounts
 * differ — is found by 3201 → 9101 → 3202 → 9102, each listed with both sides and what to do.
 */

type Host = Awaited<ReturnType<typeof startDeskHost>>;

async function setup(): Promise<{ agency: ReferenceAgency; ctx: Host; clerk: string; supervisor: string }> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  seedPatients(agency.store, 6);
  const hooks = new SyncHooks();
  installAdmissionHooks(hooks);
  const ctx = await startDeskHost({ agencyUrl: agency.url, agencyTimeoutMs: 3000, sync: { hooks, backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20 } });
  onTestFinished(async () => {
    await ctx.desk.stopSync();
    await ctx.stop();
    await agency.close();
  });
  const login = async (l: string) => ((await api(ctx.host, 'auth.login', { login: l, password: 'demo1234' })).body.result as { token: string }).token;
  return { agency, ctx, clerk: await login('clerk01'), supervisor: await login('super01') };
}

async function call<T>(ctx: Host, method: string, input: unknown, token: string): Promise<T> {
  const r = await api(ctx.host, method, input, token);
  if (!r.body.ok) throw new Error(`${method}: ${JSON.stringify(r.body.error)}`);
  return r.body.result as T;
}

function checkThreeWays(detail: DetailReconciliationView, byPsn: Map<string, AgencySettlement>, deskIds: number[]): void {
  const [s1, s2, s3, s4] = [...byPsn.values()];
  expect(detail.error).toBeNull();
  expect(detail.sentCount).toBe(3);
  expect(detail.matched).toBe(1);
  expect(detail.uploadFileQuryNo).toMatch(/^F/);
  expect(detail.resultFileQuryNo).toMatch(/^F/);
  const by = new Map(detail.differences.map((d) => [d.setlId, d]));
  expect(by.has(s1!.setl_id)).toBe(false);
  expect(by.get(s4!.setl_id)).toMatchObject({
    kind: 'platformOnly', kindLabel: '经办机构有、本机无', psnNo: s4!.psn_no, mdtrtId: s4!.mdtrt_id, desk: null,
    agency: { msgid: s4!.msgid }, remedy: { infno: '2601', omsgid: s4!.msgid, oinfno: '2304' },
  });
  expect(by.get(s4!.setl_id)!.action).toContain(`以报文ID ${s4!.msgid} 发送冲正`);
  expect(by.get(s2!.setl_id)).toMatchObject({ kind: 'deskOnly', desk: { settlementId: deskIds[1], medfee_sumamt: '1000.00' }, remedy: { infno: '2304', resend: true } });
  expect(by.get(s2!.setl_id)!.action).toContain('重新发送');
  // byPsn holds the agency's figures from before it re-booked stay 3: what the desk recorded.
  expect(by.get(s3!.setl_id)).toMatchObject({ kind: 'amountsDiffer', desk: { settlementId: deskIds[2], medfee_sumamt: '1000.00', fund_pay_sumamt: s3!.fund_pay_sumamt }, remedy: null });
  expect(by.get(s3!.setl_id)!.agency!.memo).toBe(`金额不符：医疗费总额 经办机构 900.00 医院 1000.00；基金支付总额 经办机构 1.00 医院 ${s3!.fund_pay_sumamt}`);
  expect(by.get(s3!.setl_id)!.action).toMatch(/以经办机构的金额为准.*主管/);
  expect(detail.differences).toHaveLength(3);
}

describe('detail reconciliation 3202', () => {
  it('a 不平 day is reconciled in detail at once: each of the three kinds of difference with both sides and what to do', async () => {
    const { agency, ctx, clerk } = await setup();
    const { byPsn, deskIds } = await disagreeingDay(ctx, agency);
    const day = await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: todayCST() }, clerk);
    expect(day.balanced).toBe(false);
    expect(day.detail).toMatchObject({ trigger: 'unbalanced' });
    checkThreeWays(day.detail!, byPsn, deskIds);
    // The agency received the file, the 3202 and the downloads as the platform would.
    const infnos = (agency.store.db.prepare("SELECT infno FROM messages WHERE infno IN ('3201', '3202', '9101', '9102') ORDER BY received_at, rowid").all() as { infno: string }[]).map((r) => r.infno);
    expect(infnos.filter((i) => i === '3202')).toHaveLength(1);
    expect(infnos.indexOf('9101')).toBeLessThan(infnos.indexOf('3202'));
    expect(infnos.lastIndexOf('9102')).toBeGreaterThan(infnos.indexOf('3202'));
    // Kept: the list shows it, and nothing on either side was changed.
    const days = await call<ReconciliationDayView[]>(ctx, 'sync.reconciliations', {}, clerk);
    checkThreeWays(days[0]!.detail!, byPsn, deskIds);
    expect(ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM settlements').get()).toEqual({ n: 3 });
    expect(agency.store.db.prepare('SELECT count(*) AS n FROM settlements').get()).toEqual({ n: 3 });
    expect(ctx.desk.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'sync.reconcileDetail'").get()).toEqual({ n: 1 });
    // The warnings still read the day as 不平 (seen from tomorrow: only past days are warned of).
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    expect(deadlines(ctx.desk.db, tomorrow).find((w) => w.code === 'RECONCILE_UNBALANCED')).toMatchObject({ items: [todayCST()] });
  });

  it('on request for any day; a balanced day gives a detail with no differences', async () => {
    const { agency, ctx, clerk } = await setup();
    const byPsn = await settleAtAgency(ctx, agency, 2);
    let k = 0;
    for (const s of byPsn.values()) recordOnDesk(ctx, s, `ZY-10000${++k}`);
    const day = await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: todayCST() }, clerk);
    expect(day).toMatchObject({ balanced: true, detail: null });
    const detail = await call<DetailReconciliationView>(ctx, 'sync.reconcileDetail', { day: todayCST() }, clerk);
    expect(detail).toMatchObject({ trigger: 'request', error: null, sentCount: 2, matched: 2, differences: [] });
    expect((await api(ctx.host, 'sync.reconcileDetail', { day: '2999-01-01' }, clerk)).body.error).toMatchObject({ code: 'INVALID_DAY' });
  });

  it('the daily job reconciles in detail when 3201 says 不平', async () => {
    const { agency, ctx } = await setup();
    const { byPsn, deskIds } = await disagreeingDay(ctx, agency);
    // The job reconciles "yesterday": its clock is a day ahead so yesterday is today's settlements.
    const job = new DailyReconciler(() => ctx.desk.db, () => ctx.desk.agency(), () => new Date(Date.now() + 24 * 3600_000));
    const r = await job.runOnce();
    expect('done' in r && r.done.balanced).toBe(false);
    if (!('done' in r)) throw new Error('not done');
    expect(r.done.detail).toMatchObject({ trigger: 'unbalanced' });
    checkThreeWays(r.done.detail!, byPsn, deskIds);
    expect(await job.runOnce()).toEqual({ skipped: `${todayCST()} 已对账` });
  });

  it('the daily job tries a detail that did not finish again on its next tick', async () => {
    const { agency, ctx } = await setup();
    const { byPsn, deskIds } = await disagreeingDay(ctx, agency);
    const job = new DailyReconciler(() => ctx.desk.db, () => ctx.desk.agency(), () => new Date(Date.now() + 24 * 3600_000));
    agency.faults.set({ mode: 'status500', infno: '3202' });
    const first = await job.runOnce();
    if (!('done' in first)) throw new Error('not done');
    expect(first.done.detail!.error).toContain('明细对账');
    expect(await job.runOnce()).toEqual({ skipped: expect.stringContaining('明细对账仍未完成') });
    agency.faults.clear();
    const again = await job.runOnce();
    if (!('detailed' in again)) throw new Error(`not detailed: ${JSON.stringify(again)}`);
    checkThreeWays(again.detailed, byPsn, deskIds);
    expect(await job.runOnce()).toEqual({ skipped: `${todayCST()} 已对账` });
  });

  it('a 3202 that cannot finish is kept with its reason; the 3201 result stands', async () => {
    const { agency, ctx, clerk } = await setup();
    await disagreeingDay(ctx, agency);
    agency.faults.set({ mode: 'status500', infno: '9102' });
    const day = await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: todayCST() }, clerk);
    expect(day.balanced).toBe(false);
    expect(day.rows.length).toBeGreaterThan(0);
    expect(day.detail).toMatchObject({ differences: [], error: expect.stringContaining('明细对账') });
    expect(day.detail!.resultFileQuryNo).toMatch(/^F/);
    // Asked for by a clerk, a failure is the answer itself (Chinese, naming the day), and nothing is kept.
    const before = ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM reconciliation_details').get();
    const refused = await api(ctx.host, 'sync.reconcileDetail', { day: todayCST() }, clerk);
    expect(refused.body.error).toMatchObject({ code: 'AGENCY_UNREACHABLE', path: 'day', message: expect.stringContaining('明细对账需要联网') });
    expect(ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM reconciliation_details').get()).toEqual(before);
    agency.faults.clear();
    const again = await call<DetailReconciliationView>(ctx, 'sync.reconcileDetail', { day: todayCST() }, clerk);
    expect(again.error).toBeNull();
    expect(again.differences).toHaveLength(3);
  });

  it('resolved: the platform-only settlement is reversed by its msgid, the amounts difference noted by a supervisor; the next run shows what is left', async () => {
    const { agency, ctx, clerk, supervisor } = await setup();
    const { byPsn } = await disagreeingDay(ctx, agency);
    const [, s2, s3, s4] = [...byPsn.values()];
    const today = todayCST();
    await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: today }, clerk);
    // A 冲正 is a supervisor's; only for a platform-only difference.
    expect((await api(ctx.host, 'sync.reverseUnmatched', { day: today, setlId: s4!.setl_id }, clerk)).body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await api(ctx.host, 'sync.reverseUnmatched', { day: today, setlId: s3!.setl_id }, supervisor)).body.error).toMatchObject({ code: 'NOT_REVERSIBLE', path: 'setlId' });
    expect((await api(ctx.host, 'sync.reverseUnmatched', { day: today, setlId: 'S-UNKNOWN' }, supervisor)).body.error).toMatchObject({ code: 'NOT_A_DIFFERENCE' });

    const reversed = await call<{ outcome: string; msgid: string; omsgid: string }>(ctx, 'sync.reverseUnmatched', { day: today, setlId: s4!.setl_id }, supervisor);
    expect(reversed).toMatchObject({ outcome: 'reversed', omsgid: s4!.msgid });
    // The agency took it back: its 2304 is reversed by that 2601, the settlement row gone.
    expect(agency.store.db.prepare('SELECT reversed_by FROM messages WHERE msgid = ?').get(s4!.msgid)).toEqual({ reversed_by: reversed.msgid });
    expect(agency.store.db.prepare('SELECT count(*) AS n FROM settlements WHERE setl_id = ?').get(s4!.setl_id)).toEqual({ n: 0 });
    expect((await api(ctx.host, 'sync.reverseUnmatched', { day: today, setlId: s4!.setl_id }, supervisor)).body.error).toMatchObject({ code: 'ALREADY_REVERSED' });

    await call(ctx, 'sync.noteDifference', { day: today, setlId: s3!.setl_id, note: '已与经办机构核对，以其金额拨付' }, supervisor);
    expect((await api(ctx.host, 'sync.noteDifference', { day: today, setlId: s3!.setl_id, note: '好' }, supervisor)).body.error).toMatchObject({ code: 'INVALID_INPUT', path: 'note', message: expect.stringContaining('处理说明') });
    const shown = (await call<ReconciliationDayView[]>(ctx, 'sync.reconciliations', {}, clerk))[0]!.detail!;
    expect(shown.differences.find((d) => d.setlId === s4!.setl_id)!.resolutions).toMatchObject([{ action: 'reversal', outcome: 'reversed', msgid: reversed.msgid }]);
    expect(shown.differences.find((d) => d.setlId === s3!.setl_id)!.resolutions).toMatchObject([{ action: 'note', note: '已与经办机构核对，以其金额拨付' }]);
    expect(ctx.desk.db.$client.prepare("SELECT action FROM audit_log WHERE action IN ('sync.reverseUnmatched', 'sync.noteDifference') ORDER BY id").all()).toEqual([{ action: 'sync.reverseUnmatched' }, { action: 'sync.noteDifference' }]);

    // The next run: the 单边账 is gone; the other two stay until the agency or a resend settles them.
    const next = await call<DetailReconciliationView>(ctx, 'sync.reconcileDetail', { day: today }, clerk);
    expect(next.differences.map((d) => [d.setlId, d.kind]).sort()).toEqual([[s2!.setl_id, 'deskOnly'], [s3!.setl_id, 'amountsDiffer']]);
  });
});
