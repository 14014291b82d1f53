import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { knownMigrations } from './migrate.ts';

/**
 * Backups that a crash cannot turn into data loss (issue 21 point 1).
 *
 * A backup is written under a temporary name (`.tmp-…`), fsync'd, verified (integrity check,
 * migration version, row counts of the key tables), and only then given its final name, together
 * with a small sidecar manifest (`<name>.json`) holding what the verification found. The listing
 * shows only files that have their manifest and still have the size it recorded: a manifest is
 * written only after a successful verification, so a killed backup never shows up, and the listing
 * stays cheap however big the database grows (no integrity check of ten files on every look).
 * A restore verifies the file in full again before it touches the database, so a planted, empty,
 * truncated or foreign file is refused with its reason even if someone names it like a backup.
 * File names and the listed time are China Standard Time.
 */

const NAME_RE = /^yidi-(\d{8})-(\d{6})(\d{3})?-([a-z-]+)\.sqlite$/;
const TMP_PREFIX = '.tmp-';
const CST_OFFSET_MS = 8 * 3600 * 1000;
/** Tables whose row counts are recorded and compared: a backup with no staff is not a backup. */
const KEY_TABLES = ['clerks', 'patients', 'admissions', 'settlements', 'outbox'] as const;

export interface BackupManifest {
  name: string;
  bytes: number;
  /** 'yyyy-MM-dd HH:mm' CST, when the backup was taken. */
  at: string;
  /** The last migration applied in the backup, and how many. */
  migration: string | null;
  migrations: number;
  counts: Record<string, number>;
}

export interface BackupInfo {
  file: string;
  name: string;
  /** CST calendar day of the backup, 'yyyyMMdd' (as in the file name). */
  day: string;
  /** 'yyyy-MM-dd HH:mm' CST. */
  at: string;
  bytes: number;
  reason: string;
  counts: Record<string, number>;
}

/** Why a file is not a usable backup, in Chinese, for the clerk. */
export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefusedError';
  }
}

/** The stages a backup passes, for the crash tests (a child kills itself at one of them). */
export type BackupStage = 'start' | 'copy' | 'copied' | 'synced' | 'verified' | 'manifest' | 'renamed' | 'done';

export interface BackupOptions {
  onStage?: (stage: BackupStage) => void;
  /** Pages copied per step of the online backup (smaller: more steps, the desk keeps working). */
  pagesPerStep?: number;
}

function cst(now: Date): Date {
  return new Date(now.getTime() + CST_OFFSET_MS);
}

const p = (n: number, w = 2) => String(n).padStart(w, '0');

/** 'yyyyMMdd-HHmmssSSS' in China Standard Time. */
export function backupStamp(now: Date): string {
  const t = cst(now);
  return `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}${p(t.getUTCMilliseconds(), 3)}`;
}

/** The CST day of a moment as backup names carry it, 'yyyyMMdd'. */
export function backupDay(now: Date): string {
  return backupStamp(now).slice(0, 8);
}

function atOfName(m: RegExpExecArray): string {
  const d = m[1]!;
  const t = m[2]!;
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)} ${t.slice(0, 2)}:${t.slice(2, 4)}`;
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  }
}

function readManifest(dir: string, name: string): BackupManifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as BackupManifest;
    return m && m.name === name && typeof m.bytes === 'number' && m.counts ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Verified backups only, newest first: a file without its manifest, or of another size than verified, is not listed. */
export function listBackups(dir: string): BackupInfo[] {
  if (!existsSync(dir)) return [];
  const out: BackupInfo[] = [];
  for (const name of readdirSync(dir).filter((n) => NAME_RE.test(n)).sort().reverse()) {
    const m = NAME_RE.exec(name)!;
    const manifest = readManifest(dir, name);
    if (!manifest) continue;
    let bytes: number;
    try {
      bytes = statSync(join(dir, name)).size;
    } catch {
      continue;
    }
    if (bytes !== manifest.bytes || bytes === 0) continue;
    out.push({ file: join(dir, name), name, day: m[1]!, at: manifest.at || atOfName(m), bytes, reason: m[4]!, counts: manifest.counts });
  }
  return out;
}

/** What a database file holds, or why it is not a desk database; never modifies the file. */
export function inspectDatabaseFile(file: string): { migration: string | null; migrations: number; counts: Record<string, number> } {
  const label = basename(file);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new BackupRefusedError(`备份文件不存在：${label}`);
  }
  if (size === 0) throw new BackupRefusedError(`备份文件 ${label} 是空文件（0 字节），不是有效的备份`);
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 512 || header.toString('latin1') !== 'SQLite format 3\u0000') throw new BackupRefusedError(`备份文件 ${label} 不是数据库文件（文件头不符），可能是别的文件或已损坏`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new BackupRefusedError(`备份文件 ${label} 无法打开：${(e as Error).message}`);
  }
  try {
    let check: string[];
    try {
      check = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      throw new BackupRefusedError(`备份文件 ${label} 已损坏或不完整：${(e as Error).message}`);
    }
    if (check.length !== 1 || check[0] !== 'ok') throw new BackupRefusedError(`备份文件 ${label} 未通过完整性检查（${check.slice(0, 3).join('；')}），可能不完整`);
    const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    if (!tables.has('schema_migrations')) throw new BackupRefusedError(`备份文件 ${label} 不是本系统的数据库（没有迁移版本记录）`);
    const tags = (db.prepare('SELECT tag FROM schema_migrations ORDER BY rowid').all() as { tag: string }[]).map((r) => r.tag);
    const known = new Set(knownMigrations().map((m) => m.tag));
    const unknown = tags.filter((t) => !known.has(t));
    if (unknown.length > 0) throw new BackupRefusedError(`备份文件 ${label} 由更新版本的程序写入（未知的迁移：${unknown.join('、')}），本程序不能恢复它`);
    const counts: Record<string, number> = {};
    for (const t of KEY_TABLES) if (tables.has(t)) counts[t] = (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n;
    return { migration: tags.at(-1) ?? null, migrations: tags.length, counts };
  } finally {
    db.close();
  }
}

/**
 * A file that can replace the database: a desk database (above) with at least one clerk, so
 * somebody can log in after the restore. Throws BackupRefusedError with the reason otherwise.
 */
export function verifyRestorable(file: string): { counts: Record<string, number> } {
  const r = inspectDatabaseFile(file);
  if (r.migrations === 0 || r.counts.clerks === undefined) throw new BackupRefusedError(`备份文件 ${basename(file)} 不是本系统的数据库（没有职员表）`);
  if (r.counts.clerks === 0) throw new BackupRefusedError(`备份文件 ${basename(file)} 中没有任何职员账户，恢复后无人能登录，不能用它恢复`);
  return r;
}

/**
 * Removes what a crash can leave in the backup folder: temporary files of a backup that did not
 * finish, -journal/-wal/-shm of backups, manifests without their file. A backup of an earlier
 * version (no manifest) is verified once and gets its manifest; a file under a backup name that
 * fails verification is renamed `<name>.broken` so it is never listed, restored, or counted by
 * the retention. Call at start, before any backup runs. Returns what it did, for the log.
 */
export function cleanBackupDir(dir: string): { removed: string[]; broken: string[]; adopted: string[] } {
  const done = { removed: [] as string[], broken: [] as string[], adopted: [] as string[] };
  if (!existsSync(dir)) return done;
  const names = readdirSync(dir);
  const present = new Set(names);
  for (const n of names) {
    const base = n.replace(/-(journal|wal|shm)$/, '');
    const isLeftover = n.startsWith(TMP_PREFIX) || (base !== n && (NAME_RE.test(base) || base.startsWith(TMP_PREFIX)));
    const orphanManifest = n.endsWith('.sqlite.json') && NAME_RE.test(n.slice(0, -5)) && !present.has(n.slice(0, -5));
    if (isLeftover || orphanManifest) {
      rmSync(join(dir, n), { force: true });
      done.removed.push(n);
    }
  }
  for (const n of names.filter((x) => NAME_RE.test(x))) {
    const manifest = readManifest(dir, n);
    const file = join(dir, n);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      continue;
    }
    if (manifest && manifest.bytes === size && size > 0) continue;
    try {
      const r = inspectDatabaseFile(file);
      writeManifest(dir, { name: n, bytes: size, at: atOfName(NAME_RE.exec(n)!), migration: r.migration, migrations: r.migrations, counts: r.counts });
      done.adopted.push(n);
    } catch {
      rmSync(join(dir, `${n}.json`), { force: true });
      renameSync(file, `${file}.broken`);
      done.broken.push(n);
    }
  }
  if (done.removed.length + done.broken.length + done.adopted.length > 0) fsyncDir(dir);
  return done;
}

function writeManifest(dir: string, m: BackupManifest): void {
  const tmp = join(dir, `${TMP_PREFIX}${m.name}.json`);
  writeFileSync(tmp, JSON.stringify(m, null, 1));
  fsyncFile(tmp);
  renameSync(tmp, join(dir, `${m.name}.json`));
}

/**
 * Online backup through SQLite's backup API, so clerks keep working while it runs: temporary
 * name → fsync → verify → manifest → final name → fsync of the folder. A backup whose copy lacks
 * staff or admissions the database has, fails its integrity check or carries another migration
 * version is deleted and the error thrown; nothing is listed then.
 * Retention (verified backups only): the 3 newest of today, then the newest of each earlier day, 10 in all.
 */
export async function backupDatabase(db: Database.Database, dir: string, reason = 'manual', now = new Date(), options: BackupOptions = {}): Promise<BackupInfo> {
  const stage = options.onStage ?? (() => undefined);
  mkdirSync(dir, { recursive: true });
  const name = `yidi-${backupStamp(now)}-${reason}.sqlite`;
  const file = join(dir, name);
  const tmp = join(dir, `${TMP_PREFIX}${process.pid}-${name}`);
  stage('start');
  const source = inspectSource(db);
  try {
    await db.backup(tmp, {
      progress: () => {
        stage('copy');
        return options.pagesPerStep ?? 100;
      },
    });
    stage('copied');
    // A backup in rollback-journal mode: reading it (verification, restore) then never leaves -wal/-shm beside it.
    const copy = new Database(tmp);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fsyncFile(tmp);
    stage('synced');
    let found: ReturnType<typeof inspectDatabaseFile>;
    try {
      found = inspectDatabaseFile(tmp);
    } catch (e) {
      throw new BackupRefusedError(`备份校验失败：${(e as Error).message.replace(basename(tmp), name)}`);
    }
    if (found.migration !== source.migration) throw new BackupRefusedError(`备份校验失败：迁移版本不符（数据库 ${source.migration ?? '无'}，备份 ${found.migration ?? '无'}）`);
    for (const t of ['clerks', 'admissions'] as const) {
      const want = source.counts[t] ?? 0;
      if (want > 0 && !(found.counts[t]! > 0)) throw new BackupRefusedError(`备份校验失败：数据库有 ${want} 行 ${t}，备份中没有`);
    }
    stage('verified');
    const bytes = statSync(tmp).size;
    const t = cst(now);
    writeManifest(dir, { name, bytes, at: `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`, migration: found.migration, migrations: found.migrations, counts: found.counts });
    stage('manifest');
    renameSync(tmp, file);
    stage('renamed');
    fsyncDir(dir);
  } catch (e) {
    rmSync(tmp, { force: true });
    for (const s of ['-journal', '-wal', '-shm']) rmSync(tmp + s, { force: true });
    if (!existsSync(file)) rmSync(join(dir, `${name}.json`), { force: true });
    throw e;
  }
  pruneBackups(dir, now);
  const info = listBackups(dir).find((b) => b.name === name);
  if (!info) throw new Error(`备份文件未保留：${name}`);
  stage('done');
  return info;
}

function inspectSource(db: Database.Database): { migration: string | null; counts: Record<string, number> } {
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  const migration = tables.has('schema_migrations') ? ((db.prepare('SELECT tag FROM schema_migrations ORDER BY rowid DESC LIMIT 1').get() as { tag: string } | undefined)?.tag ?? null) : null;
  const counts: Record<string, number> = {};
  for (const t of KEY_TABLES) if (tables.has(t)) counts[t] = (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n;
  return { migration, counts };
}

/** Only verified backups count and only they are ever deleted: a broken file never pushes out a good one. */
export function pruneBackups(dir: string, now = new Date(), keepToday = 3, keepTotal = 10): void {
  const today = backupDay(now);
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
  for (const b of all) {
    if (keepNames.has(b.name)) continue;
    rmSync(`${b.file}.json`, { force: true });
    rmSync(b.file, { force: true });
  }
}

/**
 * Replaces the database file with a backup. The caller has closed its handle. The backup is
 * verified first (refused with the reason: empty, truncated, foreign, no staff); it is copied
 * under a temporary name, fsync'd and verified again, the current file (with its WAL) is copied
 * aside, and only then the copy is renamed over the database — a crash at any point leaves either
 * the old or the new database under the real name, never none and never half a file.
 */
export function restoreDatabaseFile(dbFile: string, backupFile: string, now = new Date()): string {
  verifyRestorable(backupFile);
  const incoming = `${dbFile}.restoring`;
  rmSync(incoming, { force: true });
  copyFileSync(backupFile, incoming);
  fsyncFile(incoming);
  try {
    verifyRestorable(incoming);
  } catch (e) {
    rmSync(incoming, { force: true });
    throw e;
  }
  const aside = `${dbFile}.before-restore-${backupStamp(now)}`;
  if (existsSync(dbFile)) {
    copyFileSync(dbFile, aside);
    fsyncFile(aside);
  }
  for (const suffix of ['-wal', '-shm']) {
    if (!existsSync(dbFile + suffix)) continue;
    copyFileSync(dbFile + suffix, aside + suffix);
  }
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(dbFile + suffix, { force: true });
  renameSync(incoming, dbFile);
  fsyncDir(dirname(dbFile));
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
