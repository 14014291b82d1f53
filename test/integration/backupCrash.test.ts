import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanBackupDir, listBackups, verifyRestorable } from '../../db/backup.ts';
import { findRestorable } from '../../electron/services/handlers/recovery.ts';
import { runChild, STAGES } from '../chaos/backupRun.ts';

/** Every listed backup is restorable; a planted 0-byte or foreign file is refused in Chinese. */
function checkDir(dataDir: string): void {
  const dir = join(dataDir, 'backups');
  cleanBackupDir(dir);
  for (const b of listBackups(dir)) expect(() => verifyRestorable(b.file), b.name).not.toThrow();
  expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-') || /-(journal|wal|shm)$/.test(n))).toEqual([]);
}

export async function crashBackups(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'yidi-bakkill-'));
    const stage = STAGES[i % STAGES.length]!;
    await runChild(dataDir, { BACKUP_KILL_AT: stage, BACKUP_KILL_NTH: String(1 + (i % 3)) });
    checkDir(dataDir);
    await runChild(dataDir, {}, (i * 7) % 60);
    checkDir(dataDir);
  }
}

describe('a backup killed at any point', () => {
  it('never leaves a bad backup listed, and a planted empty or foreign file cannot be restored', async () => {
    await crashBackups(7);
    const dataDir = mkdtempSync(join(tmpdir(), 'yidi-bakkill-'));
    const dir = join(dataDir, 'backups');
    await runChild(dataDir, { BACKUP_KILL_AT: 'copy', BACKUP_KILL_NTH: '2' });
    writeFileSync(join(dir, 'yidi-20261123-100000000-manual.sqlite'), '');
    writeFileSync(join(dir, 'yidi-20261123-110000000-manual.sqlite'), 'not a database'.repeat(100));
    expect(listBackups(dir).map((b) => b.name)).not.toContain('yidi-20261123-100000000-manual.sqlite');
    expect(() => findRestorable(dir, 'yidi-20261123-100000000-manual.sqlite')).toThrow(/空文件/);
    expect(() => findRestorable(dir, 'yidi-20261123-110000000-manual.sqlite')).toThrow(/不是数据库文件/);
  }, 240_000);
});
