import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheStatements } from '../../db/statementCache.ts';

/** issue 19, db.write: one prepared statement per SQL text, handed back only in a clean state. */
const t = sqliteTable('t', { id: integer('id').primaryKey(), v: text('v').notNull() });
const open: Database.Database[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

function fresh(): Database.Database {
  const d = new Database(':memory:');
  open.push(d);
  d.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t (v) VALUES ('a'), ('b')");
  cacheStatements(d);
  return d;
}

describe('cacheStatements', () => {
  it('hands back the same statement for the same SQL, a different one for different SQL', () => {
    const d = fresh();
    const a = d.prepare('SELECT v FROM t WHERE id = ?');
    expect(d.prepare('SELECT v FROM t WHERE id = ?')).toBe(a);
    expect(d.prepare('SELECT id FROM t WHERE id = ?')).not.toBe(a);
  });

  it('switches raw/pluck/expand off again: a drizzle select with fields (raw) and a db.all on the same SQL both read right', () => {
    const d = fresh();
    const db = drizzle({ client: d });
    expect(db.select({ id: t.id, v: t.v }).from(t).all()).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    const text = db.select({ id: t.id, v: t.v }).from(t).toSQL().sql;
    // The same SQL text as objects (the statement drizzle left in raw mode comes back with raw off).
    expect(db.all(sql.raw(text))).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    d.prepare('SELECT v FROM t ORDER BY id').pluck();
    expect(d.prepare('SELECT v FROM t ORDER BY id').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    const d = fresh();
    const q = 'SELECT v FROM t ORDER BY id';
    const seen: unknown[] = [];
    for (const row of d.prepare(q).iterate()) seen.push(row, d.prepare(q).all().length);
    expect(seen).toEqual([{ v: 'a' }, 2, { v: 'b' }, 2]);
  });

  it('writes through a cached statement inside and outside transactions', () => {
    const d = fresh();
    const insert = () => d.prepare('INSERT INTO t (v) VALUES (?)').run('c');
    d.transaction(insert)();
    expect(() => d.transaction(() => {
      insert();
      throw new Error('rollback');
    })()).toThrow('rollback');
    insert();
    expect(d.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4 });
  });
});
