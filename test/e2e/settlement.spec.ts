import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import iconv from 'iconv-lite';
import { addDays } from '../../shared/dates.ts';
import { expectReadyForNextScan, scan } from './scanner.ts';
import { seedSpecialDrugs } from '../agency/server.ts';
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


test('import a GBK fee file → the insured region\'s 2303 preview → settle with Enter (2304, waited for) → print the slip from its answer', async ({ page }) => {
  const ctx = await setup({ online: true });
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
    await expect(page.getByRole('table', { name: '参保地基金（参保地返回）' })).toContainText('职工基本医疗保险统筹基金');
    await expect(page.getByTestId('preview-source')).toContainText('参保地预结算');
    await expect(previewTable.getByRole('columnheader', { name: '本机估算' })).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/settle-02-preview.png`, fullPage: true });

    await page.keyboard.press('Alt+S');
    const dialog = page.getByRole('dialog', { name: '确认出院结算' });
    await expect(dialog).toContainText('3,328.00');
    await page.screenshot({ path: `${ARTIFACTS}/settle-03-confirm.png` });
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('settle-message')).toContainText('结算完成（参保地结算结果）：个人现金支付 3,328.00 元');
    await expect(page.getByRole('heading', { name: /已结算/ })).toBeVisible();
    await expect(page.getByTestId('settlement-basis')).toContainText('参保地结算结果');

    await page.keyboard.press('Alt+P');
    const pdf = page.getByRole('dialog', { name: '结算单' });
    await expect(pdf).toBeVisible();
    await expect(pdf.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${ARTIFACTS}/settle-04-slip.png` });
    await page.keyboard.press('Escape');
    await expect(pdf).toBeHidden();
    await expect(page.getByTestId('slip-button')).toContainText('补打结算单');
    // The platform's own record beside the desk's (5303 / 5204 / 5203); 5205 for this insured
    // region once a supervisor switched it on (the drug line is a special drug at the platform).
    seedSpecialDrugs(ctx.agency!.store.db, [ITEM.drug.code]);
    const region = ctx.desk.db.$client.prepare('SELECT p.insuplc_admdvs AS r FROM persons p JOIN admissions a ON a.person_id = p.id WHERE a.id = ?').get(a.id) as { r: string };
    await ok(ctx, 'settings.update', { specialDrugRegions: [region.r] }, ctx.supervisor);
    await page.getByRole('button', { name: '查询经办机构记录' }).click();
    const record = page.getByTestId('agency-record');
    await expect(record).toContainText('经办机构与本院一致：不在院');
    await expect(record).toContainText('经办机构 5 条 8,300.00 元 / 本院已上传 5 条 8,300.00 元');
    await expect(record).toContainText('与本院记录一致');
    await expect(record.getByTestId('special-drugs')).toHaveText(`经办机构 1 条；${ITEM.drug.code} 经办机构 250.00 / 本院已上传 250.00`);
    // 发票号 (issue 15): the HIS file had none; the clerk enters it on the stay's screen.
    const invoice = page.getByTestId('invoice-panel');
    await expect(invoice).toContainText('尚未记录发票号');
    await invoice.getByLabel('录入发票号').fill('FP20261208001');
    await invoice.getByLabel('录入发票号').press('Enter');
    await expect(invoice.getByTestId('invoice-current')).toHaveText('FP20261208001');
    await page.screenshot({ path: `${ARTIFACTS}/settle-05-settled.png`, fullPage: true });

    // 协查: from the landing, found by 发票号, exported as one ZIP.
    await page.getByRole('button', { name: 'F1 首页', exact: true }).click();
    await page.getByRole('button', { name: 'F4 结算', exact: true }).click();
    const pack = page.getByTestId('assistance-export');
    await pack.getByLabel('发票号').fill('FP20261208001');
    await pack.getByLabel('发票号').press('Enter');
    await expect(pack.getByRole('table', { name: '协查查找结果', exact: true })).toContainText(`${a.iptNo}`);
    await expect(pack.getByRole('table', { name: '协查查找结果', exact: true })).toContainText('FP20261208001');
    const download = page.waitForEvent('download');
    await pack.getByRole('button', { name: '导出协查材料' }).click();
    expect((await download).suggestedFilename()).toBe(`协查材料-${a.iptNo}.zip`);
    await expect(pack).toContainText('协查材料汇编.pdf');
  } finally {
    await ctx.stop();
  }
});

test('the agency\'s split of a line differs by 0.01: the line and the banner show it, a supervisor records the resolution', async ({ page }) => {
  const ctx = await setup({ online: true });
  try {
    // The agency's catalogue has the screw's limit price one fen lower than the desk's.
    ctx.agency!.store.db.prepare(`UPDATE catalogue SET pric_uplmt_amt = '2799.99' WHERE med_list_codg = ?`).run(ITEM.screw.code);
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(STAY, addDays(a.admittedOn, 1))) });
    const p = await ok<{ dischargedOn: string; fingerprint: string; amounts: { medfee_sumamt: string } }>(ctx, 'settlement.preview', { admissionId: a.id });
    await ok(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });

    await login(page, ctx, 'super01');
    await page.keyboard.press('F4');
    const banner = page.getByTestId('mismatch-banner');
    await expect(banner).toContainText('超限价自付费用 本地 200.00 / 经办机构 200.01');
    await banner.getByRole('button', { name: new RegExp(a.iptNo) }).click();
    await expect(page.getByRole('table', { name: '结算差异' })).toContainText('0.01');
    await expect(page.getByTestId('line-agency-diff')).toContainText('超限价 本院 200.00 / 经办机构 200.01');
    await page.screenshot({ path: `${ARTIFACTS}/settle-06-mismatch.png`, fullPage: true });
    await page.getByLabel('处理说明（主管）').fill('就医地目录限价版本不一致，已通知信息科');
    await page.getByLabel('处理说明（主管）').press('Enter');
    await expect(page.getByText('差异已处理：就医地目录限价版本不一致，已通知信息科')).toBeVisible();
    await expect(banner).toBeHidden();
  } finally {
    await ctx.stop();
  }
});

test('offline: 出院待结算 shows the estimate as 估算 (no slip), joins the worklist, and is settled when the agency is back', async ({ page }) => {
  const ctx = await setup({ online: true });
  try {
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(STAY, addDays(a.admittedOn, 1))) });
    // The connection drops before discharge.
    ctx.agency!.faults.set({ mode: 'refuse' });
    await ctx.desk.connectivity.check();
    await login(page, ctx, 'clerk01');
    await page.keyboard.press('F4');
    await scan(page.getByLabel('住院号或姓名'), a.iptNo);
    await expect(page.getByTestId('preview-source')).toContainText('估算');
    await expect(page.getByTestId('settle-button')).toContainText('出院待结算（离线）');
    await page.keyboard.press('Alt+S');
    const dialog = page.getByRole('dialog', { name: '确认出院待结算（离线）' });
    await expect(dialog).toContainText('不打印结算单');
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('request-panel');
    await expect(panel).toContainText('出院待结算（待联网结算）');
    await expect(panel).toContainText('3,328.00');
    await expect(page.getByTestId('slip-button')).toHaveCount(0);
    await page.screenshot({ path: `${ARTIFACTS}/settle-07-deferred.png`, fullPage: true });

    // The landing lists it with its age.
    await page.getByLabel('住院号或姓名').fill('');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F4');
    await expect(page.getByRole('table', { name: '待联网结算' })).toContainText(a.iptNo);

    // Back online: the outbox delivers the 2401…2304, the answer is the settlement; the clerk is told to call the patient back.
    ctx.agency!.faults.clear();
    await ctx.desk.connectivity.check();
    await ctx.desk.syncWorker.drain(50);
    await page.getByRole('button', { name: 'F1 首页', exact: true }).click();
    await page.getByRole('button', { name: 'F4 结算', exact: true }).click();
    const later = page.getByRole('table', { name: '联网后已结算' });
    await expect(later).toContainText(a.iptNo);
    await expect(later).toContainText('3,328.00');
    await page.screenshot({ path: `${ARTIFACTS}/settle-08-settled-later.png`, fullPage: true });
    await later.getByText(a.iptNo).click();
    await expect(page.getByTestId('settlement-basis')).toContainText('参保地结算结果');
    await expect(page.getByTestId('slip-button')).toBeVisible();
  } finally {
    await ctx.stop();
  }
});

test('全额自付: Alt+Z with a reason, the deadlines shown, the fee list and 零星报销 advice printed (Alt+P)', async ({ page }) => {
  const ctx = await setup();
  try {
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(STAY, addDays(a.admittedOn, 1))) });
    await login(page, ctx, 'clerk01');
    await page.keyboard.press('F4');
    await scan(page.getByLabel('住院号或姓名'), a.iptNo);
    await expect(page.getByTestId('preview-source')).toContainText('估算');
    await page.keyboard.press('Alt+Z');
    const dialog = page.getByRole('dialog', { name: '全额自付出院' });
    await expect(dialog).toContainText('004 第四十七条');
    await page.getByLabel('未直接结算的原因').fill('医保信息平台网络故障，患者不愿等待');
    await page.getByLabel('未直接结算的原因').press('Enter');
    const panel = page.getByTestId('self-pay-panel');
    await expect(panel).toContainText('全额自付');
    await expect(panel).toContainText('待上传');
    await expect(page.getByTestId('settle-button')).toHaveCount(0);
    await page.screenshot({ path: `${ARTIFACTS}/settle-09-self-pay.png`, fullPage: true });
    await page.keyboard.press('Alt+P');
    const pdf = page.getByRole('dialog', { name: '费用清单及零星报销告知' });
    await expect(pdf).toBeVisible();
    await expect(pdf.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
    await page.keyboard.press('Escape');
    await expect(pdf).toBeHidden();
  } finally {
    await ctx.stop();
  }
});
