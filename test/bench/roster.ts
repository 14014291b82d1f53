import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../db/open.ts';
import { saveInstitution } from '../../db/repos/institution.ts';
import { bestRegistrationFor, type RosterItem } from '../../db/repos/registrations.ts';
import { encodeStagedPage, putStagedPage, saveCursor, stagedPages } from '../../db/repos/syncCursors.ts';
import { COMMIT_EVERY_BYTES, COMMIT_EVERY_PAGES } from '../../electron/sync/pagedDownload.ts';
import { DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import { ROSTER, rosterSpec } from '../../electron/sync/rosterDownload.ts';
import { rateFigure, timeFigure, type Figure } from './harness.ts';

/**
 * roster.lookup.p50 / .p99: the offline check's roster lookup (bestRegistrationFor, drizzle) by
 * certno in a 1,000,000-registration roster, against a bare prepared statement on the same table.
 * roster.import: rows/s through the download's staging and apply (pages of 1000 staged, then one
 * transaction upserting them and removing absent rows), against bare prepared inserts in one
 * transaction; roster.import.apply: the apply transaction alone against the same baseline.
 */

const ROSTER_ROWS = 1_000_000;
const LOOKUPS = 3000;
const IMPORT_ROWS = 100_000;
const PAGE = 1000;

async function freshDb(): Promise<Db> {
  const db = await openDatabase(join(mkdtempSync(join(tmpdir(), 'yidi-bench-roster-')), 'desk.sqlite'));
  saveInstitution(db, DEMO_INSTITUTION);
  return db;
}

const certOf = (i: number) => `3408021980${String(i).padStart(8, '0')}`;

function item(i: number, prefix: string): RosterItem {
  return {
    agencyId: `${prefix}${i}`, certno: certOf(i), psnNo: `P${i}`, psnName: `病人${i % 1000}`, insuplcAdmdvs: '340802',
    grp: i % 3 === 0 ? 'resettledRetiree' : 'referral', basis: 'proof', destination: '340100', effectiveFrom: '2026-10-01', proofSuppliedOn: null, status: i % 10 === 0 ? 'cancelled' : 'active',
  };
}

function bareInsert(db: Db) {
  return db.$client.prepare(`INSERT INTO registrations (agency_id, certno, psn_no, psn_name, insuplc_admdvs, grp, basis, destination, effective_from, proof_supplied_on, status, roster_version, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench', ?)`);
}

function insertBare(db: Db, from: number, count: number, prefix: string): void {
  const stmt = bareInsert(db);
  const at = new Date().toISOString();
  db.$client.transaction(() => {
    for (let i = from; i < from + count; i++) {
      const r = item(i, prefix);
      stmt.run(r.agencyId, r.certno, r.psnNo, r.psnName, r.insuplcAdmdvs, r.grp, r.basis, r.destination, r.effectiveFrom, r.proofSuppliedOn, r.status, at);
    }
  })();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Per-call times in ms, sorted. */
function sample(fn: (i: number) => void, keys: number[]): number[] {
  const out: number[] = [];
  for (const k of keys) {
    const t0 = process.hrtime.bigint();
    fn(k);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

export async function benchRosterLookup(): Promise<Figure[]> {
  const db = await freshDb();
  // Building the million rows is set-up, not measured: generated inside SQLite, no fsync while it runs.
  db.$client.pragma('synchronous = OFF');
  db.$client.exec('DROP INDEX registrations_certno');
  db.$client.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROSTER_ROWS - 1})
    INSERT INTO registrations (agency_id, certno, psn_no, psn_name, insuplc_admdvs, grp, basis, destination, effective_from, status, roster_version, updated_at)
    SELECT 'R' || i, '3408021980' || printf('%08d', i), 'P' || i, '病人' || (i % 1000), '340802', CASE WHEN i % 3 = 0 THEN 'resettledRetiree' ELSE 'referral' END,
      'proof', '340100', '2026-10-01', CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'active' END, 'bench', '2026-11-01T00:00:00.000Z' FROM n`);
  db.$client.exec('CREATE INDEX registrations_certno ON registrations (certno)');
  db.$client.pragma('synchronous = FULL');
  const bare = db.$client.prepare(`SELECT * FROM registrations WHERE certno = ? ORDER BY (status = 'active') DESC, effective_from DESC, id DESC LIMIT 1`);
  // A fixed pseudo-random spread of keys, the same for both sides; half warm-up.
  const keys = Array.from({ length: LOOKUPS }, (_, n) => (n * 7_919_993 + 12_345) % ROSTER_ROWS);
  const viaRepo = (i: number) => {
    if (!bestRegistrationFor(db, certOf(i))) throw new Error('bench: missing row');
  };
  const viaBare = (i: number) => {
    if (!bare.get(certOf(i))) throw new Error('bench: missing row');
  };
  sample(viaRepo, keys.slice(0, 300));
  sample(viaBare, keys.slice(0, 300));
  const repo = sample(viaRepo, keys);
  const base = sample(viaBare, keys);
  db.$client.close();
  return [
    timeFigure('roster.lookup.p50', percentile(repo, 0.5), percentile(base, 0.5)),
    timeFigure('roster.lookup.p99', percentile(repo, 0.99), percentile(base, 0.99)),
  ];
}

export async function benchRosterImport(): Promise<Figure[]> {
  const baseDb = await freshDb();
  const t0 = process.hrtime.bigint();
  insertBare(baseDb, 0, IMPORT_ROWS, 'B');
  const baseline = IMPORT_ROWS / (Number(process.hrtime.bigint() - t0) / 1e9);
  baseDb.$client.close();

  const db = await freshDb();
  const run = { runId: 'bench', startedAt: new Date().toISOString(), pages: 0, received: IMPORT_ROWS, total: IMPORT_ROWS, counters: {}, complete: true, lastError: null };
  const t1 = process.hrtime.bigint();
  // As the download does it: pages staged in durable batches (COMMIT_EVERY_PAGES pages or
  // COMMIT_EVERY_BYTES of JSON, whichever first, with the cursor row), then applied in one.
  let batch: { seq: number; json: string }[] = [];
  let bytes = 0;
  const stage = () => {
    const pages = batch;
    db.transaction((tx) => {
      for (const p of pages) putStagedPage(tx, ROSTER, p.seq, p.json);
      saveCursor(tx, ROSTER, { cursor: `after-${pages.at(-1)!.seq}`, state: 'downloading', staging: { run } });
    });
    batch = [];
    bytes = 0;
  };
  for (let from = 0; from < IMPORT_ROWS; from += PAGE) {
    const json = encodeStagedPage(Array.from({ length: PAGE }, (_, k) => item(from + k, 'R')));
    batch.push({ seq: from / PAGE + 1, json });
    bytes += Buffer.byteLength(json);
    if (batch.length >= COMMIT_EVERY_PAGES || bytes >= COMMIT_EVERY_BYTES || from + PAGE >= IMPORT_ROWS) stage();
  }
  const t2 = process.hrtime.bigint();
  db.transaction((tx) => rosterSpec.apply(tx, stagedPages(tx, ROSTER) as Iterable<RosterItem[]>, run));
  const t3 = process.hrtime.bigint();
  const value = IMPORT_ROWS / (Number(t3 - t1) / 1e9);
  const applyOnly = IMPORT_ROWS / (Number(t3 - t2) / 1e9);
  const n = (db.$client.prepare('SELECT count(*) AS n FROM registrations').get() as { n: number }).n;
  db.$client.close();
  if (n !== IMPORT_ROWS) throw new Error(`bench: imported ${n} of ${IMPORT_ROWS}`);
  // roster.import.apply: the apply transaction alone (what the staging's durable commits add is
  // the difference between the two figures).
  return [rateFigure('roster.import', value, baseline, 'rows/s'), rateFigure('roster.import.apply', applyOnly, baseline, 'rows/s')];
}
