/**
 * One sender per office (issue 18): the window whose session holds a PostgreSQL advisory lock is
 * the office's sender. A session-level lock is released by the server the moment that session
 * ends — the window quits, crashes, loses its network, or its backend is terminated — so another
 * window polling `pg_try_advisory_lock` takes over within one poll interval (plus TCP noticing a
 * dead peer). The sender should claim and mark through `session` (the same connection): once the
 * lock is lost, that connection is gone and nothing more it writes lands. Open the session with
 * `keepAlive: true` and a `query_timeout` (a few seconds), so a holder cut off without a TCP reset
 * notices on its next check instead of hanging in it (docs/office.md: the server's keepalives).
 */
export const SENDER_LOCK_KEY = 180_004;

/** What the lock needs of a connection: a pg Client (one session) with its error event. */
export interface LockSession {
  query(text: string): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (e: Error) => void): unknown;
}

export interface SenderLockOptions {
  /** Opens a new session (e.g. `new pg.Client(url)` connected). */
  connect: () => Promise<LockSession>;
  /** How often a waiting window tries for the lock, and the holder checks its session. Default 1000 ms. */
  pollMs?: number;
  /** Told when this window becomes, or stops being, the sender. */
  onChange?: (held: boolean) => void;
}

export class SenderLock {
  private current: LockSession | null = null;
  private holding = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ticking: Promise<void> = Promise.resolve();
  /** The last connection problem (null when the session is fine). */
  lastError: string | null = null;

  constructor(private readonly options: SenderLockOptions) {}

  /** True while this window's session holds the lock (as last checked). */
  get held(): boolean {
    return this.holding;
  }

  /** The lock-holding session, for the sender's claims and marks; null when not the sender. */
  get session(): LockSession | null {
    return this.holding ? this.current : null;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and ends the session, which releases the lock for the next window. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const s = this.current;
    this.current = null;
    this.set(false);
    await s?.end().catch(() => undefined);
  }

  /** One try: connect if needed, then take the lock or check that it is still ours. */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(() => this.tickOnce());
    return this.ticking;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().then(() => this.schedule(this.options.pollMs ?? 1000));
    }, ms);
  }

  private async tickOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.current) {
        const s = await this.options.connect();
        // A terminated backend or a dropped connection arrives as an error event: the lock is gone with it.
        s.on('error', (e) => this.lost(s, e));
        this.current = s;
      }
      const s = this.current;
      if (this.holding) {
        await s.query('SELECT 1');
      } else {
        const { rows } = await s.query(`SELECT pg_try_advisory_lock(${SENDER_LOCK_KEY}) AS ok`);
        if ((rows[0] as { ok: boolean }).ok) this.set(true);
      }
      this.lastError = null;
    } catch (e) {
      if (this.current) this.lost(this.current, e instanceof Error ? e : new Error(String(e)));
      else this.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  private lost(s: LockSession, e: Error): void {
    if (this.current !== s) return;
    this.lastError = e.message;
    this.current = null;
    this.set(false);
    void s.end().catch(() => undefined);
  }

  private set(held: boolean): void {
    if (this.holding === held) return;
    this.holding = held;
    this.options.onChange?.(held);
  }
}
