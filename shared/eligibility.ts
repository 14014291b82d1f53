// Over 400 lines: the eligibility decision (DOMAIN §3) with its input schema: every reason beside its article.
import { z } from 'zod';
import { zodInputError } from './zodErrors.ts';
import { parseDate, windowLastDay, type CalendarDate } from './dates.ts';
import { isRegionCode, poolingRegionOf, provinceOf, regionName, scopeOf } from './regions.ts';

/**
 * Whether a cross-region patient may be settled directly at this hospital (DOMAIN §3; CLI.md
 * `eligibility`). The desk, the CLI and the screens all decide through `decideEligibility`, so
 * a clerk and an auditor always see the same reason, rule and wording.
 */

// ---------------------------------------------------------------------------------------------
// Input

/** 004 第十条: two classes, six groups. */
export const LONG_TERM_GROUPS = ['resettledRetiree', 'longTermResident', 'postedWorker'] as const;
export const TEMPORARY_GROUPS = ['referral', 'emergency', 'otherTemporary'] as const;
export const REGISTRATION_GROUPS = [...LONG_TERM_GROUPS, ...TEMPORARY_GROUPS] as const;
export type RegistrationGroup = (typeof REGISTRATION_GROUPS)[number];

export const GROUP_LABEL: Readonly<Record<RegistrationGroup, string>> = {
  resettledRetiree: '异地安置退休人员',
  longTermResident: '异地长期居住人员',
  postedWorker: '常驻异地工作人员',
  referral: '异地转诊人员',
  emergency: '异地急诊抢救人员',
  otherTemporary: '其他临时外出就医人员',
};

export function isLongTermGroup(group: RegistrationGroup): boolean {
  return (LONG_TERM_GROUPS as readonly string[]).includes(group);
}

export interface EligibilityHospital {
  /** The hospital's own admdvs (may be a county code; its pooling region is derived). */
  admdvs: string;
  /** Opened for cross-region networked settlement (异地联网定点). */
  networked: boolean;
}

export interface EligibilityAdmission {
  date: CalendarDate;
  /** 急诊抢救 (004 第三十七条). */
  emergency: boolean;
}

export interface EligibilityPerson {
  insuredRegion: string;
  status: 'normal' | 'suspended';
}

export interface EligibilityRegistration {
  group: RegistrationGroup;
  /** Long-term groups file either proof or a personal pledge (个人承诺书, 004 附件2). */
  basis: 'proof' | 'pledge';
  /** City code (xxxx00), or a province code (xx0000). */
  destination: string;
  effectiveFrom: CalendarDate;
  /** When the proof behind a pledge was supplied; null while it has not been. */
  proofSuppliedOn: CalendarDate | null;
  status: 'active' | 'cancelled';
}

export interface EligibilityPolicy {
  tempValidityMonths: number;
  pledgeValidityMonths: number;
}

export interface EligibilityInput {
  hospital: EligibilityHospital;
  admission: EligibilityAdmission;
  person: EligibilityPerson;
  registration: EligibilityRegistration | null;
  policy: EligibilityPolicy;
}

/** Chinese names of the input's fields, so an error tells the integrator what to fix. */
const FIELD_LABEL: Readonly<Record<string, string>> = {
  '': '输入',
  hospital: '医院信息',
  'hospital.admdvs': '医院所在行政区划代码',
  'hospital.networked': '医院是否开通异地联网结算',
  admission: '入院信息',
  'admission.date': '入院日期',
  'admission.emergency': '急诊抢救标志',
  person: '参保人信息',
  'person.insuredRegion': '参保地行政区划代码',
  'person.status': '参保状态',
  registration: '异地就医备案',
  'registration.group': '备案人员类别',
  'registration.basis': '备案依据',
  'registration.destination': '备案就医地',
  'registration.effectiveFrom': '备案生效日期',
  'registration.proofSuppliedOn': '补充备案材料日期',
  'registration.status': '备案状态',
  policy: '备案有效期参数',
  'policy.tempValidityMonths': '临时外出就医备案有效月数',
  'policy.pledgeValidityMonths': '个人承诺备案有效月数',
};

const dateField = z.string().transform((value, ctx) => {
  try {
    return parseDate(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: '不是有效日期' });
    return z.NEVER;
  }
});

const regionField = z.string().refine(isRegionCode, { message: '不是有效的行政区划代码' });

// CLI.md: a registration is to a city (xxxx00) or to a province (xx0000); a county code is not a
// destination (004 第十五条(一)).
const destinationField = z.string().refine((c) => isRegionCode(c) && c.endsWith('00'), { message: '不是有效的备案就医地' });

const monthsField = z.number().int().min(1).max(120);

const schema = z.object({
  hospital: z.object({ admdvs: regionField, networked: z.boolean() }),
  admission: z.object({ date: dateField, emergency: z.boolean() }),
  person: z.object({ insuredRegion: regionField, status: z.enum(['normal', 'suspended']) }),
  // Required but nullable: a forgotten look-up must not read as "not registered".
  registration: z
    .object({
      group: z.enum(REGISTRATION_GROUPS),
      basis: z.enum(['proof', 'pledge']),
      destination: destinationField,
      effectiveFrom: dateField,
      // Absent means the same as null: no proof supplied yet.
      proofSuppliedOn: dateField.nullable().optional().transform((v) => v ?? null),
      status: z.enum(['active', 'cancelled']),
    })
    .nullable(),
  policy: z.object({ tempValidityMonths: monthsField, pledgeValidityMonths: monthsField }),
});

// Whatever is wrong with a date, a region or a validity (a wrong type too), the integrator is told
// what a good one looks like; only absence is said as such.
const DATE = { code: 'INVALID_DATE', text: '不是有效日期，应为 YYYY-MM-DD 格式的日历日期' };
const REGION = { code: 'INVALID_REGION', text: '不是有效的行政区划代码，应为 6 位行政区划代码（GB/T 2260）' };
const MONTHS = { code: 'INVALID_VALUE', text: '应为 1 到 120 之间的整数月数' };
const FIELD_ERRORS = {
  'admission.date': DATE, 'registration.effectiveFrom': DATE, 'registration.proofSuppliedOn': DATE,
  'hospital.admdvs': REGION, 'person.insuredRegion': REGION,
  'registration.destination': { code: 'INVALID_REGION', text: '不是有效的行政区划代码，应为地市代码（xxxx00）或省级代码（xx0000）' },
  'policy.tempValidityMonths': MONTHS, 'policy.pledgeValidityMonths': MONTHS,
};

/** Validates the CLI.md `eligibility` input; unknown fields are dropped. Throws InputError. */
export function parseEligibilityInput(json: unknown): EligibilityInput {
  const r = schema.safeParse(json);
  if (!r.success) {
    throw zodInputError(r.error.issues, json, { style: 'cli', labels: FIELD_LABEL, fields: FIELD_ERRORS, showPath: true, codes: { '*': 'INVALID_VALUE' } });
  }
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// Decision

/** DOMAIN §3 precedence: the first that applies wins (EXPIRED / PLEDGE_LAPSED share a slot). */
export const ELIGIBILITY_REASONS = [
  'SAME_REGION',
  'SUSPENDED',
  'NOT_NETWORKED',
  'EMERGENCY',
  'NOT_REGISTERED',
  'CANCELLED',
  'NOT_YET_EFFECTIVE',
  'EXPIRED',
  'PLEDGE_LAPSED',
  'WRONG_DESTINATION',
  'REGISTERED',
] as const;
/**
 * The engine's reasons above, and one the desk adds when the agency does not say whether there is
 * a registration (a real 1101 has no such block, and the desk's roster extension knows none):
 * direct settlement is attempted and the insured region checks the registration at 2401.
 */
export type EligibilityReason = (typeof ELIGIBILITY_REASONS)[number] | 'AGENCY_CHECKS';

export const REASON_LABEL: Readonly<Record<EligibilityReason, string>> = {
  SAME_REGION: '非异地就医（同一统筹区）',
  SUSPENDED: '参保状态暂停',
  NOT_NETWORKED: '本院未开通异地联网结算',
  EMERGENCY: '急诊抢救（视同已备案）',
  NOT_REGISTERED: '未办理异地就医备案',
  CANCELLED: '备案已取消',
  NOT_YET_EFFECTIVE: '备案尚未生效',
  EXPIRED: '备案已过有效期',
  PLEDGE_LAPSED: '承诺备案未按期补充材料，已终止',
  WRONG_DESTINATION: '备案就医地不含本院',
  REGISTERED: '已备案，可直接结算',
  AGENCY_CHECKS: '备案由参保地在入院办理时校验',
};

/** The stable citation shown with each reason. */
export const REASON_RULE: Readonly<Record<EligibilityReason, string>> = {
  SAME_REGION: '004 第二条(三)',
  SUSPENDED: '004 第十三条(一)；001 规程 第九条(二)',
  NOT_NETWORKED: '004 第十九条、第二十三条',
  EMERGENCY: '004 第十一条(五)、第三十七条',
  NOT_REGISTERED: '004 第二十二条、第四十七条',
  CANCELLED: '004 第十七条',
  NOT_YET_EFFECTIVE: '004 第十三条、第十六条',
  EXPIRED: '004 第十三条(二)',
  PLEDGE_LAPSED: '004 第十一条、第十三条(一)',
  WRONG_DESTINATION: '004 第十五条(一)',
  REGISTERED: '004 第十三条',
  AGENCY_CHECKS: '004 第二十二条',
};

export interface EligibilityDecision {
  direct: boolean;
  reason: EligibilityReason;
  rule: string;
  /** Last valid day of a bounded window, for the reasons that reached the window; else null. */
  validUntil: CalendarDate | null;
  message: string;
}

/** The admission must carry the emergency flag (住院类型“急诊”) when this is true (004 第三十七条). */
export function isEmergencyFlagged(decision: Pick<EligibilityDecision, 'reason'>): boolean {
  return decision.reason === 'EMERGENCY';
}

/**
 * What the patient handout (零星报销告知书) says about the reason (issue 20 point 7): the fact only,
 * never the clerk's instructions (“请协助患者…”, “请打印…”) that the on-screen message carries.
 * Every refusal message starts with its fact sentence; the handout's own list says what to do.
 */
export function patientFacingReason(reason: EligibilityReason, message: string): string {
  // 004 第二十三条: the patient is told plainly, and may choose a networked hospital.
  if (reason === 'NOT_NETWORKED') return '本院尚未开通异地就医联网直接结算，您也可以选择就医地已联网的定点医疗机构就医。';
  const end = message.indexOf('。');
  return end < 0 ? message : message.slice(0, end + 1);
}

// 004 第四十七条: the advice every refusal ends with.
const MANUAL_CLAIM_ADVICE =
  '请打印《零星报销告知书》交患者：本次费用由患者全额自付，结算后 3 个月内向参保地经办机构申请零星报销（按参保地目录、参保地政策结算）；' +
  '因客观原因不能按时申请的，可申请延长 3 个月，逾期视为放弃报销。';

// 004 第二十二条: any registration problem can still be cured before discharge settlement.
const REGISTER_ADVICE = '出院结算前完成备案（或变更）的，请重新核验，核验通过即可直接结算；未能完成的，';

function place(code: string): string {
  const name = regionName(code);
  return name === undefined ? code : `${name}（${code}）`;
}

function decision(reason: EligibilityReason, validUntil: CalendarDate | null, message: string): EligibilityDecision {
  return { direct: reason === 'REGISTERED' || reason === 'EMERGENCY' || reason === 'AGENCY_CHECKS', reason, rule: REASON_RULE[reason], validUntil, message };
}

/**
 * 004 第二十二条, when nobody at the desk can know the registration: the agency's 1101 carried no
 * registration (a real platform's never does) and the roster extension has none for the person.
 * "Not registered" would be a guess; the insured region decides at 2401 instead, and a refusal
 * there leads to the 补办 path (shared/agency/refusalAdvice.ts). Every other reason stands.
 */
export function registrationLeftToAgency(d: EligibilityDecision): EligibilityDecision {
  if (d.reason !== 'NOT_REGISTERED') return d;
  return decision(
    'AGENCY_CHECKS',
    null,
    '医保平台的人员信息不含异地就医备案，本机也没有该人员的备案记录：备案由参保地在入院办理（2401）时校验，可按异地就医直接结算办理入院。' +
      '若入院办理被拒（未查到有效备案），请告知患者并协助其补办备案，出院结算前完成备案的可按规定直接结算（004 第二十二条）。',
  );
}

interface RegistrationWindow {
  /** Last valid day, or null when open-ended. */
  lastDay: CalendarDate | null;
  /** A pledge still waiting for its proof: the window is the pledge's. */
  pendingPledge: boolean;
}

function registrationWindow(reg: EligibilityRegistration, policy: EligibilityPolicy): RegistrationWindow {
  if (!isLongTermGroup(reg.group)) {
    // 004 第十三条(二): temporary registrations, tempValidityMonths (12 in 004, 6 in 003).
    return { lastDay: windowLastDay(reg.effectiveFrom, policy.tempValidityMonths), pendingPledge: false };
  }
  // 004 第十三条(一): long-term, "一次备案、长期有效".
  if (reg.basis === 'proof') return { lastDay: null, pendingPledge: false };
  // 004 第十三条(一): a pledge is valid 3 months and turns long-term when the proof comes in time.
  const pledgeLast = windowLastDay(reg.effectiveFrom, policy.pledgeValidityMonths);
  if (reg.proofSuppliedOn !== null && reg.proofSuppliedOn <= pledgeLast) return { lastDay: null, pendingPledge: false };
  return { lastDay: pledgeLast, pendingPledge: true };
}

/** 004 第十五条(一)(二): a registration covers every networked hospital of its city or province. */
export function destinationCovers(destination: string, hospitalAdmdvs: string): boolean {
  if (destination.endsWith('0000')) return destination === provinceOf(hospitalAdmdvs);
  // A city code inside a province-pooled region (e.g. 110100) still means the whole pool.
  return poolingRegionOf(destination) === poolingRegionOf(hospitalAdmdvs);
}

/** DOMAIN §3 "Decision at the desk"; the first reason of ELIGIBILITY_REASONS that applies wins. */
export function decideEligibility(input: EligibilityInput): EligibilityDecision {
  const { hospital, admission, person, registration: reg, policy } = input;

  // 004 第二条(三): same pooling region is not 异地 at all, whatever the registration says.
  if (scopeOf(person.insuredRegion, hospital.admdvs) === 'same') {
    return decision(
      'SAME_REGION',
      null,
      `参保地 ${place(person.insuredRegion)} 与本院 ${place(hospital.admdvs)} 属同一统筹区 ${place(poolingRegionOf(hospital.admdvs))}，` +
        '统筹区内跨县域就医不属于异地就医。请按本地参保人办理入院登记和结算，不走异地就医直接结算。',
    );
  }

  // 004 第十三条(一); 001 规程 第九条(二): no benefits while insured status is suspended.
  if (person.status === 'suspended') {
    return decision(
      'SUSPENDED',
      null,
      '参保人参保状态为“暂停”，不能享受异地就医直接结算。请告知患者与参保地经办机构联系恢复参保状态。' + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十九条、第二十三条: only hospitals on the networked list can settle cross-region.
  if (!hospital.networked) {
    return decision(
      'NOT_NETWORKED',
      null,
      '本院尚未开通异地就医联网直接结算，须如实告知患者（004 第二十三条），患者也可选择就医地已联网的定点医疗机构。' + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十一条(五)、第三十七条: emergency is treated as registered, with or without a registration.
  if (admission.emergency) {
    return decision(
      'EMERGENCY',
      null,
      '急诊抢救视同已备案，可直接结算。入院登记时须上传住院类型“急诊”标识（004 第三十七条）。',
    );
  }

  // 004 第二十二条: tell the patient and help them register before discharge; 第四十七条 otherwise.
  if (reg === null) {
    return decision(
      'NOT_REGISTERED',
      null,
      '参保人未办理异地就医备案。请告知患者并协助其补办备案（参保地经办机构窗口，或国家医保服务平台 APP、国家异地就医备案小程序等线上渠道）；' +
        '出院结算前完成备案的，请重新核验，核验通过即按规定直接结算（004 第二十二条）。' +
        '出院结算前未能完成备案的，' + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十七条: a cancelled registration no longer exists for settlement.
  if (reg.status === 'cancelled') {
    return decision(
      'CANCELLED',
      null,
      `该异地就医备案（${GROUP_LABEL[reg.group]}，就医地 ${place(reg.destination)}）已取消，不能直接结算。` +
        '请协助患者重新办理备案；' + REGISTER_ADVICE + MANUAL_CLAIM_ADVICE,
    );
  }

  const window = registrationWindow(reg, policy);
  const untilText = window.lastDay === null ? '备案长期有效' : `备案有效期 ${reg.effectiveFrom} 至 ${window.lastDay}`;

  // 004 第十六条: benefits only inside the validity period, which starts on effectiveFrom.
  if (admission.date < reg.effectiveFrom) {
    return decision(
      'NOT_YET_EFFECTIVE',
      window.lastDay,
      `入院日期 ${admission.date} 早于备案生效日期 ${reg.effectiveFrom}（${untilText}），本次入院不在备案有效期内。` +
        '请联系参保地经办机构确认备案开始日期能否不晚于入院日期；' + REGISTER_ADVICE + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十三条(二): an admission that starts inside the window stays covered, so only the
  // admission date is compared; discharge after the last day does not matter.
  if (window.lastDay !== null && admission.date > window.lastDay) {
    if (window.pendingPledge) {
      // 004 第十一条、第十三条(一): pledge without proof in time is terminated.
      return decision(
        'PLEDGE_LAPSED',
        window.lastDay,
        `该备案以个人承诺书办理，有效期 ${reg.effectiveFrom} 至 ${window.lastDay}，期内未补充备案材料，备案已终止，入院日期 ${admission.date} 已在有效期之后。` +
          '请协助患者补齐材料重新办理备案；' + REGISTER_ADVICE + MANUAL_CLAIM_ADVICE,
      );
    }
    return decision(
      'EXPIRED',
      window.lastDay,
      `该临时外出就医备案（${GROUP_LABEL[reg.group]}）有效期 ${reg.effectiveFrom} 至 ${window.lastDay}，入院日期 ${admission.date} 已过有效期。` +
        '请协助患者重新申请备案；' + REGISTER_ADVICE + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十五条(一): registered to a city, or to the province for province-level pools.
  if (!destinationCovers(reg.destination, hospital.admdvs)) {
    const changeHint = isLongTermGroup(reg.group)
      ? '长期居住类备案生效后 6 个月内原则上不得变更，因安置地或工作单位变化的除外（004 第十四条）；'
      : '';
    return decision(
      'WRONG_DESTINATION',
      window.lastDay,
      `备案就医地为 ${place(reg.destination)}，不包含本院所在统筹区 ${place(poolingRegionOf(hospital.admdvs))}，不能直接结算。` +
        `请协助患者变更备案就医地：${changeHint}` + REGISTER_ADVICE + MANUAL_CLAIM_ADVICE,
    );
  }

  // 004 第十三条; 第十五条(二): any networked hospital of the destination.
  let detail: string;
  if (window.lastDay === null) {
    detail = '备案长期有效';
  } else if (window.pendingPledge) {
    detail =
      `备案以个人承诺书办理，有效期至 ${window.lastDay}；须在此日期（含）前补充备案材料，否则备案终止并全额追回有效期内的异地就医结算资金`;
  } else {
    detail = `备案有效期至 ${window.lastDay}，有效期内入院的，出院晚于有效期结束仍按有效备案结算`;
  }
  return decision(
    'REGISTERED',
    window.lastDay,
    `${GROUP_LABEL[reg.group]}，已备案至 ${place(reg.destination)}，${detail}。本院在备案就医地范围内，可直接结算。`,
  );
}

/** Window end helper for screens that show "有效期至": same arithmetic as the decision. */
export function registrationLastDay(reg: EligibilityRegistration, policy: EligibilityPolicy): CalendarDate | null {
  return registrationWindow(reg, policy).lastDay;
}
