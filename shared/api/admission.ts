import { z } from 'zod';
import {
  admissionChangeSchema,
  admissionShape,
  feeItemSchema,
  outsideExamSchema,
  pledgeFormSchema,
  refineFlags,
  type AdmissionFields,
  type SettleBlock,
  type SettleStatus,
} from '../admission.ts';
import type { EligibilityReason } from '../eligibility.ts';
import { method } from './contract.ts';

/**
 * Admission (DOMAIN §4), trauma pledge (§5), outside-exam slip (004 附件9) and the 72-hour rule.
 * ID numbers leave the services masked (ARCHITECTURE: personal data) except inside PDFs, whose
 * forms require them.
 */

const id = (label: string) => z.number({ error: `请指定${label}` }).int(`${label}无效`).positive(`${label}无效`);
const reason = (label: string) => z.string({ error: `请填写${label}` }).trim().min(2, `请填写${label}（至少 2 个字）`).max(200, `${label}过长（最多 200 个字）`);
const dateTime = z.string().trim().max(19).optional();

export interface EligibilityView {
  direct: boolean;
  reason: EligibilityReason;
  reasonLabel: string;
  rule: string;
  message: string;
  validUntil: string | null;
  /** Where it came from: the identity check at admission, or a 补办 re-check. */
  source: 'admission' | 'recheck';
  at: string;
}

export interface AdmissionSummary {
  id: number;
  iptNo: string;
  patientName: string;
  /** Masked: first 6 and last 4. */
  certNoMasked: string;
  gend: string;
  age: number | null;
  insuplcAdmdvs: string;
  insuplcName: string;
  admittedAt: string;
  way: string;
  deptName: string;
  bed: string;
  diagCode: string;
  diagName: string;
  medType: string;
  medTypeLabel: string;
  emergency: boolean;
  trauma: boolean;
  thirdParty: boolean;
  status: 'admitted' | 'discharged' | 'cancelled';
  settle: SettleStatus;
}

export interface AdmissionEventView {
  id: number;
  kind: 'change' | 'cancel' | 'discharge' | 'undoDischarge' | 'recheck';
  fields: Record<string, unknown>;
  reason: string | null;
  clerk: string | null;
  at: string;
}

export interface PledgeView {
  id: number;
  pledgerName: string;
  relationship: string | null;
  certType: string;
  certNoMasked: string;
  phone: string;
  injuryTime: string;
  place: string;
  account: string;
  signedAt: string | null;
  witness: string | null;
  supersedesId: number | null;
  supersededBy: number | null;
  inForce: boolean;
  createdAt: string;
}

export interface SlipItemView {
  sn: string;
  code: string;
  name: string;
  qty: string;
  price: string;
  amount: string;
}

export interface OutsideExamView {
  id: number;
  kind: 'hospital' | 'pharmacy';
  diagnosis: string;
  hospitalCode: string;
  hospitalName: string;
  items: SlipItemView[];
  total: string;
  reason: string;
  doctor: string;
  at: string;
  createdAt: string;
}

export interface FeeLineView {
  sn: string;
  time: string;
  code: string;
  name: string;
  qty: string;
  price: string;
  amount: string;
  etipFlag: boolean;
  etipHospCode: string | null;
  source: 'outsideExam' | 'emergency72h' | 'other';
}

export interface AdmissionDetail extends AdmissionSummary {
  checkId: number | null;
  mdtrtId: string | null;
  insutype: string;
  group: string;
  groupLabel: string;
  /** The values as first recorded; `current` below is these plus every change. */
  original: AdmissionFields;
  current: AdmissionFields;
  eligibility: EligibilityView | null;
  gate: SettleBlock | null;
  warnings: string[];
  events: AdmissionEventView[];
  pledges: PledgeView[];
  slips: OutsideExamView[];
  /** The lines this module added: outside-exam (etip) and 72-hour emergency fees. */
  feeLines: FeeLineView[];
  /** Whether it may still be cancelled (2404), and why not. */
  cancellable: { ok: boolean; reason: string | null };
  /** Messages of this admission (2401/2403/2404) not yet confirmed by the agency; a refusal carries its message. */
  agency: { pending: string[]; rejected: { infno: string; message: string }[] };
  /** Patient name and masked ID for forms the screen pre-fills. */
  patient: { name: string; certNoMasked: string; gend: string; age: number | null };
}

export interface PdfFile {
  fileName: string;
  mime: 'application/pdf';
  /** The PDF bytes, base64: the renderer opens them as a blob: URL (CSP frame-src blob:). */
  base64: string;
  pages: number;
}

export interface EmergencyFeesResult {
  attached: { sn: string; reason: string }[];
  refused: { sn: string; reason: string }[];
  rule: string;
}

export const admissionCreateInput = z.strictObject({ checkId: id('身份核验记录'), ...admissionShape }).superRefine(refineFlags);

export const admissionApi = {
  'admission.create': method<AdmissionDetail>()(admissionCreateInput, 'clerk'),
  'admission.change': method<AdmissionDetail>()(
    z.strictObject({ admissionId: id('入院登记'), changes: admissionChangeSchema, reason: z.string().trim().max(200, '变更原因过长（最多 200 个字）').optional() }),
    'clerk',
  ),
  'admission.cancel': method<AdmissionDetail>()(z.strictObject({ admissionId: id('入院登记'), reason: reason('撤销原因') }), 'clerk'),
  'admission.recheckEligibility': method<AdmissionDetail>()(
    z.strictObject({ admissionId: id('入院登记'), checkId: id('身份核验记录').optional() }),
    'clerk',
  ),
  'admission.get': method<AdmissionDetail>()(z.strictObject({ id: id('入院登记') }), 'clerk'),
  'admission.list': method<AdmissionSummary[]>()(
    z.strictObject({
      scope: z.enum(['in', 'all'], { error: '范围应为 in（在院）或 all（全部）' }).default('in'),
      query: z.string().trim().max(30, '查询内容过长').optional(),
    }),
    'clerk',
  ),
  'admission.attachEmergencyFees': method<EmergencyFeesResult>()(
    z.strictObject({
      admissionId: id('入院登记'),
      visit: z.strictObject({
        /** Patient of the outpatient record; absent: the admission's patient (entered from its own record). */
        certNo: z.string().trim().max(30).optional(),
        emergency: z.boolean({ error: '请说明是否为门诊急救或抢救' }),
      }),
      lines: z
        .array(feeItemSchema.extend({ feeOcurTime: z.string({ error: '请填写费用发生时间' }).trim().min(1, '请填写费用发生时间') }), { error: '请填写门急诊费用' })
        .min(1, '请至少填写一条门急诊费用')
        .max(200, '一次最多 200 条'),
    }),
    'clerk',
  ),
  'pledge.record': method<AdmissionDetail>()(z.strictObject({ admissionId: id('入院登记'), form: pledgeFormSchema, signedAt: dateTime }), 'clerk'),
  'pledge.supersede': method<AdmissionDetail>()(
    z.strictObject({ pledgeId: id('原承诺书'), form: pledgeFormSchema, signedAt: dateTime, reason: reason('更正原因') }),
    'clerk',
  ),
  'pledge.pdf': method<PdfFile>()(
    z
      .object({ admissionId: id('入院登记'), form: pledgeFormSchema.optional(), pledgeId: id('承诺书').optional() })
      .refine((v) => (v.form === undefined) !== (v.pledgeId === undefined), { message: '请填写承诺书内容（打印待签字的承诺书），或指定已记录的承诺书（补打）', path: ['form'] }),
    'clerk',
  ),
  'outsideExam.create': method<{ slip: OutsideExamView; admission: AdmissionDetail }>()(
    z.strictObject({ admissionId: id('入院登记') }).extend(outsideExamSchema.shape),
    'clerk',
  ),
  'outsideExam.pdf': method<PdfFile>()(z.strictObject({ slipId: id('外检单') }), 'clerk'),
} as const;
