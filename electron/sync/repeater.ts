/**
 * A background job's clock: the first run after `firstDelayMs`, then every `intervalMs`; the
 * timers never keep the process alive, and stop() cancels whichever one is pending.
 */
export class Repeater {
  private timer: NodeJS.Timeout | undefined;

  start(tick: () => void, intervalMs: number, firstDelayMs: number): void {
    this.stop();
    const first = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, intervalMs);
      this.timer.unref();
    }, firstDelayMs);
    first.unref();
    this.timer = first;
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      clearInterval(this.timer);
    }
    this.timer = undefined;
  }
}

/**
 * A background job that runs `runOnce` at most once at a time on a Repeater's clock: a tick while
 * the previous run is still going is skipped, a failure is logged and waits for the next tick.
 */
export abstract class BackgroundJob {
  private readonly repeat = new Repeater();
  private running: Promise<unknown> | null = null;

  /** `failure` starts the log line of a failed run, e.g. '[reconcile] 自动对账失败'; the clock's defaults follow. */
  constructor(
    private readonly failure: string,
    private readonly defaults: { intervalMs: number; firstDelayMs: number },
  ) {}

  abstract runOnce(): Promise<unknown>;

  start(intervalMs = this.defaults.intervalMs, firstDelayMs = this.defaults.firstDelayMs): void {
    const tick = (): void => {
      if (this.running) return;
      this.running = this.runOnce()
        .catch((e: unknown) => console.error(`${this.failure}：${(e as Error).message}`))
        .finally(() => {
          this.running = null;
        });
    };
    this.repeat.start(tick, intervalMs, firstDelayMs);
  }

  stop(): void {
    this.repeat.stop();
  }

  /** Waits for the run under way, if any. */
  async idle(): Promise<void> {
    await this.running;
  }
}
