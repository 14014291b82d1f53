-- Who holds a collision lock (issue 18, db/pg/stayLock.ts). The lock itself is a
-- transaction-scoped advisory lock (released at commit, rollback, or when the holding session
-- dies); this table only names its holder — window, clerk, since — for the second window's
-- refusal. A row counts only while pg_locks shows its (pid) holding the lock and
-- pg_stat_activity shows the same backend_start, so a row left by a dead session never names
-- anyone. It lives in its own schema `office`, apart from the business tables derived from
-- db/schema.ts (public): it is the office's runtime bookkeeping, never moved from a desk nor
-- read by the desk's services, and UNLOGGED: after a server crash every session and its locks
-- are gone too, so losing the rows loses nothing.
CREATE SCHEMA office;
--> statement-breakpoint
CREATE UNLOGGED TABLE office.lock_holders (
  pid integer NOT NULL,
  backend_start timestamptz NOT NULL,
  kind text NOT NULL,
  subject text NOT NULL,
  window_name text NOT NULL,
  clerk_name text NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pid, kind, subject)
);
