// Over 400 lines: the pledge and slip PDFs and their CLI commands share the pdftotext helpers and inputs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fontReadCount, fontSource } from '../../electron/pdf/fonts.ts';
import { parsePledgeInput, renderPledge, renderPledgePdf } from '../../electron/pdf/pledgePdf.ts';
import { parseSlipInput, renderSlipPdf } from '../../electron/pdf/slipPdf.ts';
import { InputError } from '../../shared/errors.ts';
import { formatYuan } from '../../shared/money.ts';
import { computeSettlement, parseSettleInput, settleToJson } from '../../shared/settlement.ts';
import { inputError } from '../support/inputError.ts';
import { cliSettleInput } from '../support/cliExamples.ts';

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

/** `pdftotext -layout`, as an auditor would extract it; `-raw` gives content order (cell by cell). */
function textOf(pdf: Buffer, mode: '-layout' | '-raw' = '-layout'): string {
  return poppler('pdftotext', [mode, save(pdf), '-']);
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
      return inputError(() => parsePledgeInput(input));
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
// 结算单 (DOMAIN §7, 004 附件10, CLI.md `slip`)

/** The settle example of CLI.md: one B-class line, all of it under the deductible. */
const SETTLE_EXAMPLE = cliSettleInput();

/**
 * A stay that uses every row of the slip: a B-class drug, an implant over its price limit, a
 * bed (A), a self-paid dressing (C); the pool's yearly cap binds so the supplementary fund pays,
 * the patient is a civil servant and pays part from the personal account.
 */
const SETTLE_FULL = {
  ...SETTLE_EXAMPLE,
  group: 'emergency',
  poolPaidThisYear: '290000.00',
  civilServant: true,
  useAccount: true,
  accountBalance: '1500.00',
  fees: [
    { sn: '1', code: 'XA01', name: '头孢呋辛', class: 'B', qty: '10', price: '12.50', amount: '125.00', selfPayRatio: '0.10', limitPrice: null },
    { sn: '2', code: 'F001', name: '人工股骨头', class: 'B', qty: '1', price: '38000.00', amount: '38000.00', selfPayRatio: '0.20', limitPrice: '35000.00' },
    { sn: '3', code: 'A001', name: '床位费', class: 'A', qty: '14', price: '50.00', amount: '700.00', selfPayRatio: null, limitPrice: null },
    { sn: '4', code: 'C001', name: '进口敷料', class: 'C', qty: '3', price: '215.33', amount: '645.99', selfPayRatio: null, limitPrice: null },
  ],
};

const SLIP_HEADER = {
  province: '安徽省',
  scope: 'cross',
  patient: {
    name: '张三', sex: 'M', certno: '11010519491231002X', cardNo: null,
    insuredRegion: '420102', insuredRegionName: '湖北省武汉市江岸区', scheme: '310',
  },
  hospital: { name: '安徽医科大学第一附属医院', level: 3, regionName: '安徽省合肥市' },
  admission: {
    iptNo: 'ZY2026001234', way: '急诊', dept: '骨科', mainDiagnosis: '股骨颈骨折', otherDiagnosis: '高血压',
    admittedOn: '2026-10-01', dischargedOn: '2026-10-15',
  },
};
const SLIP_EXAMPLE = { ...SLIP_HEADER, settle: SETTLE_EXAMPLE };
const SLIP_FULL = { ...SLIP_HEADER, settle: SETTLE_FULL };

/** Every field of DOMAIN §7, as printed. */
const SLIP_LABELS = [
  '患者姓名', '性别', '年龄', '社会保障号码', '社会保障卡卡号（可选）', '参保地', '险种类型', '就医地', '医院名称',
  '医院等级', '入院方式', '住院号', '出院科室', '主要诊断', '次要诊断', '入院日期', '出院日期', '住院天数', '总费用',
  '统筹基金支付范围内费用', '乙类先行自付费用', '超限价自付费用', '自费费用', '基金支付合计金额', '个人现金支付金额',
  '本次起付标准',
];

describe('slip PDF (004 附件10)', () => {
  it('prints the title, the unit line, every field of §7 and the header values', async () => {
    const { pdf, pages } = await renderSlipPdf(parseSlipInput(SLIP_FULL), { reprint: false, printedOn: '2026-10-15' });
    expect(pages).toBe(1);
    expect(pageCount(pdf)).toBe(1);
    const raw = textOf(pdf, '-raw');
    const flat = raw.replace(/\s+/g, '');
    expect(raw.split('\n')[0]).toBe('安徽省跨省异地就医住院结算单');
    expect(flat).toContain('单位：元（保留两位小数）');
    // Labels are checked in the table itself: the text before the 注 lines, which repeat some.
    const table = flat.slice(0, flat.indexOf('注：'));
    for (const label of SLIP_LABELS) expect(table).toContain(label);
    // Values beside their labels (content order: label, value, label, value …).
    expect(raw).toContain('患者姓名 张三 性别 男 年龄 76'); // born 1949-12-31, admitted 2026-10-01
    expect(raw).toContain('社会保障号码 11010519491231002X 社会保障卡卡号（可选）');
    expect(raw).toContain('参保地 湖北省武汉市江岸区 险种类型 职工基本医疗保险');
    expect(raw).toContain('就医地 安徽省合肥市 医院名称 安徽医科大学第一附属医院 医院等级 三级');
    expect(raw).toContain('入院方式 急诊 住院号 ZY2026001234 出院科室 骨科');
    expect(raw).toContain('主要诊断 股骨颈骨折 次要诊断 高血压');
    expect(raw).toContain('入院日期 2026-10-01 出院日期 2026-10-15 住院天数 14');
    for (const sign of ['患者或家属签字：', '经办人：', '医院盖章：', '打印日期：2026-10-15']) expect(flat).toContain(sign);
    expect(flat).not.toContain('补打');
    expectEmbeddedSubsetFont(pdf);
    snapshotPng(pdf, 'slip');
  });

  it('prints the exact amounts of the settlement, the fund rows by name and the two identities', async () => {
    const { pdf, result } = await renderSlipPdf(parseSlipInput(SLIP_FULL), { reprint: false });
    const expected = computeSettlement(parseSettleInput(SETTLE_FULL));
    expect(settleToJson(result)).toEqual(settleToJson(expected));
    // Independent of the engine: the total is the sum of the lines, the identities hold.
    expect(formatYuan(result.medfee_sumamt)).toBe('39,470.99');
    expect(result.setldetail.map((f) => f.fund_pay_type)).toEqual(['310100', '330100', '320100']);
    expect(result.acct_pay.toFixed(2)).toBe('1500.00');

    const raw = textOf(pdf, '-raw');
    const y = formatYuan;
    const r = expected;
    expect(raw).toContain([r.medfee_sumamt, r.inscp_scp_amt, r.preselfpay_amt, r.overlmt_selfpay, r.fulamt_ownpay_amt].map(y).join(' '));
    expect(raw).toContain(`基金支付合计金额 ${y(r.fund_pay_sumamt)} 个人现金支付金额 ${y(r.psn_cash_pay)}`);
    const [pool, supp, cvl] = r.setldetail;
    // 注1: the names the insured region returned, each with its amount; 本次起付标准 and the
    // account payment share the fund rows as on 附件10.
    expect(raw).toContain(`${pool!.fund_pay_type_name} ${y(pool!.fund_payamt)} 本次起付标准 ${y(r.work.deductible)}`);
    expect(raw).toContain(`${supp!.fund_pay_type_name} ${y(supp!.fund_payamt)} 个人账户支付 ${y(r.acct_pay)}`);
    expect(raw).toContain(`${cvl!.fund_pay_type_name} ${y(cvl!.fund_payamt)}`);
    expect(raw).toContain('职工基本医疗保险统筹基金');
    expect(raw).toContain('大额医疗费用补助基金');
    expect(raw).toContain('公务员医疗补助基金');

    // 注2 and 注3 with the actual numbers (they may wrap; compare without white space).
    const flat = raw.replace(/\s+/g, '');
    const identity2 =
      `总费用${y(r.medfee_sumamt)}=统筹基金支付范围内费用${y(r.inscp_scp_amt)}+乙类先行自付费用${y(r.preselfpay_amt)}` +
      `+超限价自付费用${y(r.overlmt_selfpay)}+自费费用${y(r.fulamt_ownpay_amt)}`;
    const identity3 = `总费用${y(r.medfee_sumamt)}=基金支付合计${y(r.fund_pay_sumamt)}+个人账户支付${y(r.acct_pay)}+个人现金支付${y(r.psn_cash_pay)}`;
    expect(flat).toContain(identity2);
    expect(flat).toContain(identity3);
    expect(flat).toContain('总费用39,470.99=统筹基金支付范围内费用');
  });

  it('prints the CLI.md example: no fund paid, no account line, the whole amount in cash', async () => {
    const { pdf, result } = await renderSlipPdf(parseSlipInput(SLIP_EXAMPLE), { reprint: false });
    expect(settleToJson(result)).toMatchObject({ medfee_sumamt: '125.00', fund_pay_sumamt: '0.00', psn_cash_pay: '125.00', act_pay_dedc: '112.50', setldetail: [] });
    const raw = textOf(pdf, '-raw');
    expect(raw).toContain('125.00 112.50 12.50 0.00 0.00');
    expect(raw).toContain('基金支付合计金额 0.00 个人现金支付金额 125.00');
    // 本次起付标准 is the level-3 threshold (900.00), though the stay only reached 112.50 of it.
    expect(raw).toContain('本次起付标准 900.00');
    expect(raw).not.toContain('个人账户支付');
    const flat = raw.replace(/\s+/g, '');
    expect(flat).toContain('总费用125.00=统筹基金支付范围内费用112.50+乙类先行自付费用12.50+超限价自付费用0.00+自费费用0.00');
    expect(flat).toContain('总费用125.00=基金支付合计0.00+个人现金支付125.00');
    expect(pageCount(pdf)).toBe(1);
  });

  it('says 补打 only on a reprint', async () => {
    const input = parseSlipInput(SLIP_FULL);
    const first = await renderSlipPdf(input, { reprint: false });
    const again = await renderSlipPdf(input, { reprint: true });
    expect(flatTextOf(first.pdf)).not.toContain('补打');
    expect(flatTextOf(again.pdf)).toContain('补打');
    expect(pageCount(again.pdf)).toBe(1);
    snapshotPng(again.pdf, 'slip-reprint');
  });

  it("names the 险种 by the desk's 1901 dictionary when it has one, else the built-in table", async () => {
    const dicts = new Map([['insutype', new Map([['310', '职工医保（本地字典）']])]]);
    expect(flatTextOf((await renderSlipPdf(parseSlipInput(SLIP_FULL), { reprint: false, dicts })).pdf)).toContain('职工医保（本地字典）');
    expect(flatTextOf((await renderSlipPdf(parseSlipInput(SLIP_FULL), { reprint: false })).pdf)).not.toContain('本地字典');
  });

  it('titles an in-province slip with the province', async () => {
    const { pdf } = await renderSlipPdf(parseSlipInput({ ...SLIP_FULL, scope: 'in' }), { reprint: false });
    expect(textOf(pdf, '-raw').split('\n')[0]).toBe('安徽省省内异地就医住院结算单');
  });

  it('shows long names whole on one page, and a same-day stay as one day', async () => {
    const long = {
      ...SLIP_FULL,
      patient: { ...SLIP_FULL.patient, name: '阿卜杜热合曼·买买提'.repeat(3), cardNo: 'H12345678901234567890123', insuredRegionName: '新疆维吾尔自治区伊犁哈萨克自治州伊宁市巴彦岱镇' },
      hospital: { ...SLIP_FULL.hospital, name: '哈尔滨医科大学附属第一医院（群力院区）国家区域医疗中心分院', regionName: '黑龙江省哈尔滨市道里区群力新区' },
      admission: {
        ...SLIP_FULL.admission,
        iptNo: 'ZY2026001234567890123456789012',
        dept: '创伤骨科（关节外科）病区',
        mainDiagnosis: '股骨颈骨折（右侧，GardenIV型）伴髋关节脱位、多发肋骨骨折、创伤性血气胸、肺挫伤',
        otherDiagnosis: '高血压病3级（极高危）、2型糖尿病伴多个并发症、慢性阻塞性肺疾病急性加重',
        dischargedOn: '2026-10-01',
      },
    };
    const { pdf, pages } = await renderSlipPdf(parseSlipInput(long), { reprint: true });
    expect(pages).toBe(1);
    expect(pageCount(pdf)).toBe(1);
    // Content order keeps a wrapped cell's lines together; -layout interleaves neighbouring cells.
    const flat = textOf(pdf, '-raw').replace(/\s+/g, '');
    for (const v of [long.patient.name, long.patient.insuredRegionName, long.hospital.name, long.hospital.regionName, long.admission.mainDiagnosis, long.admission.otherDiagnosis, long.admission.dept, long.admission.iptNo, long.patient.cardNo]) {
      expect(flat).toContain(v.replace(/\s+/g, ''));
    }
    expect(textOf(pdf, '-raw')).toContain('住院天数 1');
    expect(flat).toContain('患者或家属签字：');
    snapshotPng(pdf, 'slip-long');
  });

  it('rejects bad input with the field and its path', () => {
    const bad = (input: unknown): InputError => {
      try {
        parseSlipInput(input);
      } catch (e) {
        if (e instanceof InputError) return e;
        throw e;
      }
      throw new Error('accepted');
    };
    const patient = SLIP_FULL.patient;
    expect(bad({ ...SLIP_FULL, patient: { ...patient, certno: '110105194912310021' } })).toMatchObject({ code: 'INVALID_ID', path: 'patient.certno' });
    expect(bad({ ...SLIP_FULL, scope: 'abroad' })).toMatchObject({ code: 'INVALID_VALUE', path: 'scope' });
    expect(bad({ ...SLIP_FULL, patient: { ...patient, sex: '男' } }).path).toBe('patient.sex');
    expect(bad({ ...SLIP_FULL, province: undefined })).toMatchObject({ code: 'MISSING_FIELD', path: 'province' });
    expect(bad({ ...SLIP_FULL, admission: { ...SLIP_FULL.admission, dischargedOn: '2026-09-30' } }).path).toBe('admission.dischargedOn');
    expect(bad({ ...SLIP_FULL, admission: { ...SLIP_FULL.admission, admittedOn: '2026-02-30' } }).path).toBe('admission.admittedOn');
    expect(bad({ ...SLIP_FULL, hospital: { ...SLIP_FULL.hospital, level: 2 } })).toMatchObject({ code: 'LEVEL_MISMATCH', path: 'hospital.level' });
    expect(bad({ ...SLIP_FULL, patient: { ...patient, scheme: '390' } })).toMatchObject({ code: 'SCHEME_MISMATCH', path: 'patient.scheme' });
    expect(bad({ ...SLIP_HEADER })).toMatchObject({ code: 'MISSING_FIELD', path: 'settle' });
    // The settlement's own errors keep their code, under `settle.`.
    const fees = [{ ...SETTLE_EXAMPLE.fees[0]!, amount: '999.00' }];
    const e = bad({ ...SLIP_FULL, settle: { ...SETTLE_EXAMPLE, fees } });
    expect(e.path.startsWith('settle.fees')).toBe(true);
    expect(e.message).toContain('金额');
  });
});

// ---------------------------------------------------------------------------------------------
// Once per process: the 8 MB font files are read from disk once, whatever is rendered.

describe('font cache', () => {
  it('reads each font file once per process', async () => {
    await renderPledgePdf(parsePledgeInput(PLEDGE));
    await renderPledgePdf(parsePledgeInput(PLEDGE_BY_RELATIVE));
    await renderSlipPdf(parseSlipInput(SLIP_FULL), { reprint: true });
    await renderSlipPdf(parseSlipInput(SLIP_EXAMPLE), { reprint: false });
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

describe('CLI slip', { timeout: CLI_TIMEOUT }, () => {
  it('writes the PDF and answers {pages, bytes, medfee_sumamt, fund_pay_sumamt, psn_cash_pay}', () => {
    const out = path.join(work, 'cli-slip.pdf');
    const r = runCli(['slip', '--out', out], JSON.stringify(SLIP_FULL));
    expect(r.code).toBe(0);
    const pdf = readFileSync(out);
    const s = settleToJson(computeSettlement(parseSettleInput(SETTLE_FULL)));
    expect(JSON.parse(r.stdout)).toEqual({
      pages: 1, bytes: pdf.length, medfee_sumamt: s.medfee_sumamt, fund_pay_sumamt: s.fund_pay_sumamt, psn_cash_pay: s.psn_cash_pay,
    });
    expect(s.medfee_sumamt).toBe('39470.99');
    expect(flatTextOf(pdf)).not.toContain('补打');
  });

  it('marks --reprint with 补打', () => {
    const out = path.join(work, 'cli-slip-reprint.pdf');
    const r = runCli(['slip', '--out', out, '--reprint'], JSON.stringify(SLIP_EXAMPLE));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pages: 1, medfee_sumamt: '125.00', fund_pay_sumamt: '0.00', psn_cash_pay: '125.00' });
    expect(flatTextOf(readFileSync(out))).toContain('补打');
  });

  it('exits 2 without --out, on an unknown option and on bad input, leaving no file', () => {
    const noOut = runCli(['slip', '--reprint'], JSON.stringify(SLIP_FULL));
    expect(noOut.code).toBe(2);
    expect(noOut.stdout).toBe('');
    expect(errorOf(noOut.stderr)).toMatchObject({ error: 'MISSING_ARGUMENT', path: 'out' });

    const dir = mkdtempSync(path.join(work, 'bad-slip-'));
    const out = path.join(dir, 's.pdf');
    const typo = runCli(['slip', '--out', out, '--reprnt'], JSON.stringify(SLIP_FULL));
    expect(typo.code).toBe(2);
    expect(errorOf(typo.stderr).error).toBe('UNKNOWN_OPTION');

    const bad = runCli(['slip', '--out', out], JSON.stringify({ ...SLIP_FULL, patient: { ...SLIP_FULL.patient, certno: '110105194912310021' } }));
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(errorOf(bad.stderr)).toMatchObject({ error: 'INVALID_ID', path: 'patient.certno' });
    expect(readdirSync(dir)).toEqual([]);
  });
  // Issue 21 p7: a 100,000-character policy version ran 193 s and 4.1 GB; at 1 MB it died out of memory.
  it('refuses an over-long text field by its path (exit 2) before any rendering, and an unwritable --out', () => {
    const dir = mkdtempSync(path.join(work, 'long-slip-'));
    const out = path.join(dir, 's.pdf');
    for (const size of [100_000, 1_000_000]) {
      const input = { ...SLIP_FULL, settle: { ...SLIP_FULL.settle, policy: { ...SLIP_FULL.settle.policy, version: 'v'.repeat(size) } } };
      const r = runCli(['slip', '--out', out], JSON.stringify(input));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      const err = errorOf(r.stderr);
      expect(err).toMatchObject({ error: 'TOO_LONG', path: 'settle.policy.version' });
      expect(err.message).toContain('2000');
    }
    const name = runCli(['slip', '--out', out], JSON.stringify({ ...SLIP_FULL, patient: { ...SLIP_FULL.patient, name: '张'.repeat(5000) } }));
    expect(errorOf(name.stderr)).toMatchObject({ error: 'TOO_LONG', path: 'patient.name' });
    expect(readdirSync(dir)).toEqual([]);

    // /proc refuses new files even to root, for whom every access check passes.
    const unwritable = runCli(['slip', '--out', '/proc/slip.pdf'], JSON.stringify(SLIP_FULL));
    expect(unwritable.code, unwritable.stderr).toBe(2);
    expect(errorOf(unwritable.stderr)).toMatchObject({ error: 'INVALID_OUT', path: 'out' });
  });
});
