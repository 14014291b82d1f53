import type { Tx } from '../../../db/repos/clerks.ts';
import { chronicFeesOfYear, refusedItemsOfVisit, splitsOfVisit, type OtpSettlementRow, type VisitRow } from '../../../db/repos/outpatient.ts';
import { otpClaimHolding } from '../../../db/repos/outpatientClaims.ts';
import { STATUS_LABEL as CLAIM_STATUS_LABEL } from '../claim/policy.ts';
import { chronicLimitWarnings, type ChronicLimits } from '../../../shared/outpatient.ts';
import type { OutpatientSettlementView, OutpatientVisitView } from '../../../shared/api/outpatient.ts';
import type { DerivedField, FundRowView } from '../../../shared/api/settlement.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import { selfPayOfView } from './selfPay.ts';
import { visitState } from './state.ts';
import { deskLines, visitOrThrow } from './visit.ts';

/** The visit as the screen shows it: lines with both splits, settlements as answered, requests on their way. */

/** The live monthly claim holding a settlement (its refund then needs a supervisor, 004 第四十五条). */
function claimOf(db: Tx, settlementId: number): OutpatientSettlementView['claim'] {
  const c = otpClaimHolding(db, settlementId);
  return c ? { period: c.setlym, statusLabel: CLAIM_STATUS_LABEL[c.status as keyof typeof CLAIM_STATUS_LABEL] ?? c.status } : null;
}

function voidView(v: { reason: string; at: string; requestId: number | null } | undefined): OutpatientSettlementView['voided'] {
  return v ? { reason: v.reason, at: v.at, requestId: v.requestId } : null;
}

export function settlementView(s: OtpSettlementRow, refundedBy: number | null, batches: string[], claim: OutpatientSettlementView['claim'] = null, voided: OutpatientSettlementView['voided'] = null): OutpatientSettlementView {
  return {
    id: s.id, kind: s.kind, refunds: s.refunds, refundedBy, setlId: s.setlId, setlTime: s.setlTime, batches, claim, voided,
    amounts: {
      medfee_sumamt: s.medfeeSumamt, inscp_scp_amt: s.inscpScpAmt, preselfpay_amt: s.preselfpayAmt, overlmt_selfpay: s.overlmtSelfpay, fulamt_ownpay_amt: s.fulamtOwnpayAmt,
      act_pay_dedc: s.actPayDedc, hifp_pay: s.hifpPay, fund_pay_sumamt: s.fundPaySumamt, psn_part_amt: s.psnPartAmt, acct_pay: s.acctPay, psn_cash_pay: s.psnCashPay,
    },
    funds: JSON.parse(s.funds) as FundRowView[],
    derived: JSON.parse(s.derived) as DerivedField[],
  };
}

export function visitView(db: Tx, visitId: number): OutpatientVisitView {
  const { visit, person } = visitOrThrow(db, visitId);
  const st = visitState(db, visitId);
  const agency = new Map<string, ReturnType<typeof splitsOfVisit>[number]>();
  for (const s of splitsOfVisit(db, visitId)) agency.set(`${s.msgid}/${s.feedetlSn}`, s);
  const lines = deskLines(db, st.lines).map(({ line, split }) => {
    const a = agency.get(`${line.uploadMsgid}/${line.feedetlSn}`) ?? null;
    const mine = { inscp: toText(split.in), pre: toText(split.pre), over: toText(split.over), full: toText(split.full) };
    const theirs = a ? { inscp: a.inscpScpAmt, pre: a.preselfpayAmt, over: a.overlmtAmt, full: a.fulamtOwnpayAmt } : null;
    const labels = { inscp: '范围内', pre: '乙类先行自付', over: '超限价', full: '自费' } as const;
    const differs = theirs ? (Object.keys(labels) as (keyof typeof labels)[]).filter((k) => theirs[k] !== null && theirs[k] !== mine[k]).map((k) => labels[k]) : [];
    return {
      chrgBchno: line.chrgBchno, feedetlSn: line.feedetlSn, name: line.name, medListCodg: line.medListCodg, cnt: line.cnt, pric: line.pric, amount: line.detItemFeeSumamt,
      withdrawn: st.withdrawn.has(line.chrgBchno), settled: st.held.get(line.chrgBchno)?.settlementId != null, split: mine, agencySplit: theirs, splitDiffers: differs,
    };
  });
  const batchesOf = (requestId: number | undefined): string[] => JSON.parse(st.requests.find((r) => r.id === requestId)?.batches ?? '[]') as string[];
  const refundedBy = new Map(st.settlements.filter((s) => s.kind === 'refund' && s.refunds !== null).map((s) => [s.refunds!, s.id]));
  const notes: string[] = [];
  const head = st.requests.find((r) => r.queue === 'pending' || r.queue === 'refused');
  const refused = refusedItemsOfVisit(db, visitId).filter((r) => r.infno !== '2207' && r.infno !== '2208');
  for (const r of refused) notes.push(`参保地拒绝了 ${r.infno}：${r.lastError ?? '未说明原因'}（请在“同步”中处理）`);
  if (!visit.mdtrtId && refused.length === 0) notes.push('挂号（2201）尚未得到参保地的就诊ID：联网后自动发送');
  if (head?.queue === 'pending') notes.push(head.unknownOutcome ? `${head.infno === '2207' ? '结算' : '退费'}结果未知，冲正中（2601）后重发` : `${head.infno === '2207' ? '结算' : '退费'}中：等待参保地应答`);
  if (head?.queue === 'refused') notes.push(`参保地拒绝了${head.infno === '2207' ? '结算' : '退费'}：${head.lastError ?? ''}`);
  const chronicLimits = chronicLimitsView(db, visit, person.id, st.lines.filter((l) => !st.withdrawn.has(l.chrgBchno)).map((l) => l.detItemFeeSumamt));
  if (chronicLimits) notes.push(...chronicLimits.warnings);
  const selfPay = selfPayOfView(db, visitId);
  if (selfPay) {
    notes.push(selfPay.uploaded
      ? `已按全额自付办理（${selfPay.paidOn}，${selfPay.medfee_sumamt} 元）：费用明细和诊断信息已上传（${selfPay.rules.upload}）；患者于 ${selfPay.claimBy} 前回参保地申请零星报销（${selfPay.rules.claim}）`
      : `已按全额自付办理（${selfPay.paidOn}，${selfPay.medfee_sumamt} 元）：费用明细和诊断信息须于 ${selfPay.uploadBy} 前上传，还有 ${selfPay.queued} 条未送达（${selfPay.rules.upload}）`);
  }
  return {
    id: visit.id, otpNo: visit.otpNo, personId: person.id, psnName: person.psnName, certnoMasked: maskId(person.certno), insuplcAdmdvs: person.insuplcAdmdvs,
    insutype: visit.insutype, medType: visit.medType, emergency: visit.emergency, diseCodg: visit.diseCodg, diseName: visit.diseName, mdtrtId: visit.mdtrtId,
    registered: visit.mdtrtId !== null, lines,
    unsettledTotal: toText(sum(st.unsettled.map((l) => new Decimal(l.detItemFeeSumamt)))),
    settlements: st.settlements.map((s) => settlementView(s, refundedBy.get(s.id) ?? null, batchesOf(s.kind === 'refund' ? st.settlements.find((x) => x.id === s.refunds)?.requestId : s.requestId), claimOf(db, s.id), voidView(st.voids.get(s.id)))),
    requests: st.requests.map((r) => ({ id: r.id, infno: r.infno, msgid: r.msgid, state: r.queue, message: r.queue === 'refused' ? r.lastError : null })),
    notes,
    chronicLimits,
    selfPay,
  };
}

/** The disease's limits (5301) beside the visit's fees and this desk's earlier ones this year (issue 16 §2). */
function chronicLimitsView(db: Tx, visit: VisitRow, personId: number, fees: readonly string[]): OutpatientVisitView['chronicLimits'] {
  if (!visit.chronicLimits || !visit.diseCodg) return null;
  const l = JSON.parse(visit.chronicLimits) as ChronicLimits;
  const visitFees = sum(fees.map((f) => new Decimal(f)));
  const earlier = sum(chronicFeesOfYear(db, personId, visit.diseCodg, visit.begntime.slice(0, 4), visit.id).map((f) => new Decimal(f)));
  return { ...l, visitFees: toText(visitFees), earlierThisYear: toText(earlier), warnings: chronicLimitWarnings(l, visitFees, earlier) };
}
