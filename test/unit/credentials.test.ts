import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCharacter } from '../../shared/citizenId.ts';
import { credentialNumber, credentialRefusal, describeCredential, parseCredential, recogniseCredential } from '../../shared/credentials.ts';
import { InputError } from '../../shared/errors.ts';

const TODAY = '2026-11-23';
const id = (first17: string) => first17 + checkCharacter(first17);
const ZHAO = id('34120219921105282'); // 女, 1992-11-05
const LI = id('32050619800722351'); // 男, 1980-07-22

function failure(raw: string): InputError {
  try {
    parseCredential(raw, TODAY);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error(`accepted: ${raw.slice(0, 40)}`);
}

describe('parseCredential: 居民身份证', () => {
  it('derives birth date and sex, normalising full-width and lower-case x', () => {
    expect(parseCredential(ZHAO, TODAY)).toEqual({ type: '02', certno: ZHAO, birthDate: '1992-11-05', sex: 'F' });
    expect(parseCredential(` ${LI}\r\n`, TODAY)).toMatchObject({ type: '02', certno: LI, birthDate: '1980-07-22', sex: 'M' });
    const endsInX = Array.from({ length: 1000 }, (_, n) => id(`110105194912310${String(n).padStart(2, '0')}`.slice(0, 17))).find((v) => v.endsWith('X'))!;
    expect(parseCredential(endsInX.toLowerCase(), TODAY)).toMatchObject({ certno: endsInX });
    const fullWidth = ZHAO.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(parseCredential(fullWidth, TODAY)).toMatchObject({ type: '02', certno: ZHAO });
  });

  it.each([
    ['wrong check digit', `${ZHAO.slice(0, 17)}${ZHAO[17] === '0' ? '1' : '0'}`, 'ID_CHECK_DIGIT', '校验位'],
    ['17 characters', ZHAO.slice(0, 17), 'ID_LENGTH', '18 位'],
    ['19 characters', `${ZHAO}1`, 'ID_LENGTH', '读到 19 位'],
    ['letters inside', `${ZHAO.slice(0, 10)}AB${ZHAO.slice(12)}`, 'ID_CHARSET', '前 17 位应为数字'],
    ['future birth date', id('34120220300101282'), 'ID_BIRTH_DATE', '出生日期'],
    ['tomorrow as birth date', id('34120220261124282'), 'ID_BIRTH_DATE', '出生日期'],
    ['impossible date', id('34120219920230282'), 'ID_BIRTH_DATE', '出生日期'],
    ['not a province', id('99120219921105282'), 'ID_REGION', '省级'],
  ])('%s → Chinese error naming 居民身份证号码', (_name, raw, code, text) => {
    const e = failure(raw);
    expect(e.code).toBe(code);
    expect(e.path).toBe('certno');
    expect(e.message).toContain('居民身份证号码');
    expect(e.message).toContain(text);
  });

  it('today as birth date is still valid (a newborn)', () => {
    expect(parseCredential(id('34120220261123282'), TODAY)).toMatchObject({ birthDate: '2026-11-23' });
  });
});

describe('parseCredential: 社会保障卡', () => {
  it('card number and holder ID, any separator, either order', () => {
    const expected = { type: '03', cardNo: 'A12345678', certno: LI, birthDate: '1980-07-22', sex: 'M' };
    expect(parseCredential(`A12345678|${LI}`, TODAY)).toEqual(expected);
    expect(parseCredential(`a12345678 ${LI}`, TODAY)).toEqual(expected);
    expect(parseCredential(`${LI}｜A12345678`, TODAY)).toEqual(expected);
    expect(parseCredential(`A12345678\t${LI}`, TODAY)).toEqual(expected);
  });

  it('a bad card number or a bad holder ID names its own field', () => {
    expect(failure(`A1234567|${LI}`)).toMatchObject({ code: 'CARD_FORMAT', path: 'cardNo' });
    expect(failure(`A1234567|${LI}`).message).toContain('社会保障卡卡号');
    const bad = failure(`A12345678|${LI.slice(0, 17)}`);
    expect(bad).toMatchObject({ code: 'ID_LENGTH', path: 'certno' });
    expect(bad.message).toContain('持卡人身份证号码');
  });

  it('a card reader may add the 卡识别码 (1101 card_sn) as a third field', () => {
    const sn = '0123456789ABCDEF0123456789ABCDEF';
    expect(parseCredential(`A12345678|${LI}|${sn}`, TODAY)).toEqual({ type: '03', cardNo: 'A12345678', cardSn: sn, certno: LI, birthDate: '1980-07-22', sex: 'M' });
    expect(failure(`A12345678|${LI}|${sn}0`)).toMatchObject({ code: 'CARD_SN_FORMAT', path: 'cardSn' });
  });

  it('a card number alone asks for the holder ID', () => {
    expect(failure('A12345678')).toMatchObject({ code: 'CARD_WITHOUT_ID', path: 'certno' });
  });
});

describe('parseCredential: 医保电子凭证', () => {
  it('recognises a token, including a psn_no style one', () => {
    expect(parseCredential('DEMO000003', TODAY)).toEqual({ type: '01', token: 'DEMO000003' });
    const token = 'jVHBcpC0Fz0TsRFoVd9cNC5CPgr9GsCC-mZ_2qz.Q=';
    expect(parseCredential(token, TODAY)).toEqual({ type: '01', token });
    expect(credentialNumber(parseCredential(token, TODAY))).toBe(token);
    expect(describeCredential(parseCredential(token, TODAY))).not.toContain(token);
  });
});

describe('parseCredential: garbage', () => {
  it('empty scan', () => {
    for (const raw of ['', '   ', '\r\n']) expect(failure(raw)).toMatchObject({ code: 'EMPTY', path: 'credential' });
    expect(failure('').message).toContain('就诊凭证为空');
  });

  it('10,000 characters of garbage', () => {
    const garbage = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('');
    const e = failure(garbage);
    expect(e).toMatchObject({ code: 'TOO_LONG', path: 'credential' });
    expect(e.message).toContain('10000 个字符');
  });

  it('Chinese text, symbols, three fields', () => {
    expect(failure('张三').code).toBe('UNRECOGNISED');
    expect(failure('!!!@@@###$$$').code).toBe('UNRECOGNISED');
    expect(failure(`A12345678|${LI}|x|y`).code).toBe('UNRECOGNISED');
  });

  it('never throws anything but InputError, and never accepts an ID-looking string that fails GB 11643', () => {
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (raw) => {
      const r = recogniseCredential(raw, TODAY);
      if (r.ok && r.credential.type !== '01') expect(r.credential.certno).toMatch(/^\d{17}[\dX]$/);
      if (!r.ok) expect(r.message).toMatch(/[\u4e00-\u9fff]/);
    }), { numRuns: 500 });
  });
});

describe('credentialRefusal (004 第八条, idCardOnlyInProvince)', () => {
  const HOSPITAL = '340104';
  it('ID card: in-province residents only by default', () => {
    expect(credentialRefusal('02', { insuredRegion: '341202', insutype: '390' }, HOSPITAL)).toBeNull();
    expect(credentialRefusal('02', { insuredRegion: '341202', insutype: '310' }, HOSPITAL)).toContain('职工医保');
    const cross = credentialRefusal('02', { insuredRegion: '420102', insutype: '390' }, HOSPITAL);
    expect(cross).toContain('跨省');
    expect(cross).toContain('医保电子凭证');
    expect(cross).toContain('社会保障卡');
  });

  it('the other credentials, local patients, and a policy that allows the ID card are accepted', () => {
    expect(credentialRefusal('01', { insuredRegion: '420102', insutype: '310' }, HOSPITAL)).toBeNull();
    expect(credentialRefusal('03', { insuredRegion: '420102', insutype: '310' }, HOSPITAL)).toBeNull();
    expect(credentialRefusal('02', { insuredRegion: '340181', insutype: '310' }, HOSPITAL)).toBeNull();
    expect(credentialRefusal('02', { insuredRegion: '420102', insutype: '310' }, HOSPITAL, { idCardOnlyInProvince: false })).toBeNull();
  });

  it('scheme not yet known offline: region decides provisionally', () => {
    expect(credentialRefusal('02', { insuredRegion: '341202', insutype: null }, HOSPITAL)).toBeNull();
    expect(credentialRefusal('02', { insuredRegion: '420102', insutype: null }, HOSPITAL)).not.toBeNull();
  });
});
