import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { checkCharacter } from '../../shared/citizenId.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { seedPerson, seedRegistration, type ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import { expectReadyForNextScan, scan as scanInto } from './scanner.ts';

/**
 * Issue 3 "Done when": scan an ID online → decision shown; take the agency down → the same scan
 * answers from the roster marked 离线; bring it back → the check is confirmed.
 */

const ARTIFACTS = 'test/artifacts';
const id = (first17: string) => first17 + checkCharacter(first17);
// An in-province resident (安庆 340802, 居民医保): the ID card alone is accepted (004 第八条).
const REFUSED = /仅凭居民身份证只能为省内异地就医.*004 第八条/;
const UNKNOWN = /经办机构未能核验该凭证：未查询到该人员的参保信息/;
const SUN = { certno: id('34080219850505123'), name: '孙立' };

let agency: ReferenceAgency;
let agencyFile: string;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  agencyFile = join(mkdtempSync(join(tmpdir(), 'yidi-e2e-agency-')), 'agency.sqlite');
  agency = await startDemoAgency({ dbFile: agencyFile });
  seedDemoAgency(agency.store);
  seedPerson(agency.store, { psnNo: 'P-SUN', certno: SUN.certno, psnName: SUN.name, gend: '1', brdy: '1985-05-05', insuinfo: [{ insutype: '390', psnType: '15', insuplcAdmdvs: '340802' }] });
  seedRegistration(agency.store, { agencyId: 'SUN-1', certno: SUN.certno, psnNo: 'P-SUN', psnName: SUN.name, insuplcAdmdvs: '340802', group: 'referral', destination: '340100', effectiveFrom: '2026-11-01' });
  ctx = await startDeskHost({ agencyUrl: agency.url });
  // What npm start does: offline answers are re-checked when the agency answers again.
  ctx.desk.rechecks.start(1000);
});

test.afterAll(async () => {
  ctx.desk.rechecks.stop();
  await ctx.desk.rechecks.idle();
  await ctx.stop();
  await agency.close();
});

/** The agency back on the same address (bounded retries while the port is released). */
async function restartAgency(port: number): Promise<ReferenceAgency> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDemoAgency({ port, dbFile: agencyFile });
    } catch (e) {
      if ((e as { code?: string }).code !== 'EADDRINUSE' || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function login(page: Page, who = 'clerk01'): Promise<void> {
  await page.goto(ctx.host.openUrl);
  await page.getByLabel('工号').fill(who);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
  await page.keyboard.press('F2');
  await expect(page.getByRole('heading', { name: '身份核验与备案判定' })).toBeVisible();
}

/** A scanner into the 就诊凭证 field: the whole text and Enter at once (./scanner.ts, issue 20 §1). */
async function scan(page: Page, text: string): Promise<void> {
  const field = page.getByLabel('就诊凭证');
  await expect(field).toBeEditable();
  await scanInto(field, text);
}


test('scan online → decision; agency down → answered from the roster, 离线; agency back → confirmed', async ({ page }) => {
  await login(page);
  await expect(page.getByLabel('就诊凭证')).toBeFocused();

  // A bad scan is refused before anything is sent.
  await scan(page, SUN.certno.slice(0, 17));
  const refusal = page.getByRole('alert').filter({ hasText: '居民身份证号码有误' });
  await expect(refusal).toContainText('18 位');
  await page.screenshot({ path: `${ARTIFACTS}/identity-0-bad-scan.png` });

  await scan(page, SUN.certno);
  await expect(page.getByTestId('credential-kind')).toContainText('识别为：居民身份证');
  const decision = page.getByRole('region', { name: '核验结论' });
  await expect(decision.getByTestId('decision')).toHaveText('可直接结算');
  await expect(decision.getByTestId('reason-label')).toHaveText('已备案，可直接结算');
  await expect(decision).toContainText('依据：004 第十三条');
  await expect(decision.getByTestId('offline-badge')).toHaveCount(0);
  await expect(page.getByTestId('person-name')).toHaveText(SUN.name);
  await expect(page.getByLabel('人员信息')).toContainText('340802********');
  await expect(page.getByLabel('人员信息')).toContainText('城乡居民基本医疗保险');
  await expect(page.getByLabel('备案信息')).toContainText('异地转诊人员');
  await page.screenshot({ path: `${ARTIFACTS}/identity-1-online.png`, fullPage: true });

  // The agency goes away.
  await agency.close();
  await scan(page, SUN.certno);
  await expect(decision.getByTestId('offline-badge')).toHaveText('离线核验');
  await expect(decision.getByTestId('decision')).toHaveText('可直接结算');
  await expect(page.getByText('离线核验：暂时无法连接经办机构')).toBeVisible();
  await expect(page.getByRole('table', { name: '核验记录' }).locator('tbody tr')).toHaveCount(2);
  await page.screenshot({ path: `${ARTIFACTS}/identity-2-offline.png`, fullPage: true });

  // It comes back on the same address: the desk re-checks by itself and the screen follows.
  agency = await restartAgency(agency.port);
  await expect(decision.getByTestId('confirmed-badge')).toHaveText('已联网确认', { timeout: 30_000 });
  await expect(decision).toContainText('联网确认，结论不变');
  await expect(page.getByRole('table', { name: '核验记录' })).toContainText('复核：结论不变');
  await page.screenshot({ path: `${ARTIFACTS}/identity-3-confirmed.png`, fullPage: true });
});

test('a changed answer on re-check is shown until acknowledged; the manual-claim advice prints on A4', async ({ page }) => {
  const zhang = DEMO_PATIENTS[0];
  await login(page);
  agency.faults.set({ mode: 'refuse' });
  await scan(page, `${zhang.cardNo}|${zhang.certno}`);
  const decision = page.getByRole('region', { name: '核验结论' });
  await expect(decision.getByTestId('offline-badge')).toBeVisible();
  await expect(decision.getByTestId('decision')).toHaveText('可直接结算');
  // While offline, the insured region cancelled the registration.
  seedRegistration(agency.store, { agencyId: 'DEMO-REG-1', certno: zhang.certno, psnNo: 'DEMO000001', psnName: zhang.name, insuplcAdmdvs: zhang.insuplcAdmdvs, group: 'resettledRetiree', destination: '340100', effectiveFrom: '2024-05-01', status: 'cancelled' });
  agency.faults.clear();

  const banner = page.getByRole('alert', { name: '复核结论变化' });
  await expect(banner).toContainText('张秀兰', { timeout: 30_000 });
  await expect(banner).toContainText('备案已取消');
  await expect(page.getByText('此次离线核验的结论已在联网复核后变化')).toBeVisible();
  await page.screenshot({ path: `${ARTIFACTS}/identity-4-changed.png`, fullPage: true });

  await page.getByRole('button', { name: '查看复核结论' }).click();
  await expect(decision.getByTestId('decision')).toHaveText('不能直接结算');
  await expect(page.getByTestId('changed-here')).toContainText('原“已备案，可直接结算”');
  await page.getByTestId('changed-here').getByRole('button', { name: '知道了' }).click();
  await expect(banner).toHaveCount(0);

  await page.getByRole('button', { name: '打印零星报销告知' }).click();
  const sheet = page.getByRole('article', { name: '零星报销告知书' });
  await expect(sheet).toContainText('3 个月内');
  await expect(sheet).toContainText('备案已取消');
  await page.screenshot({ path: `${ARTIFACTS}/identity-5-advice-preview.png` });
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: `${ARTIFACTS}/identity-6-advice-print.png`, fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await page.keyboard.press('Escape');
  await expect(sheet).toHaveCount(0);
  await expect(page.getByRole('heading', { name: '身份核验与备案判定' })).toBeVisible();
});

test('a roster download that would drop most registrations waits for the supervisor on the identity screen', async ({ page }) => {
  const insert = agency.store.db.prepare(`INSERT INTO registrations (agency_id, certno, insuplc_admdvs, grp, basis, destination, effective_from, status, updated_at)
    VALUES (?, ?, '340802', 'referral', 'proof', '340100', '2026-10-01', 'active', '2026-11-01T00:00:00Z')`);
  for (let i = 0; i < 40; i++) insert.run(`E2E-${i}`, id(`34080219700101${String(i).padStart(3, '0')}`));
  expect((await ctx.desk.roster.download()).status).toBe('applied');
  agency.store.db.prepare(`DELETE FROM registrations WHERE agency_id LIKE 'E2E-%'`).run();
  expect((await ctx.desk.roster.download()).status).toBe('held');

  await login(page, 'super01');
  const panel = page.getByLabel('备案名单');
  await expect(panel).toContainText('本次下载暂未应用');
  await expect(panel).toContainText('须主管核实后确认');
  const before = await panel.getByTestId('roster-active').textContent();
  await page.screenshot({ path: `${ARTIFACTS}/identity-7-roster-held.png`, fullPage: true });
  page.once('dialog', (d) => void d.accept());
  await panel.getByRole('button', { name: '确认应用' }).click();
  await expect(panel).not.toContainText('本次下载暂未应用');
  await expect(panel.getByTestId('roster-active')).not.toHaveText(before ?? '');
  await expect(panel).toContainText('最近更新');
});

test('after a refusal, an unknown person and an answer the scan field is focused with its text selected', async ({ page }) => {
  const zhang = DEMO_PATIENTS[0];
  await login(page);

  // The credential is not accepted: an out-of-province insured person's ID card alone.
  await scan(page, zhang.certno);
  await expect(page.getByRole('alert').filter({ hasText: REFUSED })).toBeVisible();
  await expectReadyForNextScan(page.getByLabel('就诊凭证'), zhang.certno);

  // The agency does not know the person.
  const nobody = `X99990009|${id('34010219800101999')}`;
  await scan(page, nobody);
  await expect(page.getByRole('alert').filter({ hasText: UNKNOWN })).toBeVisible();
  await expectReadyForNextScan(page.getByLabel('就诊凭证'), nobody);
  await page.screenshot({ path: `${ARTIFACTS}/identity-8-unknown-focused.png`, fullPage: true });

  // An answer: the next scan goes into the same field.
  const card = `${zhang.cardNo}|${zhang.certno}`;
  await scan(page, card);
  await expect(page.getByTestId('person-name')).toHaveText(zhang.name);
  await expectReadyForNextScan(page.getByLabel('就诊凭证'), card);
});
