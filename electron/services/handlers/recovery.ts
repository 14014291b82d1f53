import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BackupRefusedError, listBackups, readClerkFromFile, restoreDatabaseFile, verifyRestorable, type BackupInfo } from '../../../db/backup.ts';
import { DatabaseTooNewError } from '../../../db/migrate.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import type { BackupEntry } from '../../../shared/api/contract.ts';
import type { recoveryApi, RecoveryStatus } from '../../../shared/api/recovery.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';
import { verifyPassword } from '../passwords.ts';

export function describeOpenFailure(e: unknown, dbFile: string): NonNullable<RecoveryStatus['broken']> {
  if (e instanceof DatabaseTooNewError) return { code: 'TOO_NEW', message: `${e.message}` };
  const text = (e as Error).message ?? String(e);
  if (/not a database|malformed|corrupt/i.test(text)) {
    return { code: 'CORRUPT', message: `数据库文件已损坏（${dbFile}），无法打开。请由主管从下列备份中选择一份恢复；当前文件会先另存，不会丢失。` };
  }
  return { code: 'UNREADABLE', message: `无法打开数据库（${dbFile}）：${text}。请检查磁盘与文件权限，或由主管从备份恢复。` };
}

/** A verified backup as the screens list it. */
export function backupEntry(b: BackupInfo): BackupEntry {
  return { name: b.name, day: b.day, at: b.at, bytes: b.bytes, reason: b.reason };
}

/**
 * The backup a restore may use: one of the folder's files, verified in full now (empty,
 * truncated, foreign, newer-version or staff-less files are refused with the reason in Chinese).
 */
export function findRestorable(backupDir: string, name: string): { file: string; name: string } {
  const listed = listBackups(backupDir).find((b) => b.name === name);
  const file = listed?.file ?? join(backupDir, name);
  // Only a plain file name of the backup folder: never a path elsewhere.
  if (!listed && (!/^[\w.-]+$/.test(name) || name.startsWith('.') || !existsSync(file))) throw new ServiceError('NOT_FOUND', `找不到备份文件：${name}`, 'name');
  try {
    verifyRestorable(file);
  } catch (e) {
    if (e instanceof BackupRefusedError) throw new ServiceError('BACKUP_REFUSED', `不能恢复：${e.message}`, 'name');
    throw new ServiceError('BACKUP_UNREADABLE', `备份文件 ${name} 无法读取，请选择其他备份`, 'name');
  }
  return { file, name };
}

/**
 * After a restore the database must be usable: opened, and with somebody who can log in. If not,
 * the desk goes into recovery mode, so recovery.status shows the problem and offers the backups.
 */
export function checkAfterRestore(desk: DeskParts, name: string): void {
  if (desk.broken) return;
  let clerks: number;
  try {
    clerks = (desk.db.$client.prepare('SELECT count(*) AS n FROM clerks WHERE active = 1').get() as { n: number }).n;
  } catch {
    clerks = 0;
  }
  if (clerks === 0) desk.broken = { code: 'UNREADABLE', message: `恢复 ${name} 后数据库中没有可用的职员账户，无人能登录。请由主管从下列备份中另选一份恢复；恢复前的数据库已另存，不会丢失。` };
}

export function recoveryHandlers(desk: DeskParts): HandlersFor<keyof typeof recoveryApi> {
  return {
    'recovery.status': () => ({
      broken: desk.broken,
      // Backups are listed only in recovery mode: without a broken database this method is public
      // and must not reveal anything else.
      backups: desk.broken ? listBackups(desk.backupDir).map(backupEntry) : [],
    }),
    'recovery.restore': async ({ name, login, password }) => {
      if (!desk.broken) throw new ServiceError('NOT_BROKEN', '数据库运行正常：请登录后在“设置”中由主管恢复备份', 'name');
      const backup = findRestorable(desk.backupDir, name);
      let clerk: ReturnType<typeof readClerkFromFile>;
      try {
        clerk = readClerkFromFile(backup.file, login);
      } catch {
        throw new ServiceError('BACKUP_UNREADABLE', `备份文件 ${name} 无法读取，请选择其他备份`, 'name');
      }
      if (!clerk || !clerk.active || !(await verifyPassword(password, clerk.passwordHash))) throw new ServiceError('LOGIN_FAILED', '工号或密码不正确（以所选备份中的账户为准）', 'password');
      if (clerk.role !== 'supervisor') throw new ServiceError('FORBIDDEN', '恢复备份需要主管权限', 'login');
      const aside = await desk.swapDatabase((dbFile) => restoreDatabaseFile(dbFile, backup.file));
      checkAfterRestore(desk, name);
      if (desk.broken) throw new ServiceError('RESTORE_FAILED', `已恢复 ${name}，但仍无法打开：${desk.broken.message}`, 'name');
      appendAudit(desk.db, { clerkId: null, action: 'recovery.restore', entity: 'database', entityId: name, detail: { by: login, keptAside: aside } });
      return { restored: name, keptAside: aside };
    },
  };
}
