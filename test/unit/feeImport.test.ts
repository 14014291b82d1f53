import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText, encodingLabel, fromBase64 } from '../../electron/services/textDecode.ts';
import { DEMO_CATALOGUE } from '../../electron/services/demo/demoData.ts';
import { parseCatalogueFile, type CatalogueItem } from '../../shared/catalogue.ts';
import { CsvSyntaxError, parseCsv } from '../../shared/csv.ts';
import { normaliseFeeTime, validateFeeFile, type FeeImportContext, type StoredFeeLine } from '../../shared/feeImport.ts';
import { parseDecimal, parseRatio } from '../../shared/money.ts';
import { detectFormat } from '../../shared/tableFile.ts';

const ITEMS = new Map<string, CatalogueItem>(DEMO_CATALOGUE.map((c) => [c.medListCodg, {
  medListCodg: c.medListCodg, medinsListCodg: c.medinsListCodg, name: c.name, medChrgitmType: c.medChrgitmType, chrgitmLv: c.chrgitmLv as '01' | '02' | '03',
  selfpayProp: parseRatio(c.selfpayProp), pricUplmtAmt: c.pricUplmtAmt === null ? null : parseDecimal(c.pricUplmtAmt), begndate: '2026-01-01', enddate: null,
}]));
// An item that left the catalogue in the middle of the year.
ITEMS.set('XX0000000000EXPIRED', { ...ITEMS.get('002201000010000')!, medListCodg: 'XX0000000000EXPIRED', enddate: '2026-09-30' });

const BED = '001102000010000';
const DRUG_B = 'XJ01DCC028A001010101445';
const HEADER = 'feedetl_sn,init_feedetl_sn,fee_ocur_time,med_list_codg,medins_list_codg,name,cnt,pric,det_item_fee_sumamt,bilg_dept_codg,bilg_dept_name,bilg_dr_codg,bilg_dr_name,etip_flag,etip_hosp_code,selfpay_flag';

function ctx(over: Partial<FeeImportContext> = {}): FeeImportContext {
  return {
    admittedAt: '2026-10-01 09:30:00', lastDay: '2026-10-15', emergency: false, catalogueVersion: '340100-2026-11',
    catalogue: (code) => ITEMS.get(code), existing: new Map(), ...over,
  };
}

/** One CSV line; `o` overrides columns by name. */
function row(o: Record<string, string> = {}): string {
  const d: Record<string, string> = {
    feedetl_sn: '1', init_feedetl_sn: '', fee_ocur_time: '2026-10-02 08:00:00', med_list_codg: BED, medins_list_codg: 'FW0001', name: '床位费',
    cnt: '1', pric: '45', det_item_fee_sumamt: '45.00', bilg_dept_codg: 'A03', bilg_dept_name: '骨科', bilg_dr_codg: 'D01', bilg_dr_name: '李医生',
    etip_flag: '0', etip_hosp_code: '', selfpay_flag: '0', ...o,
  };
  return HEADER.split(',').map((c) => d[c] ?? '').join(',');
}
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\r\n');

describe('fee import: parsing and per-row validation', () => {
  it('accepts a clean file and normalises times and amounts', () => {
    const v = validateFeeFile(csv(
      row(),
      row({ feedetl_sn: '2', fee_ocur_time: '2026/10/3 7:05', med_list_codg: DRUG_B, medins_list_codg: 'YP0001', name: '头孢呋辛钠注射液', cnt: '10', pric: '12.5', det_item_fee_sumamt: '125' }),
      row({ feedetl_sn: '3', fee_ocur_time: '20261004120000', cnt: '0.3333', pric: '3', det_item_fee_sumamt: '1.00' }),
    ), 'csv', ctx());
    expect(v.issues).toEqual([]);
    expect(v.lines.map((l) => [l.feedetlSn, l.feeOcurTime, l.amount.toFixed(2)])).toEqual([
      ['1', '2026-10-02 08:00:00', '45.00'], ['2', '2026-10-03 07:05:00', '125.00'], ['3', '2026-10-04 12:00:00', '1.00'],
    ]);
  });

  it('names the row (as Excel numbers it, header = 1) and the column of each error, and imports nothing', () => {
    const v = validateFeeFile(csv(
      row(),
      row({ feedetl_sn: '2', cnt: '2', det_item_fee_sumamt: '45.00' }),
      row({ feedetl_sn: '3', cnt: 'abc' }),
      row({ feedetl_sn: '4', pric: '-1' }),
      row({ feedetl_sn: '5', bilg_dr_name: '' }),
    ), 'csv', ctx());
    expect(v.lines).toEqual([]);
    expect(v.issues.map((i) => i.message)).toEqual([
      '第 3 行 det_item_fee_sumamt 列：金额 45.00 与 数量 2 × 单价 45 = 90.00 不符（允许误差 0.01）',
      '第 4 行 cnt 列：数量 不是有效数值：abc',
      '第 5 行 pric 列：单价不能为负数：-1（退费请用负数量）',
      '第 6 行 bilg_dr_name 列：缺少开单医生姓名',
    ]);
    expect(v.issues.map((i) => [i.row, i.column])).toEqual([[3, 'det_item_fee_sumamt'], [4, 'cnt'], [5, 'pric'], [6, 'bilg_dr_name']]);
  });

  it('amount = qty × price within 0.01: 0.01 off passes, 0.02 off fails', () => {
    expect(validateFeeFile(csv(row({ cnt: '3', pric: '0.3333', det_item_fee_sumamt: '1.01' })), 'csv', ctx()).issues).toEqual([]);
    expect(validateFeeFile(csv(row({ cnt: '3', pric: '0.3333', det_item_fee_sumamt: '1.02' })), 'csv', ctx()).issues[0]?.column).toBe('det_item_fee_sumamt');
  });

  it('a code not in the catalogue needs an explicit 自费; an item outside its validity window too', () => {
    const unknown = validateFeeFile(csv(row({ med_list_codg: 'NOPE001' })), 'csv', ctx());
    expect(unknown.issues[0]?.message).toBe('第 2 行 med_list_codg 列：医保目录编码 NOPE001 不在就医地目录（版本 340100-2026-11）中；目录外项目如按自费结算，请在 selfpay_flag 列填 1');
    const selfPaid = validateFeeFile(csv(row({ med_list_codg: 'NOPE001', selfpay_flag: '1' })), 'csv', ctx());
    expect(selfPaid.issues).toEqual([]);
    expect(selfPaid.lines[0]?.selfPay).toBe(true);
    const expired = validateFeeFile(csv(row({ med_list_codg: 'XX0000000000EXPIRED', fee_ocur_time: '2026-10-05 10:00:00' })), 'csv', ctx());
    expect(expired.issues[0]?.message).toContain('不在目录有效期内（2026-01-01 至 2026-09-30）');
    expect(validateFeeFile(csv(row({ selfpay_flag: '是的' })), 'csv', ctx()).issues[0]?.message).toBe('第 2 行 selfpay_flag 列：自费标志应为 1（是）或 0（否）：是的');
  });

  it('dates inside the stay: from the admission day to the discharge day (or today)', () => {
    const early = validateFeeFile(csv(row({ fee_ocur_time: '2026-09-30 23:59:59' })), 'csv', ctx());
    expect(early.issues[0]?.message).toBe('第 2 行 fee_ocur_time 列：费用发生时间 2026-09-30 23:59:59 早于入院日期 2026-10-01，不属于本次住院');
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-10-01 00:00:00' })), 'csv', ctx()).issues).toEqual([]);
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-10-15 23:59:59' })), 'csv', ctx()).issues).toEqual([]);
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-10-16 00:00:00' })), 'csv', ctx()).issues[0]?.message).toContain('晚于 2026-10-15');
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-02-30 10:00' })), 'csv', ctx()).issues[0]?.message).toContain('格式不正确');
  });

  it('an emergency admission takes the 72 hours before it (000 第十七条): 71:59 in, 72:01 out', () => {
    const em = ctx({ emergency: true });
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-09-28 09:31:00' })), 'csv', em).issues).toEqual([]);
    expect(validateFeeFile(csv(row({ fee_ocur_time: '2026-09-28 09:30:00' })), 'csv', em).issues).toEqual([]);
    const out = validateFeeFile(csv(row({ fee_ocur_time: '2026-09-28 09:29:00' })), 'csv', em);
    expect(out.issues[0]?.message).toContain('早于急诊入院前 72 小时（2026-09-28 09:30:00，000 第十七条）');
  });

  it('outside-exam lines need the outside hospital code', () => {
    expect(validateFeeFile(csv(row({ etip_flag: '1' })), 'csv', ctx()).issues[0]?.message).toBe('第 2 行 etip_hosp_code 列：外检标志为 1 时须填写外检医院编码（004 第三十九条）');
    const ok = validateFeeFile(csv(row({ etip_flag: '1', etip_hosp_code: 'H34010400002' })), 'csv', ctx());
    expect(ok.lines[0]).toMatchObject({ etipFlag: true, etipHospCode: 'H34010400002' });
  });
});

describe('fee import: duplicates and re-imports', () => {
  const stored = (o: Partial<StoredFeeLine> = {}): StoredFeeLine => ({
    feedetlSn: '1', initFeedetlSn: null, feeOcurTime: '2026-10-02 08:00:00', medListCodg: BED, medinsListCodg: 'FW0001', name: '床位费',
    cnt: '1', pric: '45', amount: '45.00', bilgDeptName: '骨科', bilgDrName: '李医生', etipFlag: false, selfPay: false, ...o,
  });

  it('a feedetl_sn twice in one file names both rows', () => {
    const v = validateFeeFile(csv(row(), row({ feedetl_sn: '2' }), row()), 'csv', ctx());
    expect(v.issues.map((i) => i.message)).toEqual(['第 4 行 feedetl_sn 列：费用明细流水号 1 在本文件中重复（与第 2 行相同）']);
    expect(v.lines).toEqual([]);
  });

  it('the same line again is left alone; the same feedetl_sn with other content is an error', () => {
    const existing = new Map([['1', stored()]]);
    const again = validateFeeFile(csv(row(), row({ feedetl_sn: '2' })), 'csv', ctx({ existing }));
    expect(again.issues).toEqual([]);
    expect(again.unchanged).toBe(1);
    expect(again.lines.map((l) => l.feedetlSn)).toEqual(['2']);
    const all = validateFeeFile(csv(row()), 'csv', ctx({ existing }));
    expect([all.lines.length, all.unchanged]).toEqual([0, 1]);
    const changed = validateFeeFile(csv(row({ cnt: '2', det_item_fee_sumamt: '90.00' })), 'csv', ctx({ existing }));
    expect(changed.issues[0]?.message).toBe('第 2 行 feedetl_sn 列：费用明细流水号 1 已导入过，但内容不同（已导入：床位费 数量 1 金额 45.00）；已导入的明细不能修改，更正请导入退费行（负数量并填写 init_feedetl_sn）');
  });

  it('refund lines: negative quantity pointing at the original, never more than was charged', () => {
    const charge = row({ feedetl_sn: '10', med_list_codg: DRUG_B, medins_list_codg: 'YP0001', name: '头孢', cnt: '10', pric: '12.5', det_item_fee_sumamt: '125.00' });
    const refund = (o: Record<string, string> = {}): string =>
      row({ feedetl_sn: '11', init_feedetl_sn: '10', med_list_codg: DRUG_B, medins_list_codg: 'YP0001', name: '头孢', cnt: '-4', pric: '12.5', det_item_fee_sumamt: '-50.00', ...o });
    const ok = validateFeeFile(csv(charge, refund()), 'csv', ctx());
    expect(ok.issues).toEqual([]);
    expect(ok.lines[1]).toMatchObject({ initFeedetlSn: '10' });
    expect(ok.lines[1]?.amount.toFixed(2)).toBe('-50.00');
    // The original may come later in the file, or from an earlier import.
    expect(validateFeeFile(csv(refund(), charge), 'csv', ctx()).issues).toEqual([]);
    const earlier = new Map([['10', stored({ feedetlSn: '10', medListCodg: DRUG_B, medinsListCodg: 'YP0001', name: '头孢', cnt: '10', pric: '12.5', amount: '125.00' })]]);
    expect(validateFeeFile(csv(refund()), 'csv', ctx({ existing: earlier })).issues).toEqual([]);

    const msgs = (text: string, c = ctx()): string[] => validateFeeFile(text, 'csv', c).issues.map((i) => i.message);
    expect(msgs(csv(refund({ init_feedetl_sn: '' })))).toEqual(['第 2 行 init_feedetl_sn 列：退费行（数量为负）须填写原费用明细流水号 init_feedetl_sn']);
    expect(msgs(csv(refund()))).toEqual(['第 2 行 init_feedetl_sn 列：原费用明细流水号 10 不存在（既不在本文件中，也未导入过）']);
    expect(msgs(csv(charge, refund({ cnt: '-11', det_item_fee_sumamt: '-137.50' })))).toEqual(['第 3 行 init_feedetl_sn 列：累计退费数量 11 超过原明细 10 的数量 10']);
    expect(msgs(csv(charge, refund(), refund({ feedetl_sn: '12', cnt: '-7', det_item_fee_sumamt: '-87.50' })))).toEqual(['第 4 行 init_feedetl_sn 列：累计退费数量 11 超过原明细 10 的数量 10']);
    expect(msgs(csv(charge, refund({ pric: '12', det_item_fee_sumamt: '-48.00' })))).toEqual(['第 3 行 init_feedetl_sn 列：退费单价 12 与原明细 10 的单价 12.5 不同']);
    expect(msgs(csv(charge, refund(), refund({ feedetl_sn: '12', init_feedetl_sn: '11', cnt: '-1', det_item_fee_sumamt: '-12.50' })))).toEqual(['第 4 行 init_feedetl_sn 列：原费用明细流水号 11 本身是退费行，退费应指向原收费行']);
    expect(msgs(csv(row({ init_feedetl_sn: '9' })))).toEqual(['第 2 行 init_feedetl_sn 列：只有退费行（数量为负）才填写原费用明细流水号']);
  });
});

describe('fee import: file shapes', () => {
  it('JSON as an array or as the 2301 node, errors by record and field', () => {
    const rec = { feedetl_sn: 1, fee_ocur_time: '2026-10-02 08:00:00', med_list_codg: BED, medins_list_codg: 'FW0001', name: '床位费', cnt: 1, pric: 45, det_item_fee_sumamt: 45, bilg_dept_name: '骨科', bilg_dr_name: '李医生' };
    expect(validateFeeFile(JSON.stringify([rec]), 'json', ctx()).lines).toHaveLength(1);
    const v = validateFeeFile(JSON.stringify({ feedetail: [rec, { ...rec, feedetl_sn: '2', cnt: 2 }] }), 'json', ctx());
    expect(v.issues.map((i) => i.message)).toEqual(['第 2 条 det_item_fee_sumamt 字段：金额 45.00 与 数量 2 × 单价 45 = 90.00 不符（允许误差 0.01）']);
    expect(validateFeeFile('{"feedetail": 3}', 'json', ctx()).issues[0]?.message).toBe('JSON 文件应为记录数组，或含 feedetail 数组的对象');
    expect(validateFeeFile('[1,', 'json', ctx()).issues[0]?.message).toMatch(/^文件不是有效的 JSON/);
  });

  it('a header without a required column is refused as a whole; Chinese captions are accepted', () => {
    const v = validateFeeFile('feedetl_sn,fee_ocur_time\r\n1,2026-10-02', 'csv', ctx());
    expect(v.issues).toEqual([{ row: 1, column: null, message: '第 1 行（表头）缺少必需的列：med_list_codg（医保目录编码）、medins_list_codg（医药机构目录编码/院内编码）、name（项目名称）、cnt（数量）、pric（单价）、det_item_fee_sumamt（明细项目费用总额/金额）、bilg_dept_name（开单科室名称/开单科室）、bilg_dr_name（开单医生姓名/开单医生）' }]);
    const zh = '费用明细流水号,费用发生时间,医保目录编码,医药机构目录编码,项目名称,数量,单价,金额,开单科室,开单医生\n1,2026-10-02 08:00:00,001102000010000,FW0001,床位费,1,45,45.00,骨科,李医生\n';
    expect(validateFeeFile(zh, 'csv', ctx()).lines).toHaveLength(1);
  });

  it('CSV: quoted commas, doubled quotes, line breaks inside quotes keep the row numbers true', () => {
    const recs = parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\n\n3,4');
    expect(recs).toEqual([
      { line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['x, y', 'say "hi"'] }, { line: 3, fields: ['two\nlines', 'z'] }, { line: 6, fields: ['3', '4'] },
    ]);
    expect(() => parseCsv('a,b\n"open,1')).toThrow(CsvSyntaxError);
    const v = validateFeeFile(csv(row({ name: '"床位费,单人间"' }), row({ feedetl_sn: '2', cnt: 'x' })), 'csv', ctx());
    expect(v.issues[0]?.row).toBe(3);
    expect(validateFeeFile(`${HEADER}\n${row()},extra,fields`, 'csv', ctx()).issues[0]?.message).toContain('第 2 行：字段数 18 多于表头的 16 列');
  });

  it('a file without lines, and a file netting below zero, are refused', () => {
    expect(validateFeeFile(HEADER, 'csv', ctx()).issues[0]?.message).toBe('文件中没有费用明细');
    expect(detectFormat('fees.CSV', '[')).toBe('csv');
    expect(detectFormat('export', ' [{"a":1}]')).toBe('json');
    expect(normaliseFeeTime('2026-10-02T08:00')).toBe('2026-10-02 08:00:00');
    expect(normaliseFeeTime('2026-10-02 24:00')).toBeNull();
  });
});

describe('text decoding of HIS exports', () => {
  const text = `${HEADER}\r\n${row({ name: '头孢呋辛钠注射液（国家集采）', bilg_dept_name: '骨科一病区', bilg_dr_name: '欧阳婧' })}\r\n`;

  it('decodes GBK (Excel on Chinese Windows), UTF-8 with and without BOM, and UTF-16', () => {
    const gbk = iconv.encode(text, 'gbk');
    expect(gbk.length).toBeLessThan(Buffer.byteLength(text));
    expect(decodeText(gbk)).toEqual({ text, encoding: 'gbk' });
    expect(decodeText(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))).toEqual({ text, encoding: 'utf-16le' });
    // A rare character outside GBK's two-byte range still round-trips through GB18030.
    expect(decodeText(iconv.encode('䶮', 'gb18030')).text).toBe('䶮');
  });

  it('a GBK file validates like its UTF-8 twin', () => {
    const { text: decoded } = decodeText(iconv.encode(text, 'gbk'));
    const v = validateFeeFile(decoded, 'csv', ctx());
    expect(v.issues).toEqual([]);
    expect(v.lines[0]).toMatchObject({ name: '头孢呋辛钠注射液（国家集采）', bilgDeptName: '骨科一病区', bilgDrName: '欧阳婧' });
  });

  it('base64 from the API', () => {
    expect(fromBase64(Buffer.from('abc').toString('base64'))?.toString()).toBe('abc');
    expect(fromBase64('data:text/csv;base64,YWJj')?.toString()).toBe('abc');
    expect(fromBase64('不是base64')).toBeNull();
  });
});

describe('catalogue file', () => {
  const H = 'med_list_codg,medins_list_codg,name,med_chrgitm_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt,begndate,enddate';

  it('parses a version with national fields; 乙 needs its ratio; 丙 defaults to all self-paid', () => {
    const r = parseCatalogueFile(`${H}\nA1,Y1,甲药,09,01,,,2026-01-01,\nB1,Y2,乙药,9,2,0.10,12.5,2026-01-01,2026-12-31\nC1,,丙项,14,03,,,2026-01-01,`, 'csv');
    expect(r.issues).toEqual([]);
    expect(r.items.map((i) => [i.medListCodg, i.chrgitmLv, i.medChrgitmType, i.selfpayProp.toFixed(), i.pricUplmtAmt?.toFixed() ?? null])).toEqual([
      ['A1', '01', '09', '0', null], ['B1', '02', '09', '0.1', '12.5'], ['C1', '03', '14', '1', null],
    ]);
  });

  it('names row and column; any error imports nothing', () => {
    const r = parseCatalogueFile(`${H}\nA1,Y1,甲药,09,01,,,2026-01-01,\nB1,Y2,乙药,09,02,,,2026-01-01,\nA1,Y3,重复,09,04,1.5,-1,2026-13-01,2025-02-30\nD1,,丁项,14,03,,,2026-06-01,2026-05-31`, 'csv');
    expect(r.items).toEqual([]);
    expect(r.issues.map((i) => i.message)).toEqual([
      '第 3 行 selfpay_prop 列：乙类项目缺少先行自付比例（selfpay_prop）',
      '第 4 行 med_list_codg 列：医保目录编码 A1 与第 2 行重复',
      '第 4 行 chrgitm_lv 列：收费项目等级无效：04（应为 01 甲类、02 乙类或 03 丙类）',
      '第 4 行 selfpay_prop 列：先行自付比例 应在 0 与 1 之间：1.5',
      '第 4 行 pric_uplmt_amt 列：限价不能为负数：-1',
      '第 4 行 begndate 列：开始日期应为 YYYY-MM-DD：2026-13-01',
      '第 4 行 enddate 列：结束日期应为 YYYY-MM-DD：2025-02-30',
      '第 5 行 enddate 列：结束日期 2026-05-31 早于开始日期 2026-06-01',
    ]);
  });
});

describe('fee file encodings and limits (issue 21 points 5–6, issue 17 point 3)', () => {
  it('a file mixing UTF-8 and GBK rows is refused naming the first differing row', () => {
    const head = Buffer.from('a,b\n', 'utf8');
    const gbkRow = iconv.encode('1,青霉素注射液\n', 'gbk');
    const utfRow = Buffer.from('2,阿莫西林胶囊\n', 'utf8');
    expect(() => decodeText(Buffer.concat([head, gbkRow, utfRow]))).toThrow(/第 3 行是 UTF-8 编码，而第 2 行是 GBK\/GB18030/);
    expect(() => decodeText(Buffer.concat([head, utfRow, gbkRow]))).toThrow(/第 3 行是 GBK\/GB18030 编码，而第 2 行是 UTF-8/);
  });

  it('GB18030 four-byte names decode exactly and a GBK label with them is GB18030', () => {
    const name = '欧阳\u{2003E}明\u{31350}';
    const r = decodeText(iconv.encode(`a\n${name}\n`, 'gb18030'), 'gb18030');
    expect(r).toEqual({ text: `a\n${name}\n`, encoding: 'gb18030' });
  });

  it('text cells over the national limit or with control characters are refused by row and column', () => {
    const v = validateFeeFile(`费用明细流水号,费用发生时间,医保目录编码,医药机构目录编码,项目名称,数量,单价,金额,开单科室,开单医生\r\n1,2026-10-02 10:00:00,X,Y,${'药'.repeat(201)},1,1,1.00,内科,张\u0007三\r\n`, 'csv', ctx());
    const msgs = v.issues.map((i) => i.message).join('\n');
    expect(msgs).toContain('第 2 行「项目名称」列（name）：长度 201 个字符，超过上限 200 个字符');
    expect(msgs).toContain('第 2 行「开单医生」列（bilg_dr_name）：第 2 个字符是控制字符 U+0007');
    expect(v.lines).toHaveLength(0);
  });
});

describe('GB18030 fee files with rare characters (issue 17 point 3)', () => {
  /** One character each of Ext B, C, D, E, F, G and two of the compatibility block (U+FA10 changes under NFC, U+FA0E does not). */
  const RARE = '\u{2003E}\u{2A700}\u{2B740}\u{2B820}\u{2CEB0}\u{30000}\u{FA0E}\u{FA10}';
  const text = csv(
    row({ feedetl_sn: 'R1', name: `床位费（${RARE}病区）`, bilg_dept_name: `骨科\u{2A700}`, bilg_dr_name: `欧阳${RARE}明` }),
    row({ feedetl_sn: 'R2', name: '床位费', bilg_dr_name: '李医生' }),
  );

  it('every Ext B–G character takes four bytes in GB18030 and has no GBK form; the compatibility ideographs round-trip', () => {
    for (const ch of RARE) {
      const cp = ch.codePointAt(0)!;
      const bytes = iconv.encode(ch, 'gb18030');
      expect(iconv.decode(bytes, 'gb18030'), `U+${cp.toString(16)}`).toBe(ch);
      if (cp < 0x10000) continue;
      expect(bytes.length, `U+${cp.toString(16)}`).toBe(4);
      expect(iconv.decode(iconv.encode(ch, 'gbk'), 'gbk'), `U+${cp.toString(16)}`).not.toBe(ch);
    }
  });

  it.each([[null], [encodingLabel('GBK')], [encodingLabel('gb2312')], [encodingLabel('GB18030')]])('a GB18030 file (label %s) decodes to exactly the text written and is reported as gb18030', (label) => {
    const bytes = iconv.encode(text, 'gb18030');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const r = decodeText(bytes, label);
    expect(r.encoding).toBe('gb18030');
    expect(r.text).toBe(text);
    const v = validateFeeFile(r.text, 'csv', ctx());
    expect(v.issues).toEqual([]);
    expect(v.lines).toHaveLength(2);
    expect(v.lines[0]).toMatchObject({ name: `床位费（${RARE}病区）`, bilgDeptName: '骨科\u{2A700}', bilgDrName: `欧阳${RARE}明` });
    // Nothing normalised on the way: the NFC-unstable U+FA10 is still there.
    expect(v.lines[0]!.bilgDrName).not.toBe(v.lines[0]!.bilgDrName.normalize('NFC'));
    expect([...v.lines[0]!.bilgDrName].map((c) => c.codePointAt(0)!.toString(16))).toEqual(['6b27', '9633', '2003e', '2a700', '2b740', '2b820', '2ceb0', '30000', 'fa0e', 'fa10', '660e']);
  });

  it('the same file without rare characters is plain GBK (reported gbk)', () => {
    const plain = csv(row({ feedetl_sn: 'P1', bilg_dr_name: '欧阳明' }));
    expect(decodeText(iconv.encode(plain, 'gbk'), encodingLabel('GBK'))).toEqual({ text: plain, encoding: 'gbk' });
  });

  it('a rare name counts as its characters against the 2301 limit (bilg_dr_name 50)', () => {
    const fifty = RARE.repeat(6) + '欧阳'; // 8 × 6 + 2 = 50 characters, 86 UTF-16 units
    expect(fifty.length).toBe(86);
    expect(validateFeeFile(csv(row({ bilg_dr_name: fifty })), 'csv', ctx()).issues).toEqual([]);
    const over = validateFeeFile(csv(row({ bilg_dr_name: `${fifty}明` })), 'csv', ctx());
    expect(over.issues.map((i) => i.message).join('\n')).toContain('长度 51 个字符，超过上限 50 个字符');
  });
});

describe('fee import: the stay\'s 发票号 (invono, issue 15)', () => {
  const base = { feedetl_sn: '1', fee_ocur_time: '2026-10-02 08:00:00', med_list_codg: BED, medins_list_codg: 'FW0001', name: '床位费', cnt: 1, pric: 45, det_item_fee_sumamt: 45, bilg_dept_name: '骨科', bilg_dr_name: '李医生' };
  it('reads it from JSON under its national name or the Chinese caption, a number as text', () => {
    expect(validateFeeFile(JSON.stringify([{ ...base, invono: 3400001234 }]), 'json', ctx())).toMatchObject({ issues: [], invono: '3400001234' });
    expect(validateFeeFile(JSON.stringify({ feedetail: [{ ...base, 发票号: 'FP-01' }, { ...base, feedetl_sn: '2' }] }), 'json', ctx())).toMatchObject({ issues: [], invono: 'FP-01' });
    expect(validateFeeFile(JSON.stringify([base]), 'json', ctx()).invono).toBeNull();
  });
  it('names the record and the field of a bad one once (too long: the length rule; a space: the characters), and imports nothing', () => {
    const v = validateFeeFile(JSON.stringify([{ ...base, invono: '1'.repeat(21) }, { ...base, feedetl_sn: '2', invono: 'FP 02' }]), 'json', ctx());
    expect(v.issues.map((i) => [i.row, i.column])).toEqual([[1, 'invono'], [2, 'invono']]);
    expect(v.issues[1]!.message).toMatch(/^第 2 条 invono 字段：发票号只能包含字母、数字和“-”：FP 02$/);
    expect(v).toMatchObject({ lines: [], invono: null });
  });
});
