import { mkdirSync } from 'node:fs';
import { loginAt } from './login.ts';
import { expect, test, type Page } from '@playwright/test';
import iconv from 'iconv-lite';
import { checkCharacter } from '../../shared/citizenId.ts';
import { todayCST } from '../../shared/dates.ts';
import { seedPerson, seedRegistration, type ReferenceAgency } from '../agency/server.ts';
import { api } from '../support/deskHost.ts';
import { startSeededDesk } from '../support/identityDesk.ts';
import { FEE_HEADER, ITEM } from '../support/settlementFixtures.ts';
import { scan } from './scanner.ts';

/**
 * Issue 17 point 2: the identity and settlement screens show a name with a character of each CJK
 * extension (B–G) and of the compatibility block, drawn by the desk's own rare-character faces
 * (renderer/src/rareFonts.css), fetched from the local host only once such a name is on screen.
 * The name is pasted into the settlement search (Playwright `fill`) and found. A name the agency
 * sends with a private-use code point is shown as received, with the note.
 */
const ARTIFACTS = 'test/artifacts';
const TODAY = todayCST();
const NAME = '欧阳\u{2003E}\u{2A700}\u{2B740}\u{2B820}\u{2CEB0}\u{30000}\u{FA0E}\u{FA10}明';
const PUA_NAME = '王\u{E3A1}芳';
const idNo = (first17: string) => first17 + checkCharacter(first17);
const RARE = { certno: idNo('42010219800101123'), cardNo: 'R42010017', psnNo: 'RARE000001', name: NAME };
const ODD = { certno: idNo('42010219810202123'), cardNo: 'R42010025', psnNo: 'RARE000002', name: PUA_NAME };

let ctx: Awaited<ReturnType<typeof startSeededDesk>>['ctx'];
let stop: () => Promise<void>;

test.beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ ctx, stop } = await startSeededDesk((store) => seedRare(store)));
  await ctx.desk.connectivity.check();
});

test.afterAll(() => stop());

/** The two patients of this spec at the agency: a registered resettled retiree each. */
function seedRare(store: ReferenceAgency['store']): void {
  for (const p of [RARE, ODD]) {
    seedPerson(store, {
      psnNo: p.psnNo, certno: p.certno, psnName: p.name, gend: '1', brdy: p.certno.slice(6, 10) + '-' + p.certno.slice(10, 12) + '-' + p.certno.slice(12, 14), cardNo: p.cardNo,
      insuinfo: [{ insutype: '310', psnType: '11', insuplcAdmdvs: '420102', balc: '1200.00', psnInsuStas: '1', cvlservFlag: '0' }],
    });
    seedRegistration(store, {
      agencyId: `REG-${p.psnNo}`, certno: p.certno, psnNo: p.psnNo, psnName: p.name, insuplcAdmdvs: '420102',
      group: 'resettledRetiree', basis: 'proof', destination: '340100', effectiveFrom: '2024-05-01', proofSuppliedOn: null, status: 'active',
    });
  }
}

const login = (page: Page): Promise<void> => loginAt(page, ctx.host.openUrl);

/** The status of each rare face in document.fonts, by family. */
function faceStatus(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    document.fonts.forEach((f) => {
      const family = f.family.replace(/^["']|["']$/g, '');
      if (family.startsWith('Yidi Rare')) out[family] = f.status;
    });
    return out;
  });
}


/**
 * Which platform fonts Chromium actually drew a node's text with, and how many glyphs each
 * (DevTools CSS.getPlatformFontsForNode): a box drawn for a missing glyph shows up as a system
 * font, not as the desk's face.
 */
async function drawnWith(page: Page, locator: ReturnType<Page['getByTestId']>): Promise<Record<string, number>> {
  await locator.evaluate((el) => el.setAttribute('data-fonts-probe', '1'));
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '[data-fonts-probe="1"]' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return Object.fromEntries(fonts.map((f) => [f.familyName, f.glyphCount]));
  } finally {
    await locator.evaluate((el) => el.removeAttribute('data-fonts-probe'));
    await cdp.detach();
  }
}

/** Ext C–F drawn by Hanazono B, Ext G by BabelStone (this machine's Noto Sans CJK has none of them). */
const RARE_GLYPHS = { hanaB: 4, babelStone: 1 };
function rareGlyphs(fonts: Record<string, number>): { hanaB: number; babelStone: number } {
  const sum = (re: RegExp) => Object.entries(fonts).filter(([k]) => re.test(k)).reduce((a, [, n]) => a + n, 0);
  return { hanaB: sum(/HanaB/), babelStone: sum(/BabelStone/) };
}

test('identity and settlement screens draw the rare name with the desk’s own faces, fetched only when needed', async ({ page }) => {
  test.setTimeout(240_000);
  const fontRequests: string[] = [];
  const foreign: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol !== 'blob:' && url.protocol !== 'data:' && url.host !== new URL(ctx.host.url).host) foreign.push(r.url());
    if (/\.(ttf|otf)$/.test(url.pathname)) fontRequests.push(url.pathname);
  });
  await login(page);

  // Before any rare character is on screen no face has been fetched.
  const before = await faceStatus(page);
  expect(Object.keys(before).sort()).toEqual(['Yidi Rare BabelStone', 'Yidi Rare HanaA', 'Yidi Rare HanaB', 'Yidi Rare Noto']);
  expect(Object.values(before)).toEqual(['unloaded', 'unloaded', 'unloaded', 'unloaded']);
  expect(fontRequests).toEqual([]);

  // Identity (F2): the card is scanned, the agency's name is shown as sent.
  await page.keyboard.press('F2');
  await expect(page.getByRole('heading', { name: '身份核验与备案判定' })).toBeVisible();
  await scan(page.getByLabel('就诊凭证'), `${RARE.cardNo}|${RARE.certno}`);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  await expect(page.getByTestId('person-name')).toHaveText(NAME);
  expect(await page.getByTestId('person-name').evaluate((el) => el.textContent)).toBe(NAME);
  await expect(page.getByTestId('name-note')).toHaveCount(0);
  // Ext C–F are in Hanazono B, Ext G in BabelStone; this machine's Noto Sans CJK has none of them.
  await expect.poll(async () => { const s = await faceStatus(page); return [s['Yidi Rare HanaB'], s['Yidi Rare BabelStone']]; }, { timeout: 60_000 }).toEqual(['loaded', 'loaded']);
  await page.evaluate(() => document.fonts.ready);
  expect(fontRequests.some((p) => /hanazono-b-rare-[^/]*\.ttf$/.test(p))).toBe(true);
  expect(fontRequests.some((p) => /babelstone-han-rare-[^/]*\.ttf$/.test(p))).toBe(true);
  expect(await page.evaluate((name) => document.fonts.check('15px "Yidi Rare HanaB"', name), NAME)).toBe(true);
  // The name as drawn: every rare glyph from the desk's faces (a box would be drawn with a system font).
  await expect.poll(async () => rareGlyphs(await drawnWith(page, page.getByTestId('person-name'))), { timeout: 30_000 }).toEqual(RARE_GLYPHS);
  await page.screenshot({ path: `${ARTIFACTS}/rare-name-identity.png`, fullPage: true });
  await page.getByTestId('person-name').screenshot({ path: `${ARTIFACTS}/rare-name-identity-name.png` });

  // An admission with fees, through the API (the admission screen has its own tests).
  const token = (await page.evaluate(() => sessionStorage.getItem('desk.token')))!;
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await api(ctx.host, method, input, token);
    if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message}`);
    return r.body.result as T;
  };
  const checkId = (await call<{ check: { id: number } }>('identity.check', { credential: `${RARE.cardNo}|${RARE.certno}`, admissionDate: TODAY })).check.id;
  const adm = await call<{ id: number }>('admission.create', {
    checkId, iptNo: 'ZY-RARE-E2E', admittedAt: `${TODAY} 00:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
    diagCode: 'J18.900', diagName: '肺炎', doctorCode: 'D0012', doctorName: '李明', medType: '21', emergency: false, trauma: false, thirdParty: false,
  });
  const csv = [FEE_HEADER, ['E1', '', `${TODAY} 00:30:00`, ITEM.bed.code, ITEM.bed.hosp, ITEM.bed.name, '1', '45', '45.00', 'A03', '骨科', 'D0012', '李明', '0', '', '0'].join(',')].join('\r\n');
  await call('fees.import', { admissionId: adm.id, fileName: 'fees.csv', contentBase64: iconv.encode(csv, 'gb18030').toString('base64') });

  // Settlement (F4): the name pasted into the search finds the stay; the screen shows it whole.
  await page.keyboard.press('F4');
  await expect(page.getByRole('heading', { name: '结算', exact: true })).toBeVisible();
  const search = page.getByLabel('住院号或姓名');
  await search.fill(NAME);
  await expect(search).toHaveValue(NAME);
  const option = page.getByRole('option', { name: /ZY-RARE-E2E/ });
  await expect(option).toBeVisible();
  await expect(option).toContainText(NAME);
  await search.press('Enter');
  const opened = page.getByRole('heading', { level: 3 }).filter({ hasText: NAME });
  await expect(opened).toBeVisible();
  await expect(page.getByTestId('fee-totals')).toContainText('45.00');
  await expect.poll(async () => rareGlyphs(await drawnWith(page, opened)), { timeout: 30_000 }).toEqual(RARE_GLYPHS);
  await expect.poll(async () => rareGlyphs(await drawnWith(page, option)), { timeout: 30_000 }).toEqual(RARE_GLYPHS);
  await expect.poll(async () => rareGlyphs(await drawnWith(page, search)), { timeout: 30_000 }).toEqual(RARE_GLYPHS);
  await page.screenshot({ path: `${ARTIFACTS}/rare-name-settlement.png`, fullPage: true });
  await opened.screenshot({ path: `${ARTIFACTS}/rare-name-settlement-name.png` });

  expect(foreign).toEqual([]);
});

test('a name with a private-use code point is shown as the agency sent it, with the note, and the patient can be admitted', async ({ page }) => {
  await login(page);
  await page.keyboard.press('F2');
  await scan(page.getByLabel('就诊凭证'), `${ODD.cardNo}|${ODD.certno}`);
  await expect(page.getByTestId('decision')).toHaveText('可直接结算');
  expect(await page.getByTestId('person-name').evaluate((el) => el.textContent)).toBe(PUA_NAME);
  const note = page.getByTestId('name-note');
  await expect(note).toContainText('第 2 个字是私用区编码 U+E3A1');
  await expect(note).toContainText('不影响核验、入院和结算');
  await expect(page.getByRole('button', { name: '登记入院' })).toBeEnabled();
  await page.screenshot({ path: `${ARTIFACTS}/rare-name-identity-pua.png`, fullPage: true });
});
