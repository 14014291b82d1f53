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
