import { and, eq, inArray, sql } from 'drizzle-orm';
import { dictionaryEntries, medinsItemMatches, nationalListEntries } from '../schema.ts';
import { SQL_CHUNK } from './chunk.ts';
import type { Tx } from './clerks.ts';
import { getSetting, setSetting } from './institution.ts';

/**
 * What the national catalogue download leaves besides the catalogue itself (docs/catalogue.md):
 * the 1317 matches (hospital item code → national code) and the 1901 dictionaries. Each download
 * is a new whole version named by a setting; old versions stay (nothing the desk used is removed).
 */

export type MatchRow = Omit<typeof medinsItemMatches.$inferInsert, 'id' | 'version'>;
export type DictionaryRow = Omit<typeof dictionaryEntries.$inferInsert, 'id' | 'version'>;

const MATCHES_KEY = 'matches.version';
const DICT_KEY = 'dictionaries.version';

export function currentMatchVersion(db: Tx): string | null {
  return getSetting(db, MATCHES_KEY) ?? null;
}

export function currentDictionaryVersion(db: Tx): string | null {
  return getSetting(db, DICT_KEY) ?? null;
}

export function insertMatchVersion(db: Tx, version: string, rows: readonly MatchRow[]): void {
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(medinsItemMatches).values(rows.slice(k, k + SQL_CHUNK).map((r) => ({ ...r, version }))).run();
  setSetting(db, MATCHES_KEY, version);
}

export function insertDictionaryVersion(db: Tx, version: string, rows: readonly DictionaryRow[]): void {
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(dictionaryEntries).values(rows.slice(k, k + SQL_CHUNK).map((r) => ({ ...r, version }))).run();
  setSetting(db, DICT_KEY, version);
}

export function versionInUse(db: Tx, table: 'matches' | 'dictionaries', version: string): boolean {
  const t = table === 'matches' ? medinsItemMatches : dictionaryEntries;
  return db.select({ n: sql<number>`count(*)` }).from(t).where(eq(t.version, version)).get()!.n > 0;
}

/** The current version's matches of these hospital codes (all their date ranges). */
export function matchesFor(db: Tx, codes: Iterable<string>): Map<string, MatchRow[]> {
  const version = currentMatchVersion(db);
  const out = new Map<string, MatchRow[]>();
  if (version === null) return out;
  const list = [...new Set(codes)];
  for (let k = 0; k < list.length; k += SQL_CHUNK) {
    const rows = db.select().from(medinsItemMatches).where(and(eq(medinsItemMatches.version, version), inArray(medinsItemMatches.medinsListCodg, list.slice(k, k + SQL_CHUNK)))).all();
    for (const { id: _id, version: _v, ...r } of rows) out.set(r.medinsListCodg, [...(out.get(r.medinsListCodg) ?? []), r]);
  }
  return out;
}

/** Every row of one match version, without ids. */
export function medinsItemMatchRows(db: Tx, version: string): MatchRow[] {
  return db.select().from(medinsItemMatches).where(eq(medinsItemMatches.version, version)).all().map(({ id: _id, version: _v, ...r }) => r);
}

export function matchCount(db: Tx): number {
  const version = currentMatchVersion(db);
  if (version === null) return 0;
  return db.select({ n: sql<number>`count(*)` }).from(medinsItemMatches).where(eq(medinsItemMatches.version, version)).get()!.n;
}

/** The current dictionaries: type → value → label. */
export function dictionaries(db: Tx): Map<string, Map<string, string>> {
  const version = currentDictionaryVersion(db);
  const out = new Map<string, Map<string, string>>();
  if (version === null) return out;
  for (const r of db.select().from(dictionaryEntries).where(eq(dictionaryEntries.version, version)).all()) {
    if (!out.has(r.type)) out.set(r.type, new Map());
    out.get(r.type)!.set(r.value, r.label);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The other catalogue files (1307 疾病与诊断, 1308 手术操作, …): code / name / validity rows, one
// whole version per file per download, the current one named by a setting per file.

export type ListRow = Omit<typeof nationalListEntries.$inferInsert, 'id' | 'version' | 'infno'>;

const LIST_KEY = (infno: string): string => `list.version.${infno}`;

export function currentListVersion(db: Tx, infno: string): string | null {
  return getSetting(db, LIST_KEY(infno)) ?? null;
}

/** Every row of the current version of one file, by code (empty when there is none). */
export function currentListRows(db: Tx, infno: string): Map<string, ListRow> {
  const version = currentListVersion(db, infno);
  const out = new Map<string, ListRow>();
  if (version === null) return out;
  for (const { id: _id, version: _v, infno: _i, ...r } of db.select().from(nationalListEntries).where(and(eq(nationalListEntries.infno, infno), eq(nationalListEntries.version, version))).all()) out.set(r.code, r);
  return out;
}

export function insertListVersion(db: Tx, infno: string, version: string, rows: readonly ListRow[]): void {
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(nationalListEntries).values(rows.slice(k, k + SQL_CHUNK).map((r) => ({ ...r, infno, version }))).run();
  setSetting(db, LIST_KEY(infno), version);
}

export function listVersionInUse(db: Tx, infno: string, version: string): boolean {
  return db.select({ n: sql<number>`count(*)` }).from(nationalListEntries).where(and(eq(nationalListEntries.infno, infno), eq(nationalListEntries.version, version))).get()!.n > 0;
}

/** The current version's rows of these codes in one file (e.g. a diagnosis code's name in 1307). */
export function listEntries(db: Tx, infno: string, codes: Iterable<string>): Map<string, ListRow> {
  const version = currentListVersion(db, infno);
  const out = new Map<string, ListRow>();
  if (version === null) return out;
  const list = [...new Set(codes)];
  for (let k = 0; k < list.length; k += SQL_CHUNK) {
    const rows = db.select().from(nationalListEntries).where(and(eq(nationalListEntries.infno, infno), eq(nationalListEntries.version, version), inArray(nationalListEntries.code, list.slice(k, k + SQL_CHUNK)))).all();
    for (const { id: _id, version: _v, infno: _i, ...r } of rows) out.set(r.code, r);
  }
  return out;
}

/** Per file the desk has: its current version and how many rows it holds. */
export function listSummary(db: Tx): { infno: string; version: string; rows: number }[] {
  return db.select({ infno: nationalListEntries.infno, version: nationalListEntries.version, rows: sql<number>`count(*)` }).from(nationalListEntries).groupBy(nationalListEntries.infno, nationalListEntries.version).all()
    .filter((r) => currentListVersion(db, r.infno) === r.version)
    .sort((a, b) => (a.infno < b.infno ? -1 : 1));
}
