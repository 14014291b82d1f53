import type { Db } from '../../db/open.ts';
import { itemsOfKey } from '../../db/repos/outbox.ts';
import type { Connectivity } from '../services/connectivity.ts';
import type { OutboxWorker } from './outboxWorker.ts';

/**
 * A lost answer marks the desk offline (the worker then pings before it sends again), so the wait
 * goes on through a short outage until its deadline rather than giving up at the first reset.
 *
 * Where one person's queue stands after a clerk waited for it (issue 14 §1: 结算 sends 2304 and
 * waits). The wait drives the same outbox worker, so the exactly-once rules (2601 冲正 on an
 * unknown outcome, then a new msgid; a refusal parks) hold as for background delivery.
 */
export type QueueWait =
  | { state: 'clear' }
  | { state: 'refused'; msgid: string; infno: string; error: string }
  | { state: 'waiting'; msgid: string; infno: string; reason: string };

export interface AwaitQueueOptions {
  timeoutMs: number;
  /** Pause between rounds that delivered nothing (a backoff, a 冲正 under way). Default 150 ms. */
  pauseMs?: number;
}

export async function awaitQueue(worker: OutboxWorker, db: () => Db, connectivity: Connectivity, orderKey: string, o: AwaitQueueOptions): Promise<QueueWait> {
  const deadline = Date.now() + o.timeoutMs;
  let first = true;
  for (;;) {
    const items = itemsOfKey(db(), orderKey);
    const head = items[0];
    if (!head) return { state: 'clear' };
    const refused = items.find((i) => i.status === 'rejected');
    if (refused) return { state: 'refused', msgid: refused.msgid, infno: refused.infno, error: refused.lastError ?? '经办机构拒绝' };
    const waiting = (reason: string): QueueWait => ({ state: 'waiting', msgid: head.msgid, infno: head.infno, reason });
    if (Date.now() >= deadline) {
      if (connectivity.online === false) return waiting('与经办机构的连接中断，恢复后自动发送');
      return waiting(head.reversal !== null ? '结果未知，正在冲正（2601）后重发' : head.lastError ? `尚未成功：${head.lastError}` : '经办机构尚未应答');
    }
    const before = items.length;
    // The first round ends every backoff (the clerk is waiting now); later rounds keep the
    // worker's own backoff, so a failing agency is not hammered for the length of the wait.
    if (first) await worker.runNow();
    else await worker.round();
    first = false;
    const after = itemsOfKey(db(), orderKey);
    if (after.length === before) {
      const due = after[0]?.nextAttemptAt ? Date.parse(after[0].nextAttemptAt) - Date.now() : 0;
      await new Promise((r) => setTimeout(r, Math.max(o.pauseMs ?? 150, Math.min(due, deadline - Date.now()))));
    }
  }
}
