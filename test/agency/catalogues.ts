import type Database from 'better-sqlite3';
import { writeZip } from '../../electron/agency/zip.ts';
import { NATIONAL_FILE_LAYOUTS, catalogueFileRecord, type CataloguePageInfno, type NationalFileInfno } from '../../shared/agency/catalogues.ts';
import { readText, type JsonObject } from '../../shared/agency/envelope.ts';
import { DEMO_CATALOGUE } from '../../electron/services/demo/demoData.ts';
import { FileRefusal, keepFile, type FileTxContext } from './files.ts';

/**
 * The reference agency's national catalogues (docs/catalogue.md), served in every gateway
 * profile through the ordinary transactions: 1301–1311, 1313–1315, 1320 and 1321 answer the rows newer than `data.ver` as a
 * ZIP kept for 9102 (files.ts: Range on tif/plain, whole in gm's envelope); 1312, 1316–1319 and
 * 1901 answer pages. Rows are seeded with the helpers below (positional records in the shared
 * layouts, FILE_LAYOUTS, or raw lines to try a malformed file).
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS national_files (id INTEGER PRIMARY KEY, infno TEXT NOT NULL, ver TEXT NOT NULL, line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS national_pages (id INTEGER PRIMARY KEY, infno TEXT NOT NULL, row TEXT NOT NULL);`;

/** File rows at `ver` (each row's own `ver` column is set to it). */
export function seedCatalogueFile(db: Database.Database, infno: NationalFileInfno, ver: string, rows: readonly Record<string, string>[]): void {
  const layout = NATIONAL_FILE_LAYOUTS[infno];
  seedCatalogueLines(db, infno, ver, rows.map((r) => catalogueFileRecord(layout, { vali_flag: '1', enddate: '', ...r, ver })));
}

/** Raw lines as the file will hold them (a malformed one included). */
export function seedCatalogueLines(db: Database.Database, infno: NationalFileInfno, ver: string, lines: readonly string[]): void {
  db.exec(SCHEMA);
  const stmt = db.prepare('INSERT INTO national_files (infno, ver, line) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const l of lines) stmt.run(infno, ver, l);
  })();
}

export function seedCataloguePage(db: Database.Database, infno: CataloguePageInfno, rows: readonly JsonObject[]): void {
  db.exec(SCHEMA);
  const stmt = db.prepare('INSERT INTO national_pages (infno, row) VALUES (?, ?)');
  db.transaction(() => {
    for (const r of rows) stmt.run(infno, JSON.stringify(r));
  })();
}

/** Every row of a paged list is replaced (the platform's list changed). */
export function clearCataloguePage(db: Database.Database, infno: CataloguePageInfno): void {
  db.exec(SCHEMA);
  db.prepare('DELETE FROM national_pages WHERE infno = ?').run(infno);
}

function data(ctx: FileTxContext): JsonObject {
  const d = ctx.env.input.data;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new FileRefusal('交易输入缺少 data 节点');
  return d as JsonObject;
}

function fileTx(infno: NationalFileInfno): (ctx: FileTxContext) => JsonObject {
  return (ctx) => {
    const ver = readText(data(ctx).ver);
    if (ver === null || !/^\d+$/.test(ver)) throw new FileRefusal('data.ver 应为版本号（"0" 为全量）');
    ctx.store.db.exec(SCHEMA);
    const rows = ctx.store.db.prepare('SELECT line FROM national_files WHERE infno = ? AND CAST(ver AS INTEGER) > CAST(? AS INTEGER) ORDER BY id').all(infno, ver) as { line: string }[];
    if (rows.length === 0) return { file_qury_no: null, filename: null, dld_end_time: null, data_cnt: 0 };
    const name = `${infno}_${ver}_${ctx.now.getTime()}.txt`;
    const zip = writeZip([{ name, data: Buffer.from(rows.map((r) => r.line).join('\n') + '\n', 'utf8') }], ctx.now);
    const no = keepFile(ctx, `${name}.zip`, zip);
    return { file_qury_no: no, filename: `${name}.zip`, dld_end_time: null, data_cnt: rows.length };
  };
}

function pageTx(infno: CataloguePageInfno): (ctx: FileTxContext) => JsonObject {
  return (ctx) => {
    const d = data(ctx);
    const num = Number(readText(d.page_num) ?? '1');
    const size = Number(readText(d.page_size) ?? '100');
    if (!Number.isInteger(num) || num < 1 || !Number.isInteger(size) || size < 1 || size > 1000) throw new FileRefusal('page_num 应为正整数，page_size 应在 1 与 1000 之间');
    ctx.store.db.exec(SCHEMA);
    const total = (ctx.store.db.prepare('SELECT count(*) AS n FROM national_pages WHERE infno = ?').get(infno) as { n: number }).n;
    const rows = ctx.store.db.prepare('SELECT row FROM national_pages WHERE infno = ? ORDER BY id LIMIT ? OFFSET ?').all(infno, size, (num - 1) * size) as { row: string }[];
    return { data: rows.map((r) => JSON.parse(r.row) as JsonObject), recordCounts: total, pages: Math.ceil(total / size), pageNum: num, pageSize: size };
  };
}

export const CATALOGUE_TRANSACTIONS: Record<string, (ctx: FileTxContext) => JsonObject> = {
  ...Object.fromEntries((Object.keys(NATIONAL_FILE_LAYOUTS) as NationalFileInfno[]).map((i) => [i, fileTx(i)])),
  ...Object.fromEntries((['1312', '1316', '1317', '1318', '1319', '1901'] as const).map((i) => [i, pageTx(i)])),
};

export const NATIONAL_BEGIN = '2026-01-01';
const BEGIN = NATIONAL_BEGIN;
const DRUG_FILE: Record<string, '1301' | '1305' | '1306'> = { '09': '1301', '11': '1301', '08': '1306' };

/** The demo catalogue as the platform would publish it: items in their files, classes in 1312, limits in 1318, ratios in 1319, the hospital's codes in 1317. */
export function seedDemoNational(db: Database.Database, o: { bedLimit?: string } = {}): void {
  for (const infno of ['1301', '1305', '1306'] as const) {
    const items = DEMO_CATALOGUE.filter((c) => (DRUG_FILE[c.medChrgitmType] ?? '1305') === infno);
    seedCatalogueFile(db, infno, '1', items.map((c) => ({
      med_list_codg: c.medListCodg, drug_genname: c.name, medsrv_name: c.name, mcs_name: c.name, med_chrgitm_type: infno === '1305' ? c.medChrgitmType : '', begndate: BEGIN,
    })));
  }
  seedCatalogueFile(db, '1302', '1', [{ med_list_codg: 'T000700015', tcmherb_name: '黄芪', begndate: BEGIN }]);
  seedCataloguePage(db, '1312', [
    ...DEMO_CATALOGUE.map((c) => ({ hilist_code: c.medListCodg, hilist_name: c.name, chrgitm_lv: c.chrgitmLv, med_chrgitm_type: c.medChrgitmType, begndate: BEGIN, vali_flag: '1' })),
    { hilist_code: 'T000700015', hilist_name: '黄芪', chrgitm_lv: '01', begndate: BEGIN, vali_flag: '1' },
  ]);
  seedCataloguePage(db, '1316', DEMO_CATALOGUE.map((c) => ({ med_list_codg: c.medListCodg, hilist_code: c.medListCodg, vali_flag: '1' })));
  seedCataloguePage(db, '1318', DEMO_CATALOGUE.filter((c) => c.pricUplmtAmt !== null).map((c) => ({
    hilist_code: c.medListCodg, hilist_pric_uplmt_amt: c.medListCodg === '001102000010000' ? o.bedLimit ?? '50.00' : c.pricUplmtAmt, begndate: BEGIN, vali_flag: '1',
  })));
  seedCataloguePage(db, '1319', DEMO_CATALOGUE.filter((c) => c.selfpayProp !== '0').map((c) => ({ hilist_code: c.medListCodg, selfpay_prop: c.selfpayProp, begndate: BEGIN, vali_flag: '1' })));
  seedCataloguePage(db, '1317', DEMO_CATALOGUE.map((c) => ({ medins_list_codg: c.medinsListCodg, medins_list_name: c.name, med_list_codg: c.medListCodg, begndate: BEGIN, vali_flag: '1' })));
  seedCataloguePage(db, '1901', [{ type: 'med_type', value: '21', label: '普通住院', vali_flag: '1' }, { type: 'med_type', value: '22', label: '外伤住院', vali_flag: '1' }]);
}
