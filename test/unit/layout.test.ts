import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 12 "Done when", kept true: long files say why, and the services do not reach each other in a circle.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tracked = execFileSync('git', ['ls-files', 'shared', 'db', 'electron', 'renderer/src', 'scripts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|tsx|mjs)$/.test(f));

const IMPORT = /(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gs;

/** The circles (strongly connected parts of more than one file) of the relative-import graph of `files`. */
function circles(files: readonly string[]): string[][] {
  const known = new Set(files);
  const edges = new Map(files.map((f) => [f, [...readFileSync(join(root, f), 'utf8').matchAll(IMPORT)].map((m) => normalize(join(dirname(f), m[1]!))).filter((t) => known.has(t))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) part.push(w);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('the layout of issue 12', () => {
  it('a source file over 400 lines says why in its first line', () => {
    const long = tracked.filter((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return text.split('\n').length > 401 && !/^\/\/ Over 400 lines: \S/.test(text);
    });
    expect(long).toEqual([]);
  });

  it('no import circle among electron/ files (electron/services included)', () => {
    expect(circles(tracked.filter((f) => f.startsWith('electron/')))).toEqual([]);
  });

  it('the circle finder finds one', () => {
    // The tree has no circle, so the finder is shown one: two fixture files that import each other.
    expect(circles(['test/unit/layoutFixtureA.ts', 'test/unit/layoutFixtureB.ts'])).toEqual([['test/unit/layoutFixtureA.ts', 'test/unit/layoutFixtureB.ts']]);
  });
});
