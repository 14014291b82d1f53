import { describe, expect, it } from 'vitest';
import { describeTextProblem } from '../../shared/api/contract.ts';

describe('control and invisible characters in API text (issue 21 point 5)', () => {
  it('refuses them anywhere in the request, naming the field and the character', () => {
    expect(describeTextProblem({ printerName: 'HP\u0000LaserJet' })).toEqual({ code: 'INVALID_INPUT', path: 'printerName', message: expect.stringContaining('打印机（printerName）：第 3 个字符是空字符 NUL U+0000') });
    expect(describeTextProblem({ changes: { diagName: '骨折\u202e' } })?.path).toBe('changes.diagName');
    expect(describeTextProblem({ form: { injury: { account: ['ok', '\ud800x'] } } })?.message).toContain('不成对的代理项');
    // A rare character (two UTF-16 units) is one character when counting the position.
    expect(describeTextProblem({ note: '𠀀𠀀\u200b' })?.message).toContain('第 3 个字符是零宽空格');
  });

  it('lets through line breaks and tabs of a multi-line note, and clean text', () => {
    expect(describeTextProblem({ note: '第一行\r\n第二行\t完' })).toBeNull();
    expect(describeTextProblem({ credential: 'A00000001|11010519491231002X', n: 1, b: true, x: null })).toBeNull();
  });
});
