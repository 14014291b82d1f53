/**
 * Benchmarks report ratios against a baseline measured in the same run (CLI.md, Benchmarks),
 * so a noisy shared machine slows both sides alike. Never used for pass/fail in tests.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
}

/** Median of `rounds` timings of `fn`, each the mean over `iterations` calls, in ms. */
export function timeMs(fn: () => void, iterations: number, rounds = 5): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6 / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function timeMsAsync(fn: () => Promise<void>, iterations: number, rounds = 5): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6 / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** For times (lower is better): ratio = value / baseline. */
export function timeFigure(name: string, value: number, baseline: number, unit = 'ms'): Figure {
  return { name, value: round(value), unit, baseline: round(baseline), ratio: round(value / baseline) };
}

/** For rates (higher is better): ratio = baseline / value, so lower is better everywhere. */
export function rateFigure(name: string, value: number, baseline: number, unit: string): Figure {
  return { name, value: round(value), unit, baseline: round(baseline), ratio: round(baseline / value) };
}

function round(n: number): number {
  return Number(n.toPrecision(4));
}

export function printTable(figures: Figure[]): string {
  const rows = [['名称 name', '值 value', '单位 unit', '基线 baseline', '比值 ratio'], ...figures.map((f) => [f.name, String(f.value), f.unit, String(f.baseline), String(f.ratio)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}
