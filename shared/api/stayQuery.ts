import { z } from 'zod';
import type { PlatformSettlement, PlatformStay, StayQueryInfno } from '../agency/queries.ts';
import { method } from './contract.ts';

/** A stay as the platform holds it (5203 / 5204 / 5303, issue 15 §4), beside the desk's own record. */

export interface StayQueryDifference {
  field: string;
  label: string;
  desk: string | null;
  platform: string | null;
}

export type StayQueryView = { infno: StayQueryInfno; label: string; admissionId: number; msgid: string; differences: StayQueryDifference[] } & (
  | { infno: '5203'; desk: { setlId: string | null; medfeeSumamt: string; fundPaySumamt: string; acctPay: string; psnCashPay: string }; platform: PlatformSettlement }
  | { infno: '5204'; desk: { lines: number }; platform: { lines: number } }
  | { infno: '5303'; desk: { status: string; mdtrtId: string | null }; platform: { stays: PlatformStay[] } }
);

export const stayQueryApi = {
  'stay.query': method<StayQueryView>()(z.strictObject({
    admissionId: z.number({ error: '请选择住院登记' }).int().positive(),
    infno: z.enum(['5203', '5204', '5303'], '查询交易应为 5203（结算信息）、5204（费用明细）或 5303（在院信息）'),
  }), 'clerk'),
} as const;
