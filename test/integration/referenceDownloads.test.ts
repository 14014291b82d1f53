import { describe, expect, it, onTestFinished } from 'vitest';
import { catalogueRowsOf, currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION, DEMO_POLICIES } from '../../electron/services/demo/demoData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { startReferenceAgency, type ReferenceAgency, type SeedCatalogueInput } from '../agency/server.ts';
import { INST, tmpDir } from '../support/syncFixtures.ts';

interface Ctx {
  agency: ReferenceAgency;
  desk: Desk;
  dataDir: string;
}

const demoCatalogue = (): SeedCatalogueInput[] => DEMO_CATALOGUE.map((c) => ({ ...c, begndate: '2026-01-01', enddate: null, version: DEMO_CATALOGUE_VERSION }));

async function setup(): Promise<Ctx> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  agency.store.seedCatalogue(demoCatalogue());
  for (const p of DEMO_POLICIES) agency.store.seedPolicy({ version: p.body.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body });
  const dataDir = tmpDir();
  const desk = await Desk.open({ dataDir, demo: true, agencyUrl: agency.url, agencyTimeoutMs: 2000 });
  const ctx: Ctx = { agency, desk, dataDir };
  onTestFinished(async () => {
    ctx.desk.close();
    await ctx.agency.close();
  });
  return ctx;
}

function many(n: number, version: string): SeedCatalogueInput[] {
  return Array.from({ length: n }, (_, i) => ({ medListCodg: `XM${String(i).padStart(6, '0')}`, name: `项目${i}`, medChrgitmType: '05', chrgitmLv: '01', begndate: '2026-01-01', version }));
}

function policyState(desk: Desk): Record<string, boolean> {
  const rows = desk.db.$client.prepare('SELECT version, retired_at FROM policies ORDER BY version').all() as { version: string; retired_at: string | null }[];
  return Object.fromEntries(rows.map((r) => [r.version, r.retired_at === null]));
}

describe('catalogue download', () => {
  it('the same catalogue makes no new version; a changed one becomes a new whole version and the old stays for old settlements', async () => {
    const ctx = await setup();
    const same = await ctx.desk.reference.download('catalogue');
    expect(same).toMatchObject({ status: 'applied', last: { applied: 0, removed: 0 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);

    ctx.agency.store.seedCatalogue([
      { medListCodg: '001102000010000', medinsListCodg: 'FW0001', name: '三级医院床位费（普通病房）', medChrgitmType: '01', chrgitmLv: '01', pricUplmtAmt: '50.00', begndate: '2026-12-01', version: '340100-2026-12' },
      { medListCodg: 'XN0000000000001', name: '新增项目', medChrgitmType: '05', chrgitmLv: '02', selfpayProp: '0.1', begndate: '2026-12-01', version: '340100-2026-12' },
    ]);
    const changed = await ctx.desk.reference.download('catalogue');
    expect(changed).toMatchObject({ status: 'applied', last: { applied: 12, removed: 0 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe('340100-2026-12');
    const now = catalogueRowsOf(ctx.desk.db, '340100-2026-12');
    expect(now.get('001102000010000')).toMatchObject({ pricUplmtAmt: '50', begndate: '2026-12-01' });
    expect(now.get('XN0000000000001')).toMatchObject({ chrgitmLv: '02', selfpayProp: '0.1' });
    expect(catalogueRowsOf(ctx.desk.db, DEMO_CATALOGUE_VERSION).get('001102000010000')).toMatchObject({ pricUplmtAmt: '45.00' });
    const audit = ctx.desk.db.$client.prepare(`SELECT action FROM audit_log WHERE action LIKE 'catalogue.%' ORDER BY id`).all();
    expect(audit).toEqual([{ action: 'catalogue.download.apply' }, { action: 'catalogue.download.apply' }]);
  });

  it('is resumable: an interrupted download keeps its staged pages and cursor, a new desk process continues from there, nothing is applied before the end', async () => {
    const ctx = await setup();
    ctx.agency.store.seedCatalogue(many(2500, '340100-2027-01'));
    const first = await ctx.desk.reference.download('catalogue', { maxPages: 1 });
    expect(first).toMatchObject({ status: 'interrupted', run: { pages: 1, received: 1000, total: 2511 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);
    // The network breaks on the next page: still nothing applied, the cursor kept.
    ctx.agency.faults.set({ mode: 'drop', times: 1, path: '/desk-ext/api/pages' });
    expect(await ctx.desk.reference.download('catalogue')).toMatchObject({ status: 'interrupted', run: { pages: 1 } });
    ctx.desk.close();
    ctx.desk = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url });
    expect(ctx.desk.reference.status('catalogue')).toMatchObject({ state: 'downloading', run: { pages: 1 } });
    const rest = await ctx.desk.reference.download('catalogue');
    expect(rest).toMatchObject({ status: 'applied', last: { received: 2511, applied: 2511, removed: 0 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe('340100-2027-01');
    expect(catalogueRowsOf(ctx.desk.db, '340100-2027-01').size).toBe(2511);
    expect(ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM sync_staging`).get()).toEqual({ n: 0 });
  });

  it('a crash between durable batches: the next process refetches only the pages after the last stored cursor', async () => {
    const ctx = await setup();
    ctx.agency.store.seedCatalogue(many(4500, '340100-2027-01')); // 4511 rows: 5 pages of 1000
    const crash = ctx.desk.reference.download('catalogue', { commitEvery: { pages: 2 }, onPage: (run) => { if (run.pages === 3) throw new Error('simulated crash'); } });
    await expect(crash).rejects.toThrow('simulated crash');
    ctx.desk.close();
    ctx.desk = await Desk.open({ dataDir: ctx.dataDir, agencyUrl: ctx.agency.url });
    // Pages 1–2 were one committed batch; page 3 was received but not committed.
    expect(ctx.desk.reference.status('catalogue')).toMatchObject({ state: 'downloading', run: { pages: 2, received: 2000 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);
    const pages: number[] = [];
    const rest = await ctx.desk.reference.download('catalogue', { onPage: (run) => void pages.push(run.pages) });
    expect(pages).toEqual([3, 4, 5]);
    expect(rest).toMatchObject({ status: 'applied', last: { received: 4511, applied: 4511, removed: 0 } });
    expect(catalogueRowsOf(ctx.desk.db, '340100-2027-01').size).toBe(4511);
  });

  it('mass-deletion fail-safe: a download that would drop most of the catalogue is held until a supervisor confirms; discard keeps the current one', async () => {
    const ctx = await setup();
    ctx.agency.store.db.prepare(`DELETE FROM catalogue WHERE id > 3`).run();
    const held = await ctx.desk.reference.download('catalogue');
    expect(held).toMatchObject({ status: 'held', held: { facts: { before: 11, after: 3, removed: 8 } } });
    expect(held.status === 'held' && held.held.reason).toContain('须主管核实');
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);
    // Asking again does not download again while one is held.
    expect((await ctx.desk.reference.download('catalogue')).status).toBe('held');
    const discarded = ctx.desk.reference.discard('catalogue', 2);
    expect(discarded).toMatchObject({ outcome: 'discarded' });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);

    expect((await ctx.desk.reference.download('catalogue')).status).toBe('held');
    const confirmed = ctx.desk.reference.confirm('catalogue', 2);
    expect(confirmed).toMatchObject({ status: 'applied', last: { applied: 3, removed: 8, by: 2 } });
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(`${DEMO_CATALOGUE_VERSION}.r1`);
    expect(catalogueRowsOf(ctx.desk.db, DEMO_CATALOGUE_VERSION).size).toBe(11);
  });

  it('an invalid row imports nothing of the download and names the page and row', async () => {
    const ctx = await setup();
    ctx.agency.store.seedCatalogue({ medListCodg: 'BAD0001', name: '坏数据', medChrgitmType: '05', chrgitmLv: '9', begndate: '2026-01-01', version: '340100-2026-12' });
    const r = await ctx.desk.reference.download('catalogue');
    expect(r.status).toBe('invalid');
    expect(r.status === 'invalid' && r.error).toMatch(/第 1 页第 12 条.*收费项目等级/);
    expect(currentCatalogueVersionName(ctx.desk.db)).toBe(DEMO_CATALOGUE_VERSION);
  });
});

describe('policy download', () => {
  it('adds new versions, retires versions no longer listed (kept), reinstates, refuses to overwrite a changed version, and holds a mass removal', async () => {
    const ctx = await setup();
    const extra = { ...DEMO_POLICIES[0]!.body, version: '420100-310-2027-1' };
    ctx.agency.store.seedPolicy({ version: extra.version, insuplcAdmdvs: '420100', insutype: '310', year: 2027, body: extra });
    expect(await ctx.desk.reference.download('policies')).toMatchObject({ status: 'applied', last: { applied: 1, removed: 0 } });
    expect(Object.values(policyState(ctx.desk)).every(Boolean)).toBe(true);

    // One of six withdrawn: retired, not deleted.
    ctx.agency.store.db.prepare(`DELETE FROM policies WHERE version = '110000-310-2026-1'`).run();
    expect(await ctx.desk.reference.download('policies')).toMatchObject({ status: 'applied', last: { applied: 0, removed: 1 } });
    expect(policyState(ctx.desk)['110000-310-2026-1']).toBe(false);

    // A changed body under a known version is not taken.
    ctx.agency.store.seedPolicy({ version: '320500-310-2026-1', insuplcAdmdvs: '320500', insutype: '310', year: 2026, body: { ...DEMO_POLICIES[1]!.body, annualCap: '1.00' } });
    expect(await ctx.desk.reference.download('policies')).toMatchObject({ status: 'applied', last: { applied: 0, removed: 0 } });
    expect(JSON.parse((ctx.desk.db.$client.prepare(`SELECT body FROM policies WHERE version = '320500-310-2026-1'`).get() as { body: string }).body)).toMatchObject({ annualCap: '300000.00' });
    expect(ctx.desk.db.$client.prepare(`SELECT detail FROM audit_log WHERE action = 'policies.download.conflict'`).get()).toMatchObject({ detail: expect.stringContaining('320500-310-2026-1') });

    // Most of them gone at once: held for a supervisor.
    ctx.agency.store.db.prepare(`DELETE FROM policies WHERE version <> '420100-310-2027-1'`).run();
    const held = await ctx.desk.reference.download('policies');
    expect(held).toMatchObject({ status: 'held', held: { facts: { before: 5, removed: 4 } } });
    expect(policyState(ctx.desk)['420100-310-2026-1']).toBe(true);
    expect(ctx.desk.reference.confirm('policies', 2)).toMatchObject({ status: 'applied', last: { removed: 4 } });
    expect(policyState(ctx.desk)).toMatchObject({ '420100-310-2026-1': false, '420100-310-2027-1': true });

    // Listed again: offered again.
    ctx.agency.store.seedPolicy({ version: '420100-310-2026-1', insuplcAdmdvs: '420100', insutype: '310', year: 2026, body: DEMO_POLICIES[0]!.body });
    expect(await ctx.desk.reference.download('policies')).toMatchObject({ status: 'applied', last: { applied: 1 } });
    expect(policyState(ctx.desk)['420100-310-2026-1']).toBe(true);
  });

  it('a policy body the settlement model cannot read is refused with its field', async () => {
    const ctx = await setup();
    ctx.agency.store.seedPolicy({ version: 'X-1', insuplcAdmdvs: '440300', insutype: '310', year: 2026, body: { version: 'X-1', scheme: '310' } });
    const r = await ctx.desk.reference.download('policies');
    expect(r.status).toBe('invalid');
    expect(r.status === 'invalid' && r.error).toContain('第 1 页第 6 条');
  });
});
