import { eq, inArray, sql } from 'drizzle-orm';
import { outpatientSettlements, outpatientVoids } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * Visits' settlements voided by 重新结算 (docs/reconciliation.md; settlement_voids for a stay). A void
 * settlement is not at the platform: it holds no batch, has no receipt or refund, and is left out of
 * the 3201 / 3202 of its day, the monthly claim, the year's outpatient totals and the home screen.
 */
export type OtpVoidRow = typeof outpatientVoids.$inferSelect;

/** For raw SQL over `outpatient_settlements s`. */
export const OTP_NOT_VOIDED = sql.raw('NOT EXISTS (SELECT 1 FROM outpatient_voids ov WHERE ov.otp_settlement_id = s.id)');
/** For drizzle queries over outpatient_settlements. */
export const otpNotVoided = sql`NOT EXISTS (SELECT 1 FROM outpatient_voids ov WHERE ov.otp_settlement_id = ${outpatientSettlements.id})`;

export function otpVoidOf(db: Tx, otpSettlementId: number): OtpVoidRow | undefined {
  return db.select().from(outpatientVoids).where(eq(outpatientVoids.otpSettlementId, otpSettlementId)).get();
}

/** The voids among these settlements, by settlement id. */
export function otpVoidsOf(db: Tx, otpSettlementIds: readonly number[]): Map<number, OtpVoidRow> {
  if (otpSettlementIds.length === 0) return new Map();
  return new Map(db.select().from(outpatientVoids).where(inArray(outpatientVoids.otpSettlementId, [...otpSettlementIds])).all().map((v) => [v.otpSettlementId, v]));
}

export function insertOtpVoid(tx: Tx, row: { otpSettlementId: number; detailId: number; reason: string; requestId: number; clerkId: number | null }): number {
  return tx.insert(outpatientVoids).values(row).returning({ id: outpatientVoids.id }).get().id;
}
