import { describe, expect, it } from 'vitest';
import {
  ID_PROVINCE_CODES,
  PROVINCE_POOLED,
  cityOf,
  isRegionCode,
  poolingRegionOf,
  provinceName,
  provinceOf,
  regionName,
  sameProvince,
  scopeOf,
} from '../../shared/regions.ts';

/** The list of CLI.md `check-id` REGION: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82. */
function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}
const CLI_PROVINCES = [...range(11, 15), ...range(21, 23), ...range(31, 37), ...range(41, 46), ...range(50, 54), ...range(61, 65), '71', '81', '82'];

describe('ID_PROVINCE_CODES', () => {
  it('is exactly the CLI.md list', () => {
    expect(CLI_PROVINCES).toHaveLength(34);
    expect([...ID_PROVINCE_CODES].sort()).toEqual([...CLI_PROVINCES].sort());
  });

  it('leaves out the 兵团 pooling code 66, which no citizen ID begins with', () => {
    expect(ID_PROVINCE_CODES.has('66')).toBe(false);
  });
});

describe('poolingRegionOf', () => {
  it.each([
    ['340181', '340100', 'a county-level city pools with its prefecture (巢湖市 → 合肥市)'],
    ['340104', '340100', 'a district of 合肥'],
    ['340100', '340100', 'a city code is its own pooling region'],
    ['420102', '420100', '武汉市江岸区'],
    ['110105', '110000', 'Beijing pools at province level'],
    ['120101', '120000', 'Tianjin'],
    ['310115', '310000', 'Shanghai'],
    ['500229', '500000', 'Chongqing, county'],
    ['500101', '500000', 'Chongqing, district'],
    ['460105', '460000', 'Hainan'],
    ['469001', '460000', 'Hainan, province-administered county-level city'],
    ['540102', '540000', 'Tibet'],
    ['542621', '540000', 'Tibet, county'],
    ['660100', '660000', '兵团'],
    ['650102', '650100', 'Xinjiang (not 兵团) pools by city'],
    ['440305', '440300', '深圳市南山区'],
  ])('%s → %s (%s)', (code, expected) => {
    expect(poolingRegionOf(code)).toBe(expected);
  });

  it('PROVINCE_POOLED is the DOMAIN §1 list', () => {
    expect([...PROVINCE_POOLED].sort()).toEqual(['11', '12', '31', '46', '50', '54', '66']);
  });
});

describe('scopeOf', () => {
  it.each([
    ['420102', '340104', 'cross'],
    ['340104', '420102', 'cross'],
    ['110105', '120101', 'cross'],
    ['660100', '650102', 'cross'],
    ['460105', '440305', 'cross'],
    ['340102', '341102', 'in'],
    ['440305', '440106', 'in'],
    ['650102', '650202', 'in'],
    ['340181', '340104', 'same'],
    ['340104', '340100', 'same'],
    ['340102', '340102', 'same'],
    ['110105', '110108', 'same'],
    ['110105', '110000', 'same'],
    ['460105', '469001', 'same'],
    ['540102', '540202', 'same'],
    ['500101', '500229', 'same'],
    ['660100', '660200', 'same'],
  ])('insured %s, hospital %s → %s', (insured, hospital, expected) => {
    expect(scopeOf(insured, hospital)).toBe(expected);
  });
});

describe('province and city helpers', () => {
  it('provinceOf and cityOf', () => {
    expect(provinceOf('420102')).toBe('420000');
    expect(cityOf('420102')).toBe('420100');
    expect(cityOf('340181')).toBe('340100');
  });

  it('sameProvince', () => {
    expect(sameProvince('340102', '341102')).toBe(true);
    expect(sameProvince('420102', '340104')).toBe(false);
  });

  it('isRegionCode', () => {
    expect(isRegionCode('420102')).toBe(true);
    expect(isRegionCode('660100')).toBe(true);
    expect(isRegionCode('710000')).toBe(true);
    expect(isRegionCode('990000')).toBe(false);
    expect(isRegionCode('42010')).toBe(false);
    expect(isRegionCode('4201021')).toBe(false);
    expect(isRegionCode('42010a')).toBe(false);
  });

  it('provinceName', () => {
    expect(provinceName('420102')).toBe('湖北省');
    expect(provinceName('110000')).toBe('北京市');
    expect(provinceName('660100')).toBe('新疆生产建设兵团');
    expect(provinceName('810000')).toBe('香港特别行政区');
    expect(provinceName('990000')).toBeUndefined();
  });
});

describe('regionName', () => {
  it.each([
    ['420102', '湖北省武汉市江岸区'],
    ['340100', '安徽省合肥市'],
    ['340181', '安徽省合肥市巢湖市'],
    ['110105', '北京市朝阳区'],
    ['110000', '北京市'],
    ['420000', '湖北省'],
    ['500101', '重庆市万州区'],
    ['469001', '海南省五指山市'],
    ['660000', '新疆生产建设兵团'],
    ['710000', '台湾省'],
  ])('%s → %s', (code, name) => {
    expect(regionName(code)).toBe(name);
  });

  it.each([['999999'], ['990000'], ['429900'], ['420199'], ['1101'], [''], ['11010a'], ['1101051']])('an unknown or malformed code %j → undefined', (code) => {
    expect(regionName(code)).toBeUndefined();
  });
});
