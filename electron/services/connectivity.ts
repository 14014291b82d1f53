/**
 * Watches whether the agency answers. The status bar shows its verdict; the sync worker uses
 * it to decide when to try. `probe` resolves true when the agency answered at all.
 */
export class Connectivity {
  online: boolean | null = null;
  lastContactAt: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly probe: () => Promise<boolean>) {}

  async check(): Promise<boolean> {
    let ok: boolean;
    try {
      ok = await this.probe();
    } catch {
      ok = false;
    }
    this.online = ok;
    if (ok) this.lastContactAt = new Date().toISOString();
    return ok;
  }

  start(intervalMs: number): void {
    this.stop();
    void this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
