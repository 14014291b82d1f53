import { ADM_WAY_CODE, flag, type AdmissionFields } from '../admission.ts';
import { AgencyMessageError, objectAt, readText, withPlatformText, type JsonObject } from './envelope.ts';

/**
 * The admission messages (national-interface.md §2): 2401 入院办理, 2403 入院信息变更, 2404 入院撤销,
 * each builder beside the reader of its answer. Services build, sync hooks read.
 */

export interface AdmissionMessageContext {
  psnNo: string;
  insutype: string;
  certType: string;
  certNo: string;
  /** The patient's insured region (1101 insuinfo.insuplc_admdvs). */
  insuplcAdmdvs: string;
  /** The hospital's region. */
  mdtrtareaAdmvs: string;
  /** From the 2401 answer; empty while it has not come back (the sync worker fills it, see handlers). */
  mdtrtId: string;
}

/** 2401 `mdtrtinfo` (also the body of 2403 `adminfo`): national field names, flags as "1"/"0". */
export function mdtrtinfo(f: AdmissionFields, c: AdmissionMessageContext) {
  return {
    psn_no: c.psnNo,
    insutype: c.insutype,
    coner_name: '',
    tel: '',
    begntime: f.admittedAt,
    mdtrt_cert_type: c.certType,
    mdtrt_cert_no: c.certNo,
    med_type: f.medType,
    ipt_no: f.iptNo,
    medrcdno: '',
    atddr_no: f.doctorCode,
    chfpdr_name: f.doctorName,
    adm_diag_dscr: f.diagName,
    adm_dept_codg: f.deptCode,
    adm_dept_name: f.deptName,
    adm_bed: f.bed,
    dscg_maindiag_code: f.diagCode,
    dscg_maindiag_name: f.diagName,
    main_cond_dscr: '',
    dise_codg: '',
    dise_name: '',
    oprn_oprt_code: '',
    oprn_oprt_name: '',
    dise_type_code: '',
    // Cross-region fields (004 第三十七条、第三十八条): regions, the trauma and third-party flags.
    insuplc_admdvs: c.insuplcAdmdvs,
    mdtrtarea_admvs: c.mdtrtareaAdmvs,
    trum_flag: flag(f.trauma),
    rel_ttp_flag: flag(f.thirdParty),
    adm_way: ADM_WAY_CODE[f.way],
  };
}

/** 2401/2403 `diseinfo[]`: the admission diagnosis as the main western-medicine diagnosis. */
export function diseinfo(f: AdmissionFields, c: Pick<AdmissionMessageContext, 'psnNo'>) {
  return [
    {
      psn_no: c.psnNo,
      diag_type: '1',
      maindiag_flag: '1',
      diag_srt_no: '1',
      diag_code: f.diagCode,
      diag_name: f.diagName,
      adm_cond: '',
      diag_dept: f.deptName,
      dise_dor_no: f.doctorCode,
      dise_dor_name: f.doctorName,
      diag_time: f.admittedAt,
    },
  ];
}

export function build2401(f: AdmissionFields, c: AdmissionMessageContext) {
  return { mdtrtinfo: mdtrtinfo(f, c), diseinfo: diseinfo(f, c) };
}

/** 2403: the admission's values after the change, whole, so the agency's copy equals ours. */
export function build2403(f: AdmissionFields, c: AdmissionMessageContext) {
  return { adminfo: { mdtrt_id: c.mdtrtId, ...mdtrtinfo(f, c) }, diseinfo: diseinfo(f, c) };
}

export function build2404(c: Pick<AdmissionMessageContext, 'mdtrtId' | 'psnNo'>) {
  return { data: { mdtrt_id: c.mdtrtId, psn_no: c.psnNo } };
}

/**
 * 2401: the spec says "output: mdtrt_id"; several regions nest it under `result` or `data`.
 * `errMsg` as for readSettlement: infcode 0 with an error text and no mdtrt_id is a failure.
 */
export function readAdmission(output: JsonObject | null, errMsg: string | null = null): { mdtrtId: string } {
  const mdtrtId = readText(output?.mdtrt_id) ?? readText(objectAt(output, 'result')?.mdtrt_id) ?? readText(objectAt(output, 'data')?.mdtrt_id);
  if (mdtrtId === null) throw new AgencyMessageError('MALFORMED', withPlatformText('入院办理结果缺少就诊ID（mdtrt_id）', errMsg), errMsg);
  return { mdtrtId };
}
