import { spawn } from 'node:child_process';

/** Where test/chaos/backupChild.ts can be killed during a backup, in the order a backup passes them. */
export const STAGES = ['start', 'copy', 'copied', 'synced', 'verified', 'manifest', 'renamed'] as const;

/** Runs the backup child on `dataDir`; with `killAfterMs`, SIGKILLs it that long after it is ready. */
export function runChild(dataDir: string, env: Record<string, string>, killAfterMs?: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/backupChild.ts'], { env: { ...process.env, BACKUP_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs !== undefined && d.toString().includes('READY')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('exit', () => resolve());
  });
}
