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

/**
 * A page as staged: items that are plain objects with the same keys in the same order (a roster or
 * catalogue page) as `{"keys":[…],"rows":[[…],…]}` — the keys once instead of once per item, half
 * the bytes of a roster download to write and read back (roster.import); anything else (or a
 * value `undefined`, which a tuple would turn into null) as the plain JSON array.
 */
export function encodeStagedPage(items: readonly unknown[]): string {
  const first = items[0];
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return JSON.stringify(items);
  const keys = Object.keys(first);
  const rows: unknown[][] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return JSON.stringify(items);
    const o = item as Record<string, unknown>;
    const row: unknown[] = [];
    let j = 0;
    for (const k in o) {
      const v = o[k];
      if (k !== keys[j] || v === undefined || !Object.hasOwn(o, k)) return JSON.stringify(items);
      row.push(v);
      j++;
    }
    if (j !== keys.length) return JSON.stringify(items);
    rows.push(row);
  }
  return JSON.stringify({ keys, rows });
}

/** The items of a staged page, either form of encodeStagedPage (pages staged before it were plain arrays). */
function decodeStagedPage(text: string): unknown[] {
  const page = JSON.parse(text) as unknown[] | { keys: string[]; rows: unknown[][] };
  if (Array.isArray(page)) return page;
  const { keys, rows } = page;
  return rows.map((row) => {
    const o: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) o[keys[j]!] = row[j];
    return o;
  });
}

/** One page, already encoded (encodeStagedPage: the caller encodes it once, and sizes its batch by it). */
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
    yield decodeStagedPage(row.items);
  }
}

export function clearStaging(db: Tx, name: string): void {
  db.delete(syncStaging).where(eq(syncStaging.name, name)).run();
}
