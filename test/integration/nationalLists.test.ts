import { describe, expect, it, onTestFinished } from 'vitest';
import { currentListVersion, listEntries, listSummary } from '../../db/repos/nationalLists.ts';
import { currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { requestFullDownload } from '../../electron/sync/nationalCatalogue.ts';
import { CATALOGUE_LIST_INFNOS, LIST_LAYOUTS, catalogueFileRecord } from '../../shared/agency/catalogues.ts';
import type { JsonObject } from '../../shared/agency/envelope.ts';
import { NATIONAL_BEGIN, seedCatalogueFile, seedCatalogueLines, seedDemoNational } from '../agency/catalogues.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { INST, tmpDir } from '../support/syncFixtures.ts';

/**
 * The other catalogue files (1307 疾病与诊断, 1308 手术操作, … 1321; docs/catalogue.md): asked by
 * version in the same national download, streamed like 1301, kept as versioned code / name rows,
 * incremental by version, a malformed row refused by file / row / column, the fail-safe kept.
 */

async function setup() {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  const desk = await Desk.open({ dataDir: tmpDir(), demo: true, agencyUrl: agency.url, agencyTimeoutMs: 5000 });
  onTestFinished(async () => {
    desk.close();
    await agency.close();
  });
  seedDemoNational(agency.store.db);
  return { agency, desk };
}

function versionsAsked(agency: Awaited<ReturnType<typeof setup>>['agency'], infno: string): string[] {
  const rows = agency.store.db.prepare('SELECT request FROM messages WHERE infno = ? ORDER BY received_at, rowid').all(infno) as { request: string }[];
  return rows.map((r) => String(((JSON.parse(r.request) as { input: { data: JsonObject } }).input.data).ver));
}

const B = NATIONAL_BEGIN;

describe('national list files 1307–1321', () => {
  it('downloads each list file by version and keeps it as a versioned list; the next run asks for the newer rows only and withdraws by vali_flag 0', async () => {
    const { agency, desk } = await setup();
    seedCatalogueFile(agency.store.db, '1307', '1', [
      { code: 'A00.000', name: '霍乱，未特指', begndate: B },
      { code: 'J18.900', name: '肺炎', begndate: B },
      { code: 'K35.800', name: '急性阑尾炎', begndate: B },
    ]);
    seedCatalogueFile(agency.store.db, '1308', '1', [{ code: '47.0100', name: '腹腔镜下阑尾切除术', begndate: B }]);
    seedCatalogueFile(agency.store.db, '1314', '1', [{ code: 'A01.01.01', name: '感冒病', begndate: B }]);

    expect(await desk.reference.download('national')).toMatchObject({ status: 'applied' });
    // Every list file the interface numbers was asked, from "0" the first time.
    for (const infno of CATALOGUE_LIST_INFNOS) expect(versionsAsked(agency, infno)).toEqual(['0']);
    expect(listSummary(desk.db)).toEqual([
      { infno: '1307', version: 'N1', rows: 3 },
      { infno: '1308', version: 'N1', rows: 1 },
      { infno: '1314', version: 'N1', rows: 1 },
    ]);
    expect(listEntries(desk.db, '1307', ['J18.900', 'Z99.999'])).toEqual(new Map([['J18.900', { code: 'J18.900', name: '肺炎', begndate: B, enddate: null }]]));
    expect(currentListVersion(desk.db, '1309')).toBeNull();
    expect(desk.reference.status('national').summary).toMatch(/；疾病与诊断目录（1307）N1 3 条，手术操作目录（1308）N1 1 条，中医疾病目录（1314）N1 1 条$/);

    // Version 2 of 1307 renames one code and withdraws another.
    seedCatalogueFile(agency.store.db, '1307', '2', [
      { code: 'J18.900', name: '肺炎，未特指', begndate: B },
      { code: 'A00.000', name: '霍乱，未特指', begndate: B, vali_flag: '0' },
    ]);
    expect(await desk.reference.download('national')).toMatchObject({ status: 'applied' });
    expect(versionsAsked(agency, '1307')).toEqual(['0', '1']);
    expect(versionsAsked(agency, '1308')).toEqual(['0', '1']);
    expect(currentListVersion(desk.db, '1307')).toBe('N2');
    const now = listEntries(desk.db, '1307', ['A00.000', 'J18.900', 'K35.800']);
    expect([...now.keys()].sort()).toEqual(['J18.900', 'K35.800']);
    expect(now.get('J18.900')?.name).toBe('肺炎，未特指');
    // Lists with nothing newer keep their version; the catalogue is untouched by the lists.
    expect(currentListVersion(desk.db, '1308')).toBe('N1');
    expect(currentCatalogueVersionName(desk.db)).toBe('N1');
    // The old version stays.
    expect(desk.db.$client.prepare("SELECT count(*) AS n FROM national_list_entries WHERE infno = '1307' AND version = 'N1'").get()).toEqual({ n: 3 });
  });

  it('refuses a malformed list row naming the file, row and column; a full download that drops most of a list is held', async () => {
    const { agency, desk } = await setup();
    seedCatalogueLines(agency.store.db, '1308', '1', [
      catalogueFileRecord(LIST_LAYOUTS['1308'], { code: '47.0100', name: '阑尾切除术', begndate: B, vali_flag: '1', ver: '1' }),
      catalogueFileRecord(LIST_LAYOUTS['1308'], { code: '47.0900', name: '', begndate: B, vali_flag: '1', ver: '1' }),
    ]);
    const bad = await desk.reference.download('national');
    expect(bad.status === 'invalid' ? bad.error : bad.status).toMatch(/手术操作目录（1308）第 2 行第 2 列（name）名称不能为空/);
    expect(listSummary(desk.db)).toEqual([]);

    const ok = await setup();
    seedCatalogueFile(ok.agency.store.db, '1307', '1', Array.from({ length: 10 }, (_, i) => ({ code: `D${i}`, name: `疾病${i}`, begndate: B })));
    expect(await ok.desk.reference.download('national')).toMatchObject({ status: 'applied' });
    ok.agency.store.db.exec("DELETE FROM national_files WHERE infno = '1307'");
    seedCatalogueFile(ok.agency.store.db, '1307', '3', [{ code: 'D0', name: '疾病0', begndate: B }]);
    ok.desk.db.transaction((tx) => requestFullDownload(tx));
    const held = await ok.desk.reference.download('national');
    expect(held).toMatchObject({ status: 'held', held: { facts: { before: 10, after: 1, removed: 9 } } });
    expect(held.status === 'held' ? held.held.reason : '').toMatch(/疾病与诊断目录（1307）/);
    expect(currentListVersion(ok.desk.db, '1307')).toBe('N1');
  });

  it('runs on the background timer once the office uses the national files: incremental by version, its outcome in the download status; the extension feed is not run beside it', async () => {
    const { agency, desk } = await setup();
    onTestFinished(() => desk.reference.stop());
    // Nothing ran yet and the demo desk has the extension configured: the timer would keep to its feed.
    expect(desk.reference.catalogueSource()).toBe('catalogue');
    expect(await desk.reference.download('national')).toMatchObject({ status: 'applied' });
    expect(desk.reference.catalogueSource()).toBe('national');
    const before = desk.reference.status('national').last!.completedAt;

    seedCatalogueFile(agency.store.db, '1301', '2', [{ med_list_codg: 'XJ01DCC028A001010101445', drug_genname: '注射用头孢呋辛钠（新）', begndate: B }]);
    seedCatalogueFile(agency.store.db, '1307', '2', [{ code: 'J18.900', name: '肺炎', begndate: B }]);
    desk.reference.start(3_600_000, 0);
    const deadline = Date.now() + 20_000;
    while (desk.reference.status('national').last?.completedAt === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    desk.reference.stop();
    await desk.reference.idle();
    const status = desk.reference.status('national');
    expect(status.last).toMatchObject({ outcome: 'applied', by: null });
    expect(status.summary).toMatch(/^当前目录版本 N2，.*疾病与诊断目录（1307）N2 1 条/);
    expect(versionsAsked(agency, '1301')).toEqual(['0', '1']);
    expect(versionsAsked(agency, '1307')).toEqual(['0', '0']);
    // The desk extension's catalogue feed did not run; the policies did.
    expect(desk.reference.status('catalogue').last).toBeNull();
    const policies = desk.reference.status('policies');
    expect(policies.last ?? policies.run).not.toBeNull();
  });
});
