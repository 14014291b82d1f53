import { INSUTYPE, nameOf } from '../../shared/codes.ts';
import type { PgClient } from './outbox.ts';

/**
 * Locks where two windows of an office could collide (issue 18): the same stay settled at two
 * windows at once, and the month's claim submitted twice.
 *
 * The lock is a **transaction-scoped advisory lock** taken with pg_try_advisory_xact_lock (never
 * waiting: the second window is told at once). The server releases it at COMMIT, at ROLLBACK and
 * when the holding session dies, so a crashed window never leaves a stay locked. Who holds it is
 * written, before the transaction, to `office.lock_holders` (pg migration 0007_office_locks),
 * committed so the other windows can read it; a row names a holder only while pg_locks shows that
 * backend holding the lock (and pg_stat_activity the same backend_start), so a row left behind
 * by a dead session names nobody.
 *
 * `withStayLock` / `withMonthlyClaimOnce` open the transaction themselves (the holder row must
 * be committed before it): call them on a session that is not inside a transaction.
 */
export const STAY_LOCK_CLASS = 180_005;
export const CLAIM_LOCK_CLASS = 180_006;

export interface LockHolder {
  /** The window's name as the office knows it, e.g. 窗口3 or 出院结算处. */
  window: string;
  /** The clerk signed in at that window. */
  clerk: string;
}

export class OfficeLockError extends Error {
  constructor(
    readonly code: 'STAY_LOCKED' | 'CLAIM_LOCKED' | 'ALREADY_CLAIMED',
    message: string,
    /** The field the clerk is told about. */
    readonly field: 'admissionId' | 'period',
    /** Who holds the lock, when known. */
    readonly holder: (LockHolder & { since: string }) | null = null,
  ) {
    super(message);
    this.name = 'OfficeLockError';
  }
}

type Kind = 'stay' | 'claim';
const CLASS: Record<Kind, number> = { stay: STAY_LOCK_CLASS, claim: CLAIM_LOCK_CLASS };

/** Names this session as the would-be holder; committed at once (autocommit). Also sweeps rows of ended sessions. */
async function register(db: PgClient, kind: Kind, subject: string, h: LockHolder): Promise<void> {
  if (!h.window.trim() || !h.clerk.trim()) throw new Error('加锁需要窗口名和操作员姓名');
  await db.query(`DELETE FROM office.lock_holders h WHERE NOT EXISTS
    (SELECT 1 FROM pg_stat_activity a WHERE a.pid = h.pid AND a.backend_start = h.backend_start)`);
  await db.query(`INSERT INTO office.lock_holders (pid, backend_start, kind, subject, window_name, clerk_name, since)
    SELECT pid, backend_start, $1, $2, $3, $4, now() FROM pg_stat_activity WHERE pid = pg_backend_pid()
    ON CONFLICT (pid, kind, subject) DO UPDATE SET backend_start = EXCLUDED.backend_start,
      window_name = EXCLUDED.window_name, clerk_name = EXCLUDED.clerk_name, since = EXCLUDED.since`,
  [kind, subject, h.window.trim(), h.clerk.trim()]);
}

async function unregister(db: PgClient, kind: Kind, subject: string): Promise<void> {
  await db.query('DELETE FROM office.lock_holders WHERE pid = pg_backend_pid() AND kind = $1 AND subject = $2', [kind, subject]);
}

/**
 * The live holder of (kind, subject): the registered session that pg_locks shows holding the
 * advisory lock. The two-key form shows key1 as classid, key2 as objid (an oid: unsigned), objsubid 2.
 * `since` is HH:MI in China time, with the date in front when it is not today.
 */
export async function lockHolder(db: PgClient, kind: Kind, subject: string): Promise<(LockHolder & { since: string }) | null> {
  const { rows } = await db.query<{ window: string; clerk: string; since: string }>(`
    SELECT h.window_name AS window, h.clerk_name AS clerk,
      CASE WHEN (h.since AT TIME ZONE 'Asia/Shanghai')::date = (now() AT TIME ZONE 'Asia/Shanghai')::date
        THEN to_char(h.since AT TIME ZONE 'Asia/Shanghai', 'HH24:MI')
        ELSE to_char(h.since AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') END AS since
    FROM office.lock_holders h
    JOIN pg_stat_activity a ON a.pid = h.pid AND a.backend_start = h.backend_start
    JOIN pg_locks l ON l.pid = h.pid AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.classid::bigint = $3 AND l.objid::bigint = (hashtext($2)::bigint & 4294967295)
    WHERE h.kind = $1 AND h.subject = $2
    ORDER BY h.since LIMIT 1`, [kind, subject, CLASS[kind]]);
  return rows[0] ?? null;
}

/**
 * Runs `fn` in a transaction holding lock (kind, subject), or throws `refused(holder)` without
 * running it. `check` runs first inside the lock (e.g. "already submitted?").
 */
async function withLock<T>(db: PgClient, kind: Kind, subject: string, h: LockHolder, refused: (holder: (LockHolder & { since: string }) | null) => OfficeLockError, fn: () => Promise<T>, check?: () => Promise<void>): Promise<T> {
  await register(db, kind, subject, h);
  try {
    await db.query('BEGIN');
    try {
      const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok', [CLASS[kind], subject]);
      if (!rows[0]?.ok) throw refused(await lockHolder(db, kind, subject));
      await check?.();
      const out = await fn();
      await db.query('COMMIT');
      return out;
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await unregister(db, kind, subject).catch(() => undefined);
  }
}

/**
 * Settles a stay with the stay locked: a second window trying the same admission is refused
 * naming who settles it ("住院号 ZY001 正由 窗口3 王芳 结算（自 14:02 起）").
 */
export function withStayLock<T>(db: PgClient, admissionId: string, holder: LockHolder, fn: () => Promise<T>): Promise<T> {
  return withLock(db, 'stay', admissionId, holder, (by) => new OfficeLockError('STAY_LOCKED', by
    ? `住院号 ${admissionId} 正由 ${by.window} ${by.clerk} 结算（自 ${by.since} 起），请等其完成后刷新再办`
    : `住院号 ${admissionId} 正由另一窗口结算，请稍后刷新再办`, 'admissionId', by), fn);
}

/** 跨省 / 省内异地, as the claim screens say it (electron/services/claim/policy.ts SCOPE_LABEL). */
const SCOPE_LABEL: Record<'cross' | 'in', string> = { cross: '跨省', in: '省内异地' };

export interface ClaimKey {
  /** 清算年月, e.g. 202611. */
  setlym: string;
  insutype: string;
  scope: 'cross' | 'in';
}

/**
 * Submits a month's claim once: under the (period, scheme, scope) lock, a live claim already
 * there (not withdrawn or refused — those release their settlements) refuses the second, and a
 * second window submitting at the same moment is refused naming who is submitting. `fn` writes
 * the claim in the same transaction, so the next one to take the lock sees it.
 */
export function withMonthlyClaimOnce<T>(db: PgClient, key: ClaimKey, holder: LockHolder, fn: () => Promise<T>): Promise<T> {
  const label = `${nameOf(INSUTYPE, key.insutype)}·${SCOPE_LABEL[key.scope]} ${key.setlym} 期`;
  const subject = `${key.setlym}|${key.insutype}|${key.scope}`;
  return withLock(db, 'claim', subject, holder, (by) => new OfficeLockError('CLAIM_LOCKED', by
    ? `${label}的申报正由 ${by.window} ${by.clerk} 提交（自 ${by.since} 起），不能同时再报`
    : `${label}的申报正由另一窗口提交，不能同时再报`, 'period', by), fn, async () => {
    const { rows } = await db.query<{ id: number }>(`SELECT id FROM claims WHERE setlym = $1 AND insutype = $2 AND scope = $3
      AND status NOT IN ('withdrawn', 'refused') ORDER BY id LIMIT 1`, [key.setlym, key.insutype, key.scope]);
    if (rows[0]) throw new OfficeLockError('ALREADY_CLAIMED', `${label}已有申报（编号 ${rows[0].id}）；如需更正，请先撤销该申报后重新申报`, 'period');
  });
}
