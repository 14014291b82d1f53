import { unconfirmedProvisionalChecks } from '../../../db/repos/identityChecks.ts';
import type { ServiceContext } from '../context.ts';
import { AgencyUnreachable } from './askAgency.ts';
import { recheckIdentity } from './recheck.ts';

export interface RecheckRound {
  rechecked: number;
  changed: number;
  /** The agency was still unreachable: the rest waits for the next round. */
  offline: boolean;
}

const SYSTEM = { clerkId: null, login: 'system', name: '系统自动复核', manual: false } as const;
/** A check the agency refused to re-check (e.g. person no longer found) is retried after this. */
const RETRY_AFTER_MS = 10 * 60_000;
const PER_ROUND = 20;

/**
 * Confirms offline (provisional) checks once the agency answers again. Runs on a timer (it asks
 * the connectivity probe only while something is waiting) and right after any successful online
 * check. One round at a time; each re-check is its own transaction.
 */
export class RecheckWorker {
  private running: Promise<RecheckRound> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly retryAt = new Map<number, number>();

  constructor(private readonly desk: ServiceContext) {}

  start(intervalMs = 15_000): void {
    this.stop();
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Fire and forget: a round now unless one is running. */
  kick(): void {
    this.runOnce().catch((e: unknown) => console.error(`[identity] 自动复核失败：${(e as Error).message}`));
  }

  runOnce(): Promise<RecheckRound> {
    if (this.running) return this.running;
    const p = this.round().finally(() => {
      this.running = null;
    });
    this.running = p;
    return p;
  }

  /** Resolves when the running round has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async round(): Promise<RecheckRound> {
    const result: RecheckRound = { rechecked: 0, changed: 0, offline: false };
    const now = Date.now();
    const due = unconfirmedProvisionalChecks(this.desk.db, PER_ROUND).filter((c) => (this.retryAt.get(c.id) ?? 0) <= now);
    if (due.length === 0) return result;
    if (this.desk.connectivity.online !== true && !(await this.desk.connectivity.check())) return { ...result, offline: true };
    for (const c of due) {
      try {
        const r = await recheckIdentity(this.desk, c.id, SYSTEM);
        result.rechecked++;
        if (r.check.changed) result.changed++;
        this.retryAt.delete(c.id);
      } catch (e) {
        if (e instanceof AgencyUnreachable) return { ...result, offline: true };
        this.retryAt.set(c.id, now + RETRY_AFTER_MS);
        console.error(`[identity] 核验记录 ${c.id} 自动复核失败：${(e as Error).message}`);
      }
    }
    return result;
  }
}
