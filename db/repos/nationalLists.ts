import { and, eq, inArray, sql } from 'drizzle-orm';
import { dictionaryEntries, medinsItemMatches } from '../schema.ts';
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
