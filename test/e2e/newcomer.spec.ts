import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { SAMPLE_FILES, writeDemoSamples } from '../../electron/services/demo/samples.ts';
import { todayCST } from '../../shared/dates.ts';
import { seedDemoAgency, seedDemoAgencyHistory } from '../agency/demoSeed.ts';
import type { ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import { scan } from './scanner.ts';

/**
 * Issue 20 "Done when": the README's newcomer path with the demo data only (as `npm start` loads
 * it: patients, last month's settled stays, the sample fee file), keyboard only — a clerk from the
 * login to the printed slip, then the supervisor at her own window submits last month's claim.
 */
const ARTIFACTS = 'test/artifacts';
const ZHANG = DEMO_PATIENTS[0]!;
let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
let samples: string;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agency = await startDemoAgency();
  seedDemoAgency(agency.store);
  seedDemoAgencyHistory(agency.store);
  ctx = await startDeskHost({ agencyUrl: agency.url, demoHistory: true, sync: { backoffBaseMs: 5, backoffMaxMs: 50, idleMs: 50 } });
  samples = mkdtempSync(join(tmpdir(), 'yidi-samples-'));
  writeDemoSamples(samples);
});
test.afterAll(async () => {
  await ctx.desk.syncWorker.stop().catch(() => undefined);
  await ctx.desk.rechecks.idle();
  await ctx.stop();
  await agency.close();
});

async function loginByKeyboard(page: Page, who: string): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await expect(page.getByLabel('工号')).toBeFocused();
  await page.keyboard.type(who);
  await page.keyboard.press('Tab');
  await page.keyboard.type('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

test('the newcomer path, keyboard only: e-voucher → admission → fees → settle → slip; the supervisor submits last month’s claim', async ({ page, browser }) => {
  await loginByKeyboard(page, 'clerk01');

  // F2: the e-voucher code of the README's table, scanned.
  await page.keyboard.press('F2');
  await scan(page.getByLabel('就诊凭证'), 'DEMO000001');
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  await expect(page.getByTestId('check-no')).toContainText('身份核验记录号');
  await page.screenshot({ path: `${ARTIFACTS}/newcomer-1-identity.png`, fullPage: true });

  // Alt+R: the admission form with this check; Enter moves through the fields, the last Enters confirm.
  await page.keyboard.press('Alt+R');
  await expect(page.getByLabel('核验结论')).toContainText(ZHANG.name);
  await expect(page.getByLabel('住院号')).toBeFocused();
  await scan(page.getByLabel('住院号'), 'ZY-NEWCOMER-1');
  for (const label of ['入院时间', '入院方式', '医疗类别']) {
    await expect(page.getByLabel(label)).toBeFocused();
    await page.keyboard.press('Enter');
  }
  for (const value of ['A03', '骨科', '12', 'S72.000', '股骨颈骨折', 'D0012', '李明']) {
    await page.keyboard.type(value);
    await page.keyboard.press('Enter');
  }
  for (let i = 0; i < 4 && !(await page.getByTestId('settle-label').isVisible()); i++) await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-label')).toHaveText('可直接结算');
  await page.screenshot({ path: `${ARTIFACTS}/newcomer-2-admitted.png`, fullPage: true });

  // F4: scan the 住院号, F8 the sample GBK file, Alt+S and Enter to settle, Alt+P to print.
  await page.keyboard.press('F4');
  // Playwright's file-chooser interception is switched on asynchronously: listen before the keys come.
  const chooser = page.waitForEvent('filechooser', { timeout: 15_000 });
  await scan(page.getByLabel('住院号或姓名'), 'ZY-NEWCOMER-1');
  await expect(page.getByRole('heading', { level: 3 }).filter({ hasText: ZHANG.name })).toBeVisible();
  // F8 at once, as a clerk's hand would: the key works from the stay's first frame.
  await page.keyboard.press('F8');
  await (await chooser).setFiles(join(samples, SAMPLE_FILES.csv));
  await expect(page.getByTestId('import-result')).toContainText('GBK');
  await expect(page.getByTestId('settle-button')).toBeEnabled();
  await page.keyboard.press('Alt+S');
  const confirm = page.getByRole('dialog', { name: '确认出院结算' });
  await expect(confirm).toContainText('个人现金支付');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-message')).toContainText('结算完成');
  await page.keyboard.press('Alt+P');
  const slip = page.getByRole('dialog', { name: '结算单' });
  await expect(slip.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: `${ARTIFACTS}/newcomer-3-slip.png` });
  await page.keyboard.press('Escape');
  await expect(slip).toBeHidden();

  // The supervisor, at her own window: F6 opens on last month with the demo's two settled stays.
  const day = Number(todayCST().slice(8, 10));
  const sup = await (await browser.newContext()).newPage();
  await loginByKeyboard(sup, 'super01');
  await sup.keyboard.press('F6');
  await expect(sup.getByRole('table', { name: '申报结算' })).toContainText('李建军');
  await expect(sup.getByRole('table', { name: '申报结算' })).toContainText('孙丽华');
  await sup.screenshot({ path: `${ARTIFACTS}/newcomer-4-claim.png`, fullPage: true });
  // The demo keeps last month's window open through the 26th (electron/services/demo/loadDemo.ts).
  if (day > 26) return;
  await sup.keyboard.press('Alt+T');
  const submit = sup.getByRole('dialog', { name: /提交 .* 期清算申报/ });
  await expect(submit).toContainText('共 2 笔结算');
  await sup.keyboard.press('Enter');
  await expect(sup.getByRole('status').filter({ hasText: /已提交 \d+ 份申报/ })).toBeVisible();
  await expect.poll(async () => { await ctx.desk.syncWorker.drain(20); return agency.store.claimRows().length; }, { timeout: 30_000 }).toBeGreaterThan(0);
  await sup.screenshot({ path: `${ARTIFACTS}/newcomer-5-claim-submitted.png`, fullPage: true });
});
