import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { seedChronicRegistration } from '../agency/outpatient.ts';
import { loginAt } from './login.ts';
import { scan } from './scanner.ts';
import { pdfText } from '../support/pdfText.ts';
import { ok, setup } from '../support/settlementFixtures.ts';

/**
 * The F5 visit screen's 门诊慢特病 limits line and its 全额自付 button, end to end at 1366×768,
 * keyboard only, against a real desk and the reference agency: a 糖尿病 visit (5301 answers a
 * 450.00 per-visit and a 700.00 yearly limit), fees of 480.00 pasted — the limits line and the
 * warning beyond the per-visit limit on screen — then, instead of 结算, 全额自付（零星报销）: the
 * reason typed, Enter, the advice PDF, and the visit marked paid in full (no 结算 button left).
 */
const ARTIFACTS = 'test/artifacts';
test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));
test.use({ viewport: { width: 1366, height: 768 } });

const FEES = [
  'XJ01DCC028A001010101445,YP0001,头孢呋辛钠注射液,2,50,100.00',
  'XA02BCA211A001010104321,YP0002,奥美拉唑肠溶胶囊,10,30,300.00',
  'ZZ0000000000001,ZF0001,单人病房差价,1,80,80.00',
].join('\n');

/** Tab until the focused element's text matches (bounded); the keyboard way to reach a button. */
async function tabTo(page: Page, name: RegExp, most = 25): Promise<void> {
  for (let i = 0; i < most; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => document.activeElement?.textContent ?? '');
    if (name.test(text)) return;
  }
  throw new Error(`按 Tab ${most} 次未到达 ${String(name)}`);
}

test('门诊慢特病: the 5301 limits shown and warned beyond; then 全额自付 by keyboard with the advice PDF', async ({ page }) => {
  const ctx = await setup({ online: true });
  try {
    seedChronicRegistration(ctx.agency!.store.db, { psnNo: 'DEMO000001', code: 'M07800', name: '糖尿病', begndate: '2024-01-01', lmtAmt: '700.00', sinLmtAmt: '450.00' });
    await loginAt(page, ctx.host.openUrl);
    await page.keyboard.press('F5');
    await expect(page.getByRole('heading', { name: '门诊结算', exact: true })).toBeVisible();
    await scan(page.getByLabel('就诊凭证'), `${DEMO_PATIENTS[0]!.cardNo}|${DEMO_PATIENTS[0]!.certno}`);
    await expect(page.getByRole('heading', { level: 3 }).filter({ hasText: '张秀兰' })).toBeVisible();

    // From the diagnosis field back to 医疗类别, 14 门诊慢特病 by arrow key, then the disease.
    await expect(page.getByLabel('西医诊断编码')).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    const medType = page.getByLabel('医疗类别');
    await expect(medType).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(medType).toHaveValue('14');
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('病种编码')).toBeFocused();
    await page.keyboard.type('M07800');
    await page.keyboard.press('Enter');
    await page.keyboard.type('糖尿病');
    await page.keyboard.press('Enter');
    await page.keyboard.type('E11.900');
    await page.keyboard.press('Enter');
    await page.keyboard.type('2型糖尿病');
    await page.keyboard.press('Enter'); // → 科室
    await page.keyboard.press('Enter'); // → 医生
    await page.keyboard.type('陈医生');
    await page.keyboard.press('Enter'); // 挂号: 5301 checked, 2201 + 2203
    await expect(page.getByText(/就诊ID 340104M/)).toBeVisible();
    const limits = page.getByTestId('chronic-limits');
    await expect(limits).toHaveText('病种限额（5301）：糖尿病 M07800 · 单次 450.00 元 · 年度 700.00 元 · 本次 0.00 元 · 本院本年已结算 0.00 元');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-selfpay-01-limits.png` });

    const fees = page.getByLabel(/费用明细（每行/);
    await expect(fees).toBeFocused();
    await fees.fill(FEES); // the HIS export pasted
    await page.keyboard.press('Control+Enter'); // 2204, then 2206
    await expect(page.getByTestId('agency-psn_cash_pay')).toBeVisible();
    await expect(limits).toContainText('本次 480.00 元');
    // Beyond the per-visit limit: said on the visit, with the rule and that the 2207 decides.
    const warning = page.locator('p.warn').filter({ hasText: '单次限额 450.00' });
    await expect(warning).toContainText('糖尿病 M07800');
    await expect(warning).toContainText('以参保地结算（2207）为准');
    await expect(page.getByRole('button', { name: /^结算 · 总费用 480\.00 元/ })).toBeFocused();
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-selfpay-02-over-limit.png` });

    // The patient will not settle here: 全额自付（零星报销）, reached with Tab.
    await tabTo(page, /^全额自付（零星报销）$/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: '全额自付（零星报销）' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('未结算的费用 480.00 元由患者全额支付');
    const reason = dialog.getByLabel('未直接结算的原因');
    await expect(reason).toBeFocused();
    await page.keyboard.press('Enter'); // no reason yet: nothing happens
    await expect(dialog).toBeVisible();
    await page.keyboard.type('患者选择回参保地报销');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-selfpay-03-dialog.png` });
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    const pdf = page.getByRole('dialog', { name: '门诊结算单' });
    await expect(pdf).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-selfpay-04-advice.png` });
    await page.keyboard.press('Escape');
    await expect(pdf).toBeHidden();
    await expect(page.getByTestId('otp-message')).toContainText('已按全额自付办理：患者全额支付 480.00 元，回参保地申请零星报销；费用明细和诊断信息须于');
    await expect(page.getByRole('button', { name: '打印全额自付费用清单及零星报销告知' })).toBeVisible();
    await expect(page.getByRole('button', { name: '全额自付（零星报销）' })).toHaveCount(0);
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-selfpay-05-paid.png` });
    // The browser's PDF viewer paints nothing headless: the advice itself is read (and kept as a PNG to look at).
    const visitId = (ctx.desk.db.$client.prepare('SELECT id FROM outpatient_visits ORDER BY id DESC LIMIT 1').get() as { id: number }).id;
    const advice = await ok<{ pdfBase64: string }>(ctx, 'outpatient.selfPayAdvicePdf', { visitId });
    const text = pdfText(advice.pdfBase64, 'outpatient-selfpay-06-advice-pdf').replace(/\s+/g, ' ');
    for (const want of ['零星报销', '480.00', '张秀兰', '004 第四十七条']) expect(text).toContain(want);
    // Nothing was settled at the agency.
    const settled = ctx.agency!.store.db.prepare(`SELECT count(*) AS n FROM settlements WHERE clr_type = '11'`).get() as { n: number };
    expect(settled.n).toBe(0);
  } finally {
    await ctx.stop();
  }
});
