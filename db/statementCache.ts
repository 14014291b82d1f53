import type Database from 'better-sqlite3';

/**
 * drizzle prepares a new better-sqlite3 statement on every query it runs (session.prepareQuery →
 * client.prepare), so each insert of a settlement commit had SQLite parse and plan its SQL again.
 * The db.write profile (issue 19) put that at about a third of the transaction's CPU. This keeps
 * the statements of one connection by SQL text and hands a prepared one back — the same
 * statement, so results, transactions and durability are unchanged.
 *
 * A statement is handed out again only in a known state: raw/pluck/expand switched off (drizzle
 * turns raw on for selects with fields and relies on it being off for `db.all(sql…)`), and never
 * while it is still iterating (`busy`): then a fresh one is prepared.
 */
const LIMIT = 500;

export function cacheStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  const cached = (source: string): Database.Statement => {
    const hit = cache.get(source);
    if (hit !== undefined && !hit.busy) {
      if (hit.reader) hit.raw(false).pluck(false).expand(false);
      // Most recently used last, so the oldest goes first when full.
      cache.delete(source);
      cache.set(source, hit);
      return hit;
    }
    const statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > LIMIT) cache.delete(cache.keys().next().value!);
    return statement;
  };
  (sqlite as { prepare: (source: string) => Database.Statement }).prepare = cached;
}
