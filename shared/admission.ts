// Over 400 lines: admission fields, flags, pledge and emergency-fee rules of 004 第三十七–三十九条 read together.
import { z } from 'zod';
import { ADMISSION_WAYS, MED_TYPE } from './codes.ts';
import { isValidYmd } from './dates.ts';
import { poolingRegionOf, provinceName, regionName } from './regions.ts';
import { REASON_LABEL, REASON_RULE, type EligibilityDecision, type EligibilityReason, type RegistrationGroup } from './eligibility.ts';
import { Decimal, parseAmount, parseDecimal, round2, toText } from './money.ts';

/**
 * Admission (入院登记, DOMAIN §4), the trauma settle gate (DOMAIN §5), the outside-exam slip
 * (004 第三十九条, 附件9) and the 72-hour rule (000 第十七条 1). Pure: the services, the screens
 * and the tests decide through these functions, so a clerk always sees the same rule and reason.
 */

// ---------------------------------------------------------------------------------------------
// Codes

export type AdmissionWay = (typeof ADMISSION_WAYS)[number];

/**
 * adm_way is a regional addition to 2401 (national-interface.md §2, 2401 "Regional additions");
 * its values follow the 病案首页 入院途径 codes (1 急诊, 2 门诊, 3 其他医疗机构转入). UNVERIFIED:
 * confirm with 1901 in the target region.
 */
export const ADM_WAY_CODE: Readonly<Record<AdmissionWay, string>> = { 急诊: '1', 门诊: '2', 转院: '3' };

/** The inpatient values of national med_type (national-interface.md §3). */
export const INPATIENT_MED_TYPES = ['21', '22', '23', '24', '52'] as const;
export type InpatientMedType = (typeof INPATIENT_MED_TYPES)[number];
export const MED_TYPE_LABEL: Readonly<Record<InpatientMedType, string>> = Object.fromEntries(
  INPATIENT_MED_TYPES.map((c) => [c, MED_TYPE[c]]),
) as Record<InpatientMedType, string>;

/** National flags are C1 "1"/"0". */
export const flag = (b: boolean): '1' | '0' => (b ? '1' : '0');

// ---------------------------------------------------------------------------------------------
// Date-time

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** 'YYYY-MM-DD HH:mm[:ss]' (or with a T, as <input type="datetime-local"> sends it) → national DT 'YYYY-MM-DD HH:mm:ss', or null. */
export function normaliseDateTime(value: string): string | null {
  const m = DATETIME_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '00'].map(Number) as [number, number, number, number, number, number];
  if (!isValidYmd(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}`;
}

/** Seconds since the epoch of a national DT read as a wall-clock time (both sides of a comparison are CST). */
export function dateTimeSeconds(dt: string): number {
  const n = normaliseDateTime(dt);
  if (n === null) throw new Error(`无效的时间：${dt}`);
  const [date, time] = n.split(' ') as [string, string];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

function dateTimeField(label: string) {
  return z
    .string({ error: `请填写${label}` })
    .transform((v, ctx) => {
      const n = normaliseDateTime(v);
      if (n === null) {
        ctx.addIssue({ code: 'custom', message: `${label}无效，格式应为 YYYY-MM-DD HH:mm（例如 2026-11-03 09:30）` });
        return z.NEVER;
      }
      return n;
    });
}

// ---------------------------------------------------------------------------------------------
// ICD-10

/**
 * ICD-10 as the national 医保版 writes it: a letter, two digits, optionally a dot with up to
 * three digits (an `x` holds an empty place, as in I10.x00) and an extension `x` + three digits
 * (S72.000x001). Scanned or typed codes are folded: capital first letter, lower-case `x`.
 */
export const ICD10_RE = /^[A-Z]\d{2}(\.[0-9x]{1,3}(x\d{3})?)?$/;

export function normaliseIcd10(raw: string): string {
  const t = raw.normalize('NFKC').trim();
  return t.slice(0, 1).toUpperCase() + t.slice(1).replace(/X/g, 'x');
}

export function isIcd10(code: string): boolean {
  return ICD10_RE.test(code);
}

/** Injuries and poisonings (ICD-10 chapter XIX, S00–T98): the codes that go with a trauma flag. */
export function isInjuryCode(code: string): boolean {
  return /^(S\d{2}|T[0-8]\d|T9[0-8])/.test(code);
}

// ---------------------------------------------------------------------------------------------
// Admission input

const text = (label: string, max: number) =>
  z.string({ error: `请填写${label}` }).trim().min(1, `请填写${label}`).max(max, `${label}过长（最多 ${max} 个字）`);

const bool = (label: string) => z.boolean({ error: `${label}应为是或否` });

export const FIELD_LABEL: Readonly<Record<string, string>> = {
  iptNo: '住院号',
  admittedAt: '入院时间',
  way: '入院方式',
  deptCode: '科室编码',
  deptName: '科室名称',
  bed: '床位号',
  diagCode: '入院诊断编码',
  diagName: '入院诊断名称',
  doctorCode: '主治医生编码',
  doctorName: '主治医生姓名',
  medType: '医疗类别',
  emergency: '急诊标志',
  trauma: '外伤标志',
  thirdParty: '涉及第三方标志',
};

/** The fields of an admission a clerk enters; 2403 may change every one but the inpatient number. */
export const admissionShape = {
  // 住院号: unique per hospital (DOMAIN §4); HIS numbers are letters, digits and dashes.
  iptNo: text('住院号', 30).regex(/^[0-9A-Za-z-]+$/, '住院号只能包含字母、数字和“-”'),
  admittedAt: dateTimeField('入院时间'),
  way: z.enum(ADMISSION_WAYS, { error: '入院方式应为 门诊、急诊 或 转院' }),
  deptCode: text('科室编码', 30),
  deptName: text('科室名称', 50),
  bed: text('床位号', 30),
  diagCode: z
    .string({ error: '请填写入院诊断编码' })
    .transform(normaliseIcd10)
    .refine((c) => c !== '', '请填写入院诊断编码')
    .refine(isIcd10, '入院诊断编码不是有效的 ICD-10 编码，应为字母加两位数字，可带小数点后缀，例如 S72.000 或 S72.000x001'),
  diagName: text('入院诊断名称', 100),
  doctorCode: text('主治医生编码', 30),
  doctorName: text('主治医生姓名', 50),
  medType: z.enum(INPATIENT_MED_TYPES, {
    error: `医疗类别应为住院类别：${INPATIENT_MED_TYPES.map((c) => `${c} ${MED_TYPE_LABEL[c]}`).join('、')}`,
  }),
  emergency: bool('急诊标志'),
  trauma: bool('外伤标志'),
  thirdParty: bool('涉及第三方标志'),
};

export type AdmissionFields = {
  iptNo: string;
  admittedAt: string;
  way: AdmissionWay;
  deptCode: string;
  deptName: string;
  bed: string;
  diagCode: string;
  diagName: string;
  doctorCode: string;
  doctorName: string;
  medType: InpatientMedType;
  emergency: boolean;
  trauma: boolean;
  thirdParty: boolean;
};

/** Fields a change (2403) may carry. */
export const CHANGEABLE_FIELDS = [
  'admittedAt', 'way', 'deptCode', 'deptName', 'bed', 'diagCode', 'diagName', 'doctorCode', 'doctorName', 'medType', 'emergency', 'trauma', 'thirdParty',
] as const satisfies readonly (keyof AdmissionFields)[];
export type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];
export type AdmissionChange = Partial<Pick<AdmissionFields, ChangeableField>>;

/**
 * Rules between the flags, checked on every admission and on the values after a change:
 * - 22 外伤住院 is a trauma admission; the trauma flag must say so (004 第三十八条).
 * - the third-party flag only qualifies a trauma (004 第三十八条, the two flags go together).
 * - 24 急诊转住院 carries the emergency mark (004 第三十七条).
 */
export function flagIssues(f: Pick<AdmissionFields, 'medType' | 'emergency' | 'trauma' | 'thirdParty'>): { path: keyof AdmissionFields; message: string }[] {
  const issues: { path: keyof AdmissionFields; message: string }[] = [];
  if (f.medType === '22' && !f.trauma) issues.push({ path: 'trauma', message: '医疗类别为“22 外伤住院”时须勾选外伤标志（004 第三十八条）' });
  if (f.thirdParty && !f.trauma) issues.push({ path: 'thirdParty', message: '涉及第三方标志只用于外伤，请先勾选外伤标志（004 第三十八条）' });
  if (f.medType === '24' && !f.emergency) issues.push({ path: 'emergency', message: '医疗类别为“24 急诊转住院”时须勾选急诊标志（004 第三十七条）' });
  return issues;
}

/** Adds the flag rules to a schema whose object carries the admission fields. */
export function refineFlags(f: Pick<AdmissionFields, 'medType' | 'emergency' | 'trauma' | 'thirdParty'>, ctx: z.RefinementCtx): void {
  for (const i of flagIssues(f)) ctx.addIssue({ code: 'custom', path: [i.path], message: i.message });
}

export const admissionFieldsSchema = z.strictObject(admissionShape).superRefine(refineFlags);

/** A change: only the fields that change; the inpatient number stays. */
export const admissionChangeSchema = z
  .strictObject(Object.fromEntries(CHANGEABLE_FIELDS.map((k) => [k, admissionShape[k].optional()])) as { [K in ChangeableField]: z.ZodOptional<(typeof admissionShape)[K]> });

/**
 * Advice that does not block: what a careful clerk would check (ICD chapter against the trauma
 * flag, way against the emergency flag). 004 第三十八条: the hospital must identify trauma patients.
 */
export function admissionWarnings(f: AdmissionFields): string[] {
  const w: string[] = [];
  if (f.trauma && !isInjuryCode(f.diagCode)) w.push(`已勾选外伤标志，但入院诊断 ${f.diagCode} 不属于损伤章节（S00–T98），请核对诊断或外伤标志`);
  if (!f.trauma && isInjuryCode(f.diagCode)) w.push(`入院诊断 ${f.diagCode} 属于损伤章节（S00–T98），请确认是否为外伤；外伤须勾选外伤标志并如实上传（004 第三十八条）`);
  if (f.emergency && f.way !== '急诊') w.push('已勾选急诊标志，但入院方式不是“急诊”，请核对');
  return w;
}

/** The values now: the original row plus every change in order (changes are events, never edits). */
export function currentAdmission<T extends AdmissionFields>(original: T, changes: readonly AdmissionChange[]): T {
  let cur = { ...original };
  for (const c of changes) {
    const defined = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
    cur = { ...cur, ...defined };
  }
  return cur;
}

/** The fields of `proposed` that differ from `current`; an empty object means nothing changes. */
export function diffAdmission(current: AdmissionFields, proposed: AdmissionChange): AdmissionChange {
  const out: Record<string, unknown> = {};
  for (const k of CHANGEABLE_FIELDS) {
    const v = proposed[k];
    if (v !== undefined && v !== current[k]) out[k] = v;
  }
  return out as AdmissionChange;
}

// ---------------------------------------------------------------------------------------------
// Eligibility at admission

/** Refusals that concern only the registration, which an emergency makes moot (004 第十一条(五)、第三十七条). */
const REGISTRATION_REASONS: ReadonlySet<EligibilityReason> = new Set(['NOT_REGISTERED', 'CANCELLED', 'NOT_YET_EFFECTIVE', 'EXPIRED', 'PLEDGE_LAPSED', 'WRONG_DESTINATION']);

export type AdmissionEligibility =
  | { ok: true; decision: EligibilityDecision }
  | { ok: false; code: string; message: string; path: string };

/**
 * The decision recorded with an admission, from the identity check it starts from. The check was
 * decided for one admission date and emergency mark (DOMAIN §3); the admission must agree with
 * them, except that an emergency admission is treated as registered (004 第三十七条) whatever
 * the registration said, which the check's precedence allows (EMERGENCY comes before them).
 */
export function eligibilityAtAdmission(
  check: { admissionDate: string; decision: EligibilityDecision },
  admission: { admittedAt: string; emergency: boolean },
): AdmissionEligibility {
  const day = admission.admittedAt.slice(0, 10);
  if (check.admissionDate !== day) {
    return { ok: false, code: 'CHECK_DATE_MISMATCH', message: `身份核验按入院日期 ${check.admissionDate} 判定，与本次入院时间 ${day} 不一致，请按实际入院日期重新核验身份`, path: 'admittedAt' };
  }
  const d = check.decision;
  if (d.reason === 'EMERGENCY' && !admission.emergency) {
    return { ok: false, code: 'CHECK_EMERGENCY_MISMATCH', message: '身份核验按“急诊抢救”判定（视同已备案），本次入院却未勾选急诊标志：请勾选急诊标志，或不按急诊重新核验身份', path: 'emergency' };
  }
  if (admission.emergency && REGISTRATION_REASONS.has(d.reason)) {
    return {
      ok: true,
      decision: {
        direct: true,
        reason: 'EMERGENCY',
        rule: REASON_RULE.EMERGENCY,
        validUntil: null,
        message: `急诊抢救视同已备案，可直接结算（核验时：${REASON_LABEL[d.reason]}）。入院登记时须上传住院类型“急诊”标识（004 第三十七条）。`,
      },
    };
  }
  return { ok: true, decision: d };
}

/**
 * The person group recorded with the admission (004 第十条 groups; the settlement maps them to
 * its own, DOMAIN §6a): the active registration's group; without one, `emergency` when the
 * admission is treated as registered (004 第三十七条), else `unregistered`.
 */
export function admissionGroup(registration: { group: RegistrationGroup; status: 'active' | 'cancelled' } | null, decision: Pick<EligibilityDecision, 'reason'>): string {
  if (registration !== null && registration.status === 'active') return registration.group;
  return decision.reason === 'EMERGENCY' ? 'emergency' : 'unregistered';
}

// ---------------------------------------------------------------------------------------------
// Trauma gate (DOMAIN §5)

export const TRAUMA_RULE = '004 第三十八条';

export interface PledgeState {
  id: number;
  signedAt: string | null;
  supersedesId: number | null;
}

export interface SettleBlock {
  code: 'TRAUMA_THIRD_PARTY' | 'TRAUMA_PLEDGE_MISSING';
  reason: string;
  rule: typeof TRAUMA_RULE;
}

/** The pledge in force: signed and not superseded by a later one (a correction is a new pledge). */
export function currentPledge<P extends PledgeState>(pledges: readonly P[]): P | null {
  const superseded = new Set(pledges.map((p) => p.supersedesId).filter((id): id is number => id !== null));
  const live = pledges.filter((p) => p.signedAt !== null && !superseded.has(p.id));
  return live.reduce<P | null>((best, p) => (best === null || p.id > best.id ? p : best), null);
}

/**
 * Whether a trauma admission may be settled directly (004 第三十八条, 附件8; 000 第十七条 2 for
 * the older exclusion): with the third-party flag it may not (self-pay, reimbursed at the insured
 * region or recovered from the liable party); without a signed pledge it may not until one is
 * recorded. Null when the trauma rules do not block.
 */
export function directSettlementBlock(admission: { trauma: boolean; thirdParty: boolean }, pledges: readonly PledgeState[]): SettleBlock | null {
  if (!admission.trauma) return null;
  if (admission.thirdParty) {
    return {
      code: 'TRAUMA_THIRD_PARTY',
      reason:
        '外伤涉及第三方责任，不能异地就医直接结算：本次费用由患者全额垫付（自费结算），凭住院资料回参保地按规定办理，涉及第三方责任的费用依法由第三方承担。',
      rule: TRAUMA_RULE,
    };
  }
  if (currentPledge(pledges) === null) {
    return {
      code: 'TRAUMA_PLEDGE_MISSING',
      reason: '外伤住院须由患者（或近亲属）签署《外伤无第三方责任承诺书》（004 附件8），记录已签字后方可直接结算。',
      rule: TRAUMA_RULE,
    };
  }
  return null;
}

export interface SettleStatus {
  direct: boolean;
  label: string;
  reasons: { text: string; rule: string }[];
}

/** What the screen shows: "可直接结算" only when both the eligibility and the trauma gate allow it. */
export function settleStatus(eligibility: Pick<EligibilityDecision, 'direct' | 'reason' | 'rule' | 'message'> | null, block: SettleBlock | null): SettleStatus {
  const reasons: { text: string; rule: string }[] = [];
  if (eligibility === null) reasons.push({ text: '尚无资格核验结论，请先核验身份', rule: '004 第二十二条' });
  else if (!eligibility.direct) reasons.push({ text: `${REASON_LABEL[eligibility.reason]}：${eligibility.message}`, rule: eligibility.rule });
  if (block) reasons.push({ text: block.reason, rule: block.rule });
  if (reasons.length === 0) return { direct: true, label: '可直接结算', reasons: eligibility ? [{ text: REASON_LABEL[eligibility.reason], rule: eligibility.rule }] : [] };
  const onlyPledge = block?.code === 'TRAUMA_PLEDGE_MISSING' && reasons.length === 1;
  return { direct: false, label: onlyPledge ? '待签承诺书，暂不能直接结算' : '不能直接结算', reasons };
}

// ---------------------------------------------------------------------------------------------
// Pledge (004 附件8) as entered at the desk

const INJURY_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}$/;

export const pledgeFormSchema = z.strictObject({
  pledger: z.strictObject({
    /** null: the patient signs personally (name and ID come from the patient). */
    relationship: z.string().trim().min(1, '请填写与患者关系').max(10, '与患者关系过长（最多 10 个字）').nullable(),
    name: z.string().trim().max(30, '承诺人姓名过长（最多 30 个字）').optional(),
    certType: z.string().trim().max(20, '承诺人证件类型过长').optional(),
    certNo: z.string().trim().max(30, '承诺人证件号码过长').optional(),
    phone: z.string({ error: '请填写承诺人联系电话' }).trim().min(1, '请填写承诺人联系电话'),
  }),
  injury: z.strictObject({
    time: z.string({ error: '请填写受伤时间' }).trim().regex(INJURY_TIME_RE, '受伤时间格式应为 YYYY-MM-DDTHH（年-月-日T时，例如 2026-10-01T14）'),
    place: text('受伤地点', 60),
    account: text('外伤经过', 150),
  }),
});
export type PledgeForm = z.output<typeof pledgeFormSchema>;

/** An injury happens before the admission it leads to (compared to the hour). */
export function injuryBeforeAdmission(injuryTime: string, admittedAt: string): boolean {
  return `${injuryTime.slice(0, 10)} ${injuryTime.slice(11, 13)}` <= admittedAt.slice(0, 13);
}

// ---------------------------------------------------------------------------------------------
// 72-hour rule (000 第十七条 1)

export const EMERGENCY_WINDOW_SECONDS = 72 * 3600;
export const EMERGENCY_RULE = '000 第十七条 1';

export interface OutpatientFee {
  sn: string;
  /** Patient of the outpatient record (citizen ID / certno), to make sure it is the same person. */
  certNo: string;
  /** The outpatient visit was an emergency (门诊急救或抢救). */
  emergencyVisit: boolean;
  feeOcurTime: string;
}

export interface FeeQualification {
  sn: string;
  qualifies: boolean;
  reason: string;
}

/** 000 第十七条 1 reads "72 小时内"; a fee exactly 72:00 before admission is inside, 72:00:01 is not. */
export function isEmergencyAdmission(a: { emergency: boolean; way: string; medType: string }): boolean {
  return a.emergency || a.way === '急诊' || a.medType === '24';
}

/**
 * Which outpatient fees belong to this admission (000 第十七条 1): ordinary outpatient fees are
 * not settled across regions, except those of an outpatient emergency or rescue that turned into
 * this admission within 72 hours — same patient, emergency visit, fee time in
 * [admission − 72 h, admission].
 */
export function qualifyEmergencyFees(
  admission: { admittedAt: string; emergency: boolean; way: string; medType: string; certNo: string },
  fees: readonly OutpatientFee[],
): FeeQualification[] {
  const admitted = dateTimeSeconds(admission.admittedAt);
  const emergencyAdmission = isEmergencyAdmission(admission);
  const patient = admission.certNo.toUpperCase();
  return fees.map((f) => {
    const no = (reason: string): FeeQualification => ({ sn: f.sn, qualifies: false, reason });
    if (!emergencyAdmission) return no('本次入院不是急诊入院（未勾选急诊标志、入院方式非急诊），门诊费用不能并入住院结算');
    if (f.certNo.trim().toUpperCase() !== patient) return no('费用不属于本患者（证件号码不一致）');
    if (!f.emergencyVisit) return no('普通门诊费用不纳入异地就医直接结算，只有门诊急救或抢救的费用可以并入');
    const t = normaliseDateTime(f.feeOcurTime);
    if (t === null) return no(`费用发生时间无效：${f.feeOcurTime}`);
    const before = admitted - dateTimeSeconds(t);
    if (before < 0) return no('费用发生在入院之后，应作为住院费用导入');
    if (before > EMERGENCY_WINDOW_SECONDS) return no(`费用发生在入院前 ${formatDuration(before)}，超过 72 小时`);
    return { sn: f.sn, qualifies: true, reason: `入院前 ${formatDuration(before)} 的急诊费用，72 小时内转住院，并入本次住院` };
  });
}

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h} 小时 ${String(m).padStart(2, '0')} 分${s > 0 ? ` ${s} 秒` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Fee items (outside-exam slip and emergency fees)

const amountText = (label: string) =>
  z.string({ error: `请填写${label}` }).trim().refine((v) => {
    try {
      return parseAmount(v, label).gte(0);
    } catch {
      return false;
    }
  }, `${label}应为不小于 0、最多两位小数的金额`);

const qtyText = z.string({ error: '请填写数量' }).trim().refine((v) => {
  try {
    return parseDecimal(v, '数量').gt(0);
  } catch {
    return false;
  }
}, '数量应为大于 0 的数字');

const priceText = z.string({ error: '请填写单价' }).trim().refine((v) => {
  try {
    const d = parseDecimal(v, '单价');
    return d.gte(0) && d.decimalPlaces() <= 6;
  } catch {
    return false;
  }
}, '单价应为不小于 0 的数字（最多 6 位小数）');

export const feeItemSchema = z.strictObject({
  code: text('医保目录编码', 50),
  name: text('项目或药品名称', 100),
  qty: qtyText,
  price: priceText,
  /** Optional: computed as qty × price when absent; when given it must agree to the fen. */
  amount: amountText('金额').optional(),
});
export type FeeItem = z.output<typeof feeItemSchema>;

/** qty × price, half-up to the fen; a given amount must agree (a typo must not become a fee). */
export function itemAmount(item: { qty: string; price: string; amount?: string | undefined }): { amount: string } | { error: string } {
  const computed = round2(new Decimal(item.qty).times(new Decimal(item.price)));
  if (item.amount !== undefined && item.amount !== '' && !new Decimal(item.amount).eq(computed)) {
    return { error: `金额 ${item.amount} 与 数量 × 单价 = ${toText(computed)} 不一致` };
  }
  return { amount: toText(computed) };
}

// ---------------------------------------------------------------------------------------------
// Outside-exam slip (004 第三十九条, 附件9)

export const OUTSIDE_EXAM_RULE = '004 第三十九条';

export const outsideExamSchema = z.strictObject({
  kind: z.enum(['hospital', 'pharmacy'], { error: '外检类别应为 hospital（外院检查治疗）或 pharmacy（定点药店购药）' }),
  diagnosis: text('诊断', 100),
  hospital: z.strictObject({
    code: z.string({ error: '请填写外检定点医院或药店编码' }).trim().toUpperCase().regex(/^[A-Z0-9]{12}$/, '外检定点医院或药店编码应为 12 位国家定点医药机构编码（如 H34010400002、P34010400001）'),
    name: text('外检定点医院或药店名称', 60),
  }),
  items: z.array(feeItemSchema, { error: '请填写外检项目或外购药品' }).min(1, '请至少填写一项外检项目或外购药品').max(20, '一张单最多 20 项，请分开开单'),
  reason: text('外检或外购药原因', 200),
  doctor: text('医师姓名', 30),
  /** When the exam or purchase takes place; default now. */
  at: dateTimeField('外检时间').optional(),
});
export type OutsideExamInput = z.output<typeof outsideExamSchema>;

export const OUTSIDE_EXAM_KIND_LABEL = { hospital: '外院检查治疗', pharmacy: '定点药店购药' } as const;

/** feedetl_sn of a slip's lines: unique within the stay and traceable to the slip. */
export function outsideExamSn(slipId: number, index: number): string {
  return `WJ${slipId}-${index + 1}`;
}

export function emergencyFeeSn(admissionId: number, batch: number, index: number): string {
  return `JZ${admissionId}-${batch}-${index + 1}`;
}

// ---------------------------------------------------------------------------------------------
// Names on the forms

/**
 * The insured region's agency as 附件8 names it ("本人同意授权＿＿医保经办机构"): the pooling
 * region's name without its province, e.g. 420102 → 武汉市医疗保障局; 110105 → 北京市医疗保障局.
 */
export function insuredAgencyName(insuplcAdmdvs: string): string {
  const pool = poolingRegionOf(insuplcAdmdvs);
  const full = regionName(pool) ?? pool;
  const province = provinceName(pool) ?? '';
  const local = pool.endsWith('0000') || !full.startsWith(province) || full === province ? full : full.slice(province.length);
  return `${local}医疗保障局`;
}

/** Outbox order key: an admission's messages (2401 → 2403… → 2404) are delivered in order. */
export function admissionOrderKey(admissionId: number): string {
  return `adm:${admissionId}`;
}
