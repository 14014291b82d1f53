import { describe, expect, it } from 'vitest';
import { nameNote, nameOddities } from '../../shared/personName.ts';

/** Issue 17 point 3: a name from the agency with a private-use code point or "?" where a rare character should be. */
describe('nameOddities / nameNote', () => {
  it('an ordinary name and a name with real rare characters have no note', () => {
    for (const name of ['张秀兰', '欧阳𠀾明', '欧阳\u{2003E}\u{2A700}\u{2B740}\u{2B820}\u{2CEB0}\u{30000}\u{FA0E}\u{FA10}明', '禤䶮', 'Anna Müller']) {
      expect(nameOddities(name), name).toEqual([]);
      expect(nameNote(name), name).toBeNull();
    }
  });

  it('a private-use code point (BMP or plane 15/16) is found at its character position', () => {
    expect(nameOddities('王\uE3A1芳')).toEqual([{ position: 2, codePoint: 0xe3a1, kind: 'private-use' }]);
    // After a surrogate pair the position still counts characters.
    expect(nameOddities('𠀾\u{F0001}')).toEqual([{ position: 2, codePoint: 0xf0001, kind: 'private-use' }]);
    const note = nameNote('王\uE3A1芳')!;
    expect(note).toContain('第 2 个字是私用区编码 U+E3A1');
    expect(note).toContain('不影响核验、入院和结算');
    expect(note).toContain('身份证');
  });

  it('a question mark (half or full width) and U+FFFD are named', () => {
    expect(nameOddities('欧阳?明').map((o) => o.kind)).toEqual(['question-mark']);
    expect(nameOddities('欧阳？\uFFFD').map((o) => [o.position, o.kind])).toEqual([[3, 'question-mark'], [4, 'replacement']]);
    expect(nameNote('欧阳?明')).toContain('第 3 个字是问号“?”');
    expect(nameNote('欧阳？\uFFFD')).toMatch(/第 3 个字是问号“？”，第 4 个字是乱码替换符 U\+FFFD/);
  });
});
