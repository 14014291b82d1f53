import type Database from 'better-sqlite3';
import type { Tx } from './clerks.ts';

/**
 * The better-sqlite3 connection under a drizzle handle — the database or a transaction on it (a
 * drizzle transaction on better-sqlite3 is a native transaction of the same connection, so a
 * statement prepared here runs inside it). For the few bulk paths where drizzle's per-call work
 * (filling placeholders: ~2.5 µs a row) costs more than SQLite's own (roster.import, issue 19);
 * everything else stays drizzle. Only db/ uses it, like all SQL.
 */
export function connectionOf(db: Tx): Database.Database {
  const handle = db as unknown as { $client?: Database.Database; session?: { client?: Database.Database } };
  const client = handle.$client ?? handle.session?.client;
  // drizzle keeps the connection as session.client (drizzle-orm/better-sqlite3/session.js); should
  // a drizzle upgrade move it, this fails loudly instead of running outside the transaction.
  if (!client || typeof client.prepare !== 'function') throw new Error('内部错误：无法取得数据库连接（drizzle 版本变化？）');
  return client;
}
