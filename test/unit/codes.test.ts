import { describe, expect, it } from 'vitest';
import {
  CHRGITM_LV,
  CLASS_OF_CHRGITM_LV,
  FUND_PAY_TYPE,
  GEND,
  INSUTYPE,
  MDTRT_CERT_TYPE,
  PSN_INSU_STAS,
  SCHEMES,
  SCHEME_SHORT,
  nameOf,
  nationalFundOf,
} from '../../shared/codes.ts';
import { fundColumnOf } from '../../shared/claimTables.ts';

describe('national code tables (national-interface.md §3)', () => {
  it('insutype: the two schemes and the legacy values', () => {
    expect(INSUTYPE['310']).toBe('职工基本医疗保险');
    expect(INSUTYPE['390']).toBe('城乡居民基本医疗保险');
    expect(INSUTYPE['380']).toBe('新型农村合作医疗');
    expect(INSUTYPE['391']).toBe('城镇居民基本医疗保险');
    expect(INSUTYPE['330']).toBe('大额医疗费用补助');
  });

  it('the desk settles 310 and 390', () => {
    expect([...SCHEMES]).toEqual(['310', '390']);
    expect(SCHEME_SHORT).toEqual({ '310': '职工医保', '390': '居民医保' });
    for (const s of SCHEMES) expect(INSUTYPE[s]).toBeDefined();
  });

  it('mdtrt_cert_type: 01 / 02 / 03', () => {
    expect(MDTRT_CERT_TYPE).toEqual({ '01': '医保电子凭证', '02': '居民身份证', '03': '社会保障卡' });
  });

  it('fund_pay_type: pool, supplementary and residents’ critical illness funds', () => {
    expect(FUND_PAY_TYPE['310100']).toBe('职工基本医疗保险统筹基金');
    expect(FUND_PAY_TYPE['330100']).toBe('大额医疗费用补助基金');
    expect(FUND_PAY_TYPE['390200']).toBe('城乡居民大病医疗保险基金');
    expect(FUND_PAY_TYPE['390100']).toBe('城乡居民基本医疗保险基金');
    expect(FUND_PAY_TYPE['320100']).toBe('公务员医疗补助基金');
    expect(FUND_PAY_TYPE['999996']).toBe('医院垫付');
  });

  it('other small tables', () => {
    expect(GEND['1']).toBe('男');
    expect(GEND['2']).toBe('女');
    expect(PSN_INSU_STAS['1']).toBe('正常参保');
    expect(PSN_INSU_STAS['2']).toBe('暂停参保');
    expect(CHRGITM_LV).toEqual({ '01': '甲类', '02': '乙类', '03': '丙类/自费' });
  });

  it('class letters accept both the national two-digit and the regional one-digit chrgitm_lv', () => {
    expect(CLASS_OF_CHRGITM_LV).toEqual({ '01': 'A', '02': 'B', '03': 'C', '1': 'A', '2': 'B', '3': 'C' });
  });

  it('tables are frozen', () => {
    expect(Object.isFrozen(INSUTYPE)).toBe(true);
    expect(Object.isFrozen(FUND_PAY_TYPE)).toBe(true);
    expect(Object.isFrozen(MDTRT_CERT_TYPE)).toBe(true);
  });

  it('nameOf names a code or says it is unknown', () => {
    expect(nameOf(FUND_PAY_TYPE, '310100')).toBe('职工基本医疗保险统筹基金');
    expect(nameOf(FUND_PAY_TYPE, '123456')).toBe('未知代码 123456');
    expect(nameOf(INSUTYPE, '')).toBe('未知代码 ');
  });
});

describe('regional variants of the national fund codes (DOMAIN §6)', () => {
  it('count as their national fund for the tables and sums; other codes stay as they are', () => {
    expect(nationalFundOf('330101')).toBe('330100');
    expect(nationalFundOf('310101')).toBe('310100');
    expect(nationalFundOf('310201')).toBe('310200');
    expect(nationalFundOf('390201')).toBe('390200');
    expect(nationalFundOf('310100')).toBe('310100');
    expect(nationalFundOf('999996')).toBe('999996');
    expect(nationalFundOf('X1')).toBe('X1');
    expect(fundColumnOf('310101', '310')).toBe('pool');
    expect(fundColumnOf('330101', '310')).toBe('major');
    expect(fundColumnOf('999997', '310')).toBe('other');
  });
});
