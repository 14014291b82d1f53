import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Desk } from '../../electron/services/desk.ts';
import { rosterSpec, RosterSync } from '../../electron/sync/rosterDownload.ts';
import type { RosterStatusView } from '../../shared/api/roster.ts';
import { checkCharacter } from '../../shared/citizenId.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { seedPerson, type ReferenceAgency } from '../agency/server.ts';
import { startDemoAgency, startIdentityDesk } from '../support/identityDesk.ts';

/** The roster download: pages with a stored cursor, resumable after a crash, applied whole, with the shrink fail-safe. */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const id = (first17: string) => first17 + checkCharacter(first17);
const certOf = (n: number) => {
  const first17 = `3408021980${String(n).padStart(7, '0')}`.slice(0, 17);
  return first17 + checkCharacter(first17);
};

/** n registrations to Hefei (340100), ids R1..Rn; the demo seed adds 4 more. */
function seedRoster(agency: ReferenceAgency, n: number, from = 1): void {
  const stmt = agency.store.db.prepare(`INSERT INTO registrations (agency_id, certno, psn_no, psn_name, insuplc_admdvs, grp, basis, destination, effective_from, status, updated_at)
    VALUES (?, ?, ?, ?, '340802', 'referral', 'proof', '340100', '2026-10-01', 'active', '2026-11-01T00:00:00Z')`);
  agency.store.db.transaction(() => {
    for (let i = from; i < from + n; i++) stmt.run(`R${i}`, certOf(i), `P${i}`, `病人${i}`);
  })();
}

function liveCount(desk: Desk, where = '1 = 1'): number {
  return (desk.db.$client.prepare(`SELECT count(*) AS n FROM registrations WHERE ${where}`).get() as { n: number }).n;
}

async function openDesk(dataDir: string, agencyUrl: string): Promise<Desk> {
  const desk = await Desk.open({ dataDir, demo: true, agencyUrl });
  return desk;
}

describe('roster download', () => {
  it('resumes from its stored cursor after an interruption and a restart; nothing is live until the last page', async () => {
    const agency = await startDemoAgency();
    cleanups.push(() => agency.close());
    seedDemoAgency(agency.store);
    seedRoster(agency, 950);
    const dataDir = mkdtempSync(join(tmpdir(), 'yidi-roster-'));
    let desk = await openDesk(dataDir, agency.url);
    const spec = { ...rosterSpec, pageSize: 100 };
    const first = new RosterSync(() => desk.db, () => desk.agency(), spec);

    const seen: number[] = [];
    const cut = await first.download({
      onPage: (run) => {
        seen.push(run.pages);
        // The agency goes away after the third page.
        if (run.pages === 3) agency.faults.set({ mode: 'refuse', path: '/desk-ext/api/pages/roster' });
      },
    });
    expect(cut.status).toBe('interrupted');
    expect(seen).toEqual([1, 2, 3]);
    // Staged, not applied: the live roster still has the 4 demo registrations only.
    expect(liveCount(desk)).toBe(4);
    expect(first.status()).toMatchObject({ state: 'downloading', run: { pages: 3, received: 300, total: 954 } });
    expect(first.status().run!.lastError).toContain('下载中断');

    // "Crash": the process ends; a new one opens the same database and carries on from page 4.
    desk.close();
    agency.faults.clear();
    desk = await openDesk(dataDir, agency.url);
    cleanups.push(() => desk.close());
    const second = new RosterSync(() => desk.db, () => desk.agency(), spec);
    const resumed: number[] = [];
    const done = await second.download({ onPage: (run) => void resumed.push(run.pages) });
    expect(resumed[0]).toBe(4);
    expect(resumed.at(-1)).toBe(10);
    expect(done).toMatchObject({ status: 'applied', last: { received: 954, applied: 954, removed: 0 } });
    expect(liveCount(desk)).toBe(954);
    expect(liveCount(desk, `agency_id = 'R777' AND certno = '${certOf(777)}' AND status = 'active'`)).toBe(1);
    expect(second.status()).toMatchObject({ state: 'idle', registrations: 954, activeInScope: 954, run: null, held: null });
    expect(desk.db.$client.prepare(`SELECT count(*) AS n FROM sync_staging WHERE name = 'roster'`).get()).toEqual({ n: 0 });
    const audit = desk.db.$client.prepare(`SELECT detail FROM audit_log WHERE action = 'roster.download.apply'`).all() as { detail: string }[];
    expect(audit).toHaveLength(1);
  });

  it('stages pages in durable batches (8 pages by default, or a byte limit) with the cursor of the batch’s last page', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 196); // + 4 demo = 200 = 20 pages of 10
    const staged = () => (t.ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM sync_staging WHERE name = 'roster'`).get() as { n: number }).n;
    const byPages: number[] = [];
    const sync = new RosterSync(() => t.ctx.desk.db, () => t.ctx.desk.agency(), { ...rosterSpec, pageSize: 10 });
    // onPage runs between pages, outside any transaction: what it sees is what a crash would leave.
    const done = await sync.download({ onPage: () => void byPages.push(staged()) });
    expect(done).toMatchObject({ status: 'applied', last: { received: 200 } });
    expect(byPages).toEqual([0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8, 16, 16, 16, 16, 20]);

    // A byte limit smaller than one page commits every page on its own.
    t.agency.store.db.prepare(`UPDATE registrations SET updated_at = '2026-11-02T00:00:00Z'`).run();
    const byBytes: number[] = [];
    await sync.download({ commitEvery: { bytes: 1 }, onPage: () => void byBytes.push(staged()) });
    expect(byBytes).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a crash in the middle of a batch loses only the uncommitted pages; the next process resumes from the last committed cursor', async () => {
    const agency = await startDemoAgency();
    cleanups.push(() => agency.close());
    seedDemoAgency(agency.store);
    seedRoster(agency, 950); // 954 with the demo seed: 20 pages of 50
    const dataDir = mkdtempSync(join(tmpdir(), 'yidi-roster-crash-'));
    let desk = await openDesk(dataDir, agency.url);
    const spec = { ...rosterSpec, pageSize: 50 };
    const requested: (string | null)[] = [];
    const clientOf = (d: Desk) => {
      const c = d.agency();
      const page = c.page.bind(c);
      c.page = ((kind, cursor, size) => {
        requested.push(cursor);
        return page(kind, cursor, size);
      }) as typeof c.page;
      return c;
    };
    const first = new RosterSync(() => desk.db, () => clientOf(desk), spec);
    // The process dies after receiving page 11: pages 1–8 were committed as one batch, 9–11 were not.
    // (A throw the download does not catch stands for the crash: nothing after it runs.)
    await expect(first.download({ onPage: (run) => { if (run.pages === 11) throw new Error('simulated crash'); } })).rejects.toThrow('simulated crash');
    const cursorAfter8 = requested[8];
    expect(cursorAfter8).toEqual(expect.any(String));
    desk.close();

    desk = await openDesk(dataDir, agency.url);
    cleanups.push(() => desk.close());
    expect(liveCount(desk)).toBe(4);
    expect(desk.db.$client.prepare(`SELECT cursor, state FROM sync_cursors WHERE name = 'roster'`).get()).toEqual({ cursor: cursorAfter8, state: 'downloading' });
    expect(desk.db.$client.prepare(`SELECT group_concat(seq) AS seqs FROM sync_staging WHERE name = 'roster'`).get()).toEqual({ seqs: '1,2,3,4,5,6,7,8' });
    const second = new RosterSync(() => desk.db, () => clientOf(desk), spec);
    expect(second.status()).toMatchObject({ state: 'downloading', run: { pages: 8, received: 400 } });
    requested.length = 0;
    const resumed: number[] = [];
    const done = await second.download({ onPage: (run) => void resumed.push(run.pages) });
    expect(requested[0]).toBe(cursorAfter8);
    expect(resumed).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(done).toMatchObject({ status: 'applied', last: { received: 954, applied: 954, removed: 0 } });
    expect(liveCount(desk)).toBe(954);
    expect(liveCount(desk, `agency_id = 'R430'`)).toBe(1); // from page 9, refetched after the crash
  });

  it('an unfinished download older than a day starts over', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 30);
    const sync = new RosterSync(() => t.ctx.desk.db, () => t.ctx.desk.agency(), { ...rosterSpec, pageSize: 10 });
    expect((await sync.download({ maxPages: 2 })).status).toBe('interrupted');
    const pages: number[] = [];
    const done = await sync.download({ maxRunAgeMs: 0, onPage: (run) => void pages.push(run.pages) });
    expect(pages[0]).toBe(1);
    expect(done).toMatchObject({ status: 'applied', last: { received: 34 } });
  });

  it('applies changes and removes registrations the agency dropped', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 20);
    expect((await t.ctx.desk.roster.download()).status).toBe('applied');
    expect(liveCount(t.ctx.desk)).toBe(24);
    // At the agency: two registrations gone, one cancelled, one new.
    t.agency.store.db.prepare(`DELETE FROM registrations WHERE agency_id IN ('R1', 'R2')`).run();
    t.agency.store.db.prepare(`UPDATE registrations SET status = 'cancelled' WHERE agency_id = 'R3'`).run();
    seedRoster(t.agency, 1, 100);
    const r = await t.ctx.desk.roster.download();
    expect(r).toMatchObject({ status: 'applied', last: { received: 23, removed: 2 } });
    expect(liveCount(t.ctx.desk, `agency_id IN ('R1', 'R2')`)).toBe(0);
    expect(liveCount(t.ctx.desk, `agency_id = 'R3' AND status = 'cancelled'`)).toBe(1);
    expect(liveCount(t.ctx.desk, `agency_id = 'R100'`)).toBe(1);
  });

  it('keeps a registration that a person query brought in while the download ran', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 20);
    const certno = id('34080219800505500');
    seedPerson(t.agency.store, { psnNo: 'P-LATE', certno, psnName: '钱芳', gend: '2', brdy: '1980-05-05', insuinfo: [{ insutype: '390', psnType: '15', insuplcAdmdvs: '340802' }] });
    const sync = new RosterSync(() => t.ctx.desk.db, () => t.ctx.desk.agency(), { ...rosterSpec, pageSize: 5 });
    const r = await sync.download({
      onPage: async (run) => {
        if (run.pages !== 1) return;
        // Filed at the agency behind the cursor (this download will not see it), then read by 1101.
        t.agency.store.db.prepare(`INSERT INTO registrations (id, agency_id, certno, insuplc_admdvs, grp, basis, destination, effective_from, status, updated_at)
          VALUES (0, 'LATE', ?, '340802', 'referral', 'proof', '340100', '2026-11-01', 'active', '2026-11-20T00:00:00Z')`).run(certno);
        const c = await t.call('identity.check', { credential: certno, admissionDate: '2026-11-20' });
        expect(c.ok).toBe(true);
      },
    });
    expect(r).toMatchObject({ status: 'applied', last: { received: 24, removed: 0 } });
    expect(liveCount(t.ctx.desk, `agency_id = 'LATE'`)).toBe(1);
  });

  it('an item the agency sent wrong imports nothing and names the page, item and field', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    t.agency.store.db.prepare(`INSERT INTO registrations (agency_id, certno, insuplc_admdvs, grp, destination, effective_from, status, updated_at)
      VALUES ('BAD', 'X', '34080', 'referral', '340100', '2026-10-01', 'active', '2026-11-01T00:00:00Z')`).run();
    const r = await t.ctx.desk.roster.download();
    expect(r.status).toBe('invalid');
    if (r.status !== 'invalid') return;
    expect(r.error).toContain('第 1 页第 5 条');
    expect(r.error).toContain('参保地区划（insuplcAdmdvs）');
    expect(liveCount(t.ctx.desk)).toBe(4);
  });
});

describe('mass-deletion fail-safe', () => {
  async function shrunk() {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 96);
    expect((await t.ctx.desk.roster.download()).status).toBe('applied');
    expect(liveCount(t.ctx.desk, `status = 'active'`)).toBe(100);
    // The agency's list suddenly lost most of its rows (and cancelled some more).
    t.agency.store.db.prepare(`DELETE FROM registrations WHERE agency_id LIKE 'R%' AND CAST(substr(agency_id, 2) AS INTEGER) <= 50`).run();
    t.agency.store.db.prepare(`UPDATE registrations SET status = 'cancelled' WHERE agency_id LIKE 'R%' AND CAST(substr(agency_id, 2) AS INTEGER) <= 60`).run();
    const r = await t.ctx.desk.roster.download();
    return { t, r };
  }

  it('a download that would drop most of the roster is held; nothing changes until a supervisor confirms', async () => {
    const { t, r } = await shrunk();
    expect(r.status).toBe('held');
    expect(liveCount(t.ctx.desk, `status = 'active'`)).toBe(100);
    const status = await t.call<RosterStatusView>('roster.status', {});
    expect(status.result).toMatchObject({ state: 'held', activeInScope: 100, held: { before: 100, after: 40 } });
    expect(status.result!.held!.reason).toContain('减少 60%');
    // Asking again does not download over it.
    expect((await t.ctx.desk.roster.download()).status).toBe('held');
    // A clerk may not confirm.
    expect((await t.call('roster.confirmShrink', { confirm: true })).error?.code).toBe('FORBIDDEN');
    const confirmed = await t.call<RosterStatusView>('roster.confirmShrink', { confirm: true }, t.supervisor);
    expect(confirmed.result).toMatchObject({ state: 'idle', held: null, activeInScope: 40, last: { outcome: 'applied', removed: 50 } });
    expect(liveCount(t.ctx.desk)).toBe(50);
    const audit = t.ctx.desk.db.$client.prepare(`SELECT action, clerk_id FROM audit_log WHERE action LIKE 'roster.download.%' ORDER BY id`).all();
    expect(audit.map((a) => (a as { action: string }).action)).toEqual(['roster.download.apply', 'roster.download.held', 'roster.download.apply']);
  });

  it('a supervisor may discard the held download instead; the roster stays as it was', async () => {
    const { t, r } = await shrunk();
    expect(r.status).toBe('held');
    const discarded = await t.call<RosterStatusView>('roster.discard', {}, t.supervisor);
    expect(discarded.result).toMatchObject({ state: 'idle', held: null, activeInScope: 100, last: { outcome: 'discarded' } });
    expect(liveCount(t.ctx.desk, `status = 'active'`)).toBe(100);
    expect((await t.call('roster.confirmShrink', { confirm: true }, t.supervisor)).error?.code).toBe('NOTHING_HELD');
  });

  it('roster.download answers at once and the status shows progress and the result', async () => {
    const t = await startIdentityDesk();
    cleanups.push(() => t.stop());
    seedRoster(t.agency, 10);
    const started = await t.call<RosterStatusView>('roster.download', {});
    expect(started.ok).toBe(true);
    await t.ctx.desk.roster.idle();
    const s = await t.call<RosterStatusView>('roster.status', {});
    expect(s.result).toMatchObject({ state: 'idle', running: false, activeInScope: 14, last: { outcome: 'applied', received: 14 } });
  });
});
