import { getTableName, is, SQL, type Table } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { isMoneyColumn } from '../columnKinds.ts';
import * as sqliteSchema from '../schema.ts';
import { pgTables } from './schema.ts';

/**
 * The two dialects' tables as comparable plain data (issue 18), so a test can say the desk's
 * SQLite store and the office's PostgreSQL store have the same tables, columns, keys and indexes.
 * Dialect-specific details are reduced to what both must agree on: a SQL default (the clock) is
 * "sql"; a literal default is its value; the column type is drizzle's JS-side dataType (what the
 * repositories receive), with the dialect's own SQL type kept aside in `sqlType`.
 */
export interface ColumnShape {
  dataType: string;
  /** Marked as money in db/schema.ts (db/columnKinds.ts); always false for a PostgreSQL column. */
  money: boolean;
  sqlType: string;
  notNull: boolean;
  primary: boolean;
  unique: boolean;
  default: string | null;
  enum: string[] | null;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: string[];
  foreignKeys: string[];
}

type Config = ReturnType<typeof pgConfig> | ReturnType<typeof sqliteConfig>;

function shapeOf(config: Config): TableShape {
  const columns: Record<string, ColumnShape> = {};
  for (const c of config.columns) {
    const d: unknown = c.default;
    columns[c.name] = {
      dataType: c.dataType,
      money: isMoneyColumn(c),
      sqlType: c.getSQLType(),
      notNull: c.notNull,
      primary: c.primary,
      unique: c.isUnique,
      default: d === undefined ? null : is(d, SQL) ? 'sql' : JSON.stringify(d),
      enum: 'enumValues' in c && Array.isArray(c.enumValues) ? [...(c.enumValues as string[])] : null,
    };
  }
  const indexes = config.indexes.map((i) => {
    const { name, unique, columns: cols, where } = i.config;
    const on = cols.map((col) => ('name' in col ? col.name : '?')).join(',');
    return `${name}${unique ? ' unique' : ''} (${on})${where ? ' partial' : ''}`;
  }).sort();
  const foreignKeys = config.foreignKeys.map((fk) => {
    const r = fk.reference();
    return `(${r.columns.map((c) => c.name).join(',')}) -> ${getTableName(r.foreignTable)}(${r.foreignColumns.map((c) => c.name).join(',')})`;
  }).sort();
  const primaryKey = config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name));
  return { columns, primaryKey, indexes, foreignKeys };
}

function tables(schema: Record<string, unknown>, isTable: (v: unknown) => v is Table): Table[] {
  return Object.values(schema).filter(isTable);
}

export function sqliteShapes(): Record<string, TableShape> {
  const list = tables(sqliteSchema, (v): v is Table => is(v, SQLiteTable));
  return Object.fromEntries(list.map((t) => [getTableName(t), shapeOf(sqliteConfig(t as SQLiteTable))]));
}

export function pgShapes(): Record<string, TableShape> {
  const list = tables(pgTables, (v): v is Table => is(v, PgTable));
  return Object.fromEntries(list.map((t) => [getTableName(t), shapeOf(pgConfig(t as PgTable))]));
}
