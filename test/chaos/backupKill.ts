import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanBackupDir, listBackups, verifyRestorable } from '../../db/backup.ts';
import { runChild, STAGES } from './backupRun.ts';

/** `npm run test:chaos:backup [-- rounds]`: the long crash-during-backup run (2 kills a round, default 60 rounds). */
const rounds = Number(process.argv[2] ?? 60);

let listed = 0;
for (let i = 0; i < rounds; i++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'yidi-bakchaos-'));
  const dir = join(dataDir, 'backups');
  await runChild(dataDir, { BACKUP_KILL_AT: STAGES[i % STAGES.length]!, BACKUP_KILL_NTH: String(1 + (i % 5)) });
  await runChild(dataDir, {}, Math.floor(Math.random() * 150));
  cleanBackupDir(dir);
  for (const b of listBackups(dir)) {
    verifyRestorable(b.file);
    listed++;
  }
  const left = readdirSync(dir).filter((n) => n.startsWith('.tmp-') || /-(journal|wal|shm)$/.test(n));
  if (left.length > 0) {
    process.stderr.write(`残留文件：${left.join('、')}\n`);
    process.exit(1);
  }
}
process.stdout.write(`备份崩溃测试通过：${rounds * 2} 次 kill -9，列出的 ${listed} 份备份全部可恢复\n`);
