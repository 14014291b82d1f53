// Over 400 lines: every calendar rule of shared/dates.ts with its property tests, one describe per function.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  addDays,
  formatInstantCST,
  addMonths,
  addPeriods,
  ageOn,
  calendarDate,
  dateTimeCST,
  daysBetween,
  daysInMonth,
  formatYmd,
  inWindow,
  isCalendarDate,
  isLeapYear,
  isValidYmd,
  monthOf,
  parseDate,
  periodsBetween,
  splitDate,
  todayCST,
  windowLastDay,
} from '../../shared/dates.ts';
import { zodInputError } from '../../shared/zodErrors.ts';
import { inputError } from '../support/inputError.ts';


/** Any calendar date from 1901 to 2099, built independently of the module. */
const anyDate = fc.integer({ min: Date.UTC(1901, 0, 1) / 86_400_000, max: Date.UTC(2099, 11, 31) / 86_400_000 }).map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

describe('isLeapYear, daysInMonth, isValidYmd', () => {
  it('follows the Gregorian rules', () => {
    expect(isLeapYear(1900)).toBe(false);
    expect(isLeapYear(2000)).toBe(true);
    expect(isLeapYear(2024)).toBe(true);
    expect(isLeapYear(2026)).toBe(false);
    expect(isLeapYear(2028)).toBe(true);
    expect(isLeapYear(2100)).toBe(false);
  });

  it('gives the length of each month', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2026, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2028, 2)).toBe(29);
    expect(daysInMonth(2026, 0)).toBe(0);
    expect(daysInMonth(2026, 13)).toBe(0);
  });

  it('validates year, month and day', () => {
    expect(isValidYmd(2028, 2, 29)).toBe(true);
    expect(isValidYmd(2026, 2, 29)).toBe(false);
    expect(isValidYmd(2026, 4, 31)).toBe(false);
    expect(isValidYmd(2026, 0, 1)).toBe(false);
    expect(isValidYmd(2026, 13, 1)).toBe(false);
    expect(isValidYmd(2026, 1, 0)).toBe(false);
    expect(isValidYmd(0, 1, 1)).toBe(false);
    expect(isValidYmd(2026.5, 1, 1)).toBe(false);
  });
});

describe('addMonths (same day N months later, clamped to the month end)', () => {
  it.each([
    ['2026-08-31', 6, '2027-02-28'],
    ['2027-08-31', 6, '2028-02-29'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-01-30', 1, '2026-02-28'],
    ['2026-01-28', 1, '2026-02-28'],
    ['2026-03-10', 12, '2027-03-10'],
    ['2025-11-01', 12, '2026-11-01'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-07-31', 6, '2027-01-31'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2028-02-29', 48, '2032-02-29'],
    ['2026-03-10', 0, '2026-03-10'],
    ['2026-03-10', 3, '2026-06-10'],
    ['2026-03-10', 24, '2028-03-10'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-01-15', -1, '2025-12-15'],
    ['2027-03-31', -13, '2026-02-28'],
  ])('%s + %i → %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('rejects a date that is not YYYY-MM-DD', () => {
    expect(inputError(() => addMonths('2026-3-1', 1)).code).toBe('INVALID_DATE');
  });

  it('never overflows into the following month (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -120, max: 120 }), (date, n) => {
        const r = addMonths(date, n);
        const [y, m, d] = splitDate(date);
        const [ry, rm, rd] = splitDate(r);
        expect((ry * 12 + rm) - (y * 12 + m)).toBe(n);
        expect(rd).toBe(Math.min(d, daysInMonth(ry, rm)));
        expect(isValidYmd(ry, rm, rd)).toBe(true);
      }),
    );
  });
});

describe('windowLastDay (DOMAIN §3 window arithmetic)', () => {
  it.each([
    ['2026-08-31', 6, '2027-02-27'],
    ['2026-03-10', 12, '2027-03-09'],
    ['2025-11-01', 12, '2026-10-31'],
    ['2026-01-01', 3, '2026-03-31'],
    ['2025-12-01', 3, '2026-02-28'],
    ['2027-12-01', 3, '2028-02-29'],
    ['2027-11-30', 3, '2028-02-28'],
    ['2026-01-31', 1, '2026-02-27'],
    ['2026-03-01', 12, '2027-02-28'],
    ['2027-03-01', 12, '2028-02-29'],
    ['2026-12-15', 6, '2027-06-14'],
  ])('%s, %i months → last day %s', (start, months, expected) => {
    expect(windowLastDay(start, months)).toBe(expected);
  });

  it('is the day before addMonths (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 60 }), (start, n) => {
        const last = windowLastDay(start, n);
        expect(addDays(last, 1)).toBe(addMonths(start, n));
        expect(last >= start).toBe(true);
      }),
    );
  });
});

describe('inWindow', () => {
  it('includes the start and the last day, excludes outside', () => {
    expect(inWindow('2026-08-31', '2026-08-31', '2027-02-27')).toBe(true);
    expect(inWindow('2027-02-27', '2026-08-31', '2027-02-27')).toBe(true);
    expect(inWindow('2027-02-28', '2026-08-31', '2027-02-27')).toBe(false);
    expect(inWindow('2026-08-30', '2026-08-31', '2027-02-27')).toBe(false);
  });

  it('an open-ended window has no last day', () => {
    expect(inWindow('2099-12-31', '2026-08-31', null)).toBe(true);
    expect(inWindow('2026-08-30', '2026-08-31', null)).toBe(false);
  });
});

describe('addDays and daysBetween', () => {
  it.each([
    ['2026-12-31', 1, '2027-01-01'],
    ['2027-01-01', -1, '2026-12-31'],
    ['2026-12-25', 10, '2027-01-04'],
    ['2026-12-31', 366, '2028-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2028-02-29', 1, '2028-03-01'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-03-10', 0, '2026-03-10'],
    ['2026-01-01', 365, '2027-01-01'],
    ['2026-03-29', 1, '2026-03-30'],
    ['2026-10-25', 1, '2026-10-26'],
  ])('%s + %i days → %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });

  it.each([
    ['2026-12-31', '2027-01-01', 1],
    ['2027-01-01', '2026-12-31', -1],
    ['2026-03-10', '2026-03-10', 0],
    ['2026-01-01', '2027-01-01', 365],
    ['2028-01-01', '2029-01-01', 366],
    ['2026-02-01', '2026-03-01', 28],
    ['2028-02-01', '2028-03-01', 29],
    ['2026-08-31', '2027-02-28', 181],
  ])('daysBetween(%s, %s) = %i', (a, b, expected) => {
    expect(daysBetween(a, b)).toBe(expected);
  });

  it('daysBetween(a, addDays(a, n)) = n (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -5000, max: 5000 }), (date, n) => {
        const b = addDays(date, n);
        expect(b).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(daysBetween(date, b)).toBe(n);
        expect(addDays(b, -n)).toBe(date);
      }),
    );
  });
});

describe('todayCST and dateTimeCST (China Standard Time, UTC+8)', () => {
  it('the date flips at 16:00 UTC', () => {
    expect(todayCST(new Date('2026-03-09T15:59:59.999Z'))).toBe('2026-03-09');
    expect(todayCST(new Date('2026-03-09T16:00:00.000Z'))).toBe('2026-03-10');
    expect(todayCST(new Date('2026-03-10T15:59:00Z'))).toBe('2026-03-10');
  });

  it('flips the year at 16:00 UTC on 31 December', () => {
    expect(todayCST(new Date('2026-12-31T15:59:59Z'))).toBe('2026-12-31');
    expect(todayCST(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });

  it('handles 29 February', () => {
    expect(todayCST(new Date('2028-02-28T16:00:00Z'))).toBe('2028-02-29');
    expect(todayCST(new Date('2028-02-29T16:00:00Z'))).toBe('2028-03-01');
  });

  it('with no argument is today in China', () => {
    const before = todayCST(new Date());
    const t = todayCST();
    const after = todayCST(new Date());
    expect([before, after]).toContain(t);
    expect(parseDate(t)).toBe(t);
  });

  it('gives the national date-time format', () => {
    expect(dateTimeCST(new Date('2026-03-09T16:00:00Z'))).toBe('2026-03-10 00:00:00');
    expect(dateTimeCST(new Date('2026-03-09T15:59:59.999Z'))).toBe('2026-03-09 23:59:59');
    expect(dateTimeCST(new Date('2021-08-05T01:31:35Z'))).toBe('2021-08-05 09:31:35');
    expect(dateTimeCST(new Date('2026-12-31T16:05:07Z'))).toBe('2027-01-01 00:05:07');
    expect(dateTimeCST()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('does not depend on the machine time zone', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(todayCST(new Date('2026-03-09T16:00:00Z')), tz).toBe('2026-03-10');
        expect(dateTimeCST(new Date('2026-03-09T15:59:59Z')), tz).toBe('2026-03-09 23:59:59');
        expect(addDays('2026-03-08', 1), tz).toBe('2026-03-09');
        expect(daysBetween('2026-03-01', '2026-04-01'), tz).toBe(31);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('parseDate', () => {
  it.each([['2026-03-10'], ['2028-02-29'], ['1900-01-01'], ['2026-12-31']])('accepts %s', (d) => {
    expect(parseDate(d)).toBe(d);
  });

  it('trims surrounding spaces', () => {
    expect(parseDate(' 2026-03-10 ')).toBe('2026-03-10');
  });

  it.each([
    ['2026-02-29'],
    ['2026-2-1'],
    ['2026-02-1'],
    ['2026-13-01'],
    ['2026-00-10'],
    ['2026-04-31'],
    ['2026-03-00'],
    ['20260310'],
    ['2026/03/10'],
    ['2026-03-10T00:00:00'],
    [''],
    ['abc'],
    [20260310],
    [null],
    [undefined],
    [new Date('2026-03-10')],
  ])('rejects %j with INVALID_DATE', (value) => {
    expect(inputError(() => parseDate(value)).code).toBe('INVALID_DATE');
  });

  it('names the field', () => {
    const e = inputError(() => parseDate('2026-02-29', 'admission.date'));
    expect(e.path).toBe('admission.date');
    expect(e.message).toContain('admission.date');
    expect(e.message).toContain('2026-02-29');
  });
});

describe('splitDate and formatYmd', () => {
  it('split and format', () => {
    expect(splitDate('2026-03-10')).toEqual([2026, 3, 10]);
    expect(formatYmd(2026, 3, 1)).toBe('2026-03-01');
    expect(formatYmd(900, 1, 1)).toBe('0900-01-01');
    expect(inputError(() => splitDate('2026-3-10')).code).toBe('INVALID_DATE');
  });
});

describe('periods (YYYY-MM)', () => {
  it('monthOf', () => {
    expect(monthOf('2026-03-10')).toBe('2026-03');
    expect(monthOf('2026-12-31')).toBe('2026-12');
  });

  it.each([
    ['2026-12', 1, '2027-01'],
    ['2027-01', -1, '2026-12'],
    ['2026-07', 2, '2026-09'],
    ['2026-07', 0, '2026-07'],
    ['2026-10', 14, '2027-12'],
    ['2026-01', -12, '2025-01'],
  ])('addPeriods(%s, %i) = %s', (p, n, expected) => {
    expect(addPeriods(p, n)).toBe(expected);
  });

  it.each([
    ['2026-07', '2026-09', 2],
    ['2026-12', '2027-01', 1],
    ['2027-01', '2026-12', -1],
    ['2026-10', '2026-10', 0],
    ['2025-01', '2027-01', 24],
  ])('periodsBetween(%s, %s) = %i', (a, b, expected) => {
    expect(periodsBetween(a, b)).toBe(expected);
  });

  it('periodsBetween(p, addPeriods(p, n)) = n (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: -240, max: 240 }), (date, n) => {
        const p = monthOf(date);
        const q = addPeriods(p, n);
        expect(q).toMatch(/^\d{4}-\d{2}$/);
        expect(periodsBetween(p, q)).toBe(n);
      }),
    );
  });
});

describe('ageOn', () => {
  it.each([
    ['1949-12-31', '2026-12-30', 76],
    ['1949-12-31', '2026-12-31', 77],
    ['1949-12-31', '2027-01-01', 77],
    ['1980-06-15', '2026-06-14', 45],
    ['1980-06-15', '2026-06-15', 46],
    ['1980-06-15', '2026-05-20', 45],
    ['1980-06-15', '2026-07-01', 46],
    ['2000-02-29', '2026-02-28', 25],
    ['2000-02-29', '2026-03-01', 26],
    ['2000-02-29', '2028-02-29', 28],
    ['2026-03-10', '2026-03-10', 0],
    ['2025-03-10', '2026-03-09', 0],
    ['2025-03-10', '2026-03-10', 1],
  ])('born %s, on %s → %i', (birth, on, expected) => {
    expect(ageOn(birth, on)).toBe(expected);
  });
});

describe('calendarDate: the one date type of the API and the CLI (issue 21 point 4)', () => {
  it.each([
    ['2028-02-29', true], // 2028 is a leap year
    ['2000-02-29', true], // divisible by 400
    ['2024-02-29', true],
    ['2026-02-28', true],
    ['2026-12-31', true],
    ['2026-02-29', false],
    ['2026-02-30', false],
    ['2026-11-31', false],
    ['2100-02-29', false], // divisible by 100, not by 400
    ['1900-02-29', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-04-00', false],
    ['2026-4-1', false],
    ['20260401', false],
    ['', false],
  ])('%s → %s', (value, ok) => {
    expect(isCalendarDate(value)).toBe(ok);
    expect(calendarDate.safeParse(value).success).toBe(ok);
  });

  it('agrees with the calendar of Date.UTC for every day of 1999–2101', () => {
    for (let t = Date.UTC(1999, 0, 1); t <= Date.UTC(2101, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      expect(isCalendarDate(formatYmd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()))).toBe(true);
    }
    for (let y = 1999; y <= 2101; y++) {
      for (let m = 1; m <= 12; m++) {
        const next = formatYmd(y, m, daysInMonth(y, m) + 1);
        expect(isCalendarDate(next), next).toBe(false);
      }
    }
  });

  it('trims, and answers the CST calendar string itself', () => {
    expect(calendarDate.parse(' 2028-02-29 ')).toBe('2028-02-29');
  });

  it('a refused day says so in Chinese, with the field named by the translator', () => {
    const input = { dischargedOn: '2026-11-31' };
    const r = z.strictObject({ dischargedOn: calendarDate }).safeParse(input);
    expect(r.success).toBe(false);
    const e = zodInputError(r.error!.issues, input, { labels: { dischargedOn: '出院日期' } });
    expect(e.path).toBe('dischargedOn');
    expect(e.code).toBe('INVALID_DATE');
    expect(e.message).toMatch(/^出院日期（dischargedOn）：2026-11-31 不是日历上存在的日期/);
  });

  it('a wrong type is "应为文本", not a date error', () => {
    const input = { from: 20260230 };
    const r = z.strictObject({ from: calendarDate }).safeParse(input);
    const e = zodInputError(r.error!.issues, input, { labels: { from: '开始日期' } });
    expect(e.message).toBe('开始日期（from）：应为文本');
  });

  it('parseDate (CLI) refuses the same days with the field named', () => {
    expect(inputError(() => parseDate('2026-02-29', '入院日期')).message).toMatch(/^入院日期 2026-02-29 不是日历上存在的日期/);
    expect(parseDate('2028-02-29')).toBe('2028-02-29');
  });
});

describe('formatInstantCST: the one date-time format shown to a clerk (issue 20 point 7)', () => {
  it('stored instants in China Standard Time, national DTs as they are, minutes', () => {
    expect(formatInstantCST('2026-11-30T16:05:09.123Z')).toBe('2026-12-01 00:05');
    expect(formatInstantCST('2026-12-01 09:30:00')).toBe('2026-12-01 09:30');
    expect(formatInstantCST(null)).toBe('—');
    expect(formatInstantCST('not a time')).toBe('—');
  });
});
