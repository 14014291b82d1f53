import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startDeskHost } from '../support/deskHost.ts';

const ARTIFACTS = 'test/artifacts';
let ctx: Awaited<ReturnType<typeof startDeskHost>>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ctx = await startDeskHost();
  // The test agency address is unreachable on purpose: one probe settles the verdict as offline.
  await ctx.desk.connectivity.check();
});
test.afterAll(async () => ctx.stop());

test('login, home screen, function keys, status bar', async ({ page }) => {
  await page.goto(ctx.host.openUrl);
  await expect(page.getByRole('heading', { name: '异地就医直接结算' })).toBeVisible();
  // The secret leaves the address bar once the app has it.
  await expect.poll(() => page.url()).not.toContain('#k=');
  // The tab and the taskbar show the desk's icon (issue 20 point 7).
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  const res = await page.request.get(new URL(icon!, page.url()).href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('image/svg+xml');
  await page.screenshot({ path: `${ARTIFACTS}/01-login.png` });

  await page.getByLabel('工号').fill('clerk01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好，王晓燕/ })).toBeVisible();
  await expect(page.getByRole('navigation', { name: '主导航' })).toContainText('身份核验');
  for (const label of ['入院登记', '结算', '月度申报', '同步', '设置']) await expect(page.getByRole('navigation', { name: '主导航' })).toContainText(label);
  const bar = page.getByRole('status', { name: '状态栏' });
  await expect(bar.getByTestId('outbox')).toHaveText(/待上传 0 条/);
  await expect(bar.getByTestId('online')).toContainText('离线');
  await page.screenshot({ path: `${ARTIFACTS}/02-home.png` });

  await page.keyboard.press('F9');
  await expect(page.getByRole('heading', { name: '设置' })).toBeVisible();
  await expect(page.getByText('备份、恢复与完整性检查需要主管登录')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
});

test('a wrong password is refused in Chinese', async ({ page }) => {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill('super01');
  await page.getByLabel('密码').fill('wrong');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('工号或密码不正确');
});

async function supervisor(page: Page): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill('super01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好，陈建国/ })).toBeVisible();
}

test('a supervisor runs the integrity check from the settings screen', async ({ page }) => {
  await supervisor(page);
  await page.keyboard.press('F9');
  await expect(page.getByRole('heading', { name: '设置' })).toBeVisible();
  await page.getByRole('button', { name: '完整性检查' }).click();
  await expect(page.getByText('完整性检查通过')).toBeVisible();
  await page.getByRole('button', { name: '立即备份' }).click();
  await expect(page.getByText(/已备份：yidi-/)).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/03-settings.png` });
});

test('a supervisor sets the clearing policy: the order of the days is checked, the saved values are used', async ({ page }) => {
  await supervisor(page);
  await page.keyboard.press('F9');
  const form = page.getByRole('form', { name: '清算政策参数' });
  await expect(form.getByLabel(/审核、异议截止日/)).toHaveValue('20');
  await form.getByLabel(/审核、异议截止日/).fill('4');
  await form.getByRole('button', { name: '保存清算参数' }).click();
  await expect(form.getByRole('status')).toContainText('审核截止日');
  await form.getByLabel(/审核、异议截止日/).fill('18');
  await form.getByRole('button', { name: '保存清算参数' }).click();
  await expect(form.getByRole('status')).toHaveText('清算政策参数已保存');
  await form.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/03b-settings-claim-policy.png`, fullPage: true });
  await page.keyboard.press('F1');
  await page.keyboard.press('F6');
  await expect(page.getByLabel('清算日历')).toContainText('-18');
});
