import { describe, expect, it, onTestFinished } from 'vitest';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertPerson } from '../../db/repos/demo.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import type { DetailReconciliationView, ReconciliationDayView } from '../../shared/api/sync.ts';
import { todayCST } from '../../shared/dates.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { DailyReconciler, deadlines } from '../../electron/sync/reconcile.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { enqueueAdmission, installAdmissionHooks, INST, seedPatients } from '../support/syncFixtures.ts';

/**
 * Detail reconciliation 3202 with the real desk and the reference agency over HTTP
 * (docs/reconciliation.md): a day made 不平 on purpose in each of the three ways — the platform
 * holds a settlement the desk does not, the desk one the platform does not, and one whose amounts
 * differ — is found by 3201 → 9101 → 3202 → 9102, each listed with both sides and what to do.
 */

type Host = Awaited<ReturnType<typeof startDeskHost>>;

interface AgencySettlement { setl_id: string; mdtrt_id: string; psn_no: string; medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string; psn_cash_pay: string; msgid: string }

async function setup(): Promise<{ agency: ReferenceAgency; ctx: Host; clerk: string }> {
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
  const token = ((await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.result as { token: string }).token;
  return { agency, ctx, clerk: token };
}

async function call<T>(ctx: Host, method: string, input: unknown, token: string): Promise<T> {
  const r = await api(ctx.host, method, input, token);
  if (!r.body.ok) throw new Error(`${method}: ${JSON.stringify(r.body.error)}`);
  return r.body.result as T;
}

/** Stays 1..n settled at the agency through the outbox; the agency's rows by person. */
async function settleAtAgency(ctx: Host, agency: ReferenceAgency, n: number): Promise<Map<string, AgencySettlement>> {
  for (let i = 1; i <= n; i++) ctx.desk.db.transaction((tx) => enqueueAdmission(tx, i));
  await ctx.desk.syncWorker.drain(400);
  const rows = agency.store.db.prepare('SELECT * FROM settlements ORDER BY id').all() as AgencySettlement[];
  expect(rows).toHaveLength(n);
  return new Map(rows.map((r) => [r.psn_no, r]));
}

/** The desk's own record of a settlement the agency confirmed (as the settlement module keeps it). */
function recordOnDesk(ctx: Host, s: AgencySettlement, ipt: string): number {
  const today = todayCST();
  return ctx.desk.db.transaction((tx) => {
    const personId = insertPerson(tx, { psnNo: s.psn_no, certno: `42010219500${ipt.slice(-6)}X`, psnName: `患者${ipt}`, gend: '1', brdy: '1950-01-01', insuplcAdmdvs: '420102', insutype: '310' });
    const admissionId = insertAdmission(tx, {
      iptNo: ipt, personId, mdtrtId: s.mdtrt_id, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231002X', grp: 'longTerm', admittedAt: '2026-03-01 09:00:00',
      way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
    });
    return insertSettlement(tx, {
      admissionId, kind: 'settlement', settledOn: today, setlTime: `${today} 10:00:00`, insutype: '310', scope: 'cross', setlId: s.setl_id,
      medfeeSumamt: s.medfee_sumamt, fundPaySumamt: s.fund_pay_sumamt, acctPay: s.acct_pay, psnCashPay: s.psn_cash_pay, policyVersion: '420100-310-2026-1', catalogueVersion: 'x', msgid: s.msgid,
    }, []);
  });
}

/**
 * Four stays settled at the agency. The desk keeps 1, 2 and 3; stay 4's settlement never
 * reached its books (单边账). The agency then loses stay 2's settlement and books stay 3 at
 * other amounts.
 */
async function disagreeingDay(ctx: Host, agency: ReferenceAgency): Promise<{ byPsn: Map<string, AgencySettlement>; deskIds: number[] }> {
  const byPsn = await settleAtAgency(ctx, agency, 4);
  const [s1, s2, s3, s4] = [...byPsn.values()];
  const deskIds = [recordOnDesk(ctx, s1!, 'ZY-000001'), recordOnDesk(ctx, s2!, 'ZY-000002'), recordOnDesk(ctx, s3!, 'ZY-000003')];
  expect(s4).toBeDefined();
  agency.store.db.prepare('DELETE FROM settlements WHERE setl_id = ?').run(s2!.setl_id);
  agency.store.db.prepare("UPDATE settlements SET medfee_sumamt = '900.00', fund_pay_sumamt = '1.00' WHERE setl_id = ?").run(s3!.setl_id);
  return { byPsn, deskIds };
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
});
