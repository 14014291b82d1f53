import { and, desc, eq, isNull, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { admissions, clerks, identityChecks, persons } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * Identity checks (身份核验) as they were answered. A check is never rewritten: a re-check is a
 * new row pointing at the one it re-checks (recheck_of), flagged `changed` when its decision
 * differs; the only later write is the clerk's acknowledgement of a changed answer.
 */
export type IdentityCheckRow = typeof identityChecks.$inferSelect;
export type IdentityCheckInsert = typeof identityChecks.$inferInsert;

export function insertIdentityCheck(db: Tx, row: IdentityCheckInsert): IdentityCheckRow {
  return db.insert(identityChecks).values(row).returning().get();
}

export function findIdentityCheck(db: Tx, id: number): IdentityCheckRow | undefined {
  return db.select().from(identityChecks).where(eq(identityChecks.id, id)).get();
}

export interface CheckWithClerk extends IdentityCheckRow {
  clerkName: string | null;
}

/** A person's checks, newest first. */
export function checksOfPerson(db: Tx, personId: number, limit = 50): CheckWithClerk[] {
  return db
    .select({ check: identityChecks, clerkName: clerks.name })
    .from(identityChecks)
    .leftJoin(clerks, eq(identityChecks.clerkId, clerks.id))
    .where(eq(identityChecks.personId, personId))
    .orderBy(desc(identityChecks.id))
    .limit(limit)
    .all()
    .map((r) => ({ ...r.check, clerkName: r.clerkName }));
}

/** The re-check that answered this check, if any (the newest). */
export function recheckOf(db: Tx, checkId: number): IdentityCheckRow | undefined {
  return db.select().from(identityChecks).where(eq(identityChecks.recheckOf, checkId)).orderBy(desc(identityChecks.id)).limit(1).get();
}

const later = alias(identityChecks, 'later');

/** Provisional (offline) checks that no re-check has answered yet, oldest first. */
export function unconfirmedProvisionalChecks(db: Tx, limit = 50): IdentityCheckRow[] {
  return db
    .select()
    .from(identityChecks)
    .where(and(
      eq(identityChecks.provisional, true),
      notExists(db.select({ one: sql`1` }).from(later).where(eq(later.recheckOf, identityChecks.id))),
    ))
    .orderBy(identityChecks.id)
    .limit(limit)
    .all();
}

export function countUnconfirmedProvisional(db: Tx): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(identityChecks)
    .where(and(eq(identityChecks.provisional, true), notExists(db.select({ one: sql`1` }).from(later).where(eq(later.recheckOf, identityChecks.id)))))
    .get()?.n ?? 0;
}

/** Re-checks whose answer changed and that no clerk has acknowledged yet, with the person's name. */
export function unacknowledgedChanges(db: Tx, limit = 50) {
  return db
    .select({ check: identityChecks, psnName: persons.psnName, certno: persons.certno })
    .from(identityChecks)
    .innerJoin(persons, eq(identityChecks.personId, persons.id))
    .where(and(eq(identityChecks.changed, true), isNull(identityChecks.acknowledgedAt)))
    .orderBy(desc(identityChecks.id))
    .limit(limit)
    .all();
}

/** Returns false when the check is not a changed, unacknowledged one. */
export function acknowledgeCheck(db: Tx, id: number, at: string): boolean {
  const r = db
    .update(identityChecks)
    .set({ acknowledgedAt: at })
    .where(and(eq(identityChecks.id, id), eq(identityChecks.changed, true), isNull(identityChecks.acknowledgedAt)))
    .run();
  return r.changes === 1;
}

/**
 * The newest checks (not re-checks) not used for an admission, of persons not in hospital: what the admission form
 * offers to pick from instead of asking for a check number (issue 20 point 4). Newest first.
 */
export function recentChecksWithoutAdmission(db: Tx, since: string, limit = 20) {
  return db
    .select({ check: identityChecks, psnName: persons.psnName, certno: persons.certno })
    .from(identityChecks)
    .innerJoin(persons, eq(identityChecks.personId, persons.id))
    .where(and(
      isNull(identityChecks.recheckOf),
      sql`${identityChecks.at} >= ${since}`,
      // Not already used for an admission, and the person is not in hospital now.
      notExists(db.select({ one: sql`1` }).from(admissions).where(eq(admissions.checkId, identityChecks.id))),
      notExists(db.select({ one: sql`1` }).from(admissions).where(and(eq(admissions.personId, identityChecks.personId), eq(admissions.status, 'admitted')))),
    ))
    .orderBy(desc(identityChecks.id))
    .limit(limit)
    .all();
}
