import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'renderer/dist/', 'dist-electron/', 'release/', 'test-results/', 'playwright-report/', 'db/migrations/', 'data/', '.tmp/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // drizzle-kit's entry to the derived pg tables (db/pg/kitSchema.cjs): CommonJS on purpose.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The layer rule of ARCHITECTURE.md: shared/ is pure; only electron/main* and preload* import electron.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'crypto', 'http'], message: 'shared/ 必须是纯领域代码，不能使用 Node API' },
        { group: ['**/db/**', '**/electron/**', '**/renderer/**', 'better-sqlite3', 'drizzle-orm*', 'electron'], message: 'shared/ 不能引用其他层' },
      ] }],
    },
  },
  {
    files: ['db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/electron/**', '**/renderer/**', 'electron'], message: 'db/ 只能引用 shared/' }] }] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/db/**', '**/electron/**', 'node:*', 'better-sqlite3', 'drizzle-orm*', 'electron'], message: 'renderer/ 只能通过 API 客户端与后端交互，只能引用 shared/' }] }] },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main*.ts', 'electron/preload*.ts'],
    rules: { 'no-restricted-imports': ['error', {
      paths: [{ name: 'electron', message: 'electron 只能在 electron/main* 与 electron/preload* 中引用' }],
      // Nothing but db/ writes SQL (issue 12 point 5): services call db/repos.
      patterns: [{ group: ['drizzle-orm', 'drizzle-orm/*', 'better-sqlite3'], message: '只有 db/ 可以使用 drizzle-orm / better-sqlite3：请在 db/repos 中写查询，服务层调用仓储函数' }],
    }] },
  },
  {
    // The main process and preload are electron/ too: the same SQL rule.
    files: ['electron/main*.ts', 'electron/preload*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['drizzle-orm', 'drizzle-orm/*', 'better-sqlite3'], message: '只有 db/ 可以使用 drizzle-orm / better-sqlite3' }] }] },
  },
);
