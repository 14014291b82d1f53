import http from 'node:http';
import { join } from 'node:path';
import { signHeaders } from '../../electron/agency/client.ts';
import type { RequestEnvelope } from '../../shared/agency/envelope.ts';
import { Desk } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { enqueueSignIns, INST, tmpDir } from '../support/syncFixtures.ts';
import { rateFigure, type Figure } from './harness.ts';

/**
 * sync.10k: 10,000 queued items delivered by the outbox worker to the reference agency over
 * loopback (batches of 200, each answer confirmed by its echo, results stored, rows removed), as
 * items/s. Baseline: the same 10,000 envelopes POSTed as bare signed batches of 200 to a fresh
 * agency, one after the other, answers not even parsed. Both agencies keep their store in a file
 * (WAL, synchronous=FULL) as the real one would.
 */
const N = 10_000;
const BATCH = 200;

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/batch`, { method: 'POST', agent: false, headers: { ...signHeaders(INST.code, INST.key, body), 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchSync10k(): Promise<Figure> {
  const dir = tmpDir('yidi-bench-sync-');
  const bare = await startReferenceAgency({ port: 0, institutions: [INST], dbFile: join(dir, 'bare.sqlite') });
  const agency = await startReferenceAgency({ port: 0, institutions: [INST], dbFile: join(dir, 'agency.sqlite') });
  const desk = await Desk.open({ dataDir: join(dir, 'desk'), demo: true, agencyUrl: agency.url, sync: { hooks: new SyncHooks(), maxItems: BATCH } });
  try {
    const ids = desk.db.transaction((tx) => enqueueSignIns(tx, N));
    if (new Set(ids).size !== N) throw new Error('msgid 重复');
    const envelopes = (desk.db.$client.prepare('SELECT payload FROM outbox ORDER BY id').all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as RequestEnvelope);

    // Baseline: bare POSTs of the same payloads.
    let t0 = process.hrtime.bigint();
    for (let k = 0; k < N; k += BATCH) await post(bare.url, JSON.stringify({ items: envelopes.slice(k, k + BATCH) }));
    const bareSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (bare.store.count('messages') !== N) throw new Error('基线未全部送达');

    // The worker, to the other (fresh) agency.
    t0 = process.hrtime.bigint();
    const r = await desk.syncWorker.drain(10 * N);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const delivered = agency.store.count('messages');
    if (r.pending !== 0 || delivered !== N) throw new Error(`未全部送达：剩余 ${r.pending}，经办机构收到 ${delivered}`);
    return rateFigure('sync.10k', N / seconds, N / bareSeconds, 'items/s');
  } finally {
    desk.close();
    await bare.close();
    await agency.close();
  }
}
