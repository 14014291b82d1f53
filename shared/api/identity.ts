import { z } from 'zod';
import { calendarDate } from '../dates.ts';
import type { CredentialType } from '../credentials.ts';
import type { EligibilityReason, RegistrationGroup } from '../eligibility.ts';
import { method } from './contract.ts';

/** The person card of the identity screen (DOMAIN §2). The ID number is masked (first 6, last 4). */
export interface PersonCard {
  id: number;
  certnoMasked: string;
  /** As the agency (or the roster) sent it, unchanged. */
  name: string;
  /** When the name carries a private-use code point, a question mark or U+FFFD where a rare character probably is: what the screen says (shared/personName.ts); null otherwise. */
  nameNote: string | null;
  /** 男 / 女 / 未知 */
  sex: string;
  birthDate: string;
  /** Whole years on the admission date. */
  age: number | null;
  insuredRegion: string;
  insuredRegionName: string;
  /** 跨省 / 省内异地 / 同一统筹区 relative to this hospital. */
  scope: 'cross' | 'in' | 'same';
  /** null while only the roster knows the person (offline, never confirmed). */
  insutype: string | null;
  insutypeName: string;
  psnTypeName: string | null;
  status: string;
  statusName: string;
  /** When the agency last confirmed these facts; null = never (roster only). */
  confirmedAt: string | null;
}

export interface RegistrationCard {
  agencyId: string;
  group: RegistrationGroup;
  groupLabel: string;
  basis: 'proof' | 'pledge';
  destination: string;
  destinationName: string;
  effectiveFrom: string;
  proofSuppliedOn: string | null;
  status: 'active' | 'cancelled';
  /** Last valid day under the insured region's policy; null = open-ended. */
  validUntil: string | null;
  /** When the desk last received it from the agency (roster download or person query). */
  receivedAt: string;
}

export interface CheckView {
  id: number;
  at: string;
  clerkName: string | null;
  certType: CredentialType;
  certTypeName: string;
  online: boolean;
  /** Answered from the local roster while the agency was unreachable (离线核验). */
  provisional: boolean;
  admissionDate: string;
  emergency: boolean;
  direct: boolean;
  reason: EligibilityReason;
  reasonLabel: string;
  rule: string;
  validUntil: string | null;
  message: string;
  recheckOf: number | null;
  /** This re-check's answer differs from the check it re-checked. */
  changed: boolean;
  acknowledgedAt: string | null;
  /** For a check that was re-checked: the newest re-check's id, time and whether it changed the answer. */
  confirmation: { checkId: number; at: string; changed: boolean } | null;
}

export interface IdentityResult {
  credentialType: CredentialType;
  credentialLabel: string;
  person: PersonCard;
  registration: RegistrationCard | null;
  check: CheckView;
  /** For a re-check: the check it answered (to show "was … now …"). */
  previous: CheckView | null;
}

/** A check the admission form offers to pick (issue 20 point 4). */
export interface RecentCheck {
  personId: number;
  name: string;
  certnoMasked: string;
  check: CheckView;
}

export interface ChangedCheck {
  personId: number;
  name: string;
  certnoMasked: string;
  check: CheckView;
  previous: CheckView | null;
}

const id = (label: string) => z.number({ error: `${label}应为数字` }).int().positive(`${label}无效`);

export const identityApi = {
  'identity.check': method<IdentityResult>()(
    z.strictObject({
      // Validated by shared/credentials (Chinese, naming the field); the bound only stops abuse.
      credential: z.string({ error: '请扫描或输入就诊凭证' }).max(100_000, '就诊凭证过长，不是可识别的凭证，请清空后重新扫描'),
      admissionDate: calendarDate.optional(),
      emergency: z.boolean().default(false),
    }),
    'clerk',
  ),
  'identity.show': method<IdentityResult>()(z.strictObject({ checkId: id('核验记录编号') }), 'clerk'),
  'identity.history': method<CheckView[]>()(z.strictObject({ personId: id('人员编号') }), 'clerk'),
  'identity.recheck': method<IdentityResult>()(z.strictObject({ checkId: id('核验记录编号') }), 'clerk'),
  'identity.acknowledge': method<CheckView>()(z.strictObject({ checkId: id('核验记录编号') }), 'clerk'),
  'identity.changes': method<ChangedCheck[]>()(z.strictObject({}), 'clerk'),
  /** Today's checks (China Standard Time) not yet used for an admission, newest first: the admission form picks from them. */
  'identity.recent': method<RecentCheck[]>()(z.strictObject({}), 'clerk'),
} as const;
