import { mkdirSync } from 'node:fs';
import { loginAt } from './login.ts';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { startSeededDesk } from '../support/identityDesk.ts';
import { scan } from './scanner.ts';

/**
 * Issue 4 "Done when": identity → admission with the trauma flag → pledge printed and recorded →
 * the admission shows 可直接结算. Plus change and cancel dialogs and the outside-exam slip.
 * Screenshots go to test/artifacts/ (look at them).
 */

const ARTIFACTS = 'test/artifacts';
const [ZHANG, LI] = DEMO_PATIENTS;
const TODAY = todayCST();

let ctx: Awaited<ReturnType<typeof startSeededDesk>>['ctx'];
let stop: () => Promise<void>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ ctx, stop } = await startSeededDesk());
});

test.afterAll(() => stop());

const login = (page: Page): Promise<void> => loginAt(page, ctx.host.openUrl);

/** F2: scan the social security card (card number | ID number), Enter, then 登记入院. */
async function identityToAdmission(page: Page, credential: string): Promise<void> {
  await page.keyboard.press('F2');
  await expect(page.getByRole('heading', { name: '身份核验与备案判定' })).toBeVisible();
  const field = page.getByLabel('就诊凭证');
  await expect(field).toBeFocused();
  // A card reader: the whole text and Enter at once (issue 20 §1).
  await scan(field, credential);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  await page.getByRole('button', { name: '登记入院' }).click();
  await expect(page.getByRole('heading', { name: '入院登记' })).toBeVisible();
  await expect(page.getByLabel('核验结论')).toContainText('可直接结算');
}

/** Types into the focused field and presses Enter (which moves to the next field). */
async function typeEnter(page: Page, text: string): Promise<void> {
  if (text !== '') await page.keyboard.type(text, { delay: 2 });
  await page.keyboard.press('Enter');
}

test('identity → trauma admission → pledge printed and recorded → 可直接结算', async ({ page }) => {
  await login(page);
  await identityToAdmission(page, `${ZHANG.cardNo}|${ZHANG.certno}`);

  // Keyboard only: the first field has focus, Enter moves on.
  await expect(page.getByLabel('住院号')).toBeFocused();
  // The 住院号 is scanned from the HIS wristband: text and Enter at once, Enter moves on.
  await scan(page.getByLabel('住院号'), 'ZY-E2E-0001');
  await expect(page.getByLabel('住院号')).toHaveValue('ZY-E2E-0001');
  await expect(page.getByLabel('入院时间')).toBeFocused();
  await page.getByLabel('入院时间').fill(`${TODAY}T00:05`);
  await page.getByLabel('外伤标志').check();
  await expect(page.getByLabel('医疗类别')).toHaveValue('22');
  await page.getByLabel('科室编码').fill('A03');
  await page.getByLabel('科室名称').fill('骨科');
  await page.getByLabel('床位号').fill('12');
  await page.getByLabel('入院诊断编码（ICD-10）').fill('s72.000');
  await page.getByLabel('入院诊断名称').fill('股骨颈骨折');
  await page.getByLabel('主治医生编码').fill('D0012');
  await page.getByLabel('主治医生姓名').focus();
  await typeEnter(page, '李明');
  // Enter moved to the flags; Enter through them confirms.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-label')).toHaveText('待签承诺书，暂不能直接结算');
  await expect(page.getByRole('region', { name: '结算判定' })).toContainText('依据：004 第三十八条');
  await expect(page.getByLabel('外伤承诺书')).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/adm-01-trauma-admitted.png`, fullPage: true });

  // The pledge form: the patient signs personally.
  const pledge = page.getByLabel('外伤承诺书');
  await pledge.getByLabel('承诺人联系电话').fill('13800001111');
  await pledge.getByLabel('受伤日期').fill(addDays(TODAY, -1));
  await pledge.getByLabel('受伤时').selectOption('14');
  await pledge.getByLabel('受伤地点').fill('合肥市蜀山区长江西路与潜山路交口');
  await pledge.getByLabel('外伤经过').fill('骑自行车自行摔倒致右髋部受伤');
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/pledge.pdf'));
  await pledge.getByRole('button', { name: '打印承诺书' }).click();
  // The service answered with the PDF bytes (base64 of "%PDF-" is "JVBERi0").
  const body = (await (await answer).json()) as { ok: boolean; result: { base64: string; pages: number } };
  expect(body.ok).toBe(true);
  expect(body.result.base64.startsWith('JVBERi0')).toBe(true);
  expect(body.result.pages).toBe(1);
  const dialog = page.getByRole('dialog', { name: /外伤无第三方责任承诺书/ });
  await expect(dialog).toBeVisible();
  // …and the renderer shows them from a blob: URL (CSP frame-src blob:), with 打印 and 保存.
  await expect(dialog.getByTestId('pdf-frame')).toHaveAttribute('src', /^blob:/);
  await expect(dialog.getByRole('link', { name: '保存 PDF' })).toHaveAttribute('download', /外伤无第三方责任承诺书-ZY-E2E-0001\.pdf/);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${ARTIFACTS}/adm-02-pledge-pdf.png` });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // Esc closed the dialog only: still on the admission.
  await expect(page.getByTestId('settle-label')).toBeVisible();

  await pledge.getByRole('button', { name: '记录已签字' }).click();
  await expect(page.getByTestId('settle-label')).toHaveText('可直接结算');
  await expect(pledge).toContainText('王晓燕');
  await expect(pledge).toContainText('有效');
  await page.screenshot({ path: `${ARTIFACTS}/adm-03-pledge-recorded.png`, fullPage: true });

  // The outside-exam slip: form, fee lines, print.
  const slip = page.getByLabel('外检单');
  await slip.getByRole('button', { name: '开具外检单' }).click();
  await slip.getByLabel('外检机构编码').fill('H34010400002');
  await slip.getByLabel('外检机构名称').fill('安徽医科大学第一附属医院');
  await slip.getByLabel('第1行编码').fill('002100000030000');
  await slip.getByLabel('第1行名称').fill('磁共振成像（MRI）平扫');
  await slip.getByLabel('第1行单价').fill('580');
  await slip.getByLabel('外检原因').fill('本院磁共振设备检修');
  await page.screenshot({ path: `${ARTIFACTS}/adm-04-outside-exam-form.png`, fullPage: true });
  await slip.getByRole('button', { name: '开具并打印' }).click();
  const slipDialog = page.getByRole('dialog', { name: /外检单第 1 号/ });
  await expect(slipDialog).toBeVisible();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${ARTIFACTS}/adm-05-outside-exam-pdf.png` });
  await slipDialog.getByRole('button', { name: '关闭（Esc）' }).click();
  await expect(slip).toContainText('外检标志 etip_flag');

  // Change dialog: bed and department; the change is an event.
  await page.getByRole('button', { name: '变更入院信息' }).click();
  const change = page.getByRole('dialog', { name: '变更入院信息' });
  await change.getByLabel('床位号').fill('21');
  await change.getByLabel('变更原因').fill('调整床位');
  await page.screenshot({ path: `${ARTIFACTS}/adm-06-change-dialog.png` });
  await change.getByRole('button', { name: '确认变更' }).click();
  await expect(change).toBeHidden();
  await expect(page.getByLabel('入院信息')).toContainText('21 床');
  await expect(page.getByLabel('变更记录')).toContainText('床位号 → 21');

  // Esc goes back to the list, where the patient is in hospital with 可直接结算.
  await page.keyboard.press('Escape');
  const list = page.getByRole('table');
  await expect(list).toContainText('ZY-E2E-0001');
  await expect(list).toContainText(ZHANG.name);
  await expect(list).toContainText('可直接结算');
  await expect(list).not.toContainText(ZHANG.certno);
  await page.screenshot({ path: `${ARTIFACTS}/adm-07-list.png`, fullPage: true });
});

test('trauma with a third party is not direct; cancel with a reason', async ({ page }) => {
  await login(page);
  await identityToAdmission(page, `${LI.cardNo}|${LI.certno}`);
  await page.getByLabel('住院号').fill('ZY-E2E-0002');
  await page.getByLabel('入院时间').fill(`${TODAY}T00:10`);
  await page.getByLabel('外伤标志').check();
  await page.getByLabel('涉及第三方标志').check();
  for (const [label, value] of [['科室编码', 'A09'], ['科室名称', '创伤外科'], ['床位号', '5'], ['入院诊断编码（ICD-10）', 'S82.200'], ['入院诊断名称', '胫骨骨折'], ['主治医生编码', 'D0020'], ['主治医生姓名', '周强']] as const) {
    await page.getByLabel(label).fill(value);
  }
  await page.screenshot({ path: `${ARTIFACTS}/adm-00-new-admission-form.png`, fullPage: true });
  await page.getByRole('button', { name: '确认登记（Enter）' }).click();
  await expect(page.getByTestId('settle-label')).toHaveText('不能直接结算');
  await expect(page.getByRole('region', { name: '结算判定' })).toContainText('全额垫付');
  await expect(page.getByLabel('外伤承诺书')).toContainText('患者不能承诺无第三方责任');
  await page.screenshot({ path: `${ARTIFACTS}/adm-08-third-party.png`, fullPage: true });

  await page.getByRole('button', { name: '撤销入院' }).click();
  const cancel = page.getByRole('dialog', { name: '撤销入院' });
  await cancel.getByRole('button', { name: '确认撤销' }).click();
  await expect(cancel.getByRole('alert')).toContainText('撤销原因');
  await cancel.getByLabel('撤销原因').fill('患者转往他院');
  await page.screenshot({ path: `${ARTIFACTS}/adm-09-cancel-dialog.png` });
  await page.keyboard.press('Enter');
  await expect(cancel).toBeHidden();
  await expect(page.getByRole('region', { name: '结算判定' })).toContainText('已撤销');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('table')).not.toContainText('ZY-E2E-0002');
  // Esc on the list leaves the screen.
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
});

test('admission without typing the check number: today’s checks to pick with Enter, the day and this window’s department and doctor prefilled (issue 20 point 4)', async ({ page }) => {
  await login(page);
  // This window registered for 创伤外科 / 周强 before (kept in the browser after each admission).
  await page.evaluate(() => localStorage.setItem('admission.defaults', JSON.stringify({ deptCode: 'A09', deptName: '创伤外科', doctorCode: 'D0020', doctorName: '周强' })));
  await page.keyboard.press('F2');
  await scan(page.getByLabel('就诊凭证'), `${LI.cardNo}|${LI.certno}`);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  const checkNo = (await page.getByTestId('check-no').locator('strong').textContent())!;
  expect(checkNo).toMatch(/^\d+$/);

  await page.keyboard.press('F3');
  await expect(page.getByRole('button', { name: '新登记入院' })).toBeFocused();
  await page.keyboard.press('Enter');
  const recent = page.getByRole('listbox', { name: '今天的核验记录' });
  await expect(recent).toBeFocused();
  await expect(recent.getByRole('option', { selected: true })).toContainText(LI.name);
  await expect(recent.getByRole('option', { selected: true })).toContainText(`记录号 ${checkNo}`);
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('核验结论')).toContainText(LI.name);
  await expect(page.getByLabel('身份核验记录号')).toHaveValue(checkNo);
  await expect(page.getByLabel('住院号')).toBeFocused();
  await expect(page.getByLabel('入院时间')).toHaveValue(new RegExp(`^${TODAY}T`));
  await expect(page.getByLabel('科室名称')).toHaveValue('创伤外科');
  await expect(page.getByLabel('主治医生姓名')).toHaveValue('周强');
  await page.screenshot({ path: `${ARTIFACTS}/adm-10-prefilled.png`, fullPage: true });

  // Only what is new for this patient is typed: 住院号 (scanned), bed, diagnosis; Enter passes the rest.
  await scan(page.getByLabel('住院号'), 'ZY-E2E-0003');
  for (const label of ['入院时间', '入院方式', '医疗类别', '科室编码', '科室名称']) {
    await expect(page.getByLabel(label)).toBeFocused();
    await page.keyboard.press('Enter');
  }
  await typeEnter(page, '7');
  await typeEnter(page, 'S82.200');
  await typeEnter(page, '胫骨骨折');
  for (let i = 0; i < 5; i++) await page.keyboard.press('Enter');
  await expect(page.getByTestId('settle-label')).toBeVisible();
  await expect(page.getByRole('region', { name: '结算判定' })).toContainText('可直接结算');
  expect(JSON.parse((await page.evaluate(() => localStorage.getItem('admission.defaults')))!)).toEqual({ deptCode: 'A09', deptName: '创伤外科', doctorCode: 'D0020', doctorName: '周强' });

  // The used check is no longer offered.
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: '新登记入院' }).click();
  // (Every check of today in this file went into an admission, the cancelled one included.)
  await expect(page.getByText('今天还没有未登记入院的核验记录')).toBeVisible();
  await expect(page.getByRole('option')).toHaveCount(0);
});
