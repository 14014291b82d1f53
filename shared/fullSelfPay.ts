import { addDays, addMonths, type CalendarDate } from './dates.ts';

/**
 * 全额自付 at discharge (issue 14 §2): the stay cannot be settled directly (no connection, or the
 * clerk and patient choose not to wait for 出院待结算), so the patient pays the whole bill and
 * claims it back at home (零星报销).
 */

/** The hospital uploads the details and the diagnosis within 2 days, for an online manual claim (004 第三十五条(三)). */
export const UPLOAD_DAYS = 2;
export const UPLOAD_RULE = '004 第三十五条(三)';
/** A visit not settled directly: its details and diagnoses go up within 2 days, as for a stay (004 第三十六条(三) → 第三十五条(三)). */
export const OTP_UPLOAD_RULE = '004 第三十六条(三)、第三十五条(三)';
/** The patient applies within 3 months of paying in full; a further 3 months on request (004 第四十七条). */
export const CLAIM_MONTHS = 3;
export const CLAIM_EXTENSION_MONTHS = 3;
export const CLAIM_RULE = '004 第四十七条';

export interface SelfPayDeadlines {
  uploadBy: CalendarDate;
  claimBy: CalendarDate;
  claimByExtended: CalendarDate;
}

export function selfPayDeadlines(paidOn: CalendarDate): SelfPayDeadlines {
  return {
    uploadBy: addDays(paidOn, UPLOAD_DAYS),
    claimBy: addMonths(paidOn, CLAIM_MONTHS),
    claimByExtended: addMonths(paidOn, CLAIM_MONTHS + CLAIM_EXTENSION_MONTHS),
  };
}

/** The advice printed for the patient, in the words the office gives it (004 第四十七条); a visit's (门诊) cites 第三十六条(三). */
export function selfPayAdvice(d: SelfPayDeadlines, insuredRegionName: string, kind: 'stay' | 'visit' = 'stay'): string[] {
  const what = kind === 'stay' ? '住院' : '门诊';
  return [
    `本次${what}未能在本院直接结算，费用已由您全额自付。请于 ${d.claimBy} 前（全额自付结算后 3 个月内）向参保地（${insuredRegionName}）医保经办机构申请零星报销（${CLAIM_RULE}）。`,
    `因客观原因不能按时申请的，请在期限内向参保地经办机构提出延期申请，经同意可延长 3 个月（至 ${d.claimByExtended}）。`,
    `本院将于 ${d.uploadBy} 前通过医保信息平台上传本次${what}的费用明细和诊断信息，供参保地线上办理零星报销（${kind === 'stay' ? UPLOAD_RULE : OTP_UPLOAD_RULE}）。`,
    kind === 'stay'
      ? '申请时请携带：本费用清单、医疗收费票据、出院小结（或出院记录）、诊断证明及参保地要求的其他材料。'
      : '申请时请携带：本费用清单、医疗收费票据、门诊病历（或处方）、诊断证明及参保地要求的其他材料。',
  ];
}
