import { backupDatabase, listBackups } from '../../db/backup.ts';
import type { Db } from '../../db/open.ts';

/**
 * The daily automatic backup: at start and then every hour, a backup is taken when none was
 * taken today (local calendar day, as the file names use). Retention is applied by backupDatabase.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Takes today's backup if there is none yet; returns its name, or null when one existed. */
  async runOnce(): Promise<string | null> {
    const d = this.now();
    const today = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
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
