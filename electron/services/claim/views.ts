import {
  claimSettlementIds,
  claimsOfPeriod,
  deductionList,
  deductionsOfClaims,
  deferralList,
  LIVE_CLAIM_STATUSES,
  reversalsOfUnclaimed,
  settlementPersons,
  type ClaimEngineRow,
  type ClaimRow,
  type SettlementPerson
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { findOutboxItem } from '../../../db/repos/outbox.ts';
import { otpDeferralList } from '../../../db/repos/outpatientClaims.ts';
import type {
  SubmittedClaim as ClaimView,
  ReviewDeduction as DeductionView,
  DeferralItem as DeferralView,
  ClaimItemView as ItemView,
  ClaimLineView as LineView,
  ClaimPreview as PreviewView
} from '../../../shared/api/claim.ts';
import { claimCalendar, decideItem, orphanReversalWarning, type ClaimLine, type ClaimPolicy, type ClaimReason } from '../../../shared/claim.ts';
import { national3203Input } from '../../../shared/agency/claim.ts';
import { codeLabel, type Dictionaries } from '../../../shared/codes.ts';
import { currentDictionaries } from '../dictionaryLabels.ts';
import { addPeriods, monthOf, type CalendarDate } from '../../../shared/dates.ts';
import { parseAmount, toText, ZERO } from '../../../shared/money.ts';
import { decideDeduction } from '../../../shared/reviewDisputes.ts';
import { deductionsCountingIn, factOf, lineKey } from './deductions.ts';
import { fingerprintOf, type Gathered } from './gather.ts';
import { claimPolicy, CLR_TYPE_LABEL, SCOPE_LABEL, STATUS_LABEL } from './policy.ts';

/** What the claim screens show: the preview, submitted claims, deferrals and review deductions. */

// ─── Views ──────────────────────────────────────────────────────────────────────────────────

const REASON_LABEL: Record<ClaimReason, string> = {
  OWN_PERIOD: '本期结算',
  DEFERRED: '往期结算（延期获准）',
  AFTER_PERIOD: '晚于本期',
  ALREADY_CLAIMED: '已申报',
  NO_DEFERRAL: '未按时申报，未提交延期说明',
  DEFERRAL_NOT_APPROVED: '延期说明未获经办机构认可',
  DEFERRAL_TOO_LATE: '延期说明晚于申报截止日提交',
  DEFERRAL_LIMIT: '已超过最长延期期限',
};

export function deferralState(r: ClaimEngineRow): ItemView['deferral'] {
  if (r.deferralOn === null) return null;
  return { requestedOn: r.deferralOn, state: r.deferralApproved === null ? 'pending' : r.deferralApproved === 1 ? 'approved' : 'refused' };
}

function itemView(r: ClaimEngineRow, who: SettlementPerson | undefined, reason: ClaimReason, today: CalendarDate, policy: ClaimPolicy): ItemView {
  const deferUntil = claimCalendar(monthOf(r.settledOn), policy).windowCloses;
  const d = deferralState(r);
  return {
    settlementId: r.id,
    clrType: r.id < 0 ? '11' : '21',
    kind: r.kind,
    reversalOf: r.reversalOf,
    settledOn: r.settledOn,
    iptNo: who?.iptNo ?? '',
    psnName: who?.psnName ?? '',
    insutype: r.insutype,
    scope: r.scope,
    medfee: r.medfee,
    fund: r.fund,
    acct: r.acct,
    cash: r.cash,
    setlId: r.setlId,
    reason,
    reasonLabel: REASON_LABEL[reason],
    deferral: d,
    // A visit's settlement (negative id) too: its request is in outpatient_deferrals.
    canDefer: r.claimId === null && today <= deferUntil && (d === null || d.state === 'refused'),
    deferUntil,
  };
}

/** Dates of the engine's input (its ids are already text: no 20,000 String() calls and no copy of the row map). */
export function settledOnById(g: Gathered): Map<string, CalendarDate> {
  const out = new Map<string, CalendarDate>();
  for (const s of g.input.settlements) out.set(s.id, s.settledOn);
  return out;
}

/** `dicts`: the desk's 1901 labels (codeLabel), when the caller has the database. */
export function lineView(g: Gathered, line: ClaimLine, live: readonly ClaimRow[], dates: Map<string, CalendarDate>, dicts: Dictionaries | null = null): LineView {
  return {
    scheme: line.scheme,
    schemeLabel: codeLabel('insutype', line.scheme, dicts),
    scope: line.scope,
    scopeLabel: SCOPE_LABEL[line.scope],
    clrType: line.clr_type ?? '21',
    clrTypeLabel: CLR_TYPE_LABEL[line.clr_type ?? '21'],
    settlementIds: line.settlementIds.map(Number),
    psntime: line.psntime,
    medfee_sumamt: line.medfee_sumamt,
    fund_appy_sum: line.fund_appy_sum,
    acct_pay: line.acct_pay,
    cash_payamt: line.cash_payamt,
    byFund: line.byFund.map((f) => ({ ...f, name: codeLabel('fund_pay_type', f.fund_pay_type, dicts) })),
    national: national3203Input(g.period, line, dates),
    conflictsWith: live.find((c) => c.insutype === line.scheme && c.scope === line.scope && c.clrType === (line.clr_type ?? '21'))?.id ?? null,
  };
}

/** Items shown on screen per list; the detail list export carries all of them. */
export const ITEM_LIMIT = 300;

export function liveClaims(db: Tx, period: string): (ClaimRow & { clerkName: string | null })[] {
  return claimsOfPeriod(db, period).filter((c) => LIVE_CLAIM_STATUSES.includes(c.status));
}

export function previewOf(db: Tx, g: Gathered): PreviewView {
  const { result, policy, today } = g;
  const live = liveClaims(db, g.period);
  const dates = settledOnById(g);
  const dicts = currentDictionaries(db);
  const lines = result.claims.map((l) => lineView(g, l, live, dates, dicts));
  const byId = new Map(g.input.settlements.map((s) => [s.id, s]));
  const ids = result.claims.flatMap((c) => c.settlementIds);
  const shown = ids.slice(0, ITEM_LIMIT);
  const deferredShown = g.deferred.slice(0, ITEM_LIMIT);
  const who = settlementPersons(db, [...shown.map(Number), ...result.lapsed.slice(0, ITEM_LIMIT).map(Number), ...deferredShown.map((r) => r.id)].filter((id) => id > 0));
  // A visit's row carries its person (门诊号 as iptNo, outpatientClaims.ts).
  for (const r of g.rows.values()) if (r.id < 0 && 'psnName' in r) who.set(r.id, r as ClaimEngineRow & SettlementPerson);
  const items = shown.map((id) => itemView(g.rows.get(Number(id))!, who.get(Number(id)), decideItem(byId.get(id)!, g.period, policy).reason, today, policy));
  const lapsedViews = result.lapsed.slice(0, ITEM_LIMIT).map((id) => {
    const s = byId.get(id)!;
    return itemView(g.rows.get(Number(id))!, who.get(Number(id)), decideItem(s, g.period, policy).reason, today, policy);
  });
  const deferred = deferredShown.map((r) => ({ ...itemView(r, who.get(r.id), 'OWN_PERIOD', today, policy), reasonLabel: r.deferralApproved === 1 ? '延期已获认可，不纳入本期' : '已申请延期，不纳入本期' }));
  const unconfirmed = ids.filter((id) => g.rows.get(Number(id))!.setlId === null).length;
  const warnings = [...result.warnings];
  // The engine warns of a reversal whose original lapsed when the original is among its input;
  // an older original (before the dates the claim looks at) is checked here.
  const olderOriginals = ids.map((id) => g.rows.get(Number(id))!).filter((r) => r.reversalOf !== null && !g.rows.has(r.reversalOf)).map((r) => r.id);
  const orphans = reversalsOfUnclaimed(db, olderOriginals);
  if (orphans.length > 0) warnings.push(orphanReversalWarning(orphans));
  const agencyFigured = ids.filter((id) => g.agencyFigures.has(Number(id))).length;
  if (agencyFigured > 0) warnings.push(`${agencyFigured} 笔结算经办机构的结算结果与本机计算不一致：申报与报表按经办机构结果（清算以经办机构结算记录为准），差异请在“结算”中核对并记录处理意见`);
  if (unconfirmed > 0) warnings.push(`${unconfirmed} 笔结算尚未得到经办机构确认（无结算ID）：申报会在它们上传确认后自动发送`);
  if (g.deferred.length > 0) warnings.push(`${g.deferred.length} 笔本期结算已申请延期申报，不纳入本期申报；经办机构认可后最长可在 ${addPeriods(g.period, policy.maxDeferralMonths)} 期前申报（004 第四十九条）`);
  const pendingDeferrals = lapsedViews.filter((v) => v.deferral?.state === 'pending').length;
  if (pendingDeferrals > 0) warnings.push(`${pendingDeferrals} 笔往期结算的延期说明尚待经办机构答复；获准后可在延期期限内申报`);
  const blockers: string[] = [];
  if (!result.windowOpen) blockers.push(`不在 ${g.period} 期申报窗口内（${claimCalendar(g.period, policy).windowOpens} 至 ${result.windowCloses}，004 第四十九条）`);
  if (lines.length === 0) blockers.push('没有可申报的结算');
  for (const l of lines) {
    if (l.conflictsWith !== null) blockers.push(`${l.schemeLabel}·${l.scopeLabel}·${l.clrTypeLabel} 本期已有申报（编号 ${l.conflictsWith}）；如需更正，请先撤销该申报后重新申报`);
  }
  return {
    period: g.period,
    today,
    windowOpen: result.windowOpen,
    windowOpens: claimCalendar(g.period, policy).windowOpens,
    windowCloses: result.windowCloses,
    lines,
    items,
    itemCount: ids.length,
    lapsed: lapsedViews,
    lapsedCount: result.lapsed.length,
    deferred,
    deferredCount: g.deferred.length,
    warnings,
    unconfirmed,
    fingerprint: fingerprintOf(result),
    canSubmit: blockers.length === 0,
    blockers,
  };
}

export function claimView(db: Tx, c: ClaimRow & { clerkName?: string | null }, today: CalendarDate): ClaimView {
  // 审核扣款 of the claim: its own deductions that count (a dispute agreed by the cutoff does not,
  // 004 第五十条), less the previous period's of its scheme × scope agreed later, which it pays
  // back — as the agency pays it. Whether they count depends on the agency's decision days only.
  let deducted = ZERO;
  if (LIVE_CLAIM_STATUSES.includes(c.status)) {
    const counted = deductionsCountingIn(db, c.setlym, today, claimPolicy(db));
    for (const { item } of counted.own) if (item.claimId === c.id) deducted = deducted.plus(item.amount);
    for (const { item } of counted.refunds) if (lineKey(item.insutype, item.scope) === lineKey(c.insutype, c.scope)) deducted = deducted.minus(item.amount);
  } else {
    const policy = claimPolicy(db);
    for (const d of deductionsOfClaims(db, [c.id]).map(factOf)) if (decideDeduction(d, today, policy).deductedInOwn) deducted = deducted.plus(d.amount);
  }
  const applied = parseAmount(c.fundAppySum).plus(parseAmount(c.acctPay));
  const msg = findOutboxItem(db, c.status === 'withdrawing' && c.withdrawMsgid ? c.withdrawMsgid : c.msgid);
  return {
    id: c.id,
    period: c.setlym,
    insutype: c.insutype,
    schemeLabel: codeLabel('insutype', c.insutype, currentDictionaries(db)),
    scope: c.scope,
    scopeLabel: SCOPE_LABEL[c.scope],
    clrType: c.clrType,
    clrTypeLabel: CLR_TYPE_LABEL[c.clrType],
    status: c.status,
    statusLabel: STATUS_LABEL[c.status],
    psntime: c.psntime,
    medfee_sumamt: c.medfeeSumamt,
    fund_appy_sum: c.fundAppySum,
    acct_pay: c.acctPay,
    cash_payamt: c.cashPayamt,
    applied: toText(applied),
    deducted: toText(deducted),
    paid: c.paidAmount ?? toText(applied.minus(deducted)),
    paidByAgency: c.paidAmount !== null,
    itemCount: claimSettlementIds(db, c.id).length,
    msgid: c.msgid,
    clrAppyEvtId: c.clrAppyEvtId,
    createdAt: c.createdAt,
    clerkName: c.clerkName ?? null,
    agencyMessage: c.agencyMessage,
    withdrawReason: c.withdrawReason,
    outbox: msg ? msg.status : null,
    canWithdraw: c.status === 'submitted' || c.status === 'applied',
  };
}

export function deferralViews(db: Tx, from: CalendarDate, to: CalendarDate): DeferralView[] {
  const policy = claimPolicy(db);
  // The stays' requests and the visits' (negative ids, outpatientClaims.ts), newest first.
  const visits = otpDeferralList(db, from, to, getInstitution(db)?.admdvs ?? '');
  const all = [...deferralList(db, from, to), ...visits].sort((a, b) => b.requestedOn.localeCompare(a.requestedOn) || Math.abs(b.id) - Math.abs(a.id));
  return all.map((d) => {
    const state = d.approved === null ? 'pending' : d.approved ? 'approved' : 'refused';
    return {
      id: d.id,
      settlementId: d.settlementId,
      settledOn: d.settledOn,
      period: monthOf(d.settledOn),
      iptNo: d.iptNo,
      psnName: d.psnName,
      schemeLabel: codeLabel('insutype', d.insutype, currentDictionaries(db)),
      scopeLabel: SCOPE_LABEL[d.scope],
      medfee: d.medfee,
      reason: d.reason,
      requestedOn: d.requestedOn,
      state,
      stateLabel: state === 'pending' ? '待经办机构答复' : state === 'approved' ? '已认可' : '未认可',
      decidedAt: d.decidedAt,
      decisionNote: d.decisionNote,
      claimedIn: d.claimedIn,
      lastPeriod: addPeriods(monthOf(d.settledOn), policy.maxDeferralMonths),
      clerkName: d.clerkName,
    };
  });
}

// ─── Review deductions (审核扣款) ───────────────────────────────────────────────────────────

function agencyDecisionLabel(agencyStatus: 'issued' | 'revoked' | 'upheld', status: 'received' | 'accepted' | 'disputed'): string {
  if (agencyStatus === 'revoked') return '经办机构已撤销扣款';
  if (agencyStatus === 'upheld') return '经办机构维持扣款';
  return status === 'received' ? '待处理' : status === 'accepted' ? '已认可' : '已提出异议';
}

export function deductionViews(db: Tx, period: string | null, today: CalendarDate): DeductionView[] {
  const policy = claimPolicy(db);
  return deductionList(db, period).map((d) => {
    const decision = decideDeduction(factOf(d), today, policy);
    return {
    id: d.id,
    ddnId: d.agencyId,
    claimId: d.claimId,
    period: d.setlym,
    schemeLabel: codeLabel('insutype', d.claimInsutype, currentDictionaries(db)),
    scopeLabel: SCOPE_LABEL[d.claimScope],
    clrAppyEvtId: d.clrAppyEvtId,
    settlementId: d.settlementId,
    setlId: d.setlId,
    settledOn: d.settledOn,
    iptNo: d.iptNo,
    psnName: d.psnName,
    amount: d.amount,
    reason: d.reason,
    issuedOn: d.issuedOn,
    status: d.status,
    statusLabel: agencyDecisionLabel(d.agencyStatus, d.status),
    revoked: d.agencyStatus === 'revoked',
    agencyStatus: d.agencyStatus,
    decidedOn: d.decidedOn,
    agencyMemo: d.agencyMemo,
    outcome: decision.outcome,
    outcomeLabel: decision.label,
    deductedInOwn: decision.deductedInOwn,
    note: d.note,
    answeredAt: d.answeredAt,
    answeredByName: d.answeredByName,
    answerPending: d.answerMsgid !== null && findOutboxItem(db, d.answerMsgid) !== undefined,
    };
  });
}
