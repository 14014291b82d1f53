import type { Tx } from '../../../db/repos/clerks.ts';
import { regionPolicyBody } from '../../../db/repos/eligibilityPolicy.ts';
import type { InstitutionRow } from '../../../db/repos/institution.ts';
import type { PersonRow } from '../../../db/repos/personCache.ts';
import type { RegistrationRow } from '../../../db/repos/registrations.ts';
import { DEFAULT_CREDENTIAL_POLICY, type CredentialPolicy } from '../../../shared/credentials.ts';
import { decideEligibility, parseEligibilityInput, type EligibilityDecision, type EligibilityPolicy } from '../../../shared/eligibility.ts';
import { InputError } from '../../../shared/errors.ts';
import { poolingRegionOf } from '../../../shared/regions.ts';
import { ServiceError } from '../errors.ts';

/**
 * The eligibility decision for one person at this hospital, through the shared engine (DOMAIN §3),
 * with the insured region's policy parameters (DOMAIN §12) or the documented defaults.
 */

/** DOMAIN §3 / §12 defaults: temporary 12 months (004), pledge 3 months; ID card in-province residents only. */
export const DEFAULT_VALIDITY: EligibilityPolicy = { tempValidityMonths: 12, pledgeValidityMonths: 3 };

export interface RegionPolicy {
  validity: EligibilityPolicy;
  credential: CredentialPolicy;
  version: string | null;
}

function months(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 120 ? v : fallback;
}

/** The insured region's parameters for the admission's year; defaults where the body has none. */
export function regionPolicy(tx: Tx, insuredRegion: string, insutype: string | null, admissionDate: string): RegionPolicy {
  const found = regionPolicyBody(tx, poolingRegionOf(insuredRegion), insutype || null, Number(admissionDate.slice(0, 4)));
  const body = (found?.body ?? {}) as Record<string, unknown>;
  return {
    validity: {
      tempValidityMonths: months(body.tempValidityMonths, DEFAULT_VALIDITY.tempValidityMonths),
      pledgeValidityMonths: months(body.pledgeValidityMonths, DEFAULT_VALIDITY.pledgeValidityMonths),
    },
    credential: { idCardOnlyInProvince: typeof body.idCardOnlyInProvince === 'boolean' ? body.idCardOnlyInProvince : DEFAULT_CREDENTIAL_POLICY.idCardOnlyInProvince },
    version: found?.version ?? null,
  };
}

export function decide(
  inst: InstitutionRow,
  person: PersonRow,
  reg: RegistrationRow | undefined,
  admission: { date: string; emergency: boolean },
  validity: EligibilityPolicy,
): EligibilityDecision {
  try {
    // Through the CLI's parser, so data from the agency or the roster is checked like any input.
    const input = parseEligibilityInput({
      hospital: { admdvs: inst.admdvs, networked: inst.networked },
      admission,
      // 004 第十三条(一): only 正常参保 (1) is normal; 暂停/无效/终止/未参保 all stop direct settlement.
      person: { insuredRegion: person.insuplcAdmdvs, status: person.psnInsuStas === '1' ? 'normal' : 'suspended' },
      registration: reg
        ? { group: reg.grp, basis: reg.basis, destination: reg.destination, effectiveFrom: reg.effectiveFrom, proofSuppliedOn: reg.proofSuppliedOn, status: reg.status }
        : null,
      policy: validity,
    });
    return decideEligibility(input);
  } catch (e) {
    if (e instanceof InputError) {
      throw new ServiceError('AGENCY_DATA', `参保或备案信息无法用于判定（${e.message}）。请联网重新核验；如反复出现请联系信息科`, 'credential');
    }
    throw e;
  }
}

/** Whether a re-check's decision differs from the original's (direct, reason or window end). */
export function decisionChanged(a: { direct: boolean; reason: string; validUntil: string | null }, b: EligibilityDecision): boolean {
  return a.direct !== b.direct || a.reason !== b.reason || (a.validUntil ?? null) !== b.validUntil;
}
