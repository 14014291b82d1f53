import { settlementFunds, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';

export type SettlementInsert = typeof settlements.$inferInsert;
export type FundInsert = Omit<typeof settlementFunds.$inferInsert, 'settlementId'>;

/** A settlement (or reversal) and its fund rows; the caller wraps it with the outbox entry in one transaction. */
export function insertSettlement(db: Tx, row: SettlementInsert, funds: FundInsert[]): number {
  const id = db.insert(settlements).values(row).returning({ id: settlements.id }).get().id;
  if (funds.length > 0) db.insert(settlementFunds).values(funds.map((f) => ({ ...f, settlementId: id }))).run();
  return id;
}
