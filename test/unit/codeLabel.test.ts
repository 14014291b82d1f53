import { describe, expect, it } from 'vitest';
import { BUILT_IN_LABELS, codeLabel, MED_TYPE, type Dictionaries } from '../../shared/codes.ts';

describe('codeLabel: 1901 first, the built-in table second', () => {
  const dicts: Dictionaries = new Map([
    ['med_type', new Map([['21', '普通住院（本统筹区）'], ['99', '地方医疗类别']])],
    ['gend', new Map()],
  ]);

  it('takes the region’s 1901 label when the desk has one for that type and value', () => {
    expect(codeLabel('med_type', '21', dicts)).toBe('普通住院（本统筹区）');
    // A regional value the built-in table does not know.
    expect(codeLabel('med_type', '99', dicts)).toBe('地方医疗类别');
  });

  it('falls back to the built-in label, then to the fallback or "未知代码"', () => {
    expect(codeLabel('med_type', '22', dicts)).toBe(MED_TYPE['22']);
    expect(codeLabel('gend', '2', dicts)).toBe('女');
    expect(codeLabel('insutype', '310')).toBe('职工基本医疗保险');
    expect(codeLabel('insutype', '310', null)).toBe('职工基本医疗保险');
    expect(codeLabel('insutype', '888', dicts, '888')).toBe('888');
    expect(codeLabel('no_such_type', '1', dicts)).toBe('未知代码 1');
  });

  it('names a built-in table for each national field the desk shows', () => {
    for (const t of ['insutype', 'med_type', 'psn_cert_type', 'fund_pay_type', 'gend', 'psn_type', 'psn_insu_stas', 'mdtrt_cert_type']) expect(Object.keys(BUILT_IN_LABELS[t] ?? {})).not.toEqual([]);
  });
});
