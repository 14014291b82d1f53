import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertPerson } from '../../db/repos/demo.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { enqueueMessage, outboxResult } from '../../db/repos/outbox.ts';
import { addDays, addPeriods, monthOf, todayCST } from '../../shared/dates.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { enqueueSignIns, INST, OPTER, seedPatients } from '../support/syncFixtures.ts';

const ARTIFACTS = 'test/artifacts';
let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  seedPatients(agency.store, 5);
  ctx = await startDeskHost({ agencyUrl: agency.url, agencyTimeoutMs: 3000, sync: { hooks: new SyncHooks(), maxItems: 50, backoffBaseMs: 50, backoffMaxMs: 500, idleMs: 100 } });
});
test.afterAll(async () => {
  await ctx.desk.stopSync();
  await ctx.stop();
  await agency.close();
});

async function login(page: Page, who: string): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill(who);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

test('sync screen: queue by kind, a rejection with the agency’s reason and 重新发送, deadlines, a held download, reconciliation, the progress bar of a large send', async ({ page }) => {
  const db = ctx.desk.db;
  // A refused sign-in (its reason comes from the agency) among delivered ones.
  const ids = db.transaction((tx) => enqueueSignIns(tx, 4));
  agency.faults.set({ mode: 'failItem', msgid: ids[1]!, times: 1 });
  await ctx.desk.syncWorker.drain(50);
  // A fee-detail upload written three days ago and still queued (offline then), and a settlement of last month never reconciled.
  db.transaction((tx) => {
    const env = newEnvelope(tx, OPTER, '2301', { feedetail: [{ feedetl_sn: '1' }] }, '420102');
    enqueueMessage(tx, { msgid: env.msgid, infno: '2301', orderKey: 'adm:e2e', payload: env });
    const personId = insertPerson(tx, { certno: '11010519491231099X', psnName: '测试', gend: '2', brdy: '1949-12-31', insuplcAdmdvs: '420102', insutype: '310' });
    const admissionId = insertAdmission(tx, { iptNo: 'ZY-E2E', personId, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231099X', grp: 'longTerm', admittedAt: '2026-03-01 09:00:00', way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生' });
    const lastMonth = `${addPeriods(monthOf(todayCST()), -1)}-15`;
    insertSettlement(tx, { admissionId, kind: 'settlement', settledOn: lastMonth, setlTime: `${lastMonth} 10:00:00`, insutype: '310', scope: 'cross', medfeeSumamt: '1000.00', fundPaySumamt: '600.00', acctPay: '0.00', policyVersion: 'p', catalogueVersion: 'c', msgid: 'H34010400001202601151000000001' }, []);
  });
  db.$client.prepare(`UPDATE outbox SET created_at = ? WHERE infno = '2301'`).run(`${addDays(todayCST(), -3)}T02:00:00.000Z`);
  // The agency's catalogue shrank to 2 rows: the download is held for a supervisor.
  agency.store.db.prepare('DELETE FROM catalogue WHERE id > 2').run();
  await ctx.desk.reference.download('catalogue');

  await login(page, 'super01');
  await page.keyboard.press('F7');
  await expect(page.getByRole('heading', { name: '同步', exact: true })).toBeVisible();
  const rejected = page.getByRole('region', { name: '被拒绝的报文' });
  await expect(rejected).toContainText('注入的故障：该报文被经办机构拒绝');
  await expect(rejected).toContainText(ids[1]!);
  const queue = page.getByRole('region', { name: '上传队列' });
  await expect(queue).toContainText('签到（9001）');
  await expect(queue).toContainText('费用明细上传（2301）');
  const warnings = page.getByRole('region', { name: '期限提醒' });
  await expect(warnings).toContainText('费用明细已超过上传期限');
  await expect(warnings).toContainText('对账');
  const downloads = page.getByRole('region', { name: '下载' });
  await expect(downloads).toContainText('须主管核实');
  await expect(downloads.getByRole('button', { name: '确认应用' })).toBeVisible();

  // Reconcile today (nothing settled today: the agency agrees) — Enter in the date field runs it.
  const recon = page.getByRole('region', { name: '对账' });
  await recon.getByLabel('对账日期').fill(todayCST());
  await recon.getByLabel('对账日期').press('Enter');
  await expect(recon).toContainText('全部险种合计');
  await expect(recon.locator('.badge').first()).toHaveText('平');
  await page.screenshot({ path: `${ARTIFACTS}/sync-1-overview.png`, fullPage: true });

  await rejected.getByRole('button', { name: '重新发送' }).click();
  await expect(page.getByRole('status').filter({ hasText: '已重新排入队列' })).toBeVisible();
  await page.getByRole('button', { name: '立即发送' }).click();
  await expect(page.getByRole('status').filter({ hasText: /已发送 \d+ 条/ })).toBeVisible();
  // Confirmed at the desk (under a new msgid at the agency: a refused msgid is used up there).
  await expect.poll(async () => { await ctx.desk.syncWorker.drain(20); return outboxResult(db, ids[1]!)?.infcode ?? null; }, { timeout: 20_000 }).toBe(0);
  // The sign-in went through; the incomplete fee upload written "offline" is refused now, with the agency's reason.
  await expect(rejected).not.toContainText(ids[1]!, { timeout: 10_000 });
  await expect(rejected).toContainText('费用明细上传（2301）', { timeout: 10_000 });
  await expect(rejected).toContainText('缺少必填字段');

  // A large send: the worker in the background, the agency slow — the bar moves.
  db.transaction((tx) => enqueueSignIns(tx, 1500));
  agency.faults.set({ mode: 'delay', ms: 250 });
  ctx.desk.startSync();
  const bar = page.getByRole('progressbar', { name: '上传进度' });
  await expect(bar).toBeVisible({ timeout: 20_000 });
  await expect(bar).toContainText(/已确认 [1-9]\d* \/ \d+ 条/, { timeout: 30_000 });
  await page.screenshot({ path: `${ARTIFACTS}/sync-2-progress.png`, fullPage: true });
  agency.faults.clear();
  await expect(bar).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('sync-pending')).toHaveText('0 条，被拒 1 条');
  await page.screenshot({ path: `${ARTIFACTS}/sync-3-done.png`, fullPage: true });

  // The supervisor settles the refused fee upload another way: a note, Enter.
  await page.getByRole('region', { name: '被拒绝的报文' }).getByRole('button', { name: '标记已处理' }).click();
  await page.getByLabel('处理说明').fill('费用明细已由收费处更正后重新上传');
  await page.getByLabel('处理说明').press('Enter');
  await expect(page.getByRole('status').filter({ hasText: '已标记为已处理' })).toBeVisible();
  await expect(page.getByRole('region', { name: '被拒绝的报文' })).toHaveCount(0);
  await expect(page.getByTestId('sync-pending')).toHaveText('0 条');
});
