import { decideDeferral, findDeferralByMsgid } from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { decideOtpDeferral, findOtpDeferralByMsgid, otpEngineId } from '../../../db/repos/outpatientClaims.ts';

/**
 * A deferral request (3290) found by its msgid, a stay's settlement's (deferrals) or a visit's
 * (outpatient_deferrals, docs/claim.md "Visits"): the settlement as an engine id (a visit's
 * negative) and how to record the agency's decision. The outbox hooks and the clearing download
 * take both the same way.
 */
export interface DeferralRef {
  engineId: number;
  /** The agency's decision; false when the request had one already. */
  decide: (tx: Tx, approved: boolean, note: string | null, at: string) => boolean;
}

export function deferralByMsgid(tx: Tx, msgid: string): DeferralRef | undefined {
  const d = findDeferralByMsgid(tx, msgid);
  if (d) return { engineId: d.settlementId, decide: (t, approved, note, at) => decideDeferral(t, d.id, approved, note, at) };
  const v = findOtpDeferralByMsgid(tx, msgid);
  if (v) return { engineId: otpEngineId(v.otpSettlementId), decide: (t, approved, note, at) => decideOtpDeferral(t, v.id, approved, note, at) };
  return undefined;
}
