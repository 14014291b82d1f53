import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/main.ts';

/** Issue 20 point 6: `npm run cli -- --help` lists the commands (every file of electron/cli/commands). */
describe('cli --help', () => {
  const commands = readdirSync(resolve(import.meta.dirname, '..', '..', 'electron', 'cli', 'commands')).map((f) => f.replace(/\.ts$/, ''));

  it('exits 0 and names every command with its description', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b.*\\S\\s{2,}\\S`, 'm'));
    }
  });

  it('no command or an unknown one points to --help', async () => {
    expect((await runCli([])).stderr).toContain('--help');
    expect((await runCli(['nope'])).stderr).toContain('--help');
  });
});
