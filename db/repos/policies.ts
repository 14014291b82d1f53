import { and, eq, isNull } from 'drizzle-orm';
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
    .map((r) => ({ id: r.id, version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, body: JSON.parse(r.body) as unknown }));
}

export function policyByVersion(db: Tx, version: string): PolicyRecord | undefined {
  const r = db.select().from(policies).where(eq(policies.version, version)).get();
  return r && { id: r.id, version: r.version, insuplcAdmdvs: r.insuplcAdmdvs, insutype: r.insutype, year: r.year, body: JSON.parse(r.body) as unknown };
}
