import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pathText, zodInputError } from '../../shared/zodErrors.ts';

// The one translator (issue 12): what the commands differ in are options, checked here one by one.
const schema = z.object({
  when: z.string().refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v), { message: '不是日期' }),
  rows: z.array(z.object({ amount: z.number(), kind: z.enum(['A', 'B']) })),
  own: z.unknown().transform((v, ctx) => {
    if (v === 'bad') ctx.addIssue({ code: 'custom', message: '自带说明：不可用', params: { code: 'OWN_CODE' } });
    return v;
  }),
});
const labels = { when: '日期', amount: '金额', kind: '类别', rows: '明细', own: '自带' };
const good = { when: '2026-01-01', rows: [{ amount: 1, kind: 'A' }], own: 'x' };

function refusal(input: unknown, options: Parameters<typeof zodInputError>[2]) {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('expected a refusal');
  return zodInputError(r.error.issues, input, options).toJSON();
}

describe('zodInputError options', () => {
  it('paths in dots or brackets, with a prefix', () => {
    expect(pathText(['fees', 0, 'price'], 'brackets')).toBe('fees[0].price');
    expect(pathText(['bands', '3', 0, 'ratio'], 'brackets')).toBe('bands.3[0].ratio');
    expect(pathText(['fees', 0, 'price'])).toBe('fees.0.price');
    const input = { ...good, rows: [{ kind: 'A' }] };
    expect(refusal(input, { style: 'cli', labels, pathStyle: 'brackets', prefix: ['body'] })).toEqual({ error: 'MISSING_FIELD', message: '缺少金额', path: 'body.rows[0].amount' });
  });

  it('an absent enum is missing, not a wrong value', () => {
    expect(refusal({ ...good, rows: [{ amount: 1 }] }, { style: 'cli', labels }).error).toBe('MISSING_FIELD');
  });

  it('codes renames the generic codes, never the schema’s own', () => {
    const wrongType = { ...good, rows: [{ amount: '1', kind: 'A' }] };
    expect(refusal(wrongType, { style: 'cli', labels }).error).toBe('INVALID_TYPE');
    expect(refusal(wrongType, { style: 'cli', labels, codes: { INVALID_TYPE: 'INVALID_FIELD' } }).error).toBe('INVALID_FIELD');
    expect(refusal(wrongType, { style: 'cli', labels, codes: { '*': 'INVALID_VALUE' } }).error).toBe('INVALID_VALUE');
    expect(refusal({ ...good, own: 'bad' }, { style: 'cli', labels, codes: { '*': 'INVALID_VALUE' } })).toEqual({ error: 'OWN_CODE', message: '自带说明：不可用', path: 'own' });
  });

  it('fields: one code and sentence for every problem of a field but absence', () => {
    const fields = { when: { code: 'INVALID_DATE', text: '应为 YYYY-MM-DD' } };
    expect(refusal({ ...good, when: 20260101 }, { style: 'cli', labels, fields })).toEqual({ error: 'INVALID_DATE', message: '日期应为 YYYY-MM-DD', path: 'when' });
    expect(refusal({ ...good, when: '2026/01/01' }, { style: 'cli', labels, fields }).error).toBe('INVALID_DATE');
    expect(refusal({ ...good, when: undefined }, { style: 'cli', labels, fields }).error).toBe('MISSING_FIELD');
  });

  it('showPath puts the path after the sentence; the root is "not a JSON object"', () => {
    expect(refusal({ ...good, rows: [{ amount: 1, kind: 'C' }] }, { style: 'cli', labels, pathStyle: 'brackets', showPath: true }))
      .toEqual({ error: 'INVALID_VALUE', message: '类别应为 A、B 之一（rows[0].kind）', path: 'rows[0].kind' });
    expect(refusal([], { style: 'cli', labels })).toEqual({ error: 'INVALID_INPUT', message: '输入应为 JSON 对象', path: '' });
  });

  it('the API style keeps one code and names label and key', () => {
    expect(refusal({ ...good, rows: [{ amount: '1', kind: 'A' }] }, { labels })).toEqual({ error: 'INVALID_INPUT', message: '金额（rows.0.amount）：应为数字', path: 'rows.0.amount' });
  });
});
