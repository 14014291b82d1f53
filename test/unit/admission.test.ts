import { describe, expect, it } from 'vitest';
import {
  admissionChangeSchema,
  admissionFieldsSchema,
  admissionGroup,
  admissionWarnings,
  currentAdmission,
  currentPledge,
  diffAdmission,
  directSettlementBlock,
  eligibilityAtAdmission,
  injuryBeforeAdmission,
  isIcd10,
  itemAmount,
  normaliseDateTime,
  normaliseIcd10,
  outsideExamSchema,
  qualifyEmergencyFees,
  settleStatus,
  type AdmissionFields,
  type OutpatientFee,
} from '../../shared/admission.ts';
import { describeZodError } from '../../shared/api/contract.ts';
import type { EligibilityDecision } from '../../shared/eligibility.ts';

const base = {
  iptNo: 'ZY20261103001',
  admittedAt: '2026-11-03 09:30',
  way: '门诊',
  deptCode: 'A03',
  deptName: '骨科',
  bed: '12',
  diagCode: 's72.000X001',
  diagName: '股骨颈骨折',
  doctorCode: 'D0012',
  doctorName: '李明',
  medType: '21',
  emergency: false,
  trauma: false,
  thirdParty: false,
};

function parseErr(input: unknown): { path: string; message: string } {
  const r = admissionFieldsSchema.safeParse(input);
  if (r.success) throw new Error('expected a validation error');
  const e = describeZodError(r.error);
  return { path: e.path, message: e.message };
}

describe('admission input validation', () => {
  it('accepts a complete admission and normalises time and ICD-10', () => {
    const a = admissionFieldsSchema.parse(base);
    expect(a.admittedAt).toBe('2026-11-03 09:30:00');
    expect(a.diagCode).toBe('S72.000x001');
  });

  it.each([
    ['iptNo', '', '请填写住院号'],
    ['iptNo', 'ZY 001', '住院号只能包含字母、数字'],
    ['admittedAt', '2026-02-30 09:00', '入院时间无效'],
    ['admittedAt', '2026/11/03', '入院时间无效'],
    ['way', '步行', '入院方式应为 门诊、急诊 或 转院'],
    ['deptName', '  ', '请填写科室名称'],
    ['bed', undefined, '请填写床位号'],
    ['diagCode', 'S7', '不是有效的 ICD-10 编码'],
    ['diagCode', '72.000', '不是有效的 ICD-10 编码'],
    ['diagName', 'x'.repeat(101), '入院诊断名称过长'],
    ['doctorCode', '', '请填写主治医生编码'],
    ['medType', '11', '医疗类别应为住院类别'],
    ['emergency', 'yes', '急诊标志应为是或否'],
  ])('%s = %j is refused in Chinese naming the field', (field, value, text) => {
    const e = parseErr({ ...base, [field]: value });
    expect(e.path).toBe(field);
    expect(e.message).toContain(text);
  });

  it('ICD-10 formats of the national 医保版', () => {
    for (const ok of ['S72.000', 'S72.000x001', 'I10.x00x002', 'G40.900', 'A01', 'J18.9']) expect(isIcd10(normaliseIcd10(ok)), ok).toBe(true);
    for (const bad of ['', 'S7', 'SS2.0', 'S72.', 'S72.00000', '中文', 'S72.000x1']) expect(isIcd10(normaliseIcd10(bad)), bad).toBe(false);
    expect(normaliseIcd10(' ｓ７２．０００ ')).toBe('S72.000');
  });

  it('flags that contradict each other are refused with the rule', () => {
    expect(parseErr({ ...base, medType: '22' })).toMatchObject({ path: 'trauma', message: expect.stringContaining('004 第三十八条') });
    expect(parseErr({ ...base, thirdParty: true })).toMatchObject({ path: 'thirdParty', message: expect.stringContaining('请先勾选外伤标志') });
    expect(parseErr({ ...base, medType: '24' })).toMatchObject({ path: 'emergency', message: expect.stringContaining('004 第三十七条') });
  });

  it('warns (without blocking) when the diagnosis chapter and the trauma flag disagree', () => {
    const a = admissionFieldsSchema.parse(base) as AdmissionFields;
    expect(admissionWarnings(a).join()).toContain('属于损伤章节');
    expect(admissionWarnings({ ...a, trauma: true })).toEqual([]);
    expect(admissionWarnings({ ...a, trauma: true, diagCode: 'J18.900' }).join()).toContain('不属于损伤章节');
    expect(admissionWarnings({ ...a, trauma: true, emergency: true }).join()).toContain('入院方式不是“急诊”');
  });

  it('date-times: datetime-local and national forms', () => {
    expect(normaliseDateTime('2026-11-03T09:30')).toBe('2026-11-03 09:30:00');
    expect(normaliseDateTime('2026-11-03 09:30:15')).toBe('2026-11-03 09:30:15');
    expect(normaliseDateTime('2026-11-03 24:00')).toBeNull();
  });
});

describe('changes are events; current values = original + changes', () => {
  const original = admissionFieldsSchema.parse(base) as AdmissionFields;

  it('applies changes in order and keeps the original', () => {
    const cur = currentAdmission(original, [{ bed: '15' }, { deptName: '创伤外科', deptCode: 'A09' }, { bed: '16' }]);
    expect(cur).toMatchObject({ bed: '16', deptName: '创伤外科', deptCode: 'A09', iptNo: base.iptNo });
    expect(original.bed).toBe('12');
  });

  it('diff keeps only what differs; the change schema has no inpatient number', () => {
    expect(diffAdmission(original, { bed: '12', deptName: '骨二科' })).toEqual({ deptName: '骨二科' });
    expect(diffAdmission(original, { bed: '12' })).toEqual({});
    // The change schema is strict (issue 21 p8): the 住院号 cannot be changed, and saying so is refused by name.
    expect(admissionChangeSchema.parse({ bed: '3' })).toEqual({ bed: '3' });
    const iptNo = admissionChangeSchema.safeParse({ iptNo: 'X', bed: '3' });
    expect(iptNo.success).toBe(false);
    expect(JSON.stringify(iptNo.error?.issues)).toContain('iptNo');
    expect(admissionChangeSchema.safeParse({ diagCode: 'bad' }).success).toBe(false);
  });
});

describe('eligibility recorded at admission', () => {
  const registered: EligibilityDecision = { direct: true, reason: 'REGISTERED', rule: '004 第十三条', validUntil: null, message: '已备案' };
  const notRegistered: EligibilityDecision = { direct: false, reason: 'NOT_REGISTERED', rule: '004 第二十二条、第四十七条', validUntil: null, message: '未备案' };
  const emergency: EligibilityDecision = { direct: true, reason: 'EMERGENCY', rule: '004 第十一条(五)、第三十七条', validUntil: null, message: '急诊' };
  const suspended: EligibilityDecision = { direct: false, reason: 'SUSPENDED', rule: 'x', validUntil: null, message: '暂停' };

  it('takes the check decision for the same day', () => {
    expect(eligibilityAtAdmission({ admissionDate: '2026-11-03', decision: registered }, { admittedAt: '2026-11-03 09:00:00', emergency: false })).toEqual({ ok: true, decision: registered });
  });
  it('refuses a check of another admission date', () => {
    expect(eligibilityAtAdmission({ admissionDate: '2026-11-02', decision: registered }, { admittedAt: '2026-11-03 09:00:00', emergency: false })).toMatchObject({ ok: false, path: 'admittedAt' });
  });
  it('an emergency admission is treated as registered (004 第三十七条), not a suspension', () => {
    const r = eligibilityAtAdmission({ admissionDate: '2026-11-03', decision: notRegistered }, { admittedAt: '2026-11-03 09:00:00', emergency: true });
    expect(r).toMatchObject({ ok: true, decision: { direct: true, reason: 'EMERGENCY' } });
    expect(eligibilityAtAdmission({ admissionDate: '2026-11-03', decision: suspended }, { admittedAt: '2026-11-03 09:00:00', emergency: true })).toMatchObject({ ok: true, decision: { direct: false, reason: 'SUSPENDED' } });
  });
  it('a check decided as emergency needs the emergency flag', () => {
    expect(eligibilityAtAdmission({ admissionDate: '2026-11-03', decision: emergency }, { admittedAt: '2026-11-03 09:00:00', emergency: false })).toMatchObject({ ok: false, path: 'emergency' });
  });
  it('group from the registration', () => {
    expect(admissionGroup({ group: 'referral', status: 'active' }, registered)).toBe('referral');
    expect(admissionGroup(null, emergency)).toBe('emergency');
    expect(admissionGroup({ group: 'referral', status: 'cancelled' }, notRegistered)).toBe('unregistered');
  });
});

describe('trauma settle gate (004 第三十八条)', () => {
  const signed = { id: 1, signedAt: '2026-11-03 10:00:00', supersedesId: null };

  it('no trauma: nothing blocks', () => {
    expect(directSettlementBlock({ trauma: false, thirdParty: false }, [])).toBeNull();
  });
  it('trauma with a third party: never direct, whatever was signed', () => {
    const b = directSettlementBlock({ trauma: true, thirdParty: true }, [signed]);
    expect(b).toMatchObject({ code: 'TRAUMA_THIRD_PARTY', rule: '004 第三十八条' });
    expect(b?.reason).toContain('全额垫付');
  });
  it('trauma without a signed pledge: blocked until recorded', () => {
    const b = directSettlementBlock({ trauma: true, thirdParty: false }, []);
    expect(b).toMatchObject({ code: 'TRAUMA_PLEDGE_MISSING', rule: '004 第三十八条' });
    expect(b?.reason).toContain('外伤无第三方责任承诺书');
    expect(directSettlementBlock({ trauma: true, thirdParty: false }, [{ id: 1, signedAt: null, supersedesId: null }])).not.toBeNull();
    expect(directSettlementBlock({ trauma: true, thirdParty: false }, [signed])).toBeNull();
  });
  it('a superseded pledge is not in force; its correction is', () => {
    const correction = { id: 2, signedAt: '2026-11-03 11:00:00', supersedesId: 1 };
    expect(currentPledge([signed, correction])?.id).toBe(2);
    // A correction that is not signed leaves nothing in force.
    expect(currentPledge([signed, { ...correction, signedAt: null }])).toBeNull();
  });
  it('the settle status combines eligibility and the gate, with rules', () => {
    const ok: EligibilityDecision = { direct: true, reason: 'REGISTERED', rule: '004 第十三条', validUntil: null, message: '' };
    expect(settleStatus(ok, null)).toMatchObject({ direct: true, label: '可直接结算' });
    const s = settleStatus(ok, directSettlementBlock({ trauma: true, thirdParty: false }, []));
    expect(s).toMatchObject({ direct: false, label: '待签承诺书，暂不能直接结算' });
    expect(s.reasons[0]?.rule).toBe('004 第三十八条');
    const no: EligibilityDecision = { direct: false, reason: 'EXPIRED', rule: '004 第十三条(二)', validUntil: '2026-01-01', message: '过期' };
    expect(settleStatus(no, null)).toMatchObject({ direct: false, label: '不能直接结算', reasons: [{ rule: '004 第十三条(二)' }] });
  });
  it('injury before admission, to the hour', () => {
    expect(injuryBeforeAdmission('2026-11-03T09', '2026-11-03 09:30:00')).toBe(true);
    expect(injuryBeforeAdmission('2026-11-03T10', '2026-11-03 09:30:00')).toBe(false);
  });
});

describe('72-hour rule (000 第十七条 1)', () => {
  const admission = { admittedAt: '2026-11-05 12:00:00', emergency: true, way: '急诊', medType: '24', certNo: '42010219550312401X' };
  const fee = (sn: string, feeOcurTime: string, over: Partial<OutpatientFee> = {}): OutpatientFee => ({ sn, certNo: '42010219550312401x', emergencyVisit: true, feeOcurTime, ...over });

  it('boundaries: 71:59 in, 72:00 in, 72:00:01 and 72:01 out', () => {
    const r = qualifyEmergencyFees(admission, [
      fee('a', '2026-11-02 12:01:00'), // 71:59 before
      fee('b', '2026-11-02 12:00:00'), // exactly 72:00
      fee('c', '2026-11-02 11:59:59'), // 72:00:01
      fee('d', '2026-11-02 11:59:00'), // 72:01
      fee('e', '2026-11-05 12:00:00'), // at admission
      fee('f', '2026-11-05 12:00:01'), // after admission
    ]);
    expect(r.map((q) => [q.sn, q.qualifies])).toEqual([['a', true], ['b', true], ['c', false], ['d', false], ['e', true], ['f', false]]);
    expect(r[0]?.reason).toContain('71 小时 59 分');
    expect(r[3]?.reason).toContain('超过 72 小时');
    expect(r[5]?.reason).toContain('入院之后');
  });
  it('across a month end and a leap day', () => {
    const a = { ...admission, admittedAt: '2028-03-01 08:00:00' };
    expect(qualifyEmergencyFees(a, [fee('x', '2028-02-27 08:00:00'), fee('y', '2028-02-27 07:59:00')]).map((q) => q.qualifies)).toEqual([true, false]);
  });
  it('only emergency visits, only the same patient, only emergency admissions', () => {
    expect(qualifyEmergencyFees(admission, [fee('a', '2026-11-05 10:00:00', { emergencyVisit: false })])[0]).toMatchObject({ qualifies: false, reason: expect.stringContaining('普通门诊') });
    expect(qualifyEmergencyFees(admission, [fee('a', '2026-11-05 10:00:00', { certNo: '110105194912310021' })])[0]).toMatchObject({ qualifies: false, reason: expect.stringContaining('不属于本患者') });
    const planned = { ...admission, emergency: false, way: '门诊', medType: '21' };
    expect(qualifyEmergencyFees(planned, [fee('a', '2026-11-05 10:00:00')])[0]).toMatchObject({ qualifies: false, reason: expect.stringContaining('不是急诊入院') });
  });
});

describe('fee items and the outside-exam slip', () => {
  it('amount = qty × price half-up; a disagreeing amount is refused', () => {
    expect(itemAmount({ qty: '3', price: '12.345' })).toEqual({ amount: '37.04' });
    expect(itemAmount({ qty: '1', price: '580', amount: '580.00' })).toEqual({ amount: '580.00' });
    expect(itemAmount({ qty: '1', price: '580', amount: '58.00' })).toMatchObject({ error: expect.stringContaining('不一致') });
  });
  it('slip validation names the field in Chinese', () => {
    const slip = { kind: 'hospital', diagnosis: '股骨颈骨折', hospital: { code: 'h34010400002', name: '安徽医科大学第一附属医院' }, items: [{ code: '002100000030000', name: '磁共振成像', qty: '1', price: '580' }], reason: '本院设备检修', doctor: '李明' };
    expect(outsideExamSchema.parse(slip).hospital.code).toBe('H34010400002');
    const bad = outsideExamSchema.safeParse({ ...slip, items: [] });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(describeZodError(bad.error).message).toContain('请至少填写一项');
    const badQty = outsideExamSchema.safeParse({ ...slip, items: [{ ...slip.items[0], qty: '0' }] });
    if (!badQty.success) expect(describeZodError(badQty.error)).toMatchObject({ path: 'items.0.qty', message: expect.stringContaining('数量应为大于 0') });
    else throw new Error('expected failure');
  });
});
