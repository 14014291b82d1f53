import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import iconv from 'iconv-lite';
import { addDays } from '../../shared/dates.ts';
import { expectReadyForNextScan, scan } from './scanner.ts';
import { admit, b64, type Ctx, feeCsv, type FeeRow, ITEM, ok, setup } from '../support/settlementFixtures.ts';

/**
 * The settlement screen end to end in Chromium against a real desk (and, for the mismatch, the
 * reference agency): import a GBK fee file → preview → settle (Enter confirms) → slip, the error
 * table of a bad file, and a supervisor resolving a 0.01 difference with the agency.
 */
const ARTIFACTS = 'test/artifacts';
const work = mkdtempSync(join(tmpdir(), 'e2e-settle-'));

const STAY: FeeRow[] = [
  { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
  { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
  { sn: 'F3', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00' },
  { sn: 'F4', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00' },
  { sn: 'F5', ...ITEM.room, cnt: '5', pric: '80', amount: '400.00' },
];

async function login(page: Page, ctx: Ctx, who: 'clerk01' | 'super01'): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill(who);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));


test('import a GBK fee file → preview → settle with Enter → print the slip', async ({ page }) => {
  const ctx = await setup();
  try {
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, iconv.encode(feeCsv([...STAY.slice(0, 2), { sn: 'F3', ...ITEM.screw, cnt: '2', pric: '3000', amount: '3000.00' }, { sn: 'F4', ...ITEM.surgery, cnt: 'x', pric: '4200', amount: '4200.00' }], day), 'gbk'));
    const good = join(work, 'his-export.csv');
    writeFileSync(good, iconv.encode(feeCsv(STAY, day), 'gbk'));

    // Another patient's stay, admitted later, is listed first (newest first).
    const other = await admit(ctx, { patient: 1 });

    await login(page, ctx, 'clerk01');
    await page.keyboard.press('F4');
    await expect(page.getByRole('heading', { name: '结算', exact: true })).toBeVisible();
    const search = page.getByLabel('住院号或姓名');
    await expect(search).toBeFocused();

    // Not found: the message names the field, the scan field keeps the text selected for the next scan.
    await scan(search, 'ZY-NO-SUCH-STAY');
    await expect(page.getByText('住院号或姓名：没有找到“ZY-NO-SUCH-STAY”的在院或待结算住院登记')).toBeVisible();
    await expectReadyForNextScan(search, 'ZY-NO-SUCH-STAY');
    await page.screenshot({ path: `${ARTIFACTS}/settle-00-not-found.png`, fullPage: true });

    // The wrong-patient case (issue 20 §1): the list shows both stays, 李建军's first, when the scan of
    // 张秀兰's 住院号 starts; Enter comes with the text, before any search refreshed the list. Opening
    // the first row as rendered would open 李建军.
    await search.fill('');
    const options = page.getByRole('option');
    await expect(options.filter({ hasText: other.iptNo })).toHaveCount(1);
    await expect(options.filter({ hasText: a.iptNo })).toHaveCount(1);
    await expect(options.first()).toContainText('李建军');
    await expect(options.first()).toContainText(other.iptNo);
    await scan(search, a.iptNo);
    const opened = page.getByRole('heading', { level: 3 }).filter({ hasText: /张秀兰|李建军/ });
    await expect(opened).toContainText('张秀兰');
    await expect(opened).not.toContainText('李建军');
    await expect(page.getByRole('option', { selected: true })).toContainText(a.iptNo);
    await expect(page.getByRole('option', { selected: true })).toContainText('张秀兰');
    await expectReadyForNextScan(search, a.iptNo);

    // A file with errors: the table names row and column, nothing is imported.
    await page.getByLabel('选择费用文件').setInputFiles(bad);
    const problems = page.getByRole('table', { name: '导入错误' });
    await expect(problems).toContainText('第 4 行 det_item_fee_sumamt 列：金额 3000.00 与 数量 2 × 单价 3000 = 6000.00 不符');
    await expect(problems).toContainText('第 5 行 cnt 列');
    await expect(page.getByText('文件有 2 处错误，未导入任何明细')).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/settle-01-import-errors.png`, fullPage: true });

    // Keyboard only from here (issue 20 point 4): F8 opens the picker, the button is in the Tab order.
    // (Playwright's file-chooser interception switches on asynchronously: listen first.)
    const chooser = page.waitForEvent('filechooser');
    await expect(page.getByRole('button', { name: /选择文件/ })).toHaveAttribute('aria-keyshortcuts', 'F8');
    await page.getByRole('button', { name: /选择文件/ }).focus();
    await expect(page.getByRole('button', { name: /选择文件/ })).toBeFocused();
    await search.focus();
    await page.keyboard.press('F8');
    await (await chooser).setFiles(good);
    await expect(page.getByTestId('import-result')).toContainText('新增 5 条');
    await expect(page.getByTestId('import-result')).toContainText('GBK');
    await expect(page.getByTestId('fee-totals')).toContainText('8,300.00');
    await expect(page.getByTestId('fee-totals')).toContainText('7,115.00');
    const previewTable = page.getByRole('table', { name: '预结算金额' });
    await expect(previewTable.getByTestId('amt-hifp_pay')).toHaveText('4,972.00');
    await expect(previewTable.getByTestId('amt-psn_cash_pay')).toHaveText('3,328.00');
    await expect(page.getByRole('table', { name: '参保地基金' })).toContainText('职工基本医疗保险统筹基金');
    await expect(page.getByText('估算', { exact: true })).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/settle-02-preview.png`, fullPage: true });

    await page.keyboard.press('Alt+S');
    const dialog = page.getByRole('dialog', { name: '确认出院结算' });
    await expect(dialog).toContainText('3,328.00');
    await page.screenshot({ path: `${ARTIFACTS}/settle-03-confirm.png` });
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('settle-message')).toContainText('结算完成：个人现金支付 3,328.00 元');
    await expect(page.getByRole('heading', { name: /已结算/ })).toBeVisible();

    await page.keyboard.press('Alt+P');
    const pdf = page.getByRole('dialog', { name: '结算单' });
    await expect(pdf).toBeVisible();
    await expect(pdf.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${ARTIFACTS}/settle-04-slip.png` });
    await page.keyboard.press('Escape');
    await expect(pdf).toBeHidden();
    await expect(page.getByTestId('slip-button')).toContainText('补打结算单');
    await page.screenshot({ path: `${ARTIFACTS}/settle-05-settled.png`, fullPage: true });
  } finally {
    await ctx.stop();
  }
});

test('the agency differs by 0.01: the banner shows it and a supervisor records the resolution', async ({ page }) => {
  const ctx = await setup({ online: true });
  try {
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(STAY, addDays(a.admittedOn, 1))) });
    const p = await ok<{ dischargedOn: string; fingerprint: string; amounts: { medfee_sumamt: string } }>(ctx, 'settlement.preview', { admissionId: a.id, useAccount: true, accountBalance: '1199.99' });
    await ok(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint, useAccount: true, accountBalance: '1199.99' });
    await ctx.desk.syncWorker.drain(50);

    await login(page, ctx, 'super01');
    await page.keyboard.press('F4');
    const banner = page.getByTestId('mismatch-banner');
    // The account balance differs by a fen: the patient's cash is what differs (individual accounts
    // and fund rows are shown, not compared — DOMAIN §6, docs/settlement.md).
    await expect(banner).toContainText('个人现金支付 本地 2,128.01 / 经办机构 2,128.00');
    await banner.getByRole('button', { name: new RegExp(a.iptNo) }).click();
    await expect(page.getByRole('table', { name: '结算差异' })).toContainText('0.01');
    await page.screenshot({ path: `${ARTIFACTS}/settle-06-mismatch.png`, fullPage: true });
    await page.getByLabel('处理说明（主管）').fill('个人账户余额以经办机构为准，已告知患者');
    await page.getByLabel('处理说明（主管）').press('Enter');
    await expect(page.getByText('差异已处理：个人账户余额以经办机构为准，已告知患者')).toBeVisible();
    await expect(banner).toBeHidden();
  } finally {
    await ctx.stop();
  }
});
