import { describe, expect, it, onTestFinished } from 'vitest';
import { AgencyClient, type SignInProvider } from '../../electron/agency/client.ts';
import { readAgencyConfig, type GatewayProfileName } from '../../electron/agency/config.ts';
import { sm2GenerateKeyPair } from '../../electron/agency/gm/sm.ts';
import { catalogueItemsFor, currentCatalogueVersion } from '../../db/repos/catalogue.ts';
import { dictionaries, matchesFor } from '../../db/repos/nationalLists.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import { catalogueRowsOf, currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION } from '../../electron/services/demo/demoData.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { Desk } from '../../electron/services/desk.ts';
import { nationalCatalogueSpec, requestFullDownload } from '../../electron/sync/nationalCatalogue.ts';
import { runPagedDownload } from '../../electron/sync/pagedDownload.ts';
import { FILE_LAYOUTS, catalogueFileRecord } from '../../shared/agency/catalogues.ts';
import { readSignIn, type JsonObject } from '../../shared/agency/envelope.ts';
import { splitLine } from '../../shared/settlement.ts';
import { engineLine } from '../../shared/settlementFlow.ts';
import { clearCataloguePage, NATIONAL_BEGIN, seedCatalogueFile, seedCatalogueLines, seedCataloguePage, seedDemoNational as seedNational } from '../agency/catalogues.ts';
import { startReferenceAgency, type Institution, type ReferenceAgency } from '../agency/server.ts';
import { admit, b64, fails, feeCsv, ok, setup as setupDesk } from '../support/settlementFixtures.ts';
import { INST, tmpDir } from '../support/syncFixtures.ts';
import type { FeeImportResult } from '../../shared/api/settlement.ts';
import type { SyncDownloadView } from '../../shared/api/sync.ts';
import { addDays } from '../../shared/dates.ts';

/**
 * The national catalogue download (docs/catalogue.md) against the reference agency over HTTP:
 * files 1301–1306 by version through 9102, the paged 1312/1316–1319/1901, one new catalogue
 * version that the fee split uses, resumable after a cut and a kill, a malformed file refused
 * with its row and column, and the mass-deletion fail-safe.
 */

const BEGIN = NATIONAL_BEGIN;

async function setup(): Promise<{ agency: ReferenceAgency; desk: Desk; dataDir: string }> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  const dataDir = tmpDir();
  const ctx = { agency, desk: await Desk.open({ dataDir, demo: true, agencyUrl: agency.url, agencyTimeoutMs: 3000 }), dataDir };
  onTestFinished(async () => {
    ctx.desk.close();
    await agency.close();
  });
  return ctx;
}

/** The 就医地 split of one fee line by the current catalogue, as the fee list and the settlement compute it. */
function lineSplit(desk: Desk, code: string, pric: string): { in: string; pre: string; over: string; full: string } {
  const version = currentCatalogueVersion(desk.db)!;
  const item = catalogueItemsFor(desk.db, version, [code]).get(code) ?? null;
  const s = splitLine(engineLine({ feedetlSn: 'F1', medListCodg: code, name: '项目', cnt: '1', pric, amount: pric, selfPay: false, item }));
  return { in: s.in.toFixed(2), pre: s.pre.toFixed(2), over: s.over.toFixed(2), full: s.full.toFixed(2) };
}

function bedLineSplit(desk: Desk): { in: string; over: string } {
  const s = lineSplit(desk, '001102000010000', '60.00');
  return { in: s.in, over: s.over };
}

function versionsAsked(agency: ReferenceAgency, infno: string): string[] {
  const rows = agency.store.db.prepare('SELECT request FROM messages WHERE infno = ? ORDER BY received_at, rowid').all(infno) as { request: string }[];
  return rows.map((r) => String(((JSON.parse(r.request) as { input: { data: JsonObject } }).input.data).ver));
}

describe('national catalogue files and queries', () => {
  it('builds the catalogue the fee split uses from the files, 1312, 1318 限价 and 1319 先自付比例; 1317 and 1901 kept; the next run asks for the newer version only', async () => {
    const { agency, desk } = await setup();
    seedNational(agency.store.db);
    // The demo's own catalogue limits the bed fee at 45: 15 of a 60 yuan line is over the limit.
    expect(bedLineSplit(desk)).toEqual({ in: '45.00', over: '15.00' });

    const first = await desk.reference.download('national');
    expect(first).toMatchObject({ status: 'applied', last: { applied: DEMO_CATALOGUE.length + 1, removed: 0 } });
    const version = currentCatalogueVersionName(desk.db)!;
    expect(version).toBe('N1');
    const rows = catalogueRowsOf(desk.db, version);
    expect(rows.get('001102000010000')).toMatchObject({ pricUplmtAmt: '50', chrgitmLv: '01', medChrgitmType: '01', medinsListCodg: 'FW0001' });
    expect(rows.get('XJ01DCC028A001010101445')).toMatchObject({ medChrgitmType: '09', chrgitmLv: '02', selfpayProp: '0.1' });
    expect(rows.get('ZA09BAA0027010105102')).toMatchObject({ medChrgitmType: '11', selfpayProp: '0.05' });
    expect(rows.get('T000700015')).toMatchObject({ medChrgitmType: '10', chrgitmLv: '01', name: '黄芪' });
    // 1318 moved the limit: the same line now splits 50 / 10.
    expect(bedLineSplit(desk)).toEqual({ in: '50.00', over: '10.00' });
    expect(matchesFor(desk.db, ['FW0001']).get('FW0001')).toEqual([expect.objectContaining({ medListCodg: '001102000010000' })]);
    expect(dictionaries(desk.db).get('med_type')?.get('21')).toBe('普通住院');
    expect(versionsAsked(agency, '1301')).toEqual(['0']);
    // The old version stays for the settlements that used it.
    expect(catalogueRowsOf(desk.db, DEMO_CATALOGUE_VERSION).get('001102000010000')).toMatchObject({ pricUplmtAmt: '45.00' });

    // Version 2 of 1301 renames one drug and withdraws another (vali_flag 0); 1318 changes the bed fee again.
    seedCatalogueFile(agency.store.db, '1301', '2', [
      { med_list_codg: 'XJ01DCC028A001010101445', drug_genname: '注射用头孢呋辛钠', begndate: BEGIN },
      { med_list_codg: 'XA02BCA211A001010104321', drug_genname: '奥美拉唑肠溶胶囊', begndate: BEGIN, vali_flag: '0' },
    ]);
    clearCataloguePage(agency.store.db, '1318');
    // The limit differs by hospital level (hosp_lv): this level-3 desk takes its own row, not the first or the general one.
    seedCataloguePage(agency.store.db, '1318', [
      { hilist_code: '001102000010000', hilist_pric_uplmt_amt: '40.00', hosp_lv: '2', begndate: BEGIN, vali_flag: '1' },
      { hilist_code: '001102000010000', hilist_pric_uplmt_amt: '50.00', begndate: BEGIN, vali_flag: '1' },
      { hilist_code: '001102000010000', hilist_pric_uplmt_amt: '55.00', hosp_lv: '3', begndate: BEGIN, vali_flag: '1' },
    ]);
    const second = await desk.reference.download('national');
    expect(second).toMatchObject({ status: 'applied', last: { removed: 1 } });
    expect(versionsAsked(agency, '1301')).toEqual(['0', '1']);
    const now = catalogueRowsOf(desk.db, currentCatalogueVersionName(desk.db)!);
    expect(currentCatalogueVersionName(desk.db)).toBe('N2');
    expect(getInstitution(desk.db)?.level).toBe(3);
    expect(now.get('XJ01DCC028A001010101445')).toMatchObject({ name: '注射用头孢呋辛钠' });
    expect(now.has('XA02BCA211A001010104321')).toBe(false);
    // Items of files with no newer version are kept (an incremental download); 1318 is read whole
    // every time, so its new limit applies and a limit it no longer lists is gone.
    expect(now.get('001102000010000')).toMatchObject({ pricUplmtAmt: '55', name: '三级医院床位费（普通病房）' });
    expect(now.get('C03030100100000000')).toMatchObject({ pricUplmtAmt: null, selfpayProp: '0.2' });
    expect(bedLineSplit(desk)).toEqual({ in: '55.00', over: '5.00' });

    // Nothing new anywhere: no new version.
    expect(await desk.reference.download('national')).toMatchObject({ status: 'applied', last: { applied: 0, removed: 0 } });
    expect(currentCatalogueVersionName(desk.db)).toBe('N2');
  });

  it('is resumable: a 100,000-row 1301 with its 1318/1319 rows downloads in slices, a cut 9102 is completed, a killed desk goes on from its cursor, nothing applies before the end, and the split of a fee line changes', async () => {
    const ctx = await setup();
    seedNational(ctx.agency.store.db);
    const N = 100_000;
    const code = (i: number) => `XB${String(i).padStart(14, '0')}`;
    seedCatalogueFile(ctx.agency.store.db, '1301', '1', Array.from({ length: N }, (_, i) => ({ med_list_codg: code(i), drug_genname: `药品${i}`, begndate: BEGIN })));
    const priced = Array.from({ length: 1500 }, (_, i) => code(i * 60));
    seedCataloguePage(ctx.agency.store.db, '1312', priced.map((c) => ({ hilist_code: c, hilist_name: c, chrgitm_lv: '02', begndate: BEGIN, vali_flag: '1' })));
    seedCataloguePage(ctx.agency.store.db, '1318', priced.map((c) => ({ hilist_code: c, hilist_pric_uplmt_amt: '8.00', begndate: BEGIN, vali_flag: '1' })));
    seedCataloguePage(ctx.agency.store.db, '1319', priced.map((c) => ({ hilist_code: c, selfpay_prop: '0.15', begndate: BEGIN, vali_flag: '1' })));
    const target = code(42 * 60);
    // Not in the demo's catalogue: the whole 10-yuan line is 目录外 (paid in full by the patient).
    expect(lineSplit(ctx.desk, target, '10.00')).toEqual({ in: '0.00', pre: '0.00', over: '0.00', full: '10.00' });

    // Six slices of 1301 (of 20), then the run stops.
    const first = await ctx.desk.reference.download('national', { maxPages: 6 });
    expect(first).toMatchObject({ status: 'interrupted', run: { pages: 6, received: 30_000 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);
    // The process dies; the next one fetches the file again by its file_qury_no, and that 9102 is cut half-way once.
    ctx.desk.close();
    ctx.desk = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url, agencyTimeoutMs: 5000 });
    expect(ctx.desk.reference.status('national')).toMatchObject({ state: 'downloading', run: { pages: 6 } });
    ctx.agency.faults.set({ mode: 'drop', infno: '9102', times: 1 });
    const rest = await ctx.desk.reference.download('national');
    const total = DEMO_CATALOGUE.length + 1 + N;
    expect(rest).toMatchObject({ status: 'applied', last: { applied: total, removed: 0 } });
    // The cut really happened (the fault was used up).
    expect(ctx.agency.faults.list().filter((f) => (f.times ?? 1) > 0)).toEqual([]);
    const rows = catalogueRowsOf(ctx.desk.db, currentCatalogueVersionName(ctx.desk.db)!);
    expect(rows.size).toBe(total);
    expect(rows.get(target)).toMatchObject({ chrgitmLv: '02', pricUplmtAmt: '8', selfpayProp: '0.15', medChrgitmType: '09' });
    expect(rows.get(code(43))).toMatchObject({ chrgitmLv: '03', pricUplmtAmt: null, selfpayProp: '0' });
    // 10 yuan: 2 over the 8-yuan limit (1318), 15% of the 8 paid first (1319), the rest in the fund's scope.
    expect(lineSplit(ctx.desk, target, '10.00')).toEqual({ in: '6.80', pre: '1.20', over: '2.00', full: '0.00' });
    // 1301 was asked once: the resumed run went on with the same file.
    expect(versionsAsked(ctx.agency, '1301')).toEqual(['0']);
    expect(ctx.desk.db.$client.prepare('SELECT count(*) AS n FROM sync_staging').get()).toEqual({ n: 0 });
  }, 120_000);

  it('starts over when the platform no longer keeps the file a resumed run was slicing', async () => {
    const ctx = await setup();
    seedNational(ctx.agency.store.db);
    seedCatalogueFile(ctx.agency.store.db, '1301', '1', Array.from({ length: 12_000 }, (_, i) => ({ med_list_codg: `XC${String(i).padStart(14, '0')}`, drug_genname: `药品${i}`, begndate: BEGIN })));
    expect(await ctx.desk.reference.download('national', { maxPages: 1 })).toMatchObject({ status: 'interrupted', run: { pages: 1 } });
    const before = ctx.desk.reference.status('national').run!.runId;
    ctx.desk.close();
    ctx.desk = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url, agencyTimeoutMs: 3000 });
    ctx.agency.store.db.exec('DELETE FROM agency_files');
    const got = await ctx.desk.reference.download('national');
    expect(got).toMatchObject({ status: 'applied', last: { applied: DEMO_CATALOGUE.length + 1 + 12_000 } });
    expect(got.status === 'applied' ? got.last.runId : '').not.toBe(before);
    expect(versionsAsked(ctx.agency, '1301')).toEqual(['0', '0']);
  });

  it('refuses a malformed file naming its row and column, applying nothing', async () => {
    const { agency, desk } = await setup();
    seedNational(agency.store.db);
    const layout = FILE_LAYOUTS['1301'];
    seedCatalogueLines(agency.store.db, '1301', '1', [
      catalogueFileRecord(layout, { med_list_codg: 'XB00000000000001', drug_genname: '甲药', begndate: '2026/01/01', vali_flag: '1', ver: '1' }),
    ]);
    const got = await desk.reference.download('national');
    expect(got.status).toBe('invalid');
    expect(got.status === 'invalid' ? got.error : '').toMatch(/西药中成药目录（1301）第 \d+ 行第 6 列（begndate）应为日期/);
    expect(currentCatalogueVersionName(desk.db)).toBe(DEMO_CATALOGUE_VERSION);

    const short = await setup();
    seedNational(short.agency.store.db);
    seedCatalogueLines(short.agency.store.db, '1302', '1', ['T000700016\t党参']);
    const refused = await short.desk.reference.download('national');
    expect(refused.status === 'invalid' ? refused.error : refused.status).toMatch(/中药饮片目录（1302）第 2 行第 3 列（medc_part）缺失/);
  });

  it('mass-deletion fail-safe: a full download that drops most of the catalogue is held until a supervisor confirms; discard keeps the current one', async () => {
    const { agency, desk } = await setup();
    seedNational(agency.store.db);
    expect(await desk.reference.download('national')).toMatchObject({ status: 'applied' });
    // The agency's files now hold two items only, and a full download is asked for.
    agency.store.db.exec('DELETE FROM national_files');
    seedCatalogueFile(agency.store.db, '1305', '3', [{ med_list_codg: '001102000010000', medsrv_name: '床位费', med_chrgitm_type: '01', begndate: BEGIN }, { med_list_codg: '001101000010000', medsrv_name: '诊查费', med_chrgitm_type: '02', begndate: BEGIN }]);
    desk.db.transaction((tx) => requestFullDownload(tx));
    const held = await desk.reference.download('national');
    expect(held).toMatchObject({ status: 'held', held: { facts: { before: DEMO_CATALOGUE.length + 1, after: 2, removed: DEMO_CATALOGUE.length - 1 } } });
    expect(held.status === 'held' ? held.held.reason : '').toMatch(/国家目录.*须主管核实/);
    expect(currentCatalogueVersionName(desk.db)).toBe('N1');
    desk.reference.discard('national', 2);
    expect(currentCatalogueVersionName(desk.db)).toBe('N1');
    desk.db.transaction((tx) => requestFullDownload(tx));
    expect(await desk.reference.download('national')).toMatchObject({ status: 'held' });
    expect(desk.reference.confirm('national', 2)).toMatchObject({ status: 'applied', last: { applied: 2 } });
    expect(catalogueRowsOf(desk.db, currentCatalogueVersionName(desk.db)!).size).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Every gateway profile serves the files and pages the same way.

const GM_KEYS = sm2GenerateKeyPair();
const PROFILES: Record<GatewayProfileName, { institution: Institution; settings: Record<string, string> }> = {
  tif: { institution: { ...INST, token: 'tif-token-0001' }, settings: { 'agency.token': 'tif-token-0001' } },
  gm: {
    institution: { ...INST, gm: { clientId: 'GMCLIENT00000001', clientSecret: 'gm-secret-0001', publicKeyHex: GM_KEYS.publicKeyHex } },
    settings: { 'agency.clientId': 'GMCLIENT00000001', 'agency.clientSecret': 'gm-secret-0001', 'agency.sm2PrivateKey': GM_KEYS.privateKeyHex },
  },
  plain: { institution: { ...INST, apikey: 'apikey-0001' }, settings: { 'agency.apikey': 'apikey-0001' } },
};

describe.each(['tif', 'gm', 'plain'] as const)('national catalogue on profile %s', (profile) => {
  it('downloads the files and pages and builds the catalogue, a cut 9102 included', async () => {
    const agency = await startReferenceAgency({ port: 0, institutions: [PROFILES[profile].institution], profile });
    const desk = await Desk.open({ dataDir: tmpDir(), demo: true, agencyUrl: agency.url });
    onTestFinished(async () => {
      desk.close();
      await agency.close();
    });
    seedNational(agency.store.db, { bedLimit: '52.00' });
    const config = readAgencyConfig({
      setting: (k) => ({ 'agency.profile': profile, ...PROFILES[profile].settings })[k],
      env: {}, fixmedinsCode: INST.code, overrides: { url: agency.url, extUrl: null, extKey: INST.key, timeoutMs: 5000 },
    });
    const spec = nationalCatalogueSpec(() => desk.db);
    let client: AgencyClient | null = null;
    let signNo: string | null = null;
    const signIn: SignInProvider = {
      async signNoFor() {
        const env = desk.db.transaction((tx) => newEnvelope(tx, null, '9001', { signIn: { opter_no: 'c01', mac: '00:00:00:00:00:00', ip: '127.0.0.1' } }));
        signNo ??= readSignIn((await client!.transmit(env)).output).signNo;
        return signNo;
      },
      invalidate() {
        signNo = null;
      },
    };
    client = new AgencyClient({ config, fixmedinsCode: INST.code, signIn });
    agency.faults.set({ mode: 'drop', infno: '9102', times: 1 });
    const got = await runPagedDownload(() => desk.db, client, spec);
    expect(got).toMatchObject({ status: 'applied', last: { applied: DEMO_CATALOGUE.length + 1 } });
    expect(agency.faults.list().filter((f) => (f.times ?? 1) > 0)).toEqual([]);
    expect(catalogueRowsOf(desk.db, currentCatalogueVersionName(desk.db)!).get('001102000010000')).toMatchObject({ pricUplmtAmt: '52' });
  });
});

// ---------------------------------------------------------------------------------------------
// The fee import through the hospital's 1317 matches.

describe('fee import through 1317', () => {
  it('maps the hospital item codes through 1317, names each line without a match by row and column, and stores the matched national code', async () => {
    const ctx = await setupDesk({ online: true });
    onTestFinished(() => ctx.stop());
    seedNational(ctx.agency!.store.db);
    // Asked for by a supervisor through the API (a clerk may not).
    expect((await fails(ctx, 'sync.downloadNational', { wait: true })).code).toBe('FORBIDDEN');
    const view = await ok<SyncDownloadView>(ctx, 'sync.downloadNational', { wait: true, full: true }, ctx.supervisor);
    expect(view).toMatchObject({ kind: 'national', label: '国家目录文件', state: 'idle', last: { outcome: 'applied', applied: 12 }, summary: '当前目录版本 N1，共 12 条' });
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const rows = [
      // No national code: the 院内编码 gives it.
      { sn: 'M1', code: '', hosp: 'FW0001', name: '床位费', cnt: '1', pric: '45', amount: '45.00' },
      // A hospital code the platform has no match for.
      { sn: 'M2', code: '', hosp: 'YN9999', name: '院内新项目', cnt: '1', pric: '10', amount: '10.00' },
      // A national code that contradicts the match.
      { sn: 'M3', code: '001101000010000', hosp: 'YP0001', name: '头孢呋辛钠注射液', cnt: '1', pric: '12.5', amount: '12.50' },
    ];
    const refused = await ok<FeeImportResult>(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(rows, day)) });
    expect(refused.imported).toBe(0);
    expect(refused.issues).toEqual([
      { row: 3, column: 'medins_list_codg', message: expect.stringMatching(/^第 3 行.*medins_list_codg.*院内编码 YN9999 在医药机构目录匹配信息（1317，版本 N\d+）中于费用发生日 \S+ 没有对照的医保目录编码/) },
      { row: 4, column: 'med_list_codg', message: expect.stringContaining('医保目录编码 001101000010000 与院内编码 YP0001 在医药机构目录匹配信息（1317）中对照的 XJ01DCC028A001010101445 不一致') },
    ]);
    const fixed = [rows[0]!, { ...rows[2]!, code: '' }];
    const imported = await ok<FeeImportResult>(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees2.csv', contentBase64: b64(feeCsv(fixed, day)) });
    expect(imported).toMatchObject({ imported: 2, issueCount: 0 });
    const stored = ctx.desk.db.$client.prepare('SELECT feedetl_sn, med_list_codg, medins_list_codg FROM fee_lines WHERE admission_id = ? ORDER BY feedetl_sn').all(a.id);
    expect(stored).toEqual([
      { feedetl_sn: 'M1', med_list_codg: '001102000010000', medins_list_codg: 'FW0001' },
      { feedetl_sn: 'M3', med_list_codg: 'XJ01DCC028A001010101445', medins_list_codg: 'YP0001' },
    ]);
  });
});
