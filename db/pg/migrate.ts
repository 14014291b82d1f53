import { fileURLToPath } from 'node:url';
import { DatabaseTooNewError, knownMigrations, type Migration } from '../migrate.ts';

/**
 * The office store's migrations (issue 18), with the same bookkeeping as db/migrate.ts: a
 * schema_migrations row per applied tag, all pending migrations in one transaction, and a
 * database that has a tag this build does not know is refused (DatabaseTooNewError) — in an
 * office that is a window running an older build than the one that migrated the store.
 */
export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * What the runner needs of a connection: one simple-protocol query (no parameters). `pg`'s Client
 * and Pool have this shape; the tests also use a psql-backed one (test/support/psqlClient.ts).
 */
export interface PgQueryable {
  query(text: string): Promise<{ rows: unknown[] }>;
}

/** Every window migrates at start; this advisory lock makes the second wait for the first. */
export const MIGRATION_LOCK_KEY = 180_001;

const nowText = `to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (seq integer GENERATED ALWAYS AS IDENTITY, tag text PRIMARY KEY, applied_at text NOT NULL)`;

export function knownPgMigrations(dir = PG_MIGRATIONS_DIR): Migration[] {
  return knownMigrations(dir);
}

/** A tag goes into SQL as a literal, so it must be one of drizzle-kit's names (0000_name). */
function tagLiteral(tag: string): string {
  if (!/^\d{4}_[a-z0-9_]+$/.test(tag)) throw new Error(`迁移名不合规：${tag}`);
  return `'${tag}'`;
}

export async function appliedPgMigrations(db: PgQueryable): Promise<string[]> {
  const exists = await db.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
  const present = (exists.rows[0] as { present: boolean | string } | undefined)?.present;
  if (present !== true && present !== 't') return [];
  const { rows } = await db.query(`SELECT tag FROM schema_migrations ORDER BY seq`);
  return (rows as { tag: string }[]).map((r) => r.tag);
}

export async function pendingPgMigrations(db: PgQueryable, known = knownPgMigrations()): Promise<Migration[]> {
  const applied = await appliedPgMigrations(db);
  const knownTags = new Set(known.map((m) => m.tag));
  const unknown = applied.filter((t) => !knownTags.has(t));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);
  const done = new Set(applied);
  return known.filter((m) => !done.has(m.tag));
}

/**
 * Applies the migrations as ONE multi-statement simple query, which PostgreSQL runs as one
 * implicit transaction: either all land or none, and no connection is left inside a failed
 * transaction block. The tag row is written before its SQL, so a window that raced another
 * (both read "pending") fails on the primary key after waiting for the lock, and rolls back.
 */
export async function applyPgMigrations(db: PgQueryable, pending: Migration[]): Promise<void> {
  if (pending.length === 0) return;
  const parts = [`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`, TABLE];
  for (const m of pending) {
    parts.push(`INSERT INTO schema_migrations (tag, applied_at) VALUES (${tagLiteral(m.tag)}, ${nowText})`);
    parts.push(m.sql);
  }
  await db.query(parts.join('\n;\n'));
}

/** Brings the store up to date; returns the tags applied now. Safe to run from several windows at once. */
export async function migratePg(db: PgQueryable, known = knownPgMigrations()): Promise<string[]> {
  const pending = await pendingPgMigrations(db, known);
  try {
    await applyPgMigrations(db, pending);
  } catch (e) {
    // Another window may have migrated between our read and our lock: then nothing is left to do.
    const still = await pendingPgMigrations(db, known);
    if (still.length === 0) return [];
    throw e;
  }
  return pending.map((m) => m.tag);
}
