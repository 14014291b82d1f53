import { claimsOfPeriod, deductionsOfClaims, LIVE_CLAIM_STATUSES, type PeriodDeductionRow } from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import type { TableRefund } from '../../../shared/claimTables.ts';
import { addPeriods, type CalendarDate } from '../../../shared/dates.ts';
import { parseAmount } from '../../../shared/money.ts';
import { periodDeductions, type DeductionFact, type PeriodDeductions, type ReviewCutoffPolicy } from '../../../shared/reviewDisputes.ts';

/**
 * The review deductions stored here, fed to the rule of shared/reviewDisputes.ts (004 第五十条):
 * which of them count in a period's 审核扣款, and which earlier ones the period pays back.
 */

export type DeductionFactRow = Omit<PeriodDeductionRow, 'amount'> & DeductionFact;

/** The stored columns the rule reads. */
interface StoredDeduction {
  setlym: string;
  amount: string;
  status: 'received' | 'accepted' | 'disputed';
  agencyStatus: DeductionFact['agencyStatus'];
  decidedOn: string | null;
}

/** A stored deduction as the rule's fact, keeping its own columns. */
export function factOf<R extends StoredDeduction>(r: R): Omit<R, 'amount'> & DeductionFact {
  return { ...r, period: r.setlym, amount: parseAmount(r.amount), disputed: r.status === 'disputed' };
}

function liveClaimIds(db: Tx, period: string): number[] {
  return claimsOfPeriod(db, period).filter((c) => LIVE_CLAIM_STATUSES.includes(c.status)).map((c) => c.id);
}

/** The deductions of `period`'s live claims and of the period before, split as 004 第五十条 places them. */
export function deductionsCountingIn(db: Tx, period: string, today: CalendarDate, policy: ReviewCutoffPolicy): PeriodDeductions<DeductionFactRow> {
  const ids = [...liveClaimIds(db, period), ...liveClaimIds(db, addPeriods(period, -1))];
  return periodDeductions(period, deductionsOfClaims(db, ids).map(factOf), today, policy);
}

/** A claim line's key: the agency pays a refund into the next period's claim of the same scheme × scope. */
export function lineKey(insutype: string, scope: string): string {
  return `${insutype}|${scope}`;
}

/**
 * The refunds of a period as the tables draw them: those that have a claim (or preview line) of
 * their scheme × scope in the period to be paid with, as the agency pays them.
 */
export function tableRefunds(p: PeriodDeductions<DeductionFactRow>, lines: ReadonlySet<string>): TableRefund[] {
  return p.refunds.filter(({ item }) => lines.has(lineKey(item.insutype, item.scope))).map(({ item }) => ({
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
