import {
  type ClaimRow
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getSetting } from '../../../db/repos/institution.ts';
import { CLAIM_POLICY_DEFAULTS, type ClaimCalendarPolicy, type ClaimPolicy } from '../../../shared/claim.ts';
import { addPeriods, monthOf, type CalendarDate } from '../../../shared/dates.ts';

/** The claim's codes, labels and policy values (DOMAIN §12), read from settings. */

export const CLAIM_INFNO = { claim: '3203', withdraw: '3204', deferral: '3290', review: '3291' } as const;

export const SCOPE_LABEL: Record<'cross' | 'in', string> = { cross: '跨省', in: '省内异地' };

/** 清算类别 (national-interface.md): the stays 21, the visits 11 (门诊慢特病 is cleared as 11). */
export const CLR_TYPE_LABEL: Record<'11' | '21', string> = { '21': '住院', '11': '门诊' };

export const STATUS_LABEL: Record<ClaimRow['status'], string> = {
  submitted: '待上传',
  applied: '已申请',
  accepted: '已受理',
  cleared: '已清算',
  withdrawing: '撤销中',
  withdrawn: '已撤销',
  refused: '被退回',
};


/** Where each clearing policy value is kept in settings (the settings screen writes them). */
export const CLAIM_POLICY_KEYS = {
  claimWindowEndDay: 'claim.windowEndDay',
  maxDeferralMonths: 'claim.maxDeferralMonths',
  reviewCutoffDay: 'claim.reviewCutoffDay',
  confirmationDay: 'claim.confirmationDay',
  directShareTarget: 'claim.directShareTarget',
} as const;

/** 003: the share of discharges settled directly the office aims at (percent), setting `claim.directShareTarget` (70). */
export function directShareTarget(db: Tx): number {
  const v = getSetting(db, CLAIM_POLICY_KEYS.directShareTarget);
  return v !== undefined && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? Number(v) : 70;
}

/** The policy values of DOMAIN §12 the claim uses: settings `claim.windowEndDay` (5) and `claim.maxDeferralMonths` (2). */
export function claimPolicy(db: Tx): ClaimPolicy & Required<Pick<ClaimCalendarPolicy, 'reviewCutoffDay' | 'confirmationDay'>> {
  const int = (key: string, fallback: number): number => {
    const v = getSetting(db, key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
  };
  return {
    claimWindowEndDay: int('claim.windowEndDay', CLAIM_POLICY_DEFAULTS.claimWindowEndDay),
    maxDeferralMonths: int('claim.maxDeferralMonths', CLAIM_POLICY_DEFAULTS.maxDeferralMonths),
    reviewCutoffDay: int('claim.reviewCutoffDay', CLAIM_POLICY_DEFAULTS.reviewCutoffDay),
    confirmationDay: int('claim.confirmationDay', CLAIM_POLICY_DEFAULTS.confirmationDay),
  };
}

/** The period a desk works on by default: the one whose window is this month (last month's). */
export function defaultPeriod(today: CalendarDate): string {
  return addPeriods(monthOf(today), -1);
}
