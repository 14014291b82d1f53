import { asc, eq, inArray } from 'drizzle-orm';
import { clerks, traumaPledges } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * 外伤无第三方责任承诺书 (004 附件8; DOMAIN §5). A recorded pledge is never updated: a correction
 * is a new row whose supersedes_id points at the pledge it replaces. There is no update or delete.
 */
export type PledgeRow = typeof traumaPledges.$inferSelect;
export type PledgeInsert = Omit<typeof traumaPledges.$inferInsert, 'id' | 'createdAt'>;

export function insertPledge(db: Tx, row: PledgeInsert): PledgeRow {
  return db.insert(traumaPledges).values(row).returning().get();
}

export function findPledge(db: Tx, id: number): PledgeRow | undefined {
  return db.select().from(traumaPledges).where(eq(traumaPledges.id, id)).get();
}

/** The pledge that supersedes this one, if any. */
export function supersederOf(db: Tx, id: number): PledgeRow | undefined {
  return db.select().from(traumaPledges).where(eq(traumaPledges.supersedesId, id)).get();
}

export function pledgesOfAdmission(db: Tx, admissionId: number): (PledgeRow & { witnessName: string | null })[] {
  return db
    .select({ p: traumaPledges, witnessName: clerks.name })
    .from(traumaPledges)
    .leftJoin(clerks, eq(traumaPledges.witnessClerkId, clerks.id))
    .where(eq(traumaPledges.admissionId, admissionId))
    .orderBy(asc(traumaPledges.id))
    .all()
    .map((r) => ({ ...r.p, witnessName: r.witnessName }));
}

/** Pledges of many admissions (for lists): only what the settle gate needs. */
export function pledgeStatesOf(db: Tx, admissionIds: readonly number[]): Map<number, { id: number; signedAt: string | null; supersedesId: number | null }[]> {
  const out = new Map<number, { id: number; signedAt: string | null; supersedesId: number | null }[]>();
  for (const admissionId of admissionIds) out.set(admissionId, []);
  if (admissionIds.length === 0) return out;
  const rows = db
    .select({ id: traumaPledges.id, admissionId: traumaPledges.admissionId, signedAt: traumaPledges.signedAt, supersedesId: traumaPledges.supersedesId })
    .from(traumaPledges)
    .where(inArray(traumaPledges.admissionId, [...admissionIds]))
    .all();
  for (const r of rows) out.get(r.admissionId)?.push({ id: r.id, signedAt: r.signedAt, supersedesId: r.supersedesId });
  return out;
}
