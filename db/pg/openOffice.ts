import type Database from 'better-sqlite3';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Db } from '../open.ts';
import * as schema from '../schema.ts';
import { migratePg } from './migrate.ts';
import { OfficeClient } from './officeClient.ts';
import type { ProbeTarget } from './probe.ts';
import { SyncPgConnection } from './syncConnection.ts';
import { SenderLock } from './senderLock.ts';

/**
 * Opens a window's office store (issue 18 point 2): brings its schema up to date (every window
 * does at start; the migration lock serialises them), then hands the desk the same `Db` it gets
 * from its SQLite file, over the office connection (db/pg/officeClient.ts).
 */
export type OfficeTarget = Omit<ProbeTarget, 'timeoutMs'> & {
  /** How long one statement may take before the store counts as unreachable (default 15 s). */
  statementTimeoutMs?: number;
  /** Which window this is, for pg_stat_activity and the lock holders. */
  applicationName?: string;
};

/** Settings for a `pg` client of this target: plain data, so they can cross to the worker thread. */
export function officeClientConfig(t: OfficeTarget): pg.ClientConfig {
  const timeout = t.statementTimeoutMs ?? 15_000;
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    database: t.database,
    ...(t.password !== null ? { password: t.password } : {}),
    ssl: t.tls === 'disable' ? false : t.tls === 'require' ? { rejectUnauthorized: false } : { ca: t.ca, rejectUnauthorized: true, servername: t.host },
    connectionTimeoutMillis: Math.min(timeout, 10_000),
    // The server gives up on a statement before the window stops waiting for it.
    statement_timeout: Math.max(1000, timeout - 1000),
    application_name: t.applicationName ?? 'yidi-desk',
  };
}

export function isOfficeDb(db: Db): boolean {
  return (db.$client as unknown) instanceof OfficeClient;
}

export async function migrateOffice(t: OfficeTarget): Promise<string[]> {
  const client = new pg.Client(officeClientConfig(t));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await migratePg(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function openOfficeDatabase(t: OfficeTarget): Promise<Db> {
  await migrateOffice(t);
  const conn = new SyncPgConnection(officeClientConfig(t), { timeoutMs: t.statementTimeoutMs ?? 15_000 });
  conn.connect();
  const client = new OfficeClient(conn);
  return drizzle({ client: client as unknown as Database.Database, schema }) as Db;
}

/**
 * The office's one-sender lock for this window (db/pg/senderLock.ts), on a session of its own:
 * keepalive and a short query timeout, so a window cut off from the server notices at its next
 * check and another window takes over (docs/office.md).
 */
export function officeSenderLock(t: OfficeTarget, onChange?: (held: boolean) => void): SenderLock {
  return new SenderLock({
    connect: async () => {
      const c = new pg.Client({ ...officeClientConfig(t), keepAlive: true, query_timeout: 5000, application_name: `${t.applicationName ?? 'yidi-desk'} 发送` });
      await c.connect();
      return c;
    },
    pollMs: 1000,
    ...(onChange ? { onChange } : {}),
  });
}
