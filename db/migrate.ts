import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  tag: string;
  sql: string;
}

/** The migrations this build knows, in order, from drizzle-kit's journal. */
export function knownMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((e) => ({ tag: e.tag, sql: readFileSync(join(dir, `${e.tag}.sql`), 'utf8') }));
}

export class DatabaseTooNewError extends Error {
  constructor(readonly unknownTags: string[]) {
    super(`数据库由更新版本的程序创建（未知的迁移：${unknownTags.join('、')}），本程序不能打开它。请安装最新版本，或由主管从备份恢复。`);
    this.name = 'DatabaseTooNewError';
  }
}

function ensureTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (tag TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
}

export function appliedMigrations(db: Database.Database): string[] {
  ensureTable(db);
  return (db.prepare('SELECT tag FROM schema_migrations ORDER BY rowid').all() as { tag: string }[]).map((r) => r.tag);
}

/** Which known migrations are still to apply; refuses a database that has migrations we do not know. */
export function pendingMigrations(db: Database.Database, known = knownMigrations()): Migration[] {
  const applied = appliedMigrations(db);
  const knownTags = new Set(known.map((m) => m.tag));
  const unknown = applied.filter((t) => !knownTags.has(t));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);
  const done = new Set(applied);
  return known.filter((m) => !done.has(m.tag));
}

/** Applies the pending migrations, all in one transaction: either all of them land or none. */
export function applyMigrations(db: Database.Database, pending: Migration[]): void {
  if (pending.length === 0) return;
  ensureTable(db);
  const record = db.prepare(`INSERT INTO schema_migrations (tag, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const m of pending) {
        db.exec(m.sql);
        record.run(m.tag);
      }
      const problems = db.pragma('foreign_key_check') as unknown[];
      if (problems.length > 0) throw new Error(`迁移后外键检查失败：${JSON.stringify(problems.slice(0, 3))}`);
    })();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
