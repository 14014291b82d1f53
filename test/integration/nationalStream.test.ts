import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { FileAnswer } from '../../electron/agency/client.ts';
import type { LineStats } from '../../electron/agency/textLines.ts';
import { catalogueRowsOf, currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION } from '../../electron/services/demo/demoData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { nationalCatalogueSpec } from '../../electron/sync/nationalCatalogue.ts';
import { runPagedDownload, type RunState } from '../../electron/sync/pagedDownload.ts';
import { NATIONAL_BEGIN, seedCatalogueFile, seedDemoNational } from '../agency/catalogues.ts';
import { FILES_SCHEMA } from '../agency/files.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { INST, tmpDir } from '../support/syncFixtures.ts';

/**
 * The national catalogue files are streamed (docs/catalogue.md "Streaming"): the 9102 bytes go to
 * a temp file as they arrive (no answer Buffer), the ZIP entry inflates in small chunks, records
 * are staged slice by slice; a file whose CRC fails contributes nothing, and nothing is applied.
 */

/** The ZIP with the CRC of its (first) entry changed in the central directory. */
function breakCrc(zip: Buffer): Buffer {
  const b = Buffer.from(zip);
  const dir = b.readUInt32LE(b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 16);
  b.writeUInt32LE((b.readUInt32LE(dir + 16) ^ 0xffffffff) >>> 0, dir + 16);
  return b;
}

const code = (i: number) => `XS${String(i).padStart(14, '0')}`;

async function setup() {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  const desk = await Desk.open({ dataDir: tmpDir(), demo: true, agencyUrl: agency.url, agencyTimeoutMs: 10_000 });
  onTestFinished(async () => {
    desk.close();
    await agency.close();
  });
  seedDemoNational(agency.store.db);
  return { agency, desk };
}

/** The client of the desk, recording what each 9102 try kept in memory and what it wrote out. */
function recordingClient(desk: Desk): { client: ReturnType<Desk['agency']>; answers: FileAnswer[] } {
  const client = desk.agency();
  const answers: FileAnswer[] = [];
  const fetchFile = client.fetchFile.bind(client);
  client.fetchFile = async (env, o) => {
    const a = await fetchFile(env, o);
    answers.push(a);
    return a;
  };
  return { client, answers };
}

describe('national catalogue files stream', () => {
  it('writes the 9102 bytes to a temp file and reads the entry in 4 KB chunks: a 5 MB file never sits in one buffer; progress counts the records', async () => {
    const { agency, desk } = await setup();
    const N = 80_000;
    seedCatalogueFile(agency.store.db, '1301', '1', Array.from({ length: N }, (_, i) => ({ med_list_codg: code(i), drug_genname: `药品${i}`, drug_trade_name: `商品名${i}`, drug_spec: '0.25g×24片', begndate: NATIONAL_BEGIN })));
    const stats: LineStats = { peakHeldBytes: 0, bytes: 0 };
    const tmp = mkdtempSync(join(tmpdir(), 'yidi-natstream-'));
    const spec = nationalCatalogueSpec(() => desk.db, { chunkBytes: 4096, stats, tmpDir: tmp });
    const { client, answers } = recordingClient(desk);
    const progress: RunState[] = [];
    const got = await runPagedDownload(() => desk.db, client, spec, { onPage: (r) => void progress.push({ ...r }) });
    expect(got).toMatchObject({ status: 'applied', last: { applied: DEMO_CATALOGUE.length + 1 + N } });
    expect(catalogueRowsOf(desk.db, currentCatalogueVersionName(desk.db)!).get(code(N - 1))).toMatchObject({ name: `药品${N - 1}`, medChrgitmType: '09' });

    // Every 9102 answer went to the writer: nothing of the ZIP was kept in an answer buffer.
    expect(answers.length).toBeGreaterThanOrEqual(3);
    expect(answers.every((a) => a.bytes.length === 0 && a.written > 0 && a.complete)).toBe(true);
    // The 1301 text is over 5 MB (read twice: the checking pass, then the slices); no more than a chunk and a line was ever held.
    expect(stats.bytes).toBeGreaterThan(2 * 5_000_000);
    expect(stats.peakHeldBytes).toBeLessThanOrEqual(4096 + 256);
    // Progress: received / the file's record count while 1301 is sliced.
    const drugs = DEMO_CATALOGUE.filter((c) => c.medChrgitmType === '09' || c.medChrgitmType === '11').length;
    const in1301 = progress.filter((r) => r.total === N + drugs);
    expect(in1301.map((r) => r.received)).toEqual([...Array.from({ length: N / 5000 }, (_, k) => (k + 1) * 5000), N + drugs]);
    // The temp files are gone.
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('a file whose CRC fails is refused before any of its records is staged, nothing is applied, and the next run fetches it again', async () => {
    const { agency, desk } = await setup();
    seedCatalogueFile(agency.store.db, '1301', '1', Array.from({ length: 12_000 }, (_, i) => ({ med_list_codg: code(i), drug_genname: `药品${i}`, begndate: NATIONAL_BEGIN })));
    // The platform's files are broken from now on: the CRC in each ZIP's directory is wrong.
    agency.store.db.exec(FILES_SCHEMA);
    agency.store.db.function('break_crc', (b: unknown) => breakCrc(b as Buffer));
    agency.store.db.exec('CREATE TRIGGER break_crc AFTER INSERT ON agency_files BEGIN UPDATE agency_files SET bytes = break_crc(bytes) WHERE rowid = NEW.rowid; END');
    const spec = nationalCatalogueSpec(() => desk.db);
    const bad = await runPagedDownload(() => desk.db, desk.agency(), spec);
    expect(bad.status).toBe('interrupted');
    expect(bad.status === 'interrupted' ? bad.error : '').toMatch(/校验失败.*CRC 不符/);
    expect(bad.status === 'interrupted' ? bad.run.received : -1).toBe(0);
    expect(desk.db.$client.prepare("SELECT count(*) AS n FROM sync_staging WHERE name = 'national'").get()).toEqual({ n: 0 });
    expect(currentCatalogueVersionName(desk.db)).toBe(DEMO_CATALOGUE_VERSION);

    agency.store.db.exec('DROP TRIGGER break_crc');
    const good = await runPagedDownload(() => desk.db, desk.agency(), spec);
    expect(good).toMatchObject({ status: 'applied', last: { applied: DEMO_CATALOGUE.length + 1 + 12_000 } });
  }, 60_000);
});
