import { InputError } from './errors.ts';

/** The desk's hospital level (institution settings: 1 一级, 2 二级, 3 三级). */
export type HospLevel = 1 | 2 | 3;

/**
 * 1318 限价 / 1319 先自付比例 rows may differ by hospital level (`hosp_lv` on the row; empty for the
 * general row). The treatment region's catalogue applies (003 第三部分: "就医地目录"), and the region's
 * limit for a hospital is the one published for its level: the row for this level wins, then the
 * general row, then the first row given (the rows come already filtered to those valid today, newest first).
 */
export function pickForLevel<T extends { hospLv: HospLevel | null }>(rows: readonly T[], level: HospLevel | null): T | undefined {
  return (level === null ? undefined : rows.find((r) => r.hospLv === level)) ?? rows.find((r) => r.hospLv === null) ?? rows[0];
}

/** `hosp_lv` of a 1318/1319 row: 1/2/3 (or 01/02/03); empty = the general row. */
export function readHospLv(text: string | null): HospLevel | null {
  if (text === null || text === '') return null;
  const n = /^0?[123]$/.test(text) ? Number(text) : NaN;
  if (n === 1 || n === 2 || n === 3) return n;
  throw new InputError('INVALID_VALUE', `医院等级（hosp_lv）应为 1/2/3：${text}`, 'hosp_lv');
}
