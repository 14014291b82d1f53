import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MoveMismatch, MoveRefused, moveDesk } from '../../../db/pg/moveDesk.ts';
import { InputError } from '../../../shared/errors.ts';
import { lockDataDir, type InstanceLock } from '../../ports.ts';
import type { Command } from '../main.ts';

/**
 * `office move --db <desk.sqlite> [--to <postgres url>]` (docs/office.md "Moving a desk into the
 * office"): IT moves one desk's data into an empty office store and gets the verification as
 * JSON. The URL may come from YIDI_DB_URL instead of --to, so the password stays out of the
 * shell history and the process list; whichever way, the password is never printed (masked).
 * The desk must be closed: its data-directory lock is taken for the whole move.
 */
function parseArgs(args: string[]): { sub: string; db: string; to: string } {
  const [sub, ...rest] = args;
  if (sub !== 'move') throw new InputError('UNKNOWN_COMMAND', '用法：office move --db <桌面数据库文件> --to <postgres://用户@主机:端口/库名>（或设置 YIDI_DB_URL）', 'command');
  const values: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag !== '--db' && flag !== '--to') throw new InputError('UNKNOWN_OPTION', `未知参数：${flag.startsWith('--') ? flag : '（值）'}；只接受 --db 与 --to`, flag);
    const value = rest[++i];
    if (value === undefined || value.startsWith('--')) throw new InputError('MISSING_VALUE', `参数 ${flag} 缺少值`, flag);
    values[flag] = value;
  }
  const db = values['--db'];
  if (!db) throw new InputError('MISSING_OPTION', '请用 --db 指定桌面数据库文件（数据目录中的 desk.sqlite）', '--db');
  const to = values['--to'] ?? process.env.YIDI_DB_URL ?? '';
  if (!to) throw new InputError('MISSING_OPTION', '请用 --to 或环境变量 YIDI_DB_URL 指定办公室数据库地址', '--to');
  return { sub, db: resolve(db), to };
}

const office: Command = async ({ args }) => {
  const { db, to } = parseArgs(args);
  if (!existsSync(db)) throw new InputError('NOT_FOUND', `桌面数据库文件不存在：${db}`, '--db');
  let lock: InstanceLock;
  try {
    lock = lockDataDir(dirname(db));
  } catch (e) {
    throw new InputError('DESK_RUNNING', `请先关闭使用这个数据目录的经办台再迁移：${(e as Error).message.split('\n')[0]}`, '--db');
  }
  try {
    return await moveDesk({ sqliteFile: db, officeUrl: to });
  } catch (e) {
    if (e instanceof MoveRefused) throw new InputError(e.code, e.message, e.code.startsWith('SOURCE') ? '--db' : '--to');
    if (e instanceof MoveMismatch) throw new InputError(e.code, e.message, '--to');
    // Whatever else went wrong, the message must not carry the password.
    const pw = safePassword(to);
    throw new Error(pw ? (e as Error).message.split(pw).join('***') : (e as Error).message, { cause: e });
  } finally {
    lock.release();
  }
};

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

export default office;
