import { and, eq, gte, like, lte, sql } from 'drizzle-orm';
import { admissions, fullSelfPayDischarges, outpatientFullSelfPays, outpatientSettlements, outpatientVisits, settlementFunds, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { otpNotVoided } from './outpatientVoids.ts';

/** Admissions whose admission time falls on a CST calendar day ('YYYY-MM-DD' prefix of begntime). */
export function countAdmissionsOn(db: Tx, day: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(admissions).where(like(admissions.admittedAt, `${day}%`)).get()?.n ?? 0;
}

export function countInHospital(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(admissions).where(eq(admissions.status, 'admitted')).get()?.n ?? 0;
}

/** Settlement amounts between two dates, as stored text; the caller sums them as decimals. */
export function settlementAmountsBetween(db: Tx, from: string, to: string) {
  return db
    .select({ day: settlements.settledOn, kind: settlements.kind, medfee: settlements.medfeeSumamt, fund: settlements.fundPaySumamt })
    .from(settlements)
    .where(and(gte(settlements.settledOn, from), lte(settlements.settledOn, to)))
    .all();
}

export function fundRowsBetween(db: Tx, from: string, to: string) {
  return db
    .select({ fundPayType: settlementFunds.fundPayType, name: settlementFunds.fundPayTypeName, amount: settlementFunds.fundPayamt })
    .from(settlementFunds)
    .innerJoin(settlements, eq(settlementFunds.settlementId, settlements.id))
    .where(and(eq(settlementFunds.source, 'local'), gte(settlements.settledOn, from), lte(settlements.settledOn, to)))
    .all();
}

/** Outpatient visits registered on a CST day (begntime prefix). */
export function countVisitsOn(db: Tx, day: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(outpatientVisits).where(like(outpatientVisits.begntime, `${day}%`)).get()?.n ?? 0;
}

export function countVisitsBetween(db: Tx, from: string, to: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(outpatientVisits).where(and(gte(outpatientVisits.begntime, from), lte(outpatientVisits.begntime, `${to} 99`))).get()?.n ?? 0;
}

/** Outpatient settlements and refunds (negative) between two dates, as stored text. */
export function outpatientAmountsBetween(db: Tx, from: string, to: string) {
  return db
    .select({ day: outpatientSettlements.settledOn, kind: outpatientSettlements.kind, visitId: outpatientSettlements.visitId, medfee: outpatientSettlements.medfeeSumamt, fund: outpatientSettlements.fundPaySumamt })
    .from(outpatientSettlements)
    .where(and(gte(outpatientSettlements.settledOn, from), lte(outpatientSettlements.settledOn, to), otpNotVoided))
    .all();
}

/** Stays settled directly (a settlement row) and stays paid 全额自付, by the date of each, between two dates. */
export function stayOutcomesBetween(db: Tx, from: string, to: string): { direct: number; selfPaid: number } {
  const direct = db.select({ n: sql<number>`count(DISTINCT ${settlements.admissionId})` }).from(settlements)
    .where(and(eq(settlements.kind, 'settlement'), gte(settlements.settledOn, from), lte(settlements.settledOn, to))).get()?.n ?? 0;
  const selfPaid = db.select({ n: sql<number>`count(*)` }).from(fullSelfPayDischarges)
    .where(and(gte(fullSelfPayDischarges.paidOn, from), lte(fullSelfPayDischarges.paidOn, to))).get()?.n ?? 0;
  return { direct, selfPaid };
}

/** Visits paid 全额自付 between two dates. */
export function visitSelfPaidBetween(db: Tx, from: string, to: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(outpatientFullSelfPays)
    .where(and(gte(outpatientFullSelfPays.paidOn, from), lte(outpatientFullSelfPays.paidOn, to))).get()?.n ?? 0;
}
