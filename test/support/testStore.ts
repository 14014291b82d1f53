import { inject } from 'vitest';
import pg from 'pg';
import type { OfficeTarget } from '../../db/pg/openOffice.ts';

/**
 * Which store the integration suite runs on (issue 18 point 4): the desk's own SQLite file, or —
 * in the office run (vitest.office.config.ts) — a fresh PostgreSQL database per desk, on the
 * cluster the run's global setup started. Tests ask `storeOptions()` and spread it into the
 * desk's options, so the same test drives both stores.
 */
export function officeRun(): boolean {
  return process.env.YIDI_TEST_STORE === 'office';
}

let seq = 0;

export async function freshOfficeTarget(): Promise<OfficeTarget> {
  const port = inject('pgPort' as never) as unknown as number;
  const database = `desk_${process.pid}_${++seq}`;
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  return { host: '127.0.0.1', port, user: 'postgres', database, password: null, tls: 'disable', applicationName: `test ${database}`, statementTimeoutMs: 60_000 };
}

const byDataDir = new Map<string, OfficeTarget>();

/** The store of a desk in this data folder: the same office database again when a test reopens (restarts) it. */
export async function storeOptions(dataDir?: string): Promise<{ office?: OfficeTarget }> {
  if (!officeRun()) return {};
  const known = dataDir === undefined ? undefined : byDataDir.get(dataDir);
  if (known) return { office: known };
  const target = await freshOfficeTarget();
  if (dataDir !== undefined) byDataDir.set(dataDir, target);
  return { office: target };
}
