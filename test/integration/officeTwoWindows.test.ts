import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admissions, outbox, settlements } from '../../db/schema.ts';
import type { OfficeTarget } from '../../db/pg/openOffice.ts';
import { DEMO_AGENCY_KEY } from '../../electron/services/demo/demoData.ts';
import type { SettlementPreview, SettlementState } from '../../shared/api/settlement.ts';
import { addDays } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { startDeskHost } from '../support/deskHost.ts';
import { pgUnavailable, startPgCluster, type PgCluster } from '../support/pgCluster.ts';
import { admit, b64, fails, feeCsv, ITEM, login, ok, type Ctx } from '../support/settlementFixtures.ts';

/**
 * The office (issue 18 point 4): two windows — two desks with their own hosts, sessions and
 * sign-ins — on one PostgreSQL store and one reference agency. A stay admitted at one is settled
 * at the other; both see it; the shared outbox has one sender, and every message reaches the
 * agency exactly once; when the sender window closes, the other takes over.
 */
const skip = pgUnavailable();

describe.skipIf(skip !== null)('two windows on one office store', () => {
  let cluster: PgCluster;
  let agency: ReferenceAgency;
  let target: OfficeTarget;
  const windows: Ctx[] = [];

  async function openWindow(name: string): Promise<Ctx> {
    const dataDir = mkdtempSync(join(tmpdir(), `yidi-window-${name}-`));
    const h = await startDeskHost({ dataDir, office: { ...target, applicationName: name }, agencyUrl: agency.url, sync: { backoffBaseMs: 20, idleMs: 100, inFlightGraceMs: 200 } });
    await h.desk.connectivity.check();
    const ctx: Ctx = { desk: h.desk, host: h.host, agency, clerk: await login(h.host, 'clerk01'), supervisor: await login(h.host, 'super01'), stop: async () => { await h.desk.stopSync(); await h.stop(); } };
    windows.push(ctx);
    return ctx;
  }

  beforeAll(async () => {
    cluster = await startPgCluster();
    await cluster.createDatabase('office');
    target = { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'office', password: null, tls: 'disable', statementTimeoutMs: 30_000 };
    agency = await startReferenceAgency({ port: 0, institutions: [{ code: 'H34010400001', name: '合肥市第一人民医院（演示）', key: DEMO_AGENCY_KEY, admdvs: '340104', level: 3 }] });
    seedDemoAgency(agency.store);
  }, 90_000);

  afterAll(async () => {
    for (const w of windows) await w.stop().catch(() => undefined);
    await agency?.close();
    await cluster?.stop();
  });

  it('admit at window 1, settle at window 3: both see it, one sender, each message once at the agency, and the other window takes over', async () => {
    const w1 = await openWindow('入院处');
    const w3 = await openWindow('出院结算处');
    w1.desk.startSync();
    w3.desk.startSync();
    // Within a poll or two exactly one of them holds the office's sender lock.
    for (let i = 0; i < 50 && w1.desk.officeSender === w3.desk.officeSender; i++) await new Promise((r) => setTimeout(r, 100));
    expect([w1.desk.officeSender, w3.desk.officeSender].sort()).toEqual([false, true]);

    // Window 1 admits (its 2401 goes up through whichever window sends) and imports the fees.
    const a = await admit(w1);
    await ok(w1, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv([
      { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
      { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
    ], addDays(a.admittedOn, 1))) });

    // Window 3 finds the same stay in its list and settles it.
    const list = await ok<{ id: number }[]>(w3, 'settlement.admissions', { query: a.iptNo });
    expect(list.map((r) => r.id)).toContain(a.id);
    const p = await ok<SettlementPreview>(w3, 'settlement.preview', { admissionId: a.id });
    const done = await ok<{ settlementId: number | null; state: SettlementState }>(w3, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    expect(done.settlementId).not.toBeNull();
    // Window 1 had the same stay open: its commit is refused, not a second settlement.
    const twice = await fails(w1, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    expect(twice).toMatchObject({ code: 'ALREADY_SETTLED', message: expect.stringContaining('已结算') });

    // Window 1 sees the settlement without any reload: it reads the same store.
    const seen = await ok<SettlementState>(w1, 'settlement.state', { admissionId: a.id });
    expect(seen.active).not.toBeNull();
    expect(seen.settlements.map((x) => x.id)).toContain(done.settlementId);
    expect(w1.desk.db.select().from(admissions).where(eq(admissions.id, a.id)).get()!.status).toBe('discharged');
    expect(w1.desk.db.select().from(settlements).where(eq(settlements.admissionId, a.id)).all()).toHaveLength(1);

    // Exactly once at the agency: every msgid once, and one 2401 / 2304 for the stay.
    for (let i = 0; i < 100 && w1.desk.db.select().from(outbox).all().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(w1.desk.db.select().from(outbox).all()).toEqual([]);
    const messages = agency.store.db.prepare('SELECT msgid, infno FROM messages').all() as { msgid: string; infno: string }[];
    expect(new Set(messages.map((m) => m.msgid)).size).toBe(messages.length);
    expect(agency.store.db.prepare(`SELECT count(*) AS n FROM settlements`).get()).toEqual({ n: 1 });

    // The sender window closes; the other takes the lock over within seconds and delivers the next stay's 2401.
    const sender = w1.desk.officeSender ? w1 : w3;
    const other = sender === w1 ? w3 : w1;
    await sender.stop();
    windows.splice(windows.indexOf(sender), 1);
    for (let i = 0; i < 80 && !other.desk.officeSender; i++) await new Promise((r) => setTimeout(r, 100));
    expect(other.desk.officeSender).toBe(true);
  });
});
