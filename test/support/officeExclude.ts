/** Integration tests that are about the SQLite file itself, so have no office-store run. */
export const OFFICE_EXCLUDE: string[] = [
  // backups, restore and recovery of the desk's own file (office mode: the server's backup, docs/office.md)
  'test/integration/backup.test.ts',
  'test/integration/backupScheduler.test.ts',
  'test/integration/recovery.test.ts',
  // SQLite migrations and the move from a SQLite desk (they open both stores themselves)
  'test/integration/migrations.test.ts',
  'test/integration/officeMove.test.ts',
  // the PostgreSQL tests that start their own cluster
  'test/integration/pgMigrations.test.ts',
  'test/integration/pgDriver.test.ts',
  'test/integration/officeClient.test.ts',
  'test/integration/officeTwoWindows.test.ts',
];
