import { and, desc, eq, inArray, lt, ne, or, isNull, sql } from 'drizzle-orm';
import { registrations } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { connectionOf } from './connection.ts';
import { onOffice } from '../dialect.ts';

/**
 * The registration roster (备案) for this treatment region, mirrored from the agency: rows come
 * from roster downloads and from person queries (1101). It is the agency's data, so a newer
 * answer replaces an older one; nothing here left the desk.
 */
export type RegistrationRow = typeof registrations.$inferSelect;

export interface RosterItem {
  agencyId: string;
  certno: string;
  psnNo: string | null;
  psnName: string | null;
  insuplcAdmdvs: string;
  grp: RegistrationRow['grp'];
  basis: RegistrationRow['basis'];
  destination: string;
  effectiveFrom: string;
  proofSuppliedOn: string | null;
  status: RegistrationRow['status'];
}

/**
 * The registration that decides, as the agency picks it: active before cancelled, then the latest start.
 * The offline identity check calls this once per lookup in a roster of up to a million rows, so the
 * drizzle query is built and prepared once per connection/transaction handle and then only bound
 * (issue 19: building it per call cost several times SQLite's own indexed lookup, and its garbage
 * made the 99th percentile many times the bare statement's).
 */
export function bestRegistrationFor(db: Tx, certno: string): RegistrationRow | undefined {
  let q = bestQueries.get(db);
  if (!q) {
    q = prepareBest(db);
    bestQueries.set(db, q);
  }
  return q.get({ certno });
}

function prepareBest(db: Tx) {
  return db
    .select()
    .from(registrations)
    .where(eq(registrations.certno, sql.placeholder('certno')))
    .orderBy(sql`(${registrations.status} = 'active') DESC`, desc(registrations.effectiveFrom), desc(registrations.id))
    .limit(1)
    .prepare();
}

const bestQueries = new WeakMap<Tx, ReturnType<typeof prepareBest>>();

const COLUMN_LIST = 'agency_id, certno, psn_no, psn_name, insuplc_admdvs, grp, basis, destination, effective_from, proof_supplied_on, status, roster_version, updated_at';
const COLUMNS = sql.raw(COLUMN_LIST);
const JSON_KEYS = ['agencyId', 'certno', 'psnNo', 'psnName', 'insuplcAdmdvs', 'grp', 'basis', 'destination', 'effectiveFrom', 'proofSuppliedOn', 'status'];
const FROM_JSON = sql.raw(JSON_KEYS.map((k) => `json_extract(j.value, '$.${k}')`).join(', '));
const FROM_JSONB = sql.raw(JSON_KEYS.map((k) => `j.value ->> '${k}'`).join(', '));
const ON_CONFLICT_TEXT = `ON CONFLICT (agency_id) DO UPDATE SET ${['certno', 'psn_no', 'psn_name', 'insuplc_admdvs', 'grp', 'basis', 'destination', 'effective_from', 'proof_supplied_on', 'status', 'roster_version', 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`;
const ON_CONFLICT = sql.raw(ON_CONFLICT_TEXT);

/**
 * Upsert by agency id. The rows go to SQLite as one JSON array and are unpacked there
 * (json_each): the roster can hold a million rows, and building or binding SQL per row in
 * JavaScript costs several times SQLite's own work.
 */
export function upsertRegistrations(db: Tx, items: readonly RosterItem[], rosterVersion: string | null, at: string = new Date().toISOString()): void {
  if (items.length === 0) return;
  if (onOffice(db)) {
    // PostgreSQL unpacks the same array; one row per agency id (the last, as SQLite's row-by-row
    // upsert leaves it), since one statement may not update a row twice.
    db.run(sql`INSERT INTO registrations (${COLUMNS}) SELECT DISTINCT ON (j.value ->> 'agencyId') ${FROM_JSONB}, CAST(${rosterVersion} AS TEXT), CAST(${at} AS TEXT)
      FROM jsonb_array_elements(CAST(${JSON.stringify(items)} AS jsonb)) WITH ORDINALITY AS j(value, n) ORDER BY j.value ->> 'agencyId', j.n DESC ${ON_CONFLICT}`);
    return;
  }
  db.run(sql`INSERT INTO registrations (${COLUMNS}) SELECT ${FROM_JSON}, ${rosterVersion}, ${at} FROM json_each(${JSON.stringify(items)}) AS j WHERE true ${ON_CONFLICT}`);
}

/**
 * The same upsert from the staged pages as the download reads them (parsed page by page, in page
 * order so a later page wins): one statement prepared once and bound per row. Unpacking the JSON
 * again in SQLite (the earlier upsertStagedRegistrations: json_each + eleven json_extract per row, then a sort on j.key) cost 1.3× the
 * CPU of this, and a drizzle prepared statement 1.6× (its placeholders are filled per row); see
 * docs/performance.md, roster.import. Returns the number of rows inserted or updated.
 */
export function upsertRosterPages(db: Tx, pages: Iterable<readonly RosterItem[]>, rosterVersion: string, at: string): number {
  const statement = connectionOf(db).prepare(`INSERT INTO registrations (${COLUMN_LIST})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${ON_CONFLICT_TEXT}`);
  let changes = 0;
  for (const page of pages) {
    for (const r of page) {
      changes += statement.run(r.agencyId, r.certno, r.psnNo, r.psnName, r.insuplcAdmdvs, r.grp, r.basis, r.destination, r.effectiveFrom, r.proofSuppliedOn, r.status, rosterVersion, at).changes;
    }
  }
  return changes;
}

/**
 * What the agency's person query (1101) said about one person's registration replaces what the
 * desk had for that person: the answered one is upserted, any other row of the person is removed
 * (the agency answers the one that decides; a stale roster row must not answer offline later).
 */
export function replacePersonRegistration(db: Tx, certno: string, item: RosterItem | null, at: string = new Date().toISOString()): void {
  const keep = item?.agencyId;
  db.delete(registrations)
    .where(keep === undefined ? eq(registrations.certno, certno) : and(eq(registrations.certno, certno), ne(registrations.agencyId, keep)))
    .run();
  if (item) upsertRegistrations(db, [item], null, at);
}

/** Active registrations whose destination is one of these codes (the roster scope of a hospital). */
export function countActiveRegistrations(db: Tx, destinations: readonly string[]): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(registrations)
    .where(and(eq(registrations.status, 'active'), inArray(registrations.destination, [...destinations])))
    .get()?.n ?? 0;
}

export function countRegistrations(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(registrations).get()?.n ?? 0;
}

/**
 * After a full roster download: rows of the roster scope that the download did not contain
 * (another roster version) and that no person query refreshed since the download began are gone
 * at the agency, so they go here too. Returns how many were removed.
 */
export function removeAbsentFromRoster(db: Tx, destinations: readonly string[], rosterVersion: string, downloadStartedAt: string): number {
  const r = db
    .delete(registrations)
    .where(and(
      inArray(registrations.destination, [...destinations]),
      or(isNull(registrations.rosterVersion), ne(registrations.rosterVersion, rosterVersion)),
      lt(registrations.updatedAt, downloadStartedAt),
    ))
    .run();
  return r.changes;
}
