import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Desk } from '../../electron/services/desk.ts';
import { commitSettlement, gatherSettlement } from '../../electron/services/settlementService.ts';
import { todayCST } from '../../shared/dates.ts';
import { pgUnavailable, startPgCluster } from '../support/pgCluster.ts';
import { timeFigure, timeMsAsync, type Figure } from './harness.ts';
import { admissionWithFees, LINES, OPTER, stayRows } from './settle.ts';

/**
 * office.settle (issue 18): settle.2000's commit with the window on the office store (a throw-away
 * cluster, fsync off) — the same services over the synchronous office connection. Baseline: the
 * same 2,000 lines inserted by one prepared statement in one transaction over the same connection
 * (every statement one round trip to the server, nothing of the desk's own work). Without
 * PostgreSQL's binaries the figure is left out, saying why.
 */
export async function benchOfficeSettle(iterations = 2, rounds = 3): Promise<Figure[]> {
  const reason = pgUnavailable();
  if (reason) {
    process.stderr.write(`office.settle 跳过（需要 PostgreSQL）：${reason}\n`);
    return [];
  }
  const cluster = await startPgCluster();
  let desk: Desk | null = null;
  try {
    await cluster.createDatabase('bench_settle');
    desk = await Desk.open({
      dataDir: mkdtempSync(join(tmpdir(), 'yidi-bench-office-')), demo: true, agencyUrl: 'http://127.0.0.1:9',
      office: { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'bench_settle', password: null, tls: 'disable', statementTimeoutMs: 60_000 },
    });
    const d = desk;
    const ids: number[] = [];
    for (let i = 0; i < iterations * rounds; i++) ids.push(await admissionWithFees(d, i));
    const sample = await gatherSettlement(d, { admissionId: ids[0]!, useAccount: false, accountBalance: '0.00' }, OPTER);
    let next = 0;
    const value = await timeMsAsync(async () => {
      await commitSettlement(d, { admissionId: ids[next++]!, dischargedOn: todayCST(), dscgWay: '1', useAccount: false, accountBalance: '0.00', expectedTotal: sample.split.medfee_sumamt.toFixed(2) }, OPTER);
    }, iterations, rounds);

    const raw = d.db.$client;
    raw.exec('CREATE TABLE bench_lines (sn text, code text, cnt text, pric text, amount numeric(18,2))');
    const rows = stayRows(todayCST());
    if (rows.length !== LINES) throw new Error('office.settle: 行数不符');
    const insert = raw.prepare('INSERT INTO bench_lines (sn, code, cnt, pric, amount) VALUES (?, ?, ?, ?, ?)');
    const bare = raw.transaction(() => {
      for (const r of rows) insert.run(r.sn, r.code, r.cnt, r.pric, r.amount);
    });
    const baseline = await timeMsAsync(async () => void bare(), iterations, rounds);
    return [timeFigure('office.settle', value, baseline)];
  } finally {
    desk?.close();
    await cluster.stop();
  }
}
