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
    // Names are China Standard Time: 01:00 UTC is 09:00 CST; 16:30 UTC on the 23rd is already the 24th in CST.
    let now = new Date(Date.UTC(2026, 10, 23, 1, 0, 0));
    const s = new BackupScheduler(() => db, join(dir, 'backups'), () => now);
    expect(await s.runOnce()).toMatch(/^yidi-20261123-090000000-daily\.sqlite$/);
    now = new Date(Date.UTC(2026, 10, 23, 7, 0, 0));
    expect(await s.runOnce()).toBeNull();
    now = new Date(Date.UTC(2026, 10, 23, 16, 30, 0));
    expect(await s.runOnce()).toMatch(/^yidi-20261124-003000000-daily\.sqlite$/);
    expect(listBackups(join(dir, 'backups'))[0]?.at).toBe('2026-11-24 00:30');
    expect(listBackups(join(dir, 'backups')).map((b) => b.day)).toEqual(['20261124', '20261123']);
    await s.stop();
    db.$client.close();
  });
});
