import type { PgClient } from './outbox.ts';

/**
 * The office's change feed (issue 18: other windows see changes without reload). A window that
 * writes publishes "table X changed for subject Y" inside its transaction with pg_notify:
 * PostgreSQL delivers it to every listening session at COMMIT and drops it at ROLLBACK, so a
 * screen never refreshes for something that did not happen. Every window listens on a dedicated
 * session (LISTEN cannot share a pooled connection: the pool would hand it to someone else) that
 * reconnects by itself. Notifications sent while a listener was disconnected are lost — the
 * server keeps none for absent listeners — so after every (re)connect the listener emits a
 * `resync` event and the screens reload what they show.
 */
export const CHANGE_CHANNEL = 'yidi_changes';

export interface Change {
  /** The table written, e.g. `settlements`. */
  table: string;
  /** What the change is about (an admission id, a claim period), or null for "anything in it". */
  subject: string | null;
  /** Which window wrote it, so a window can ignore its own echoes. */
  origin: string | null;
}

/** pg_notify refuses payloads of 8000 bytes or more; a subject is an id, never that long. */
const MAX_PAYLOAD = 7900;

/**
 * Queues the notification in the current transaction (or sends it at once outside one).
 * Call it on the same session as the write, after the write.
 */
export async function publishChange(db: PgClient, change: { table: string; subject?: string | null; origin?: string | null }): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(change.table)) throw new Error(`变更通知的表名不合规：${change.table}`);
  const payload = JSON.stringify({ table: change.table, subject: change.subject ?? null, origin: change.origin ?? null } satisfies Change);
  if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`变更通知过长（${Buffer.byteLength(payload)} 字节）：对象标识（subject）应是编号，不是内容`);
  await db.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, payload]);
}

/** Reads one payload; a malformed one (someone else's NOTIFY on our channel) is dropped. */
export function parseChange(payload: string | undefined): Change | null {
  if (!payload) return null;
  try {
    const v = JSON.parse(payload) as Partial<Change>;
    if (typeof v.table !== 'string') return null;
    return { table: v.table, subject: typeof v.subject === 'string' ? v.subject : null, origin: typeof v.origin === 'string' ? v.origin : null };
  } catch {
    return null;
  }
}

/** What the listener needs of a session: a pg Client's query, end and events. */
export interface ListenSession {
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export type ListenerEvent =
  | { kind: 'change'; change: Change }
  /** Connected (again): anything may have changed meanwhile, reload. */
  | { kind: 'resync' }
  /** The session is gone; `error` says why. The listener keeps trying. */
  | { kind: 'disconnected'; error: string };

export interface ChangeListenerOptions {
  /** Opens a new session (e.g. `new pg.Client(url)`, connected). */
  connect: () => Promise<ListenSession>;
  onEvent: (e: ListenerEvent) => void;
  /** Wait before the next connection attempt; default 1000 ms. */
  retryMs?: number;
}

export class ChangeListener {
  private session: ListenSession | null = null;
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private connecting: Promise<void> | null = null;
  /** The last connection problem (null while listening). */
  lastError: string | null = null;

  constructor(private readonly options: ChangeListenerOptions) {}

  get listening(): boolean {
    return this.session !== null;
  }

  /** Starts listening; resolves after the first attempt (listening or retrying in the background). */
  start(): Promise<void> {
    this.stopped = false;
    return this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting;
    const s = this.session;
    this.session = null;
    await s?.end().catch(() => undefined);
  }

  private attempt(): Promise<void> {
    this.connecting ??= this.connectOnce().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped || this.session) return;
    let s: ListenSession | null = null;
    try {
      s = await this.options.connect();
      const mine = s;
      mine.on('error', (e) => this.lost(mine, e.message));
      mine.on('end', () => this.lost(mine, '连接已关闭'));
      mine.on('notification', (msg) => {
        if (msg.channel !== CHANGE_CHANNEL) return;
        const change = parseChange(msg.payload);
        if (change) this.options.onEvent({ kind: 'change', change });
      });
      await mine.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (this.stopped) {
        await mine.end().catch(() => undefined);
        return;
      }
      this.session = mine;
      this.lastError = null;
      this.options.onEvent({ kind: 'resync' });
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      await s?.end().catch(() => undefined);
      this.retryLater();
    }
  }

  private lost(s: ListenSession, why: string): void {
    if (this.session !== s) return;
    this.session = null;
    this.lastError = why;
    void s.end().catch(() => undefined);
    this.options.onEvent({ kind: 'disconnected', error: why });
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, this.options.retryMs ?? 1000);
  }
}
