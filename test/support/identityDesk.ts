import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_AGENCY_KEY, DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { startReferenceAgency, type ReferenceAgency, type ReferenceAgencyOptions } from '../agency/server.ts';
import { api, startDeskHost } from './deskHost.ts';

export const DEMO_KEY = DEMO_AGENCY_KEY;

export function startDemoAgency(options: Omit<Partial<ReferenceAgencyOptions>, 'institutions'> = {}): Promise<ReferenceAgency> {
  return startReferenceAgency({
    ...options,
    institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_KEY, admdvs: DEMO_INSTITUTION.admdvs }],
  });
}

/** A seeded reference agency (and what `seed` adds to its store) with a demo desk pointed at it behind a real host; `stop` ends both. */
export async function startSeededDesk(seed: (store: ReferenceAgency['store']) => void = () => undefined) {
  const agency = await startDemoAgency();
  seedDemoAgency(agency.store);
  seed(agency.store);
  const ctx = await startDeskHost({ agencyUrl: agency.url });
  const stop = async (): Promise<void> => {
    await ctx.desk.rechecks.idle();
    await ctx.stop();
    await agency.close();
  };
  return { agency, ctx, stop };
}

/** A seeded reference agency, a demo desk pointed at it behind a real host, and logged-in clerk and supervisor. */
export async function startIdentityDesk(agencyOptions: Omit<Partial<ReferenceAgencyOptions>, 'institutions'> = {}) {
  const agency = await startDemoAgency(agencyOptions);
  seedDemoAgency(agency.store);
  const dataDir = mkdtempSync(join(tmpdir(), 'yidi-id-'));
  const ctx = await startDeskHost({ dataDir, agencyUrl: agency.url });
  const login = async (name: string) => {
    const r = await api(ctx.host, 'auth.login', { login: name, password: 'demo1234' });
    return (r.body.result as { token: string }).token;
  };
  const clerk = await login('clerk01');
  const supervisor = await login('super01');
  const call = async <T = unknown>(method: string, input: unknown, token = clerk) => {
    const r = await api(ctx.host, method, input, token);
    return r.body as { ok: boolean; result?: T; error?: { code: string; message: string; path: string } };
  };
  const count = (table: string): number => (ctx.desk.db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    agency,
    ctx,
    dataDir,
    clerk,
    supervisor,
    call,
    count,
    stop: async () => {
      await ctx.desk.rechecks.idle();
      await ctx.desk.roster.idle();
      await ctx.stop();
      await agency.close();
    },
  };
}
