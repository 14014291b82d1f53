import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { claims } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { ClaimPreview } from '../../shared/api/claim.ts';
import { api } from '../support/deskHost.ts';
import { setup } from '../support/settlementFixtures.ts';
import { loginAt } from './login.ts';
import { scan } from './scanner.ts';

/**
 * 清算后退费 end to end (issue 16 "Done when": a refund of a cleared settlement that shows up in the
 * next claim), 1366×768, the screens driven by the keyboard: a supervisor settles a visit on F5 in
 * November; November's claim is submitted and cleared (through the API and the reference agency —
 * the claim screen's own journey is claim.spec.ts); in December the supervisor refunds the cleared
 * settlement on the same screen; in January F6 shows December's claim with the visit's negative line.
 * The office's day is pinned on the desk and on the agency (its business clock).
 */
const ARTIFACTS = 'test/artifacts';
test.beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));
test.use({ viewport: { width: 1366, height: 768 } });

const FEES = [
  'XJ01DCC028A001010101445,YP0001,头孢呋辛钠注射液,2,50,100.00',
  'XA02BCA211A001010104321,YP0002,奥美拉唑肠溶胶囊,10,30,300.00',
  'ZZ0000000000001,ZF0001,单人病房差价,1,80,80.00',
].join('\n');

test('a visit settled in November, claimed and cleared, refunded by a supervisor in December: a negative line of December\'s claim', async ({ page }) => {
  let agencyNow = new Date('2026-11-10T02:00:00Z');
  const ctx = await setup({ online: true, agencyNow: () => agencyNow });
  const day = (d: string): void => {
    ctx.desk.setClock(() => d);
    agencyNow = new Date(`${d}T02:00:00Z`);
  };
  try {
    day('2026-11-10');
    await loginAt(page, ctx.host.openUrl, 'super01');
    await page.keyboard.press('F5');
    await scan(page.getByLabel('就诊凭证'), `${DEMO_PATIENTS[0]!.cardNo}|${DEMO_PATIENTS[0]!.certno}`);
    await expect(page.getByLabel('西医诊断编码')).toBeFocused();
    await page.keyboard.type('J06.900');
    await page.keyboard.press('Enter');
    await page.keyboard.type('急性上呼吸道感染');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('陈医生');
    await page.keyboard.press('Enter');
    await expect(page.getByText(/就诊ID 340104M/)).toBeVisible();
    await page.getByLabel(/费用明细（每行/).fill(FEES);
    await page.keyboard.press('Control+Enter');
    await expect(page.getByTestId('agency-psn_cash_pay')).toHaveText('366.00');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('otp-message')).toHaveText('结算完成：金额为参保地结算结果');
    const settled = page.getByRole('table', { name: '门诊结算记录' });
    await expect(settled).toContainText(/2026-11-10/);

    // November's claim, submitted in the window and cleared by the agency.
    day('2026-12-02');
    const preview = (await api(ctx.host, 'claim.preview', { period: '2026-11' }, ctx.supervisor)).body.result as ClaimPreview;
    expect(preview.lines.map((l) => [l.clrType, l.medfee_sumamt])).toEqual([['11', '480.00']]);
    expect((await api(ctx.host, 'claim.submit', { period: '2026-11', fingerprint: preview.fingerprint }, ctx.supervisor)).body.ok).toBe(true);
    await ctx.desk.syncWorker.drain(40);
    const nov = ctx.desk.db.select().from(claims).where(eq(claims.setlym, '2026-11')).get()!;
    ctx.agency!.store.acceptClaim(nov.clrAppyEvtId!);
    ctx.agency!.store.clearClaim(nov.clrAppyEvtId!);
    expect((await api(ctx.host, 'claim.refresh', {}, ctx.supervisor)).body.ok).toBe(true);
    expect(ctx.desk.db.select().from(claims).where(eq(claims.id, nov.id)).get()!.status).toBe('cleared');

    // December: the supervisor refunds the cleared settlement (whole: every line ticked).
    day('2026-12-03');

    await settled.getByRole('button', { name: '退费' }).focus();
    await page.keyboard.press('Enter');
    const refund = page.getByRole('dialog', { name: '门诊退费（2208）' });
    await expect(refund.getByLabel('退费原因')).toBeFocused();
    // Opening the dialog reads the visit again: the settlement is now held by a cleared claim.
    await expect(refund.getByTestId('otp-claimed-refund')).toContainText('该结算已纳入 2026-11 期清算申报（已清算）');
    await expect(settled).toContainText('2026-11 期已清算');
    await page.keyboard.type('患者退药');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-claim-01-refund.png` });
    await page.keyboard.press('Enter');
    await expect(refund).toBeHidden();
    await expect(page.getByTestId('otp-message')).toHaveText('退费完成：金额为参保地退费结果');
    await expect(settled).toContainText('-480.00');
    await expect(settled).toContainText(/2026-12-03/);
    // November's claim is left as it was.
    expect(ctx.desk.db.select().from(claims).where(eq(claims.id, nov.id)).get()).toMatchObject({ status: 'cleared', medfeeSumamt: '480.00', psntime: 1 });

    // January: F6 shows December's claim with the refund as the visits' negative line.
    day('2027-01-02');
    await page.keyboard.press('F6');
    const line = page.getByTestId('claim-line-310-cross-11');
    await expect(line).toBeVisible();
    await expect(line).toContainText('门诊');
    await expect(line).toContainText('-480.00');
    await expect(line).toContainText('-114.00');
    await expect(line.getByRole('cell').nth(4)).toHaveText('-1');
    await expect(page.getByRole('table', { name: '申报结算' })).toContainText('门诊退费 · 本期结算');
    await page.screenshot({ path: `${ARTIFACTS}/outpatient-claim-02-next-claim.png` });
  } finally {
    await ctx.stop();
  }
});
