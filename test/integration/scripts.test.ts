import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12 point 6: every script in package.json must work — `npm run host` named a file that did
 * not exist. Each script's commands (split on &&) must name a script, tool and files that exist.
 */

const root = resolve(import.meta.dirname, '../..');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** What is wrong with one script's command line, in words; empty when nothing is. */
export function scriptProblems(name: string, command: string, all: Record<string, string>, exists: (p: string) => boolean): string[] {
  const problems: string[] = [];
  for (const part of command.split('&&').map((p) => p.trim())) {
    const words = part.split(/\s+/).filter((w) => w !== '');
    const [tool, ...args] = words;
    if (!tool) {
      problems.push(`${name}: empty command`);
      continue;
    }
    if (tool === 'npm' && args[0] === 'run') {
      if (!args[1] || !Object.hasOwn(all, args[1])) problems.push(`${name}: npm run ${args[1] ?? ''} is not a script`);
      continue;
    }
    if (tool !== 'node' && tool !== 'npm' && !exists(join('node_modules', '.bin', tool))) problems.push(`${name}: tool ${tool} is not installed`);
    for (const a of args) {
      // --outfile=dist-…/x.mjs names an output, not an input.
      if (a.startsWith('--outfile=')) continue;
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : a;
      if (/\.(ts|mts|mjs|cjs|js|json)$/.test(value) && value.includes('/') && !exists(value)) problems.push(`${name}: ${value} does not exist`);
    }
  }
  return problems;
}

describe('package.json scripts', () => {
  it('name only scripts, installed tools and files that exist', () => {
    const problems = Object.entries(scripts).flatMap(([name, command]) => scriptProblems(name, command, scripts, (p) => existsSync(join(root, p))));
    expect(problems).toEqual([]);
    // The checker itself sees a missing file (the old `host` script) and a missing script.
    const old = { host: 'tsx electron/host/run.ts', both: 'npm run nope && tsx electron/cli/run.ts' };
    expect(scriptProblems('host', old.host, old, (p) => existsSync(join(root, p)))).toEqual(['host: electron/host/run.ts does not exist']);
    expect(scriptProblems('both', old.both, old, (p) => existsSync(join(root, p)))).toEqual(['both: npm run nope is not a script']);
  });

  it('npm run cli -- --help prints the usage and exits 0', () => {
    const r = spawnSync('npm', ['run', '--silent', 'cli', '--', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('用法');
  }, 70_000);
});
