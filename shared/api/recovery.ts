import { z } from 'zod';
import type { BackupEntry } from './contract.ts';
import { empty, method } from './contract.ts';

export interface RecoveryStatus {
  /** null when the database opened normally. */
  broken: { code: 'CORRUPT' | 'TOO_NEW' | 'UNREADABLE'; message: string } | null;
  backups: BackupEntry[];
}

/**
 * The way out when the database cannot be opened: these methods need no session (nobody can log
 * in against a broken file); a restore is authorised by a supervisor of the backup itself.
 */
export const recoveryApi = {
  'recovery.status': method<RecoveryStatus>()(empty, 'public'),
  'recovery.restore': method<{ restored: string; keptAside: string }>()(
    z.strictObject({ name: z.string().min(1, '请选择备份文件'), login: z.string().trim().min(1, '请输入主管工号'), password: z.string().min(1, '请输入密码') }),
    'public',
  ),
} as const;
