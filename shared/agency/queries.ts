import { toText } from '../money.ts';
import { AgencyMessageError, isObject, objectAt, readAmount, readText, type JsonObject } from './envelope.ts';

/**
 * The platform's read-only queries about one stay (national-interface.md §2 "Queries and
 * catalogues"), pure: builders beside their readers. None changes state, so none goes through
 * the outbox: each is asked and answered while the clerk waits.
 * - 5203 结算信息查询: a settlement as the platform holds it.
 * - 5204 费用明细查询: its fee lines.
 * - 5303 在院信息查询: the person's stays the platform sees as in hospital.
 * UNVERIFIED: the interface names these transactions but not their fields; the inputs use the
 * identifiers every other transaction uses (psn_no, mdtrt_id, setl_id) and the answers are read
 * with the field names of 2304 / 2301 / 2401. 5205 (special-drug records) is regional and not built.
 */

export type StayQueryInfno = '5203' | '5204' | '5303';
export const STAY_QUERY_LABEL: Record<StayQueryInfno, string> = { '5203': '结算信息查询', '5204': '费用明细查询', '5303': '在院信息查询' };

export function stayQueryInput(infno: StayQueryInfno, o: { psnNo: string; mdtrtId: string | null; setlId: string | null }): { data: Record<string, string> } {
  if (infno === '5303') return { data: { psn_no: o.psnNo } };
  return { data: { psn_no: o.psnNo, mdtrt_id: o.mdtrtId ?? '', setl_id: o.setlId ?? '' } };
}

function amount(o: JsonObject, f: string): string | null {
  const d = readAmount(o[f], f);
  return d === null ? null : toText(d);
}

function listOf(output: JsonObject | null, keys: string[], what: string): JsonObject[] {
  if (Array.isArray(output)) return (output as unknown[]).filter(isObject);
  for (const k of keys) {
    const v = output?.[k];
    if (Array.isArray(v)) return v.filter(isObject);
  }
  throw new AgencyMessageError('MALFORMED', `${what}的应答缺少列表（${keys.join(' / ')}）`);
}

export interface PlatformSettlement {
  setlId: string;
  mdtrtId: string | null;
  setlTime: string | null;
  medfeeSumamt: string | null;
  fundPaySumamt: string | null;
  acctPay: string | null;
  psnCashPay: string | null;
  /** The platform's own word on a reversal when it gives one (refd_setl_flag 1). */
  reversed: boolean;
}

export function read5203(output: JsonObject | null): PlatformSettlement {
  const s = objectAt(output, 'setlinfo') ?? output;
  const setlId = readText(s?.setl_id);
  if (s === null || setlId === null) throw new AgencyMessageError('MALFORMED', '结算信息查询（5203）的应答缺少结算编号（setl_id）');
  return {
    setlId, mdtrtId: readText(s.mdtrt_id), setlTime: readText(s.setl_time),
    medfeeSumamt: amount(s, 'medfee_sumamt'), fundPaySumamt: amount(s, 'fund_pay_sumamt'), acctPay: amount(s, 'acct_pay'), psnCashPay: amount(s, 'psn_cash_pay'),
    reversed: readText(s.refd_setl_flag) === '1',
  };
}

export interface PlatformFeeLine {
  feedetlSn: string;
  medListCodg: string | null;
  detItemFeeSumamt: string | null;
}

export function read5204(output: JsonObject | null): PlatformFeeLine[] {
  return listOf(output, ['feedetail', 'data', 'result'], '费用明细查询（5204）').map((r, i) => {
    const sn = readText(r.feedetl_sn);
    if (sn === null) throw new AgencyMessageError('MALFORMED', `费用明细查询（5204）第 ${i + 1} 条缺少费用明细流水号（feedetl_sn）`);
    return { feedetlSn: sn, medListCodg: readText(r.med_list_codg), detItemFeeSumamt: amount(r, 'det_item_fee_sumamt') };
  });
}

export interface PlatformStay {
  mdtrtId: string;
  iptNo: string | null;
  begntime: string | null;
}

export function read5303(output: JsonObject | null): PlatformStay[] {
  return listOf(output, ['data', 'inhosp', 'result'], '在院信息查询（5303）').map((r, i) => {
    const id = readText(r.mdtrt_id);
    if (id === null) throw new AgencyMessageError('MALFORMED', `在院信息查询（5303）第 ${i + 1} 条缺少就诊 ID（mdtrt_id）`);
    return { mdtrtId: id, iptNo: readText(r.ipt_no), begntime: readText(r.begntime) };
  });
}
