import { backupDatabase, type BackupStage } from '../../db/backup.ts';
import { Desk } from '../../electron/services/desk.ts';

/**
 * A process that takes backups of a demo desk; the crash test SIGKILLs it after a delay, or it
 * kills itself at the stage named in BACKUP_KILL_AT (and its Nth occurrence, BACKUP_KILL_NTH).
 * Env: BACKUP_DATA_DIR. Prints READY before the first backup.
 */
const dataDir = process.env.BACKUP_DATA_DIR;
if (!dataDir) process.exit(2);
const killAt = process.env.BACKUP_KILL_AT as BackupStage | undefined;
const nth = Number(process.env.BACKUP_KILL_NTH ?? '1');
let seen = 0;
const desk = await Desk.open({ dataDir, demo: true, agencyUrl: 'http://127.0.0.1:9' });
process.stdout.write('READY\n');
for (let i = 0; i < 50; i++) {
  await backupDatabase(desk.db.$client, desk.backupDir, 'manual', new Date(Date.now() + i), {
    pagesPerStep: 5,
    onStage: (s) => {
      if (s === killAt && ++seen >= nth) process.kill(process.pid, 'SIGKILL');
    },
  });
}
desk.close();
