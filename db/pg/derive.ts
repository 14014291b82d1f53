import { getTableColumns, getTableName, is, sql, SQL, type Column, type ColumnDataType } from 'drizzle-orm';
import {
  boolean, foreignKey, index, integer, numeric, pgTable, primaryKey, text, unique, uniqueIndex,
  type PgColumn, type PgColumnBuilderBase, type PgTableExtraConfigValue, type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { getTableConfig, SQLiteColumn, SQLiteSyncDialect, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { isMoneyColumn } from '../columnKinds.ts';

/**
 * The office store's tables derived from the desk's (issue 18): db/schema.ts is the one schema
 * definition, and every PostgreSQL table is built from its SQLite table here, so a new SQLite
 * table or column needs no hand-written mirror. The mapping, and why:
 * - money (`money()` in db/schema.ts, recognised by its mark) → numeric(18,2): exact decimal
 *   arithmetic in SQL (SUM for reconciliation and the move-verification totals), no floating
 *   point; the driver hands it back as a two-decimal string, as the SQLite text column holds it.
 *   Amounts kept "as returned" by the agency are plain text on the desk and stay text here;
 * - text → text (enum lists kept), integer → integer, boolean-mode integer → boolean;
 * - an autoincrement id → identity "by default", so a desk's rows can move with their ids;
 * - the clock default (ISO-8601 UTC text with milliseconds, the SQLite format) → the same text
 *   from now(), so both stores compare and sort the same strings;
 * - keys, unique columns, indexes (partial ones with their WHERE), composite primary keys and
 *   foreign keys keep their names, so drizzle-kit's snapshots name the same constraints.
 * Anything else (another column type, an unknown SQL default, a CHECK) throws, naming the
 * column: a mapping is added here rather than guessed.
 */

/** SQLite SQL defaults with their PostgreSQL spelling, keyed by the SQLite SQL text. */
const SQL_DEFAULTS: Record<string, SQL> = {
  "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))": sql`(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
};

const sqliteDialect = new SQLiteSyncDialect();

/** The PostgreSQL column type of a mapped column (what drizzle's pg-core would call it). */
type PgColumnType<C> = C extends { columnType: 'SQLiteBoolean' } ? 'PgBoolean'
  : C extends { columnType: 'SQLiteInteger' } ? 'PgInteger' : 'PgText' | 'PgNumeric';

/** A SQLite column's type description carried over to PostgreSQL: same data, nullability, keys. */
type PgColumnOf<C extends Column> = PgColumn<{
  name: C['_']['name'];
  tableName: C['_']['tableName'];
  dataType: C['_']['dataType'] & ColumnDataType;
  columnType: PgColumnType<C['_']>;
  data: C['_']['data'];
  driverParam: C['_']['data'] extends boolean ? boolean : C['_']['data'] extends number ? number | string : string;
  notNull: C['_']['notNull'];
  hasDefault: C['_']['hasDefault'];
  isPrimaryKey: C['_']['isPrimaryKey'];
  isAutoincrement: false;
  hasRuntimeDefault: C['_']['hasRuntimeDefault'];
  enumValues: C['_']['enumValues'];
  baseColumn: never;
  identity: C['_']['isAutoincrement'] extends true ? 'byDefault' : undefined;
  generated: undefined;
}, object>;

/** The PostgreSQL table derived from a SQLite table, typed column by column. */
export type PgTableOf<T extends SQLiteTable> = PgTableWithColumns<{
  name: T['_']['name'];
  schema: undefined;
  dialect: 'pg';
  columns: { [K in keyof T['_']['columns']]: PgColumnOf<T['_']['columns'][K]> };
}>;

/** The PostgreSQL tables of every SQLite table exported by a schema module, under the same keys. */
export type PgTablesOf<S> = { [K in keyof S as S[K] extends SQLiteTable ? K : never]: S[K] extends SQLiteTable ? PgTableOf<S[K]> : never };

function columnBuilder(table: string, c: SQLiteColumn): PgColumnBuilderBase {
  const at = `${table}.${c.name}`;
  let b;
  if (isMoneyColumn(c)) {
    if (c.columnType !== 'SQLiteText') throw new Error(`${at}: money must be text on SQLite, is ${c.columnType}`);
    b = numeric(c.name, { precision: 18, scale: 2 });
  } else if (c.columnType === 'SQLiteText') {
    const values = (c as SQLiteColumn & { enumValues?: [string, ...string[]] }).enumValues;
    b = values ? text(c.name, { enum: values }) : text(c.name);
  } else if (c.columnType === 'SQLiteBoolean') {
    b = boolean(c.name);
  } else if (c.columnType === 'SQLiteInteger') {
    b = integer(c.name);
  } else {
    throw new Error(`${at}: no PostgreSQL mapping for the SQLite column type ${c.columnType} (add one in db/pg/derive.ts)`);
  }
  if (c.notNull) b = b.notNull();
  if (c.default !== undefined) {
    const d: unknown = c.default;
    if (is(d, SQL)) {
      const text = sqliteDialect.sqlToQuery(d).sql;
      const mapped = SQL_DEFAULTS[text];
      if (!mapped) throw new Error(`${at}: no PostgreSQL spelling for the SQL default ${text} (add one in db/pg/derive.ts)`);
      b = b.default(mapped);
    } else {
      b = b.default(d as never);
    }
  }
  if (c.defaultFn || c.onUpdateFn) throw new Error(`${at}: runtime defaults are not mapped`);
  if (c.generated) throw new Error(`${at}: generated columns are not mapped`);
  if (c.primary) {
    b = b.primaryKey();
    if ((c as SQLiteColumn & { autoIncrement?: boolean }).autoIncrement) b = (b as ReturnType<typeof integer>).generatedByDefaultAsIdentity();
  }
  if (c.isUnique) b = b.unique(c.uniqueName);
  return b;
}

type AnyPg = PgTableWithColumns<{ name: string; schema: undefined; dialect: 'pg'; columns: Record<string, PgColumn> }>;

/**
 * Builds the PostgreSQL table of one SQLite table. `resolve` finds the PostgreSQL table of a
 * foreign key's target; it is called lazily (when drizzle reads the table's config), so tables
 * may refer to each other and to themselves.
 */
export function pgTableFrom<T extends SQLiteTable>(source: T, resolve: (target: SQLiteTable) => AnyPg): PgTableOf<T> {
  const name = getTableName(source);
  const keys = Object.entries(getTableColumns(source) as Record<string, SQLiteColumn>);
  const keyOf = new Map(keys.map(([k, c]) => [c, k]));
  const columns = Object.fromEntries(keys.map(([k, c]) => [k, columnBuilder(name, c)]));
  const config = getTableConfig(source);
  if (config.checks.length > 0) throw new Error(`${name}: CHECK constraints are not mapped`);

  const table = pgTable(name, columns, (t) => {
    const own = (c: Column): PgColumn => {
      const key = keyOf.get(c as SQLiteColumn);
      if (key === undefined) throw new Error(`${name}: a key or index refers to a column not in the table`);
      return (t as Record<string, PgColumn>)[key]!;
    };
    const pair = (cols: PgColumn[]): [PgColumn, ...PgColumn[]] => cols as [PgColumn, ...PgColumn[]];
    const out: PgTableExtraConfigValue[] = [];
    for (const i of config.indexes) {
      const cols = i.config.columns.map((c) => {
        if (is(c, SQL)) throw new Error(`${name}.${i.config.name}: expression indexes are not mapped`);
        return own(c as Column);
      });
      let built = (i.config.unique ? uniqueIndex(i.config.name) : index(i.config.name)).on(...pair(cols));
      if (i.config.where) built = built.where(i.config.where);
      out.push(built);
    }
    for (const pk of config.primaryKeys) {
      out.push(pk.name ? primaryKey({ name: pk.name, columns: pair(pk.columns.map(own)) }) : primaryKey({ columns: pair(pk.columns.map(own)) }));
    }
    for (const u of config.uniqueConstraints) {
      out.push(unique(u.name).on(...pair(u.columns.map(own))));
    }
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const targetSource = ref.foreignTable as SQLiteTable;
      const targetKeys = new Map(Object.entries(getTableColumns(targetSource)).map(([k, c]) => [c, k]));
      let built = foreignKey({
        name: ref.name,
        columns: pair(ref.columns.map(own)),
        foreignColumns: pair(ref.foreignColumns.map((c) => {
          const target = resolve(targetSource);
          return target[targetKeys.get(c)!] as PgColumn;
        })),
      });
      if (fk.onDelete) built = built.onDelete(fk.onDelete);
      if (fk.onUpdate) built = built.onUpdate(fk.onUpdate);
      out.push(built);
    }
    return out;
  });
  return table as unknown as PgTableOf<T>;
}

/** The PostgreSQL tables of every SQLite table a schema module exports, under the same export names. */
export function derivePgTables<S extends Record<string, unknown>>(schema: S): PgTablesOf<S> {
  const bySource = new Map<SQLiteTable, AnyPg>();
  const resolve = (target: SQLiteTable): AnyPg => {
    const t = bySource.get(target);
    if (!t) throw new Error(`${getTableName(target)}: a foreign key points at a table the schema does not export`);
    return t;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!is(value, SQLiteTable)) continue;
    const t = pgTableFrom(value, resolve) as unknown as AnyPg;
    bySource.set(value, t);
    out[key] = t;
  }
  return out as PgTablesOf<S>;
}
