import { and, asc, between, desc, eq, inArray, sql } from 'drizzle-orm';
import { admissions, agencySettlementResults, outbox, outboxResults, outboxReversals, persons, reconciliationDetails, reconciliationResolutions, reconciliationRuns, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { SQL_CHUNK } from './chunk.ts';

/** What daily reconciliation (对账, 3201) reads of the desk's settlements, and its stored runs. */

export interface DaySettlement {
  id: number;
  kind: 'settlement' | 'reversal';
  insutype: string;
  settledOn: string;
  medfeeSumamt: string;
  fundPaySumamt: string;
  acctPay: string;
  msgid: string;
  /** Where its message is: still in the outbox (pending / rejected with the reason), confirmed, or unknown here. */
  outboxStatus: 'pending' | 'rejected' | null;
  outboxError: string | null;
  confirmed: boolean;
  /** The agency's answer stored beside ours (settlement module), with its mismatch note if any. */
  agencyBody: string | null;
  mismatch: string | null;
}

/**
 * A settlement voided by 重新结算 (settlement_voids) is not at the platform: it is in neither the
 * day's 3201 totals nor its 3202 file (its resend is a settlement of the day it is answered).
 */
const NOT_VOIDED = sql`NOT EXISTS (SELECT 1 FROM settlement_voids v WHERE v.settlement_id = ${settlements.id})`;

export function settlementsOn(db: Tx, day: string): DaySettlement[] {
  const rows = db
    .select({
      id: settlements.id, kind: settlements.kind, insutype: settlements.insutype, settledOn: settlements.settledOn,
      medfeeSumamt: settlements.medfeeSumamt, fundPaySumamt: settlements.fundPaySumamt, acctPay: settlements.acctPay, msgid: settlements.msgid,
      outboxStatus: outbox.status, outboxError: outbox.lastError, confirmedMsgid: outboxResults.msgid,
    })
    .from(settlements)
    .leftJoin(outbox, eq(outbox.msgid, settlements.msgid))
    .leftJoin(outboxResults, eq(outboxResults.msgid, settlements.msgid))
    .where(and(eq(settlements.settledOn, day), NOT_VOIDED))
    .orderBy(asc(settlements.id))
    .all();
  const ids = rows.map((r) => r.id);
  const agency = new Map<number, { body: string; mismatch: string | null }>();
  for (let k = 0; k < ids.length; k += SQL_CHUNK) {
    for (const a of db.select().from(agencySettlementResults).where(inArray(agencySettlementResults.settlementId, ids.slice(k, k + SQL_CHUNK))).orderBy(asc(agencySettlementResults.id)).all()) {
      agency.set(a.settlementId, { body: a.body, mismatch: a.mismatch });
    }
  }
  return rows.map(({ confirmedMsgid, ...r }) => ({
    ...r,
    outboxStatus: r.outboxStatus ?? null,
    outboxError: r.outboxError ?? null,
    confirmed: confirmedMsgid !== null,
    agencyBody: agency.get(r.id)?.body ?? null,
    mismatch: agency.get(r.id)?.mismatch ?? null,
  }));
}

/** Days in [from, to] on which the desk has settlements or reversals. */
export function settlementDays(db: Tx, from: string, to: string): string[] {
  return db.select({ d: settlements.settledOn }).from(settlements).where(between(settlements.settledOn, from, to)).groupBy(settlements.settledOn).orderBy(asc(settlements.settledOn)).all().map((r) => r.d);
}

export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect;
export type ReconciliationRunInsert = Omit<typeof reconciliationRuns.$inferInsert, 'id'>;

export function insertReconciliationRuns(db: Tx, rows: ReconciliationRunInsert[]): void {
  if (rows.length > 0) db.insert(reconciliationRuns).values(rows).run();
}

/** Every run of the days in [from, to], newest first. */
export function reconciliationRunsBetween(db: Tx, from: string, to: string): ReconciliationRunRow[] {
  return db.select().from(reconciliationRuns).where(between(reconciliationRuns.day, from, to)).orderBy(desc(reconciliationRuns.day), desc(reconciliationRuns.at), asc(reconciliationRuns.id)).all();
}

/** The rows of the latest run of each day in [from, to] (one run = the rows written with the same `at`). */
export function latestRunsBetween(db: Tx, from: string, to: string): ReconciliationRunRow[] {
  return db.all<ReconciliationRunRow>(sql`
    SELECT r.id AS id, r.day AS day, r.insutype AS insutype, r.local_count AS "localCount", r.local_medfee AS "localMedfee", r.local_fund AS "localFund",
      r.local_acct AS "localAcct", r.stmt_rslt AS "stmtRslt", r.stmt_rslt_dscr AS "stmtRsltDscr", r.differences AS differences, r.clr_type AS "clrType", r.at AS at
    FROM reconciliation_runs r
    WHERE r.day BETWEEN ${from} AND ${to} AND r.at = (SELECT max(q.at) FROM reconciliation_runs q WHERE q.day = r.day)
    ORDER BY r.day DESC, r.id`);
}

export function hasRunFor(db: Tx, day: string): boolean {
  return db.select({ n: sql<number>`count(*)` }).from(reconciliationRuns).where(eq(reconciliationRuns.day, day)).get()!.n > 0;
}

// ---------------------------------------------------------------------------------------------
// Detail reconciliation (3202, issue 15)

/** A settlement of the day as the detail file needs it; amounts as stored (the service signs reversals). */
export interface DetailSource {
  id: number;
  kind: 'settlement' | 'reversal';
  setlId: string | null;
  mdtrtId: string | null;
  psnNo: string | null;
  medfeeSumamt: string;
  fundPaySumamt: string;
  acctPay: string;
  psnCashPay: string;
  msgid: string;
}

export function detailSourcesOn(db: Tx, day: string): DetailSource[] {
  return db
    .select({
      id: settlements.id, kind: settlements.kind, setlId: settlements.setlId, mdtrtId: admissions.mdtrtId, psnNo: persons.psnNo,
      medfeeSumamt: settlements.medfeeSumamt, fundPaySumamt: settlements.fundPaySumamt, acctPay: settlements.acctPay, psnCashPay: settlements.psnCashPay, msgid: settlements.msgid,
    })
    .from(settlements)
    .innerJoin(admissions, eq(admissions.id, settlements.admissionId))
    .innerJoin(persons, eq(persons.id, admissions.personId))
    .where(and(eq(settlements.settledOn, day), NOT_VOIDED))
    .orderBy(asc(settlements.id))
    .all();
}

/**
 * What the desk knows of a msgid the agency names: a settlement sent with it (its own msgid or the
 * wire msgid of its outbox item), or a 冲正 that already took it back.
 */
export function deskTraceOf(db: Tx, msgid: string): { settlementId: number | null; reversedBy: string | null } {
  const own = db.select({ id: settlements.id }).from(settlements).where(eq(settlements.msgid, msgid)).get();
  const viaWire = own ? undefined : db.select({ id: settlements.id }).from(outbox).innerJoin(settlements, eq(settlements.msgid, outbox.msgid)).where(eq(outbox.wireMsgid, msgid)).get();
  const rev = db.select({ m: outboxReversals.reversalMsgid, outcome: outboxReversals.outcome }).from(outboxReversals).where(eq(outboxReversals.omsgid, msgid)).orderBy(desc(outboxReversals.id)).get();
  return { settlementId: own?.id ?? viaWire?.id ?? null, reversedBy: rev && rev.outcome === 'reversed' ? rev.m : null };
}

export type ReconciliationDetailRow = typeof reconciliationDetails.$inferSelect;
export type ReconciliationDetailInsert = Omit<typeof reconciliationDetails.$inferInsert, 'id'>;

export function insertReconciliationDetail(db: Tx, row: ReconciliationDetailInsert): number {
  return db.insert(reconciliationDetails).values(row).returning({ id: reconciliationDetails.id }).get().id;
}

/** The latest detail run of each day in [from, to]. */
export function latestDetailsBetween(db: Tx, from: string, to: string): ReconciliationDetailRow[] {
  const rows = db.select().from(reconciliationDetails).where(between(reconciliationDetails.day, from, to)).orderBy(desc(reconciliationDetails.day), desc(reconciliationDetails.id)).all();
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.day) ? false : (seen.add(r.day), true)));
}

export type ReconciliationResolutionRow = typeof reconciliationResolutions.$inferSelect;
export type ReconciliationResolutionInsert = Omit<typeof reconciliationResolutions.$inferInsert, 'id'>;

export function insertReconciliationResolution(db: Tx, row: ReconciliationResolutionInsert): number {
  return db.insert(reconciliationResolutions).values(row).returning({ id: reconciliationResolutions.id }).get().id;
}

/** Every resolution of these detail runs, oldest first. */
export function resolutionsOf(db: Tx, detailIds: number[]): ReconciliationResolutionRow[] {
  const out: ReconciliationResolutionRow[] = [];
  for (let k = 0; k < detailIds.length; k += SQL_CHUNK) {
    out.push(...db.select().from(reconciliationResolutions).where(inArray(reconciliationResolutions.detailId, detailIds.slice(k, k + SQL_CHUNK))).orderBy(asc(reconciliationResolutions.id)).all());
  }
  return out;
}

export function latestDetailOf(db: Tx, day: string): ReconciliationDetailRow | undefined {
  return db.select().from(reconciliationDetails).where(eq(reconciliationDetails.day, day)).orderBy(desc(reconciliationDetails.id)).get();
}

export function insuplcOfPsnNo(db: Tx, psnNo: string): string | null {
  return db.select({ a: persons.insuplcAdmdvs }).from(persons).where(eq(persons.psnNo, psnNo)).get()?.a ?? null;
}
