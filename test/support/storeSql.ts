import type { Db } from '../../db/open.ts';
import { onOffice } from '../../db/dialect.ts';

/**
 * What the tests do to a store behind the services' back, in either dialect (issue 18 point 4):
 * a failure injected into an insert (a trigger), and raw rows read for an assertion.
 */
export function failInserts(db: Db, o: { name: string; table: string; when?: string; message: string }): () => void {
  const raw = db.$client;
  const message = o.message.replace(/'/g, "''");
  if (onOffice(db)) {
    raw.exec(`CREATE FUNCTION ${o.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${o.when ?? 'true'} THEN RAISE EXCEPTION '${message}'; END IF; RETURN NEW; END $$`);
    raw.exec(`CREATE TRIGGER ${o.name} BEFORE INSERT ON ${o.table} FOR EACH ROW EXECUTE FUNCTION ${o.name}()`);
    return () => {
      raw.exec(`DROP TRIGGER ${o.name} ON ${o.table}`);
      raw.exec(`DROP FUNCTION ${o.name}()`);
    };
  }
  raw.exec(`CREATE TRIGGER ${o.name} BEFORE INSERT ON ${o.table} ${o.when ? `WHEN ${o.when} ` : ''}BEGIN SELECT RAISE(ABORT, '${message}'); END`);
  return () => raw.exec(`DROP TRIGGER ${o.name}`);
}

/** Raw rows with booleans as SQLite gives them (1/0), so one expectation holds on both stores. */
export function rawRows<T = Record<string, unknown>>(db: Db, q: string, ...args: unknown[]): T[] {
  const rows = db.$client.prepare(q).all(...args) as Record<string, unknown>[];
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : v]))) as T[];
}

/** A unique-constraint refusal, as either store words it. */
export const UNIQUE_REFUSAL = /UNIQUE|duplicate key/;

/** The business tables of the store (without SQLite's own and the migrations' bookkeeping on PostgreSQL's side). */
export function tableNames(db: Db): string[] {
  const q = onOffice(db)
    ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`
    : `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`;
  return (db.$client.prepare(q).all() as { name: string }[]).map((r) => r.name).sort();
}
