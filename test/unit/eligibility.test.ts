// Over 400 lines: each DOMAIN §3 reason, its precedence and window edges, the input schema and the CLI command.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  decideEligibility,
  destinationCovers,
  ELIGIBILITY_REASONS,
  isEmergencyFlagged,
  parseEligibilityInput,
  patientFacingReason,
  REASON_LABEL,
  REASON_RULE,
  registrationLastDay,
  type EligibilityDecision,
  type EligibilityInput,
  type EligibilityRegistration,
} from '../../shared/eligibility.ts';
import { InputError } from '../../shared/errors.ts';
import { inputError } from '../support/inputError.ts';

// A Wuhan (420102) retiree resettled in Hefei, admitted at a Hefei (340104) hospital: the CLI.md example.
function base(): EligibilityInput {
  return {
    hospital: { admdvs: '340104', networked: true },
    admission: { date: '2026-03-10', emergency: false },
    person: { insuredRegion: '420102', status: 'normal' },
    registration: {
      group: 'resettledRetiree',
      basis: 'proof',
      destination: '340100',
      effectiveFrom: '2025-11-01',
      proofSuppliedOn: null,
      status: 'active',
    },
    policy: { tempValidityMonths: 12, pledgeValidityMonths: 3 },
  };
}

interface Overrides {
  hospital?: Partial<EligibilityInput['hospital']>;
  admission?: Partial<EligibilityInput['admission']>;
  person?: Partial<EligibilityInput['person']>;
  registration?: Partial<EligibilityRegistration> | null;
  policy?: Partial<EligibilityInput['policy']>;
}

function make(o: Overrides = {}): EligibilityInput {
  const b = base();
  return {
    hospital: { ...b.hospital, ...o.hospital },
    admission: { ...b.admission, ...o.admission },
    person: { ...b.person, ...o.person },
    registration: o.registration === null ? null : { ...b.registration!, ...o.registration },
    policy: { ...b.policy, ...o.policy },
  };
}

function decide(o: Overrides = {}): EligibilityDecision {
  return decideEligibility(make(o));
}

const temporary = (effectiveFrom: string, group: EligibilityRegistration['group'] = 'referral'): Partial<EligibilityRegistration> => ({
  group,
  basis: 'proof',
  effectiveFrom,
});

const pledge = (effectiveFrom: string, proofSuppliedOn: string | null = null): Partial<EligibilityRegistration> => ({
  group: 'longTermResident',
  basis: 'pledge',
  effectiveFrom,
  proofSuppliedOn,
});

describe('decideEligibility: each reason', () => {
  it('REGISTERED: long-term on proof is open-ended (CLI.md example)', () => {
    const d = decide();
    expect(d).toEqual({ direct: true, reason: 'REGISTERED', rule: '004 第十三条', validUntil: null, message: expect.any(String) });
    expect(Object.keys(d).sort()).toEqual(['direct', 'message', 'reason', 'rule', 'validUntil']);
    expect(d.message).toContain('长期有效');
  });

  it.each(['resettledRetiree', 'longTermResident', 'postedWorker'] as const)('REGISTERED: long-term group %s on proof, years later', (group) => {
    const d = decide({ registration: { group }, admission: { date: '2040-01-01' } });
    expect(d.reason).toBe('REGISTERED');
    expect(d.validUntil).toBeNull();
  });

  it.each(['referral', 'emergency', 'otherTemporary'] as const)('REGISTERED: temporary group %s has a bounded window', (group) => {
    const d = decide({ registration: temporary('2025-11-01', group) });
    expect(d).toMatchObject({ direct: true, reason: 'REGISTERED', validUntil: '2026-10-31' });
  });

  it('SAME_REGION: same pooling region is not 异地', () => {
    const d = decide({ person: { insuredRegion: '340102' } });
    expect(d).toMatchObject({ direct: false, reason: 'SAME_REGION', rule: '004 第二条(三)', validUntil: null });
    expect(d.message).toContain('不属于异地就医');
  });

  it('SUSPENDED', () => {
    const d = decide({ person: { status: 'suspended' } });
    expect(d).toMatchObject({ direct: false, reason: 'SUSPENDED', validUntil: null });
    expect(d.rule).toContain('004 第十三条');
    expect(d.message).toContain('零星报销告知书');
  });

  it('NOT_NETWORKED', () => {
    const d = decide({ hospital: { networked: false } });
    expect(d).toMatchObject({ direct: false, reason: 'NOT_NETWORKED', validUntil: null });
    expect(d.rule).toContain('004 第十九条');
    expect(d.message).toContain('零星报销告知书');
  });

  it('EMERGENCY without registration is treated as registered and flagged', () => {
    const d = decide({ admission: { emergency: true }, registration: null });
    expect(d).toMatchObject({ direct: true, reason: 'EMERGENCY', rule: '004 第十一条(五)、第三十七条', validUntil: null });
    expect(isEmergencyFlagged(d)).toBe(true);
    expect(d.message).toContain('急诊');
  });

  it('NOT_REGISTERED: offer 补办 before discharge, else manual claim in 3 + 3 months', () => {
    const d = decide({ registration: null });
    expect(d).toMatchObject({ direct: false, reason: 'NOT_REGISTERED', rule: '004 第二十二条、第四十七条', validUntil: null });
    expect(d.message).toContain('补办');
    expect(d.message).toContain('出院结算前');
    expect(d.message).toContain('重新核验');
    expect(d.message).toContain('3 个月内');
    expect(d.message).toContain('延长 3 个月');
    expect(d.message).toContain('零星报销');
    expect(isEmergencyFlagged(d)).toBe(false);
  });

  it('CANCELLED: validUntil null even for a bounded window', () => {
    const d = decide({ registration: { ...temporary('2026-01-01'), status: 'cancelled' } });
    expect(d).toMatchObject({ direct: false, reason: 'CANCELLED', rule: '004 第十七条', validUntil: null });
    expect(d.message).toContain('零星报销告知书');
  });

  it('NOT_YET_EFFECTIVE: the day before effectiveFrom, bounded and open-ended', () => {
    const t = decide({ registration: temporary('2026-03-11') });
    expect(t).toMatchObject({ direct: false, reason: 'NOT_YET_EFFECTIVE', validUntil: '2027-03-10' });
    const l = decide({ registration: { effectiveFrom: '2026-03-11' } });
    expect(l).toMatchObject({ direct: false, reason: 'NOT_YET_EFFECTIVE', validUntil: null });
    expect(l.message).toContain('零星报销告知书');
    const p = decide({ registration: pledge('2026-03-11') });
    expect(p).toMatchObject({ reason: 'NOT_YET_EFFECTIVE', validUntil: '2026-06-10' });
  });

  it('REGISTERED on the effective day itself', () => {
    expect(decide({ registration: temporary('2026-03-10') })).toMatchObject({ reason: 'REGISTERED', validUntil: '2027-03-09' });
  });

  it('EXPIRED: temporary window ended before admission', () => {
    const d = decide({ registration: temporary('2025-03-10') });
    expect(d).toMatchObject({ direct: false, reason: 'EXPIRED', rule: '004 第十三条(二)', validUntil: '2026-03-09' });
    expect(d.message).toContain('零星报销告知书');
  });

  it('PLEDGE_LAPSED: long-term pledge without proof, window ended before admission', () => {
    const d = decide({ registration: pledge('2025-11-01') });
    expect(d).toMatchObject({ direct: false, reason: 'PLEDGE_LAPSED', validUntil: '2026-01-31' });
    expect(d.rule).toContain('第十三条(一)');
    expect(d.message).toContain('承诺');
  });

  it('WRONG_DESTINATION: registered to another city', () => {
    const d = decide({ registration: { destination: '320100' } });
    expect(d).toMatchObject({ direct: false, reason: 'WRONG_DESTINATION', rule: '004 第十五条(一)', validUntil: null });
    expect(d.message).toContain('零星报销告知书');
    expect(d.message).toContain('第十四条');
  });

  it('WRONG_DESTINATION carries the bounded window', () => {
    expect(decide({ registration: { ...temporary('2026-01-01'), destination: '320100' } })).toMatchObject({
      reason: 'WRONG_DESTINATION',
      validUntil: '2026-12-31',
    });
  });

  it('every refusal is direct: false, the two admissions direct: true', () => {
    const cases: [EligibilityDecision, boolean][] = [
      [decide(), true],
      [decide({ admission: { emergency: true } }), true],
      [decide({ registration: null }), false],
      [decide({ hospital: { networked: false } }), false],
    ];
    for (const [d, direct] of cases) expect(d.direct).toBe(direct);
  });
});

describe('decideEligibility: precedence (DOMAIN §3 order)', () => {
  it('SAME_REGION beats everything', () => {
    const d = decide({
      person: { insuredRegion: '340181', status: 'suspended' },
      hospital: { networked: false },
      admission: { emergency: true },
      registration: null,
    });
    expect(d.reason).toBe('SAME_REGION');
  });

  it('SUSPENDED beats NOT_NETWORKED, EMERGENCY and registration problems', () => {
    const d = decide({ person: { status: 'suspended' }, hospital: { networked: false }, admission: { emergency: true }, registration: null });
    expect(d.reason).toBe('SUSPENDED');
  });

  it('NOT_NETWORKED beats EMERGENCY', () => {
    expect(decide({ hospital: { networked: false }, admission: { emergency: true } }).reason).toBe('NOT_NETWORKED');
  });

  it('EMERGENCY beats NOT_REGISTERED, CANCELLED, EXPIRED, WRONG_DESTINATION and REGISTERED', () => {
    const e = { admission: { emergency: true } };
    expect(decide({ ...e, registration: null }).reason).toBe('EMERGENCY');
    expect(decide({ ...e, registration: { status: 'cancelled' } }).reason).toBe('EMERGENCY');
    expect(decide({ ...e, registration: temporary('2020-01-01') }).reason).toBe('EMERGENCY');
    expect(decide({ ...e, registration: pledge('2020-01-01') }).reason).toBe('EMERGENCY');
    expect(decide({ ...e, registration: { destination: '320100' } }).reason).toBe('EMERGENCY');
    const valid = decide(e);
    expect(valid).toMatchObject({ reason: 'EMERGENCY', validUntil: null, direct: true });
  });

  it('CANCELLED beats NOT_YET_EFFECTIVE, EXPIRED and WRONG_DESTINATION', () => {
    expect(decide({ registration: { status: 'cancelled', effectiveFrom: '2027-01-01', destination: '320100' } }).reason).toBe('CANCELLED');
    expect(decide({ registration: { ...temporary('2020-01-01'), status: 'cancelled' } }).reason).toBe('CANCELLED');
  });

  it('NOT_YET_EFFECTIVE beats WRONG_DESTINATION', () => {
    expect(decide({ registration: { effectiveFrom: '2027-01-01', destination: '320100' } }).reason).toBe('NOT_YET_EFFECTIVE');
  });

  it('EXPIRED and PLEDGE_LAPSED beat WRONG_DESTINATION', () => {
    expect(decide({ registration: { ...temporary('2020-01-01'), destination: '320100' } })).toMatchObject({
      reason: 'EXPIRED',
      validUntil: '2020-12-31',
    });
    expect(decide({ registration: { ...pledge('2020-01-01'), destination: '320100' } })).toMatchObject({
      reason: 'PLEDGE_LAPSED',
      validUntil: '2020-03-31',
    });
  });

  it('the exported order is DOMAIN §3 order', () => {
    expect(ELIGIBILITY_REASONS).toEqual([
      'SAME_REGION', 'SUSPENDED', 'NOT_NETWORKED', 'EMERGENCY', 'NOT_REGISTERED', 'CANCELLED',
      'NOT_YET_EFFECTIVE', 'EXPIRED', 'PLEDGE_LAPSED', 'WRONG_DESTINATION', 'REGISTERED',
    ]);
  });
});

describe('decideEligibility: window edges (DOMAIN §3 window arithmetic)', () => {
  it('12-month temporary: last valid day and the day after', () => {
    const reg = temporary('2025-03-10');
    expect(decide({ registration: reg, admission: { date: '2026-03-09' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2026-03-09' });
    expect(decide({ registration: reg, admission: { date: '2026-03-10' } })).toMatchObject({ reason: 'EXPIRED', validUntil: '2026-03-09' });
  });

  it('2026-08-31 + 6 months ends before 2027-02-28', () => {
    const o = { registration: temporary('2026-08-31'), policy: { tempValidityMonths: 6 } };
    expect(decide({ ...o, admission: { date: '2027-02-27' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2027-02-27' });
    expect(decide({ ...o, admission: { date: '2027-02-28' } })).toMatchObject({ reason: 'EXPIRED', validUntil: '2027-02-27' });
  });

  it('leap years: 2027-08-31 + 6 months ends before 2028-02-29', () => {
    const o = { registration: temporary('2027-08-31'), policy: { tempValidityMonths: 6 } };
    expect(decide({ ...o, admission: { date: '2028-02-28' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2028-02-28' });
    expect(decide({ ...o, admission: { date: '2028-02-29' } })).toMatchObject({ reason: 'EXPIRED', validUntil: '2028-02-28' });
  });

  it('leap years: 2028-02-29 + 12 months ends before 2029-02-28', () => {
    const o = { registration: temporary('2028-02-29') };
    expect(decide({ ...o, admission: { date: '2029-02-27' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2029-02-27' });
    expect(decide({ ...o, admission: { date: '2029-02-28' } })).toMatchObject({ reason: 'EXPIRED', validUntil: '2029-02-27' });
  });

  it('pledge over a leap February: 2023-11-30 + 3 months ends before 2024-02-29', () => {
    const o = { registration: pledge('2023-11-30') };
    expect(decide({ ...o, admission: { date: '2024-02-28' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2024-02-28' });
    expect(decide({ ...o, admission: { date: '2024-02-29' } })).toMatchObject({ reason: 'PLEDGE_LAPSED', validUntil: '2024-02-28' });
  });

  it('a year-end window: 2025-12-31 + 12 months', () => {
    const o = { registration: temporary('2025-12-31') };
    expect(decide({ ...o, admission: { date: '2026-12-30' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2026-12-30' });
    expect(decide({ ...o, admission: { date: '2026-12-31' } }).reason).toBe('EXPIRED');
  });

  it('tempValidityMonths is a parameter: 6 (003) vs 12 (004)', () => {
    const reg = temporary('2026-01-15');
    const at = { date: '2026-08-01' };
    expect(decide({ registration: reg, admission: at, policy: { tempValidityMonths: 6 } })).toMatchObject({ reason: 'EXPIRED', validUntil: '2026-07-14' });
    expect(decide({ registration: reg, admission: at, policy: { tempValidityMonths: 12 } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2027-01-14' });
  });

  it('only the admission date counts: admitted on the last day is covered (004 第十三条(二))', () => {
    // No discharge date is asked for: a stay that starts inside the window is covered whatever its end.
    expect(decide({ registration: temporary('2025-03-11') })).toMatchObject({ reason: 'REGISTERED', validUntil: '2026-03-10' });
  });

  it('a temporary group filed with basis pledge still uses the temporary window and EXPIRED', () => {
    const d = decide({ registration: { ...temporary('2025-01-01'), basis: 'pledge' } });
    expect(d).toMatchObject({ reason: 'EXPIRED', validUntil: '2025-12-31' });
  });
});

describe('decideEligibility: pledge-based long-term registrations (004 第十三条(一))', () => {
  it('inside the pledge window without proof: direct, bounded, with a warning', () => {
    const d = decide({ registration: pledge('2026-01-15'), admission: { date: '2026-04-14' } });
    expect(d).toMatchObject({ direct: true, reason: 'REGISTERED', validUntil: '2026-04-14' });
    expect(d.message).toContain('追回');
  });

  it('the day after the pledge window without proof: PLEDGE_LAPSED', () => {
    expect(decide({ registration: pledge('2026-01-15'), admission: { date: '2026-04-15' } })).toMatchObject({
      direct: false,
      reason: 'PLEDGE_LAPSED',
      validUntil: '2026-04-14',
    });
  });

  it('proof supplied on the last valid day: open-ended', () => {
    const reg = pledge('2026-01-15', '2026-04-14');
    expect(decide({ registration: reg, admission: { date: '2026-04-15' } })).toMatchObject({ reason: 'REGISTERED', validUntil: null });
    expect(decide({ registration: reg, admission: { date: '2035-06-01' } })).toMatchObject({ reason: 'REGISTERED', validUntil: null });
    expect(decide({ registration: reg, admission: { date: '2026-02-01' } })).toMatchObject({ reason: 'REGISTERED', validUntil: null });
  });

  it('proof supplied the day after the last valid day: lapsed, late proof does not revive it', () => {
    const reg = pledge('2026-01-15', '2026-04-15');
    expect(decide({ registration: reg, admission: { date: '2026-04-15' } })).toMatchObject({ reason: 'PLEDGE_LAPSED', validUntil: '2026-04-14' });
    expect(decide({ registration: reg, admission: { date: '2026-03-01' } })).toMatchObject({ reason: 'REGISTERED', validUntil: '2026-04-14' });
  });

  it('proof supplied early in the window: open-ended', () => {
    expect(decide({ registration: pledge('2026-01-15', '2026-01-20'), admission: { date: '2027-01-01' } })).toMatchObject({
      reason: 'REGISTERED',
      validUntil: null,
    });
  });

  it('pledgeValidityMonths is a parameter', () => {
    const reg = pledge('2026-01-15');
    expect(decide({ registration: reg, admission: { date: '2026-05-01' }, policy: { pledgeValidityMonths: 6 } })).toMatchObject({
      reason: 'REGISTERED',
      validUntil: '2026-07-14',
    });
  });

  it('basis proof ignores proofSuppliedOn', () => {
    expect(decide({ registration: { proofSuppliedOn: '2030-01-01' }, admission: { date: '2031-01-01' } })).toMatchObject({
      reason: 'REGISTERED',
      validUntil: null,
    });
  });

  // 2026-08-31 + 3 months clamps to 2026-11-30, so the pledge's last valid day is 11-29.
  it('registrationLastDay gives the same window the decision uses', () => {
    const p = base().policy;
    expect(registrationLastDay({ ...base().registration!, ...pledge('2026-08-31') }, p)).toBe('2026-11-29');
    expect(registrationLastDay({ ...base().registration!, ...pledge('2026-08-31', '2026-11-29') }, p)).toBeNull();
    expect(registrationLastDay({ ...base().registration!, ...pledge('2026-08-31', '2026-11-30') }, p)).toBe('2026-11-29');
    expect(registrationLastDay(base().registration!, p)).toBeNull();
  });
});

describe('decideEligibility: destinations and pooling regions', () => {
  it('Beijing pools at province level: destination 110000 covers a Haidian hospital', () => {
    const d = decide({ hospital: { admdvs: '110108' }, registration: { destination: '110000' } });
    expect(d.reason).toBe('REGISTERED');
  });

  it('Beijing: a legacy city code 110100 still means the Beijing pool', () => {
    expect(decide({ hospital: { admdvs: '110108' }, registration: { destination: '110100' } }).reason).toBe('REGISTERED');
  });

  it('Hainan pools at province level: 460000 covers Sanya as well as Haikou', () => {
    expect(decide({ hospital: { admdvs: '460202' }, registration: { destination: '460000' } }).reason).toBe('REGISTERED');
    expect(decide({ hospital: { admdvs: '460106' }, registration: { destination: '460000' } }).reason).toBe('REGISTERED');
  });

  it('a Hainan registration does not cover Guangdong', () => {
    expect(decide({ hospital: { admdvs: '440305' }, registration: { destination: '460000' } }).reason).toBe('WRONG_DESTINATION');
  });

  it('Beijing-insured at another Beijing district is SAME_REGION', () => {
    expect(decide({ person: { insuredRegion: '110101' }, hospital: { admdvs: '110108' } }).reason).toBe('SAME_REGION');
  });

  it('Hainan-insured in another Hainan city is SAME_REGION (province pool)', () => {
    expect(decide({ person: { insuredRegion: '460106' }, hospital: { admdvs: '460202' } }).reason).toBe('SAME_REGION');
  });

  it('county-level city 340181 (巢湖市) pools with 340100', () => {
    expect(decide({ hospital: { admdvs: '340181' }, registration: { destination: '340100' } }).reason).toBe('REGISTERED');
    expect(decide({ person: { insuredRegion: '340181' } }).reason).toBe('SAME_REGION');
    expect(decide({ person: { insuredRegion: '340102' }, hospital: { admdvs: '340181' } }).reason).toBe('SAME_REGION');
  });

  it('in-province, different city (芜湖 → 合肥) is 异地', () => {
    expect(decide({ person: { insuredRegion: '340202' } }).reason).toBe('REGISTERED');
    expect(decide({ person: { insuredRegion: '340202' }, registration: { destination: '340200' } }).reason).toBe('WRONG_DESTINATION');
    expect(decide({ person: { insuredRegion: '340202' }, registration: null }).reason).toBe('NOT_REGISTERED');
  });

  it('a province code covers the whole province, a wrong one does not', () => {
    expect(decide({ person: { insuredRegion: '340202' }, registration: { destination: '340000' } }).reason).toBe('REGISTERED');
    expect(decide({ registration: { destination: '320000' } }).reason).toBe('WRONG_DESTINATION');
  });

  it('destinationCovers', () => {
    expect(destinationCovers('340100', '340181')).toBe(true);
    expect(destinationCovers('340100', '340202')).toBe(false);
    expect(destinationCovers('110000', '110105')).toBe(true);
    expect(destinationCovers('500000', '500101')).toBe(true);
    expect(destinationCovers('660000', '660100')).toBe(true);
    expect(destinationCovers('540000', '540102')).toBe(true);
    expect(destinationCovers('120000', '110105')).toBe(false);
  });
});

describe('reason metadata', () => {
  it('every reason has a label and a cited rule', () => {
    for (const r of ELIGIBILITY_REASONS) {
      expect(REASON_LABEL[r]).toMatch(/\p{Script=Han}/u);
      expect(REASON_RULE[r]).toMatch(/^00[0-4] /);
    }
  });

  it('only EMERGENCY is emergency-flagged', () => {
    for (const r of ELIGIBILITY_REASONS) expect(isEmergencyFlagged({ reason: r })).toBe(r === 'EMERGENCY');
  });

  it('the rule on each decision is the reason’s stable rule', () => {
    const ds = [decide(), decide({ registration: null }), decide({ registration: pledge('2020-01-01') }), decide({ person: { insuredRegion: '340102' } })];
    for (const d of ds) expect(d.rule).toBe(REASON_RULE[d.reason]);
  });
});

describe('parseEligibilityInput', () => {
  function json(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(base())) as Record<string, unknown>;
  }

  const errorOf = (input: unknown): InputError => inputError(() => parseEligibilityInput(input));

  function withField(path: string, value: unknown): Record<string, unknown> {
    const j = json();
    const keys = path.split('.');
    let o = j;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete o[last];
    else o[last] = value;
    return j;
  }

  it('accepts the CLI.md example and ignores unknown fields', () => {
    const j = json();
    j.extra = 1;
    (j.hospital as Record<string, unknown>).name = '某医院';
    const parsed = parseEligibilityInput(j);
    expect(parsed).toEqual(base());
    expect(parsed.hospital).not.toHaveProperty('name');
    expect(parsed).not.toHaveProperty('extra');
  });

  it('accepts registration: null', () => {
    expect(parseEligibilityInput(withField('registration', null)).registration).toBeNull();
  });

  it('treats a missing proofSuppliedOn as null', () => {
    expect(parseEligibilityInput(withField('registration.proofSuppliedOn', undefined)).registration?.proofSuppliedOn).toBeNull();
  });

  it('accepts a proofSuppliedOn date', () => {
    expect(parseEligibilityInput(withField('registration.proofSuppliedOn', '2026-01-02')).registration?.proofSuppliedOn).toBe('2026-01-02');
  });

  it.each([
    'hospital', 'hospital.admdvs', 'hospital.networked', 'admission', 'admission.date', 'admission.emergency',
    'person', 'person.insuredRegion', 'person.status', 'registration', 'registration.group', 'registration.basis',
    'registration.destination', 'registration.effectiveFrom', 'registration.status', 'policy',
    'policy.tempValidityMonths', 'policy.pledgeValidityMonths',
  ])('missing %s → MISSING_FIELD with its path', (path) => {
    const e = errorOf(withField(path, undefined));
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/\p{Script=Han}/u);
  });

  it.each([
    ['registration.effectiveFrom', '2025-11-31'],
    ['registration.effectiveFrom', '2025/11/01'],
    ['admission.date', '2026-02-29'],
    ['admission.date', '2026-3-10'],
    ['admission.date', 20260310],
    ['registration.proofSuppliedOn', 'soon'],
  ])('invalid date %s = %j → INVALID_DATE', (path, value) => {
    const e = errorOf(withField(path, value));
    expect(e).toMatchObject({ code: 'INVALID_DATE', path });
    expect(e.message).toMatch(/日期/);
  });

  it('the Chinese message names the field', () => {
    expect(errorOf(withField('registration.effectiveFrom', '2025-11-31')).message).toContain('备案生效日期');
    expect(errorOf(withField('admission.date', undefined)).message).toContain('入院日期');
  });

  it.each([
    ['hospital.admdvs', '34010'],
    ['hospital.admdvs', '3401040'],
    ['hospital.admdvs', '990104'],
    ['person.insuredRegion', 'abcdef'],
    ['person.insuredRegion', 420102],
    ['registration.destination', '340104'],
    ['registration.destination', '990000'],
  ])('invalid region %s = %j → INVALID_REGION', (path, value) => {
    expect(errorOf(withField(path, value))).toMatchObject({ code: 'INVALID_REGION', path });
  });

  it.each([
    ['person.status', 'active'],
    ['registration.status', 'expired'],
    ['registration.group', 'tourist'],
    ['registration.basis', 'oral'],
    ['hospital.networked', 'yes'],
    ['admission.emergency', 1],
    ['policy.tempValidityMonths', 0],
    ['policy.tempValidityMonths', 6.5],
    ['policy.pledgeValidityMonths', '3'],
    ['hospital', null],
  ])('invalid value %s = %j → INVALID_VALUE', (path, value) => {
    expect(errorOf(withField(path, value))).toMatchObject({ code: 'INVALID_VALUE', path });
  });

  it('a non-object input is refused at the root', () => {
    expect(errorOf([])).toMatchObject({ code: 'INVALID_VALUE', path: '' });
    expect(errorOf(null)).toMatchObject({ path: '' });
  });

  it('the error serialises as the CLI contract says', () => {
    const e = errorOf(withField('registration.effectiveFrom', undefined));
    expect(e.toJSON()).toEqual({ error: 'MISSING_FIELD', message: expect.any(String), path: 'registration.effectiveFrom' });
  });
});

describe('eligibility CLI (child process)', () => {
  function run(stdin: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('npx', ['tsx', 'electron/cli/run.ts', 'eligibility'], {
      input: stdin,
      encoding: 'utf8',
      cwd: new URL('../..', import.meta.url).pathname,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('exit 0 with the decision on stdout', () => {
    const r = run(JSON.stringify(base()));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(decideEligibility(base()));
    expect(JSON.parse(r.stdout)).toMatchObject({ direct: true, reason: 'REGISTERED', rule: '004 第十三条', validUntil: null });
  });

  it('a refusal is still an answer: exit 0', () => {
    const r = run(JSON.stringify(make({ registration: null })));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ direct: false, reason: 'NOT_REGISTERED', validUntil: null });
  });

  it('invalid input: exit 2, JSON error on stderr, nothing on stdout', () => {
    const j = JSON.parse(JSON.stringify(base())) as { registration: Record<string, unknown> };
    delete j.registration.effectiveFrom;
    const r = run(JSON.stringify(j));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const line = r.stderr.split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(line!)).toEqual({ error: 'MISSING_FIELD', message: expect.stringContaining('备案生效日期'), path: 'registration.effectiveFrom' });
  });
});

describe('the patient handout carries no clerk text (issue 20 point 7)', () => {
  const refusals: [string, Overrides][] = [
    ['SUSPENDED', { person: { status: 'suspended' } }],
    ['NOT_NETWORKED', { hospital: { networked: false } }],
    ['NOT_REGISTERED', { registration: null }],
    ['CANCELLED', { registration: { status: 'cancelled' } }],
    ['NOT_YET_EFFECTIVE', { registration: { effectiveFrom: '2026-04-01' } }],
    ['EXPIRED', { registration: temporary('2024-01-01') }],
    ['PLEDGE_LAPSED', { registration: pledge('2025-10-01') }],
    ['WRONG_DESTINATION', { registration: { destination: '320500' } }],
  ];
  it.each(refusals)('%s: the fact, none of the desk’s instructions', (reason, o) => {
    const d = decide(o);
    expect(d.reason).toBe(reason);
    const text = patientFacingReason(d.reason, d.message);
    expect(text.length).toBeGreaterThan(8);
    expect(text).not.toMatch(/请协助|请告知|请打印|请联系参保地经办机构确认|须如实告知|请重新核验/);
    expect(d.message).toContain(text.slice(0, 6) === '本院尚未开通' ? '本院尚未开通' : text);
  });
});
