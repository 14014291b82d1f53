import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';

const NAME_RE = /^yidi-(\d{8})-(\d{6})(\d{3})?-([a-z-]+)\.sqlite$/;

export interface BackupInfo {
  file: string;
  name: string;
  day: string;
  bytes: number;
  reason: string;
}

function stamp(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}${p(now.getMilliseconds(), 3)}`;
}

export function listBackups(dir: string): BackupInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => NAME_RE.test(n))
    .sort()
    .reverse()
    .map((name) => {
      const m = NAME_RE.exec(name)!;
      return { file: join(dir, name), name, day: m[1]!, bytes: statSync(join(dir, name)).size, reason: m[4]! };
    });
}

/**
 * Online backup through SQLite's backup API, so clerks keep working while it runs.
 * Retention: the 3 newest of today, then the newest of each earlier day, 10 files in all.
 */
export async function backupDatabase(db: Database.Database, dir: string, reason = 'manual', now = new Date()): Promise<BackupInfo> {
  mkdirSync(dir, { recursive: true });
  const name = `yidi-${stamp(now)}-${reason}.sqlite`;
  const file = join(dir, name);
  await db.backup(file);
  pruneBackups(dir, now);
  const info = listBackups(dir).find((b) => b.name === name);
  if (!info) throw new Error(`备份文件未保留：${name}`);
  return info;
}

export function pruneBackups(dir: string, now = new Date(), keepToday = 3, keepTotal = 10): void {
  const today = stamp(now).slice(0, 8);
  const keep = new Set<string>();
  const all = listBackups(dir);
  for (const b of all.filter((b) => b.day === today).slice(0, keepToday)) keep.add(b.name);
  const seenDays = new Set<string>([today]);
  for (const b of all) {
    if (seenDays.has(b.day)) continue;
    seenDays.add(b.day);
    keep.add(b.name);
  }
  const kept = all.filter((b) => keep.has(b.name)).slice(0, keepTotal);
  const keepNames = new Set(kept.map((b) => b.name));
  for (const b of all) if (!keepNames.has(b.name)) rmSync(b.file);
}

/**
 * Replaces the database file with a backup. The caller has closed its handle; the current file
 * (with its WAL) is kept aside first, so a wrong restore can itself be undone.
 */
export function restoreDatabaseFile(dbFile: string, backupFile: string, now = new Date()): string {
  if (!existsSync(backupFile)) throw new Error(`备份文件不存在：${basename(backupFile)}`);
  const aside = `${dbFile}.before-restore-${stamp(now)}`;
  if (existsSync(dbFile)) renameSync(dbFile, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(dbFile + suffix)) renameSync(dbFile + suffix, aside + suffix);
  }
  copyFileSync(backupFile, dbFile);
  return aside;
}

/**
 * A clerk as stored in another database file (a backup), read-only: restoring must be
 * authorised by a supervisor of the data being restored, since the current file may be unreadable.
 */
export function readClerkFromFile(file: string, login: string): { passwordHash: string; role: string; name: string; active: boolean } | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT password_hash AS passwordHash, role, name, active FROM clerks WHERE login = ?').get(login) as { passwordHash: string; role: string; name: string; active: number } | undefined;
    return row ? { ...row, active: row.active === 1 } : undefined;
  } finally {
    db.close();
  }
}
