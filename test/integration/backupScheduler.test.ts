import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../db/backup.ts';
import { openDatabase } from '../../db/open.ts';
import { BackupScheduler } from '../../electron/services/backupScheduler.ts';

describe('daily automatic backup', () => {
  it('takes one backup per day, and a new one the next day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yidi-sched-'));
    const db = await openDatabase(join(dir, 'desk.sqlite'));
    let now = new Date(2026, 10, 23, 9, 0, 0);
    const s = new BackupScheduler(() => db, join(dir, 'backups'), () => now);
    expect(await s.runOnce()).toMatch(/^yidi-20261123-090000000-daily\.sqlite$/);
    now = new Date(2026, 10, 23, 15, 0, 0);
    expect(await s.runOnce()).toBeNull();
    now = new Date(2026, 10, 24, 8, 0, 0);
    expect(await s.runOnce()).toMatch(/^yidi-20261124-/);
    expect(listBackups(join(dir, 'backups')).map((b) => b.day)).toEqual(['20261124', '20261123']);
    await s.stop();
    db.$client.close();
  });
});
