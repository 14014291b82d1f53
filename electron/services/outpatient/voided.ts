import type { Tx } from '../../../db/repos/clerks.ts';
import { otpVoidOf } from '../../../db/repos/outpatientVoids.ts';
import { ServiceError } from '../errors.ts';

/** A settlement voided by 重新结算 was never at the platform: no receipt, no refund (the resend's settlement has them). */
export function refuseVoided(db: Tx, otpSettlementId: number): void {
  const v = otpVoidOf(db, otpSettlementId);
  if (v) throw new ServiceError('VOIDED', `该门诊结算已于 ${v.at.slice(0, 10)} 作废并重新结算（${v.reason}），请使用重新结算后的结算`, 'settlementId');
}
