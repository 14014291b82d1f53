import { and, desc, eq, gte, isNull, like, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { admissions, persons, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * 协查 (004 第六十六条): finding a stay from what an agency's request names, and the settlements
 * flagged at settlement for being over the thresholds (assistance_flag). Read-only.
 */

export interface AssistCriteria {
  certno?: string;
  psnName?: string;
  iptNo?: string;
  /** setl_id or mdtrt_id as the agency writes it. */
  platformId?: string;
  /** Admission or discharge falls in [from, to] ('YYYY-MM-DD'). */
  from?: string;
  to?: string;
  /** The settlement's medfee_sumamt, exactly ('12345.67'). */
  total?: string;
}

export interface AssistRow {
  admissionId: number;
  iptNo: string;
  certno: string;
  psnName: string;
  admittedAt: string;
  dischargedAt: string | null;
  mdtrtId: string | null;
  settlementId: number | null;
  setlId: string | null;
  settledOn: string | null;
  medfeeSumamt: string | null;
  scope: 'cross' | 'in' | null;
  assistanceFlag: boolean;
}

/** Stays matching every criterion given (at most `limit`), newest first; each with its latest settlement, if any. */
const s = alias(settlements, 's');

export function findStays(db: Tx, c: AssistCriteria, limit = 50): AssistRow[] {
  const where: SQL[] = [];
  if (c.certno) where.push(eq(persons.certno, c.certno));
  if (c.psnName) where.push(like(persons.psnName, `%${c.psnName.replace(/[%_]/g, '')}%`));
  if (c.iptNo) where.push(eq(admissions.iptNo, c.iptNo));
  if (c.platformId) where.push(or(eq(admissions.mdtrtId, c.platformId), eq(s.setlId, c.platformId))!);
  if (c.from) where.push(or(gte(admissions.admittedAt, c.from), gte(admissions.dischargedAt, c.from))!);
  if (c.to) where.push(lte(admissions.admittedAt, `${c.to} 23:59:59`));
  if (c.total) where.push(eq(s.medfeeSumamt, c.total));
  return query(db, where, limit);
}

function query(db: Tx, where: SQL[], limit: number): AssistRow[] {
  return db.select({
    admissionId: admissions.id, iptNo: admissions.iptNo, certno: persons.certno, psnName: persons.psnName, admittedAt: admissions.admittedAt,
    dischargedAt: admissions.dischargedAt, mdtrtId: admissions.mdtrtId, settlementId: s.id, setlId: s.setlId, settledOn: s.settledOn,
    medfeeSumamt: s.medfeeSumamt, scope: s.scope, assistanceFlag: sql<number | null>`${s.assistanceFlag}`,
  }).from(admissions)
    .innerJoin(persons, eq(persons.id, admissions.personId))
    // The stay's latest settlement (not a reversal), or none.
    .leftJoin(s, and(eq(s.admissionId, admissions.id), eq(s.kind, 'settlement'), isNull(sql`(SELECT 1 FROM settlements r WHERE r.admission_id = ${admissions.id} AND r.kind = 'settlement' AND r.id > ${s.id})`)))
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(admissions.id))
    .limit(limit)
    .all()
    .map((r) => ({ ...r, assistanceFlag: r.assistanceFlag === 1 }));
}

/** Settlements flagged over the thresholds, settled in [from, to], not reversed. */
export function flaggedSettlements(db: Tx, from: string, to: string): AssistRow[] {
  return query(db, [
    eq(s.assistanceFlag, true), gte(s.settledOn, from), lte(s.settledOn, to),
    isNull(sql`(SELECT 1 FROM settlements r WHERE r.reversal_of = ${s.id})`),
  ], 10_000);
}
