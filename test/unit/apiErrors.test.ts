import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../shared/api/contract.ts';
import { claimApi } from '../../shared/api/claim.ts';

/** What a refused request says: Chinese, naming the field by its Chinese name and its key. */
function refusal(schema: z.ZodType, input: unknown): { code: string; message: string; path: string } {
  const r = schema.safeParse(input);
  if (r.success) throw new Error('should have been refused');
  return describeZodError(r.error, input);
}

describe('API validation errors', () => {
  it('zod defaults become Chinese and the field is named', () => {
    expect(refusal(claimApi['claim.submit'].input, { period: '2026-10' })).toEqual({ code: 'INVALID_INPUT', message: '预览校验码（fingerprint）：缺少必填字段', path: 'fingerprint' });
    expect(refusal(claimApi['claim.submit'].input, { fingerprint: 'x' }).message).toBe('清算期（period）：缺少必填字段');
    expect(refusal(claimApi['claim.history'].input, { months: 40 }).message).toBe('月数（months）：不能大于 36');
    expect(refusal(claimApi['claim.history'].input, { months: '3' }).message).toBe('月数（months）：应为数字');
    expect(refusal(claimApi['review.dispute'].input, { deductionId: 1 }).message).toBe('说明（note）：缺少必填字段');
  });

  it('messages the schemas set themselves are kept', () => {
    expect(refusal(claimApi['claim.preview'].input, { period: '2026-13' }).message).toBe('清算期（period）：清算期应为 YYYY-MM 格式的年月');
    expect(refusal(claimApi['review.dispute'].input, { deductionId: 1, note: ' ' }).message).toBe('说明（note）：请填写异议说明');
  });
});
