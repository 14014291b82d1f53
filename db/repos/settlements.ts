import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { FUND, nationalFundOf } from '../../shared/codes.ts';
import { Decimal, sum, ZERO } from '../../shared/money.ts';
import { admissionEvents, admissions, agencySettlementResults, claimItems, claims, persons, settlementFunds, settlements, settlementVoids, slipPrints } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { SQL_CHUNK } from './chunk.ts';

export type SettlementInsert = typeof settlements.$inferInsert;
export type SettlementRow = typeof settlements.$inferSelect;
export type FundInsert = Omit<typeof settlementFunds.$inferInsert, 'settlementId'>;
export type FundRow = typeof settlementFunds.$inferSelect;
export type AgencyResultRow = typeof agencySettlementResults.$inferSelect;

/** A settlement (or reversal) and its fund rows; the caller wraps it with the outbox entry in one transaction. */
export function insertSettlement(db: Tx, row: SettlementInsert, funds: FundInsert[]): number {
  const id = db.insert(settlements).values(row).returning({ id: settlements.id }).get().id;
  if (funds.length > 0) db.insert(settlementFunds).values(funds.map((f) => ({ ...f, settlementId: id }))).run();
  return id;
}

export function findSettlement(db: Tx, id: number): SettlementRow | undefined {
  return db.select().from(settlements).where(eq(settlements.id, id)).get();
}

export function findSettlementByMsgid(db: Tx, msgid: string): SettlementRow | undefined {
  return db.select().from(settlements).where(eq(settlements.msgid, msgid)).get();
}

export function settlementsOfAdmission(db: Tx, admissionId: number): SettlementRow[] {
  return db.select().from(settlements).where(eq(settlements.admissionId, admissionId)).orderBy(asc(settlements.id)).all();
}

export type SettlementVoidRow = typeof settlementVoids.$inferSelect;

/** The void of a settlement the platform does not hold (重新结算 after a 3202 run), if any. */
export function voidOf(db: Tx, settlementId: number): SettlementVoidRow | undefined {
  return db.select().from(settlementVoids).where(eq(settlementVoids.settlementId, settlementId)).get();
}

/** Written in the transaction that queues the new request: the old settlement row is not touched. */
export function insertSettlementVoid(db: Tx, row: { settlementId: number; detailId: number; reason: string; requestId: number; clerkId: number }): number {
  return db.insert(settlementVoids).values(row).returning({ id: settlementVoids.id }).get().id;
}

export function reversalOf(db: Tx, settlementId: number): SettlementRow | undefined {
  return db.select().from(settlements).where(eq(settlements.reversalOf, settlementId)).get();
}

/** The admission's settlement that has not been reversed nor voided (重新结算), if any (there is at most one). */
export function activeSettlementOf(db: Tx, admissionId: number): SettlementRow | undefined {
  const r = db.get<{ id: number } | undefined>(sql`SELECT s.id AS id FROM settlements s WHERE s.admission_id = ${admissionId} AND s.kind = 'settlement'
    AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reversal_of = s.id) AND NOT EXISTS (SELECT 1 FROM settlement_voids v WHERE v.settlement_id = s.id) ORDER BY s.id DESC LIMIT 1`);
  return r ? findSettlement(db, r.id) : undefined;
}

export function fundsOf(db: Tx, settlementId: number, source: 'local' | 'agency'): FundRow[] {
  return db.select().from(settlementFunds).where(and(eq(settlementFunds.settlementId, settlementId), eq(settlementFunds.source, source))).orderBy(asc(settlementFunds.id)).all();
}

/** The live claim that holds a settlement, if any: its period and where it stands. */
export function claimHolding(db: Tx, settlementId: number): { claimId: number; setlym: string; status: string } | undefined {
  return db.select({ claimId: claims.id, setlym: claims.setlym, status: claims.status }).from(claimItems).innerJoin(claims, eq(claims.id, claimItems.claimId))
    .where(and(eq(claimItems.settlementId, settlementId), isNull(claimItems.releasedAt))).get();
}

/** Part of a monthly claim (清算申报) already (claim_items, live row). */
export function isClaimed(db: Tx, settlementId: number): boolean {
  return db.select({ id: claimItems.id }).from(claimItems).where(and(eq(claimItems.settlementId, settlementId), isNull(claimItems.releasedAt))).get() !== undefined;
}

export interface YearHistory {
  admissions: number;
  poolPaid: Decimal;
  supplementaryPaid: Decimal;
}

/**
 * What this desk knows the person's funds paid in a calendar year (by discharge date), other
 * than for `excludeAdmissionId`: settlements net of their reversals. `unconfirmed` is the part the
 * agency has not answered yet (its 2304 still in the outbox), which an online 5206 cannot know.
 */
export function yearHistory(db: Tx, personId: number, year: number, excludeAdmissionId: number): { all: YearHistory; unconfirmed: YearHistory } {
  const rows = db
    .select({ id: settlements.id, kind: settlements.kind, reversalOf: settlements.reversalOf, admissionId: settlements.admissionId, hifpPay: settlements.hifpPay })
    .from(settlements)
    .innerJoin(admissions, eq(settlements.admissionId, admissions.id))
    .where(and(eq(admissions.personId, personId), sql`substr(${admissions.dischargedAt}, 1, 4) = ${String(year)}`, sql`${settlements.admissionId} <> ${excludeAdmissionId}`))
    .all();
  const ids = rows.map((r) => r.id);
  const supp = new Map<number, Decimal>();
  const confirmed = new Set<number>();
  for (let k = 0; k < ids.length; k += SQL_CHUNK) {
    const slice = ids.slice(k, k + SQL_CHUNK);
    for (const f of db.select().from(settlementFunds).where(and(inArray(settlementFunds.settlementId, slice), eq(settlementFunds.source, 'local'))).all()) {
      const fund = nationalFundOf(f.fundPayType);
      if (fund === FUND.employeeLarge || fund === FUND.residentSerious) supp.set(f.settlementId, (supp.get(f.settlementId) ?? ZERO).plus(f.fundPayamt));
    }
    for (const a of db.select({ s: agencySettlementResults.settlementId }).from(agencySettlementResults).where(inArray(agencySettlementResults.settlementId, slice)).all()) confirmed.add(a.s);
  }
  const reversed = new Set(rows.filter((r) => r.kind === 'reversal' && r.reversalOf !== null).map((r) => r.reversalOf!));
  const money = (chosen: typeof rows) => ({
    poolPaid: sum(chosen.map((r) => new Decimal(r.hifpPay))),
    supplementaryPaid: sum(chosen.map((r) => supp.get(r.id) ?? ZERO)),
  });
  const all: YearHistory = { admissions: new Set(rows.filter((r) => r.kind === 'settlement' && !reversed.has(r.id)).map((r) => r.admissionId)).size, ...money(rows) };
  // What the agency cannot know yet: unconfirmed settlements that stand, minus the stays it counts
  // whose reversal it has not received; the money of unconfirmed rows nets (a reversal is negative).
  const open = rows.filter((r) => !confirmed.has(r.id));
  const unconfirmed: YearHistory = {
    admissions: open.filter((r) => r.kind === 'settlement' && !reversed.has(r.id)).length
      - open.filter((r) => r.kind === 'reversal' && r.reversalOf !== null && confirmed.has(r.reversalOf)).length,
    ...money(open),
  };
  return { all, unconfirmed };
}

/** The agency's computation beside ours: its body, its fund rows (names as returned), the differences. */
export function insertAgencyResult(db: Tx, r: { settlementId: number; body: unknown; mismatch: unknown[] | null; funds: { fundPayType: string; fundPayTypeName: string; fundPayamt: string }[] }): number {
  const id = db.insert(agencySettlementResults).values({
    settlementId: r.settlementId,
    body: JSON.stringify(r.body),
    mismatch: r.mismatch === null || r.mismatch.length === 0 ? null : JSON.stringify(r.mismatch),
  }).returning({ id: agencySettlementResults.id }).get().id;
  if (r.funds.length > 0) db.insert(settlementFunds).values(r.funds.map((f) => ({ ...f, settlementId: r.settlementId, source: 'agency' as const }))).run();
  return id;
}

export function agencyResultsOf(db: Tx, settlementId: number): AgencyResultRow[] {
  return db.select().from(agencySettlementResults).where(eq(agencySettlementResults.settlementId, settlementId)).orderBy(asc(agencySettlementResults.id)).all();
}

export function findAgencyResult(db: Tx, id: number): AgencyResultRow | undefined {
  return db.select().from(agencySettlementResults).where(eq(agencySettlementResults.id, id)).get();
}

/** Records who resolved a mismatch and why; the two computations themselves stay as they are. */
export function resolveMismatch(db: Tx, id: number, clerkId: number, note: string, at: string): boolean {
  const r = db.update(agencySettlementResults).set({ resolvedAt: at, resolvedBy: clerkId, resolutionNote: note })
    .where(and(eq(agencySettlementResults.id, id), isNotNull(agencySettlementResults.mismatch), isNull(agencySettlementResults.resolvedAt)))
    .returning({ id: agencySettlementResults.id }).all();
  return r.length === 1;
}

export function openMismatches(db: Tx) {
  return db
    .select({ id: agencySettlementResults.id, settlementId: agencySettlementResults.settlementId, mismatch: agencySettlementResults.mismatch, receivedAt: agencySettlementResults.receivedAt, admissionId: settlements.admissionId, iptNo: admissions.iptNo, psnName: persons.psnName })
    .from(agencySettlementResults)
    .innerJoin(settlements, eq(agencySettlementResults.settlementId, settlements.id))
    .innerJoin(admissions, eq(settlements.admissionId, admissions.id))
    .innerJoin(persons, eq(admissions.personId, persons.id))
    .where(and(isNotNull(agencySettlementResults.mismatch), isNull(agencySettlementResults.resolvedAt)))
    .orderBy(asc(agencySettlementResults.id))
    .all();
}

/** Logs one print; the first print of a settlement is the original, every later one a reprint (补打). */
export function recordSlipPrint(db: Tx, settlementId: number, clerkId: number | null): { reprint: boolean; count: number } {
  const before = slipPrintCount(db, settlementId);
  db.insert(slipPrints).values({ settlementId, reprint: before > 0, clerkId }).run();
  return { reprint: before > 0, count: before + 1 };
}

export function slipPrintCount(db: Tx, settlementId: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(slipPrints).where(eq(slipPrints.settlementId, settlementId)).get()?.n ?? 0;
}

/** Stays at or above the 协查 threshold (004 第六十六条) whose settlement stands, newest first. */
export function assistanceFlagged(db: Tx) {
  return db
    .select({ settlementId: settlements.id, admissionId: settlements.admissionId, settledOn: settlements.settledOn, scope: settlements.scope, medfeeSumamt: settlements.medfeeSumamt, iptNo: admissions.iptNo, psnName: persons.psnName, certno: persons.certno, admittedAt: admissions.admittedAt, dischargedAt: admissions.dischargedAt })
    .from(settlements)
    .innerJoin(admissions, eq(settlements.admissionId, admissions.id))
    .innerJoin(persons, eq(admissions.personId, persons.id))
    .where(and(eq(settlements.kind, 'settlement'), eq(settlements.assistanceFlag, true), sql`NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reversal_of = ${settlements.id})`, sql`NOT EXISTS (SELECT 1 FROM settlement_voids v WHERE v.settlement_id = ${settlements.id})`))
    .orderBy(desc(settlements.id))
    .all();
}

/** Discharge (2402) as part of the settlement: the admission's state and an event saying when and how. */
export function markDischarged(db: Tx, admissionId: number, endtime: string, fields: Record<string, unknown>, clerkId: number | null): void {
  db.update(admissions).set({ status: 'discharged', dischargedAt: endtime }).where(eq(admissions.id, admissionId)).run();
  db.insert(admissionEvents).values({ admissionId, kind: 'discharge', fields: JSON.stringify({ endtime, ...fields }), clerkId }).run();
}

/** The discharge taken back (2405): in hospital again; the event row keeps who, when and why. */
export function markDischargeUndone(db: Tx, admissionId: number, fields: Record<string, unknown>, clerkId: number | null): void {
  db.update(admissions).set({ status: 'admitted', dischargedAt: null }).where(eq(admissions.id, admissionId)).run();
  db.insert(admissionEvents).values({ admissionId, kind: 'undoDischarge', fields: JSON.stringify(fields), clerkId }).run();
}

export type AdmissionRow = typeof admissions.$inferSelect;
export type PersonRow = typeof persons.$inferSelect;

/** The admission and its person, as the settlement needs them. */
export function admissionWithPerson(db: Tx, admissionId: number): { admission: AdmissionRow; person: PersonRow } | undefined {
  const r = db.select({ admission: admissions, person: persons }).from(admissions).innerJoin(persons, eq(admissions.personId, persons.id)).where(eq(admissions.id, admissionId)).get();
  return r;
}

/**
 * Admissions the settlement screen offers: in hospital, or discharged without a standing
 * settlement, or settled within the last days (to print or reverse); filtered by 住院号 or name.
 */
export function admissionsForSettlement(db: Tx, query: string, since: string, limit = 200): { admission: AdmissionRow; person: PersonRow; lines: number; settlementId: number | null }[] {
  const like = `%${query}%`;
  const rows = db
    .select({
      admission: admissions,
      person: persons,
      lines: sql<number>`(SELECT count(*) FROM fee_lines f WHERE f.admission_id = ${admissions.id})`,
      settlementId: sql<number | null>`(SELECT s.id FROM settlements s WHERE s.admission_id = ${admissions.id} AND s.kind = 'settlement' AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reversal_of = s.id) AND NOT EXISTS (SELECT 1 FROM settlement_voids v WHERE v.settlement_id = s.id) ORDER BY s.id DESC LIMIT 1)`,
      lastSettled: sql<string | null>`(SELECT max(s.settled_on) FROM settlements s WHERE s.admission_id = ${admissions.id})`,
    })
    .from(admissions)
    .innerJoin(persons, eq(admissions.personId, persons.id))
    .where(and(
      sql`${admissions.status} <> 'cancelled'`,
      query === '' ? sql`1 = 1` : sql`(${admissions.iptNo} LIKE ${like} OR ${persons.psnName} LIKE ${like})`,
    ))
    .orderBy(desc(admissions.id))
    .all();
  return rows
    .filter((r) => r.admission.status === 'admitted' || r.settlementId === null || (r.lastSettled ?? '') >= since)
    .slice(0, limit)
    .map((r) => ({ admission: r.admission, person: r.person, lines: r.lines, settlementId: r.settlementId }));
}

/** Every line id uploaded (2301) by earlier settlements of the admission, from their snapshots. */

/** The agency's settlement id, once it answered (it is assigned there; nothing the desk computed changes). */
export function recordSetlId(db: Tx, settlementId: number, setlId: string): void {
  db.update(settlements).set({ setlId }).where(and(eq(settlements.id, settlementId), isNull(settlements.setlId))).run();
}

/**
 * The stays a 协查 request can name (004 第六十六条): by 证件号码, name, 住院号, a day within the stay,
 * or the settled total — any of them, all given ones must match. Newest first.
 */
export function findStays(db: Tx, q: { certno?: string; name?: string; iptNo?: string; day?: string; total?: string; invono?: string }, limit = 50): { admission: AdmissionRow; person: PersonRow }[] {
  const conds = [
    q.certno ? eq(persons.certno, q.certno) : undefined,
    q.name ? eq(persons.psnName, q.name) : undefined,
    q.iptNo ? eq(admissions.iptNo, q.iptNo) : undefined,
    q.day ? sql`substr(${admissions.admittedAt}, 1, 10) <= ${q.day} AND coalesce(substr(${admissions.dischargedAt}, 1, 10), '9999-12-31') >= ${q.day}` : undefined,
    q.total ? sql`EXISTS (SELECT 1 FROM settlements s WHERE s.admission_id = ${admissions.id} AND s.kind = 'settlement' AND s.medfee_sumamt = ${q.total})` : undefined,
    // Any number the stay had, a corrected one too (invoice_numbers is insert-only).
    q.invono ? sql`EXISTS (SELECT 1 FROM invoice_numbers i WHERE i.admission_id = ${admissions.id} AND i.invono = ${q.invono})` : undefined,
  ].filter((c) => c !== undefined);
  if (conds.length === 0) return [];
  return db.select({ admission: admissions, person: persons }).from(admissions).innerJoin(persons, eq(admissions.personId, persons.id))
    .where(and(...conds)).orderBy(desc(admissions.id)).limit(limit).all();
}
