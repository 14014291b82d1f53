import type { Tx } from '../../../db/repos/clerks.ts';
import { feeLinesOf } from '../../../db/repos/fees.ts';
import { getSetting, setSetting } from '../../../db/repos/institution.ts';
import { uploadedFeeSns } from '../../../db/repos/settlementRequests.ts';
import type { AgencyRecordView } from '../../../shared/api/settlement.ts';
import type { AgencySpecialDrugRecord } from '../../../shared/agency/queries.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';

/**
 * 5205 (the person's special-drug records) is asked only for insured regions that use it: a desk
 * option per insured region, off by default (setting `agency.5205.regions`, a comma list of admdvs).
 */

const KEY = 'agency.5205.regions';

export function specialDrugRegions(db: Tx): string[] {
  return (getSetting(db, KEY) ?? '').split(',').filter((r) => r !== '');
}

export function setSpecialDrugRegions(db: Tx, regions: readonly string[]): void {
  setSetting(db, KEY, [...new Set(regions)].sort().join(','));
}

export function usesSpecialDrugs(db: Tx, insuplcAdmdvs: string): boolean {
  return specialDrugRegions(db).includes(insuplcAdmdvs);
}

/** The records beside the desk: per drug code of this stay's records, the agency's amount and the desk's uploaded lines of that code. */
export function specialDrugView(db: Tx, admissionId: number, mdtrtId: string, records: readonly AgencySpecialDrugRecord[]): Exclude<AgencyRecordView['specialDrugs'], null | { error: string }> {
  const uploaded = uploadedFeeSns(db, admissionId);
  const ours = feeLinesOf(db, admissionId).filter((l) => uploaded.has(l.feedetlSn));
  const byCode = new Map<string, Decimal[]>();
  for (const r of records) if (r.mdtrtId === mdtrtId && r.medListCodg) byCode.set(r.medListCodg, [...(byCode.get(r.medListCodg) ?? []), r.amount ?? new Decimal(0)]);
  const thisStay = [...byCode].map(([code, amounts]) => {
    const agency = sum(amounts);
    const desk = sum(ours.filter((l) => l.medListCodg === code).map((l) => new Decimal(l.detItemFeeSumamt)));
    return { code, agency: toText(agency), desk: toText(desk), agrees: agency.eq(desk) };
  });
  return {
    rows: records.map((r) => ({ mdtrtId: r.mdtrtId, hospital: r.hospital, code: r.medListCodg, name: r.name, cnt: r.cnt === null ? null : r.cnt.toFixed(), amount: r.amount === null ? null : toText(r.amount), time: r.time })),
    thisStay,
  };
}
