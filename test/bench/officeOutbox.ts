import pg from 'pg';
import { migratePg } from '../../db/pg/migrate.ts';
import { pgUnavailable, startPgCluster } from '../support/pgCluster.ts';
import { fillOutbox, runSenders } from '../support/pgOutboxSenders.ts';
import { timeFigure, type Figure } from './harness.ts';

/**
 * office.outbox (issue 18): 10,000 outbox items over 500 people claimed (FOR UPDATE SKIP LOCKED)
 * and marked delivered by three senders competing, vs one sender alone — the same work on the same
 * throw-away cluster (fsync off), a fresh database per run. Medians of `rounds` runs each,
 * alternating. The cluster is stopped (and its directory removed) before this returns; without
 * PostgreSQL's binaries the figure is left out, saying why.
 */
export async function benchOfficeOutbox(items = 10_000, keys = 500, rounds = 3): Promise<Figure[]> {
  const reason = pgUnavailable();
  if (reason) {
    // A desk-only machine: the single desk's figures still run; this one says why it is missing.
    process.stderr.write(`office.outbox 跳过（需要 PostgreSQL）：${reason}\n`);
    return [];
  }
  const cluster = await startPgCluster();
  try {
    let n = 0;
    const once = async (senders: number): Promise<number> => {
      const name = `bench_outbox_${++n}`;
      await cluster.createDatabase(name);
      const db = new pg.Client({ connectionString: cluster.url(name) });
      await db.connect();
      try {
        await migratePg(db);
        await fillOutbox(db, items, keys);
      } finally {
        await db.end();
      }
      const log = await runSenders(cluster.url(name), senders);
      if (log.violations.length > 0 || log.sends.length !== items) throw new Error(`office.outbox: ${log.sends.length} sends, ${log.violations.length} violations`);
      return log.ms;
    };
    const one: number[] = [];
    const three: number[] = [];
    for (let r = 0; r < rounds; r++) {
      one.push(await once(1));
      three.push(await once(3));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return [timeFigure('office.outbox', median(three), median(one))];
  } finally {
    await cluster.stop();
  }
}
