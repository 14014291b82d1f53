import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { todayCST } from '../../../shared/dates.ts';

/**
 * Sample fee files of the hospital system (docs/fee-import.md) for the demo: one stay's lines in
 * a GBK CSV with Chinese headers (as Excel saves it on Chinese Windows) and in the 2301 JSON
 * shape. Their fee times are on the given day, the newcomer's admission day (an admission
 * registered today, the checked date): the import refuses a line before the admission date or
 * after today. `npm start` rewrites them for today when their day is another; `npm run samples`
 * does it by hand.
 */
export const SAMPLE_FILES = { csv: '费用明细-演示-GBK.csv', json: '费用明细-演示.json' } as const;

interface SampleLine {
  sn: string;
  time: string;
  codg: string;
  medins: string;
  name: string;
  cnt: string;
  pric: string;
  sum: string;
  selfpay: '0' | '1';
}

const DEPT = '骨科';
const DOCTOR = '刘志强';

/** The lines (codes from the demo catalogue; amounts = 数量 × 单价). */
export function sampleFeeLines(day: string): SampleLine[] {
  const rows: [string, string, string, string, string, string, string, '0' | '1'][] = [
    ['08:10:00', '001102000010000', 'FW0001', '三级医院床位费（普通病房）', '1', '45.00', '45.00', '0'],
    ['08:20:00', '001101000010000', 'FW0002', '住院诊查费', '1', '20.00', '20.00', '0'],
    ['08:30:00', '002201000010000', 'FW0004', '血常规（五分类）', '1', '25.00', '25.00', '0'],
    ['09:00:00', '002100000010000', 'FW0003', 'X线摄影（DR）', '2', '90.00', '180.00', '0'],
    ['10:00:00', 'XJ01DCC028A001010101445', 'YP0001', '头孢呋辛钠注射液', '6', '18.50', '111.00', '0'],
    ['10:05:00', 'XA02BCA211A001010104321', 'YP0002', '奥美拉唑肠溶胶囊', '14', '1.20', '16.80', '0'],
    ['13:30:00', '003310000010000', 'FW0005', '股骨颈骨折闭合复位内固定术', '1', '4200.00', '4200.00', '0'],
    ['13:40:00', 'C03030100100000000', 'HC0001', '空心加压螺钉（钛合金）', '3', '2650.00', '7950.00', '0'],
    ['18:00:00', '001201000010000', 'FW0006', '一级护理', '1', '30.00', '30.00', '0'],
    ['18:10:00', 'ZZ0000000000001', 'ZF0001', '单人病房差价', '1', '120.00', '120.00', '1'],
  ];
  return rows.map(([t, codg, medins, name, cnt, pric, sum, selfpay], i) => ({
    sn: `DEMO-${day.replaceAll('-', '')}-${String(i + 1).padStart(3, '0')}`,
    time: `${day} ${t}`,
    codg, medins, name, cnt, pric, sum, selfpay,
  }));
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** The GBK CSV with Chinese headers, as bytes. */
export function sampleCsv(day: string): Buffer {
  const header = ['费用明细流水号', '费用发生时间', '医保目录编码', '院内编码', '项目名称', '数量', '单价', '金额', '开单科室', '开单医生', '自费标志'];
  const lines = sampleFeeLines(day).map((l) => [l.sn, l.time, l.codg, l.medins, l.name, l.cnt, l.pric, l.sum, DEPT, DOCTOR, l.selfpay].map(csvCell).join(','));
  return iconv.encode(`${[header.join(','), ...lines].join('\r\n')}\r\n`, 'gbk');
}

/** The 2301 JSON shape ({"feedetail": [...]}, national field names). */
export function sampleJson(day: string): string {
  const feedetail = sampleFeeLines(day).map((l) => ({
    // Another series of numbers than the CSV: both files can be imported into the same stay.
    feedetl_sn: l.sn.replace('DEMO-', 'DEMOJ-'),
    fee_ocur_time: l.time,
    med_list_codg: l.codg,
    medins_list_codg: l.medins,
    name: l.name,
    cnt: l.cnt,
    pric: l.pric,
    det_item_fee_sumamt: l.sum,
    bilg_dept_name: DEPT,
    bilg_dr_name: DOCTOR,
    selfpay_flag: l.selfpay,
  }));
  return `${JSON.stringify({ feedetail }, null, 2)}\n`;
}

/** The day the samples in `dir` are dated, or null when they are missing. */
export function samplesDay(dir: string): string | null {
  const file = join(dir, SAMPLE_FILES.json);
  if (!existsSync(file) || !existsSync(join(dir, SAMPLE_FILES.csv))) return null;
  const m = /"fee_ocur_time": "(\d{4}-\d{2}-\d{2})/.exec(readFileSync(file, 'utf8'));
  return m?.[1] ?? null;
}

/** Writes both samples dated `day` (default today CST) unless they already are; returns whether it wrote. */
export function writeDemoSamples(dir: string, day: string = todayCST()): boolean {
  if (samplesDay(dir) === day) return false;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SAMPLE_FILES.csv), sampleCsv(day));
  writeFileSync(join(dir, SAMPLE_FILES.json), sampleJson(day));
  return true;
}
