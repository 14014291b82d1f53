import * as sqliteSchema from '../schema.ts';
import { derivePgTables } from './derive.ts';

/**
 * The office store's tables (issue 18), derived from db/schema.ts by db/pg/derive.ts (the mapping
 * and its reasons are there): one schema definition feeds both dialects, so a table or column
 * added to db/schema.ts is here too, with nothing written by hand. `pgTables.outbox` is the
 * PostgreSQL table of db/schema.ts's `outbox`, typed column by column. drizzle-kit reads these
 * through db/pg/kitSchema.cjs (it only looks at a module's top-level exports).
 */
export const pgTables = derivePgTables(sqliteSchema);
