import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { OfficeClient } from './pg/officeClient.ts';
import { connectionOf } from './repos/connection.ts';
import type { Tx } from './repos/clerks.ts';

/**
 * The few SQL constructs the two stores spell differently (issue 18 point 1). Everything else in
 * db/repos is the SQL both share; a repository that needs one of these asks here, with its
 * handle, so the one repository serves the desk's SQLite file and the office's PostgreSQL.
 */
export function onOffice(db: Tx): boolean {
  return (connectionOf(db) as unknown) instanceof OfficeClient;
}

/** A JSON key goes into SQL as a literal, so it must be a plain name. */
function checkKey(key: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`JSON 键名不合规：${key}`);
}

/** The size in bytes of a text column's value (UTF-8 on both). */
export function byteLength(db: Tx, expr: SQLWrapper): SQL {
  return onOffice(db) ? sql`octet_length(${expr})` : sql`length(CAST(${expr} AS BLOB))`;
}

/** A top-level key of a JSON object kept as text, as text (null when absent). */
export function jsonText(db: Tx, column: SQLWrapper, key: string): SQL {
  checkKey(key);
  return onOffice(db) ? sql`(${column}::jsonb ->> ${sql.raw(`'${key}'`)})` : sql`json_extract(${column}, ${sql.raw(`'$.${key}'`)})`;
}

/** The JSON object kept as text has `key: true`. */
export function jsonIsTrue(db: Tx, column: SQLWrapper, key: string): SQL {
  checkKey(key);
  return onOffice(db) ? sql`(${column}::jsonb -> ${sql.raw(`'${key}'`)}) = 'true'::jsonb` : sql`json_extract(${column}, ${sql.raw(`'$.${key}'`)}) = 1`;
}

/** The JSON object kept as text with `key` set to a text value (the rest unchanged). */
export function jsonWithText(db: Tx, column: SQLWrapper, key: string, value: string): SQL {
  checkKey(key);
  return onOffice(db)
    ? sql`CAST(jsonb_set(CAST(${column} AS jsonb), ${sql.raw(`'{${key}}'`)}, to_jsonb(CAST(${value} AS text))) AS text)`
    : sql`json_set(${column}, ${sql.raw(`'$.${key}'`)}, ${value})`;
}
