import { and, desc, eq, isNull, lte } from 'drizzle-orm';
import { policies } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * The insured region's policy body that carries the registration and credential parameters
 * (DOMAIN §12: tempValidityMonths, pledgeValidityMonths, idCardOnlyInProvince): the newest
 * year not after the admission's, for the scheme; any scheme of the region when the scheme has
 * none (the validity parameters are the region's, not the scheme's). Undefined: use defaults.
 */
export function regionPolicyBody(db: Tx, poolingRegion: string, insutype: string | null, year: number): { version: string; body: unknown } | undefined {
  const pick = (scheme: string | null) =>
    db
      .select({ version: policies.version, body: policies.body })
      .from(policies)
      .where(and(
        eq(policies.insuplcAdmdvs, poolingRegion),
        lte(policies.year, year),
        isNull(policies.retiredAt),
        ...(scheme === null ? [] : [eq(policies.insutype, scheme)]),
      ))
      .orderBy(desc(policies.year), desc(policies.id))
      .limit(1)
      .get();
  const row = (insutype ? pick(insutype) : undefined) ?? pick(null);
  if (!row) return undefined;
  try {
    return { version: row.version, body: JSON.parse(row.body) as unknown };
  } catch {
    return undefined;
  }
}
