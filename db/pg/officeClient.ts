import type Database from 'better-sqlite3';
import { OfficeSqlError, SyncPgConnection } from './syncConnection.ts';

/**
 * The office store in the shape drizzle's better-sqlite3 driver drives (issue 18 point 1): the
 * desk's repositories — drizzle's sqlite-core builders and the few raw statements of db/repos,
 * all written in the SQL both dialects share — run unchanged on PostgreSQL through it.
 *
 * What it translates is only what drizzle's SQLite driver, not a repository, decides:
 * - `?` parameters become `$1…`;
 * - values are bound as better-sqlite3 binds them (booleans as 0/1, which a boolean column
 *   reads as false/true);
 * - drizzle's own inserts (`insert into "t" (every column) values (…)`) spell a column left out
 *   as the literal `null`, or as the schema's SQL default (the clock, db/schema.ts): both become
 *   `DEFAULT`, which is the same value by construction (db/pg/derive.ts copies every default)
 *   and lets an identity id number itself. An explicit null is always a bound parameter, so it
 *   is never touched;
 * - the conflict target of an upsert names bare columns (`on conflict ("id")`): SQLite accepts
 *   drizzle's `"t"."id"` there, PostgreSQL does not.
 * Repositories keep to the SQL both dialects share (quoted camelCase aliases, CASE instead of
 * summing a comparison, no json_* functions); what only one dialect has goes through db/dialect.ts.
 *
 * Transactions keep SQLite's rule of one writer at a time (BEGIN IMMEDIATE) across every window
 * of the office: each one takes the office's writer lock (a transaction-scoped advisory lock)
 * first, so a read-then-write in a service sees no other window's write in between, exactly as
 * on a desk's own file. Nested transactions are savepoints, as in better-sqlite3.
 */
export const OFFICE_WRITER_LOCK_KEY = 180_007;

const CLOCK_DEFAULT = "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))";

/**
 * Rewrites `?` placeholders outside string literals, quoted names and comments to `$n`; in a
 * drizzle insert, also the left-out columns (see above) to DEFAULT.
 */
export function numberPlaceholders(text: string): string {
  // Only the VALUES list of drizzle's own insert: never an ON CONFLICT … WHERE x is null.
  const valuesAt = text.startsWith('insert into "') ? text.indexOf(' values (') : -1;
  const valuesEnd = valuesAt === -1 ? -1 : Math.min(...[' on conflict ', ' returning '].map((k) => text.indexOf(k, valuesAt)).filter((k) => k !== -1), text.length);
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++n}`;
    } else if (i > valuesAt && i < valuesEnd && text.startsWith(CLOCK_DEFAULT, i)) {
      out += 'DEFAULT';
      i += CLOCK_DEFAULT.length - 1;
    } else if (i > valuesAt && i < valuesEnd && text.startsWith('null', i) && /[(, ]/.test(text[i - 1] ?? '') && /[,) ]/.test(text[i + 4] ?? '')) {
      out += 'DEFAULT';
      i += 3;
    } else {
      out += c;
    }
  }
  return valuesAt === -1 ? out : out.replace(/ on conflict \(([^)]*)\)/, (_m, target: string) => ` on conflict (${target.replace(/"[^"]+"\."([^"]+)"/g, '"$1"')})`);
}

function bindable(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function paramsOf(args: unknown[]): unknown[] {
  // better-sqlite3 takes positional values as arguments or as one array.
  const flat = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return flat.map(bindable);
}

class OfficeStatement {
  private rawMode = false;
  private pluckMode = false;
  readonly busy = false;
  readonly reader: boolean;
  private readonly text: string;

  constructor(private readonly conn: SyncPgConnection, readonly source: string) {
    this.text = numberPlaceholders(source);
    this.reader = /^\s*(select|with|values)\b/i.test(source) || /\breturning\b/i.test(source);
  }

  raw(on = true): this {
    this.rawMode = on;
    return this;
  }

  pluck(on = true): this {
    this.pluckMode = on;
    return this;
  }

  expand(): this {
    return this;
  }

  run(...args: unknown[]): Database.RunResult {
    const r = this.conn.query(this.text, paramsOf(args));
    return { changes: r.rowCount, lastInsertRowid: 0 };
  }

  all(...args: unknown[]): unknown[] {
    const r = this.conn.query(this.text, paramsOf(args), this.rawMode || this.pluckMode);
    return this.pluckMode ? (r.rows as unknown[][]).map((row) => row[0]) : r.rows;
  }

  get(...args: unknown[]): unknown {
    return this.all(...args)[0];
  }

  *iterate(...args: unknown[]): IterableIterator<unknown> {
    yield* this.all(...args);
  }
}

type TxFn = ((...a: unknown[]) => unknown) & { deferred: TxFn; immediate: TxFn; exclusive: TxFn };

export class OfficeClient {
  private depth = 0;
  private closed = false;

  constructor(readonly conn: SyncPgConnection) {}

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(source: string): OfficeStatement {
    return new OfficeStatement(this.conn, source);
  }

  exec(source: string): this {
    this.conn.query(source);
    return this;
  }

  /** better-sqlite3's transaction(fn): a function running fn in a transaction, savepoints when nested. */
  transaction(fn: (...a: unknown[]) => unknown): TxFn {
    const run = (...a: unknown[]): unknown => {
      const outer = this.depth === 0;
      const savepoint = `office_sp${this.depth}`;
      if (outer) {
        this.conn.query('BEGIN');
        try {
          this.conn.query(`SELECT pg_advisory_xact_lock(${OFFICE_WRITER_LOCK_KEY})`);
        } catch (e) {
          this.rollbackQuietly('ROLLBACK');
          throw e;
        }
      } else {
        this.conn.query(`SAVEPOINT ${savepoint}`);
      }
      this.depth++;
      let result: unknown;
      try {
        result = fn(...a);
        if (result instanceof Promise) throw new Error('事务内不能等待异步操作（better-sqlite3 的规则，办公室模式同样适用）');
      } catch (e) {
        this.depth--;
        this.rollbackQuietly(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw e;
      }
      this.depth--;
      this.conn.query(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
      return result;
    };
    const tx = run as TxFn;
    tx.deferred = tx;
    tx.immediate = tx;
    tx.exclusive = tx;
    return tx;
  }

  /** Only what the desk asks of better-sqlite3's pragma outside db/open.ts. */
  pragma(source: string): unknown {
    throw new OfficeSqlError(`办公室数据库不支持 SQLite 的 PRAGMA ${source}`, null, null, null);
  }

  close(): this {
    if (!this.closed) {
      this.closed = true;
      this.conn.close();
    }
    return this;
  }

  private rollbackQuietly(statement: string): void {
    try {
      this.conn.query(statement);
    } catch {
      // the connection is gone: the server has rolled back already
    }
  }
}
