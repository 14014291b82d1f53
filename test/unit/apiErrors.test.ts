import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../shared/api/contract.ts';
import { claimApi } from '../../shared/api/claim.ts';
import { contract } from '../../shared/api/index.ts';

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

describe('issue 21: real dates, unknown fields, missing vs wrong type (API contract)', () => {
  it('2026-11-31 / 2026-02-30 refused for the discharge date, audit.export and sync.reconciliations', () => {
    const commit = { admissionId: 1, dischargedOn: '2026-11-31', expectedTotal: '10.00' };
    expect(refusal(contract['settlement.commit'].input, commit)).toMatchObject({ code: 'INVALID_DATE', path: 'dischargedOn' });
    expect(refusal(contract['settlement.commit'].input, commit).message).toMatch(/^出院日期（dischargedOn）：2026-11-31 不是日历上存在的日期/);
    expect(refusal(contract['audit.export'].input, { from: '2026-02-30' }).message).toMatch(/^开始日期（from）：2026-02-30 不是日历上存在的日期/);
    expect(refusal(contract['sync.reconciliations'].input, { to: '2026-02-30' })).toMatchObject({ code: 'INVALID_DATE', path: 'to' });
    expect(contract['sync.reconciliations'].input.safeParse({ from: '2028-02-29' }).success).toBe(true);
  });

  it('a typo such as dischargeOn is refused, naming the unknown field', () => {
    const e = refusal(contract['settlement.preview'].input, { admissionId: 1, dischargeOn: '2026-11-03' });
    expect(e.code).toBe('UNKNOWN_FIELD');
    expect(e.message).toContain('不认识的字段：dischargeOn');
    expect(refusal(contract['admission.change'].input, { admissionId: 1, changes: { bedNo: '3' } }).message).toContain('bedNo');
    expect(refusal(contract['status.get'].input, { x: 1 }).message).toContain('不认识的字段：x');
  });

  it('"请填写" only for a missing value; a wrong type says 应为…', () => {
    expect(refusal(contract['admission.cancel'].input, { admissionId: 1 }).message).toBe('原因（reason）：请填写撤销原因');
    expect(refusal(contract['admission.cancel'].input, { admissionId: 1, reason: 42 }).message).toBe('原因（reason）：应为文本');
    expect(refusal(contract['admission.cancel'].input, { admissionId: '1', reason: '录入错误' }).message).toBe('住院登记编号（admissionId）：应为数字');
  });

  it('admission fields are named by their Chinese label', () => {
    expect(refusal(contract['admission.change'].input, { admissionId: 1, changes: { bed: 7 } }).message).toBe('床位号（changes.bed）：应为文本');
  });
});
