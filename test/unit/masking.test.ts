import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskId, maskMiddle } from '../../shared/citizenId.ts';
import { describeCredential } from '../../shared/credentials.ts';
import { maskIdsInText } from '../../shared/privacy.ts';

/**
 * Issue 17 point 2: masking (first 6 / last 4) counts characters, so a rare character (two
 * UTF-16 units) is shown or masked whole and no lone surrogate half ever reaches a screen or log.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const RARE = ['\u{2003E}', '\u{2A700}', '\u{2B740}', '\u{2B820}', '\u{2CEB0}', '\u{30000}', '\u{FA10}', '张', '1', 'X'];

describe('maskId', () => {
  it('keeps first 6 and last 4 of a citizen ID number (unchanged behaviour for ASCII)', () => {
    expect(maskId('11010519491231002X')).toBe('110105********002X');
    expect(maskId('1234567890')).toBe('**********');
    expect(maskId('12345678901')).toBe('123456*8901');
  });

  it('counts a rare character as one: the 6th and the 4th-from-last are whole characters', () => {
    // A foreign or 港澳台 document number typed with a rare character: 2 units each, 1 character.
    const id = 'ABCDE𠀾12345𫝀EFG';
    expect(Array.from(id)).toHaveLength(15);
    const masked = maskId(id);
    expect(masked).toBe('ABCDE𠀾*****𫝀EFG');
    expect(LONE_SURROGATE.test(masked)).toBe(false);
    // Cutting by UTF-16 units (the old slice(0, 6) / slice(-4)) splits 𠀾 and 𫝀 in half here.
    expect(LONE_SURROGATE.test(id.slice(0, 6))).toBe(true);
    expect(LONE_SURROGATE.test(id.slice(-4))).toBe(true);
  });

  it('never yields a lone surrogate and keeps the character count, for any text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...RARE), { maxLength: 30 }), (chars) => {
        const text = chars.join('');
        const masked = maskId(text);
        expect(LONE_SURROGATE.test(masked)).toBe(false);
        expect(Array.from(masked)).toHaveLength(chars.length);
        if (chars.length > 10) {
          expect(Array.from(masked).slice(0, 6)).toEqual(chars.slice(0, 6));
          expect(Array.from(masked).slice(-4)).toEqual(chars.slice(-4));
        } else {
          expect(masked).toBe('*'.repeat(chars.length));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('maskMiddle', () => {
  it('shows a fixed number of stars when asked (social security card number: 2 + ***** + 2)', () => {
    expect(maskMiddle('A12345678', 2, 2, 5)).toBe('A1*****78');
    expect(maskMiddle('𠀾𪜀12345𫝀𫠠', 2, 2, 5)).toBe('𠀾𪜀*****𫝀𫠠');
    expect(maskMiddle('𠀾𪜀𫝀', 2, 2, 5)).toBe('***');
  });
});

describe('describeCredential and maskIdsInText', () => {
  it('masks the card number by characters', () => {
    const text = describeCredential({ type: '03', cardNo: 'A12345678', certno: '11010519491231002X', birthDate: '1949-12-31', sex: 'F' });
    expect(text).toBe('社会保障卡 A1*****78，持卡人 110105********002X');
  });

  it('masks an ID number next to a rare-character name and leaves the name whole', () => {
    const text = '患者 欧阳𠀾𪜀明（11010519491231002X）入院';
    expect(maskIdsInText(text)).toBe('患者 欧阳𠀾𪜀明（110105********002X）入院');
  });
});
