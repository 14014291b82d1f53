import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

import type { ReferenceAgency } from '../agency/server.ts';
import { mirrorToAgency, reverseStay, settleStay, type Stay } from '../support/claimFixtures.ts';
import { addDays, addPeriods, monthOf, todayCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import { admit, feeCsv, ITEM, type Ctx as SettleCtx } from '../support/settlementFixtures.ts';

/**
 * Issue 7 "Done when": stays settled across two months → the September window's last day (loud
 * warning, a deferral, the September claim) → the October claim built in its window → submitted
 * while the agency is unreachable → reconnected and delivered → accepted → a review deduction
 * arrives → disputed with a note. The office's calendar day is pinned (desk.setClock) so the
 * journey walks both windows. Screenshots go to test/artifacts/ (look at them).
 */

const ARTIFACTS = 'test/artifacts';

let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
let day = '2026-10-05';
const stays: Record<string, Stay> = {};

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agency = await startDemoAgency();
  // Patients, registrations, catalogue and policies: the last test settles a stay through the screens.
  seedDemoAgency(agency.store);
  ctx = await startDeskHost({ agencyUrl: agency.url, sync: { backoffBaseMs: 50, backoffMaxMs: 300, idleMs: 100, offlineProbeMs: 300 }, clearing: { intervalMs: 500, firstDelayMs: 200 } });
  ctx.desk.setClock(() => day);
  // Settled stays (written as the settlement service leaves them): two in September, three and a reversal in October.
  stays.a = settleStay(ctx.desk, { patient: 0, settledOn: '2026-09-12', medfee: '18650.40', funds: [['310100', '12800.00'], ['330100', '1200.35']], acct: '300.00' });
  stays.b = settleStay(ctx.desk, { patient: 1, settledOn: '2026-09-20', medfee: '7420.00', funds: [['310100', '4980.60']] });
  stays.c = settleStay(ctx.desk, { patient: 1, settledOn: '2026-10-09', medfee: '9876.50', funds: [['310100', '6600.00']] });
  stays.d = settleStay(ctx.desk, { patient: 2, settledOn: '2026-10-16', medfee: '8000.00', funds: [['390100', '4200.00'], ['390200', '150.25']] });
  stays.e = settleStay(ctx.desk, { patient: 3, settledOn: '2026-10-25', medfee: '3200.00', funds: [['310100', '1800.00']] });
  stays.eR = reverseStay(ctx.desk, stays.e, '2026-10-28');
  stays.f = settleStay(ctx.desk, { patient: 3, settledOn: '2026-10-29', medfee: '3150.00', funds: [['310100', '1760.00']] });
  mirrorToAgency(ctx.desk, agency.store);
  ctx.desk.startSync();
});

test.afterAll(async () => {
  await ctx.desk.stopSync();
  await ctx.stop();
  await agency.close();
});

async function login(page: Page): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill('super01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

async function openClaim(page: Page): Promise<void> {
  await page.keyboard.press('F1');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
  await page.keyboard.press('F6');
  await expect(page.getByRole('heading', { name: '月度申报（清算申报）' })).toBeVisible();
}

async function fetchResults(page: Page): Promise<void> {
  await page.getByRole('button', { name: '获取审核结果' }).click();
  await expect(page.getByRole('status').filter({ hasText: '已从经办机构获取清算信息' })).toBeVisible();
}

test('two months settled → deferral on the last window day → claim submitted offline → delivered → accepted → deduction → disputed', async ({ page }) => {
  await login(page);

  // ── 2026-10-05: the last day of September's window. The home screen warns loudly.
  await expect(page.getByLabel('待办与期限')).toContainText('【今日截止】今天（2026-10-05）是 2026-09 期清算申报的最后一天，还有 2 笔结算');
  await page.screenshot({ path: `${ARTIFACTS}/claim-01-home-last-day.png`, fullPage: true });

  await page.keyboard.press('F6');
  await expect(page.getByRole('heading', { name: '月度申报（清算申报）' })).toBeVisible();
  await expect(page.getByLabel('清算期')).toHaveValue('2026-09');
  await expect(page.getByTestId('claim-alarm')).toContainText('【今日截止】');
  await expect(page.getByTestId('window-state')).toHaveText('进行中，今天截止');
  const items = page.getByRole('table', { name: '申报结算' });
  await expect(items.getByRole('row')).toHaveCount(3);

  // 李建军's September stay cannot be declared today: a deferral request, filed on the last day.
  await items.getByRole('row', { name: /李建军/ }).getByRole('button', { name: '申请延期' }).click();
  const dlg = page.getByRole('dialog', { name: /申请延期申报/ });
  await expect(dlg).toContainText('2026-10-05 前（含当日）');
  await page.keyboard.type('病案首页待质控，当期无法完成核对');
  await page.keyboard.press('Enter');
  await expect(dlg).toBeHidden();
  await expect(page.getByRole('table', { name: '延期结算' })).toContainText('已申请，待答复');
  await expect(page.getByRole('table', { name: '申报预览' })).toContainText('职工基本医疗保险');
  await page.screenshot({ path: `${ARTIFACTS}/claim-02-september-deferral.png`, fullPage: true });

  // The September claim (张秀兰 only), submitted online.
  await page.getByRole('button', { name: '提交申报…' }).click();
  await expect(page.getByRole('dialog', { name: '提交 2026-09 期清算申报' })).toContainText('共 1 笔结算');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: '已提交 1 份申报' })).toBeVisible();
  await expect(page.getByTestId('claim-status').first()).toHaveText('已申请', { timeout: 30_000 });
  await expect.poll(() => agency.store.deferralRows().length, { timeout: 30_000 }).toBe(1);

  // The agency approves the deferral (its staff, between the windows).
  agency.store.decideDeferral(stays.b!.setlId!, true, '同意延期至下期申报');

  // ── 2026-11-03: October's window.
  day = '2026-11-03';
  await openClaim(page);
  await expect(page.getByLabel('清算期')).toHaveValue('2026-10');
  await expect(page.getByTestId('window-state')).toHaveText('进行中，还有 2 天');
  await fetchResults(page);
  await page.getByRole('tab', { name: '延期申报' }).click();
  await expect(page.getByRole('table', { name: '延期申报' })).toContainText('已认可');
  await expect(page.getByRole('table', { name: '延期申报' })).toContainText('同意延期至下期申报');
  await page.screenshot({ path: `${ARTIFACTS}/claim-03-deferral-approved.png`, fullPage: true });

  // October's claim: the deferred September stay, October's stays, the reversal netting 周德福's first stay.
  await page.getByRole('tab', { name: '本期申报' }).click();
  const preview = page.getByRole('table', { name: '申报预览' });
  await expect(preview.getByRole('row')).toHaveCount(3);
  await expect(page.getByRole('table', { name: '申报结算' })).toContainText('往期结算（延期获准）');
  await expect(page.getByRole('table', { name: '申报结算' })).toContainText('结算撤销');

  // The agency cannot be reached: the claim is written and waits in the outbox.
  agency.faults.set({ mode: 'refuse' });
  await expect.poll(() => ctx.desk.connectivity.check(), { timeout: 15_000 }).toBe(false);
  await page.getByRole('button', { name: '提交申报…' }).click();
  await expect(page.getByRole('dialog', { name: '提交 2026-10 期清算申报' })).toContainText('共 6 笔结算');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: '已提交 2 份申报' })).toBeVisible();
  const submitted = page.getByRole('table', { name: '申报记录' });
  await expect(submitted.getByTestId('claim-status')).toHaveText(['待上传', '待上传']);
  await expect(submitted).toContainText('待上传');
  await page.screenshot({ path: `${ARTIFACTS}/claim-04-submitted-offline.png`, fullPage: true });

  // Reconnected: the worker delivers both 3203; the agency's 清算申请事件ID comes back.
  agency.faults.clear();
  await expect(submitted.getByTestId('claim-status')).toHaveText(['已申请', '已申请'], { timeout: 45_000 });
  const claims = agency.store.claimRows().filter((c) => c.setlym === '202610');
  expect(claims.map((c) => [c.insutype, c.scope])).toEqual([['310', 'cross'], ['390', 'in']]);
  expect(JSON.parse(claims[0]!.setl_ids)).toEqual([stays.b!.setlId, stays.c!.setlId, stays.e!.setlId, stays.eR!.setlId, stays.f!.setlId]);

  // Accepted by the agency, then a review deduction on 李建军's October stay.
  agency.store.acceptClaim(claims[0]!.clr_appy_evt_id);
  await fetchResults(page);
  await expect(submitted.getByTestId('claim-status').first()).toHaveText('已受理');
  agency.store.issueDeduction({ setlId: stays.c!.setlId!, amount: '156.80', reason: '超出限定支付范围用药（头孢呋辛钠注射液）', issuedOn: '2026-11-03' });
  await fetchResults(page);
  await expect(page.getByRole('tab', { name: /审核结果/ })).toContainText('1');
  await expect(submitted).toContainText('156.80');
  await page.screenshot({ path: `${ARTIFACTS}/claim-05-accepted-deduction.png`, fullPage: true });

  // Disputed with a note; the answer goes to the agency.
  await page.getByRole('tab', { name: /审核结果/ }).click();
  const list = page.getByRole('table', { name: '审核扣款列表' });
  await expect(list).toContainText('超出限定支付范围用药');
  await expect(list.getByTestId('deduction-status')).toHaveText('待处理');
  await list.getByRole('button', { name: '提出异议' }).click();
  await expect(page.getByRole('dialog', { name: /提出异议/ })).toBeVisible();
  await page.keyboard.type('病历记载痰培养阳性，符合限定支付条件，附检验报告');
  await page.keyboard.press('Enter');
  await expect(list.getByTestId('deduction-status')).toHaveText('已提出异议');
  await expect.poll(() => agency.store.deductionRows()[0]?.opinion ?? null, { timeout: 30_000 }).toBe('dispute');
  expect(agency.store.deductionRows()[0]!.opinion_memo).toBe('病历记载痰培养阳性，符合限定支付条件，附检验报告');
  await expect(list).not.toContainText('待上传', { timeout: 15_000 });
  await expect(list.getByTestId('deduction-outcome')).toContainText('2026-11-20 前达成一致的纳入本期清算');
  await page.screenshot({ path: `${ARTIFACTS}/claim-06-disputed.png`, fullPage: true });

  // The agency agrees on the 10th, before the 20th: its decision comes down with the background
  // sync (no click) and the deduction no longer counts in October (004 第五十条).
  agency.store.revokeDeduction(agency.store.deductionRows()[0]!.ddn_id, '同意医院意见，撤销扣款', '2026-11-10');
  await expect(list.getByTestId('deduction-status')).toHaveText('经办机构已撤销扣款', { timeout: 30_000 });
  await expect(list.getByTestId('deduction-outcome')).toContainText('纳入本期清算');
  await expect(list).toContainText('同意医院意见，撤销扣款');
  await expect(page.getByLabel('审核扣款', { exact: true })).toContainText('计入本期的扣款合计 0.00 元');
  await page.screenshot({ path: `${ARTIFACTS}/claim-06b-dispute-agreed.png`, fullPage: true });

  // Tables and the monthly figures.
  await page.getByRole('tab', { name: '报表与统计' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('row', { name: /医院拨付表/ }).getByRole('button', { name: 'Excel' }).click();
  expect((await download).suggestedFilename()).toBe('2026-10-医院拨付表.xlsx');
  await expect(page.getByTestId('direct-share')).toContainText('直接结算');
  await page.screenshot({ path: `${ARTIFACTS}/claim-07-tables-charts.png`, fullPage: true });
});

test('a stay settled through the screens today is declared in the next window with the rest of its month', async ({ page }) => {
  // The real settlement service dates a settlement today; the claim clock then moves to the 3rd
  // of next month, inside that month's window.
  const real = todayCST();
  const token = async (login: string) => ((await api(ctx.host, 'auth.login', { login, password: 'demo1234' })).body.result as { token: string }).token;
  const settleCtx: SettleCtx = { desk: ctx.desk, host: ctx.host, agency, clerk: await token('clerk01'), supervisor: await token('super01'), stop: async () => undefined };
  const a = await admit(settleCtx, { patient: 3, admittedOn: addDays(real, -6) });
  const file = join(mkdtempSync(join(tmpdir(), 'e2e-claim-')), 'his.csv');
  writeFileSync(file, feeCsv([
    { sn: 'F1', ...ITEM.bed, cnt: '5', pric: '45', amount: '225.00' },
    { sn: 'F2', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00' },
  ], addDays(a.admittedOn, 1)));

  day = real;
  await login(page);
  await page.keyboard.press('F4');
  const search = page.getByLabel('住院号或姓名');
  await search.fill(a.iptNo);
  await expect(page.getByRole('option', { name: new RegExp(a.iptNo) })).toBeVisible();
  await search.press('Enter');
  await expect(page.getByRole('heading', { name: /周德福/ })).toBeVisible();
  await page.getByLabel('选择费用文件').setInputFiles(file);
  await expect(page.getByTestId('import-result')).toContainText('新增 2 条');
  await page.getByTestId('settle-button').click();
  await expect(page.getByRole('dialog', { name: '确认出院结算' })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-message')).toContainText('结算完成');

  // Its 2304 reaches the agency and the answer (结算ID, the agency's figures) comes back before the
  // claim is previewed: an answer arriving between preview and submit makes the submit refuse the
  // stale preview, as it should.
  await expect.poll(() => ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM settlements WHERE admission_id = ? AND setl_id IS NOT NULL').get(a.id), { timeout: 30_000 }).toEqual({ n: 1 });
  // The next window declares it.
  const period = monthOf(real);
  day = `${addPeriods(period, 1)}-03`;
  await openClaim(page);
  await expect(page.getByLabel('清算期')).toHaveValue(period);
  const items = page.getByRole('table', { name: '申报结算' });
  await expect(items.getByRole('row', { name: /周德福/ })).toBeVisible();
  await page.getByRole('button', { name: '提交申报…' }).click();
  await expect(page.getByRole('dialog', { name: `提交 ${period} 期清算申报` })).toContainText('共 1 笔结算');
  await page.keyboard.press('Enter');
  const submitted = page.getByRole('table', { name: '申报记录' });
  await expect(submitted.getByTestId('claim-status')).toHaveText(['已申请'], { timeout: 45_000 });
  const held = agency.store.claimRows().filter((c) => c.setlym === period.replace('-', ''));
  expect(held).toHaveLength(1);
  expect(held[0]!.medfee_sumamt).toBe('4425.00');
  // Declared with the agency's own figures for the stay (the clearing is made of its records).
  const [setlId] = JSON.parse(held[0]!.setl_ids) as string[];
  const theirs = agency.store.db.prepare('SELECT fund_pay_sumamt AS fund FROM settlements WHERE setl_id = ?').get(setlId) as { fund: string };
  expect(held[0]!.fund_appy_sum).toBe(theirs.fund);
  await page.screenshot({ path: `${ARTIFACTS}/claim-08-settled-on-screen-declared.png`, fullPage: true });
});

test('the claim screen states the supervisor-set clearing days and longest deferral, not fixed text (issue 12 p6)', async ({ page }) => {
  const su = ((await api(ctx.host, 'auth.login', { login: 'super01', password: 'demo1234' })).body.result as { token: string }).token;
  const current = (await api(ctx.host, 'settings.get', {}, su)).body.result as { claimPolicy: Record<string, number> };
  const r = await api(ctx.host, 'settings.update', { claimPolicy: { ...current.claimPolicy, maxDeferralMonths: 3, reviewCutoffDay: 17, confirmationDay: 23 } }, su);
  expect(r.body.ok, JSON.stringify(r.body.error)).toBe(true);
  await login(page);
  await openClaim(page);
  await expect(page.getByTestId('confirmation-days')).toHaveText('18 日生成报表，23 日前确认');
  await page.getByRole('tab', { name: '延期申报' }).click();
  await expect(page.getByText(/经办机构认可后最长延期 3 个月/)).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/claim-08-policy-texts.png`, fullPage: true });
});
