import { claimsOfPeriod, deductionsOfClaims, LIVE_CLAIM_STATUSES, type PeriodDeductionRow } from '../../db/repos/claims.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import type { TableRefund } from '../../shared/claimTables.ts';
import { addPeriods, type CalendarDate } from '../../shared/dates.ts';
import { parseAmount } from '../../shared/money.ts';
import { decideDeduction, periodDeductions, type DeductionDecision, type DeductionFact, type PeriodDeductions, type ReviewCutoffPolicy } from '../../shared/reviewDisputes.ts';

/**
 * The review deductions stored here, fed to the rule of shared/reviewDisputes.ts (004 第五十条):
 * which of them count in a period's 审核扣款, and which earlier ones the period pays back.
 */

export type DeductionFactRow = Omit<PeriodDeductionRow, 'amount'> & DeductionFact;

export function factOf(r: PeriodDeductionRow): DeductionFactRow {
  return { ...r, period: r.setlym, amount: parseAmount(r.amount), disputed: r.status === 'disputed' };
}

export function decisionOf(r: PeriodDeductionRow, today: CalendarDate, policy: ReviewCutoffPolicy): DeductionDecision {
  return decideDeduction(factOf(r), today, policy);
}

function liveClaimIds(db: Tx, period: string): number[] {
  return claimsOfPeriod(db, period).filter((c) => LIVE_CLAIM_STATUSES.includes(c.status)).map((c) => c.id);
}

/** The deductions of `period`'s live claims and of the period before, split as 004 第五十条 places them. */
export function deductionsCountingIn(db: Tx, period: string, today: CalendarDate, policy: ReviewCutoffPolicy): PeriodDeductions<DeductionFactRow> {
  const ids = [...liveClaimIds(db, period), ...liveClaimIds(db, addPeriods(period, -1))];
  return periodDeductions(period, deductionsOfClaims(db, ids).map(factOf), today, policy);
}

/** The refunds of a period as the tables draw them. */
export function tableRefunds(p: PeriodDeductions<DeductionFactRow>): TableRefund[] {
  return p.refunds.map(({ item }) => ({
    ddnId: item.agencyId ?? String(item.id),
    fromPeriod: item.setlym,
    settlementId: item.settlementId === null ? null : String(item.settlementId),
    settledOn: item.settledOn ?? '',
    scheme: item.insutype,
    scope: item.scope,
    insuredRegion: item.insuplcAdmdvs ?? '',
    iptNo: item.iptNo ?? '',
    psnName: item.psnName ?? '',
    setlId: item.setlId,
    amount: item.amount,
  }));
}
