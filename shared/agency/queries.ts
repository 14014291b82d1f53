import { listAt, objectAt, readAmount, readDecimal, readText, type JsonObject } from './envelope.ts';
import { readSettlement, type SettlementInfo } from './settlement.ts';
import type { Decimal } from '../money.ts';

/**
 * The platform's own record of a stay (issue 15 §4), asked when the clerk wants to see it beside
 * the desk's: 5203 a settlement, 5204 its fee lines, 5303 whether the person is in hospital. All
 * queries — nothing changes at the agency. The field layouts beyond national-interface.md are the
 * common regional ones and are read leniently (UNVERIFIED): a missing field is "not given".
 */

export function build5203(q: { psnNo: string; setlId: string | null; mdtrtId: string }) {
  return { data: { psn_no: q.psnNo, setl_id: q.setlId ?? '', mdtrt_id: q.mdtrtId } };
}

export interface AgencySettlementRecord {
  info: SettlementInfo;
  /** refd_setl_flag 1: the record is itself a reversal; revs_setl_id: the reversal of this one, if any. */
  reversal: boolean;
  reversedBy: string | null;
}

export function read5203(output: JsonObject | null, errMsg: string | null = null): AgencySettlementRecord {
  const info = readSettlement(output, errMsg);
  const s = objectAt(output, 'setlinfo');
  return { info, reversal: readText(s?.refd_setl_flag) === '1', reversedBy: readText(s?.revs_setl_id) };
}

export function build5204(q: { psnNo: string; mdtrtId: string }) {
  return { data: { psn_no: q.psnNo, mdtrt_id: q.mdtrtId } };
}

export interface AgencyFeeLine {
  feedetlSn: string | null;
  medListCodg: string | null;
  cnt: Decimal | null;
  pric: Decimal | null;
  amount: Decimal | null;
}

/** 5204's lines: under `output` as a list, or under `output.output` / `output.data` as regions send it. */
export function read5204(output: JsonObject | null): AgencyFeeLine[] {
  const rows = Array.isArray(output) ? (output as JsonObject[]) : [...listAt(output, 'output'), ...listAt(output, 'data'), ...listAt(output, 'feedetail')];
  return rows.map((r, n) => ({
    feedetlSn: readText(r.feedetl_sn),
    medListCodg: readText(r.med_list_codg),
    cnt: readDecimal(r.cnt, `[${n}].cnt`),
    pric: readDecimal(r.pric, `[${n}].pric`),
    amount: readAmount(r.det_item_fee_sumamt, `[${n}].det_item_fee_sumamt`),
  }));
}

export function build5303(q: { psnNo: string }) {
  return { data: { psn_no: q.psnNo } };
}

export interface AgencyInHospital {
  mdtrtId: string | null;
  iptNo: string | null;
  begntime: string | null;
  fixmedinsCode: string | null;
  fixmedinsName: string | null;
}

export function read5303(output: JsonObject | null): AgencyInHospital[] {
  return [...listAt(output, 'data'), ...listAt(output, 'output')].map((r) => ({
    mdtrtId: readText(r.mdtrt_id),
    iptNo: readText(r.ipt_no) ?? readText(r.ipt_otp_no),
    begntime: readText(r.begntime),
    fixmedinsCode: readText(r.fixmedins_code),
    fixmedinsName: readText(r.fixmedins_name),
  }));
}

/**
 * 5205 人员慢特病用药记录查询 (the person's special-drug records), where the insured region uses it
 * (a desk option per insured region: settings `specialDrugRegions`). national-interface.md does
 * not describe it: input and answer fields are the common regional ones, UNVERIFIED, read leniently.
 */
export function build5205(q: { psnNo: string; begndate: string; enddate: string }) {
  return { data: { psn_no: q.psnNo, begndate: q.begndate, enddate: q.enddate } };
}

export interface AgencySpecialDrugRecord {
  mdtrtId: string | null;
  hospital: string | null;
  medListCodg: string | null;
  name: string | null;
  cnt: Decimal | null;
  amount: Decimal | null;
  time: string | null;
}

export function read5205(output: JsonObject | null): AgencySpecialDrugRecord[] {
  const rows = Array.isArray(output) ? (output as JsonObject[]) : [...listAt(output, 'data'), ...listAt(output, 'output'), ...listAt(output, 'feedetail')];
  return rows.map((r, n) => ({
    mdtrtId: readText(r.mdtrt_id),
    hospital: readText(r.fixmedins_name) ?? readText(r.fixmedins_code),
    medListCodg: readText(r.med_list_codg) ?? readText(r.hilist_code),
    name: readText(r.med_list_name) ?? readText(r.hilist_name) ?? readText(r.drug_name),
    cnt: readDecimal(r.cnt, `[${n}].cnt`),
    amount: readAmount(r.det_item_fee_sumamt, `[${n}].det_item_fee_sumamt`),
    time: readText(r.fee_ocur_time) ?? readText(r.setl_time),
  }));
}
