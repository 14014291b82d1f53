import { describe, expect, it } from 'vitest';
import { readAdmission } from '../../shared/agency/admission.ts';
import { failureWithoutOutput } from '../../shared/agency/answers.ts';
import { AgencyMessageError, parseResponse } from '../../shared/agency/envelope.ts';
import { readSettlement } from '../../shared/agency/settlement.ts';

/** Issue 14 §3: infcode 0 with an error text and no output is a failure; mdtrt_id under output.data. */
describe('reading answers that say success', () => {
  it('2401: mdtrt_id is found under output, output.result and output.data', () => {
    expect(readAdmission({ mdtrt_id: 'M1' }).mdtrtId).toBe('M1');
    expect(readAdmission({ result: { mdtrt_id: 'M2' } }).mdtrtId).toBe('M2');
    expect(readAdmission({ data: { mdtrt_id: 'M3' } }).mdtrtId).toBe('M3');
  });

  it('infcode 0, an error text and no setlinfo / mdtrt_id: the readers refuse it with the platform\'s words', () => {
    const r = parseResponse({ infcode: 0, err_msg: '参保人结算信息计算失败，请稍后重试', output: null });
    expect(r.ok).toBe(true);
    const settle = (): unknown => readSettlement(r.output, r.err_msg);
    expect(settle).toThrow(AgencyMessageError);
    expect(settle).toThrow(/setlinfo.*参保人结算信息计算失败.*按交易失败处理/);
    expect(() => readAdmission({}, '入院登记失败：床位号重复')).toThrow(/mdtrt_id.*入院登记失败：床位号重复/);
    // Success words in err_msg are not a reason.
    expect(() => readSettlement(null, '成功')).toThrow(/^结算结果缺少结算信息（setlinfo）$/);
  });

  it('failureWithoutOutput: 2303/2304/2305 without setlinfo and 2401 without mdtrt_id, when the answer has an error text', () => {
    const answer = (output: Record<string, unknown> | null, err_msg: string | null) => ({ ok: true, err_msg, output });
    for (const infno of ['2303', '2304', '2305']) {
      expect(failureWithoutOutput(infno, answer(null, '医保结算服务异常'))).toMatch(/setlinfo.*医保结算服务异常/);
      expect(failureWithoutOutput(infno, answer({ setldetail: [] }, '医保结算服务异常'))).toMatch(/医保结算服务异常/);
      expect(failureWithoutOutput(infno, answer({ setlinfo: { medfee_sumamt: '1.00' } }, '有提示'))).toBeNull();
      expect(failureWithoutOutput(infno, answer(null, null))).toBeNull();
      expect(failureWithoutOutput(infno, answer(null, 'success'))).toBeNull();
    }
    expect(failureWithoutOutput('2401', answer({}, '该人员已在院'))).toMatch(/mdtrt_id.*该人员已在院/);
    expect(failureWithoutOutput('2401', answer({ data: { mdtrt_id: 'M' } }, '提示'))).toBeNull();
    // A transaction with nothing required, and a refusal (ok false, already a failure), are left alone.
    expect(failureWithoutOutput('2402', answer(null, '提示'))).toBeNull();
    expect(failureWithoutOutput('2304', { ok: false, err_msg: '失败', output: null })).toBeNull();
  });
});
