import { createHash } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import pg from 'pg';
import { msgidSlotNumber } from '../../shared/agency/envelope.ts';
import { maskUrl, writeOfficeMarker } from '../officeMarker.ts';
import { appliedPgMigrations, knownPgMigrations } from './migrate.ts';
import { movePlan, type MoveTable } from './movePlan.ts';
import { MoveRefused, MoveSource, q } from './moveSource.ts';
import { differences, MoveMismatch, type OutboxState, type TableTotals } from './moveVerify.ts';

/**
 * Moving a desk's SQLite data into an empty office store (issue 18 point 3; docs/office.md
 * "Moving a desk into the office"). One PostgreSQL transaction: refuse a store that is not
 * empty or not at this build's level; copy every table with its ids, in foreign-key order, in
 * multi-row INSERTs whose values are all text (money is the desk's own text, cast to numeric by
 * PostgreSQL — never a JS number); set each identity past the desk's largest id; then check
 * rows, money totals and the outbox against the desk's own figures and roll everything back on
 * any difference. Only after the commit is the SQLite file renamed aside (never deleted) and the
 * move recorded beside it (db/officeMarker.ts).
 */
export interface PgConn {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface MoveOptions {
  sqliteFile: string;
  officeUrl: string;
  /** Rows per INSERT (also bounded by PostgreSQL's 65,535 parameters). */
  batchRows?: number;
  /** Tests: runs in the move's transaction after the copy, before the verification (fault injection). */
  beforeVerify?: (conn: PgConn) => Promise<void>;
  now?: () => Date;
}

export interface MoveReport {
  from: string;
  keptAside: string;
  marker: string;
  office: string;
  level: { desk: string; office: string };
  tables: Record<string, TableTotals & { nextId?: string }>;
  outbox: { byStatus: Record<string, string>; orderKeys: number; queuesSha256: string };
  /** The office's next msgid slot (second × 10,000 + serial), after the desk's last; null when the desk never sent. */
  msgidSlotNext: string | null;
  elapsedMs: number;
}

/** Two moves into one store at once: the second waits, then finds the store no longer empty. */
export const MOVE_LOCK_KEY = 180_003;

interface PgColumn {
  dataType: string;
  identity: boolean;
}

async function officeColumns(conn: PgConn): Promise<Map<string, Map<string, PgColumn>>> {
  const { rows } = await conn.query(`SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = current_schema()`);
  const out = new Map<string, Map<string, PgColumn>>();
  for (const r of rows as { table_name: string; column_name: string; data_type: string; is_identity: string }[]) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Map());
    out.get(r.table_name)!.set(r.column_name, { dataType: r.data_type, identity: r.is_identity === 'YES' });
  }
  return out;
}

async function checkOffice(conn: PgConn, plan: MoveTable[], source: MoveSource): Promise<{ level: string; columns: Map<string, Map<string, PgColumn>> }> {
  const applied = await appliedPgMigrations(conn);
  const known = knownPgMigrations().map((m) => m.tag);
  const same = applied.length === known.length && applied.every((t, i) => t === known[i]);
  if (!same) {
    throw new MoveRefused('OFFICE_LEVEL', `办公室数据库的迁移级别为 ${applied.at(-1) ?? '（未迁移）'}，与桌面数据库（${source.level().at(-1)}，对应办公室级别 ${known.at(-1)}）不一致：请先用本版本程序迁移办公室数据库（db/pg/migrate.ts），且只迁入空库。`);
  }
  const columns = await officeColumns(conn);
  for (const t of plan) {
    const have = columns.get(t.name);
    if (!have) throw new MoveRefused('OFFICE_SCHEMA', `办公室数据库缺少表 ${t.name}：与桌面数据库的结构不一致，不能迁移。`);
    const desk = source.columns(t.name);
    const missing = desk.filter((c) => !have.has(c));
    const extra = [...have.keys()].filter((c) => !desk.includes(c));
    if (missing.length > 0 || extra.length > 0) {
      throw new MoveRefused('OFFICE_SCHEMA', `表 ${t.name} 在两边的列不同（办公室缺少：${missing.join('、') || '无'}；办公室多出：${extra.join('、') || '无'}），不能迁移。`);
    }
  }
  const filled: string[] = [];
  for (const t of plan) {
    const { rows } = await conn.query(`SELECT count(*)::text AS n FROM ${q(t.name)}`);
    const n = (rows[0] as { n: string }).n;
    if (n !== '0') filled.push(`${t.name}（${n} 行）`);
  }
  if (filled.length > 0) throw new MoveRefused('OFFICE_NOT_EMPTY', `办公室数据库不是空的：表 ${filled.join('、')} 已有数据。只能迁入空的办公室数据库，不会合并两处的数据。`);
  return { level: applied.at(-1)!, columns };
}

/** A SQLite value as the text PostgreSQL casts into the column (BigInt ids, 0/1 booleans, money text as is). */
function pgValue(v: unknown, column: PgColumn, table: string, name: string): string | null {
  if (v === null || v === undefined) return null;
  if (column.dataType === 'boolean') return v === 1n || v === 1 || v === '1' ? 'true' : v === 0n || v === 0 || v === '0' ? 'false' : fail();
  if (typeof v === 'bigint' || typeof v === 'string') return v.toString();
  if (typeof v === 'number') return String(v);
  return fail();
  function fail(): never {
    throw new MoveRefused('SOURCE_VALUE', `桌面数据库表 ${table} 列 ${name} 有无法迁移的值（${typeof v}）`);
  }
}

async function copyTable(conn: PgConn, source: MoveSource, t: MoveTable, columns: Map<string, PgColumn>, batchRows: number): Promise<void> {
  const cols = t.columns.map((c) => columns.get(c)!);
  const perBatch = Math.max(1, Math.min(batchRows, Math.floor(60_000 / t.columns.length)));
  const late = new Set(t.deferred.map((c) => t.columns.indexOf(c)));
  for (const rows of source.batches(t, perBatch)) {
    const values: (string | null)[] = [];
    const tuples = rows.map((row) => `(${row.map((v, i) => {
      values.push(late.has(i) ? null : pgValue(v, cols[i]!, t.name, t.columns[i]!));
      return `$${values.length}`;
    }).join(', ')})`);
    await conn.query(`INSERT INTO ${q(t.name)} (${t.columns.map(q).join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }
}

/** The deferred references, once every table's rows exist (a cycle's other side may come later in the order). */
async function fillDeferred(conn: PgConn, source: MoveSource, t: MoveTable): Promise<void> {
  for (const c of t.deferred) {
    const pairs = source.deferredValues(t, c);
    for (let k = 0; k < pairs.length; k += 5_000) {
      const chunk = pairs.slice(k, k + 5_000);
      const values = chunk.flatMap(([id, ref]) => [id.toString(), ref.toString()]);
      const tuples = chunk.map((_, i) => `($${2 * i + 1}::bigint, $${2 * i + 2}::bigint)`).join(', ');
      await conn.query(`UPDATE ${q(t.name)} AS t SET ${q(c)} = v.ref FROM (VALUES ${tuples}) AS v(id, ref) WHERE t.id = v.id`, values);
    }
  }
}

async function officeTotals(conn: PgConn, t: MoveTable): Promise<TableTotals> {
  const sums = t.money.map((c, i) => `coalesce(sum(${q(c)}), 0)::text AS m${i}`);
  const { rows } = await conn.query(`SELECT ${['count(*)::text AS n', ...sums].join(', ')} FROM ${q(t.name)}`);
  const r = rows[0] as Record<string, string>;
  return { rows: r.n!, money: Object.fromEntries(t.money.map((c, i) => [c, r[`m${i}`]!])) };
}

async function officeOutbox(conn: PgConn): Promise<OutboxState> {
  const byStatus: Record<string, string> = {};
  for (const r of (await conn.query(`SELECT status, count(*)::text AS n FROM outbox GROUP BY status ORDER BY status`)).rows as { status: string; n: string }[]) byStatus[r.status] = r.n;
  const queues: Record<string, string[]> = {};
  for (const r of (await conn.query(`SELECT order_key, msgid, status FROM outbox ORDER BY order_key, id`)).rows as { order_key: string; msgid: string; status: string }[]) {
    (queues[r.order_key] ??= []).push(`${r.msgid}:${r.status}`);
  }
  return { byStatus, queues };
}

/** `desk.sqlite` → `desk.moved-2026-12-07T15-04-05Z.sqlite` (with its -wal/-shm if any), beside it. */
function keepAside(file: string, at: Date): string {
  const ext = extname(file);
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const aside = join(dirname(file), `${basename(file, ext)}.moved-${stamp}${ext}`);
  if (existsSync(aside)) throw new Error(`文件 ${aside} 已存在，未覆盖`);
  renameSync(file, aside);
  for (const s of ['-wal', '-shm']) if (existsSync(file + s)) renameSync(file + s, aside + s);
  return aside;
}

function scrub(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // not a URL: refused below anyway
  }
  return password ? message.split(password).join('***') : message;
}

export async function moveDesk(o: MoveOptions): Promise<MoveReport> {
  const started = Date.now();
  const now = o.now ?? (() => new Date());
  if (!/^postgres(ql)?:\/\//.test(o.officeUrl)) throw new MoveRefused('OFFICE_URL', '办公室数据库地址须为 postgres://用户@主机:端口/库名 形式');
  const office = maskUrl(o.officeUrl);
  const plan = movePlan();
  const source = new MoveSource(o.sqliteFile);
  let client: pg.Client | null = null;
  let report: Omit<MoveReport, 'keptAside' | 'marker' | 'elapsedMs'>;
  try {
    source.check();
    const deskLevel = source.level().at(-1)!;
    client = new pg.Client({ connectionString: o.officeUrl });
    // A connection lost mid-move fails the query in flight (and so rolls back); the event must not kill the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw new MoveRefused('OFFICE_UNREACHABLE', `无法连接办公室数据库 ${office}：${scrub((e as Error).message, o.officeUrl)}`);
    }
    const conn: PgConn = client;
    await conn.query('BEGIN');
    try {
      await conn.query(`SELECT pg_advisory_xact_lock(${MOVE_LOCK_KEY})`);
      const { level, columns } = await checkOffice(conn, plan, source);
      source.begin();
      for (const t of plan) await copyTable(conn, source, t, columns.get(t.name)!, o.batchRows ?? 1_000);
      for (const t of plan) await fillDeferred(conn, source, t);
      const nextIds: Record<string, string> = {};
      for (const t of plan) {
        if (!t.identity || !columns.get(t.name)!.get(t.identity)!.identity) continue;
        // ALTER … RESTART (not setval): it is transactional, so a rolled-back move leaves the identity as it was.
        const next = source.nextId(t.name);
        await conn.query(`ALTER TABLE ${q(t.name)} ALTER COLUMN ${q(t.identity)} RESTART WITH ${next.toString()}`);
        nextIds[t.name] = next.toString();
      }
      // The office's msgids go on after this desk's last one (the sequence of pg 0003_office_outbox);
      // ALTER … RESTART, like the identities, so a rolled-back move leaves it as it was.
      const lastSlot = msgidSlotNumber(((await conn.query(`SELECT value FROM settings WHERE key = 'msgid.seq'`)).rows[0] as { value?: string } | undefined)?.value);
      if (lastSlot !== null) {
        await conn.query(`ALTER SEQUENCE msgid_slot RESTART WITH ${(lastSlot + 1n).toString()}`);
      }
      await o.beforeVerify?.(conn);
      const desk: Record<string, TableTotals> = {};
      const copied: Record<string, TableTotals> = {};
      for (const t of plan) {
        desk[t.name] = source.totals(t);
        copied[t.name] = await officeTotals(conn, t);
      }
      const deskOutbox = source.outbox();
      const diff = differences(desk, copied, deskOutbox, await officeOutbox(conn));
      if (diff.length > 0) throw new MoveMismatch(diff);
      await conn.query('COMMIT');
      report = {
        from: o.sqliteFile, office, level: { desk: deskLevel, office: level },
        tables: Object.fromEntries(plan.map((t) => [t.name, { ...copied[t.name]!, ...(nextIds[t.name] ? { nextId: nextIds[t.name] } : {}) }])),
        msgidSlotNext: lastSlot === null ? null : (lastSlot + 1n).toString(),
        outbox: { byStatus: deskOutbox.byStatus, orderKeys: Object.keys(deskOutbox.queues).length, queuesSha256: createHash('sha256').update(JSON.stringify(deskOutbox.queues)).digest('hex') },
      };
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if (e instanceof Error && !(e instanceof MoveRefused) && !(e instanceof MoveMismatch)) e.message = `迁入失败，已全部撤回：${scrub(e.message, o.officeUrl)}`;
      throw e;
    }
  } finally {
    source.close();
    await client?.end().catch(() => undefined);
  }
  const at = now();
  let keptAside: string;
  try {
    keptAside = keepAside(o.sqliteFile, at);
  } catch (e) {
    throw new Error(`数据已迁入办公室数据库 ${office} 并核对一致，但桌面数据库文件未能改名保留：${(e as Error).message}。请手工把 ${o.sqliteFile} 改名保留，勿再使用。`, { cause: e });
  }
  const marker = writeOfficeMarker(o.sqliteFile, { officeUrl: office, movedAt: at.toISOString(), keptAside });
  return { ...report, keptAside, marker, elapsedMs: Date.now() - started };
}

export { MoveRefused } from './moveSource.ts';
export { MoveMismatch } from './moveVerify.ts';
