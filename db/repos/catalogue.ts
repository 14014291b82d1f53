import { and, eq, inArray, sql } from 'drizzle-orm';
import type { CatalogueItem } from '../../shared/catalogue.ts';
import { parseDecimal, parseRatio } from '../../shared/money.ts';
import { catalogueItems } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { getSetting, setSetting } from './institution.ts';
import { SQL_CHUNK } from './chunk.ts';

/** The catalogue version the desk settles with (set by an import or the catalogue download). */
export function currentCatalogueVersion(db: Tx): string | null {
  return getSetting(db, 'catalogue.version') ?? null;
}

export function catalogueVersionSize(db: Tx, version: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(catalogueItems).where(eq(catalogueItems.version, version)).get()?.n ?? 0;
}

/** A whole version, stored in one go by the caller's transaction, and made current. */
export function insertCatalogueVersion(db: Tx, version: string, items: readonly CatalogueItem[]): void {
  const rows = items.map((i) => ({
    version,
    medListCodg: i.medListCodg,
    medinsListCodg: i.medinsListCodg,
    name: i.name,
    medChrgitmType: i.medChrgitmType,
    chrgitmLv: i.chrgitmLv,
    selfpayProp: i.selfpayProp.toFixed(),
    pricUplmtAmt: i.pricUplmtAmt === null ? null : i.pricUplmtAmt.toFixed(),
    begndate: i.begndate,
    enddate: i.enddate,
  }));
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(catalogueItems).values(rows.slice(k, k + SQL_CHUNK)).run();
  setSetting(db, 'catalogue.version', version);
}

function toItem(r: typeof catalogueItems.$inferSelect): CatalogueItem {
  const lv = r.chrgitmLv === '1' || r.chrgitmLv === '01' ? '01' : r.chrgitmLv === '2' || r.chrgitmLv === '02' ? '02' : '03';
  return {
    medListCodg: r.medListCodg,
    medinsListCodg: r.medinsListCodg,
    name: r.name,
    medChrgitmType: r.medChrgitmType,
    chrgitmLv: lv,
    selfpayProp: parseRatio(r.selfpayProp, 'selfpay_prop'),
    pricUplmtAmt: r.pricUplmtAmt === null ? null : parseDecimal(r.pricUplmtAmt, 'pric_uplmt_amt'),
    begndate: r.begndate,
    enddate: r.enddate,
  };
}

/** The items of a version for the given national codes (looked up in slices: a stay may list thousands). */
export function catalogueItemsFor(db: Tx, version: string, codes: Iterable<string>): Map<string, CatalogueItem> {
  const list = [...new Set(codes)];
  const out = new Map<string, CatalogueItem>();
  for (let k = 0; k < list.length; k += SQL_CHUNK) {
    const rows = db.select().from(catalogueItems).where(and(eq(catalogueItems.version, version), inArray(catalogueItems.medListCodg, list.slice(k, k + SQL_CHUNK)))).all();
    for (const r of rows) out.set(r.medListCodg, toItem(r));
  }
  return out;
}

export function catalogueVersions(db: Tx): { version: string; items: number }[] {
  return db.select({ version: catalogueItems.version, items: sql<number>`count(*)` }).from(catalogueItems).groupBy(catalogueItems.version).orderBy(sql`min(${catalogueItems.id})`).all();
}
