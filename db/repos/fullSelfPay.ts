import { asc, eq, sql } from 'drizzle-orm';
import { admissions, fullSelfPayDischarges, outbox, persons } from '../schema.ts';
import type { Tx } from './clerks.ts';

export type FullSelfPayRow = typeof fullSelfPayDischarges.$inferSelect;

export function insertFullSelfPay(db: Tx, row: Omit<typeof fullSelfPayDischarges.$inferInsert, 'id' | 'createdAt'>): number {
  return db.insert(fullSelfPayDischarges).values(row).returning({ id: fullSelfPayDischarges.id }).get().id;
}

export function fullSelfPayOf(db: Tx, admissionId: number): FullSelfPayRow | undefined {
  return db.select().from(fullSelfPayDischarges).where(eq(fullSelfPayDischarges.admissionId, admissionId)).get();
}

/** Whether anything of the stay is still queued for the agency (the details and diagnosis not all delivered). */
export function stayQueued(db: Tx, admissionId: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.subject, `adm:${admissionId}`)).get()?.n ?? 0;
}

/** Every 全额自付 stay whose details or diagnosis are still queued: the 2-day upload deadline is open. */
export function selfPayUploadsOpen(db: Tx): { row: FullSelfPayRow; iptNo: string; psnName: string; queued: number }[] {
  return db.select({ row: fullSelfPayDischarges, iptNo: admissions.iptNo, psnName: persons.psnName, queued: sql<number>`(SELECT count(*) FROM outbox o WHERE o.subject = 'adm:' || ${fullSelfPayDischarges.admissionId})` })
    .from(fullSelfPayDischarges)
    .innerJoin(admissions, eq(admissions.id, fullSelfPayDischarges.admissionId))
    .innerJoin(persons, eq(persons.id, admissions.personId))
    .orderBy(asc(fullSelfPayDischarges.uploadBy))
    .all()
    .filter((r) => r.queued > 0);
}
