import Database from 'better-sqlite3';
import { knownMigrations } from '../migrate.ts';
import { Decimal } from '../../shared/money.ts';
import type { MoveTable } from './movePlan.ts';
import type { OutboxState, TableTotals } from './moveVerify.ts';

/** Why a move stopped before anything was written (Chinese, naming the table or file). */
export class MoveRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'MoveRefused';
  }
}

/**
 * The desk's SQLite file as the source of a move (issue 18 point 3): opened read-only (the move
 * never writes to it), checked first (integrity and foreign keys), and read inside one read
 * transaction so the rows copied and the totals they are checked against are one snapshot.
 * Integers come back as BigInt (safeIntegers), so an id or a count never passes through a
 * float; money is the text the desk stored.
 */
export class MoveSource {
  readonly db: Database.Database;

  constructor(readonly file: string) {
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new MoveRefused('SOURCE_UNREADABLE', `无法以只读方式打开桌面数据库 ${file}：${(e as Error).message}`);
    }
    this.db.defaultSafeIntegers(true);
  }

  /** PRAGMA integrity_check and foreign_key_check, before anything is read for the copy. */
  check(): void {
    let messages: string[];
    try {
      messages = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      // A badly damaged file fails the check itself ("database disk image is malformed").
      messages = [(e as Error).message];
    }
    if (!(messages.length === 1 && messages[0] === 'ok')) {
      throw new MoveRefused('SOURCE_CORRUPT', `桌面数据库 ${this.file} 完整性检查未通过，不能迁移：${messages.slice(0, 3).join('；')}。请先从备份恢复。`);
    }
    const fk = this.db.pragma('foreign_key_check') as { table: string; rowid: bigint | null; parent: string }[];
    if (fk.length > 0) {
      const f = fk[0]!;
      throw new MoveRefused('SOURCE_FOREIGN_KEY', `桌面数据库外键检查未通过：表 ${f.table} 第 ${String(f.rowid)} 行引用的 ${f.parent} 不存在（共 ${fk.length} 处），不能迁移。`);
    }
  }

  /** The applied migrations; refused unless they are exactly this build's (the pg level is checked against the same build). */
  level(): string[] {
    const applied = appliedMigrationsReadOnly(this.db);
    const known = knownMigrations().map((m) => m.tag);
    const same = applied.length === known.length && applied.every((t, i) => t === known[i]);
    if (!same) {
      const last = applied.at(-1) ?? '（无）';
      const unknown = applied.filter((t) => !known.includes(t));
      throw new MoveRefused('SOURCE_LEVEL', unknown.length > 0
        ? `桌面数据库的迁移级别 ${last} 比本程序新（未知：${unknown.join('、')}）：请用最新版本的程序迁移。`
        : `桌面数据库的迁移级别 ${last} 不是本程序的 ${known.at(-1)}：请先用本版本程序打开一次这个桌面（自动迁移并备份），再迁入办公室数据库。`);
    }
    return applied;
  }

  begin(): void {
    this.db.exec('BEGIN');
    // The read snapshot starts at the first read, not at BEGIN: read once now.
    this.db.prepare('SELECT count(*) FROM sqlite_master').get();
  }

  columns(table: string): string[] {
    return (this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name);
  }

  /** Rows in rowid order (the order they were written), `size` at a time. */
  *batches(t: MoveTable, size: number): Generator<unknown[][]> {
    const stmt = this.db.prepare(`SELECT ${t.columns.map(q).join(', ')} FROM ${q(t.name)} ORDER BY rowid`).raw(true);
    let batch: unknown[][] = [];
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** [id, value] of the non-null deferred reference column. */
  deferredValues(t: MoveTable, column: string): [bigint, bigint][] {
    return this.db.prepare(`SELECT id, ${q(column)} FROM ${q(t.name)} WHERE ${q(column)} IS NOT NULL ORDER BY id`).raw(true).all() as [bigint, bigint][];
  }

  /** The next id an AUTOINCREMENT table would give (past deleted rows too: sqlite_sequence keeps the high-water mark). */
  nextId(table: string): bigint {
    const max = (this.db.prepare(`SELECT coalesce(max(id), 0) FROM ${q(table)}`).pluck().get() as bigint);
    const hasSeq = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'`).get() !== undefined;
    const seq = hasSeq ? ((this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = ?`).pluck().get(table) as bigint | undefined) ?? 0n) : 0n;
    return (seq > max ? seq : max) + 1n;
  }

  /** Rows and exact money totals, summed with decimal.js from the stored text (SQLite's sum() would go through floating point). */
  totals(t: MoveTable): TableTotals {
    const rows = this.db.prepare(`SELECT count(*) FROM ${q(t.name)}`).pluck().get() as bigint;
    const money: Record<string, string> = {};
    for (const c of t.money) {
      let sum = new Decimal(0);
      for (const v of this.db.prepare(`SELECT ${q(c)} FROM ${q(t.name)}`).pluck().iterate() as IterableIterator<unknown>) {
        try {
          sum = sum.plus(new Decimal(String(v)));
        } catch {
          throw new MoveRefused('SOURCE_MONEY', `桌面数据库表 ${t.name} 列 ${c} 有不是金额的值：${String(v).slice(0, 40)}`);
        }
      }
      money[c] = exactText(sum);
    }
    return { rows: rows.toString(), money };
  }

  outbox(): OutboxState {
    const byStatus: Record<string, string> = {};
    for (const [status, n] of this.db.prepare(`SELECT status, count(*) FROM outbox GROUP BY status ORDER BY status`).raw(true).all() as [string, bigint][]) byStatus[status] = n.toString();
    const queues: Record<string, string[]> = {};
    for (const [key, msgid, status] of this.db.prepare(`SELECT order_key, msgid, status FROM outbox ORDER BY order_key, id`).raw(true).all() as [string, string, string][]) {
      (queues[key] ??= []).push(`${msgid}:${status}`);
    }
    return { byStatus, queues };
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

function appliedMigrationsReadOnly(db: Database.Database): string[] {
  const present = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get() !== undefined;
  // Not db/migrate.ts appliedMigrations: it creates the table when missing, a write.
  return present ? (db.prepare('SELECT tag FROM schema_migrations ORDER BY rowid').pluck().all() as string[]) : [];
}

/** A Decimal written out in full (no exponent), with at least two decimals, so '12.3' and '12.30' print alike but '12.305' keeps its 5. */
export function exactText(d: Decimal): string {
  return d.toFixed(Math.max(2, d.decimalPlaces()));
}

export function q(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`内部错误：名称不合规：${name}`);
  return `"${name}"`;
}
