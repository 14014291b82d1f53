import type { Tx } from '../../../db/repos/clerks.ts';
import { otpSelfPayOf } from '../../../db/repos/outpatientSelfPay.ts';
import { CLAIM_RULE } from '../../../shared/fullSelfPay.ts';
import { ServiceError } from '../errors.ts';

/** Refuses what a 全额自付 visit no longer takes (more fees, 预结算, 结算): the patient claims at home (selfPay.ts). */
export function refuseSelfPaid(db: Tx, visitId: number): void {
  const r = otpSelfPayOf(db, visitId);
  if (r) throw new ServiceError('ALREADY_SELF_PAID', `该门诊已于 ${r.paidOn} 按全额自付办理，患者回参保地申请零星报销（${CLAIM_RULE}），不能再直接结算或追加费用；新的费用请另行挂号`, 'visitId');
}
