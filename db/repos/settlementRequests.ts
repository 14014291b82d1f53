import { asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { admissions, feeLineSplits, feeUploads, feeWithdrawals, outbox, persons, settlementRequests, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { SQL_CHUNK } from './chunk.ts';

export type SettlementRequestRow = typeof settlementRequests.$inferSelect;
export type FeeLineSplitRow = typeof feeLineSplits.$inferSelect;
export type FeeLineSplitInsert = Omit<typeof feeLineSplits.$inferInsert, 'id' | 'createdAt'>;

export function insertSettlementRequest(db: Tx, row: { admissionId: number; msgid: string; mode: 'online' | 'deferred'; estimate: string; clerkId: number | null }): number {
  return db.insert(settlementRequests).values(row).returning({ id: settlementRequests.id }).get().id;
}

export function requestByMsgid(db: Tx, msgid: string): SettlementRequestRow | undefined {
  return db.select().from(settlementRequests).where(eq(settlementRequests.msgid, msgid)).get();
}

export function findRequest(db: Tx, id: number): SettlementRequestRow | undefined {
  return db.select().from(settlementRequests).where(eq(settlementRequests.id, id)).get();
}

/** Where a request stands: answered (a settlement row exists), still in the outbox (pending or refused), or gone without an answer (cancelled at the sync screen). */
export interface RequestState {
  request: SettlementRequestRow;
  settlementId: number | null;
  outbox: { status: 'pending' | 'rejected'; lastError: string | null; unknownOutcome: boolean; attempts: number } | null;
}

export function requestState(db: Tx, r: SettlementRequestRow): RequestState {
  const s = db.select({ id: settlements.id }).from(settlements).where(eq(settlements.requestId, r.id)).get();
  const o = db.select({ status: outbox.status, lastError: outbox.lastError, reversal: outbox.reversal, attempts: outbox.attempts }).from(outbox).where(eq(outbox.msgid, r.msgid)).get();
  return { request: r, settlementId: s?.id ?? null, outbox: o ? { status: o.status, lastError: o.lastError, unknownOutcome: o.reversal !== null, attempts: o.attempts } : null };
}

/** The stay's latest request, if any. */
export function latestRequestOf(db: Tx, admissionId: number): SettlementRequestRow | undefined {
  return db.select().from(settlementRequests).where(eq(settlementRequests.admissionId, admissionId)).orderBy(desc(settlementRequests.id)).limit(1).get();
}

/**
 * The 待联网结算 worklist: requests whose 2304 is still in the outbox (not answered), oldest first,
 * with the stay and the person for the list.
 */
export function unansweredRequests(db: Tx): { request: SettlementRequestRow; iptNo: string; psnName: string; status: 'pending' | 'rejected'; lastError: string | null; unknownOutcome: boolean }[] {
  return db.select({ request: settlementRequests, iptNo: admissions.iptNo, psnName: persons.psnName, status: outbox.status, lastError: outbox.lastError, reversal: outbox.reversal })
    .from(settlementRequests)
    .innerJoin(outbox, eq(outbox.msgid, settlementRequests.msgid))
    .innerJoin(admissions, eq(admissions.id, settlementRequests.admissionId))
    .innerJoin(persons, eq(persons.id, admissions.personId))
    .where(isNull(sql`(SELECT s.id FROM settlements s WHERE s.request_id = ${settlementRequests.id})`))
    .orderBy(asc(settlementRequests.id))
    .all()
    .map((r) => ({ request: r.request, iptNo: r.iptNo, psnName: r.psnName, status: r.status, lastError: r.lastError, unknownOutcome: r.reversal !== null }));
}

/** The lines of a stay the agency holds: sent with 2301 and not withdrawn (2302) since. */
export function uploadedFeeSns(db: Tx, admissionId: number): Set<string> {
  const withdrawn = db.select({ sn: feeWithdrawals.feedetlSn, at: feeWithdrawals.createdAt }).from(feeWithdrawals).where(eq(feeWithdrawals.admissionId, admissionId)).all();
  const lastAll = withdrawn.filter((w) => w.sn === WITHDRAW_ALL).reduce<string>((m, w) => (w.at > m ? w.at : m), '');
  const lastOf = new Map<string, string>();
  for (const w of withdrawn) if (w.sn !== WITHDRAW_ALL && w.at > (lastOf.get(w.sn) ?? '')) lastOf.set(w.sn, w.at);
  const out = new Set<string>();
  for (const u of db.select({ sn: feeUploads.feedetlSn, at: feeUploads.createdAt }).from(feeUploads).where(eq(feeUploads.admissionId, admissionId)).all()) {
    if (u.at > lastAll && u.at > (lastOf.get(u.sn) ?? '')) out.add(u.sn);
  }
  return out;
}

/** 2302's feedetl_sn for "every line of the stay" (national-interface.md 2302). */
export const WITHDRAW_ALL = '0000';

export function recordFeeWithdrawal(db: Tx, row: { admissionId: number; feedetlSn: string; msgid: string; reason: string; clerkId: number | null }): void {
  db.insert(feeWithdrawals).values(row).run();
}

/** The lines one 2301 carries, written with its outbox entry. */
export function recordFeeUploads(db: Tx, admissionId: number, sns: readonly string[], msgid: string): void {
  for (let k = 0; k < sns.length; k += SQL_CHUNK) {
    db.insert(feeUploads).values(sns.slice(k, k + SQL_CHUNK).map((feedetlSn) => ({ admissionId, feedetlSn, msgid }))).run();
  }
}

/** The admission a 2301 belongs to, by its msgid. */
export function admissionOfUpload(db: Tx, msgid: string): number | null {
  return db.select({ a: feeUploads.admissionId }).from(feeUploads).where(eq(feeUploads.msgid, msgid)).limit(1).get()?.a ?? null;
}

export function insertLineSplits(db: Tx, rows: readonly FeeLineSplitInsert[]): void {
  for (let k = 0; k < rows.length; k += SQL_CHUNK) db.insert(feeLineSplits).values(rows.slice(k, k + SQL_CHUNK)).run();
}

/** The agency's latest split of each line of a stay (a line uploaded again after a 2302 has a newer one). */
export function lineSplitsOf(db: Tx, admissionId: number): Map<string, FeeLineSplitRow> {
  const out = new Map<string, FeeLineSplitRow>();
  for (const r of db.select().from(feeLineSplits).where(eq(feeLineSplits.admissionId, admissionId)).orderBy(asc(feeLineSplits.id)).all()) out.set(r.feedetlSn, r);
  return out;
}

/** Stays discharged offline whose settlement came back while the patient was away, slip not printed yet: the patient is to be called back. */
export function settledAfterDeferral(db: Tx): { settlementId: number; admissionId: number; iptNo: string; psnName: string; psnCashPay: string; setlTime: string; requestedAt: string }[] {
  return db.all<{ settlementId: number; admissionId: number; iptNo: string; psnName: string; psnCashPay: string; setlTime: string; requestedAt: string }>(sql`
    SELECT s.id AS "settlementId", s.admission_id AS "admissionId", a.ipt_no AS "iptNo", p.psn_name AS "psnName", s.psn_cash_pay AS "psnCashPay", s.setl_time AS "setlTime", r.created_at AS "requestedAt"
    FROM settlements s JOIN settlement_requests r ON r.id = s.request_id JOIN admissions a ON a.id = s.admission_id JOIN persons p ON p.id = a.person_id
    WHERE r.mode = 'deferred' AND NOT EXISTS (SELECT 1 FROM slip_prints sp WHERE sp.settlement_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM settlements x WHERE x.reversal_of = s.id)
    ORDER BY s.id`);
}
