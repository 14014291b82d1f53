import { z } from 'zod';
import { InputError } from './errors.ts';

/**
 * Calendar dates are plain 'YYYY-MM-DD' strings in China Standard Time (UTC+8), never instants
 * (DOMAIN §3): every desk must compute the same window whatever the machine's time zone.
 */
export type CalendarDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CST_OFFSET_MS = 8 * 3600 * 1000;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

export function isValidYmd(y: number, m: number, d: number): boolean {
  return Number.isInteger(y) && y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

export function splitDate(date: CalendarDate): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new InputError('INVALID_DATE', `日期格式应为 YYYY-MM-DD：${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function formatYmd(y: number, m: number, d: number): CalendarDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Whether `value` is 'YYYY-MM-DD' naming a day that exists (2028-02-29 yes, 2026-02-29 and 2026-11-31 no). */
export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  return !!m && isValidYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** What a refused date is told, after the field's name: the value and the form expected. */
export function invalidDateText(value: string): string {
  const shown = value.length > 20 ? `${value.slice(0, 20)}…` : value;
  return DATE_RE.test(value)
    ? `${shown} 不是日历上存在的日期（该月没有这一天），应为 YYYY-MM-DD 格式的日期，例如 2026-02-28`
    : `${shown} 不是 YYYY-MM-DD 格式的日期，例如 2026-02-28`;
}

/** Parses and validates a calendar date; `field` names it in the Chinese error. */
export function parseDate(value: unknown, field = '日期'): CalendarDate {
  if (typeof value !== 'string') throw new InputError('INVALID_DATE', `${field} 应为 YYYY-MM-DD 格式的日期`, field);
  if (!isCalendarDate(value.trim())) throw new InputError('INVALID_DATE', `${field} ${invalidDateText(value)}`, field);
  return value.trim();
}

/**
 * THE date type of the API contract (shared/api/*) and the CLI: a 'YYYY-MM-DD' string naming a
 * real calendar day in China Standard Time (surrounding spaces trimmed). A wrong type says
 * "应为文本"; a day that does not exist (2026-02-30, 2026-11-31) is refused with the value; the
 * error translator (shared/zodErrors.ts) puts the field's Chinese name in front.
 */
export const calendarDate = z
  .string()
  .max(40)
  .transform((v, ctx): CalendarDate => {
    const t = v.trim();
    if (!isCalendarDate(t)) {
      ctx.addIssue({ code: 'custom', message: invalidDateText(v), params: { code: 'INVALID_DATE' } });
      return z.NEVER;
    }
    return t;
  });

/** Today's calendar date in China Standard Time. */
export function todayCST(now: Date = new Date()): CalendarDate {
  const t = new Date(now.getTime() + CST_OFFSET_MS);
  return formatYmd(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** 'YYYY-MM-DD HH:mm:ss' in China Standard Time (national DT format). */
export function dateTimeCST(now: Date = new Date()): string {
  const t = new Date(now.getTime() + CST_OFFSET_MS);
  return `${todayCST(now)} ${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}:${String(t.getUTCSeconds()).padStart(2, '0')}`;
}

/**
 * The one way an instant is shown to a clerk (issue 20 point 7): 'yyyy-MM-dd HH:mm', China
 * Standard Time, whatever the machine's zone or locale. '—' for none or an unreadable value.
 */
export function formatInstantCST(iso: string | null | undefined): string {
  if (!iso) return '—';
  // A national DT ('yyyy-MM-dd HH:mm:ss') is already China Standard Time.
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(iso)) return iso.slice(0, 16);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return dateTimeCST(d).slice(0, 16);
}

/** Same day N months later; a missing day clamps to the month's end (Aug 31 + 6 → Feb 28). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const [y, m, d] = splitDate(date);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return formatYmd(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

function toUtcDays(date: CalendarDate): number {
  const [y, m, d] = splitDate(date);
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const t = new Date((toUtcDays(date) + days) * 86_400_000);
  return formatYmd(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: CalendarDate, b: CalendarDate): number {
  return toUtcDays(b) - toUtcDays(a);
}

/**
 * The last valid day of an N-month window starting on `start`: `[start, addMonths(start, N))`
 * (DOMAIN §3 window arithmetic).
 */
export function windowLastDay(start: CalendarDate, months: number): CalendarDate {
  return addDays(addMonths(start, months), -1);
}

export function inWindow(date: CalendarDate, start: CalendarDate, lastDay: CalendarDate | null): boolean {
  return date >= start && (lastDay === null || date <= lastDay);
}

/** 'YYYY-MM' of a date. */
export function monthOf(date: CalendarDate): string {
  return date.slice(0, 7);
}

/** Adds months to a 'YYYY-MM' period. */
export function addPeriods(period: string, months: number): string {
  return addMonths(`${period}-01`, months).slice(0, 7);
}

/** Periods from a to b ('YYYY-MM'), b − a. */
export function periodsBetween(a: string, b: string): number {
  const [ay, am] = a.split('-').map(Number) as [number, number];
  const [by, bm] = b.split('-').map(Number) as [number, number];
  return (by * 12 + bm) - (ay * 12 + am);
}

/** Age in whole years on a given day (for the slip and the person card). */
export function ageOn(birthDate: CalendarDate, on: CalendarDate): number {
  const [by, bm, bd] = splitDate(birthDate);
  const [y, m, d] = splitDate(on);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
