import { describe, expect, it } from 'vitest';
import { OutboxWorker } from '../../electron/sync/outboxWorker.ts';

const worker = (random: number) => new OutboxWorker({ db: () => { throw new Error('unused'); }, client: () => { throw new Error('unused'); }, newEnvelope: () => { throw new Error('unused'); }, allocateMsgid: () => 'unused', backoffBaseMs: 1000, backoffMaxMs: 60_000, random: () => random });

describe('outbox backoff', () => {
  it('doubles per attempt, is capped, and jitters between half and the whole delay', () => {
    const lo = worker(0);
    const hi = worker(1);
    expect([1, 2, 3, 4].map((a) => hi.backoffMs(a))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((a) => lo.backoffMs(a))).toEqual([500, 1000, 2000, 4000]);
    expect(hi.backoffMs(7)).toBe(60_000);
    expect(hi.backoffMs(500)).toBe(60_000);
    expect(lo.backoffMs(500)).toBe(30_000);
    const mid = worker(0.5).backoffMs(3);
    expect(mid).toBeGreaterThanOrEqual(2000);
    expect(mid).toBeLessThanOrEqual(4000);
  });
});
