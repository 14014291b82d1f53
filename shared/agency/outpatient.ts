import { objectAt, readText, type JsonObject } from './envelope.ts';
import { feedetail, type FeeLineForUpload, type StayRef } from './settlement.ts';

/**
 * The outpatient messages (national-interface.md "Typical outpatient sequence"): 2201 门诊挂号,
 * 2202 挂号撤销, 2203 就诊信息上传, 2204 费用明细上传 per 收费批次 (chrg_bchno), 2205 费用明细撤销,
 * 2206 预结算, 2207 结算 (answer in the 2304 shape: readSettlement), 2208 结算撤销. Each builder
 * beside its reader. The reference documents only the sequence and 2208's and 2205's keys; the
 * other field names follow the national 接口规范 as the public hospital modules send them
 * (UNVERIFIED where national-interface.md is silent: 2201 `data`, 2203 `mdtrtinfo` + `diseinfo`,
 * 2204 `feedetail` with chrg_bchno, 2206/2207 `data` as 2303/2304 plus med_type and chrg_bchno).
 */

export type VisitRef = StayRef;

export interface Registration2201 {
  psnNo: string;
  insutype: string;
  /** yyyy-MM-dd HH:mm:ss */
  begntime: string;
  certType: string;
  certNo: string;
  /** 门诊号 ipt_otp_no (the hospital's own visit number). */
  otpNo: string;
  doctorCode: string;
  doctorName: string;
  deptCode: string;
  deptName: string;
  caty: string;
}

export function build2201(r: Registration2201) {
  return {
    data: {
      psn_no: r.psnNo, insutype: r.insutype, begntime: r.begntime, mdtrt_cert_type: r.certType, mdtrt_cert_no: r.certNo,
      ipt_otp_no: r.otpNo, atddr_no: r.doctorCode, dr_name: r.doctorName, dept_code: r.deptCode, dept_name: r.deptName, caty: r.caty,
    },
  };
}

/** 2201's mdtrt_id, under `data` or `result` or at the top (regions differ); null when the answer has none. */
export function readVisitRegistration(output: JsonObject | null): { mdtrtId: string | null } {
  const node = objectAt(output, 'data') ?? objectAt(output, 'result') ?? output;
  return { mdtrtId: readText(node?.mdtrt_id) };
}

export function build2202(v: VisitRef, otpNo: string) {
  return { data: { psn_no: v.psnNo, mdtrt_id: v.mdtrtId, ipt_otp_no: otpNo } };
}

export interface Diagnosis {
  /** 1 西医 / 2 中医主病 / 3 中医主证 (national-interface.md diag_type). */
  diagType: '1' | '2' | '3';
  code: string;
  name: string;
  main: boolean;
}

export interface VisitInfo2203 {
  medType: string;
  begntime: string;
  /** 门诊慢特病: the disease of the registration (dise_codg / dise_name). */
  diseCodg: string | null;
  diseName: string | null;
  deptName: string;
  doctorCode: string;
  doctorName: string;
}

export function build2203(v: VisitRef, info: VisitInfo2203, diagnoses: readonly Diagnosis[]) {
  return {
    mdtrtinfo: {
      mdtrt_id: v.mdtrtId, psn_no: v.psnNo, med_type: info.medType, begntime: info.begntime, main_cond_dscr: '',
      dise_codg: info.diseCodg ?? '', dise_name: info.diseName ?? '', birctrl_type: '', birctrl_matn_date: '',
    },
    diseinfo: diagnoses.map((d, i) => ({
      diag_type: d.diagType, diag_srt_no: String(i + 1), diag_code: d.code, diag_name: d.name, maindiag_flag: d.main ? '1' : '0',
      diag_dept: info.deptName, dise_dor_no: info.doctorCode, dise_dor_name: info.doctorName, diag_time: info.begntime, vali_flag: '1',
    })),
  };
}

/** 2204 `feedetail[]` of one charge batch: the 2301 row, with the batch and without the stay-only keys. */
export function build2204(v: VisitRef & { medType: string }, chrgBchno: string, lines: readonly FeeLineForUpload[]) {
  return {
    feedetail: lines.map((l) => {
      const row = feedetail(l, v);
      delete row.med_type;
      delete row.drord_no;
      return { ...row, chrg_bchno: chrgBchno, rxno: '', rx_circ_flag: '0' };
    }),
  };
}

/** 2205: withdraw one charge batch's lines, "0000" = all of the visit (national-interface.md). */
export function build2205(v: VisitRef, chrgBchno: string) {
  return { data: { mdtrt_id: v.mdtrtId, chrg_bchno: chrgBchno, psn_no: v.psnNo } };
}

export interface OutpatientSettleRef extends VisitRef {
  certType: string;
  certNo: string;
  insutype: string;
  medType: string;
}

export interface OutpatientAmountsOut {
  medfee_sumamt: string;
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
  inscp_scp_amt: string;
}

function settleData(v: OutpatientSettleRef, a: OutpatientAmountsOut, useAccount: boolean, chrgBchno: string | null): JsonObject {
  return {
    psn_no: v.psnNo, mdtrt_cert_type: v.certType, mdtrt_cert_no: v.certNo, med_type: v.medType, medfee_sumamt: a.medfee_sumamt,
    psn_setlway: '01', mdtrt_id: v.mdtrtId, chrg_bchno: chrgBchno ?? '', insutype: v.insutype, acct_used_flag: useAccount ? '1' : '0',
    invono: '', fulamt_ownpay_amt: a.fulamt_ownpay_amt, overlmt_selfpay: a.overlmt_selfpay, preselfpay_amt: a.preselfpay_amt, inscp_scp_amt: a.inscp_scp_amt,
  };
}

/** 2206 预结算: the same input as 2207; `chrgBchno` null = every line of the visit not yet settled. */
export function build2206(v: OutpatientSettleRef, a: OutpatientAmountsOut, useAccount: boolean, chrgBchno: string | null = null) {
  return { data: settleData(v, a, useAccount, chrgBchno) };
}

export function build2207(v: OutpatientSettleRef, a: OutpatientAmountsOut, useAccount: boolean, chrgBchno: string | null = null) {
  return { data: settleData(v, a, useAccount, chrgBchno) };
}

/** 2208 门诊结算撤销 (national-interface.md: setl_id, mdtrt_id, psn_no). */
export function build2208(v: VisitRef, setlId: string) {
  return { data: { setl_id: setlId, mdtrt_id: v.mdtrtId, psn_no: v.psnNo } };
}

/** 5301 人员慢特病备案查询: the person's 门诊慢特病 registrations (output names UNVERIFIED: feedetail[]{opsp_dise_code, opsp_dise_name, begndate, enddate}). */
export function build5301(psnNo: string) {
  return { data: { psn_no: psnNo } };
}

export interface ChronicRegistration {
  code: string;
  name: string;
  begndate: string | null;
  enddate: string | null;
  /**
   * The disease's limits where the region answers them (issue 16 §2): the year's (`lmt_amt`) and one
   * visit's (`sin_lmt_amt`) fees, as text. UNVERIFIED names: the public modules seen answer none; an
   * unreadable amount is treated as not answered, never as a limit of 0.
   */
  limits: { annual: string | null; perVisit: string | null };
}

function limitText(v: unknown): string | null {
  const t = readText(v);
  return t !== null && /^\d{1,10}(\.\d{1,2})?$/.test(t) ? t : null;
}

export function readChronicRegistrations(output: JsonObject | null): ChronicRegistration[] {
  const rows = output?.feedetail ?? output?.data ?? [];
  return (Array.isArray(rows) ? rows : [rows]).flatMap((r) => {
    const o = r !== null && typeof r === 'object' ? (r as JsonObject) : null;
    const code = o ? readText(o.opsp_dise_code) : null;
    return o && code ? [{
      code, name: readText(o.opsp_dise_name) ?? code, begndate: readText(o.begndate), enddate: readText(o.enddate),
      limits: { annual: limitText(o.lmt_amt), perVisit: limitText(o.sin_lmt_amt) },
    }] : [];
  });
}
