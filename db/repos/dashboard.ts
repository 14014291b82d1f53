import { and, eq, gte, like, lte, sql } from 'drizzle-orm';
import { admissions, settlementFunds, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';

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
