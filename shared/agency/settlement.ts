import type { Decimal } from '../money.ts';
import { toText } from '../money.ts';
import { AgencyMessageError, firstOf, withPlatformText, listAt, objectAt, readAmount, readDecimal, readText, type JsonObject } from './envelope.ts';

/**
 * The settlement messages (national-interface.md §2): 2301 费用明细上传, 2402 出院办理, 2304 结算,
 * 2305 结算撤销, each builder beside the reader of its answer (2303 预结算 answers like 2304).
 * Builders take plain values, so a service passes its rows and nothing here knows the database.
 */

/** What every settlement message of one stay says about it. */
export interface StayRef {
  mdtrtId: string;
  psnNo: string;
}

/** One fee line as the hospital system exported it (fee_lines). */
export interface FeeLineForUpload {
  feedetlSn: string;
  initFeedetlSn: string | null;
  feeOcurTime: string;
  medListCodg: string;
  medinsListCodg: string;
  detItemFeeSumamt: string;
  cnt: string;
  pric: string;
  bilgDeptCodg: string | null;
  bilgDeptName: string | null;
  bilgDrCodg: string | null;
  bilgDrName: string | null;
  selfPay: boolean;
  etipFlag: boolean;
  etipHospCode: string | null;
}

/** 2301 takes at most this many lines per message (regional gateways refuse bigger bodies). */
export const CHUNK_2301 = 1000;

/** 2301 `feedetail[]` row. */
export function feedetail(l: FeeLineForUpload, stay: StayRef & { medType: string }): JsonObject {
  return {
    feedetl_sn: l.feedetlSn,
    init_feedetl_sn: l.initFeedetlSn ?? '',
    mdtrt_id: stay.mdtrtId,
    drord_no: '',
    psn_no: stay.psnNo,
    med_type: stay.medType,
    fee_ocur_time: l.feeOcurTime,
    med_list_codg: l.medListCodg,
    medins_list_codg: l.medinsListCodg,
    det_item_fee_sumamt: l.detItemFeeSumamt,
    cnt: l.cnt,
    pric: l.pric,
    // The HIS may export only names; 2301 requires codes, so the name stands in for a missing code.
    bilg_dept_codg: l.bilgDeptCodg ?? l.bilgDeptName ?? '',
    bilg_dept_name: l.bilgDeptName ?? '',
    bilg_dr_codg: l.bilgDrCodg ?? l.bilgDrName ?? '',
    bilg_dr_name: l.bilgDrName ?? '',
    // UNVERIFIED value set: "2" = 审批不通过, the patient pays the line in full (explicit 自费).
    hosp_appr_flag: l.selfPay ? '2' : '1',
    etip_flag: l.etipFlag ? '1' : '0',
    etip_hosp_code: l.etipHospCode ?? '',
    memo: '',
  };
}

/** 2301 inputs for the lines, CHUNK_2301 per message. */
export function build2301s(lines: readonly FeeLineForUpload[], stay: StayRef & { medType: string }): { feedetail: JsonObject[] }[] {
  const out: { feedetail: JsonObject[] }[] = [];
  for (let k = 0; k < lines.length; k += CHUNK_2301) out.push({ feedetail: lines.slice(k, k + CHUNK_2301).map((l) => feedetail(l, stay)) });
  return out;
}

export interface Discharge {
  insutype: string;
  /** yyyy-MM-dd HH:mm:ss */
  endtime: string;
  deptCode: string;
  deptName: string;
  bed: string;
  dscgWay: string;
  diagCode: string;
  diagName: string;
  doctorCode: string;
  doctorName: string;
}

/** 2402 出院办理: the discharge and its main diagnosis, timed at the discharge. */
export function build2402(stay: StayRef, d: Discharge) {
  return {
    dscginfo: {
      mdtrt_id: stay.mdtrtId, psn_no: stay.psnNo, insutype: d.insutype, endtime: d.endtime, dscg_dept_codg: d.deptCode, dscg_dept_name: d.deptName,
      dscg_bed: d.bed, dscg_way: d.dscgWay, dscg_maindiag_code: d.diagCode, dscg_maindiag_name: d.diagName,
    },
    diseinfo: [{
      mdtrt_id: stay.mdtrtId, psn_no: stay.psnNo, diag_type: '1', maindiag_flag: '1', diag_srt_no: '1', diag_code: d.diagCode, diag_name: d.diagName,
      diag_dept: d.deptName, dise_dor_no: d.doctorCode, dise_dor_name: d.doctorName, diag_time: d.endtime,
    }],
  };
}

export interface SettleAmountsOut {
  medfee_sumamt: Decimal;
  fulamt_ownpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  preselfpay_amt: Decimal;
  inscp_scp_amt: Decimal;
}

/** 2304 结算 (2303 预结算 takes the same `data`). */
export function build2304(stay: StayRef & { certType: string; certNo: string; insutype: string }, amounts: SettleAmountsOut, useAccount: boolean) {
  return {
    data: {
      psn_no: stay.psnNo, mdtrt_cert_type: stay.certType, mdtrt_cert_no: stay.certNo, medfee_sumamt: toText(amounts.medfee_sumamt), psn_setlway: '01',
      mdtrt_id: stay.mdtrtId, insutype: stay.insutype, acct_used_flag: useAccount ? '1' : '0',
      invono: '', mid_setl_flag: '0', fulamt_ownpay_amt: toText(amounts.fulamt_ownpay_amt), overlmt_selfpay: toText(amounts.overlmt_selfpay),
      preselfpay_amt: toText(amounts.preselfpay_amt), inscp_scp_amt: toText(amounts.inscp_scp_amt),
    },
  };
}

/** 2302 住院费用明细撤销: one line by its serial, or `0000` for every line of the stay. */
export function build2302(stay: StayRef, feedetlSn: string) {
  return { data: { feedetl_sn: feedetlSn, mdtrt_id: stay.mdtrtId, psn_no: stay.psnNo } };
}

/** 2405 出院撤销: the discharge taken back at the agency (after a 2305, to settle again). */
export function build2405(stay: StayRef) {
  return { data: { mdtrt_id: stay.mdtrtId, psn_no: stay.psnNo } };
}

/**
 * 2303 住院预结算: the same input as 2304 (national-interface.md §2303/2304); the insured region
 * computes and answers, nothing is settled.
 */
export function build2303(stay: StayRef & { certType: string; certNo: string; insutype: string }, amounts: SettleAmountsOut, useAccount: boolean) {
  return build2304(stay, amounts, useAccount);
}

/** 2305 结算撤销: the agency's settlement id (setl_id) of the settlement taken back. */
export function build2305(stay: StayRef, setlId: string) {
  return { data: { mdtrt_id: stay.mdtrtId, setl_id: setlId, psn_no: stay.psnNo } };
}

// 2301
export interface FeeResult {
  feedetlSn: string;
  detItemFeeSumamt: Decimal | null;
  cnt: Decimal | null;
  pric: Decimal | null;
  pricUplmtAmt: Decimal | null;
  selfpayProp: Decimal | null;
  fulamtOwnpayAmt: Decimal | null;
  overlmtAmt: Decimal | null;
  preselfpayAmt: Decimal | null;
  inscpScpAmt: Decimal | null;
  chrgitmLv: string | null;
  medChrgitmType: string | null;
  memo: string | null;
}

export function readFeeResults(output: JsonObject | null): FeeResult[] {
  return listAt(output, 'result').map((r, n) => {
    const at = (f: string): string => `result[${n}].${f}`;
    const feedetlSn = readText(r.feedetl_sn);
    if (feedetlSn === null) throw new AgencyMessageError('MALFORMED', `费用明细结果第 ${n + 1} 行缺少明细流水号（feedetl_sn）`);
    return {
      feedetlSn,
      detItemFeeSumamt: readAmount(r.det_item_fee_sumamt, at('det_item_fee_sumamt')),
      cnt: readDecimal(r.cnt, at('cnt')),
      pric: readDecimal(r.pric, at('pric')),
      // Upper limit prices are prices (N16,6), not amounts: 999999 means "no limit" in Chongqing.
      pricUplmtAmt: readDecimal(r.pric_uplmt_amt, at('pric_uplmt_amt')),
      selfpayProp: readDecimal(r.selfpay_prop, at('selfpay_prop')),
      fulamtOwnpayAmt: readAmount(r.fulamt_ownpay_amt, at('fulamt_ownpay_amt')),
      overlmtAmt: readAmount(r.overlmt_amt, at('overlmt_amt')),
      preselfpayAmt: readAmount(r.preselfpay_amt, at('preselfpay_amt')),
      inscpScpAmt: readAmount(r.inscp_scp_amt, at('inscp_scp_amt')),
      chrgitmLv: readText(r.chrgitm_lv),
      medChrgitmType: readText(r.med_chrgitm_type),
      memo: readText(r.memo),
    };
  });
}


// 2303 / 2304 / 2305 (and regional settlement queries with the same setlinfo)
export const SETTLEMENT_AMOUNT_FIELDS = [
  'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt', 'inscp_scp_amt', 'act_pay_dedc',
  'hifp_pay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay', 'hosp_part_amt', 'oth_pay',
  'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay', 'balc', 'acct_mulaid_pay', 'hifdm_pay',
] as const;
export type SettlementAmountField = (typeof SETTLEMENT_AMOUNT_FIELDS)[number];

/** Spelling variants seen in real answers (README of the samples), tried after the spec name. */
const AMOUNT_ALIASES: Partial<Record<SettlementAmountField, string[]>> = {
  medfee_sumamt: ['med_fee_sumamt'],
  psn_cash_pay: ['psnCash_pay', 'cashPayamt', 'cash_payamt'],
  preselfpay_amt: ['prese_ifpay_amt'],
};

export interface SettlementInfo {
  mdtrtId: string | null;
  setlId: string | null;
  psnNo: string | null;
  psnName: string | null;
  certno: string | null;
  insutype: string | null;
  medType: string | null;
  setlTime: string | null;
  medinsSetlId: string | null;
  clrType: string | null;
  clrWay: string | null;
  clrOptins: string | null;
  poolPropSelfpay: Decimal | null;
  amounts: Record<SettlementAmountField, Decimal | null>;
  setldetail: { fundPayType: string | null; fundPayTypeName: string | null; fundPayamt: Decimal | null; inscpScpAmt: Decimal | null; crtPaybLmtAmt: Decimal | null }[];
}

/**
 * The settlement answer (2303/2304/2305 and the 2207 shape). `errMsg` is the envelope's error
 * text: an answer that says success (infcode 0) but carries an error text and no setlinfo is a
 * failure the platform described, not an empty success (issue 14 §3), and the clerk sees its words.
 */
export function readSettlement(output: JsonObject | null, errMsg: string | null = null): SettlementInfo {
  const s = objectAt(output, 'setlinfo');
  if (!s) throw new AgencyMessageError('MALFORMED', withPlatformText('结算结果缺少结算信息（setlinfo）', errMsg), errMsg);
  const amounts = {} as Record<SettlementAmountField, Decimal | null>;
  for (const f of SETTLEMENT_AMOUNT_FIELDS) {
    amounts[f] = readAmount(firstOf(s, f, ...(AMOUNT_ALIASES[f] ?? [])), `setlinfo.${f}`);
  }
  return {
    mdtrtId: readText(s.mdtrt_id),
    setlId: readText(s.setl_id),
    psnNo: readText(s.psn_no),
    psnName: readText(s.psn_name),
    certno: readText(firstOf(s, 'certno', 'cert_no')),
    insutype: readText(s.insutype),
    medType: readText(s.med_type),
    setlTime: readText(s.setl_time),
    medinsSetlId: readText(s.medins_setl_id),
    clrType: readText(s.clr_type),
    clrWay: readText(s.clr_way),
    clrOptins: readText(s.clr_optins),
    poolPropSelfpay: readDecimal(s.pool_prop_selfpay, 'setlinfo.pool_prop_selfpay'),
    amounts,
    setldetail: listAt(output, 'setldetail').map((d, n) => ({
      fundPayType: readText(d.fund_pay_type),
      fundPayTypeName: readText(d.fund_pay_type_name),
      fundPayamt: readAmount(d.fund_payamt, `setldetail[${n}].fund_payamt`),
      inscpScpAmt: readAmount(d.inscp_scp_amt, `setldetail[${n}].inscp_scp_amt`),
      crtPaybLmtAmt: readAmount(d.crt_payb_lmt_amt, `setldetail[${n}].crt_payb_lmt_amt`),
    })),
  };
}
