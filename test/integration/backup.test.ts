import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase, listBackups, pruneBackups, restoreDatabaseFile } from '../../db/backup.ts';
import { openDatabase } from '../../db/open.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'yidi-bak-'));

describe('backup and restore', () => {
  it('an online backup holds the committed rows, and restore brings them back while keeping the current file aside', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    const db = await openDatabase(file);
    db.$client.prepare(`INSERT INTO settings (key, value) VALUES ('k', 'before')`).run();
    const b = await backupDatabase(db.$client, join(dir, 'backups'), 'manual');
    db.$client.prepare(`UPDATE settings SET value = 'after' WHERE key = 'k'`).run();
    db.$client.close();

    const aside = restoreDatabaseFile(file, b.file);
    expect(existsSync(aside)).toBe(true);
    const restored = await openDatabase(file);
    expect(restored.$client.prepare(`SELECT value FROM settings WHERE key = 'k'`).get()).toEqual({ value: 'before' });
    restored.$client.close();

    // The file kept aside still has the newer state, so a wrong restore can be undone.
    const undo = await openDatabase(aside);
    expect(undo.$client.prepare(`SELECT value FROM settings WHERE key = 'k'`).get()).toEqual({ value: 'after' });
    undo.$client.close();
  });

  it('restore refuses a missing backup and leaves the database untouched', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    (await openDatabase(file)).$client.close();
    expect(() => restoreDatabaseFile(file, join(dir, 'nope.sqlite'))).toThrow(/备份文件不存在/);
    expect(existsSync(file)).toBe(true);
  });

  it('retention keeps the 3 newest of today, the newest of each earlier day, 10 in all', () => {
    const dir = tmp();
    const names: string[] = [];
    for (let day = 1; day <= 14; day++) {
      for (const hh of ['08', '12', '18']) names.push(`yidi-202611${String(day).padStart(2, '0')}-${hh}0000000-daily.sqlite`);
    }
    for (const hh of ['07', '09', '10', '11']) names.push(`yidi-20261123-${hh}0000000-manual.sqlite`);
    for (const n of names) writeFileSync(join(dir, n), 'x');
    pruneBackups(dir, new Date(2026, 10, 23, 12, 0, 0));
    const kept = listBackups(dir).map((b) => b.name);
    expect(kept).toHaveLength(10);
    expect(kept.slice(0, 3)).toEqual(['yidi-20261123-110000000-manual.sqlite', 'yidi-20261123-100000000-manual.sqlite', 'yidi-20261123-090000000-manual.sqlite']);
    expect(kept.slice(3)).toEqual(['14', '13', '12', '11', '10', '09', '08'].map((d) => `yidi-202611${d}-180000000-daily.sqlite`));
  });

  it('ignores files that are not backups', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'yidi-20261123-100000000-manual.sqlite'), 'x');
    pruneBackups(dir, new Date(2026, 10, 23));
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect(listBackups(dir)).toHaveLength(1);
  });
});
