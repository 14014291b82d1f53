import { backupDatabase, backupDay, cleanBackupDir, listBackups } from '../../db/backup.ts';
import type { Db } from '../../db/open.ts';

/**
 * The daily automatic backup: at start and then every hour, a backup is taken when none was
 * taken today (CST calendar day, as the file names use). Retention is applied by backupDatabase.
 * At construction (desk start, before any backup runs) the folder is cleaned of what a crash can
 * leave: temporary files, -journal/-wal/-shm of backups, files that fail verification (issue 21).
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    try {
      const r = cleanBackupDir(dir);
      if (r.removed.length + r.broken.length > 0) console.error(`[backup] 启动时清理：删除残留 ${r.removed.length} 个，不完整的备份 ${r.broken.length} 个已改名为 .broken（${r.broken.join('、')}）`);
    } catch (e) {
      console.error(`[backup] 清理备份目录失败：${(e as Error).message}`);
    }
  }

  /** Takes today's backup if there is none yet; returns its name, or null when one existed. */
  async runOnce(): Promise<string | null> {
    const d = this.now();
    const today = backupDay(d);
    if (listBackups(this.dir).some((b) => b.day === today && b.reason === 'daily')) return null;
    const job = backupDatabase(this.db().$client, this.dir, 'daily', d);
    this.running = job;
    try {
      return (await job).name;
    } finally {
      this.running = undefined;
    }
  }

  start(intervalMs = 3_600_000): void {
    this.stop();
    const tick = () => void this.runOnce().catch((e: unknown) => console.error(`[backup] 自动备份失败：${(e as Error).message}`));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** Waits for a backup in progress so shutdown never leaves half a file. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
