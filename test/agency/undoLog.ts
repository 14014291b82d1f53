import type Database from 'better-sqlite3';

/**
 * What each message changed in the reference agency's business tables, so 2601 冲正 can take a
 * transaction back whatever it was (issue 13 point 5): triggers record, per message, every row
 * inserted, updated or deleted, with the row as it was before. Reversing replays that record
 * backwards. A later message that touched the same rows makes the original irreversible — the
 * platform refuses a 冲正 that would pull the ground from under a later transaction.
 */

const TRACKED = ['admissions', 'fee_details', 'settlements', 'claims', 'deferrals', 'deductions', 'clearing_feed', 'registrations', 'otp_visits', 'otp_fees'] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS undo_context (id INTEGER PRIMARY KEY CHECK (id = 1), msgid TEXT);
INSERT OR IGNORE INTO undo_context (id, msgid) VALUES (1, NULL);
CREATE TABLE IF NOT EXISTS undo_log (
  seq INTEGER PRIMARY KEY,
  msgid TEXT NOT NULL,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('I','U','D')),
  row_id INTEGER NOT NULL,
  old TEXT
);
CREATE INDEX IF NOT EXISTS undo_log_msgid ON undo_log (msgid);
CREATE INDEX IF NOT EXISTS undo_log_row ON undo_log (tbl, row_id);
`;

function columns(db: Database.Database, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
}

export function installUndoLog(db: Database.Database): void {
  db.exec(SCHEMA);
  const current = '(SELECT msgid FROM undo_context WHERE id = 1)';
  for (const table of TRACKED) {
    const cols = columns(db, table);
    const old = `json_object(${cols.map((c) => `'${c}', OLD.${c}`).join(', ')})`;
    // Recreated at every open: a column added since (ADDED_COLUMNS) is then recorded too.
    db.exec(`
      DROP TRIGGER IF EXISTS undo_${table}_i; DROP TRIGGER IF EXISTS undo_${table}_u; DROP TRIGGER IF EXISTS undo_${table}_d;
      CREATE TRIGGER undo_${table}_i AFTER INSERT ON ${table} WHEN ${current} IS NOT NULL
        BEGIN INSERT INTO undo_log (msgid, tbl, op, row_id, old) VALUES (${current}, '${table}', 'I', NEW.rowid, NULL); END;
      CREATE TRIGGER undo_${table}_u AFTER UPDATE ON ${table} WHEN ${current} IS NOT NULL
        BEGIN INSERT INTO undo_log (msgid, tbl, op, row_id, old) VALUES (${current}, '${table}', 'U', OLD.rowid, ${old}); END;
      CREATE TRIGGER undo_${table}_d AFTER DELETE ON ${table} WHEN ${current} IS NOT NULL
        BEGIN INSERT INTO undo_log (msgid, tbl, op, row_id, old) VALUES (${current}, '${table}', 'D', OLD.rowid, ${old}); END;
    `);
  }
}

/** Record the changes made inside fn under msgid (call inside the message's transaction). */
export function recordingAs<T>(db: Database.Database, msgid: string | null, fn: () => T): T {
  db.prepare('UPDATE undo_context SET msgid = ? WHERE id = 1').run(msgid);
  try {
    return fn();
  } finally {
    db.prepare('UPDATE undo_context SET msgid = NULL WHERE id = 1').run();
  }
}

interface LogRow {
  seq: number;
  msgid: string;
  tbl: string;
  op: 'I' | 'U' | 'D';
  row_id: number;
  old: string | null;
}

/**
 * The msgid of a later message, not itself reversed, that changed a row this one changed; null
 * when the original can be taken back cleanly.
 */
export function laterTouch(db: Database.Database, msgid: string, isReversed: (msgid: string) => boolean): string | null {
  const mine = db.prepare('SELECT * FROM undo_log WHERE msgid = ? ORDER BY seq').all(msgid) as LogRow[];
  if (mine.length === 0) return null;
  const first = mine[0]!.seq;
  const later = db.prepare('SELECT DISTINCT msgid FROM undo_log WHERE seq > ? AND msgid <> ? AND (tbl, row_id) IN (SELECT tbl, row_id FROM undo_log WHERE msgid = ?)').all(first, msgid, msgid) as { msgid: string }[];
  return later.map((r) => r.msgid).find((m) => !isReversed(m)) ?? null;
}

/** Takes back every change msgid made, newest first; returns how many rows were restored. */
export function undoMessage(db: Database.Database, msgid: string): number {
  const rows = db.prepare('SELECT * FROM undo_log WHERE msgid = ? ORDER BY seq DESC').all(msgid) as LogRow[];
  recordingAs(db, null, () => {
    for (const r of rows) {
      if (r.op === 'I') {
        db.prepare(`DELETE FROM ${r.tbl} WHERE rowid = ?`).run(r.row_id);
        continue;
      }
      const old = JSON.parse(r.old ?? '{}') as Record<string, unknown>;
      const cols = Object.keys(old);
      const values = cols.map((c) => old[c] ?? null);
      if (r.op === 'U') {
        db.prepare(`UPDATE ${r.tbl} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE rowid = ?`).run(...values, r.row_id);
      } else {
        db.prepare(`INSERT INTO ${r.tbl} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values);
      }
    }
  });
  return rows.length;
}
