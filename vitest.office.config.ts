import { defineConfig } from 'vitest/config';
import { OFFICE_EXCLUDE } from './test/support/officeExclude.ts';

/**
 * The integration suite again, on the office store (issue 18 point 4): every desk of these tests
 * opens a fresh PostgreSQL database (test/support/testStore.ts) instead of its SQLite file.
 * Left out: the tests of what only the SQLite file has (test/support/officeExclude.ts says why).
 */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    exclude: OFFICE_EXCLUDE,
    env: { YIDI_TEST_STORE: 'office' },
    globalSetup: ['test/support/officeGlobalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
