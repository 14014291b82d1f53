import { expect, test } from '@playwright/test';
import { DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { DEMO_KEY } from '../support/identityDesk.ts';

/**
 * 设置 → 经办机构连接 (issue 13 point 6) in the browser: a supervisor points the desk at the
 * reference agency (tif gateway), types the token the platform issued, presses 测试连接 and sees
 * the 9001 answer; the status bar then shows who signed in and when. The token never comes back:
 * the field only says 已设置.
 */

const TOKEN = 'tif-Platform-Token-2026';
let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;

test.beforeAll(async () => {
  agency = await startReferenceAgency({ institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_KEY, token: TOKEN, admdvs: DEMO_INSTITUTION.admdvs }] });
  // No agencyUrl option: the address is the supervisor's to set, as at a hospital.
  ctx = await startDeskHost({ agencyUrl: undefined });
});
test.afterAll(async () => {
  await ctx?.stop();
  await agency?.close();
});

test('a supervisor sets the connection, 测试连接 signs in, the status bar shows the sign-in', async ({ page }) => {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill('super01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好，陈建国/ })).toBeVisible();
  const bar = page.getByRole('status', { name: '状态栏' });
  await expect(bar.getByTestId('signin')).toHaveText('未签到');

  await page.keyboard.press('F9');
  await expect(page.getByRole('heading', { name: '设置' })).toBeVisible();
  const panel = page.getByRole('form', { name: '经办机构连接' });
  await panel.scrollIntoViewIfNeeded();

  // The fields of the tif profile, the common ones, the extensions; secrets say only 已设置/未设置.
  await expect(panel.getByRole('combobox', { name: /接口方式/ })).toHaveValue('tif');
  for (const name of [/^网关地址/, /^应用编号（paasid）/, /^接收方系统代码/, /^签到有效时长/, /^并发交易数/, /^桌面扩展接口地址/]) await expect(panel.getByRole('textbox', { name })).toBeVisible();
  await expect(panel.getByRole('textbox', { name: /^应用编号（paasid）/ })).toHaveAttribute('placeholder', '不填则用机构编号 H34010400001');
  await expect(panel.getByText('交易地址表（按交易编号分路径的地区才需要')).toBeVisible();
  const token = panel.getByLabel(/^签名令牌（token）/);
  const secretState = (field: string) => panel.locator('label', { has: page.locator(`input[data-field="${field}"]`) }).locator('.secret-state');
  await expect(secretState('token')).toHaveText('未设置');
  await expect(secretState('extKey')).toHaveText('已设置');
  // Browser mode: the screen says plainly where the secrets are.
  await expect(panel.getByTestId('secret-storage')).toContainText('明文保存在本机数据库文件中');

  // The gm profile shows its own fields; back to tif.
  await panel.getByRole('combobox', { name: /接口方式/ }).selectOption('gm');
  await expect(panel.getByRole('textbox', { name: /^客户端编号（clientId）/ })).toBeVisible();
  await expect(panel.getByLabel(/^本机 SM2 私钥/)).toBeVisible();
  await panel.getByRole('combobox', { name: /接口方式/ }).selectOption('tif');

  // A bad address is refused by the service, in Chinese, and the field gets the focus.
  const url = panel.getByRole('textbox', { name: /^网关地址/ });
  await url.fill('gw.example/fsi');
  await url.press('Enter');
  await expect(panel.getByRole('status').filter({ hasText: '网关地址应为以 http:// 或 https:// 开头' })).toBeVisible();
  await expect(url).toBeFocused();

  await url.fill(agency.url);
  await panel.getByRole('textbox', { name: /^桌面扩展接口地址/ }).fill(agency.extUrl);
  await token.fill(TOKEN);
  await panel.getByRole('button', { name: /测试连接/ }).click();
  const result = panel.getByTestId('connection-test');
  await expect(result).toContainText(/^修改已保存。签到成功：签到编号 \d{18}，签到时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  // Saved first (测试连接 tests what is on the screen), and the token is not shown back.
  await expect(secretState('token')).toHaveText('已设置');
  await expect(token).toHaveValue('');
  await expect(page.locator('body')).not.toContainText(TOKEN);
  await expect(bar.getByTestId('signin')).toHaveText(/^已签到：陈建国 \d{2}:\d{2}$/);
  await page.screenshot({ path: '/tmp/agency-connection.png', fullPage: true });
  await panel.screenshot({ path: '/tmp/agency-connection-panel.png' });

  // A wrong token: Alt+C tests again, and the gateway's 401 is shown in Chinese.
  await token.fill('wrong-Token-0001');
  await page.keyboard.press('Alt+C');
  await expect(result).toContainText('修改已保存。测试连接失败：医保平台拒绝请求（HTTP 401）');
  await expect(result).toContainText('x-tif-signature 校验失败');
  await panel.screenshot({ path: '/tmp/agency-connection-failed.png' });
  // Nothing changed since: the test runs as is, and says nothing about saving.
  await panel.getByRole('button', { name: /测试连接/ }).click();
  await expect(result).toHaveText(/^测试连接失败：医保平台拒绝请求（HTTP 401）/);

  // A field the environment decides (IT set AGENCY_RECER_SYS_CODE) is shown locked, with its variable.
  process.env.AGENCY_RECER_SYS_CODE = 'YBXT';
  try {
    await page.reload();
    await expect(page.getByRole('heading', { name: /您好，陈建国/ })).toBeVisible();
    await page.keyboard.press('F9');
    await expect(page.getByRole('heading', { name: '设置' })).toBeVisible();
    const code = page.getByRole('form', { name: '经办机构连接' }).getByRole('textbox', { name: /^接收方系统代码/ });
    await expect(code).toHaveValue('YBXT');
    await expect(code).toHaveAttribute('readonly', '');
    await expect(page.locator('label', { has: page.locator('input[data-field="recerSysCode"]') })).toContainText('由环境变量 AGENCY_RECER_SYS_CODE 决定');
  } finally {
    delete process.env.AGENCY_RECER_SYS_CODE;
  }
});
