import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectedEntry, readZip, writeZip, ZipError } from '../../electron/agency/zip.ts';
import { AgencyMessageError } from '../../shared/agency/envelope.ts';
import {
  detailFileText, fileDownloadInput, fileUploadInput, national3202Input, readDetailFile, readDetailStatement, readFileDownload, readFileUpload, readResultFile, resultFileText,
  type DetailRow, type ResultRow,
} from '../../shared/agency/files.ts';
import { compareDetail, type DeskDetailRecord } from '../../shared/detailReconciliation.ts';
import { Decimal } from '../../shared/money.ts';

const LIMIT = { maxEntryBytes: 1 << 20 };

describe('zip', () => {
  it('writes what it reads back, several entries, UTF-8 names', () => {
    const zip = writeZip([{ name: '对账明细.txt', data: Buffer.from('甲\t乙\n') }, { name: 'b/empty.txt', data: new Uint8Array(0) }]);
    const got = readZip(zip, LIMIT);
    expect(got.map((e) => e.name)).toEqual(['对账明细.txt', 'b/empty.txt']);
    expect(Buffer.from(got[0]!.data).toString('utf8')).toBe('甲\t乙\n');
    expect(got[1]!.data.length).toBe(0);
    expect(expectedEntry(got, '对账明细.txt').name).toBe('对账明细.txt');
    expect(() => expectedEntry(got)).toThrow(/只含一个文件/);
    expect(() => expectedEntry(got, 'x.txt')).toThrow(/没有预期的文件 x\.txt/);
  });

  it('refuses what is not a whole, honest ZIP', () => {
    const zip = writeZip([{ name: 'a.txt', data: Buffer.from('hello world '.repeat(100)) }]);
    expect(() => readZip(Buffer.from('PK? not really'), LIMIT)).toThrow(ZipError);
    expect(() => readZip(Buffer.from('{"infcode":0}'.padEnd(40)), LIMIT)).toThrow(/不是 ZIP/);
    expect(() => readZip(zip.subarray(0, zip.length - 10), LIMIT)).toThrow(/不完整/);
    // One byte of the data flipped: the CRC (or inflate) says so.
    const bad = Buffer.from(zip);
    bad[40] = bad[40]! ^ 0xff;
    expect(() => readZip(bad, LIMIT)).toThrow(ZipError);
    expect(() => readZip(zip, { maxEntryBytes: 100 })).toThrow(/超过上限 100 字节/);
  });

  it('a directory that lies about the size cannot inflate past the bound', () => {
    const big = Buffer.alloc(2_000_000, 0x41);
    const zip = writeZip([{ name: 'a.txt', data: big }]);
    // Claim 10 bytes uncompressed in the central directory (offset 24 of its record).
    const dirAt = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const liar = Buffer.from(zip);
    liar.writeUInt32LE(10, dirAt + 24);
    expect(() => readZip(liar, { maxEntryBytes: 1000 })).toThrow(ZipError);
    expect(deflateRawSync(big).length).toBeLessThan(10_000);
  });
});

const ROW: DetailRow = { setl_id: 'S1', mdtrt_id: 'M1', psn_no: 'P1', medfee_sumamt: '1000.00', fund_pay_sumamt: '700.00', acct_pay: '0.00', refd_setl_flag: '0' };

describe('the 3202 files', () => {
  it('detail rows round-trip as header-less tab-separated lines', () => {
    const rev: DetailRow = { ...ROW, setl_id: 'S2', medfee_sumamt: '-1000.00', fund_pay_sumamt: '-700.00', refd_setl_flag: '1' };
    const text = detailFileText([ROW, rev]);
    expect(text).toBe('S1\tM1\tP1\t1000.00\t700.00\t0.00\t0\nS2\tM1\tP1\t-1000.00\t-700.00\t0.00\t1\n');
    expect(readDetailFile(text)).toEqual([ROW, rev]);
    expect(readDetailFile(`\uFEFF${text.replace(/\n/g, '\r\n')}\r\n`)).toEqual([ROW, rev]);
    expect(detailFileText([])).toBe('');
  });

  it('refuses a field with a tab, a short line, a bad amount or flag', () => {
    expect(() => detailFileText([{ ...ROW, psn_no: 'P\t1' }])).toThrow(AgencyMessageError);
    expect(() => readDetailFile('S1\tM1\tP1\t1000.00\t700.00\t0.00\n')).toThrow(/应有 7 列/);
    expect(() => readDetailFile('S1\tM1\tP1\t10.001\t700.00\t0.00\t0\n')).toThrow(/medfee_sumamt 不是金额/);
    expect(() => readDetailFile('S1\tM1\tP1\t10.00\t700.00\t0.00\t2\n')).toThrow(/refd_setl_flag 应为 0 或 1/);
  });

  it('result rows round-trip; a row without memo is read', () => {
    const r: ResultRow = { psn_no: 'P1', mdtrt_id: 'M1', setl_id: 'S1', msgid: 'H34010400001202603100900000001', stmt_rslt: '1', refd_setl_flag: '0', memo: '金额不符' };
    expect(readResultFile(resultFileText([r]))).toEqual([r]);
    expect(readResultFile('P1\tM1\tS1\t\t0\t0\n')).toEqual([{ ...r, msgid: '', stmt_rslt: '0', memo: '' }]);
    expect(() => readResultFile('P1\tM1\tS1\t\tx\t0\t\n')).toThrow(/stmt_rslt/);
  });

  it('builds 9101 / 9102 / 3202 inputs with the national names and reads their answers', () => {
    expect(fileUploadInput('UEs=', 'a.zip', 'H1')).toEqual({ fsUploadIn: { in: 'UEs=', filename: 'a.zip', fixmedins_code: 'H1' } });
    expect(fileDownloadInput('F1', 'a.zip', 'H1')).toEqual({ fsDownloadIn: { file_qury_no: 'F1', filename: 'a.zip', fixmedins_code: 'H1' } });
    expect(readFileUpload({ file_qury_no: 'F1' }).fileQuryNo).toBe('F1');
    expect(readFileUpload({ result: { file_qury_no: 'F2', filename: 'x' } })).toEqual({ fileQuryNo: 'F2', filename: 'x' });
    expect(() => readFileUpload({})).toThrow(/file_qury_no/);
    expect(readFileDownload({ in: 'UEs=' })).toEqual({ base64: 'UEs=' });
    expect(readFileDownload({ in: [80, 75, -1] })).toEqual({ bytes: [80, 75, 255] });
    expect(() => readFileDownload({ filename: 'a' })).toThrow(/9102/);
    const input = national3202Input({ setlOptins: '340104', fileQuryNo: 'F1', day: '2026-03-09', medfee: new Decimal('10'), fund: new Decimal('7.5'), cash: new Decimal('2.5'), count: 2 });
    expect(input.data).toEqual({ setl_optins: '340104', clr_type: '21', file_qury_no: 'F1', stmt_begndate: '2026-03-09', stmt_enddate: '2026-03-09', medfee_sumamt: '10.00', fund_pay_sumamt: '7.50', cash_payamt: '2.50', fixmedins_setl_cnt: 2, refd_setl_flag: '0' });
    expect(readDetailStatement({ fileinfo: { file_qury_no: 'F9', filename: 'r.zip' } })).toEqual({ fileQuryNo: 'F9', filename: 'r.zip' });
    expect(readDetailStatement({ file_qury_no: 'F9' })).toEqual({ fileQuryNo: 'F9', filename: 'F9.zip' });
    expect(() => readDetailStatement(null)).toThrow(/3202/);
  });
});

describe('compareDetail', () => {
  const desk = (setl: string, over: Partial<DeskDetailRecord> = {}): DeskDetailRecord => ({ ...ROW, setl_id: setl, settlementId: Number(setl.slice(1)), msgid: `m-${setl}`, ...over });
  const row = (setl: string, over: Partial<ResultRow> = {}): ResultRow => ({ psn_no: 'P1', mdtrt_id: 'M1', setl_id: setl, msgid: `a-${setl}`, stmt_rslt: '0', refd_setl_flag: '0', memo: '', ...over });

  it('tells the three kinds apart and says what to do', () => {
    const r = compareDetail(
      [desk('S1'), desk('S2'), desk('S3'), desk('S4', { refd_setl_flag: '1' })],
      [row('S1'), row('S2', { stmt_rslt: '1', msgid: '', memo: '经办机构无此结算记录' }), row('S3', { stmt_rslt: '1', memo: '金额不符' }), row('S9', { stmt_rslt: '1', refd_setl_flag: '1', memo: '医院未上报' })],
    );
    expect(r.matched).toBe(1);
    const by = new Map(r.differences.map((d) => [d.setlId, d]));
    expect(by.get('S2')).toMatchObject({ kind: 'deskOnly', remedy: { infno: '2304', resend: true } });
    expect(by.get('S3')).toMatchObject({ kind: 'amountsDiffer', remedy: null, agency: { memo: '金额不符' } });
    expect(by.get('S3')!.desk!.medfee_sumamt).toBe('1000.00');
    expect(by.get('S9')).toMatchObject({ kind: 'platformOnly', desk: null, remedy: { infno: '2601', omsgid: 'a-S9', oinfno: '2305' } });
    expect(by.get('S9')!.action).toContain('a-S9');
    // S4 is missing from the result altogether: the platform does not hold it.
    expect(by.get('S4')).toMatchObject({ kind: 'deskOnly', agency: null, remedy: { infno: '2305', resend: true } });
    expect(r.differences).toHaveLength(4);
  });

  it('a platform-only row without msgid has no automatic remedy', () => {
    const r = compareDetail([], [row('S7', { stmt_rslt: '1', msgid: '' })]);
    expect(r.differences[0]).toMatchObject({ kind: 'platformOnly', remedy: null });
    expect(r.differences[0]!.action).toMatch(/查询原报文ID/);
  });
});
