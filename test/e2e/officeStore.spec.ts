import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { knownPgMigrations, migratePg } from '../../db/pg/migrate.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';

/**
 * 设置 → 办公室数据库 (issue 18 point 2) in the browser, against a real PostgreSQL: a supervisor
 * types the office store's address and password with the keyboard, presses Alt+K and reads the
 * server's version, user, TLS and how far its migrations are; a wrong password is named and its
 * field gets the focus. The panel says the desk still runs on its own SQLite file.
 */
const unavailable = process.env.CI ? null : pgUnavailable();

let cluster: PgCluster;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
const PASSWORD = `Office-1${randomBytes(6).toString('hex')}`;

test.skip(unavailable !== null, unavailable ?? '');

test.beforeAll(async () => {
  cluster = await startPgCluster({ passwordRoles: ['office_clerk'], ssl: true });
  await cluster.psql(`CREATE ROLE office_clerk LOGIN PASSWORD '${PASSWORD}'`);
  await cluster.psql('CREATE DATABASE office OWNER office_clerk');
  const c = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'office_clerk', password: PASSWORD, database: 'office' });
  await c.connect();
  // One migration behind this build: the test says the switch would run it.
  await migratePg(c, knownPgMigrations().slice(0, -1));
  await c.end();
  ctx = await startDeskHost();
});
test.afterAll(async () => {
  await ctx?.stop();
  await cluster?.stop();
});

test('a supervisor sets the office store and 测试连接 reports the server; a wrong password is named', async ({ page }) => {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill('super01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好，陈建国/ })).toBeVisible();
  await page.keyboard.press('F9');
  await expect(page.getByRole('heading', { name: '设置' })).toBeVisible();

  const panel = page.getByRole('form', { name: '办公室数据库' });
  await panel.scrollIntoViewIfNeeded();
  await expect(panel.getByTestId('office-not-in-use')).toContainText('本经办台目前仍使用本机数据库文件（SQLite）');
  await expect(panel.getByTestId('office-not-in-use')).toContainText('不会切换数据库');
  await expect(panel.locator('.secret-state')).toHaveText('未设置');

  // Keyboard only: the address, Tab to TLS (require), Tab to the password, Alt+K (saves first, then tests).
  await panel.getByRole('textbox', { name: /^连接地址/ }).focus();
  await page.keyboard.type(`postgres://office_clerk@127.0.0.1:${cluster.port}/office`);
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowDown');
  await expect(panel.getByRole('combobox', { name: /加密方式/ })).toHaveValue('require');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Wrong-Password-1');
  await page.keyboard.press('Alt+K');
  const result = panel.getByTestId('office-test');
  await expect(result).toHaveText(`测试连接失败：数据库密码错误：用户 office_clerk 无法登录 127.0.0.1:${cluster.port}`);
  await expect(panel.locator('input[data-field="password"]')).toBeFocused();
  await expect(panel.locator('.secret-state')).toHaveText('已设置');

  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Alt+K');
  const last = knownPgMigrations().at(-1)!.tag;
  const version = (await cluster.psql('SHOW server_version')).split('\n')[1]!;
  await expect(result).toContainText(`连接成功：127.0.0.1:${cluster.port} 上的 PostgreSQL ${version}，用户 office_clerk，数据库 office，已加密（TLSv1.`);
  await expect(result).toContainText(`切换到办公室模式时将运行 1 个迁移（${last}）`);
  // The password is nowhere on the page.
  expect(await page.content()).not.toContain(PASSWORD);
  await panel.screenshot({ path: 'test-results/office-store-panel.png' });
});
