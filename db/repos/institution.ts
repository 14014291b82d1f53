import { eq } from 'drizzle-orm';
import { institution, settings } from '../schema.ts';
import type { Tx } from './clerks.ts';

export type InstitutionRow = typeof institution.$inferSelect;

export function getInstitution(db: Tx): InstitutionRow | undefined {
  return db.select().from(institution).where(eq(institution.id, 1)).get();
}

export function saveInstitution(db: Tx, row: Omit<InstitutionRow, 'id'>): void {
  db.insert(institution).values({ id: 1, ...row }).onConflictDoUpdate({ target: institution.id, set: row }).run();
}

export function getSetting(db: Tx, key: string): string | undefined {
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value;
}

export function setSetting(db: Tx, key: string, value: string): void {
  db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date().toISOString() } }).run();
}
