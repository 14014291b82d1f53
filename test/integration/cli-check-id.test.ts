import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI through npx/tsx from the repository root (Node 22 from the `node` dev dependency). */
function cli(...args: string[]): Run {
  const r = spawnSync('npx', ['tsx', 'electron/cli/run.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The one JSON line of stdout. */
function stdoutJson(r: Run): unknown {
  expect(r.stdout.endsWith('\n')).toBe(true);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

/** The JSON error line of stderr (npm itself may print warnings there too). */
function stderrJson(r: Run): { error: string; message: string; path: string } {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
  expect(lines, r.stderr).toHaveLength(1);
  return JSON.parse(lines[0]!) as { error: string; message: string; path: string };
}

// Each start of tsx takes a few seconds on a busy machine; allow more than the default 30 s.
describe('CLI check-id', { timeout: 90_000 }, () => {
  it('a valid number: JSON answer, exit 0', () => {
    const r = cli('check-id', '11010519491231002X');
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r)).toEqual({ valid: true, birthDate: '1949-12-31', sex: 'F', region: '110105' });
  });

  it('a valid number typed with a lower-case x, full-width digits and spaces', () => {
    const r = cli('check-id', '\u3000１１０１０５１９４９１２３１００２ｘ ');
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r)).toEqual({ valid: true, birthDate: '1949-12-31', sex: 'F', region: '110105' });
  });

  it('a male number', () => {
    // 420102 19850615 123 → check character X (MOD 11-2); 17th character 3 is odd.
    const r = cli('check-id', '42010219850615123X');
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r)).toEqual({ valid: true, birthDate: '1985-06-15', sex: 'M', region: '420102' });
  });

  it.each([
    ['11010519491231002', 'LENGTH'],
    ['1101051949123100AX', 'CHARSET'],
    ['11010519000229002X', 'BIRTH_DATE'],
    ['99010519491231002X', 'REGION'],
    ['110105194912310021', 'CHECK_DIGIT'],
  ])('an invalid number %s: {"valid": false, "reason": "%s"}, exit 0', (number, reason) => {
    const r = cli('check-id', number);
    expect(r.code, r.stderr).toBe(0);
    expect(stdoutJson(r)).toEqual({ valid: false, reason });
  });

  it('no number: exit 2, JSON error on stderr, nothing on stdout', () => {
    const r = cli('check-id');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const e = stderrJson(r);
    expect(e.error).toBe('MISSING_ARGUMENT');
    expect(e.path).toBe('number');
    expect(e.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('an unknown command: exit 2 with UNKNOWN_COMMAND', () => {
    const r = cli('no-such-command', '11010519491231002X');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const e = stderrJson(r);
    expect(e.error).toBe('UNKNOWN_COMMAND');
    expect(e.path).toBe('command');
    expect(e.message).toContain('no-such-command');
  });

  it('a command name that tries to leave the commands folder: exit 2 with UNKNOWN_COMMAND', () => {
    const r = cli('../main');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(stderrJson(r).error).toBe('UNKNOWN_COMMAND');
  });

  it('no command at all: exit 2 with UNKNOWN_COMMAND', () => {
    const r = cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(stderrJson(r).error).toBe('UNKNOWN_COMMAND');
  });

  it('an extra argument after the number: exit 2 naming it, not a silent answer for the first (issue 21 p7)', () => {
    const r = cli('check-id', '11010519491231002X', '11010519491231002X');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(stderrJson(r)).toMatchObject({ error: 'UNKNOWN_OPTION', path: 'args' });
  });
});
