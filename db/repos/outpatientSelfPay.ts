import { asc, eq, sql } from 'drizzle-orm';
import { outbox, outpatientFullSelfPays, outpatientVisits, persons } from '../schema.ts';
import type { Tx } from './clerks.ts';

/** A visit paid 全额自付 (issue 16 §7, docs/outpatient.md). Insert-only, one per visit. */

export type OtpSelfPayRow = typeof outpatientFullSelfPays.$inferSelect;

export function insertOtpSelfPay(db: Tx, row: Omit<typeof outpatientFullSelfPays.$inferInsert, 'id' | 'createdAt'>): number {
  return db.insert(outpatientFullSelfPays).values(row).returning({ id: outpatientFullSelfPays.id }).get().id;
}

export function otpSelfPayOf(db: Tx, visitId: number): OtpSelfPayRow | undefined {
  return db.select().from(outpatientFullSelfPays).where(eq(outpatientFullSelfPays.visitId, visitId)).get();
}

/** How many of the visit's messages (2201, 2203 diagnoses, 2204 details…) are still queued, sent or refused. */
export function visitQueued(db: Tx, visitId: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(outbox).where(eq(outbox.subject, `otp:${visitId}`)).get()?.n ?? 0;
}

/** Every 全额自付 visit whose details or diagnoses are still queued: its 2-day upload deadline is open. */
export function otpSelfPayUploadsOpen(db: Tx): { row: OtpSelfPayRow; otpNo: string; psnName: string; queued: number }[] {
  return db.select({ row: outpatientFullSelfPays, otpNo: outpatientVisits.otpNo, psnName: persons.psnName, queued: sql<number>`(SELECT count(*) FROM outbox o WHERE o.subject = 'otp:' || ${outpatientFullSelfPays.visitId})` })
    .from(outpatientFullSelfPays)
    .innerJoin(outpatientVisits, eq(outpatientVisits.id, outpatientFullSelfPays.visitId))
    .innerJoin(persons, eq(persons.id, outpatientVisits.personId))
    .orderBy(asc(outpatientFullSelfPays.uploadBy))
    .all()
    .filter((r) => r.queued > 0);
}
