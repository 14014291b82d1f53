import type { PgQueryable } from '../../db/pg/migrate.ts';
import type { PgCluster } from './pgCluster.ts';

/**
 * A PgQueryable over psql, for tests while the project has no PostgreSQL driver yet: each query
 * is one psql -c (one simple query, so a multi-statement text is one transaction, as with `pg`).
 * Values come back as text (psql's CSV), NULL as null; only the last statement's rows are returned.
 */
export function psqlClient(cluster: PgCluster, db: string): PgQueryable {
  return {
    async query(text) {
      return { rows: parseCsv(await cluster.psql(text, db)) };
    },
  };
}

/** psql --csv: a header line, then rows; "" quoting; an unquoted empty field is NULL. */
export function parseCsv(out: string): Record<string, string | null>[] {
  const records: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < out.length) {
    let value: string | null;
    if (out[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (out[i] === '"' && out[i + 1] === '"') { v += '"'; i += 2; } else if (out[i] === '"') { i++; break; } else if (i >= out.length) { throw new Error('unterminated CSV quote'); } else { v += out[i]; i++; }
      }
      value = v;
    } else {
      let j = i;
      while (j < out.length && out[j] !== ',' && out[j] !== '\n') j++;
      value = j === i ? null : out.slice(i, j);
      i = j;
    }
    row.push(value);
    if (out[i] === ',') { i++; continue; }
    records.push(row);
    row = [];
    i++; // the newline
  }
  const [header, ...rest] = records;
  if (!header) return [];
  return rest.map((r) => Object.fromEntries(header.map((h, k) => [h ?? '', r[k] ?? null])));
}
