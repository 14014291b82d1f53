import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { outbox, outpatientBatchWithdrawals, outpatientFeeLines, outpatientFeeSplits, outpatientRequests, outpatientSettlements, outpatientVisits, persons } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { otpNotVoided } from './outpatientVoids.ts';

/** The outpatient visit's rows (docs/outpatient.md). Insert-only except the visit's mdtrt_id, filled from the 2201 answer. */

export type VisitRow = typeof outpatientVisits.$inferSelect;
export type VisitInsert = Omit<typeof outpatientVisits.$inferInsert, 'id' | 'createdAt' | 'mdtrtId'>;
export type OtpFeeLineRow = typeof outpatientFeeLines.$inferSelect;
export type OtpFeeLineInsert = Omit<typeof outpatientFeeLines.$inferInsert, 'id' | 'createdAt'>;
export type OtpRequestRow = typeof outpatientRequests.$inferSelect;
export type OtpSettlementRow = typeof outpatientSettlements.$inferSelect;
export type OtpSettlementInsert = Omit<typeof outpatientSettlements.$inferInsert, 'id' | 'createdAt'>;
export type OtpPersonRow = typeof persons.$inferSelect;

/** What an outbox item of a visit is queued as: `otp:<visit id>`. */
export function visitSubject(visitId: number): string {
  return `otp:${visitId}`;
}

export function insertVisit(db: Tx, row: VisitInsert): number {
  return db.insert(outpatientVisits).values(row).returning({ id: outpatientVisits.id }).get().id;
}

export function visitWithPerson(db: Tx, visitId: number): { visit: VisitRow; person: OtpPersonRow } | undefined {
  const r = db.select({ visit: outpatientVisits, person: persons }).from(outpatientVisits).innerJoin(persons, eq(persons.id, outpatientVisits.personId)).where(eq(outpatientVisits.id, visitId)).get();
  return r ?? undefined;
}

export function visitByOtpNo(db: Tx, otpNo: string): VisitRow | undefined {
  return db.select().from(outpatientVisits).where(eq(outpatientVisits.otpNo, otpNo)).get();
}

export function visitsOfPerson(db: Tx, personId: number): VisitRow[] {
  return db.select().from(outpatientVisits).where(eq(outpatientVisits.personId, personId)).orderBy(desc(outpatientVisits.id)).all();
}

/** The visit whose 2201 this is (a result handler runs when the outbox item is already confirmed). */
export function visitByRegisterMsgid(db: Tx, msgid: string): VisitRow | undefined {
  return db.select().from(outpatientVisits).where(eq(outpatientVisits.registerMsgid, msgid)).get();
}

export function recordVisitMdtrtId(db: Tx, visitId: number, mdtrtId: string): void {
  db.update(outpatientVisits).set({ mdtrtId }).where(eq(outpatientVisits.id, visitId)).run();
}

/** The visit an outbox item is about (subject `otp:<id>`), or null. */
export function visitIdOfItem(db: Tx, msgid: string): number | null {
  const row = db.select({ subject: outbox.subject }).from(outbox).where(eq(outbox.msgid, msgid)).get();
  const m = row?.subject ? /^otp:(\d+)$/.exec(row.subject) : null;
  return m ? Number(m[1]) : null;
}

export function personOfVisit(db: Tx, visitId: number): number | null {
  return db.select({ personId: outpatientVisits.personId }).from(outpatientVisits).where(eq(outpatientVisits.id, visitId)).get()?.personId ?? null;
}

export function insertFeeLines(db: Tx, rows: readonly OtpFeeLineInsert[]): void {
  if (rows.length > 0) db.insert(outpatientFeeLines).values([...rows]).run();
}

export function feeLinesOfVisit(db: Tx, visitId: number): OtpFeeLineRow[] {
  return db.select().from(outpatientFeeLines).where(eq(outpatientFeeLines.visitId, visitId)).orderBy(asc(outpatientFeeLines.id)).all();
}

export function batchesOfVisit(db: Tx, visitId: number): string[] {
  return [...new Set(feeLinesOfVisit(db, visitId).map((l) => l.chrgBchno))];
}

export function withdrawnBatches(db: Tx, visitId: number): Set<string> {
  return new Set(db.select({ b: outpatientBatchWithdrawals.chrgBchno }).from(outpatientBatchWithdrawals).where(eq(outpatientBatchWithdrawals.visitId, visitId)).all().map((r) => r.b));
}

export function insertWithdrawal(db: Tx, row: { visitId: number; chrgBchno: string; msgid: string; clerkId: number | null }): void {
  db.insert(outpatientBatchWithdrawals).values(row).run();
}

export function insertOtpSplits(db: Tx, rows: readonly Omit<typeof outpatientFeeSplits.$inferInsert, 'id' | 'createdAt'>[]): void {
  if (rows.length > 0) db.insert(outpatientFeeSplits).values([...rows]).run();
}

export function splitsOfVisit(db: Tx, visitId: number): (typeof outpatientFeeSplits.$inferSelect)[] {
  return db.select().from(outpatientFeeSplits).where(eq(outpatientFeeSplits.visitId, visitId)).orderBy(asc(outpatientFeeSplits.id)).all();
}

export function visitOfUpload(db: Tx, msgid: string): number | null {
  return db.select({ v: outpatientFeeLines.visitId }).from(outpatientFeeLines).where(eq(outpatientFeeLines.uploadMsgid, msgid)).get()?.v ?? null;
}

export function insertOtpRequest(db: Tx, row: Omit<typeof outpatientRequests.$inferInsert, 'id' | 'createdAt'>): number {
  return db.insert(outpatientRequests).values(row).returning({ id: outpatientRequests.id }).get().id;
}

export function otpRequestByMsgid(db: Tx, msgid: string): OtpRequestRow | undefined {
  return db.select().from(outpatientRequests).where(eq(outpatientRequests.msgid, msgid)).get();
}

export function requestsOfVisit(db: Tx, visitId: number): OtpRequestRow[] {
  return db.select().from(outpatientRequests).where(eq(outpatientRequests.visitId, visitId)).orderBy(asc(outpatientRequests.id)).all();
}

/** The outbox state of requests still queued (pending or refused), by msgid. */
export function queuedStates(db: Tx, msgids: readonly string[]): Map<string, { status: 'pending' | 'rejected'; lastError: string | null; unknownOutcome: boolean }> {
  if (msgids.length === 0) return new Map();
  const rows = db.select({ msgid: outbox.msgid, status: outbox.status, lastError: outbox.lastError, reversal: outbox.reversal }).from(outbox).where(inArray(outbox.msgid, [...msgids])).all();
  return new Map(rows.map((r) => [r.msgid, { status: r.status, lastError: r.lastError, unknownOutcome: r.reversal !== null }]));
}

/** The visit's queued messages the agency refused (any infno), with its words. */
export function refusedItemsOfVisit(db: Tx, visitId: number): { msgid: string; infno: string; lastError: string | null }[] {
  return db.select({ msgid: outbox.msgid, infno: outbox.infno, lastError: outbox.lastError }).from(outbox)
    .where(and(eq(outbox.subject, visitSubject(visitId)), eq(outbox.status, 'rejected'))).orderBy(asc(outbox.id)).all();
}

export function insertOtpSettlement(db: Tx, row: OtpSettlementInsert): number {
  return db.insert(outpatientSettlements).values(row).returning({ id: outpatientSettlements.id }).get().id;
}

export function findOtpSettlement(db: Tx, id: number): OtpSettlementRow | undefined {
  return db.select().from(outpatientSettlements).where(eq(outpatientSettlements.id, id)).get();
}

export function settlementsOfVisit(db: Tx, visitId: number): OtpSettlementRow[] {
  return db.select().from(outpatientSettlements).where(eq(outpatientSettlements.visitId, visitId)).orderBy(asc(outpatientSettlements.id)).all();
}

export function refundOfSettlement(db: Tx, settlementId: number): OtpSettlementRow | undefined {
  return db.select().from(outpatientSettlements).where(and(eq(outpatientSettlements.kind, 'refund'), eq(outpatientSettlements.refunds, settlementId))).get();
}

/**
 * The person's outpatient settlements with the year each counts in: a refund counts in the year
 * of the settlement it refunds (a 跨年 refund gives back last year's, 004 第四十五条). A void one (重新结算)
 * never counted at the platform.
 */
export function outpatientYearRows(db: Tx, personId: number, insutype: string): { id: number; year: string; actPayDedc: string; hifpPay: string }[] {
  const rows = db.select({ s: outpatientSettlements }).from(outpatientSettlements).innerJoin(outpatientVisits, eq(outpatientVisits.id, outpatientSettlements.visitId))
    .where(and(eq(outpatientVisits.personId, personId), eq(outpatientSettlements.insutype, insutype), otpNotVoided)).all().map((r) => r.s);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((r) => ({ id: r.id, year: (r.refunds !== null ? byId.get(r.refunds)?.settledOn ?? r.settledOn : r.settledOn).slice(0, 4), actPayDedc: r.actPayDedc, hifpPay: r.hifpPay }));
}

/**
 * The fees (medfee, net of refunds) of the person's other 门诊慢特病 visits for one disease settled at
 * this desk, counted in `year` (a refund in the year of what it refunds): what a disease's annual limit
 * has used here. The insured region's own count (other hospitals) is not known to the desk.
 */
export function chronicFeesOfYear(db: Tx, personId: number, diseCodg: string, year: string, exceptVisit: number): string[] {
  const rows = db.select({ s: outpatientSettlements }).from(outpatientSettlements).innerJoin(outpatientVisits, eq(outpatientVisits.id, outpatientSettlements.visitId))
    .where(and(eq(outpatientVisits.personId, personId), eq(outpatientVisits.medType, '14'), eq(outpatientVisits.diseCodg, diseCodg), otpNotVoided)).all().map((r) => r.s);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.filter((r) => r.visitId !== exceptVisit && (r.refunds !== null ? byId.get(r.refunds)?.settledOn ?? r.settledOn : r.settledOn).startsWith(year)).map((r) => r.medfeeSumamt);
}
