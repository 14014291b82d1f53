import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { backupDatabase } from './backup.ts';
import { DeskMovedError, readOfficeMarker } from './officeMarker.ts';
import { cacheStatements } from './statementCache.ts';
import { applyMigrations, knownMigrations, pendingMigrations, type Migration } from './migrate.ts';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface OpenOptions {
  /** Where automatic pre-migration backups go; default: `backups/` beside the database. */
  backupDir?: string;
  migrations?: Migration[];
}

export function configure(sqlite: Database.Database): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
}

/**
 * Opens the business database: WAL, synchronous=FULL, foreign keys on; backs up an existing
 * database before applying new migrations; refuses one that is newer than this build.
 */
export async function openDatabase(file: string, options: OpenOptions = {}): Promise<Db> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const existed = file !== ':memory:' && existsSync(file);
  // A desk whose data moved into the office store must not start over on a new, empty file (db/officeMarker.ts).
  const moved = existed || file === ':memory:' ? null : readOfficeMarker(file);
  if (moved) throw new DeskMovedError(moved);
  const sqlite = new Database(file);
  try {
    configure(sqlite);
    const pending = pendingMigrations(sqlite, options.migrations ?? knownMigrations());
    if (pending.length > 0 && existed) {
      const hasData = (sqlite.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations'`).get() as { n: number }).n > 0;
      if (hasData) await backupDatabase(sqlite, options.backupDir ?? join(dirname(file), 'backups'), 'premigrate');
    }
    applyMigrations(sqlite, pending);
  } catch (e) {
    sqlite.close();
    throw e;
  }
  cacheStatements(sqlite);
  return drizzle({ client: sqlite, schema }) as Db;
}

export function integrityCheck(db: Db): { ok: boolean; messages: string[] } {
  const rows = db.$client.pragma('integrity_check') as { integrity_check: string }[];
  const messages = rows.map((r) => r.integrity_check);
  return { ok: messages.length === 1 && messages[0] === 'ok', messages };
}

export { schema };
