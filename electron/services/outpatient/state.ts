import type { Tx } from '../../../db/repos/clerks.ts';
import {
  feeLinesOfVisit, queuedStates, requestsOfVisit, settlementsOfVisit, withdrawnBatches, type OtpFeeLineRow, type OtpRequestRow, type OtpSettlementRow,
} from '../../../db/repos/outpatient.ts';
import { otpVoidsOf, type OtpVoidRow } from '../../../db/repos/outpatientVoids.ts';

/**
 * Where a visit stands, from its rows: which batches a settlement holds (a settlement not refunded,
 * or a 2207 on its way), which were withdrawn (2205), and so which lines 结算 takes now.
 */
export interface VisitState {
  lines: OtpFeeLineRow[];
  withdrawn: Set<string>;
  /** batch → the settlement (or pending request) that holds it. */
  held: Map<string, { settlementId: number | null; requestId: number }>;
  settlements: OtpSettlementRow[];
  requests: (OtpRequestRow & { queue: 'answered' | 'pending' | 'refused' | 'gone'; lastError: string | null; unknownOutcome: boolean })[];
  /** Lines in effect not held: what a new 2207 takes. */
  unsettled: OtpFeeLineRow[];
  /** Settlements voided by 重新结算 (outpatient_voids): they hold no batch; the resend's request does. */
  voids: Map<number, OtpVoidRow>;
}

export function visitState(db: Tx, visitId: number): VisitState {
  const lines = feeLinesOfVisit(db, visitId);
  const withdrawn = withdrawnBatches(db, visitId);
  const settlements = settlementsOfVisit(db, visitId);
  const raw = requestsOfVisit(db, visitId);
  const queued = queuedStates(db, raw.map((r) => r.msgid));
  const answered = new Map(settlements.map((s) => [s.requestId, s]));
  const requests = raw.map((r) => {
    const q = queued.get(r.msgid);
    const queue = answered.has(r.id) ? 'answered' as const : q?.status === 'pending' ? 'pending' as const : q?.status === 'rejected' ? 'refused' as const : 'gone' as const;
    return { ...r, queue, lastError: q?.lastError ?? null, unknownOutcome: q?.unknownOutcome ?? false };
  });
  const refunded = new Set(settlements.filter((s) => s.kind === 'refund' && s.refunds !== null).map((s) => s.refunds!));
  const voids = otpVoidsOf(db, settlements.map((s) => s.id));
  const held = new Map<string, { settlementId: number | null; requestId: number }>();
  for (const r of requests) {
    if (r.infno !== '2207') continue;
    const s = answered.get(r.id);
    const holds = s ? !refunded.has(s.id) && !voids.has(s.id) : r.queue === 'pending';
    if (holds) for (const b of JSON.parse(r.batches) as string[]) held.set(b, { settlementId: s?.id ?? null, requestId: r.id });
  }
  const unsettled = lines.filter((l) => !withdrawn.has(l.chrgBchno) && !held.has(l.chrgBchno));
  return { lines, withdrawn, held, settlements, requests, unsettled, voids };
}

/** The lines of some batches of a visit (what a settlement took), in upload order. */
export function feeLinesOfVisitBatches(db: Tx, visitId: number, batches: readonly string[]): OtpFeeLineRow[] {
  const set = new Set(batches);
  return feeLinesOfVisit(db, visitId).filter((l) => set.has(l.chrgBchno));
}
