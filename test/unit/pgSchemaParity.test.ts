import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { describe, expect, it } from 'vitest';
import { pgShapes, sqliteShapes, type TableShape } from '../../db/pg/shape.ts';
import { real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { pgTables } from '../../db/pg/schema.ts';
import { derivePgTables } from '../../db/pg/derive.ts';

/**
 * The office's PostgreSQL tables are derived from the desk's SQLite tables (db/pg/derive.ts,
 * issue 18). These tests say the derivation lost nothing (a table, column, key or index in one
 * and not the other fails), that money is exact, and that the committed pg migrations are up to
 * date with the derived tables (a db/schema.ts change without `npm run db:generate:pg` fails).
 */
const sqlite = sqliteShapes();
const pg = pgShapes();

/** Human-readable differences between two sets of table shapes; empty when they agree. */
function differences(a: Record<string, TableShape>, b: Record<string, TableShape>): string[] {
  const out: string[] = [];
  for (const t of Object.keys(a)) if (!b[t]) out.push(`table ${t}: only in SQLite`);
  for (const t of Object.keys(b)) if (!a[t]) out.push(`table ${t}: only in PostgreSQL`);
  for (const [t, ta] of Object.entries(a)) {
    const tb = b[t];
    if (!tb) continue;
    for (const c of Object.keys(ta.columns)) if (!tb.columns[c]) out.push(`${t}.${c}: only in SQLite`);
    for (const c of Object.keys(tb.columns)) if (!ta.columns[c]) out.push(`${t}.${c}: only in PostgreSQL`);
    for (const [c, ca] of Object.entries(ta.columns)) {
      const cb = tb.columns[c];
      if (!cb) continue;
      for (const k of ['dataType', 'notNull', 'primary', 'unique', 'default', 'enum'] as const) {
        if (JSON.stringify(ca[k]) !== JSON.stringify(cb[k])) out.push(`${t}.${c}.${k}: SQLite ${JSON.stringify(ca[k])}, PostgreSQL ${JSON.stringify(cb[k])}`);
      }
    }
    for (const k of ['primaryKey', 'indexes', 'foreignKeys'] as const) {
      if (JSON.stringify(ta[k]) !== JSON.stringify(tb[k])) out.push(`${t} ${k}: SQLite ${JSON.stringify(ta[k])}, PostgreSQL ${JSON.stringify(tb[k])}`);
    }
  }
  return out;
}

describe('SQLite and PostgreSQL schemas', () => {
  it('have the same tables, columns, keys and indexes', () => {
    expect(Object.keys(sqlite).length).toBeGreaterThan(30);
    expect(differences(sqlite, pg)).toEqual([]);
  });

  it('the comparison notices a missing table, a missing column and a changed column', () => {
    const altered: Record<string, TableShape> = structuredClone(pg);
    delete altered.settings;
    delete altered.outbox!.columns.wire_msgid;
    altered.clerks!.columns.login!.notNull = false;
    altered.claim_items!.indexes = [];
    expect(differences(sqlite, altered).sort()).toEqual([
      'table settings: only in SQLite',
      'clerks.login.notNull: SQLite true, PostgreSQL false',
      'claim_items indexes: SQLite ["claim_items_claim (claim_id)","claim_items_live_settlement unique (settlement_id) partial"], PostgreSQL []',
      'outbox.wire_msgid: only in SQLite',
    ].sort());
  });

  it('keep money exact: the SQLite money columns are numeric(18, 2) on PostgreSQL, and nothing is floating point', () => {
    const moneySqlite: string[] = [];
    const lookAlikes: string[] = [];
    const numericPg: string[] = [];
    const floats: string[] = [];
    for (const [t, shape] of Object.entries(sqlite)) {
      for (const [c, col] of Object.entries(shape.columns)) {
        if (col.money) moneySqlite.push(`${t}.${c}`);
        // A text column defaulting to '0.00' is money written without money(): it would stay text.
        if (col.sqlType === 'text' && col.default === '"0.00"') lookAlikes.push(`${t}.${c}`);
      }
    }
    expect(lookAlikes.sort()).toEqual([...moneySqlite].sort());
    for (const [t, shape] of Object.entries(pg)) {
      for (const [c, col] of Object.entries(shape.columns)) {
        if (col.sqlType.startsWith('numeric')) numericPg.push(`${t}.${c}`);
        if (/real|double|float/i.test(col.sqlType) || (col.sqlType.startsWith('numeric') && col.sqlType !== 'numeric(18, 2)')) floats.push(`${t}.${c} ${col.sqlType}`);
      }
    }
    expect(moneySqlite).toContain('settlements.fund_pay_sumamt');
    expect(numericPg.sort()).toEqual(moneySqlite.sort());
    expect(floats).toEqual([]);
  });

  it('the committed pg migrations are up to date with the derived tables', async () => {
    const journal = JSON.parse(readFileSync('db/pg/migrations/meta/_journal.json', 'utf8')) as { entries: { idx: number }[] };
    const last = journal.entries.at(-1)!.idx;
    const snapshot = JSON.parse(readFileSync(`db/pg/migrations/meta/${String(last).padStart(4, '0')}_snapshot.json`, 'utf8')) as Parameters<typeof generateMigration>[0];
    const current = generateDrizzleJson(pgTables, snapshot.id);
    expect(Object.keys(current.tables).length).toBe(Object.keys(sqlite).length);
    expect(await generateMigration(snapshot, current)).toEqual([]);
  });

  it('the derivation refuses what it has no mapping for, naming the column', () => {
    const floaty = sqliteTable('floaty', { ratio: real('ratio') });
    expect(() => derivePgTables({ floaty })).toThrow('floaty.ratio: no PostgreSQL mapping for the SQLite column type SQLiteReal');
    const odd = sqliteTable('odd', { at: text('at').default(sql`(datetime('now'))`) });
    expect(() => derivePgTables({ odd })).toThrow("odd.at: no PostgreSQL spelling for the SQL default (datetime('now'))");
    expect(getTableConfig(pgTables.outbox).columns.find((c) => c.name === 'id')!.generatedIdentity?.type).toBe('byDefault');
  });
});
