import { printTable, type Figure } from './harness.ts';

/**
 * `npm run bench [-- --json] [-- --only a,b]`: every figure with its same-run baseline and ratio.
 * Each figure goes to stderr as soon as it is measured, so a slow one is visible; the table (or
 * JSON) goes to stdout at the end. Every process a bench starts is in its own process group,
 * stopped and awaited (processGroup.ts), so the run exits by itself.
 */
const json = process.argv.includes('--json');
const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined);
const only = onlyArg ? onlyArg.split(',') : null;

const benches: Array<{ names: string[]; run: () => Promise<Figure | Figure[]> }> = [
  { names: ['db.write'], run: async () => (await import('./dbWrite.ts')).benchDbWrite() },
  { names: ['roster.lookup'], run: async () => (await import('./roster.ts')).benchRosterLookup() },
  { names: ['roster.import'], run: async () => (await import('./roster.ts')).benchRosterImport() },
  { names: ['start.interactive'], run: async () => (await import('./startInteractive.ts')).benchStartInteractive() },
  { names: ['sync.10k'], run: async () => (await import('./sync10k.ts')).benchSync10k() },
  { names: ['settle.2000'], run: async () => (await import('./settle.ts')).benchSettle2000() },
  { names: ['slip.warm'], run: async () => (await import('./settle.ts')).benchSlipWarm() },
  { names: ['outpatient.visit'], run: async () => (await import('./outpatient.ts')).benchOutpatientVisit() },
  { names: ['claim.20k'], run: async () => (await import('./claim.ts')).benchClaim20k() },
  { names: ['catalogue.1301'], run: async () => (await import('./catalogue.ts')).benchCatalogue1301() },
  { names: ['office.outbox'], run: async () => (await import('./officeOutbox.ts')).benchOfficeOutbox() },
  { names: ['office.settle'], run: async () => (await import('./officeSettle.ts')).benchOfficeSettle() },
];

const figures: Figure[] = [];
for (const bench of benches) {
  if (only && !bench.names.some((n) => only.some((o) => n.startsWith(o) || o.startsWith(n)))) continue;
  const out = await bench.run();
  for (const f of Array.isArray(out) ? out : [out]) {
    figures.push(f);
    process.stderr.write(`${f.name}: ${f.value} ${f.unit}（基线 ${f.baseline}，比值 ${f.ratio}）\n`);
  }
}

if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
else console.log(printTable(figures));
