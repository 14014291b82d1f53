import { describe, expect, it } from 'vitest';
import { pgShapes, sqliteShapes, type TableShape } from '../../db/pg/shape.ts';

/**
 * The desk's SQLite tables (db/schema.ts) and the office's PostgreSQL tables (db/pg/schema.ts)
 * must not drift (issue 18): a table, column, key or index in one and not the other fails here.
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
    const numericPg: string[] = [];
    const floats: string[] = [];
    for (const [t, shape] of Object.entries(sqlite)) {
      for (const [c, col] of Object.entries(shape.columns)) if (col.sqlType === 'text' && col.default === '"0.00"') moneySqlite.push(`${t}.${c}`);
    }
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
});
