import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, fromFen, parseAmount, storedFen, toText } from '../../shared/money.ts';

/** storedFen reads the stored amount form (toText) as integer fen for the claim's sums (claim.20k). */
describe('storedFen', () => {
  it('reads toText output exactly: negatives, zero, the largest amount parseAmount allows', () => {
    expect(storedFen('12.50')).toBe(1250);
    expect(storedFen('-12.50')).toBe(-1250);
    expect(storedFen('0.00')).toBe(0);
    expect(storedFen('-0.00')).toBe(-0);
    expect(storedFen('0.05')).toBe(5);
    expect(storedFen('-0.05')).toBe(-5);
    expect(storedFen('9999999999.99')).toBe(999_999_999_999);
    expect(storedFen('-9999999999.99')).toBe(-999_999_999_999);
  });

  it('refuses every other text (the claim then parses it with parseAmount, as before)', () => {
    for (const t of ['', '-', '.50', '-.50', '12', '12.5', '12.505', '012.50', '-00.50', ' 12.50', '12.50 ', '+12.50', '1a.50', '1.2.34', '--1.00', '1-2.00', '12,50', '10000000000.00', '1e3.00']) {
      expect(storedFen(t), t).toBeNull();
    }
  });

  it('agrees with parseAmount on every amount toText writes', () => {
    fc.assert(fc.property(fc.bigInt({ min: -999_999_999_999n, max: 999_999_999_999n }), (fen) => {
      const text = toText(fromFen(fen));
      const read = storedFen(text);
      expect(read).not.toBeNull();
      expect(new Decimal(read!).dividedBy(100).equals(parseAmount(text))).toBe(true);
    }), { numRuns: 2000 });
  });
});
