import http from 'node:http';
import { join } from 'node:path';
import { tifHeaders } from '../../electron/agency/profiles/tif.ts';
import { DEFAULT_CALL_PATH } from '../../electron/agency/config.ts';
import { enqueueMessage } from '../../db/repos/outbox.ts';
import type { RequestEnvelope } from '../../shared/agency/envelope.ts';
import { Desk } from '../../electron/services/desk.ts';
import { SyncHooks } from '../../electron/sync/hooks.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { admitEnvelope, INST, seedPatients, tmpDir } from '../support/syncFixtures.ts';
import { rateFigure, type Figure } from './harness.ts';

/**
 * sync.10k: 10,000 queued admissions (2401, one per person, so they may go side by side) delivered
 * by the outbox worker to the platform-like reference agency in the tif profile — signed in, one
 * transaction per request, `CONCURRENCY` at once over keep-alive, each answer stored with its
 * business result and the row removed in one transaction — as items/s. Baseline: the same 10,000
 * envelopes POSTed bare (tif headers, one sign_no) to a fresh agency over a keep-alive agent at
 * the same concurrency, answers not even parsed. Both agencies keep their store in a file (WAL,
 * synchronous=FULL) as a real one would.
 */
const N = 10_000;
const CONCURRENCY = 4;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { ...tifHeaders(INST.code, INST.key, new Date()), 'content-type': 'application/json;charset=UTF-8', 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(`${url}${DEFAULT_CALL_PATH}`, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function bareSignIn(agency: ReferenceAgency, env: RequestEnvelope): Promise<string> {
  const answer = JSON.parse(await post(agency.url, JSON.stringify({ ...env, infno: '9001', input: { signIn: { opter_no: env.opter, ip: '127.0.0.1' } } }))) as { output?: { signinoutb?: { sign_no?: string } } };
  const signNo = answer.output?.signinoutb?.sign_no;
  if (!signNo) throw new Error('基线签到失败');
  return signNo;
}

export async function benchSync10k(): Promise<Figure> {
  const dir = tmpDir('yidi-bench-sync-');
  const bare = await startReferenceAgency({ port: 0, institutions: [INST], dbFile: join(dir, 'bare.sqlite') });
  const agency = await startReferenceAgency({ port: 0, institutions: [INST], dbFile: join(dir, 'agency.sqlite') });
  seedPatients(bare.store, N);
  seedPatients(agency.store, N);
  const desk = await Desk.open({ dataDir: join(dir, 'desk'), demo: true, agencyUrl: agency.url, sync: { hooks: new SyncHooks(), maxItems: 200, concurrency: CONCURRENCY } });
  try {
    const envelopes = desk.db.transaction((tx) => Array.from({ length: N }, (_, i) => {
      const env = admitEnvelope(tx, i + 1);
      enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey: `ADM-${i + 1}`, payload: env });
      return env;
    }));
    if (new Set(envelopes.map((e) => e.msgid)).size !== N) throw new Error('msgid 重复');

    // Baseline: bare POSTs of the same envelopes, CONCURRENCY at a time.
    const signNo = await bareSignIn(bare, { ...envelopes[0]!, msgid: `${envelopes[0]!.msgid.slice(0, 26)}9999` });
    let t0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const env = envelopes[next++]!;
        await post(bare.url, JSON.stringify({ ...env, sign_no: signNo }));
      }
    }));
    const bareSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (bare.store.count('admissions') !== N) throw new Error(`基线未全部送达：${bare.store.count('admissions')}`);

    // The worker, to the other (fresh) agency.
    t0 = process.hrtime.bigint();
    const r = await desk.syncWorker.drain(10 * N);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const delivered = agency.store.count('admissions');
    if (r.pending !== 0 || delivered !== N) throw new Error(`未全部送达：剩余 ${r.pending}，经办机构收到 ${delivered}`);
    return rateFigure('sync.10k', N / seconds, N / bareSeconds, 'items/s');
  } finally {
    agent.destroy();
    desk.close();
    await bare.close();
    await agency.close();
  }
}
