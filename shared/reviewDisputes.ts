import { addPeriods } from './dates.ts';
import type { CalendarDate } from './dates.ts';
import { ZERO } from './money.ts';
import type { Decimal } from './money.ts';

/**
 * Which clearing period a review deduction (审核扣款) and the answer to a dispute land in
 * (004 第五十条): the agency reviews a period's claim until the 20th of the month after it; a
 * deduction counts in that period's clearing. A dispute agreed by that 20th enters the same
 * period; one not agreed by then is carried into the next period's clearing at the latest.
 * Pure, so the desk's tables, its screens and the reference agency's payment agree to the fen.
 */

export const DISPUTE_RULE = '004 第五十条';

/** What the agency said of a deduction: still standing, withdrawn (agreed with the hospital), or kept after a dispute. */
export type AgencyDeductionStatus = 'issued' | 'revoked' | 'upheld';

export interface DeductionFact {
  /** The clearing period of the claim it was made on ('YYYY-MM'). */
  period: string;
  amount: Decimal;
  agencyStatus: AgencyDeductionStatus;
  /** The day the agency revoked or upheld it (null while issued; a revocation without a date counts as timely). */
  decidedOn: CalendarDate | null;
  /** The office disputed it (3291 dispute). */
  disputed: boolean;
}

export type DeductionOutcome =
  /** Deducted in its own period: accepted, not disputed, or upheld. */
  | 'stands'
  /** Revoked by its period's review cutoff: not deducted at all. */
  | 'revoked'
  /** Disputed, before the cutoff: deducted for now, an agreement by the cutoff still enters this period. */
  | 'open'
  /** Disputed and not agreed by the cutoff: deducted in its period, the agreement enters the next one. */
  | 'carried'
  /** Revoked after its period's cutoff, by the next one's: deducted in its period, refunded in the next. */
  | 'refundNext'
  /** Not agreed by the next period's cutoff either: the limit has passed, the deduction stands. */
  | 'expired';

export interface DeductionDecision {
  outcome: DeductionOutcome;
  /** Counted as 审核扣款 in its own period's tables. */
  deductedInOwn: boolean;
  /** The later period whose tables pay it back (refundNext), else null. */
  refundIn: string | null;
  /** For the clerk, with the rule's source. */
  label: string;
}

export interface ReviewCutoffPolicy {
  /** Day of the month after a period by which its review and agreed disputes are done (004 第五十条: 20). */
  reviewCutoffDay: number;
}

/** The review cutoff of a period: day `reviewCutoffDay` of the month after it. */
export function reviewCutoffOf(period: string, policy: ReviewCutoffPolicy): CalendarDate {
  return `${addPeriods(period, 1)}-${String(policy.reviewCutoffDay).padStart(2, '0')}`;
}

/** The fate of one deduction as of `today` (004 第五十条). */
export function decideDeduction(d: DeductionFact, today: CalendarDate, policy: ReviewCutoffPolicy): DeductionDecision {
  const cutoff = reviewCutoffOf(d.period, policy);
  const next = addPeriods(d.period, 1);
  const nextCutoff = reviewCutoffOf(next, policy);
  if (d.agencyStatus === 'revoked') {
    if (d.decidedOn === null || d.decidedOn <= cutoff) {
      return { outcome: 'revoked', deductedInOwn: false, refundIn: null, label: `经办机构已撤销扣款（${cutoff} 前达成一致，纳入本期清算，${DISPUTE_RULE}）` };
    }
    if (d.decidedOn <= nextCutoff) {
      return { outcome: 'refundNext', deductedInOwn: true, refundIn: next, label: `经办机构于 ${d.decidedOn} 撤销扣款（晚于 ${cutoff}），在 ${next} 期清算中退还（${DISPUTE_RULE}）` };
    }
    return { outcome: 'expired', deductedInOwn: true, refundIn: null, label: `经办机构于 ${d.decidedOn} 撤销扣款，已超过最长延至 ${next} 期的期限（${nextCutoff}），不再纳入清算，须与经办机构另行处理（${DISPUTE_RULE}）` };
  }
  if (d.agencyStatus === 'upheld') {
    return { outcome: 'stands', deductedInOwn: true, refundIn: null, label: `经办机构维持扣款${d.decidedOn ? `（${d.decidedOn}）` : ''}` };
  }
  if (!d.disputed) return { outcome: 'stands', deductedInOwn: true, refundIn: null, label: '扣款纳入本期清算' };
  if (today <= cutoff) {
    return { outcome: 'open', deductedInOwn: true, refundIn: null, label: `异议待达成一致：${cutoff} 前达成一致的纳入本期清算，否则最长延至 ${next} 期（${DISPUTE_RULE}）` };
  }
  if (today <= nextCutoff) {
    return { outcome: 'carried', deductedInOwn: true, refundIn: null, label: `异议未在 ${cutoff} 前达成一致，延至 ${next} 期：须在 ${nextCutoff} 前达成一致（${DISPUTE_RULE}）` };
  }
  return { outcome: 'expired', deductedInOwn: true, refundIn: null, label: `异议未在 ${nextCutoff} 前达成一致，已超过最长延至 ${next} 期的期限，扣款维持（${DISPUTE_RULE}）` };
}

/** How the deductions touch one period's clearing. */
export interface PeriodDeductions<T> {
  /** Deductions of the period's own claims that count (their sum is the period's own 审核扣款). */
  own: { item: T; decision: DeductionDecision }[];
  /** Deductions of the period before, revoked after its cutoff: paid back in this period (negative 审核扣款). */
  refunds: { item: T; decision: DeductionDecision }[];
  ownTotal: Decimal;
  refundTotal: Decimal;
  /** ownTotal − refundTotal: the 审核扣款 the hospital table shows for the period. */
  net: Decimal;
}

/**
 * Splits the deductions of `period`'s claims and of the period before into what counts in
 * `period`: its own deductions that stand, less the earlier ones agreed too late for their own
 * period (004 第五十条 "尚未达成一致的，最长延期纳入下一期费用清算").
 */
export function periodDeductions<T extends DeductionFact>(period: string, facts: readonly T[], today: CalendarDate, policy: ReviewCutoffPolicy): PeriodDeductions<T> {
  const own: { item: T; decision: DeductionDecision }[] = [];
  const refunds: { item: T; decision: DeductionDecision }[] = [];
  let ownTotal = ZERO;
  let refundTotal = ZERO;
  for (const item of facts) {
    const decision = decideDeduction(item, today, policy);
    if (item.period === period && decision.deductedInOwn) {
      own.push({ item, decision });
      ownTotal = ownTotal.plus(item.amount);
    } else if (decision.refundIn === period) {
      refunds.push({ item, decision });
      refundTotal = refundTotal.plus(item.amount);
    }
  }
  return { own, refunds, ownTotal, refundTotal, net: ownTotal.minus(refundTotal) };
}
