import { runChaos } from './chaos.ts';

/** `npm run test:chaos [-- kills admissions visits]`: the long chaos run (default 300 kills, 400 stays, 100 outpatient visits). */
const kills = Number(process.argv[2] ?? 300);
const admissions = Number(process.argv[3] ?? 400);
const visits = Number(process.argv[4] ?? 100);
const t0 = Date.now();
try {
  const r = await runChaos({ kills, admissions, visits, agencyEvery: 5, log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`混沌测试通过：${JSON.stringify(r)}，用时 ${Math.round((Date.now() - t0) / 1000)} 秒\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
