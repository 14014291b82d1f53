import type { DetailRow, ResultRow } from './agency/files.ts';

/**
 * What the 3202 result file says about each settlement, and what the office does about it
 * (DOMAIN §8; 004 第四十一条: differences are investigated, not overwritten). The result rows carry
 * no amounts, only stmt_rslt and the agency's memo, so the kind of difference is read from which
 * side holds the record:
 * - the platform has it and the desk does not (a settlement whose outcome the desk never learnt,
 *   单边账): 冲正 (2601) with the msgid of that row — the desk's own books stay as they are;
 * - the desk has it and the platform does not (the row echoes the desk's record without a msgid,
 *   or the agency left it out): send it again;
 * - both have it and it is 不平: the amounts differ — the agency's figures (its memo) are what it
 *   pays on; a supervisor notes the difference, the desk's record is not changed.
 */

export type DetailDifferenceKind = 'platformOnly' | 'deskOnly' | 'amountsDiffer';

export interface DeskDetailRecord extends DetailRow {
  /** The desk's settlement row and the msgid it went out with. */
  settlementId: number;
  msgid: string;
}

export interface DetailDifference {
  kind: DetailDifferenceKind;
  setlId: string;
  mdtrtId: string;
  psnNo: string;
  refdSetlFlag: '0' | '1';
  /** The agency's side: its msgid for the record (for 冲正) and its memo, as it wrote them. */
  agency: { msgid: string; memo: string } | null;
  /** The desk's side as it was in the uploaded file. */
  desk: DeskDetailRecord | null;
  /** What to do, in Chinese, for the clerk. */
  action: string;
  /** The transaction that does it: 2601 for platformOnly (omsgid = agency.msgid), the original infno to resend, none for amountsDiffer. */
  /** 2304 / 2305 for a stay; 2207 / 2208 for a visit (its file goes with clr_type 11, asVisitDifference). */
  remedy: { infno: '2601'; omsgid: string; oinfno: '2304' | '2305' | '2207' | '2208' } | { infno: '2304' | '2305' | '2207' | '2208'; resend: true } | null;
}

const ORIGINAL: Record<'0' | '1', '2304' | '2305'> = { '0': '2304', '1': '2305' };
const WHAT: Record<'0' | '1', string> = { '0': '结算', '1': '结算撤销' };

export function compareDetail(desk: readonly DeskDetailRecord[], result: readonly ResultRow[]): { matched: number; differences: DetailDifference[] } {
  const deskBySetl = new Map(desk.map((d) => [d.setl_id, d]));
  const seen = new Set<string>();
  const differences: DetailDifference[] = [];
  let matched = 0;
  for (const r of result) {
    const mine = deskBySetl.get(r.setl_id);
    if (mine) seen.add(r.setl_id);
    if (r.stmt_rslt === '0') {
      if (mine) matched += 1;
      // A 平 row of a record the desk did not send is the agency's business; nothing to do here.
      continue;
    }
    const base = { setlId: r.setl_id, mdtrtId: r.mdtrt_id, psnNo: r.psn_no, refdSetlFlag: r.refd_setl_flag } as const;
    const what = WHAT[r.refd_setl_flag];
    if (!mine) {
      differences.push({
        ...base, kind: 'platformOnly', agency: { msgid: r.msgid, memo: r.memo }, desk: null,
        action: r.msgid !== ''
          ? `经办机构有此${what}而本机没有（结果不明未处理的单边账）：以报文ID ${r.msgid} 发送冲正（2601）`
          : `经办机构有此${what}而本机没有，但结果文件未给出报文ID：请向经办机构查询原报文ID后冲正`,
        remedy: r.msgid !== '' ? { infno: '2601', omsgid: r.msgid, oinfno: ORIGINAL[r.refd_setl_flag] } : null,
      });
    } else if (r.msgid === '') {
      differences.push({
        ...base, kind: 'deskOnly', agency: { msgid: '', memo: r.memo }, desk: mine,
        action: `本机有此${what}而经办机构没有：重新发送${what}（${ORIGINAL[r.refd_setl_flag]}，新报文ID）`,
        remedy: { infno: ORIGINAL[r.refd_setl_flag], resend: true },
      });
    } else {
      differences.push({
        ...base, kind: 'amountsDiffer', agency: { msgid: r.msgid, memo: r.memo }, desk: mine,
        action: '双方金额不一致：以经办机构的金额为准拨付，请主管核对并填写处理说明（本机记录不作修改）',
        remedy: null,
      });
    }
  }
  for (const d of desk) {
    if (seen.has(d.setl_id)) continue;
    const what = WHAT[d.refd_setl_flag];
    differences.push({
      kind: 'deskOnly', setlId: d.setl_id, mdtrtId: d.mdtrt_id, psnNo: d.psn_no, refdSetlFlag: d.refd_setl_flag, agency: null, desk: d,
      action: `本机有此${what}而经办机构结果中没有：重新发送${what}（${ORIGINAL[d.refd_setl_flag]}，新报文ID）`,
      remedy: { infno: ORIGINAL[d.refd_setl_flag], resend: true },
    });
  }
  return { matched, differences };
}

/** A difference of the visits' file (clr_type 11): the transactions that settle and refund a visit, 2207 / 2208, in place of the stay's 2304 / 2305. */
export function asVisitDifference(d: DetailDifference): DetailDifference {
  const visit = (infno: string): '2207' | '2208' => (infno === '2305' || infno === '2208' ? '2208' : '2207');
  const remedy: DetailDifference['remedy'] = d.remedy === null ? null
    : 'omsgid' in d.remedy ? { ...d.remedy, oinfno: visit(d.remedy.oinfno) } : { ...d.remedy, infno: visit(d.remedy.infno) };
  return { ...d, remedy, action: `门诊：${d.action.replace(/2304/g, '2207').replace(/2305/g, '2208')}` };
}

export const DETAIL_DIFFERENCE_LABEL: Record<DetailDifferenceKind, string> = {
  platformOnly: '经办机构有、本机无',
  deskOnly: '本机有、经办机构无',
  amountsDiffer: '金额不一致',
};
