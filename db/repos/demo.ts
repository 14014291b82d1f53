import { catalogueItems, persons, policies, registrations } from '../schema.ts';
import type { Tx } from './clerks.ts';

/** Reference data writes used by the demo loader (and later by the download jobs). */
export function insertPerson(db: Tx, row: typeof persons.$inferInsert): number {
  return db.insert(persons).values(row).returning({ id: persons.id }).get().id;
}

export function insertRegistration(db: Tx, row: typeof registrations.$inferInsert): void {
  db.insert(registrations).values(row).run();
}

export function insertPolicy(db: Tx, row: { version: string; insuplcAdmdvs: string; insutype: string; year: number; body: unknown }): void {
  db.insert(policies).values({ ...row, body: JSON.stringify(row.body) }).run();
}

export function insertCatalogueItem(db: Tx, row: typeof catalogueItems.$inferInsert): void {
  db.insert(catalogueItems).values(row).run();
}
