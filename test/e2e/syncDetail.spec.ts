import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { todayCST } from '../../shared/dates.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { disagreeingDay, type AgencySettlement } from '../support/detailFixtures.ts';
import { installAdmissionHooks, INST, seedPatients } from '../support/syncFixtures.ts';
import { loginAt } from './login.ts';

/** The 同步 screen: a 不平 day, reconciled in detail (3202), each differing stay with what to do (docs/reconciliation.md). */

const ARTIFACTS = 'test/artifacts';
let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
let byPsn: Map<string, AgencySettlement>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  seedPatients(agency.store, 5);
  const hooks = new SyncHooks();
  installAdmissionHooks(hooks);
  ctx = await startDeskHost({ agencyUrl: agency.url, agencyTimeoutMs: 3000, sync: { hooks, backoffBaseMs: 5, backoffMaxMs: 40, idleMs: 20 } });
  byPsn = (await disagreeingDay(ctx, agency)).byPsn;
});
test.afterAll(async () => {
  await ctx.desk.stopSync();
  await ctx.stop();
  await agency.close();
});

test('a 不平 day shows each differing settlement with both sides and what to do, and a supervisor resolves them', async ({ page }) => {
  const [s1, s2, s3, s4] = [...byPsn.values()];
  await loginAt(page, ctx.host.openUrl, 'super01');
  await page.keyboard.press('F7');
  const recon = page.getByRole('region', { name: '对账' });
  await recon.getByLabel('对账日期').fill(todayCST());
  await recon.getByLabel('对账日期').press('Enter');
  await expect(recon.locator('.badge').first()).toHaveText('不平');
  const detail = recon.getByRole('region', { name: '明细对账' });
  await expect(detail).toContainText('总账不平后自动进行');
  await expect(detail).toContainText('上传明细 3 笔，相符 1 笔，差异 3 笔');
  await expect(detail).not.toContainText(s1!.setl_id);
  const row = (setlId: string) => detail.getByRole('row').filter({ hasText: setlId });
  await expect(row(s4!.setl_id)).toContainText('经办机构有、本机无');
  await expect(row(s4!.setl_id)).toContainText(`以报文ID ${s4!.msgid} 发送冲正（2601）`);
  await expect(row(s2!.setl_id)).toContainText('本机有、经办机构无');
  await expect(row(s2!.setl_id)).toContainText('重新发送结算（2304');
  await expect(row(s3!.setl_id)).toContainText('金额不一致');
  await expect(row(s3!.setl_id)).toContainText('医疗费总额 经办机构 900.00 医院 1000.00');
  await expect(row(s3!.setl_id)).toContainText('主管');
  await page.screenshot({ path: `${ARTIFACTS}/sync-detail-1-unbalanced.png`, fullPage: true });

  // The 单边账: 冲正 by its msgid, in two steps.
  await row(s4!.setl_id).getByRole('button', { name: '冲正', exact: true }).click();
  await row(s4!.setl_id).getByRole('button', { name: /确认冲正/ }).click();
  await expect(page.getByRole('status').filter({ hasText: `冲正（2601）已冲正：${s4!.msgid}` })).toBeVisible();
  await expect(row(s4!.setl_id)).toContainText('已冲正');
  await expect(row(s4!.setl_id).getByRole('button', { name: '冲正', exact: true })).toHaveCount(0);
  // The amounts: the supervisor's note, Enter.
  await row(s3!.setl_id).getByRole('button', { name: '填写处理说明' }).click();
  await row(s3!.setl_id).getByLabel('差异处理说明').fill('已与经办机构核对，以其金额拨付');
  await row(s3!.setl_id).getByLabel('差异处理说明').press('Enter');
  await expect(row(s3!.setl_id)).toContainText('主管说明');
  await page.screenshot({ path: `${ARTIFACTS}/sync-detail-2-resolved.png`, fullPage: true });

  // On request again: what is left (the stay to resend, the noted amounts).
  await recon.getByRole('button', { name: '明细对账' }).click();
  await expect(page.getByRole('status').filter({ hasText: '明细对账：2 笔差异' })).toBeVisible();
  await expect(detail).toContainText('按需进行');
  await expect(detail).not.toContainText(s4!.setl_id);
  await expect(row(s2!.setl_id)).toContainText('本机有、经办机构无');
});
