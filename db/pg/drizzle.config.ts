import { defineConfig } from 'drizzle-kit';

// The office store's migrations (issue 18); the desk's SQLite ones are db/drizzle.config.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/schema.ts',
  out: './db/pg/migrations',
});
