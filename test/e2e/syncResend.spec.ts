import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { AdmissionDetail } from '../../shared/api/admission.ts';
import type { IdentityResult } from '../../shared/api/identity.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { todayCST } from '../../shared/dates.ts';
import { startIdentityDesk } from '../support/identityDesk.ts';

/**
 * Issue 21 point 3 on the screen: a 2401 the agency refused, the cause corrected on the admission,
 * 重新发送 — the sync screen says what was wrong, what changed and what was sent, as a new message.
 */
const ARTIFACTS = 'test/artifacts';
let t: Awaited<ReturnType<typeof startIdentityDesk>>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startIdentityDesk();
});
test.afterAll(async () => t.stop());

async function ok<T>(method: string, input: unknown): Promise<T> {
  const r = await t.call<T>(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error?.code} ${r.error?.message}`);
  return r.result!;
}

async function login(page: Page, who: string): Promise<void> {
  await page.goto(t.ctx.host.openUrl);
  await page.getByLabel('工号').fill(who);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}

test('a refused admission message, corrected and sent again: old and new msgid, the refusal, the changed field, the state', async ({ page }) => {
  const p = DEMO_PATIENTS[1]!;
  const today = todayCST();
  const check = await ok<IdentityResult>('identity.check', { credential: `${p.cardNo}|${p.certno}`, admissionDate: today, emergency: false });
  const a = await ok<AdmissionDetail>('admission.create', {
    checkId: check.check.id, iptNo: `ZY${Date.now().toString().slice(-8)}`, admittedAt: `${today} 00:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
    diagCode: 'S72.000', diagName: '股骨颈骨折', doctorCode: 'D0012', doctorName: '李明', medType: '21', emergency: false, trauma: false, thirdParty: false,
  });
  const msgid = (t.ctx.desk.db.$client.prepare(`SELECT msgid FROM outbox WHERE infno = '2401'`).get() as { msgid: string }).msgid;
  t.agency.faults.set({ mode: 'failItem', msgid, times: 1 });
  await t.ctx.desk.syncWorker.drain(20);
  await ok('admission.change', { admissionId: a.id, changes: { bed: '9' } });

  await login(page, 'clerk01');
  await page.keyboard.press('F7');
  const rejected = page.getByRole('region', { name: '被拒绝的报文' });
  await expect(rejected).toContainText(msgid);
  await expect(rejected).toContainText('按更正后的信息生成新报文');
  await rejected.getByRole('button', { name: '重新发送' }).click();
  await expect(page.getByRole('status').filter({ hasText: '已按更正后的信息生成新报文' })).toBeVisible();

  const resends = page.getByRole('region', { name: '已更正重发' });
  await expect(resends).toContainText(msgid);
  await expect(resends).toContainText('注入的故障');
  await expect(resends).toContainText('入院床位（mdtrtinfo.adm_bed）：12 → 9');
  await expect(resends).toContainText('待上传');
  await page.getByRole('button', { name: '立即发送' }).click();
  await expect(page.getByRole('status').filter({ hasText: /已发送 \d+ 条/ })).toBeVisible();
  // A first answer is confirmed by a repeat (outboxWorker): the remaining rounds run here, the screen polls.
  await expect.poll(async () => (await t.ctx.desk.syncWorker.drain(20)).pending, { timeout: 20_000 }).toBe(0);
  await expect(resends).toContainText('已送达', { timeout: 20_000 });
  await expect(rejected).toHaveCount(0);
  await resends.getByText('发送内容').click();
  await expect(resends.locator('pre')).toContainText('"adm_bed": "9"');
  await page.screenshot({ path: `${ARTIFACTS}/sync-4-resend.png`, fullPage: true });
});
