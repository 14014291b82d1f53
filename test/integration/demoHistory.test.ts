import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoHistory } from '../../electron/services/demo/demoHistory.ts';
import type { ClaimOverview } from '../../shared/api/claim.ts';
import { addMonths, todayCST } from '../../shared/dates.ts';
import { seedDemoAgency, seedDemoAgencyHistory } from '../agency/demoSeed.ts';
import { startDemoAgency } from '../support/identityDesk.ts';
import type { ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';

/** Issue 20 point 6: on the first day of `npm start`, the supervisor can preview and submit last month's claim. */
let agency: ReferenceAgency;
let ctx: Awaited<ReturnType<typeof startDeskHost>>;
let supervisor: string;
beforeAll(async () => {
  agency = await startDemoAgency();
  seedDemoAgency(agency.store);
  expect(seedDemoAgencyHistory(agency.store)).toBe(2);
  expect(seedDemoAgencyHistory(agency.store)).toBe(0);
  ctx = await startDeskHost({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-demohist-')), agencyUrl: agency.url, demoHistory: true, sync: { backoffBaseMs: 5, backoffMaxMs: 20, idleMs: 20 } });
  supervisor = ((await api(ctx.host, 'auth.login', { login: 'super01', password: 'demo1234' })).body.result as { token: string }).token;
});
afterAll(async () => {
  await ctx.desk.syncWorker.stop().catch(() => undefined);
  await ctx.stop();
  await agency.close();
});

async function ok<T>(method: string, input: unknown): Promise<T> {
  const r = await api(ctx.host, method, input, supervisor);
  if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message}`);
  return r.body.result as T;
}

describe('the demo ships last month’s settled stays', () => {
  it('F6 opens on last month with both stays; the claim is submitted and reaches the agency', async () => {
    const lastMonth = addMonths(`${todayCST().slice(0, 7)}-01`, -1).slice(0, 7);
    const o = await ok<ClaimOverview>('claim.overview', {});
    expect(o.period).toBe(lastMonth);
    // The demo keeps last month's window open through the 26th (loadDemo.ts); on the 27th–31st it is closed.
    const day = Number(todayCST().slice(8, 10));
    expect(o.windowOpen).toBe(day <= 26);
    const expected = demoHistory();
    expect(o.preview.items.map((i) => i.setlId).sort()).toEqual(expected.map((h) => h.setlId).sort());
    expect(o.preview.items.map((i) => i.psnName).sort()).toEqual(['孙丽华', '李建军']);

    if (day > 26) return;
    const r = await ok<{ claimIds: number[] }>('claim.submit', { period: lastMonth, fingerprint: o.preview.fingerprint });
    expect(r.claimIds.length).toBeGreaterThan(0);
    await ctx.desk.syncWorker.drain(40);
    const rows = agency.store.claimRows();
    expect(rows.length).toBe(r.claimIds.length);
    expect((await ok<ClaimOverview>('claim.overview', { period: lastMonth })).claims.every((c) => c.status !== 'refused')).toBe(true);
  });

  it('the tests’ demo desks carry no history (their amounts must not depend on the month)', async () => {
    const plain = await startDeskHost({ agencyUrl: 'http://127.0.0.1:9' });
    try {
      expect((plain.desk.db.$client.prepare('SELECT count(*) AS n FROM settlements').get() as { n: number }).n).toBe(0);
    } finally {
      await plain.stop();
    }
  });
});
