import { eq, sql } from 'drizzle-orm';
import type { Db } from '../open.ts';
import { clerks } from '../schema.ts';

export type ClerkRow = typeof clerks.$inferSelect;
export type Tx = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'run' | 'all' | 'get'>;

export function findClerkByLogin(db: Tx, login: string): ClerkRow | undefined {
  return db.select().from(clerks).where(eq(clerks.login, login)).get();
}

export function findClerk(db: Tx, id: number): ClerkRow | undefined {
  return db.select().from(clerks).where(eq(clerks.id, id)).get();
}

export function insertClerk(db: Tx, row: { login: string; name: string; role: 'clerk' | 'supervisor'; passwordHash: string }): number {
  return db.insert(clerks).values(row).returning({ id: clerks.id }).get().id;
}

export function countClerks(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(clerks).get()?.n ?? 0;
}

/** Counts a failed login; locks the account until `lockUntil` once the limit is reached. */
export function recordLoginFailure(db: Tx, id: number, limit: number, lockUntil: string): { attempts: number; locked: boolean } {
  const row = db
    .update(clerks)
    .set({ failedAttempts: sql`${clerks.failedAttempts} + 1` })
    .where(eq(clerks.id, id))
    .returning({ attempts: clerks.failedAttempts })
    .get();
  const attempts = row?.attempts ?? 0;
  if (attempts >= limit) {
    db.update(clerks).set({ lockedUntil: lockUntil, failedAttempts: 0 }).where(eq(clerks.id, id)).run();
    return { attempts, locked: true };
  }
  return { attempts, locked: false };
}

export function clearLoginFailures(db: Tx, id: number): void {
  db.update(clerks).set({ failedAttempts: 0, lockedUntil: null }).where(eq(clerks.id, id)).run();
}
