import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase, cleanBackupDir, listBackups, pruneBackups, restoreDatabaseFile } from '../../db/backup.ts';
import { openDatabase, type Db } from '../../db/open.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'yidi-bak-'));

function addClerk(db: Db): void {
  db.$client.prepare(`INSERT INTO clerks (login, name, role, password_hash) VALUES ('super01', '主管', 'supervisor', 'x')`).run();
}

/** A real verified backup copied under other names (with its manifest renamed), for the retention tests. */
async function plantCopies(dir: string, names: string[]): Promise<void> {
  const src = tmp();
  const db = await openDatabase(join(src, 'desk.sqlite'));
  addClerk(db);
  const b = await backupDatabase(db.$client, join(src, 'backups'), 'manual');
  db.$client.close();
  const manifest = JSON.parse(readFileSync(`${b.file}.json`, 'utf8')) as { name: string };
  for (const n of names) {
    copyFileSync(b.file, join(dir, n));
    writeFileSync(join(dir, `${n}.json`), JSON.stringify({ ...manifest, name: n }));
  }
}

describe('backup and restore', () => {
  it('an online backup holds the committed rows, and restore brings them back while keeping the current file aside', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    const db = await openDatabase(file);
    addClerk(db);
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

  it('retention keeps the 3 newest of today, the newest of each earlier day, 10 in all', async () => {
    const dir = tmp();
    const names: string[] = [];
    for (let day = 1; day <= 14; day++) {
      for (const hh of ['08', '12', '18']) names.push(`yidi-202611${String(day).padStart(2, '0')}-${hh}0000000-daily.sqlite`);
    }
    for (const hh of ['07', '09', '10', '11']) names.push(`yidi-20261123-${hh}0000000-manual.sqlite`);
    await plantCopies(dir, names);
    pruneBackups(dir, new Date(Date.UTC(2026, 10, 23, 4, 0, 0)));
    const kept = listBackups(dir).map((b) => b.name);
    expect(kept).toHaveLength(10);
    expect(kept.slice(0, 3)).toEqual(['yidi-20261123-110000000-manual.sqlite', 'yidi-20261123-100000000-manual.sqlite', 'yidi-20261123-090000000-manual.sqlite']);
    expect(kept.slice(3)).toEqual(['14', '13', '12', '11', '10', '09', '08'].map((d) => `yidi-202611${d}-180000000-daily.sqlite`));
  });

  it('ignores files that are not backups', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    await plantCopies(dir, ['yidi-20261123-100000000-manual.sqlite']);
    pruneBackups(dir, new Date(Date.UTC(2026, 10, 23)));
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect(listBackups(dir)).toHaveLength(1);
  });

  it('broken files under backup names are never listed, never count toward retention and never push out good backups', async () => {
    const dir = tmp();
    const good = ['20261120', '20261121', '20261122'].map((d) => `yidi-${d}-180000000-daily.sqlite`);
    await plantCopies(dir, good);
    // Twelve newer 0-byte / garbage files named like backups (what a killed backup used to leave).
    for (let i = 10; i < 22; i++) writeFileSync(join(dir, `yidi-20261123-${i}0000000-manual.sqlite`), i % 2 ? '' : 'garbage'.repeat(100));
    pruneBackups(dir, new Date(Date.UTC(2026, 10, 23, 14, 0, 0)));
    expect(listBackups(dir).map((b) => b.name)).toEqual([...good].reverse());
    for (const g of good) expect(existsSync(join(dir, g))).toBe(true);
  });

  it('names and lists backups in China Standard Time with their time', async () => {
    const dir = tmp();
    const db = await openDatabase(join(dir, 'desk.sqlite'));
    addClerk(db);
    // 2026-11-23 17:05 UTC is 2026-11-24 01:05 in Beijing.
    const b = await backupDatabase(db.$client, join(dir, 'backups'), 'manual', new Date(Date.UTC(2026, 10, 23, 17, 5, 7, 9)));
    db.$client.close();
    expect(b.name).toBe('yidi-20261124-010507009-manual.sqlite');
    expect(b.day).toBe('20261124');
    expect(b.at).toBe('2026-11-24 01:05');
    expect(listBackups(join(dir, 'backups'))[0]?.at).toBe('2026-11-24 01:05');
  });

  it('restore refuses an empty, truncated, foreign or staff-less file with the reason, and leaves the database untouched', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    const db = await openDatabase(file);
    addClerk(db);
    const good = await backupDatabase(db.$client, join(dir, 'backups'), 'manual');
    db.$client.close();
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const truncated = join(dir, 'truncated.sqlite');
    writeFileSync(truncated, readFileSync(good.file).subarray(0, 8192));
    const foreignDb = join(dir, 'foreign.sqlite');
    const f = await openDatabase(join(dir, 'other.sqlite'));
    f.$client.close();
    const Database = (await import('better-sqlite3')).default;
    const x = new Database(foreignDb);
    x.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1);');
    x.close();
    expect(() => restoreDatabaseFile(file, empty)).toThrow(/空文件（0 字节）/);
    expect(() => restoreDatabaseFile(file, truncated)).toThrow(/已损坏|不完整|完整性/);
    expect(() => restoreDatabaseFile(file, foreignDb)).toThrow(/不是本系统的数据库/);
    expect(() => restoreDatabaseFile(file, join(dir, 'other.sqlite'))).toThrow(/没有任何职员账户/);
    const still = await openDatabase(file);
    expect(still.$client.prepare('SELECT count(*) AS n FROM clerks').get()).toEqual({ n: 1 });
    still.$client.close();
  });

  it('cleans leftovers at start: temp files, -journal/-wal/-shm of backups, and sets aside unverifiable backups', async () => {
    const dir = tmp();
    const good = 'yidi-20261122-180000000-daily.sqlite';
    await plantCopies(dir, [good]);
    const leftovers = ['.tmp-123-yidi-20261123-100000000-manual.sqlite', '.tmp-123-yidi-20261123-100000000-manual.sqlite-journal', `${good}-journal`, `${good}-wal`, `${good}-shm`, 'yidi-20261101-100000000-manual.sqlite.json'];
    for (const n of leftovers) writeFileSync(join(dir, n), 'x');
    writeFileSync(join(dir, 'yidi-20261123-110000000-manual.sqlite'), '');
    const r = cleanBackupDir(dir);
    expect(r.removed.sort()).toEqual([...leftovers].sort());
    expect(r.broken).toEqual(['yidi-20261123-110000000-manual.sqlite']);
    for (const n of leftovers) expect(existsSync(join(dir, n))).toBe(false);
    expect(existsSync(join(dir, 'yidi-20261123-110000000-manual.sqlite.broken'))).toBe(true);
    expect(listBackups(dir).map((b) => b.name)).toEqual([good]);
  });
});
