import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BusinessError } from '../../electron/agency/client.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { DEMO_AGENCY_KEY, DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import type { Desk } from '../../electron/services/desk.ts';
import { setSetting } from '../../db/repos/institution.ts';
import type { AgencyResponse } from '../../shared/agency/envelope.ts';
import { startReferenceAgency, type Institution, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';

/**
 * The sign-in lifecycle (docs/agency.md "Sign-in", national-interface.md §0) of the real desk
 * (Desk + SignInManager + AgencyClient, tif profile) against the platform-like reference agency
 * over HTTP: 9001 before an operator's first transaction, that sign_no on every later envelope,
 * a new 9001 when the operator changes, when the sign-in is older than agency.signInMaxAgeMin
 * (the desk's sign-in clock is pinned; the agency keeps real time, so it never refuses on age
 * itself), and when the agency answers 签到 (then the transaction goes once more, once); 9002 at
 * logout and at exit. Every assertion is on what the agency received: a recording proxy sits
 * between the desk and the agency and keeps each envelope it forwards.
 */

const INST: Institution = { code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_AGENCY_KEY, admdvs: DEMO_INSTITUTION.admdvs };
const CLERK = { login: 'clerk01', name: '王晓燕' };
const SUPER = { login: 'super01', name: '陈建国' };
const PERSON = { psnNo: 'SI0000000001', certno: '420102195001010011', psnName: '签到测试', gend: '1', brdy: '1950-01-01', insuinfo: [{ insutype: '310', psnType: '12', insuplcAdmdvs: '420102', balc: '0.00' }] };

interface Received {
  infno: string;
  msgid: string;
  opter: string;
  sign_no: string;
  input: Record<string, Record<string, unknown>>;
}

/** Forwards everything to the agency and keeps the envelopes posted to the platform (/fsi/). */
async function recordingProxy(target: string): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && (req.url ?? '').startsWith('/fsi/')) received.push(JSON.parse(body.toString('utf8')) as Received);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
      fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body, signal: AbortSignal.timeout(5000) })
        .then(async (answer) => {
          const text = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

interface World {
  agency: ReferenceAgency;
  proxy: Awaited<ReturnType<typeof recordingProxy>>;
  ctx: Awaited<ReturnType<typeof startDeskHost>>;
  desk: Desk;
  /** Stops host and desk (once; the test's end does it otherwise). */
  stop(): Promise<void>;
  /** Moves the desk's sign-in clock. */
  advance(ms: number): void;
  /** A 1101 of the seeded person as `opter`, through the desk's signed-in client. */
  query(opter: { login: string; name: string }): Promise<AgencyResponse>;
  /** What the agency received, as [infno, opter, sign_no]. */
  log(): [string, string, string][];
  /** The sign_no 9001 answered to the nth sign-in the agency received (0-based). */
  signNo(n: number): string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(options: { dataDir?: string; maxAgeMin?: number } = {}): Promise<World> {
  const agency = await startReferenceAgency({ port: 0, profile: 'tif', institutions: [INST] });
  cleanups.push(() => agency.close());
  agency.store.seedPerson(PERSON);
  const proxy = await recordingProxy(agency.url);
  cleanups.push(() => proxy.close());
  let offset = 0;
  const ctx = await startDeskHost({ ...(options.dataDir ? { dataDir: options.dataDir, demo: false } : {}), agencyUrl: proxy.url, agencyKey: INST.key, signInClock: () => new Date(Date.now() + offset) });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await ctx.stop();
  };
  cleanups.push(stop);
  const desk = ctx.desk;
  if (options.maxAgeMin !== undefined) desk.db.transaction((tx) => setSetting(tx, 'agency.signInMaxAgeMin', String(options.maxAgeMin)));
  const signIns = (): string[] => (agency.store.db.prepare('SELECT sign_no FROM sign_ins ORDER BY id').all() as { sign_no: string }[]).map((r) => r.sign_no);
  return {
    agency, proxy, ctx, desk, stop,
    advance: (ms) => {
      offset += ms;
    },
    query: (opter) => desk.agency().call(desk.db.transaction((tx) => newEnvelope(tx, opter, '1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } }))),
    log: () => proxy.received.map((r) => [r.infno, r.opter, r.sign_no]),
    signNo: (n) => signIns()[n]!,
  };
}

/** Waits, bounded, until the agency has received `count` envelopes of infno. */
async function receivedSoon(w: World, infno: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (w.proxy.received.filter((r) => r.infno === infno).length >= count) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the agency did not receive ${count} × ${infno}: ${JSON.stringify(w.log())}`);
}

describe('sign-in lifecycle against the reference agency (tif, over HTTP)', () => {
  it('9001 before the operator’s first transaction, then its sign_no on every envelope of theirs', async () => {
    const w = await world();
    expect(w.log()).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await w.query(CLERK)).infcode).toBe(0);
    const first = w.proxy.received[0]!;
    expect(first.infno).toBe('9001');
    expect(first.sign_no).toBe('');
    expect(first.input.signIn).toMatchObject({ opter_no: CLERK.login });
    expect(typeof first.input.signIn!.ip).toBe('string');
    const s = w.signNo(0);
    expect(w.log()).toEqual([['9001', 'clerk01', ''], ['1101', 'clerk01', s], ['1101', 'clerk01', s], ['1101', 'clerk01', s]]);
    // And the agency stored the transactions under that sign-in.
    const stored = w.agency.store.db.prepare(`SELECT json_extract(request, '$.sign_no') AS s FROM messages WHERE infno = '1101'`).all();
    expect(stored).toEqual([{ s }, { s }, { s }]);
  });

  it('a new 9001 when the operator changes; each operator’s envelopes carry their own sign_no', async () => {
    const w = await world();
    await w.query(CLERK);
    await w.query(SUPER);
    await w.query(CLERK);
    const [clerkNo, superNo] = [w.signNo(0), w.signNo(1)];
    expect(clerkNo).not.toBe(superNo);
    expect(w.log()).toEqual([
      ['9001', 'clerk01', ''], ['1101', 'clerk01', clerkNo],
      ['9001', 'super01', ''], ['1101', 'super01', superNo],
      ['1101', 'clerk01', clerkNo],
    ]);
    expect(w.proxy.received[2]!.input.signIn).toMatchObject({ opter_no: SUPER.login });
    expect(w.agency.store.db.prepare('SELECT opter FROM sign_ins ORDER BY id').all()).toEqual([{ opter: 'clerk01' }, { opter: 'super01' }]);
  });

  it('a new 9001 once the sign-in is older than agency.signInMaxAgeMin (default 60), not before', async () => {
    const w = await world();
    await w.query(CLERK);
    w.advance(59 * 60_000);
    await w.query(CLERK);
    expect(w.log().map((r) => r[0])).toEqual(['9001', '1101', '1101']);
    w.advance(2 * 60_000); // 61 minutes after the sign-in
    await w.query(CLERK);
    expect(w.log()).toEqual([['9001', 'clerk01', ''], ['1101', 'clerk01', w.signNo(0)], ['1101', 'clerk01', w.signNo(0)], ['9001', 'clerk01', ''], ['1101', 'clerk01', w.signNo(1)]]);
  });

  it('the age is the configured one: with agency.signInMaxAgeMin 5, six minutes on is a new 9001', async () => {
    const w = await world({ maxAgeMin: 5 });
    await w.query(CLERK);
    w.advance(4 * 60_000);
    await w.query(CLERK);
    w.advance(2 * 60_000);
    await w.query(CLERK);
    expect(w.log().map((r) => r[0])).toEqual(['9001', '1101', '1101', '9001', '1101']);
    expect(w.log()[4]![2]).toBe(w.signNo(1));
  });

  it('a 签到 refusal (signInExpired): a new 9001 and the same transaction once more, with the new sign_no and the same msgid', async () => {
    const w = await world();
    await w.query(CLERK);
    w.agency.faults.set({ mode: 'signInExpired', infno: '1101', times: 1 });
    expect((await w.query(CLERK)).infcode).toBe(0);
    const [a, b] = [w.signNo(0), w.signNo(1)];
    expect(w.log()).toEqual([['9001', 'clerk01', ''], ['1101', 'clerk01', a], ['1101', 'clerk01', a], ['9001', 'clerk01', ''], ['1101', 'clerk01', b]]);
    expect(w.proxy.received[4]!.msgid).toBe(w.proxy.received[2]!.msgid);
    // The refused try was not kept by the agency; the retry was, once.
    expect(w.agency.store.db.prepare('SELECT count(*) AS n FROM messages WHERE msgid = ?').get(w.proxy.received[2]!.msgid)).toEqual({ n: 1 });
    // The desk keeps the new sign-in.
    await w.query(CLERK);
    expect(w.log()[5]).toEqual(['1101', 'clerk01', b]);
  });

  it('retried once only: refused with 签到 again after the new sign-in, the refusal reaches the caller', async () => {
    const w = await world();
    await w.query(CLERK);
    w.agency.faults.set({ mode: 'signInExpired', infno: '1101', times: 2 });
    const e = await w.query(CLERK).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(BusinessError);
    expect((e as BusinessError).errMsg).toContain('签到');
    expect(w.log().map((r) => r[0])).toEqual(['9001', '1101', '1101', '9001', '1101']);
  });

  it('a restart within the age keeps the sign-in (no new 9001); 9002 at logout ends it at the agency, the next transaction signs in again', async () => {
    const w = await world();
    const login = await api(w.ctx.host, 'auth.login', { login: CLERK.login, password: 'demo1234' });
    const token = (login.body.result as { token: string }).token;
    await w.query(CLERK);
    const s = w.signNo(0);

    // Restart: the same desk file, the sign-in kept in agency.signIns.
    const dataDir = w.ctx.dataDir;
    await w.stop();
    expect(w.log().map((r) => r[0])).toEqual(['9001', '1101']); // stop() is not an exit: no 9002
    const again = await startDeskHost({ dataDir, demo: false, agencyUrl: w.proxy.url, agencyKey: INST.key });
    cleanups.push(() => again.stop());
    const token2 = (await api(again.host, 'auth.login', { login: CLERK.login, password: 'demo1234' })).body.result as { token: string };
    await again.desk.agency().call(again.desk.db.transaction((tx) => newEnvelope(tx, CLERK, '1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } })));
    expect(w.log()).toEqual([['9001', 'clerk01', ''], ['1101', 'clerk01', s], ['1101', 'clerk01', s]]);
    expect(token).not.toBe(token2.token);

    expect((await api(again.host, 'auth.logout', {}, token2.token)).body.ok).toBe(true);
    await receivedSoon(w, '9002', 1);
    const out = w.proxy.received[3]!;
    expect([out.infno, out.opter, out.sign_no]).toEqual(['9002', 'clerk01', s]);
    expect(out.input.signOut).toEqual({ sign_no: s, opter_no: 'clerk01' });
    expect(w.agency.store.db.prepare('SELECT ended_at IS NOT NULL AS ended FROM sign_ins WHERE sign_no = ?').get(s)).toEqual({ ended: 1 });

    await again.desk.agency().call(again.desk.db.transaction((tx) => newEnvelope(tx, CLERK, '1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: PERSON.certno, psn_cert_type: '01' } })));
    expect(w.log().slice(4)).toEqual([['9001', 'clerk01', ''], ['1101', 'clerk01', w.signNo(1)]]);
  });

  it('9002 at logout waits while another window of the same operator is open', async () => {
    const w = await world();
    const t1 = ((await api(w.ctx.host, 'auth.login', { login: CLERK.login, password: 'demo1234' })).body.result as { token: string }).token;
    const t2 = ((await api(w.ctx.host, 'auth.login', { login: CLERK.login, password: 'demo1234' })).body.result as { token: string }).token;
    await w.query(CLERK);
    await api(w.ctx.host, 'auth.logout', {}, t1);
    // Give a 9002 that should not be sent the time to arrive: then the last window closes.
    await w.query(CLERK);
    expect(w.log().map((r) => r[0])).toEqual(['9001', '1101', '1101']);
    await api(w.ctx.host, 'auth.logout', {}, t2);
    await receivedSoon(w, '9002', 1);
    expect(w.log()[3]).toEqual(['9002', 'clerk01', w.signNo(0)]);
  });

  it('9002 at exit for every operator still signed in', async () => {
    const w = await world();
    await w.query(CLERK);
    await w.query(SUPER);
    await w.desk.shutdown();
    const outs = w.proxy.received.filter((r) => r.infno === '9002').map((r) => [r.opter, r.sign_no, r.input.signOut?.sign_no]).sort();
    expect(outs).toEqual([['clerk01', w.signNo(0), w.signNo(0)], ['super01', w.signNo(1), w.signNo(1)]].sort());
    expect(w.agency.store.db.prepare('SELECT count(*) AS n FROM sign_ins WHERE ended_at IS NULL').get()).toEqual({ n: 0 });
  });
});
