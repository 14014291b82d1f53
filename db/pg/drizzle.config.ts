import { defineConfig } from 'drizzle-kit';

// The office store's migrations (issue 18); the desk's SQLite ones are db/drizzle.config.ts.
export default defineConfig({
  dialect: 'postgresql',
  // The tables are derived from db/schema.ts (db/pg/derive.ts); kitSchema.cjs lists them for drizzle-kit.
  schema: './db/pg/kitSchema.cjs',
  out: './db/pg/migrations',
});
