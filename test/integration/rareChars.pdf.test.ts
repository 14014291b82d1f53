import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fallbackFor, fontRuns, hasGlyph, rareFontReadCount } from '../../electron/pdf/fonts.ts';
import { parsePledgeInput, renderPledgePdf } from '../../electron/pdf/pledgePdf.ts';
import { parseSlipInput, renderSlipPdf } from '../../electron/pdf/slipPdf.ts';
import { cliSettlePolicy } from '../support/cliExamples.ts';

/**
 * Issue 17: rare characters (生僻字) in a name print with a real glyph from the fonts shipped in
 * `fonts/` (not the system's) and come back from pdftotext as the same code points.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const work = mkdtempSync(path.join(tmpdir(), 'rare-pdf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One character of each block: Ext B, C, D, E, F, G and a compatibility ideograph (U+F900 豈, not NFC-stable). */
export const RARE = {
  extB: '\u{2003E}', extC: '\u{2A700}', extD: '\u{2B740}', extE: '\u{2B820}', extF: '\u{2CEB0}', extG: '\u{30000}', compat: '\u{F900}', compatSup: '\u{2F800}',
};
const RARE_NAME = `欧阳${Object.values(RARE).join('')}明`;

function save(pdf: Buffer, name: string): string {
  const file = path.join(work, name);
  writeFileSync(file, pdf);
  return file;
}
function run(tool: string, args: string[]): string {
  const r = spawnSync(`/usr/bin/${tool}`, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  return r.stdout;
}
function fontsOf(file: string): string[] {
  return run('pdffonts', [file]).split('\n').slice(2).filter((l) => l.trim() !== '');
}

const SLIP = {
  province: '安徽省',
  scope: 'cross',
  patient: { name: RARE_NAME, sex: 'M', certno: '11010519491231002X', cardNo: null, insuredRegion: '420102', insuredRegionName: '湖北省武汉市江岸区', scheme: '310' },
  hospital: { name: '安徽医科大学第一附属医院', level: 3, regionName: '安徽省合肥市' },
  admission: { iptNo: 'ZY2026001234', way: '急诊', dept: '骨科', mainDiagnosis: '股骨颈骨折', otherDiagnosis: '高血压', admittedOn: '2026-10-01', dischargedOn: '2026-10-15' },
  settle: {
    policy: cliSettlePolicy(),
    hospitalLevel: 3, group: 'referral', priorAdmissionsThisYear: 0, poolPaidThisYear: '0.00', supplementaryPaidThisYear: '0.00',
    civilServant: false, useAccount: false, accountBalance: '0.00',
    fees: [{ sn: '1', code: 'XA01', name: '头孢呋辛', class: 'B', qty: '10', price: '12.50', amount: '125.00', selfPayRatio: '0.10', limitPrice: null }],
  },
};

const PLEDGE = {
  pledger: { name: RARE_NAME, phone: '13800000000', certType: '居民身份证', certNo: '11010519491231002X', relationship: null },
  patient: { name: RARE_NAME, certNo: '11010519491231002X' },
  injury: { time: '2026-10-01T14', place: '合肥市蜀山区长江西路', account: '骑自行车自行摔倒致右腕骨折' },
  agencyName: '合肥市医疗保障局',
};

describe('rare characters in PDFs (issue 17)', () => {
  it('every test character has a glyph in a shipped fallback font, and runs never split a surrogate pair', () => {
    // Noto Sans Hans lacks Ext B–G; the compatibility ideograph U+F900 it has, its supplement not.
    for (const [block, ch] of Object.entries(RARE)) expect(hasGlyph(ch.codePointAt(0)!), block).toBe(true);
    for (const block of ['extB', 'extC', 'extD', 'extE', 'extF', 'extG', 'compatSup'] as const) expect(fallbackFor(RARE[block].codePointAt(0)!), block).not.toBeNull();
    const runs = fontRuns(RARE_NAME);
    expect(runs.map((r) => r.text).join('')).toBe(RARE_NAME);
    for (const r of runs) expect(r.text, "a lone surrogate").not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(runs[0]).toEqual({ text: '欧阳', font: 'cjk' });
    expect(runs.length).toBeGreaterThan(2);
  });

  it('the slip prints the name with real glyphs that pdftotext returns as the same code points', async () => {
    const { pdf, pages } = await renderSlipPdf(parseSlipInput(SLIP), { reprint: false, printedOn: '2026-10-15' });
    expect(pages).toBe(1);
    const file = save(pdf, 'slip-rare.pdf');
    // A name longer than its cell wraps; the code points must come back exactly, in order.
    const text = run('pdftotext', ['-raw', file, '-']);
    expect(text.replace(/\n/g, '')).toContain(RARE_NAME);
    const fonts = fontsOf(file);
    // Every font embedded as a subset: Noto plus the fallbacks the name needed.
    expect(fonts.length).toBeGreaterThanOrEqual(3);
    for (const f of fonts) expect(f).toMatch(/^[A-Z]{6}\+\S+.*\byes\s+yes\s+yes\b/);
    expect(fonts.some((f) => f.includes('YidiRareHanaB'))).toBe(true);
    expect(fonts.some((f) => f.includes('YidiRareBabelStone'))).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    run('pdftoppm', ['-png', '-r', '110', '-singlefile', file, path.join(ARTIFACTS, 'rare-slip')]);
    expect(readFileSync(path.join(ARTIFACTS, 'rare-slip.png')).length).toBeGreaterThan(1000);
  });

  it('the pledge prints pledger and patient names with real glyphs, extracted exactly', async () => {
    const file = save(await renderPledgePdf(parsePledgeInput(PLEDGE)), 'pledge-rare.pdf');
    const text = run('pdftotext', ['-raw', file, '-']).replace(/\n/g, '');
    expect(text.split(RARE_NAME).length - 1).toBeGreaterThanOrEqual(1);
    expect(fontsOf(file).some((f) => f.includes('YidiRareHanaB'))).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    run('pdftoppm', ['-png', '-r', '110', '-singlefile', file, path.join(ARTIFACTS, 'rare-pledge')]);
  });

  it('reads each fallback font file once per process', async () => {
    await renderPledgePdf(parsePledgeInput(PLEDGE));
    expect(rareFontReadCount()).toBe(3);
  });
});
