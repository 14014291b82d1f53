import { AGENCY_PROFILES, startReferenceAgency, type AgencyProfile } from './server.ts';
import { listenOrExplain, portFromEnv, StartupError } from '../../electron/ports.ts';
import { DEMO_AGENCY_KEY } from '../../electron/services/demo/demoData.ts';

/**
 * `npm run agency`: the reference agency as a standalone process for the demo and manual tests.
 * Configuration comes from the environment so the desk and this process can be pointed at each
 * other without editing files; the defaults match the desk's demo institution.
 */
function fail(e: unknown, code: number): never {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(code);
}

let port = 18090;
try {
  port = portFromEnv('AGENCY_PORT', 18090);
} catch (e) {
  fail(e, 2);
}
// `npm run agency -- --profile gm`, or AGENCY_PROFILE: the gateway this agency speaks (tif by default).
const argAt = process.argv.indexOf('--profile');
const profile = (argAt >= 0 ? process.argv[argAt + 1] : process.env.AGENCY_PROFILE) ?? 'tif';
if (!AGENCY_PROFILES.includes(profile as AgencyProfile)) fail(new Error(`--profile 应为 ${AGENCY_PROFILES.join('、')} 之一，收到“${profile}”`), 2);
const code = process.env.AGENCY_INSTITUTION_CODE ?? 'H34010400001';
const key = process.env.AGENCY_KEY ?? DEMO_AGENCY_KEY;

const agency = await listenOrExplain(
  {
    port,
    service: '参考经办机构（npm run agency）',
    variable: 'AGENCY_PORT',
    command: 'npm run agency',
    advice: ['npm start 已自带本地参考经办机构，通常不必再单独运行 npm run agency；单独运行的经办机构要由经办台连接时，以 AGENCY_URL=http://127.0.0.1:<端口> npm start 启动经办台。'],
  },
  () =>
    startReferenceAgency({
      port,
      dbFile: process.env.AGENCY_DB ?? 'data/agency.sqlite',
      profile: profile as AgencyProfile,
      institutions: [
        {
          code,
          name: process.env.AGENCY_INSTITUTION_NAME ?? '演示医院',
          key,
          admdvs: process.env.AGENCY_ADMDVS ?? '340104',
          paasid: process.env.AGENCY_PAASID ?? code,
          token: process.env.AGENCY_TOKEN ?? key,
          ...(process.env.AGENCY_APIKEY ? { apikey: process.env.AGENCY_APIKEY } : {}),
          ...(process.env.AGENCY_CLIENT_ID
            ? { gm: { clientId: process.env.AGENCY_CLIENT_ID, clientSecret: process.env.AGENCY_CLIENT_SECRET ?? '', publicKeyHex: process.env.AGENCY_SM2_PUBLIC_KEY || undefined } }
            : {}),
        },
      ],
    }),
).catch((e: unknown) => { if (e instanceof StartupError) fail(e, 1); throw e; });

process.stdout.write(`${JSON.stringify({ url: agency.url, profile: agency.profile, extUrl: agency.extUrl })}\n`);

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
