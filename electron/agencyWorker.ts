import { parentPort, workerData } from 'node:worker_threads';
import { seedDemoAgency, seedDemoAgencyHistory } from '../test/agency/demoSeed.ts';
import { startReferenceAgency, type ReferenceAgencyOptions } from '../test/agency/server.ts';

/**
 * `npm start`'s local reference agency on its own thread (issue 19, start.interactive): loading
 * its modules, opening its store and seeding the demo take ~0.5 s of CPU, which now runs on the
 * second core while the desk opens and serves the login, instead of before them.
 * Messages to the parent: {ready, url} once listening and seeded, or {failed, addrInUse, message};
 * on 'close' from the parent it closes the agency and answers 'closed'.
 */
export interface AgencyWorkerData {
  port: number;
  dbFile: string;
  institutions: ReferenceAgencyOptions['institutions'];
}

export type AgencyWorkerMessage = { kind: 'ready'; url: string } | { kind: 'failed'; addrInUse: boolean; message: string } | { kind: 'closed' };

const port = parentPort!;
const data = workerData as AgencyWorkerData;
try {
  const agency = await startReferenceAgency({ port: data.port, dbFile: data.dbFile, institutions: data.institutions });
  seedDemoAgency(agency.store);
  seedDemoAgencyHistory(agency.store);
  port.on('message', (m: unknown) => {
    if (m !== 'close') return;
    void agency.close().finally(() => {
      port.postMessage({ kind: 'closed' } satisfies AgencyWorkerMessage);
      port.close();
    });
  });
  port.postMessage({ kind: 'ready', url: agency.url } satisfies AgencyWorkerMessage);
} catch (e) {
  const addrInUse = typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EADDRINUSE';
  port.postMessage({ kind: 'failed', addrInUse, message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies AgencyWorkerMessage);
  port.close();
}
