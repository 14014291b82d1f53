import { describe, expect, it } from 'vitest';
import { readCataloguePageRow } from '../../shared/agency/catalogues.ts';
import { pickForLevel, readHospLv } from '../../shared/catalogueLevel.ts';
import { InputError } from '../../shared/errors.ts';

const row = (amt: string, hosp_lv?: string) => readCataloguePageRow('1318', { hilist_code: 'X1', hilist_pric_uplmt_amt: amt, begndate: '2024-01-01', vali_flag: '1', ...(hosp_lv === undefined ? {} : { hosp_lv }) });

describe('1318/1319 rows by hospital level', () => {
  const first = row('10', '1');
  const general = row('20');
  const third = row('30', '03');
  it('reads hosp_lv as the level, empty as the general row', () => {
    expect([first.p === '1318' && first.hospLv, general.p === '1318' && general.hospLv, third.p === '1318' && third.hospLv]).toEqual([1, null, 3]);
    expect(() => readHospLv('4')).toThrow(InputError);
  });
  it("takes this hospital's level, then the general row, then the first", () => {
    const rows = [first, general, third] as Extract<typeof first, { p: '1318' }>[];
    expect(pickForLevel(rows, 3)?.pricUplmtAmt).toBe('30');
    expect(pickForLevel(rows, 1)?.pricUplmtAmt).toBe('10');
    expect(pickForLevel(rows, 2)?.pricUplmtAmt).toBe('20');
    expect(pickForLevel(rows, null)?.pricUplmtAmt).toBe('20');
    expect(pickForLevel([first, third] as typeof rows, 2)?.pricUplmtAmt).toBe('10');
    expect(pickForLevel([], 2)).toBeUndefined();
  });
});
