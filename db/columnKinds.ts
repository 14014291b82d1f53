import type { Column } from 'drizzle-orm';

/**
 * Column kinds the SQLite types cannot say on their own (issue 18). Money is TEXT on the desk but
 * numeric(18,2) on the office store, so db/pg/derive.ts must recognise it: `money()` in
 * db/schema.ts marks its builder here. The mark lives on drizzle's column config, which the
 * builder hands to the column it builds (the same object), so the built column carries it.
 */
const MONEY = Symbol.for('yidi.column.money');

interface HasConfig { config: Record<PropertyKey, unknown> }

/** Marks a column builder as money (two-decimal yuan); returns the same builder. */
export function markMoney<B extends object>(builder: B): B {
  (builder as unknown as HasConfig).config[MONEY] = true;
  return builder;
}

/** Whether a built column was marked by markMoney. */
export function isMoneyColumn(column: Column): boolean {
  return (column as unknown as HasConfig).config[MONEY] === true;
}
