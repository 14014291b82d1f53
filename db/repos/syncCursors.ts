import { and, asc, eq, sql } from 'drizzle-orm';
import { syncCursors, syncStaging } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * Resumable downloads: one cursor row per download (name), and the pages received so far in
 * sync_staging until the whole download is applied. A batch of pages and the cursor that follows
 * the last of them are written in one transaction (electron/sync/pagedDownload.ts), so after a
 * crash the download continues from the last batch stored.
 */
export type CursorRow = typeof syncCursors.$inferSelect;

export function getCursor(db: Tx, name: string): CursorRow | undefined {
  return db.select().from(syncCursors).where(eq(syncCursors.name, name)).get();
}

export function saveCursor(db: Tx, name: string, v: { cursor: string | null; state: string; staging: unknown }): void {
  const values = { cursor: v.cursor, state: v.state, staging: JSON.stringify(v.staging), updatedAt: new Date().toISOString() };
  db.insert(syncCursors).values({ name, ...values }).onConflictDoUpdate({ target: syncCursors.name, set: values }).run();
}

/** One page, already JSON (the caller stringifies it once, and sizes its batch by it). */
export function putStagedPage(db: Tx, name: string, seq: number, json: string): void {
  db.insert(syncStaging).values({ name, seq, items: json })
    .onConflictDoUpdate({ target: [syncStaging.name, syncStaging.seq], set: { items: json } })
    .run();
}

/** Staged pages in order, read one at a time (a million-row download must not sit in memory at once). */
export function* stagedPages(db: Tx, name: string): Generator<unknown[]> {
  let after = 0;
  for (;;) {
    const row = db
      .select()
      .from(syncStaging)
      .where(and(eq(syncStaging.name, name), sql`${syncStaging.seq} > ${after}`))
      .orderBy(asc(syncStaging.seq))
      .limit(1)
      .get();
    if (!row) return;
    after = row.seq;
    yield JSON.parse(row.items) as unknown[];
  }
}

export function clearStaging(db: Tx, name: string): void {
  db.delete(syncStaging).where(eq(syncStaging.name, name)).run();
}
