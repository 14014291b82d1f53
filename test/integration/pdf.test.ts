import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fontReadCount, fontSource } from '../../electron/pdf/fonts.ts';
import { parsePledgeInput, renderPledge, renderPledgePdf } from '../../electron/pdf/pledgePdf.ts';
import { InputError } from '../../shared/errors.ts';

/**
 * Real PDFs, read back with Debian's poppler-utils (ARCHITECTURE.md, platform choice "PDF"):
 * the text must extract as Chinese, the font must be an embedded subset, the form one page.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const work = mkdtempSync(path.join(tmpdir(), 'pdf-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileNo = 0;
function save(pdf: Buffer, name = `doc${++fileNo}.pdf`): string {
  const file = path.join(work, name);
  writeFileSync(file, pdf);
  return file;
}

function poppler(tool: string, args: string[]): string {
  const r = spawnSync(`/usr/bin/${tool}`, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
  return r.stdout;
}

/** `pdftotext -layout`, as an auditor would extract it. */
function textOf(pdf: Buffer): string {
  return poppler('pdftotext', ['-layout', save(pdf), '-']);
}

/** The same text with all white space removed, for phrases that wrap across lines. */
function flatTextOf(pdf: Buffer): string {
  return textOf(pdf).replace(/\s+/g, '');
}

function pageCount(pdf: Buffer): number {
  const m = /^Pages:\s+(\d+)/m.exec(poppler('pdfinfo', [save(pdf)]));
  return Number(m?.[1]);
}

interface FontRow {
  name: string;
  emb: string;
  sub: string;
}
function fontsOf(pdf: Buffer): FontRow[] {
  return poppler('pdffonts', [save(pdf)])
    .split('\n')
    .slice(2)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      // name, type (may contain spaces), encoding, emb, sub, uni, object, gen
      const cols = l.trim().split(/\s+/);
      return { name: cols[0] ?? '', emb: cols.at(-5) ?? '', sub: cols.at(-4) ?? '' };
    });
}

function expectEmbeddedSubsetFont(pdf: Buffer): void {
  const fonts = fontsOf(pdf);
  expect(fonts.length).toBeGreaterThan(0);
  for (const f of fonts) {
    // A subset font's name carries a six-letter tag and a '+' (ISO 32000 9.6.4).
    expect(f.name).toMatch(/^[A-Z]{6}\+NotoSansHans/);
    expect(f.emb).toBe('yes');
    expect(f.sub).toBe('yes');
  }
}

/** A PNG of the first page in test/artifacts/ (gitignored), for a person to look at. */
function snapshotPng(pdf: Buffer, name: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  poppler('pdftoppm', ['-png', '-r', '60', '-singlefile', save(pdf), path.join(ARTIFACTS, name)]);
}

function runCli(args: string[], stdin: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'electron/cli/run.ts', ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** npx may print its own warnings on stderr; the CLI's error is the JSON line. */
function errorOf(stderr: string): { error: string; message: string; path: string } {
  const line = stderr.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON error on stderr: ${stderr}`);
  return JSON.parse(line) as { error: string; message: string; path: string };
}

// ---------------------------------------------------------------------------------------------
// 外伤无第三方责任承诺书 (004 附件8, CLI.md `pledge`)

const PLEDGE = {
  pledger: { name: '李四', phone: '13800000000', certType: '居民身份证', certNo: '11010519491231002X', relationship: null },
  patient: { name: '李四', certNo: '11010519491231002X' },
  injury: { time: '2026-10-01T14', place: '合肥市蜀山区长江西路', account: '骑自行车自行摔倒致右腕骨折' },
  agencyName: '合肥市医疗保障局',
};

/** A son signs for his father, who cannot (附件8 温馨提示2). */
const PLEDGE_BY_RELATIVE = {
  ...PLEDGE,
  pledger: { name: '王五', phone: '0551-62922114', certType: '居民身份证', certNo: '110105198001010016', relationship: '子女' },
};

describe('pledge PDF (004 附件8)', () => {
  it('prints the labels, the entered values, the statement, the refund undertaking and the legal warning', async () => {
    const pdf = await renderPledgePdf(parsePledgeInput(PLEDGE));
    const text = flatTextOf(pdf);
    for (const label of ['外伤无第三方责任承诺书', '承诺人', '联系电话', '证件类型', '证件号码', '承诺事项', '承诺内容：', '温馨提示：']) {
      expect(text).toContain(label);
    }
    for (const value of ['李四', '13800000000', '居民身份证', '11010519491231002X', '合肥市蜀山区长江西路', '骑自行车自行摔倒致右腕骨折']) {
      expect(text).toContain(value);
    }
    // The time as the form's 年 月 日 时 blanks, filled.
    expect(text).toContain('本人于2026年10月01日14时在合肥市蜀山区长江西路（地点）发生骑自行车自行摔倒致右腕骨折（外伤经过）');
    // Consent to information-sharing checks and credit reporting, naming the agency.
    expect(text).toContain('本人同意授权合肥市医疗保障局医保经办机构通过信息共享方式查询本人与办理医保业务相关的信息');
    expect(text).toContain('同意合肥市医疗保障局医保经办机构将本人虚假行为上报和纳入信用管理体系');
    // The no-third-party / no-work-injury statement and the full refund undertaking.
    expect(text).toContain('现承诺本次意外受伤与第三方责任或工伤责任无关');
    expect(text).toContain('如与第三方责任或工伤责任有关，则将已享受的医保待遇全额退回医保，并承担相应的法律责任。');
    // The legal warning (Criminal Law art. 266, fraud).
    expect(text).toContain('1.反欺诈法律提示：以虚构劳动关系、伪造证明材料或者其他手段骗取基本医疗保险待遇和生育保险待遇的，属于刑法第二百六十六条规定的诈骗公私财物的行为，将依法追究刑事责任。');
    expect(text).toContain('患者本人无法签字的由其近亲属代签');
    expect(text).toContain('承诺人（签名）：');
    expect(text).toMatch(/日期：年月日/);
    // Signed by the patient: no relative rows.
    expect(text).not.toContain('与患者关系');
    expect(text).not.toContain('患者姓名');
    expect(pageCount(pdf)).toBe(1);
    snapshotPng(pdf, 'pledge');
  });

  it('keeps the layout of the label rows (pdftotext -layout)', async () => {
    const text = textOf(await renderPledgePdf(parsePledgeInput(PLEDGE)));
    expect(text).toMatch(/承诺人\s+李四\s+联系电话\s+13800000000/);
    expect(text).toMatch(/证件类型\s+居民身份证\s+证件号码\s+11010519491231002X/);
    expect(text).toMatch(/承诺事项\s+外伤无第三方责任/);
  });

  it('prints the relationship and the patient’s own name and ID number when a relative signs', async () => {
    const pdf = await renderPledgePdf(parsePledgeInput(PLEDGE_BY_RELATIVE));
    const layout = textOf(pdf);
    expect(layout).toMatch(/承诺人\s+王五\s+联系电话\s+0551-62922114/);
    expect(layout).toMatch(/证件号码\s+110105198001010016/);
    expect(layout).toMatch(/患者姓名\s+李四\s+患者证件号码\s+11010519491231002X/);
    expect(layout).toMatch(/与患者关系\s+子女/);
    const text = flatTextOf(pdf);
    expect(text).toContain('患者李四于2026年10月01日14时在');
    expect(text).toContain('全额退回医保');
    expect(text).toContain('刑法第二百六十六条');
    expect(pageCount(pdf)).toBe(1);
    snapshotPng(pdf, 'pledge-relative');
  });

  it('keeps the longest inputs the schema allows on one page, signature line included', async () => {
    const long = {
      pledger: { ...PLEDGE_BY_RELATIVE.pledger, name: '欧阳'.repeat(15), relationship: '配偶'.repeat(5) },
      patient: { name: '司马'.repeat(15), certNo: PLEDGE.patient.certNo },
      injury: { time: '2026-10-01T14', place: '合'.repeat(60), account: '摔'.repeat(150) },
      agencyName: '局'.repeat(30),
    };
    const { pdf, pages } = await renderPledge(parsePledgeInput(long));
    expect(pages).toBe(1);
    expect(pageCount(pdf)).toBe(1);
    const text = flatTextOf(pdf);
    expect(text).toContain('承诺人（签名）：');
    expect(text).toContain('摔'.repeat(150));
  });

  it('embeds a subset of the CJK font', async () => {
    expectEmbeddedSubsetFont(await renderPledgePdf(parsePledgeInput(PLEDGE)));
  });

  it('rejects bad input with the field’s Chinese name and path', () => {
    const bad = (patch: (j: typeof PLEDGE & Record<string, unknown>) => unknown): InputError => {
      const j = structuredClone(PLEDGE) as typeof PLEDGE & Record<string, unknown>;
      const input = patch(j) ?? j;
      try {
        parsePledgeInput(input);
      } catch (e) {
        if (e instanceof InputError) return e;
        throw e;
      }
      throw new Error('accepted');
    };
    let e = bad((j) => void (j.pledger.phone = '12345'));
    expect([e.path, e.code]).toEqual(['pledger.phone', 'INVALID_FORMAT']);
    expect(e.message).toContain('联系电话');

    e = bad((j) => void (j.pledger.certNo = '110105194912310021'));
    expect([e.path, e.code]).toEqual(['pledger.certNo', 'INVALID_ID']);
    expect(e.message).toContain('校验位');

    e = bad((j) => void delete (j.injury as Partial<typeof j.injury>).place);
    expect([e.path, e.code, e.message]).toEqual(['injury.place', 'MISSING_FIELD', '缺少受伤地点']);

    e = bad((j) => void (j.injury.time = '2026-02-30T14'));
    expect(e.path).toBe('injury.time');
    e = bad((j) => void (j.injury.time = '2026-10-01T24'));
    expect(e.path).toBe('injury.time');
    e = bad((j) => void (j.injury.time = '2026-10-01 14:00'));
    expect(e.path).toBe('injury.time');

    e = bad((j) => void (j.agencyName = '  '));
    expect([e.path, e.code]).toEqual(['agencyName', 'EMPTY_FIELD']);

    // Signed "by the patient" (no relationship) but for someone else's ID number.
    e = bad((j) => void (j.patient.certNo = '110105198001010016'));
    expect(e.path).toBe('pledger.relationship');

    e = bad(() => 'not an object');
    expect(e.path).toBe('');
  });

  it('accepts a non-ID certificate without the citizen-ID check', () => {
    const j = { ...PLEDGE_BY_RELATIVE, pledger: { ...PLEDGE_BY_RELATIVE.pledger, certType: '护照', certNo: 'E12345678' } };
    expect(parsePledgeInput(j).pledger.certNo).toBe('E12345678');
  });
});

// ---------------------------------------------------------------------------------------------
// Once per process: the 8 MB font files are read from disk once, whatever is rendered.

describe('font cache', () => {
  it('reads each font file once per process', async () => {
    await renderPledgePdf(parsePledgeInput(PLEDGE));
    await renderPledgePdf(parsePledgeInput(PLEDGE_BY_RELATIVE));
    expect(fontReadCount()).toEqual({ regular: 1, bold: 1 });
  });

  it('hands pdfkit one parsed font per process, not the bytes to parse per document', () => {
    expect(Buffer.isBuffer(fontSource('regular'))).toBe(false);
    expect(fontSource('regular')).toBe(fontSource('regular'));
  });
});

// ---------------------------------------------------------------------------------------------
// The command line (CLI.md): exit 0 with the JSON answer, exit 2 with the error on bad input.

// Each run starts a fresh process through npx and tsx: seconds, more on a loaded machine.
const CLI_TIMEOUT = 120_000;

describe('CLI pledge', { timeout: CLI_TIMEOUT }, () => {
  it('writes the PDF and answers {pages, bytes}', () => {
    const out = path.join(work, 'cli-pledge.pdf');
    const r = runCli(['pledge', '--out', out], JSON.stringify(PLEDGE));
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { pages: number; bytes: number };
    const pdf = readFileSync(out);
    expect(answer).toEqual({ pages: 1, bytes: pdf.length });
    expect(flatTextOf(pdf)).toContain('刑法第二百六十六条');
  });

  it('exits 2 without --out', () => {
    const r = runCli(['pledge'], JSON.stringify(PLEDGE));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(errorOf(r.stderr)).toMatchObject({ error: 'MISSING_ARGUMENT', path: 'out' });
  });

  it('exits 2 on bad input and leaves no file behind', () => {
    const dir = mkdtempSync(path.join(work, 'bad-'));
    const out = path.join(dir, 'p.pdf');
    const r = runCli(['pledge', '--out', out], JSON.stringify({ ...PLEDGE, pledger: { ...PLEDGE.pledger, phone: 'abc' } }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(errorOf(r.stderr)).toMatchObject({ error: 'INVALID_FORMAT', path: 'pledger.phone' });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);

    const notJson = runCli(['pledge', '--out', out], '{');
    expect(notJson.code).toBe(2);
    expect(errorOf(notJson.stderr).error).toBe('INVALID_JSON');
  });
});
