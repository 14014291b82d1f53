import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { PolicyRecord } from '../../shared/settlementFlow.ts';
import { policies } from '../schema.ts';
import type { Tx } from './clerks.ts';

/** Policies of a scheme and year still offered by the agency (retired versions stay only for old settlements). */
export function policyCandidates(db: Tx, insutype: string, year: number): PolicyRecord[] {
  return db
    .select()
    .from(policies)
    .where(and(eq(policies.insutype, insutype), eq(policies.year, year), isNull(policies.retiredAt)))
    .all()
    .map((r) => ({ id: r.id, version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, body: JSON.parse(r.body) as unknown, source: r.source, sourceDate: r.sourceDate }));
}

export function policyByVersion(db: Tx, version: string): PolicyRecord | undefined {
  const r = db.select().from(policies).where(eq(policies.version, version)).get();
  return r && { id: r.id, version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, body: JSON.parse(r.body) as unknown };
}

/** A policy an office entered or imported, with its source and date (issue 14 §2). */
export function insertRegionalPolicy(db: Tx, row: { version: string; insuplcAdmdvs: string; insutype: string; year: number; body: unknown; source: string; sourceDate: string; importedBy: number }): number {
  return db.insert(policies).values({ ...row, body: JSON.stringify(row.body) }).returning({ id: policies.id }).get().id;
}

/** Every policy the desk holds, newest year first, with where it came from. */
export function regionalPolicies(db: Tx): { id: number; version: string; insuplcAdmdvs: string; insutype: string; year: number; source: string | null; sourceDate: string | null; importedAt: string; retired: boolean }[] {
  return db.select().from(policies).orderBy(desc(policies.year), asc(policies.insuplcAdmdvs), asc(policies.insutype), asc(policies.id)).all()
    .map((r) => ({ id: r.id, version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, source: r.source, sourceDate: r.sourceDate, importedAt: r.importedAt, retired: r.retiredAt !== null }));
}
