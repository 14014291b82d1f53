import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/open.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { clearStaging, encodeStagedPage, getCursor, putStagedPage, saveCursor, stagedPages } from '../../db/repos/syncCursors.ts';
import { InputError } from '../../shared/errors.ts';
import { AgencyError, RejectedError, type AgencyClient, type PageKind } from '../agency/client.ts';

/**
 * A resumable, all-or-nothing download of one of the agency's paged lists (roster now;
 * catalogue and policies can plug in the same way).
 *
 * - Every page is validated, then staged: up to `commitEvery` pages (default 8 pages or 2 MB of
 *   JSON, whichever comes first) are written to `sync_staging` in ONE durable transaction together
 *   with the cursor that follows the last of them (one fsync per batch instead of per page,
 *   issue 19), each page encoded with its keys once (encodeStagedPage: half the bytes). A crash loses at most the uncommitted pages and the next run continues from the
 *   stored cursor; a lost connection, an invalid page or a pause first commits what was received.
 * - Nothing reaches the live tables until the last page is in. Then `review` may hold the whole
 *   download for a person to confirm (a fail-safe against an agency answer that would wipe the
 *   desk's data); otherwise `apply` moves it into the live tables in ONE transaction with the audit.
 * - An invalid cursor (the agency no longer knows it) starts the download over, once per run.
 */

export interface RunState {
  runId: string;
  startedAt: string;
  pages: number;
  received: number;
  /** The agency's total for the list, from the latest page. */
  total: number | null;
  counters: Record<string, number>;
  /** The last page is staged: only the review / apply step is left. */
  complete: boolean;
  lastError: string | null;
}

export interface HeldState {
  reason: string;
  at: string;
  facts: Record<string, number>;
}

export interface LastRun {
  runId: string;
  completedAt: string;
  outcome: 'applied' | 'discarded';
  received: number;
  applied: number;
  removed: number;
  by: number | null;
}

export interface DownloadMeta {
  run: RunState | null;
  held: HeldState | null;
  last: LastRun | null;
}

export type DownloadState = 'idle' | 'downloading' | 'held';

export interface ApplyResult {
  applied: number;
  removed: number;
}

export interface PagedDownloadSpec<T> {
  /** sync_cursors.name and sync_staging.name. */
  name: string;
  kind: PageKind;
  /** 1–1000 (the agency's limit). */
  pageSize: number;
  /** Validates and normalises one item; throws InputError naming the field. */
  parseItem(raw: unknown): T;
  /** Counters to add one to for this item (e.g. "active"), kept per run for `review`. */
  countersOf?(item: T): readonly string[];
  /** After the last page, inside a transaction: a reason to hold the download for confirmation, or null. */
  review?(tx: Tx, run: RunState): { reason: string; facts: Record<string, number> } | null;
  /**
   * Fetches one page after `cursor` (null = the first). Default: the desk extension's pages
   * (`client.page(kind, …)`); the national catalogue brings its own (files and paged queries).
   */
  fetchPage?(client: AgencyClient, cursor: string | null, pageSize: number): Promise<{ items: unknown[]; nextCursor: string | null; total: number | null }>;
  /** Moves the whole staged download into the live tables; runs inside the one apply transaction. */
  apply(tx: Tx, pages: Iterable<T[]>, run: RunState): ApplyResult;
}

export type DownloadOutcome =
  | { status: 'applied'; last: LastRun }
  | { status: 'held'; held: HeldState; run: RunState }
  | { status: 'interrupted'; error: string; run: RunState }
  | { status: 'invalid'; error: string; run: RunState };

export interface DownloadOptions {
  /** Stop (as if interrupted) after this many pages in this call; for tests and time-boxed runs. */
  maxPages?: number;
  /** Called after each page is received and validated (its commit may still be pending: see commitEvery). */
  onPage?: (run: RunState) => void | Promise<void>;
  /** How many received pages go into one durable commit: at most `pages` pages or `bytes` of JSON. Default 8 pages / 2 MB. */
  commitEvery?: { pages?: number; bytes?: number };
  /** Who started it (audit); null for the background job. */
  clerkId?: number | null;
  /** An unfinished download older than this starts over instead of mixing old and new pages. Default 24 h. */
  maxRunAgeMs?: number;
}

/** Hard bound on pages per call, so a misbehaving cursor can never loop for ever. */
const MAX_PAGES_PER_CALL = 100_000;

/** Default staging batch: few enough pages to refetch after a crash, big enough that the fsync is paid rarely. */
export const COMMIT_EVERY_PAGES = 8;
export const COMMIT_EVERY_BYTES = 2 * 1024 * 1024;

interface PendingPage {
  seq: number;
  json: string;
}

export function readMeta(db: Tx, name: string): { state: DownloadState; cursor: string | null; meta: DownloadMeta } {
  const row = getCursor(db, name);
  let meta: DownloadMeta = { run: null, held: null, last: null };
  if (row?.staging) {
    try {
      meta = { ...meta, ...(JSON.parse(row.staging) as Partial<DownloadMeta>) };
    } catch {
      // A damaged progress note only costs a fresh start.
    }
  }
  const state = row?.state === 'downloading' || row?.state === 'held' ? row.state : 'idle';
  return { state, cursor: row?.cursor ?? null, meta };
}

function newRun(): RunState {
  return { runId: randomUUID(), startedAt: new Date().toISOString(), pages: 0, received: 0, total: null, counters: {}, complete: false, lastError: null };
}

function startFresh(db: Db, name: string, meta: DownloadMeta): RunState {
  const run = newRun();
  db.transaction((tx) => {
    clearStaging(tx, name);
    saveCursor(tx, name, { cursor: null, state: 'downloading', staging: { ...meta, run, held: null } });
  });
  return run;
}

export async function runPagedDownload<T>(getDb: () => Db, client: AgencyClient, spec: PagedDownloadSpec<T>, options: DownloadOptions = {}): Promise<DownloadOutcome> {
  const current = readMeta(getDb(), spec.name);
  if (current.state === 'held' && current.meta.run && current.meta.held) {
    return { status: 'held', held: current.meta.held, run: current.meta.run };
  }
  let meta = current.meta;
  let cursor = current.cursor;
  const maxAge = options.maxRunAgeMs ?? 24 * 3600_000;
  const resumable = current.state === 'downloading' && meta.run !== null && Date.now() - Date.parse(meta.run.startedAt) <= maxAge;
  let run: RunState = resumable && meta.run ? meta.run : startFresh(getDb(), spec.name, meta);
  if (run !== meta.run) cursor = null;
  let restarted = false;
  const limit = Math.min(options.maxPages ?? MAX_PAGES_PER_CALL, MAX_PAGES_PER_CALL);

  const maxBatchPages = Math.max(1, options.commitEvery?.pages ?? COMMIT_EVERY_PAGES);
  const maxBatchBytes = Math.max(1, options.commitEvery?.bytes ?? COMMIT_EVERY_BYTES);
  // Received and validated, not yet durable: `run` and `cursor` run ahead of the stored row by these pages.
  let pending: PendingPage[] = [];
  let pendingBytes = 0;
  const commit = (): void => {
    if (pending.length === 0) return;
    const pages = pending;
    const staged = run;
    const after = cursor;
    getDb().transaction((tx) => {
      for (const p of pages) putStagedPage(tx, spec.name, p.seq, p.json);
      saveCursor(tx, spec.name, { cursor: after, state: 'downloading', staging: { ...meta, run: staged } });
    });
    pending = [];
    pendingBytes = 0;
  };

  const note = (error: string): RunState => {
    commit();
    const updated = { ...run, lastError: error };
    saveCursor(getDb(), spec.name, { cursor, state: 'downloading', staging: { ...meta, run: updated } });
    return updated;
  };

  for (let fetched = 0; !run.complete; fetched++) {
    if (fetched >= limit) {
      commit();
      return { status: 'interrupted', error: `已下载 ${fetched} 页，本次暂停，下次从断点继续`, run };
    }
    let page;
    try {
      page = spec.fetchPage ? await spec.fetchPage(client, cursor, spec.pageSize) : await client.page<unknown>(spec.kind, cursor, spec.pageSize);
    } catch (e) {
      if (e instanceof RejectedError && e.status === 400 && e.code === 'BAD_CURSOR' && !restarted) {
        // The agency no longer knows the cursor (e.g. its list was rebuilt): start over once.
        restarted = true;
        pending = []; // pages of the run being dropped
        pendingBytes = 0;
        meta = readMeta(getDb(), spec.name).meta;
        run = startFresh(getDb(), spec.name, meta);
        cursor = null;
        continue;
      }
      if (e instanceof AgencyError) {
        const error = `下载中断（已完成 ${run.pages} 页）：${e.message}`;
        return { status: 'interrupted', error, run: note(error) };
      }
      throw e;
    }
    let items: T[];
    try {
      items = page.items.map((raw, i) => {
        try {
          return spec.parseItem(raw);
        } catch (e) {
          if (e instanceof InputError) throw new InputError(e.code, `第 ${run.pages + 1} 页第 ${i + 1} 条：${e.message}`, e.path);
          throw e;
        }
      });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // The same page would come again: keep the cursor, report, import nothing of this page.
      const error = `经办机构下发的数据有误，本次下载未应用：${e.message}`;
      return { status: 'invalid', error, run: note(error) };
    }
    const counters = { ...run.counters };
    for (const item of items) for (const c of spec.countersOf?.(item) ?? []) counters[c] = (counters[c] ?? 0) + 1;
    const next: RunState = {
      ...run,
      pages: run.pages + 1,
      received: run.received + items.length,
      total: page.total,
      counters,
      complete: page.nextCursor === null,
      lastError: null,
    };
    const json = encodeStagedPage(items); // once: a roster page is 1000 items
    pending.push({ seq: next.pages, json });
    pendingBytes += Buffer.byteLength(json);
    run = next;
    cursor = page.nextCursor;
    if (run.complete || pending.length >= maxBatchPages || pendingBytes >= maxBatchBytes) commit();
    await options.onPage?.(run);
  }
  return finish(getDb(), spec, run, meta, options.clerkId ?? null, true);
}

function finish<T>(db: Db, spec: PagedDownloadSpec<T>, run: RunState, meta: DownloadMeta, clerkId: number | null, review: boolean): DownloadOutcome {
  return db.transaction((tx): DownloadOutcome => {
    const hold = review ? spec.review?.(tx, run) ?? null : null;
    if (hold) {
      const held: HeldState = { reason: hold.reason, at: new Date().toISOString(), facts: hold.facts };
      saveCursor(tx, spec.name, { cursor: null, state: 'held', staging: { ...meta, run, held } });
      appendAudit(tx, { clerkId, action: `${spec.name}.download.held`, entity: 'sync', entityId: spec.name, detail: { runId: run.runId, ...hold.facts } });
      return { status: 'held', held, run };
    }
    const result = spec.apply(tx, stagedPages(tx, spec.name) as Iterable<T[]>, run);
    clearStaging(tx, spec.name);
    const last: LastRun = { runId: run.runId, completedAt: new Date().toISOString(), outcome: 'applied', received: run.received, applied: result.applied, removed: result.removed, by: clerkId };
    saveCursor(tx, spec.name, { cursor: null, state: 'idle', staging: { run: null, held: null, last } });
    appendAudit(tx, { clerkId, action: `${spec.name}.download.apply`, entity: 'sync', entityId: spec.name, detail: { runId: run.runId, received: run.received, ...result, confirmed: !review } });
    return { status: 'applied', last };
  });
}

/** A person confirmed a held download: apply it as it is. Throws when nothing is held. */
export function applyHeldDownload<T>(db: Db, spec: PagedDownloadSpec<T>, clerkId: number): DownloadOutcome {
  const { state, meta } = readMeta(db, spec.name);
  if (state !== 'held' || !meta.run) throw new InputError('NOTHING_HELD', '没有等待确认的下载', 'name');
  return finish(db, spec, meta.run, meta, clerkId, false);
}

/** A person rejected a held download: drop the staged pages, keep the live data as it was. */
export function discardHeldDownload<T>(db: Db, spec: PagedDownloadSpec<T>, clerkId: number): LastRun {
  return db.transaction((tx) => {
    const { state, meta } = readMeta(tx, spec.name);
    if (state !== 'held' || !meta.run) throw new InputError('NOTHING_HELD', '没有等待确认的下载', 'name');
    clearStaging(tx, spec.name);
    const last: LastRun = { runId: meta.run.runId, completedAt: new Date().toISOString(), outcome: 'discarded', received: meta.run.received, applied: 0, removed: 0, by: clerkId };
    saveCursor(tx, spec.name, { cursor: null, state: 'idle', staging: { run: null, held: null, last } });
    appendAudit(tx, { clerkId, action: `${spec.name}.download.discard`, entity: 'sync', entityId: spec.name, detail: { runId: meta.run.runId, ...meta.held?.facts } });
    return last;
  });
}
