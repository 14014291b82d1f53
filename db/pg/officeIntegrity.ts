import type { Db } from '../open.ts';
import { knownPgMigrations } from './migrate.ts';

/**
 * 完整性检查 in office mode (issue 18 point 2): PostgreSQL keeps its own pages consistent and the
 * desk cannot run SQLite's integrity_check on it; what a window can check is that the store
 * answers, is the primary (not a read-only standby), and has exactly this build's migrations.
 * The backup is the server's (docs/office.md): said here, so the screen never shows nothing.
 */
export const OFFICE_BACKUP_TEXT = '办公室模式：数据保存在办公室数据库服务器上，备份由信息科在服务器上进行（pg_dump 定时备份或 DBA 的备份方案，见 docs/office.md），本窗口不另做文件备份。';

export function officeIntegrity(db: Db): { ok: boolean; messages: string[] } {
  const raw = db.$client;
  const server = raw.prepare(`SELECT current_setting('server_version') AS version, pg_is_in_recovery() AS standby, current_database() AS name`).get() as { version: string; standby: boolean; name: string };
  const applied = (raw.prepare('SELECT tag FROM schema_migrations ORDER BY seq').all() as { tag: string }[]).map((r) => r.tag);
  const known = knownPgMigrations().map((m) => m.tag);
  const problems: string[] = [];
  if (server.standby) problems.push(`数据库 ${server.name} 是只读备库，不能记账：请连接主库`);
  const missing = known.filter((t) => !applied.includes(t));
  if (missing.length > 0) problems.push(`数据库结构缺少迁移：${missing.join('、')}`);
  const unknown = applied.filter((t) => !known.includes(t));
  if (unknown.length > 0) problems.push(`数据库含本程序不认识的迁移（由更新版本的程序迁移）：${unknown.join('、')}`);
  const about = `PostgreSQL ${server.version}，数据库 ${server.name}，${applied.length} 个迁移。${OFFICE_BACKUP_TEXT}`;
  return problems.length === 0 ? { ok: true, messages: ['ok', about] } : { ok: false, messages: [...problems, about] };
}
