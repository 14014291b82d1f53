import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { loginAt } from './login.ts';
import { scan } from './scanner.ts';
import { setup } from '../support/settlementFixtures.ts';

/**
 * The outpatient screen (F5) end to end at 1366×768, keyboard only, against a real desk and the
 * reference agency: scan → visit (2201 + 2203) → fees pasted (2204) → the insured region's 2206
 * beside the estimate → 结算 with Enter (2207, waited for) → the receipt; then a partial refund.
 * Keystrokes after the scan are counted: the two diagnosis fields are typed, the rest is keys.
 */
const ARTIFACTS = 'test/artifacts';
test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));
test.use({ viewport: { width: 1366, height: 768 } });

const FEES = [
  'XJ01DCC028A001010101445,YP0001,头孢呋辛钠注射液,2,50,100.00',
  'XA02BCA211A001010104321,YP0002,奥美拉唑肠溶胶囊,10,30,300.00',
  'ZZ0000000000001,ZF0001,单人病房差价,1,80,80.00',
].join('\n');

test('scan → visit → fees → 2206 preview → 2207 settle with Enter → receipt, then a partial refund of it', async ({ page }) => {
  const ctx = await setup({ online: true });
  try {
    await loginAt(page, ctx.host.openUrl);
    await page.keyboard.press('F5');
    await expect(page.getByRole('heading', { name: '门诊结算', exact: true })).toBeVisible();
    const field = page.getByLabel('就诊凭证');
    await expect(field).toBeFocused();
    // A social security card (a reader sends card number | ID number): a cross-province patient cannot use the ID card alone (004 第八条).
    await scan(field, `${DEMO_PATIENTS[0]!.cardNo}|${DEMO_PATIENTS[0]!.certno}`);
    await expect(page.getByRole('heading', { level: 3 }).filter({ hasText: '张秀兰' })).toBeVisible();

    let keys = 0;
    const press = async (k: string) => { keys++; await page.keyboard.press(k); };
    const diag = page.getByLabel('西医诊断编码');
    await expect(diag).toBeFocused();
    await page.keyboard.type('J06.900');
    await press('Enter');
    await page.keyboard.type('急性上呼吸道感染');
    await press('Enter'); // → 科室
    await press('Enter'); // → 医生
    await page.keyboard.type('陈医生');
    await press('Enter'); // 挂号: 2201 + 2203, waited for
    await expect(page.getByText(/就诊ID 340104M/)).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-01-visit.png` });

    const fees = page.getByLabel(/费用明细（每行/);
    await expect(fees).toBeFocused();
    await fees.fill(FEES); // the HIS export pasted
    await press('Control+Enter'); // 2204, then 2206
    await expect(page.getByTestId('agency-hifp_pay').or(page.getByTestId('agency-fund_pay_sumamt')).first()).toBeVisible();
    await expect(page.getByTestId('agency-psn_cash_pay')).toHaveText('366.00');
    await expect(page.getByTestId('estimate-psn_cash_pay')).toHaveText('366.00');
    await expect(page.getByTestId('agency-fund_pay_sumamt')).toHaveText('114.00');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-02-preview.png` });

    await expect(page.getByRole('button', { name: /^结算 · 总费用 480\.00 元 · 个人现金 366\.00 元/ })).toBeFocused();
    await press('Enter'); // opens the confirmation
    const dialog = page.getByRole('dialog', { name: '确认门诊结算' });
    await expect(dialog).toBeVisible();
    await press('Enter'); // 2207, waited for
    await expect(page.getByTestId('otp-message')).toHaveText('结算完成：金额为参保地结算结果');
    await expect(dialog).toBeHidden();
    const settled = page.getByRole('table', { name: '门诊结算记录' });
    await expect(settled).toContainText('366.00');
    await expect(settled).toContainText(/340104S\d+/);
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-03-settled.png` });

    await expect(page.getByRole('button', { name: /打印结算单/ })).toBeFocused();
    await press('Enter'); // the A4 receipt
    await expect(page.getByRole('dialog', { name: '门诊结算单' })).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-04-receipt.png` });
    expect(keys).toBeLessThanOrEqual(8);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog', { name: '门诊结算单' })).toBeHidden();
    await expect(page.getByRole('heading', { name: '门诊结算', exact: true })).toBeVisible();

    // A partial refund: the room line is refunded, the two drugs kept (2208 + 2205 + 2204 + 2207), one net result.
    await settled.getByRole('button', { name: '退费' }).click();
    const refund = page.getByRole('dialog', { name: '门诊退费（2208）' });
    await expect(refund.getByLabel('退费原因')).toBeFocused();
    await page.keyboard.type('患者未使用单人病房');
    await refund.getByLabel(/退 头孢呋辛钠注射液/).press('Space');
    await refund.getByLabel(/退 奥美拉唑肠溶胶囊/).press('Space');
    await expect(refund.getByLabel(/退 单人病房差价/)).toBeChecked();
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-05-partial-refund.png` });
    await refund.getByLabel('退费原因').press('Enter');
    await expect(refund).toBeHidden();
    await expect(page.getByTestId('otp-message')).toHaveText('部分退费完成：保留明细重新结算，个人现金支付 286.00 元（原 366.00 元），金额为参保地结果');
    await expect(settled).toContainText('-480.00');
    await expect(settled).toContainText('结算（已退费）');
    await expect(settled.getByRole('row').filter({ hasText: '400.00' })).toContainText('286.00');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-06-refunded.png` });
    // 发票号 (issue 15): entered for the visit, then corrected with a reason (a new record; 协查 finds either).
    const invoice = page.getByTestId('invoice-panel');
    await invoice.getByLabel('录入发票号').fill('MZ20261208001');
    await invoice.getByLabel('录入发票号').press('Enter');
    await expect(invoice.getByTestId('invoice-current')).toHaveText('MZ20261208001');
    await invoice.getByLabel('更正为').fill('MZ20261208002');
    await invoice.getByLabel('更正为').press('Enter');
    await expect(invoice).toContainText('请填写更正原因');
    await invoice.getByLabel('更正原因').fill('退费后重开发票');
    await invoice.getByLabel('更正原因').press('Enter');
    await expect(invoice.getByTestId('invoice-current')).toHaveText('MZ20261208002');
    await expect(invoice).toContainText('此前：MZ20261208001');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-07-invoice.png` });
  } finally {
    await ctx.stop();
  }
});
