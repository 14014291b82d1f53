import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_REASON_TEXT, checkCharacter, checkCitizenId, maskId, normaliseId, type IdReason } from '../../shared/citizenId.ts';
import { addDays, todayCST } from '../../shared/dates.ts';

/** The province-level codes of CLI.md `check-id` (GB/T 2260). */
const PROVINCES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
];
const NOT_PROVINCES = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).filter((p) => !PROVINCES.includes(p));

/** ISO 7064 MOD 11-2, written independently of the module: weight of position i is 2^(17−i) mod 11. */
function check(first17: string): string {
  let total = 0;
  for (let i = 0; i < 17; i++) total += Number(first17[i]) * (2 ** (17 - i) % 11);
  return '10X98765432'[total % 11]!;
}

/** A number with the right check character, whatever the other parts say. */
function make(region: string, birth: string, seq: string): string {
  const first17 = `${region}${birth}${seq}`;
  expect(first17).toMatch(/^\d{17}$/);
  return `${first17}${check(first17)}`;
}

/** The same number with any other check character. */
function wrongCheck(id: string): string {
  const right = id[17]!;
  const other = [...'0123456789X'].find((c) => c !== right)!;
  return `${id.slice(0, 17)}${other}`;
}

const TODAY = '2026-03-10';
const reason = (raw: string, today = TODAY): IdReason | 'VALID' => {
  const r = checkCitizenId(raw, today);
  return r.valid ? 'VALID' : r.reason;
};

describe('checkCitizenId: the CLI.md example', () => {
  it('11010519491231002X is valid: 1949-12-31, F, 110105', () => {
    expect(checkCitizenId('11010519491231002X', TODAY)).toEqual({
      valid: true,
      number: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'F',
      region: '110105',
    });
  });

  it('the helpers agree with the example', () => {
    expect(check('11010519491231002')).toBe('X');
    expect(checkCharacter('11010519491231002')).toBe('X');
    expect(make('110105', '19491231', '002')).toBe('11010519491231002X');
  });

  it('uses today in China Standard Time when no date is given', () => {
    expect(checkCitizenId('11010519491231002X').valid).toBe(true);
    // Two days ahead, so a date change during the test cannot make it "today".
    const future = addDays(todayCST(), 2).replaceAll('-', '');
    expect(checkCitizenId(make('110105', future, '002'))).toEqual({ valid: false, reason: 'BIRTH_DATE' });
  });
});

describe('checkCitizenId: each reason on its own', () => {
  describe('LENGTH', () => {
    it.each([
      ['17 characters', '11010519491231002'],
      ['19 characters', '11010519491231002X0'],
      ['19 digits', '1101051949123100211'],
      ['empty', ''],
      ['only spaces', '    '],
      ['15-digit old format', '110105491231002'],
      ['a space inside', '110105 19491231002X'],
    ])('%s', (_label, raw) => {
      expect(reason(raw)).toBe('LENGTH');
    });
  });

  describe('CHARSET', () => {
    it.each([
      ['a letter among the first 17', '1101051949123100AX'],
      ['a letter at the start', 'A1010519491231002X'],
      ['X not in last place', '110105X9491231002X'],
      ['a letter other than X as check character', '11010519491231002Y'],
      ['a dash', '110105-9491231002X'],
      ['a full stop', '11010519491231002.'],
      ['a non-ASCII letter', '11010519491231002é'],
      ['an astral character (one character, two UTF-16 units)', '11010519491231002😀'],
    ])('%s', (_label, raw) => {
      expect([...raw.normalize('NFKC').trim()].length).toBe(18);
      expect(reason(raw)).toBe('CHARSET');
    });

    it('a lower-case letter whose upper case is two letters is still one character (CHARSET, not LENGTH)', () => {
      // 'ß' survives NFKC; CLI.md only folds NFKC and a lower-case x, so the number has 18 characters.
      expect(reason('11010519491231002ß')).toBe('CHARSET');
    });
  });

  describe('BIRTH_DATE (other parts valid, check character right)', () => {
    it.each([
      ['29 February of a non-leap year that is a century', '19000229'],
      ['29 February of a non-leap year', '20230229'],
      ['before 1900', '18991231'],
      ['year 0000', '00000101'],
      ['month 00', '19490001'],
      ['month 13', '19491301'],
      ['day 00', '19491200'],
      ['day 32', '19491232'],
      ['31 April', '19490431'],
      ['tomorrow', '20260311'],
      ['next year', '20270101'],
      ['far future', '99991231'],
    ])('%s (%s)', (_label, birth) => {
      const id = make('110105', birth, '002');
      expect(reason(id)).toBe('BIRTH_DATE');
    });

    it.each([
      ['1900-01-01, the first accepted day', '19000101', '1900-01-01'],
      ['29 February of a leap year', '20000229', '2000-02-29'],
      ['today', '20260310', '2026-03-10'],
      ['yesterday', '20260309', '2026-03-09'],
    ])('%s is valid', (_label, birth, iso) => {
      const r = checkCitizenId(make('110105', birth, '002'), TODAY);
      expect(r).toMatchObject({ valid: true, birthDate: iso });
    });

    it('the future is judged against the given today', () => {
      const id = make('110105', '20260311', '002');
      expect(reason(id, '2026-03-10')).toBe('BIRTH_DATE');
      expect(reason(id, '2026-03-11')).toBe('VALID');
    });
  });

  describe('REGION (date valid, check character right)', () => {
    it.each([['00'], ['66'], ['99'], ['10'], ['16'], ['20'], ['24'], ['30'], ['38'], ['40'], ['47'], ['55'], ['60'], ['70'], ['72'], ['80'], ['83'], ['90']])(
      'prefix %s',
      (prefix) => {
        expect(reason(make(`${prefix}0105`, '19491231', '002'))).toBe('REGION');
      },
    );

    it('every code that is not in the CLI.md list is REGION', () => {
      expect(NOT_PROVINCES).toHaveLength(66);
      for (const p of NOT_PROVINCES) expect(reason(make(`${p}0101`, '19800101', '123')), p).toBe('REGION');
    });

    it('every code in the CLI.md list is accepted', () => {
      for (const p of PROVINCES) expect(reason(make(`${p}0101`, '19800101', '123')), p).toBe('VALID');
    });
  });

  describe('CHECK_DIGIT', () => {
    it.each([['110105194912310020'], ['110105194912310021'], ['110105194912310029']])('%s', (raw) => {
      expect(reason(raw)).toBe('CHECK_DIGIT');
    });

    it('every wrong check character of the example is CHECK_DIGIT', () => {
      for (const c of '0123456789') expect(reason(`11010519491231002${c}`), c).toBe('CHECK_DIGIT');
    });

    it('X is the check character only where MOD 11-2 says 10', () => {
      const id = make('420102', '19850615', '124');
      expect(id[17]).not.toBe('X');
      expect(reason(`${id.slice(0, 17)}X`)).toBe('CHECK_DIGIT');
    });
  });
});

describe('checkCitizenId: precedence when several reasons apply', () => {
  it('LENGTH before CHARSET', () => {
    expect(reason('ABCDEFGHIJKLMNOPQ')).toBe('LENGTH');
    expect(reason('ABCDEFGHIJKLMNOPQRS')).toBe('LENGTH');
  });

  it('LENGTH before BIRTH_DATE, REGION and CHECK_DIGIT', () => {
    expect(reason('00010519000229002')).toBe('LENGTH');
    expect(reason('0001051900022900211')).toBe('LENGTH');
  });

  it('CHARSET before BIRTH_DATE', () => {
    expect(reason('1101051900022900AX')).toBe('CHARSET');
  });

  it('CHARSET before REGION and CHECK_DIGIT', () => {
    expect(reason('990105194912310A2Y')).toBe('CHARSET');
  });

  it('BIRTH_DATE before REGION', () => {
    expect(reason(make('990105', '19000229', '002'))).toBe('BIRTH_DATE');
    expect(reason(make('000000', '18991231', '002'))).toBe('BIRTH_DATE');
  });

  it('BIRTH_DATE before CHECK_DIGIT', () => {
    expect(reason(wrongCheck(make('110105', '19000229', '002')))).toBe('BIRTH_DATE');
    expect(reason(wrongCheck(make('110105', '20260311', '002')))).toBe('BIRTH_DATE');
  });

  it('BIRTH_DATE before REGION and CHECK_DIGIT together', () => {
    expect(reason(wrongCheck(make('660100', '19491301', '002')))).toBe('BIRTH_DATE');
  });

  it('REGION before CHECK_DIGIT', () => {
    expect(reason(wrongCheck(make('990105', '19491231', '002')))).toBe('REGION');
    expect(reason(wrongCheck(make('660100', '19491231', '002')))).toBe('REGION');
  });
});

describe('checkCitizenId: normalisation', () => {
  it('accepts full-width digits and X', () => {
    expect(checkCitizenId('１１０１０５１９４９１２３１００２Ｘ', TODAY)).toMatchObject({ valid: true, number: '11010519491231002X', region: '110105' });
  });

  it('accepts a full-width lower-case x', () => {
    expect(checkCitizenId('１１０１０５１９４９１２３１００２ｘ', TODAY)).toMatchObject({ valid: true, number: '11010519491231002X' });
  });

  it('trims surrounding ASCII and full-width (ideographic) spaces', () => {
    expect(checkCitizenId('  11010519491231002X\t\n', TODAY)).toMatchObject({ valid: true, number: '11010519491231002X' });
    expect(checkCitizenId('\u300011010519491231002X\u3000', TODAY)).toMatchObject({ valid: true, number: '11010519491231002X' });
    expect(checkCitizenId('\u3000１１０１０５１９４９１２３１００２Ｘ\u3000\u3000', TODAY)).toMatchObject({ valid: true });
  });

  it('accepts a lower-case x check character and returns it as X', () => {
    const r = checkCitizenId('11010519491231002x', TODAY);
    expect(r).toMatchObject({ valid: true, number: '11010519491231002X' });
  });

  it('a lower-case x anywhere else is still CHARSET', () => {
    expect(reason('110105x9491231002X')).toBe('CHARSET');
  });

  it('a wrong check digit typed full-width is still CHECK_DIGIT', () => {
    expect(reason('１１０１０５１９４９１２３１００２１')).toBe('CHECK_DIGIT');
  });

  it('normaliseId folds, trims and upper-cases', () => {
    expect(normaliseId(' １１０１０５１９４９１２３１００２ｘ　')).toBe('11010519491231002X');
    expect(normaliseId('11010519491231002x')).toBe('11010519491231002X');
  });
});

describe('checkCitizenId: sex from the parity of the 17th character', () => {
  it.each([
    ['000', 'F'],
    ['001', 'M'],
    ['002', 'F'],
    ['013', 'M'],
    ['124', 'F'],
    ['995', 'M'],
    ['996', 'F'],
    ['997', 'M'],
    ['998', 'F'],
    ['999', 'M'],
  ])('sequence %s → %s', (seq, sex) => {
    expect(checkCitizenId(make('420102', '19850615', seq), TODAY)).toMatchObject({ valid: true, sex });
  });
});

describe('checkCitizenId: properties', () => {
  const START = Date.UTC(1900, 0, 1) / 86_400_000;
  const END = Date.UTC(2026, 2, 10) / 86_400_000; // TODAY
  const validParts = fc.record({
    province: fc.constantFrom(...PROVINCES),
    rest: fc.integer({ min: 0, max: 9999 }),
    day: fc.integer({ min: START, max: END }),
    seq: fc.integer({ min: 0, max: 999 }),
  });
  const partsToId = ({ province, rest, day, seq }: { province: string; rest: number; day: number; seq: number }) => {
    const t = new Date(day * 86_400_000);
    const iso = t.toISOString().slice(0, 10);
    const region = `${province}${String(rest).padStart(4, '0')}`;
    const seqText = String(seq).padStart(3, '0');
    return { id: make(region, iso.replaceAll('-', ''), seqText), iso, region, sex: seq % 2 === 1 ? 'M' : 'F' };
  };

  it('every generated number with a right check character is valid, with its parts', () => {
    fc.assert(
      fc.property(validParts, (parts) => {
        const { id, iso, region, sex } = partsToId(parts);
        expect(checkCitizenId(id, TODAY)).toEqual({ valid: true, number: id, birthDate: iso, sex, region });
      }),
      { numRuns: 2000 },
    );
  });

  it('replacing the check character by any other gives CHECK_DIGIT', () => {
    fc.assert(
      fc.property(validParts, fc.constantFrom(...'0123456789X'), (parts, c) => {
        const { id } = partsToId(parts);
        fc.pre(c !== id[17]);
        expect(checkCitizenId(`${id.slice(0, 17)}${c}`, TODAY)).toEqual({ valid: false, reason: 'CHECK_DIGIT' });
      }),
      { numRuns: 2000 },
    );
  });

  it('the lower-case and full-width forms of a valid number give the same answer', () => {
    fc.assert(
      fc.property(validParts, (parts) => {
        const { id } = partsToId(parts);
        const wide = [...id].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
        const expected = checkCitizenId(id, TODAY);
        expect(checkCitizenId(id.toLowerCase(), TODAY)).toEqual(expected);
        expect(checkCitizenId(` ${wide}\u3000`, TODAY)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('checkCharacter agrees with the independent MOD 11-2', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}$/), (first17) => {
        expect(checkCharacter(first17)).toBe(check(first17));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('maskId', () => {
  it('shows the first 6 and the last 4 characters', () => {
    expect(maskId('11010519491231002X')).toBe('110105********002X');
    expect(maskId('11010519491231002X')).toHaveLength(18);
  });

  it('masks everything when there is not more than 10 characters', () => {
    expect(maskId('')).toBe('');
    expect(maskId('1234567890')).toBe('**********');
    expect(maskId('12345')).toBe('*****');
  });

  it('masks the middle of other lengths', () => {
    expect(maskId('12345678901')).toBe('123456*8901');
    expect(maskId('110105491231002')).toBe('110105*****1002');
  });

  it('never shows the birth date of an 18-character number', () => {
    const masked = maskId('42010219850615123X');
    expect(masked).not.toContain('19850615');
    expect(masked.slice(6, 14)).toBe('********');
  });
});

describe('ID_REASON_TEXT', () => {
  it('has a Chinese text for every reason', () => {
    expect(Object.keys(ID_REASON_TEXT).sort()).toEqual(['BIRTH_DATE', 'CHARSET', 'CHECK_DIGIT', 'LENGTH', 'REGION']);
    for (const text of Object.values(ID_REASON_TEXT)) expect(text).toMatch(/[\u4e00-\u9fff]/);
  });
});
