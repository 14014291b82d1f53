import DecimalBase from 'decimal.js';
import { InputError } from './errors.ts';

/**
 * The one money type of the project. Every yuan amount is a Decimal from this clone, so no
 * configuration elsewhere can change how we round. Rounding is half-up (away from zero for
 * negative refund lines) to the fen — the rule stated in ARCHITECTURE.md and DOMAIN.md §6.
 */
export const Decimal = DecimalBase.clone({ precision: 40, rounding: DecimalBase.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 30 });
export type Decimal = DecimalBase;

export const ZERO: Decimal = new Decimal(0);
const LIMIT = new Decimal('1e10');
const AMOUNT_RE = /^-?\d+(\.\d{1,2})?$/;
const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

function textOf(value: unknown, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError('INVALID_AMOUNT', `${field} 不是有限数值`, field);
    // JSON numbers from an agency arrive as binary floats; their shortest text is what was sent.
    return String(value);
  }
  if (typeof value !== 'string') throw new InputError('INVALID_AMOUNT', `${field} 应为金额文本`, field);
  return value.trim();
}

/** Parses a yuan amount: at most 2 decimals, finite, |x| < 1e10. */
export function parseAmount(value: unknown, field = '金额'): Decimal {
  const text = textOf(value, field);
  if (!AMOUNT_RE.test(text)) {
    if (DECIMAL_RE.test(text)) throw new InputError('INVALID_AMOUNT', `${field} 最多两位小数：${text}`, field);
    throw new InputError('INVALID_AMOUNT', `${field} 不是有效金额：${text === '' ? '(空)' : text}`, field);
  }
  // |x| < 1e10 read off the text (at most 10 integer digits after leading zeros): the same test
  // as abs().gte(LIMIT) without two more Decimals per amount (claim.20k parses 40,000 of them).
  if (integerDigits(text) > 10) throw new InputError('INVALID_AMOUNT', `${field} 超出允许范围（不得达到 1e10 元）：${text}`, field);
  return new Decimal(text);
}

/** Digits of the integer part of a text matching AMOUNT_RE, leading zeros not counted. */
function integerDigits(text: string): number {
  let start = text.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const dot = text.indexOf('.');
  const end = dot === -1 ? text.length : dot;
  while (start < end - 1 && text.charCodeAt(start) === 48) start++; // '0'
  return end - start;
}

/** Parses a non-amount decimal (quantity, price with more precision, ratio). */
export function parseDecimal(value: unknown, field = '数值'): Decimal {
  const text = textOf(value, field);
  if (!DECIMAL_RE.test(text)) throw new InputError('INVALID_NUMBER', `${field} 不是有效数值：${text === '' ? '(空)' : text}`, field);
  const d = new Decimal(text);
  if (d.abs().gte(LIMIT)) throw new InputError('INVALID_NUMBER', `${field} 超出允许范围：${text}`, field);
  return d;
}

/** A ratio between 0 and 1 inclusive. */
export function parseRatio(value: unknown, field = '比例'): Decimal {
  const d = parseDecimal(value, field);
  if (d.lt(0) || d.gt(1)) throw new InputError('INVALID_RATIO', `${field} 应在 0 与 1 之间：${d.toString()}`, field);
  return d;
}

/** Half-up to the fen. */
export function round2(d: Decimal): Decimal {
  return d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

export function add(...values: Decimal[]): Decimal {
  return values.reduce<Decimal>((acc, v) => acc.plus(v), ZERO);
}

export function sum(values: Iterable<Decimal>): Decimal {
  let acc: Decimal = ZERO;
  for (const v of values) acc = acc.plus(v);
  return acc;
}

/** amount × ratio, rounded half-up to the fen. */
export function mulRatio(amount: Decimal, ratio: Decimal): Decimal {
  return round2(amount.times(ratio));
}

export function min(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

export function max(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

/** Exact text with two decimals, the storage and wire form ("1234.50"). */
export function toText(d: Decimal): string {
  return round2(d).toFixed(2);
}

/** Grouped display form for screens and slips ("1,234.50"). */
export function formatYuan(d: Decimal): string {
  const [intPart, frac] = round2(d).abs().toFixed(2).split('.') as [string, string];
  const grouped = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${d.isNegative() && !round2(d).isZero() ? '-' : ''}${grouped}.${frac}`;
}

/** Integer fen, for compact storage and sums in SQL. Throws if not a whole number of fen. */
export function toFen(d: Decimal): number {
  const fen = d.times(100);
  if (!fen.isInteger()) throw new InputError('INVALID_AMOUNT', `金额不是整分：${d.toString()}`);
  return fen.toNumber();
}

export function fromFen(fen: number | bigint): Decimal {
  return new Decimal(fen.toString()).dividedBy(100);
}

/**
 * The integer fen of an amount in the form it is stored in (toText: `-?digits.dd`, no leading
 * zero, at most 10 integer digits as parseAmount allows, so |fen| < 1e12), or null for any other
 * text. Exact without a Decimal: the claim of a month sums 80,000 of them (claim.20k).
 */
export function storedFen(text: string): number | null {
  const n = text.length;
  const negative = text.charCodeAt(0) === 45; // '-'
  const start = negative ? 1 : 0;
  const digits = n - 3 - start;
  if (digits < 1 || digits > 10 || text.charCodeAt(n - 3) !== 46) return null; // '.'
  if (digits > 1 && text.charCodeAt(start) === 48) return null; // a leading '0'
  let fen = 0;
  for (let i = start; i < n; i++) {
    if (i === n - 3) continue;
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    fen = fen * 10 + d;
  }
  return negative ? -fen : fen;
}
