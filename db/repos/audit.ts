import { and, asc, desc, eq, gte, inArray, lt, or } from 'drizzle-orm';
import { auditLog, clerks } from '../schema.ts';
import type { Tx } from './clerks.ts';

/** Append-only: there is no update or delete for the audit log. */
export function appendAudit(db: Tx, entry: { clerkId: number | null; action: string; entity: string; entityId?: string | number | null; detail?: unknown }): void {
  db.insert(auditLog)
    .values({
      clerkId: entry.clerkId,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    })
    .run();
}

export function listAudit(db: Tx, limit: number) {
  return db
    .select({ id: auditLog.id, at: auditLog.at, clerk: clerks.name, action: auditLog.action, entity: auditLog.entity, entityId: auditLog.entityId, detail: auditLog.detail })
    .from(auditLog)
    .leftJoin(clerks, eq(auditLog.clerkId, clerks.id))
    .orderBy(desc(auditLog.id))
    .limit(limit)
    .all();
}

/** Entries between two ISO instants (inclusive start, exclusive end), oldest first, for export. */
export function auditBetween(db: Tx, fromIso: string, toIso: string) {
  return db
    .select({ id: auditLog.id, at: auditLog.at, clerk: clerks.name, login: clerks.login, action: auditLog.action, entity: auditLog.entity, entityId: auditLog.entityId, detail: auditLog.detail })
    .from(auditLog)
    .leftJoin(clerks, eq(auditLog.clerkId, clerks.id))
    .where(and(gte(auditLog.at, fromIso), lt(auditLog.at, toIso)))
    .orderBy(asc(auditLog.id))
    .all();
}

/** The audit trail of one stay: its admission's entries and its settlements', oldest first (协查, 004 第六十六条). */
export function auditOfStay(db: Tx, admissionId: number, settlementIds: readonly number[]) {
  const ids = [...settlementIds].map(String);
  return db
    .select({ id: auditLog.id, at: auditLog.at, clerk: clerks.name, action: auditLog.action, entity: auditLog.entity, entityId: auditLog.entityId, detail: auditLog.detail })
    .from(auditLog)
    .leftJoin(clerks, eq(auditLog.clerkId, clerks.id))
    .where(or(and(eq(auditLog.entity, 'admission'), eq(auditLog.entityId, String(admissionId))), ids.length > 0 ? and(eq(auditLog.entity, 'settlement'), inArray(auditLog.entityId, ids)) : undefined))
    .orderBy(asc(auditLog.id))
    .all();
}

/** How many times an action was recorded for one entity (e.g. a receipt printed: the reprint mark). */
export function countAudit(db: Tx, action: string, entity: string, entityId: string | number): number {
  return db.select({ id: auditLog.id }).from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.entity, entity), eq(auditLog.entityId, String(entityId)))).all().length;
}
