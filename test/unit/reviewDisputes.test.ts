import { describe, expect, it } from 'vitest';
import { Decimal, toText } from '../../shared/money.ts';
import { decideDeduction, periodDeductions, reviewCutoffOf, type DeductionFact } from '../../shared/reviewDisputes.ts';

const policy = { reviewCutoffDay: 20 };
const fact = (o: Partial<DeductionFact>): DeductionFact => ({ period: '2026-10', amount: new Decimal('100.00'), agencyStatus: 'issued', decidedOn: null, disputed: false, ...o });

describe('review disputes (004 第五十条)', () => {
  it('the cutoff is the 20th of the month after the period, December into January', () => {
    expect(reviewCutoffOf('2026-10', policy)).toBe('2026-11-20');
    expect(reviewCutoffOf('2026-12', policy)).toBe('2027-01-20');
    expect(reviewCutoffOf('2026-12', { reviewCutoffDay: 18 })).toBe('2027-01-18');
  });

  it('a revocation on the 20th enters the period; on the 21st it is refunded in the next; after the next cutoff the limit has passed', () => {
    expect(decideDeduction(fact({ agencyStatus: 'revoked', decidedOn: '2026-11-20', disputed: true }), '2026-11-20', policy)).toMatchObject({ outcome: 'revoked', deductedInOwn: false, refundIn: null });
    const late = decideDeduction(fact({ agencyStatus: 'revoked', decidedOn: '2026-11-21', disputed: true }), '2026-11-21', policy);
    expect(late).toMatchObject({ outcome: 'refundNext', deductedInOwn: true, refundIn: '2026-11' });
    expect(late.label).toContain('004 第五十条');
    expect(decideDeduction(fact({ agencyStatus: 'revoked', decidedOn: '2026-12-20', disputed: true }), '2026-12-20', policy)).toMatchObject({ outcome: 'refundNext', refundIn: '2026-11' });
    expect(decideDeduction(fact({ agencyStatus: 'revoked', decidedOn: '2026-12-21', disputed: true }), '2026-12-21', policy)).toMatchObject({ outcome: 'expired', deductedInOwn: true, refundIn: null });
    // December's period: the next is January of the next year.
    expect(decideDeduction(fact({ period: '2026-12', agencyStatus: 'revoked', decidedOn: '2027-01-21', disputed: true }), '2027-01-22', policy)).toMatchObject({ outcome: 'refundNext', refundIn: '2027-01' });
  });

  it('an open dispute: deducted for now, carried after the cutoff, expired after the next one; undisputed and upheld deductions stand', () => {
    const open = fact({ disputed: true });
    expect(decideDeduction(open, '2026-11-20', policy).outcome).toBe('open');
    expect(decideDeduction(open, '2026-11-21', policy).outcome).toBe('carried');
    expect(decideDeduction(open, '2026-12-20', policy).outcome).toBe('carried');
    expect(decideDeduction(open, '2026-12-21', policy).outcome).toBe('expired');
    for (const day of ['2026-11-20', '2026-11-21', '2026-12-21']) expect(decideDeduction(open, day, policy).deductedInOwn).toBe(true);
    expect(decideDeduction(fact({}), '2027-03-01', policy)).toMatchObject({ outcome: 'stands', deductedInOwn: true });
    expect(decideDeduction(fact({ agencyStatus: 'upheld', decidedOn: '2026-11-19', disputed: true }), '2026-11-21', policy)).toMatchObject({ outcome: 'stands', deductedInOwn: true, refundIn: null });
  });

  it("a period's 审核扣款: its own deductions that stand, less the period before's agreed late", () => {
    const facts = [
      fact({ period: '2026-11', amount: new Decimal('10.00') }),
      fact({ period: '2026-11', amount: new Decimal('20.00'), agencyStatus: 'revoked', decidedOn: '2026-12-05', disputed: true }),
      fact({ period: '2026-10', amount: new Decimal('30.00'), agencyStatus: 'revoked', decidedOn: '2026-11-25', disputed: true }),
      fact({ period: '2026-10', amount: new Decimal('40.00'), agencyStatus: 'revoked', decidedOn: '2026-11-02', disputed: true }),
      fact({ period: '2026-10', amount: new Decimal('50.00') }),
    ];
    const nov = periodDeductions('2026-11', facts, '2026-12-10', policy);
    expect([toText(nov.ownTotal), toText(nov.refundTotal), toText(nov.net)]).toEqual(['10.00', '30.00', '-20.00']);
    const oct = periodDeductions('2026-10', facts, '2026-12-10', policy);
    expect([toText(oct.ownTotal), toText(oct.refundTotal)]).toEqual(['80.00', '0.00']);
    expect(periodDeductions('2026-09', facts, '2026-12-10', policy).own).toEqual([]);
  });
});
