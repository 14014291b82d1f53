import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { AdmissionDetail } from '../../shared/api/admission.ts';
import type { IdentityResult } from '../../shared/api/identity.ts';
import { todayCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import type { ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { startDemoAgency } from '../support/identityDesk.ts';

/**
 * Issue 12 point 6: an admission (or settlement) write that queues a message nudges the sync
 * worker, so the message leaves at once and not at the worker's next poll. The worker here polls
 * every 10 minutes: only the nudge can deliver the 2401 within the test's bounded wait.
 */

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function setup() {
  const agency: ReferenceAgency = await startDemoAgency();
  seedDemoAgency(agency.store);
  stops.push(() => agency.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'yidi-notify-'));
  const ctx = await startDeskHost({ dataDir, agencyUrl: agency.url, sync: { idleMs: 10 * 60_000 } });
  stops.push(async () => {
    await ctx.desk.stopSync();
    await ctx.desk.rechecks.idle();
    await ctx.desk.roster.idle();
    await ctx.stop();
  });
  const login = (await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.result as { token: string };
  const ok = async <T>(method: string, input: unknown): Promise<T> => {
    const r = await api(ctx.host, method, input, login.token);
    if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message}`);
    return r.body.result as T;
  };
  return { agency, desk: ctx.desk, ok };
}

const at2401 = (agency: ReferenceAgency): number =>
  (agency.store.db.prepare("SELECT count(*) AS n FROM messages WHERE infno = '2401'").get() as { n: number }).n;

describe('sync worker nudged by admission writes', () => {
  it("delivers an admission's 2401 at once although the worker polls only every 10 minutes", async () => {
    const { agency, desk, ok } = await setup();
    const worker = desk.startSync();
    // One full round of the loop, so the worker is now asleep for its 10-minute poll.
    await worker.runNow();
    expect(at2401(agency)).toBe(0);

    const [zhang] = DEMO_PATIENTS;
    const today = todayCST();
    const check = await ok<IdentityResult>('identity.check', { credential: `${zhang!.cardNo}|${zhang!.certno}`, admissionDate: today, emergency: false });
    const a = await ok<AdmissionDetail>('admission.create', {
      checkId: check.check.id, iptNo: 'ZY20261205', admittedAt: `${today} 00:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
      diagCode: 'I63.900', diagName: '脑梗死', doctorCode: 'D0012', doctorName: '李明', medType: '21', emergency: false, trauma: false, thirdParty: false,
    });
    expect(a.status).toBe('admitted');

    // Bounded wait (up to ~20 s), no timing asserted: without the nudge nothing arrives for 10 minutes.
    let n = 0;
    for (let i = 0; i < 200 && n === 0; i++) {
      n = at2401(agency);
      if (n === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(n, 'the 2401 reached the agency').toBe(1);
  }, 40_000);
});
