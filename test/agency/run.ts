import { startReferenceAgency } from './server.ts';

/**
 * `npm run agency`: the reference agency as a standalone process for the demo and manual tests.
 * Configuration comes from the environment so the desk and this process can be pointed at each
 * other without editing files; the defaults match the desk's demo institution.
 */
const port = Number(process.env.AGENCY_PORT ?? 18090);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`AGENCY_PORT 无效：${process.env.AGENCY_PORT}\n`);
  process.exit(2);
}

const agency = await startReferenceAgency({
  port,
  dbFile: process.env.AGENCY_DB ?? 'data/agency.sqlite',
  institutions: [
    {
      code: process.env.AGENCY_INSTITUTION_CODE ?? 'H34010400001',
      name: process.env.AGENCY_INSTITUTION_NAME ?? '演示医院',
      key: process.env.AGENCY_KEY ?? 'demo-key-change-me',
      admdvs: process.env.AGENCY_ADMDVS ?? '340104',
    },
  ],
});

process.stdout.write(`${JSON.stringify({ url: agency.url })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // Close the store cleanly so the WAL is checkpointed and the file is whole for the next start.
  agency.close().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
