import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase } from '../../db/backup.ts';
import { Desk } from '../../electron/services/desk.ts';
import { startHost } from '../../electron/host/server.ts';
import { api } from '../support/deskHost.ts';

async function deskWithBackup(): Promise<{ dataDir: string; backupName: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'yidi-recover-'));
  const desk = await Desk.open({ dataDir, demo: true, agencyUrl: 'http://127.0.0.1:9' });
  const b = await backupDatabase(desk.db.$client, desk.backupDir, 'manual');
  desk.close();
  return { dataDir, backupName: b.name };
}

describe('a database that cannot be opened', () => {
  it('a corrupt file starts the desk in recovery mode; a supervisor of the backup restores it', async () => {
    const { dataDir, backupName } = await deskWithBackup();
    writeFileSync(join(dataDir, 'desk.sqlite'), 'this is not a database'.repeat(200));
    for (const s of ['-wal', '-shm']) writeFileSync(join(dataDir, `desk.sqlite${s}`), '');
    const desk = await Desk.openOrRecover({ dataDir, agencyUrl: 'http://127.0.0.1:9' });
    expect(desk.broken?.code).toBe('CORRUPT');
    const host = await startHost({ desk });
    try {
      const status = (await api(host, 'recovery.status', {})).body.result as { broken: { message: string }; backups: { name: string }[] };
      expect(status.broken.message).toContain('已损坏');
      expect(status.backups.map((b) => b.name)).toContain(backupName);
      // Everything else answers with the reason instead of crashing.
      expect((await api(host, 'auth.login', { login: 'super01', password: 'demo1234' })).body.error?.code).toBe('DB_BROKEN');
      expect((await api(host, 'recovery.restore', { name: backupName, login: 'super01', password: 'wrong' })).body.error?.code).toBe('LOGIN_FAILED');
      expect((await api(host, 'recovery.restore', { name: backupName, login: 'clerk01', password: 'demo1234' })).body.error?.code).toBe('FORBIDDEN');
      const ok = await api(host, 'recovery.restore', { name: backupName, login: 'super01', password: 'demo1234' });
      expect(ok.body.ok, JSON.stringify(ok.body)).toBe(true);
      expect(desk.broken).toBeNull();
      expect((await api(host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.ok).toBe(true);
      expect((await api(host, 'recovery.status', {})).body.result).toEqual({ broken: null, backups: [] });
    } finally {
      await host.close();
      desk.close();
    }
  });

  it('a database from a newer build is refused with a clear message, not opened', async () => {
    const { dataDir } = await deskWithBackup();
    const first = await Desk.open({ dataDir, agencyUrl: 'http://127.0.0.1:9' });
    first.db.$client.prepare(`INSERT INTO schema_migrations (tag, applied_at) VALUES ('0999_future', 'x')`).run();
    first.close();
    const desk = await Desk.openOrRecover({ dataDir, agencyUrl: 'http://127.0.0.1:9' });
    expect(desk.broken?.code).toBe('TOO_NEW');
    expect(desk.broken?.message).toContain('更新版本');
    desk.close();
  });
});
