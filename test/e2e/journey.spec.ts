import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import type { ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import { feeCsv, ITEM, type FeeRow } from '../support/settlementFixtures.ts';

/**
 * Issue 8: the desk as a whole, through the screens, against the reference agency over HTTP:
 * login → identity online and offline → trauma admission with the pledge → fee import →
 * preview → settle → slip → sync → reconciliation; role refusals; a restore from backup.
 */
const ARTIFACTS = 'test/artifacts';
const TODAY = todayCST();
const [ZHANG, LI] = DEMO_PATIENTS;
const work = mkdtempSync(join(tmpdir(), 'e2e-journey-'));
const agencyFile = join(work, 'agency.sqlite');

let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agency = await startDemoAgency({ dbFile: agencyFile });
  seedDemoAgency(agency.store);
  ctx = await startDeskHost({ agencyUrl: agency.url, dataDir: join(work, 'desk') });
  await ctx.desk.connectivity.check();
});

test.afterAll(async () => {
  await ctx.desk.rechecks.idle();
  await ctx.stop();
  await agency.close();
});

async function login(page: Page, who: 'clerk01' | 'super01'): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill(who);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

async function scan(page: Page, text: string): Promise<void> {
  const field = page.getByLabel('就诊凭证');
  await expect(field).toBeEnabled();
  await field.fill('');
  await field.focus();
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press('Enter');
}

test('a clerk takes a trauma patient from the scan to the printed slip, and the agency gets it all once', async ({ page }) => {
  test.setTimeout(240_000);
  await login(page, 'clerk01');

  // Identity, online.
  await page.keyboard.press('F2');
  await expect(page.getByRole('heading', { name: '身份核验与备案判定' })).toBeVisible();
  await scan(page, `${ZHANG.cardNo}|${ZHANG.certno}`);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  await page.screenshot({ path: `${ARTIFACTS}/journey-01-identity-online.png`, fullPage: true });

  // The agency goes away: the next patient is answered from the roster, marked 离线.
  agency.faults.set({ mode: 'refuse' });
  await scan(page, `${LI.cardNo}|${LI.certno}`);
  await expect(page.getByText('离线核验').first()).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/journey-02-identity-offline.png`, fullPage: true });
  agency.faults.clear();
  await ctx.desk.connectivity.check();

  // Back to the first patient, online again, and admit with the trauma flag.
  await scan(page, `${ZHANG.cardNo}|${ZHANG.certno}`);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  await page.getByRole('button', { name: '登记入院' }).click();
  await expect(page.getByRole('heading', { name: '入院登记' })).toBeVisible();
  await page.getByLabel('住院号').fill('ZY-JOURNEY-01');
  await page.getByLabel('入院时间').fill(`${TODAY}T00:05`);
  await page.getByLabel('外伤标志').check();
  await page.getByLabel('科室编码').fill('A03');
  await page.getByLabel('科室名称').fill('骨科');
  await page.getByLabel('床位号').fill('12');
  await page.getByLabel('入院诊断编码（ICD-10）').fill('S72.000');
  await page.getByLabel('入院诊断名称').fill('股骨颈骨折');
  await page.getByLabel('主治医生编码').fill('D0012');
  await page.getByLabel('主治医生姓名').fill('李明');
  await page.getByLabel('主治医生姓名').press('Enter');
  for (let i = 0; i < 3 && !(await page.getByTestId('settle-label').isVisible()); i++) await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-label')).toHaveText('待签承诺书，暂不能直接结算');

  const pledge = page.getByLabel('外伤承诺书');
  await pledge.getByLabel('承诺人联系电话').fill('13800001111');
  await pledge.getByLabel('受伤日期').fill(addDays(TODAY, -1));
  await pledge.getByLabel('受伤时').selectOption('14');
  await pledge.getByLabel('受伤地点').fill('合肥市蜀山区长江西路');
  await pledge.getByLabel('外伤经过').fill('下楼时自行摔倒致右髋部受伤');
  await pledge.getByRole('button', { name: '打印承诺书' }).click();
  const pdf = page.getByRole('dialog', { name: /外伤无第三方责任承诺书/ });
  await expect(pdf.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
  await page.keyboard.press('Escape');
  await pledge.getByRole('button', { name: '记录已签字' }).click();
  await expect(page.getByTestId('settle-label')).toHaveText('可直接结算');
  await page.screenshot({ path: `${ARTIFACTS}/journey-03-admitted.png`, fullPage: true });

  // Fees from the hospital system, preview, settle, slip.
  const rows: FeeRow[] = [
    { sn: 'J1', ...ITEM.bed, cnt: '1', pric: '45', amount: '45.00', time: `${TODAY} 00:30:00` },
    { sn: 'J2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00', time: `${TODAY} 00:40:00` },
    { sn: 'J3', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00', time: `${TODAY} 01:00:00` },
    { sn: 'J4', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00', time: `${TODAY} 01:00:00` },
  ];
  const file = join(work, 'his.csv');
  writeFileSync(file, feeCsv(rows, TODAY));
  await page.keyboard.press('F4');
  await expect(page.getByRole('heading', { name: '结算', exact: true })).toBeVisible();
  const search = page.getByLabel('住院号或姓名');
  await search.fill('ZY-JOURNEY-01');
  await expect(page.getByRole('option', { name: /ZY-JOURNEY-01/ })).toBeVisible();
  await search.press('Enter');
  await page.getByLabel('选择费用文件').setInputFiles(file);
  await expect(page.getByTestId('import-result')).toContainText('新增 4 条');
  await expect(page.getByTestId('fee-totals')).toContainText('7,495.00');
  await page.getByTestId('settle-button').click();
  await expect(page.getByRole('dialog', { name: '确认出院结算' })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-message')).toContainText('结算完成');
  await page.getByTestId('slip-button').click();
  await expect(page.getByRole('dialog', { name: '结算单' }).getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
  await page.keyboard.press('Escape');
  await page.screenshot({ path: `${ARTIFACTS}/journey-04-settled.png`, fullPage: true });

  // Sync: everything goes out once; the queue empties.
  await page.keyboard.press('F7');
  await expect(page.getByRole('heading', { name: '同步', exact: true })).toBeVisible();
  await page.getByRole('button', { name: '立即发送' }).click();
  // What npm start runs in the background: the worker delivers in order until nothing is left.
  await ctx.desk.syncWorker.drain(200);
  await expect.poll(async () => (await api(ctx.host, 'status.get', {}, await token(page))).body.result as { outboxPending: number }, { timeout: 60_000 }).toMatchObject({ outboxPending: 0 });
  const settled = agency.store.count('settlements');
  expect(settled).toBe(1);
  await page.getByRole('button', { name: '立即发送' }).click();
  expect(agency.store.count('settlements')).toBe(1);

  // Reconciliation of today: balanced with the agency.
  const recon = page.getByRole('region', { name: '对账' });
  await recon.getByLabel('对账日期').fill(TODAY);
  await recon.getByLabel('对账日期').press('Enter');
  await expect(recon).toContainText('平');
  await page.screenshot({ path: `${ARTIFACTS}/journey-05-synced.png`, fullPage: true });

  // Home shows the day.
  await page.keyboard.press('F1');
  await expect(page.getByTestId('settlements-today')).toHaveText('1');
  await page.screenshot({ path: `${ARTIFACTS}/journey-06-home.png`, fullPage: true });
});

async function token(page: Page): Promise<string> {
  return (await page.evaluate(() => sessionStorage.getItem('desk.token'))) ?? '';
}

test('role refusals: a clerk cannot reverse, change settings or restore, even by calling the API', async ({ page }) => {
  await login(page, 'clerk01');
  const t = await token(page);
  for (const [method, input] of [['settlement.reverse', { settlementId: 1, reason: '测试' }], ['settings.update', { printerName: 'x' }], ['backup.restore', { name: 'x' }], ['audit.list', { limit: 1 }]] as const) {
    const r = await api(ctx.host, method, input, t);
    expect(r.body.error?.code, method).toBe('FORBIDDEN');
  }
  await page.keyboard.press('F9');
  await expect(page.getByText('修改设置需要主管登录')).toBeVisible();
});

test('a supervisor backs up and restores; everyone logs in again', async ({ page }) => {
  await login(page, 'super01');
  await page.keyboard.press('F9');
  await page.getByRole('button', { name: '立即备份' }).click();
  await expect(page.getByText(/已备份：yidi-/)).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('row', { name: /manual/ }).first().getByRole('button', { name: '恢复' }).click();
  await expect(page.getByText(/已恢复 yidi-/)).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/journey-07-restored.png`, fullPage: true });
  // The restored database still holds the settlement of the journey.
  expect((ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM settlements').get() as { n: number }).n).toBe(1);
  await page.keyboard.press('F1');
  await expect(page.getByLabel('工号')).toBeVisible();
  // Issue 20 p7: the login page says why (a restore), not that the screen was locked.
  await expect(page.getByText('数据库已恢复，请重新登录')).toBeVisible();
  await expect(page.getByText(/屏幕已锁定/)).toHaveCount(0);
});
