import { benchDbWrite } from './dbWrite.ts';
import { benchStartInteractive } from './startInteractive.ts';
import { printTable, type Figure } from './harness.ts';
import { benchRosterImport, benchRosterLookup } from './roster.ts';

/** `npm run bench [-- --json]`: every figure with its same-run baseline and ratio. */
const json = process.argv.includes('--json');
const figures: Figure[] = [];
figures.push(await benchDbWrite());
figures.push(...(await benchRosterLookup()));
figures.push(await benchRosterImport());
figures.push(await benchStartInteractive());
figures.push(await (await import('./sync10k.ts')).benchSync10k());
figures.push(await (await import('./settle.ts')).benchSettle2000());
figures.push(await (await import('./settle.ts')).benchSlipWarm());
figures.push(...(await (await import('./claim.ts')).benchClaim20k()));

if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
else console.log(printTable(figures));
