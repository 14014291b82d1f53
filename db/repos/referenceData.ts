import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { catalogueItems, policies } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { getSetting, setSetting } from './institution.ts';
import { SQL_CHUNK } from './chunk.ts';

/**
 * Catalogue and policies as the agency's downloads leave them. Both are versioned and nothing a
 * settlement used is ever removed: a catalogue download becomes a new whole version (the setting
 * `catalogue.version` names the current one); a policy version the agency no longer lists is
 * marked retired, not deleted.
 */

export type CatalogueRow = Omit<typeof catalogueItems.$inferInsert, 'id' | 'version'>;

export function currentCatalogueVersionName(db: Tx): string | null {
  return getSetting(db, 'catalogue.version') ?? null;
}

/** The rows of one catalogue version, without ids, by national code. */
export function catalogueRowsOf(db: Tx, version: string): Map<string, CatalogueRow> {
  const rows = db.select().from(catalogueItems).where(eq(catalogueItems.version, version)).all();
  return new Map(rows.map(({ id: _id, version: _v, ...r }) => [r.medListCodg, r]));
}

export function catalogueVersionExists(db: Tx, version: string): boolean {
  return db.select({ n: sql<number>`count(*)` }).from(catalogueItems).where(eq(catalogueItems.version, version)).get()!.n > 0;
}

/** Stores a whole catalogue version and makes it the current one, in the caller's transaction. */
export function insertCatalogueSnapshot(db: Tx, version: string, rows: readonly CatalogueRow[]): void {
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(catalogueItems).values(rows.slice(k, k + SQL_CHUNK).map((r) => ({ ...r, version }))).run();
  setCurrentCatalogue(db, version);
}

export function setCurrentCatalogue(db: Tx, version: string): void {
  setSetting(db, 'catalogue.version', version);
}

export function catalogueSize(db: Tx, version: string | null): number {
  if (version === null) return 0;
  return db.select({ n: sql<number>`count(*)` }).from(catalogueItems).where(eq(catalogueItems.version, version)).get()!.n;
}

export interface PolicyRow {
  version: string;
  insuplcAdmdvs: string;
  insutype: string;
  year: number;
  body: string;
  retiredAt: string | null;
}

export function policyRows(db: Tx, versions: string[]): Map<string, PolicyRow> {
  const out = new Map<string, PolicyRow>();
  for (let k = 0; k < versions.length; k += SQL_CHUNK) {
    for (const r of db.select().from(policies).where(inArray(policies.version, versions.slice(k, k + SQL_CHUNK))).all()) {
      out.set(r.version, { version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, body: r.body, retiredAt: r.retiredAt });
    }
  }
  return out;
}

export function activePolicyVersions(db: Tx): string[] {
  return db.select({ v: policies.version }).from(policies).where(isNull(policies.retiredAt)).all().map((r) => r.v);
}

export function countPolicies(db: Tx): { active: number; retired: number } {
  const r = db.select({ active: sql<number>`coalesce(sum(CASE WHEN ${policies.retiredAt} IS NULL THEN 1 ELSE 0 END), 0)`, retired: sql<number>`coalesce(sum(CASE WHEN ${policies.retiredAt} IS NOT NULL THEN 1 ELSE 0 END), 0)` }).from(policies).get();
  return { active: r?.active ?? 0, retired: r?.retired ?? 0 };
}

export function insertPolicyVersion(db: Tx, p: Omit<PolicyRow, 'retiredAt'>): void {
  db.insert(policies).values({ version: p.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body }).run();
}

/** The agency lists this version again: it is offered for new settlements again. */
export function reinstatePolicy(db: Tx, version: string): void {
  db.update(policies).set({ retiredAt: null }).where(and(eq(policies.version, version), isNotNull(policies.retiredAt))).run();
}

export function retirePolicies(db: Tx, versions: string[], at: string): number {
  let n = 0;
  for (let k = 0; k < versions.length; k += SQL_CHUNK) {
    n += db.update(policies).set({ retiredAt: at }).where(and(inArray(policies.version, versions.slice(k, k + SQL_CHUNK)), isNull(policies.retiredAt))).run().changes;
  }
  return n;
}

/** Active policies' regions and bodies (for parameters such as detailUploadDays). */
export function activePolicyBodies(db: Tx): { insuplcAdmdvs: string; insutype: string; year: number; body: string }[] {
  return db.select({ insuplcAdmdvs: policies.insuplcAdmdvs, insutype: policies.insutype, year: policies.year, body: policies.body }).from(policies).where(isNull(policies.retiredAt)).all();
}
