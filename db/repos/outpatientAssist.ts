import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { auditLog, clerks, outpatientVisits, persons } from '../schema.ts';
import type { Tx } from './clerks.ts';
import type { OtpPersonRow, VisitRow } from './outpatient.ts';

/**
 * 协查 of a visit (004 第六十六条; issue 16 §5): the visits a request names by any of 证件号码, name,
 * 门诊号, the day of the visit, the total of one of its settlements (or of its 全额自付), or any 发票号 it had.
 */
export function findVisits(db: Tx, q: { certno?: string | undefined; name?: string | undefined; otpNo?: string | undefined; day?: string | undefined; total?: string | undefined; invono?: string | undefined }, limit = 50): { visit: VisitRow; person: OtpPersonRow }[] {
  const conds = [
    q.certno ? eq(persons.certno, q.certno) : undefined,
    q.name ? eq(persons.psnName, q.name) : undefined,
    q.otpNo ? eq(outpatientVisits.otpNo, q.otpNo) : undefined,
    q.day ? sql`substr(${outpatientVisits.begntime}, 1, 10) = ${q.day}` : undefined,
    q.total ? sql`(EXISTS (SELECT 1 FROM outpatient_settlements s WHERE s.visit_id = ${outpatientVisits.id} AND s.kind = 'settlement' AND s.medfee_sumamt = ${q.total})
      OR EXISTS (SELECT 1 FROM outpatient_full_self_pays f WHERE f.visit_id = ${outpatientVisits.id} AND f.medfee_sumamt = ${q.total}))` : undefined,
    q.invono ? sql`EXISTS (SELECT 1 FROM invoice_numbers i WHERE i.visit_id = ${outpatientVisits.id} AND i.invono = ${q.invono})` : undefined,
  ].filter((c) => c !== undefined);
  if (conds.length === 0) return [];
  return db.select({ visit: outpatientVisits, person: persons }).from(outpatientVisits).innerJoin(persons, eq(outpatientVisits.personId, persons.id))
    .where(and(...conds)).orderBy(desc(outpatientVisits.id)).limit(limit).all();
}

/** The audit trail of a visit and of its settlements and refunds, oldest first. */
export function auditOfVisit(db: Tx, visitId: number, settlementIds: readonly number[]) {
  const ids = [...settlementIds].map(String);
  return db
    .select({ id: auditLog.id, at: auditLog.at, clerk: clerks.name, action: auditLog.action, entity: auditLog.entity, entityId: auditLog.entityId, detail: auditLog.detail })
    .from(auditLog)
    .leftJoin(clerks, eq(auditLog.clerkId, clerks.id))
    .where(or(and(eq(auditLog.entity, 'outpatient_visit'), eq(auditLog.entityId, String(visitId))), ids.length > 0 ? and(eq(auditLog.entity, 'outpatient_settlement'), inArray(auditLog.entityId, ids)) : undefined))
    .orderBy(asc(auditLog.id))
    .all();
}
