import { isValidYmd, todayCST, type CalendarDate } from './dates.ts';
import { ID_PROVINCE_CODES } from './regions.ts';

/** GB 11643-1999 citizen ID number (社会保障号码). */
export type IdReason = 'LENGTH' | 'CHARSET' | 'BIRTH_DATE' | 'REGION' | 'CHECK_DIGIT';
export type IdCheck =
  | { valid: true; number: string; birthDate: CalendarDate; sex: 'M' | 'F'; region: string }
  | { valid: false; reason: IdReason };

export const ID_REASON_TEXT: Record<IdReason, string> = {
  LENGTH: '身份证号码应为 18 位',
  CHARSET: '身份证号码前 17 位应为数字，第 18 位为数字或 X',
  BIRTH_DATE: '身份证号码中的出生日期无效',
  REGION: '身份证号码前两位不是有效的省级行政区划代码',
  CHECK_DIGIT: '身份证号码校验位不正确，请核对是否录入有误',
};

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Scanners and pasted text bring full-width characters and spaces; fold them first. */
export function normaliseId(raw: string): string {
  // Only the check character has a case; upper-casing everything would turn ß into SS.
  const folded = raw.normalize('NFKC').trim();
  return folded.endsWith('x') ? `${folded.slice(0, -1)}X` : folded;
}

/** ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function checkCharacter(first17: string): string {
  let total = 0;
  for (let i = 0; i < 17; i++) total += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS[total % 11] ?? '';
}

/** Checks in the order of CLI.md: LENGTH, CHARSET, BIRTH_DATE, REGION, CHECK_DIGIT. */
export function checkCitizenId(raw: string, today: CalendarDate = todayCST()): IdCheck {
  const id = normaliseId(raw);
  if ([...id].length !== 18) return { valid: false, reason: 'LENGTH' };
  if (!/^\d{17}[\dX]$/.test(id)) return { valid: false, reason: 'CHARSET' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isValidYmd(y, m, d) || y < 1900 || birthDate > today) return { valid: false, reason: 'BIRTH_DATE' };
  if (!ID_PROVINCE_CODES.has(id.slice(0, 2))) return { valid: false, reason: 'REGION' };
  if (checkCharacter(id.slice(0, 17)) !== id[17]) return { valid: false, reason: 'CHECK_DIGIT' };
  return { valid: true, number: id, birthDate, sex: Number(id[16]) % 2 === 1 ? 'M' : 'F', region: id.slice(0, 6) };
}

/**
 * The first `head` and last `tail` characters shown, one `*` for each character between (all
 * masked when there are no more than head + tail). Counted in characters (code points), never
 * UTF-16 units, so a rare character (生僻字, two units) is shown or masked whole and a surrogate
 * pair is never split into a lone half (issue 17 point 2).
 */
export function maskMiddle(text: string, head: number, tail: number, stars?: number): string {
  const chars = Array.from(text);
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  return `${chars.slice(0, head).join('')}${'*'.repeat(stars ?? chars.length - head - tail)}${chars.slice(chars.length - tail).join('')}`;
}

/** First 6 and last 4 shown, the rest masked (ARCHITECTURE: personal data). */
export function maskId(id: string): string {
  return maskMiddle(id, 6, 4);
}
