import { describe, expect, it, onTestFinished } from 'vitest';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertPerson } from '../../db/repos/demo.ts';
import { enqueueMessage } from '../../db/repos/outbox.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import type { ReconciliationDayView, SyncDeadlineView, SyncDownloadView, SyncStatus } from '../../shared/api/sync.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { DailyReconciler } from '../../electron/sync/reconcile.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { enqueueAdmission, enqueueSignIns, installAdmissionHooks, INST, OPTER, seedPatients } from '../support/syncFixtures.ts';

type Host = Awaited<ReturnType<typeof startDeskHost>>;

async function setup(): Promise<{ agency: ReferenceAgency; ctx: Host; clerk: string; supervisor: string }> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  seedPatients(agency.store, 10);
  const hooks = new SyncHooks();
  installAdmissionHooks(hooks);
  const ctx = await startDeskHost({ agencyUrl: agency.url, agencyTimeoutMs: 2000, sync: { hooks, backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20 } });
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

describe('sync API', () => {
  it('status shows the queue by kind and a rejected item with the agency’s reason; resend (same msgid) delivers it; resolve needs a supervisor', async () => {
    const { agency, ctx, clerk, supervisor } = await setup();
    const [a, b, c] = ctx.desk.db.transaction((tx) => enqueueSignIns(tx, 3));
    let s = await call<SyncStatus>(ctx, 'sync.status', {}, clerk);
    expect(s).toMatchObject({ pending: 3, rejected: 0, queue: [{ infno: '9001', label: '签到', pending: 3, rejected: 0 }], lastSuccessAt: null, running: false });

    agency.faults.set({ mode: 'failItem', msgid: b!, times: 1 });
    await ctx.desk.syncWorker.drain(50);
    s = await call<SyncStatus>(ctx, 'sync.status', {}, clerk);
    expect(s).toMatchObject({ pending: 0, rejected: 1, rejectedItems: [{ msgid: b, infno: '9001', label: '签到', message: expect.stringContaining('注入的故障') }] });
    expect(s.lastSuccessAt).not.toBeNull();

    expect(await call(ctx, 'sync.resend', { msgid: b }, clerk)).toEqual({ resent: [b], replaced: [] });
    const round = await call<{ sent: number }>(ctx, 'sync.runNow', {}, clerk);
    expect(round.sent).toBe(1);
    await ctx.desk.syncWorker.drain(50);
    expect(agency.store.count('sign_ins')).toBe(3);
    expect((await call<SyncStatus>(ctx, 'sync.status', {}, clerk)).pending).toBe(0);
    expect(agency.store.message(a!)).toBeDefined();
    expect(agency.store.message(c!)).toBeDefined();

    // A refusal that a person settles another way: a supervisor resolves it with a note.
    const [d] = ctx.desk.db.transaction((tx) => enqueueSignIns(tx, 1));
    agency.faults.set({ mode: 'failItem', msgid: d!, times: 1 });
    await ctx.desk.syncWorker.drain(50);
    expect((await api(ctx.host, 'sync.resolve', { msgid: d, note: '已线下处理' }, clerk)).body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect((await api(ctx.host, 'sync.resolve', { msgid: d, note: '' }, supervisor)).body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('处理说明') });
    expect(await call(ctx, 'sync.resolve', { msgid: d, note: '已线下处理' }, supervisor)).toEqual({ resolved: d });
    expect(ctx.desk.db.$client.prepare('SELECT infcode, resolution FROM outbox_results WHERE msgid = ?').get(d)).toMatchObject({ infcode: -1, resolution: expect.stringContaining('已线下处理') });
    expect((await call<SyncStatus>(ctx, 'sync.status', {}, clerk)).rejected).toBe(0);
    expect((await api(ctx.host, 'sync.resend', { msgid: d }, clerk)).body.error).toMatchObject({ code: 'NOT_REJECTED' });
  });

  it('downloads through the API; a held shrink is confirmed only by a supervisor', async () => {
    const { agency, ctx, clerk, supervisor } = await setup();
    agency.store.db.prepare('DELETE FROM catalogue WHERE id > 2').run();
    const held = await call<SyncDownloadView>(ctx, 'sync.downloadCatalogue', { wait: true }, clerk);
    expect(held).toMatchObject({ kind: 'catalogue', label: '就医地目录', state: 'held', held: { before: 11, after: 2, removed: 9 } });
    expect((await api(ctx.host, 'sync.confirmShrink', { kind: 'catalogue', confirm: true }, clerk)).body.error).toMatchObject({ code: 'FORBIDDEN' });
    const done = await call<SyncDownloadView>(ctx, 'sync.confirmShrink', { kind: 'catalogue', confirm: true }, supervisor);
    expect(done).toMatchObject({ state: 'idle', held: null, last: { outcome: 'applied', applied: 2, removed: 9 }, summary: expect.stringContaining('共 2 条') });
    const pol = await call<SyncDownloadView>(ctx, 'sync.downloadPolicies', { wait: true }, clerk);
    expect(pol).toMatchObject({ kind: 'policies', state: 'idle', last: { outcome: 'applied' } });
    expect((await call<SyncStatus>(ctx, 'sync.status', {}, clerk)).downloads.map((d) => d.kind)).toEqual(['catalogue', 'national', 'policies']);
  });

  it('reconciles a day per scheme and in total against the agency; a settlement not yet uploaded is listed as the difference; deadlines speak Chinese', async () => {
    const { agency, ctx, clerk } = await setup();
    const today = todayCST();
    const chain = ctx.desk.db.transaction((tx) => enqueueAdmission(tx, 1));
    await ctx.desk.syncWorker.drain(100);
    const agencySettlement = agency.store.db.prepare('SELECT * FROM settlements').get() as { medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string; setl_date: string };
    expect(agencySettlement.setl_date).toBe(today);
    // The desk's own record of that settlement (as the settlement module writes it).
    const db = ctx.desk.db;
    const local = (msgid: string, amounts: { medfee: string; fund: string; acct: string }, ipt: string) => db.transaction((tx) => {
      const personId = insertPerson(tx, { certno: `11010519491231${ipt.slice(-3)}X`, psnName: '测试', gend: '2', brdy: '1949-12-31', insuplcAdmdvs: '420102', insutype: '310' });
      const admissionId = insertAdmission(tx, {
        iptNo: ipt, personId, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231002X', grp: 'longTerm', admittedAt: '2026-03-01 09:00:00',
        way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
      });
      return insertSettlement(tx, {
        admissionId, kind: 'settlement', settledOn: today, setlTime: `${today} 10:00:00`, insutype: '310', scope: 'cross',
        medfeeSumamt: amounts.medfee, fundPaySumamt: amounts.fund, acctPay: amounts.acct, policyVersion: '420100-310-2026-1', catalogueVersion: 'x', msgid,
      }, []);
    });
    local(chain.msgids[3], { medfee: agencySettlement.medfee_sumamt, fund: agencySettlement.fund_pay_sumamt, acct: agencySettlement.acct_pay }, 'ZY-L1');
    const ok = await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: today }, clerk);
    expect(ok).toMatchObject({ day: today, balanced: true });
    expect(ok.rows.map((r) => [r.insutype, r.insutypeLabel, r.localCount, r.stmtRslt])).toEqual([['310', '职工基本医疗保险', 1, '0'], ['', '全部险种合计', 1, '0']]);

    // A second settlement written while offline: its 2304 is still in the outbox.
    const pendingId = db.transaction((tx) => {
      const env = newEnvelope(tx, OPTER, '2304', { data: { psn_no: 'X' } }, '420102');
      enqueueMessage(tx, { msgid: env.msgid, infno: '2304', orderKey: 'adm:offline', payload: env });
      return env.msgid;
    });
    local(pendingId, { medfee: '500.00', fund: '300.00', acct: '0.00' }, 'ZY-L2');
    const off = await call<ReconciliationDayView>(ctx, 'sync.reconcile', { day: today }, clerk);
    expect(off.balanced).toBe(false);
    expect(off.rows[0]).toMatchObject({ insutype: '310', localCount: 2, stmtRslt: '1', stmtRsltDscr: expect.stringContaining('不平'), differences: [{ msgid: pendingId, reason: expect.stringContaining('尚未上传') }] });
    const days = await call<ReconciliationDayView[]>(ctx, 'sync.reconciliations', {}, clerk);
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ day: today, balanced: false });
    expect(ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM reconciliation_runs`).get()).toEqual({ n: 4 });

    expect((await api(ctx.host, 'sync.reconcile', { day: '2999-01-01' }, clerk)).body.error).toMatchObject({ code: 'INVALID_DAY' });
    const warnings = await call<SyncDeadlineView[]>(ctx, 'sync.deadlines', {}, clerk);
    expect(Array.isArray(warnings)).toBe(true);
  });

  it('reconciling offline says so in Chinese and stores nothing', async () => {
    const { agency, ctx, clerk } = await setup();
    await agency.close();
    const r = await api(ctx.host, 'sync.reconcile', { day: todayCST() }, clerk);
    expect(r.body.error).toMatchObject({ code: 'AGENCY_UNREACHABLE', message: expect.stringContaining('对账需要联网') });
    expect(ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM reconciliation_runs`).get()).toEqual({ n: 0 });
  });
});

describe('daily reconciliation job', () => {
  it('reconciles yesterday by itself once, not while a settlement of that day waits in the outbox, and not twice', async () => {
    const { ctx } = await setup();
    const job = new DailyReconciler(() => ctx.desk.db, () => ctx.desk.agency());
    const yesterday = addDays(todayCST(), -1);
    const db = ctx.desk.db;
    const pendingId = db.transaction((tx) => {
      const env = newEnvelope(tx, OPTER, '2304', { data: { psn_no: 'X' } }, '420102');
      enqueueMessage(tx, { msgid: env.msgid, infno: '2304', orderKey: 'adm:y', payload: env });
      const personId = insertPerson(tx, { certno: '11010519491231077X', psnName: '测试', gend: '2', brdy: '1949-12-31', insuplcAdmdvs: '420102', insutype: '310' });
      const admissionId = insertAdmission(tx, { iptNo: 'ZY-Y', personId, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231077X', grp: 'longTerm', admittedAt: '2026-03-01 09:00:00', way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生' });
      insertSettlement(tx, { admissionId, kind: 'settlement', settledOn: yesterday, setlTime: `${yesterday} 10:00:00`, insutype: '310', scope: 'cross', medfeeSumamt: '10.00', fundPaySumamt: '5.00', acctPay: '0.00', policyVersion: 'p', catalogueVersion: 'c', msgid: env.msgid }, []);
      return env.msgid;
    });
    expect(await job.runOnce()).toEqual({ skipped: expect.stringContaining('尚有 1 笔结算未上传') });
    db.$client.prepare('DELETE FROM outbox WHERE msgid = ?').run(pendingId);
    const done = await job.runOnce();
    expect(done).toMatchObject({ done: { day: yesterday } });
    expect(await job.runOnce()).toEqual({ skipped: `${yesterday} 已对账` });
    expect(db.$client.prepare(`SELECT clerk_id, action FROM audit_log WHERE action = 'sync.reconcile'`).all()).toEqual([{ clerk_id: null, action: 'sync.reconcile' }]);
  });
});
