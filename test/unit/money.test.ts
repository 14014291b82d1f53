import DecimalBase from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Decimal,
  ZERO,
  add,
  formatYuan,
  fromFen,
  max,
  min,
  mulRatio,
  parseAmount,
  parseDecimal,
  parseRatio,
  round2,
  sum,
  toFen,
  toText,
} from '../../shared/money.ts';
import { inputError } from '../support/inputError.ts';

const D = (s: string): Decimal => new Decimal(s);


describe('parseAmount', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ["''", ''],
    ["'   '", '   '],
    ["'abc'", 'abc'],
    ["'-abc'", '-abc'],
    ["'1.234'", '1.234'],
    ["'-1.234'", '-1.234'],
    ["'1e3'", '1e3'],
    ["'-1e3'", '-1e3'],
    ["'NaN'", 'NaN'],
    ["'Infinity'", 'Infinity'],
    ["'1e10' text", '1e10'],
    ['1e10', 1e10],
    ['-1e10', -1e10],
    ["'10000000000'", '10000000000'],
    ["'-10000000000'", '-10000000000'],
    ["'10000000000.00'", '10000000000.00'],
    ["'-0010000000000.5' (leading zeros do not hide the 11th digit)", '-0010000000000.5'],
    ['1e11', 1e11],
    ['-1e15', -1e15],
    ['1e21 (printed as 1e+21)', 1e21],
    ['1.234 (number)', 1.234],
    ['0.1 + 0.2 (number, 0.30000000000000004)', 0.1 + 0.2],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['an object', { amount: '1.00' }],
  ])('rejects %s with INVALID_AMOUNT', (_label, value) => {
    const e = inputError(() => parseAmount(value));
    expect(e.code).toBe('INVALID_AMOUNT');
    expect(e.message).not.toBe('');
  });

  it('names the field in the message and the path', () => {
    const e = inputError(() => parseAmount('abc', 'fees[0].amount'));
    expect(e.path).toBe('fees[0].amount');
    expect(e.message).toContain('fees[0].amount');
    expect(e.toJSON()).toEqual({ error: 'INVALID_AMOUNT', message: e.message, path: 'fees[0].amount' });
  });

  it.each([
    ['0', '0'],
    ['-12.5', '-12.5'],
    ['12.50', '12.5'],
    ['  12.50  ', '12.5'],
    ['\t-3.1\n', '-3.1'],
    ['9999999999.99', '9999999999.99'],
    ['-9999999999.99', '-9999999999.99'],
    ['0.01', '0.01'],
    ['007.10', '7.1'],
    ['0009999999999.99', '9999999999.99'],
    ['-00.01', '-0.01'],
    ['000', '0'],
  ])('accepts the text %j', (text, expected) => {
    expect(parseAmount(text).eq(D(expected))).toBe(true);
  });

  it.each([
    [12.5, '12.5'],
    [0, '0'],
    [-12.5, '-12.5'],
    [125, '125'],
    [0.1, '0.1'],
    [-1307.01, '-1307.01'],
    [9999999999.99, '9999999999.99'],
  ])('accepts the number %s as its shortest text', (value, expected) => {
    const d = parseAmount(value);
    expect(d.eq(D(expected))).toBe(true);
    expect(d.toString()).toBe(expected);
  });

  it('returns a Decimal of the project clone', () => {
    expect(parseAmount('1.00')).toBeInstanceOf(Decimal);
  });
});

describe('parseDecimal', () => {
  it('accepts more than two decimals (quantities, prices, ratios)', () => {
    expect(parseDecimal('0.0125').eq(D('0.0125'))).toBe(true);
    expect(parseDecimal(' 3 ').eq(D('3'))).toBe(true);
    expect(parseDecimal(2.5).eq(D('2.5'))).toBe(true);
  });

  it.each([[''], ['abc'], ['1e3'], [Number.NaN], [Number.POSITIVE_INFINITY], ['1e10'], [1e10], [null]])('rejects %j', (value) => {
    const e = inputError(() => parseDecimal(value));
    expect(['INVALID_NUMBER', 'INVALID_AMOUNT']).toContain(e.code);
  });
});

describe('parseRatio', () => {
  it.each([['0'], ['1'], ['0.5'], ['0.85'], ['1.00'], ['0.000001'], [0], [1], [0.9]])('accepts %j', (value) => {
    const r = parseRatio(value);
    expect(r.gte(0) && r.lte(1)).toBe(true);
  });

  it.each([['-0.01'], ['1.01'], ['1.0000001'], ['2'], [-0.1], [1.5]])('rejects %j as INVALID_RATIO', (value) => {
    expect(inputError(() => parseRatio(value, 'policy.ratio')).code).toBe('INVALID_RATIO');
  });

  it('rejects non-numbers as INVALID_NUMBER', () => {
    expect(inputError(() => parseRatio('abc')).code).toBe('INVALID_NUMBER');
    expect(inputError(() => parseRatio('')).code).toBe('INVALID_NUMBER');
  });

  it('names the field of a ratio out of bounds', () => {
    const e = inputError(() => parseRatio('1.5', 'policy.civilServantRatio'));
    expect(e.path).toBe('policy.civilServantRatio');
    expect(e.message).toContain('policy.civilServantRatio');
  });

  it('accepts a signed zero ratio ("-0", "-0.00" equal 0, inside [0, 1])', () => {
    expect(parseRatio('-0').isZero()).toBe(true);
    expect(parseRatio('-0.00').isZero()).toBe(true);
  });
});

describe('round2 (half-up to the fen, away from zero for negatives)', () => {
  it.each([
    ['0.005', '0.01'],
    ['-0.005', '-0.01'],
    ['0.004', '0'],
    ['-0.004', '0'],
    ['0.0049999999', '0'],
    ['1.005', '1.01'],
    ['-1.005', '-1.01'],
    ['2.675', '2.68'],
    ['-2.675', '-2.68'],
    ['0.015', '0.02'],
    ['0.025', '0.03'],
    ['12.345', '12.35'],
    ['12.344999', '12.34'],
    ['99.995', '100'],
    ['-99.995', '-100'],
    ['12.5', '12.5'],
  ])('%s → %s', (input, expected) => {
    expect(round2(D(input)).eq(D(expected))).toBe(true);
  });

  it('is not affected by the global decimal.js configuration', () => {
    const saved = { rounding: DecimalBase.rounding, precision: DecimalBase.precision };
    try {
      DecimalBase.set({ rounding: DecimalBase.ROUND_DOWN, precision: 5 });
      expect(toText(D('0.005'))).toBe('0.01');
      expect(toText(D('-0.005'))).toBe('-0.01');
      expect(fromFen(123456789012).toString()).toBe('1234567890.12');
      expect(add(D('1234567.11'), D('0.01')).toString()).toBe('1234567.12');
    } finally {
      DecimalBase.set(saved);
    }
  });
});

describe('add and sum', () => {
  it('0.1 + 0.2 is exactly 0.3', () => {
    const r = add(parseAmount('0.1'), parseAmount('0.2'));
    expect(r.eq(D('0.3'))).toBe(true);
    expect(r.toString()).toBe('0.3');
    expect(toText(r)).toBe('0.30');
    expect(sum([parseAmount('0.1'), parseAmount('0.2')]).toString()).toBe('0.3');
  });

  it('adds nothing to zero', () => {
    expect(add().isZero()).toBe(true);
    expect(sum([]).isZero()).toBe(true);
    expect(ZERO.isZero()).toBe(true);
  });

  it('adds many values, including negatives', () => {
    expect(add(D('100.00'), D('-30.25'), D('0.25'), D('-70')).isZero()).toBe(true);
    expect(toText(add(D('1307.01'), D('-1307.01')))).toBe('0.00');
  });

  it('sum takes any iterable, including a generator', () => {
    function* gen(): Generator<Decimal> {
      for (let i = 0; i < 10; i++) yield D('0.1');
    }
    expect(sum(gen()).eq(D('1'))).toBe(true);
  });

  it('summing 10,000 random fen amounts equals the integer fen sum (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -99_999_999, max: 99_999_999 }), { minLength: 10_000, maxLength: 10_000 }), (fens) => {
        const expected = fens.reduce((a, b) => a + b, 0);
        const total = sum(fens.map((f) => fromFen(f)));
        // `===` rather than toBe: a zero total may come back as -0, which is still zero fen.
        expect(toFen(total) === expected).toBe(true);
        expect(total.eq(fromFen(expected))).toBe(true);
        expect(add(...fens.map((f) => fromFen(f))).eq(total)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('summing amounts parsed from text is exact where floats are not (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 999_999 }), { minLength: 1, maxLength: 200 }), (fens) => {
        const texts = fens.map((f) => `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`);
        const total = sum(texts.map((t) => parseAmount(t)));
        expect(toFen(total)).toBe(fens.reduce((a, b) => a + b, 0));
      }),
      { numRuns: 200 },
    );
  });
});

describe('mulRatio', () => {
  it.each([
    ['125.00', '0.10', '12.50'],
    ['100.00', '0.855', '85.50'],
    ['0.01', '0.5', '0.01'],
    ['-0.01', '0.5', '-0.01'],
    ['0.03', '0.5', '0.02'],
    ['-0.03', '0.5', '-0.02'],
    ['33.33', '0.3333', '11.11'],
    ['10000.00', '0.80', '8000.00'],
    ['1234.56', '0', '0.00'],
    ['1234.56', '1', '1234.56'],
    ['0.10', '0.05', '0.01'],
    ['0.10', '0.04', '0.00'],
    ['-2039.39', '0.85', '-1733.48'],
  ])('%s × %s → %s', (amount, ratio, expected) => {
    const r = mulRatio(D(amount), D(ratio));
    expect(toText(r)).toBe(expected);
    expect(r.decimalPlaces()).toBeLessThanOrEqual(2);
  });

  it('always has at most two decimals and is within half a fen of the exact product (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -99_999_999, max: 99_999_999 }), fc.integer({ min: 0, max: 10_000 }), (fen, bp) => {
        const amount = fromFen(fen);
        const ratio = new Decimal(bp).dividedBy(10_000);
        const r = mulRatio(amount, ratio);
        expect(r.decimalPlaces()).toBeLessThanOrEqual(2);
        expect(r.minus(amount.times(ratio)).abs().lte(D('0.005'))).toBe(true);
        // Half-up away from zero: the result for −x is the negation of the result for x.
        expect(mulRatio(amount.negated(), ratio).eq(r.negated())).toBe(true);
      }),
    );
  });
});

describe('min and max', () => {
  it('pick the smaller and the larger', () => {
    expect(min(D('1.00'), D('2.00')).eq(D('1'))).toBe(true);
    expect(max(D('1.00'), D('2.00')).eq(D('2'))).toBe(true);
    expect(min(D('-1'), D('0')).eq(D('-1'))).toBe(true);
    expect(max(D('-1'), D('0')).eq(D('0'))).toBe(true);
    expect(min(D('5'), D('5.00')).eq(D('5'))).toBe(true);
  });
});

describe('toText', () => {
  it.each([
    ['1234.5', '1234.50'],
    ['0', '0.00'],
    ['-0', '0.00'],
    ['-0.001', '0.00'],
    ['-0.004', '0.00'],
    ['0.005', '0.01'],
    ['-0.005', '-0.01'],
    ['12', '12.00'],
    ['-1307.01', '-1307.01'],
    ['9999999999.99', '9999999999.99'],
    ['1234567.891', '1234567.89'],
    ['1234567.895', '1234567.90'],
    ['0.0000001', '0.00'],
  ])('%s → %s', (input, expected) => {
    expect(toText(D(input))).toBe(expected);
  });

  it('never uses exponent notation for large amounts', () => {
    expect(toText(D('123456789012345678901234.5'))).toBe('123456789012345678901234.50');
  });

  it('does not print a negative zero for a zero result of negative amounts', () => {
    expect(toText(mulRatio(D('-125.00'), D('0')))).toBe('0.00');
    expect(toText(parseAmount('-0.00'))).toBe('0.00');
  });

  it('round-trips through parseAmount (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }), (fen) => {
        const text = toText(fromFen(fen));
        expect(text).toMatch(/^-?\d+\.\d{2}$/);
        expect(toFen(parseAmount(text))).toBe(fen);
      }),
    );
  });
});

describe('formatYuan', () => {
  it.each([
    ['1234.5', '1,234.50'],
    ['0', '0.00'],
    ['-1234.5', '-1,234.50'],
    ['1234567.89', '1,234,567.89'],
    ['-1234567.89', '-1,234,567.89'],
    ['999', '999.00'],
    ['1000', '1,000.00'],
    ['-999.99', '-999.99'],
    ['999.995', '1,000.00'],
    ['-999.995', '-1,000.00'],
    ['0.005', '0.01'],
    ['-0.005', '-0.01'],
    ['-0.004', '0.00'],
    ['-0', '0.00'],
    ['100000', '100,000.00'],
    ['9999999999.99', '9,999,999,999.99'],
  ])('%s → %s', (input, expected) => {
    expect(formatYuan(D(input))).toBe(expected);
  });

  it('is toText with thousands separators (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }), (fen) => {
        const d = fromFen(fen);
        expect(formatYuan(d).replaceAll(',', '')).toBe(toText(d));
        expect(formatYuan(d)).toMatch(/^-?\d{1,3}(,\d{3})*\.\d{2}$/);
      }),
    );
  });
});

describe('toFen and fromFen', () => {
  it('convert known values', () => {
    expect(toFen(D('1234.50'))).toBe(123450);
    expect(toFen(D('-0.01'))).toBe(-1);
    expect(toFen(D('0.10'))).toBe(10);
    expect(toFen(D('9999999999.99'))).toBe(999999999999);
    expect(fromFen(123450).toString()).toBe('1234.5');
    expect(fromFen(-1).toString()).toBe('-0.01');
    expect(fromFen(123450n).eq(D('1234.50'))).toBe(true);
    expect(fromFen(-999999999999n).eq(D('-9999999999.99'))).toBe(true);
    expect(fromFen(0).isZero()).toBe(true);
  });

  it.each([['0.001'], ['1.005'], ['-0.005'], ['12.345'], ['0.0000001']])('toFen rejects %s (a fraction of a fen)', (input) => {
    expect(inputError(() => toFen(D(input))).code).toBe('INVALID_AMOUNT');
  });

  it('fen → yuan → fen is the identity (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (fen) => {
        expect(toFen(fromFen(fen))).toBe(fen);
      }),
    );
  });

  it('fen → yuan → fen is the identity for bigint (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (fen) => {
        expect(toFen(fromFen(fen))).toBe(Number(fen));
      }),
    );
  });

  it('yuan → fen → yuan is the identity for two-decimal amounts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999, max: 999_999_999_999 }), (n) => {
        const d = new Decimal(n).dividedBy(100);
        expect(fromFen(toFen(d)).eq(d)).toBe(true);
      }),
    );
  });
});
