import { admissions } from '../schema.ts';
import type { Tx } from './clerks.ts';

export type AdmissionInsert = typeof admissions.$inferInsert;

export function insertAdmission(db: Tx, row: AdmissionInsert): number {
  return db.insert(admissions).values(row).returning({ id: admissions.id }).get().id;
}
