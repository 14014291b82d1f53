import { appendAudit } from '../../../db/repos/audit.ts';
import {
  answerDeduction,
  claimSourceRow,
  findClaim,
  findDeduction,
  insertClaim,
  insertDeferral,
  releaseClaimItems,
  updateClaim
} from '../../../db/repos/claims.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { cancelUnsent, enqueueMessage } from '../../../db/repos/outbox.ts';
import { visitSubject } from '../../../db/repos/outpatient.ts';
import { insertOtpDeferral, otpClaimSourceRow, otpIdOf } from '../../../db/repos/outpatientClaims.ts';
import type {
  SubmittedClaim as ClaimView,
  ReviewDeduction as DeductionView
} from '../../../shared/api/claim.ts';
import { claimCalendar } from '../../../shared/claim.ts';
import { national3203Input } from '../../../shared/agency/claim.ts';
import { monthOf, type CalendarDate } from '../../../shared/dates.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { fingerprintOf, gatherClaim } from './gather.ts';
import { CLAIM_INFNO, claimPolicy, STATUS_LABEL } from './policy.ts';
import { claimView, deductionViews, deferralState, previewOf, settledOnById } from './views.ts';

/**
 * The supervisor's claim actions, each in ONE transaction with its audit row and its outbox
 * message: submission (3203), withdrawal (3204), deferral requests (3290), answers to review
 * deductions (3291).
 */

// ─── Submission and withdrawal ──────────────────────────────────────────────────────────────

/** Supervisor: the preview as seen (fingerprint) becomes one claim per line, with its 3203, in ONE transaction. */
export function submitClaim(ctx: ServiceContext, period: string, fingerprint: string, opter: Operator): { claimIds: number[] } {
  const today = ctx.today();
  const ids = ctx.db.transaction((tx) => {
    const g = gatherClaim(tx, period, today);
    const view = previewOf(tx, g);
    if (!g.result.windowOpen) throw new ServiceError('WINDOW_CLOSED', view.blockers[0] ?? '不在申报窗口内', 'period');
    if (view.lines.length === 0) throw new ServiceError('NOTHING_TO_CLAIM', `${period} 期没有可申报的结算`, 'period');
    if (fingerprintOf(g.result) !== fingerprint) throw new ServiceError('PREVIEW_STALE', '申报内容在预览后发生了变化（有新的结算、撤销或延期结果），请重新预览核对后再申报', 'fingerprint');
    const conflict = view.lines.find((l) => l.conflictsWith !== null);
    if (conflict) throw new ServiceError('ALREADY_CLAIMED', `${conflict.schemeLabel}·${conflict.scopeLabel}·${conflict.clrTypeLabel} ${period} 期已有申报（编号 ${conflict.conflictsWith}）；如需更正，请先撤销该申报后重新申报`, 'period');
    const dates = settledOnById(g);
    const created: number[] = [];
    for (const line of g.result.claims) {
      const national = national3203Input(period, line, dates);
      // insutype and clr_scope: a claim is per scheme and per 跨省 / 省内 (DOMAIN §9); setl_ids are
      // filled in just before the first send, once every settlement has its agency id (claim/results.ts).
      const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.claim, { data: { ...national, insutype: line.scheme, clr_scope: line.scope, setl_ids: [] as string[] } });
      const id = insertClaim(tx, {
        setlym: period, insutype: line.scheme, scope: line.scope, clrType: line.clr_type ?? '21', psntime: line.psntime,
        medfeeSumamt: line.medfee_sumamt, fundAppySum: line.fund_appy_sum, acctPay: line.acct_pay, cashPayamt: line.cash_payamt,
        byFund: line.byFund, msgid: env.msgid, clerkId: opter.clerkId, settlementIds: line.settlementIds.map(Number),
      });
      enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.claim, orderKey: `claim:${id}`, payload: env });
      created.push(id);
    }
    appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.submit', entity: 'claim', entityId: created.join(','), detail: { period, fingerprint, lines: g.result.claims.map((l) => ({ scheme: l.scheme, scope: l.scope, clrType: l.clr_type ?? '21', n: l.settlementIds.length, medfee: l.medfee_sumamt, fund: l.fund_appy_sum })) } });
    return created;
  });
  ctx.notifySync();
  return { claimIds: ids };
}

/** Supervisor: 3204 before the agency accepted the claim; its settlements are free again once the agency confirms. */
export function withdrawClaim(ctx: ServiceContext, claimId: number, reason: string, opter: Operator): ClaimView {
  const today = ctx.today();
  const view = ctx.db.transaction((tx) => {
    const c = findClaim(tx, claimId);
    if (!c) throw new ServiceError('NOT_FOUND', `没有编号为 ${claimId} 的申报`, 'claimId');
    if (c.status === 'accepted' || c.status === 'cleared') throw new ServiceError('ALREADY_ACCEPTED', `该申报经办机构已${STATUS_LABEL[c.status].replace('已', '')}，不能撤销；更正请在以后的清算期处理（004 第五十条）`, 'claimId');
    if (c.status !== 'submitted' && c.status !== 'applied') throw new ServiceError('CANNOT_WITHDRAW', `该申报状态为“${STATUS_LABEL[c.status]}”，不能撤销`, 'claimId');
    // A 3203 that never left the desk (it waits for its settlements' 结算ID) is taken back here:
    // a 3204 behind it would wait for a 清算申请事件ID that cannot come.
    if (c.status === 'submitted' && c.clrAppyEvtId === null && cancelUnsent(tx, c.msgid, { by: opter.clerkId, note: `撤销申报：${reason}` })) {
      releaseClaimItems(tx, c.id);
      updateClaim(tx, c.id, { status: 'withdrawn', withdrawReason: reason, statusAt: new Date().toISOString(), agencyMessage: '申报尚未发送，已在本机撤回' });
      appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.withdraw', entity: 'claim', entityId: c.id, detail: { reason, period: c.setlym, unsent: true } });
      return claimView(tx, findClaim(tx, c.id)!, today);
    }
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.withdraw, { data: { clr_appy_evt_id: c.clrAppyEvtId ?? '' } });
    updateClaim(tx, c.id, { status: 'withdrawing', withdrawMsgid: env.msgid, withdrawReason: reason, statusAt: new Date().toISOString() });
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.withdraw, orderKey: `claim:${c.id}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'claim.withdraw', entity: 'claim', entityId: c.id, detail: { reason, period: c.setlym, clrAppyEvtId: c.clrAppyEvtId } });
    return claimView(tx, findClaim(tx, c.id)!, today);
  });
  ctx.notifySync();
  return view;
}

// ─── Deferral requests (延期申报) ───────────────────────────────────────────────────────────

/**
 * An explanation for one settlement that cannot be declared in its window, filed on or before
 * the window's last day (004 第四十九条 "在申报日止前提出延期说明"); the agency's decision comes
 * back through the clearing download. A visit's settlement or refund (engine id negative,
 * docs/claim.md "Visits") the same way: its request in outpatient_deferrals, its 3290 queued
 * behind the visit's own messages (the agency must hold the 2207/2208 first); the deferral id
 * returned is then negative too.
 */
export function requestDeferral(ctx: ServiceContext, settlementId: number, reason: string, opter: Operator): { deferralId: number; requestedOn: CalendarDate } {
  const today = ctx.today();
  const out = ctx.db.transaction((tx) => {
    const visit = otpIdOf(settlementId);
    const v = visit === null ? undefined : otpClaimSourceRow(tx, visit, getInstitution(tx)?.admdvs ?? '');
    const r = visit === null ? claimSourceRow(tx, settlementId) : v;
    if (!r) throw new ServiceError('NOT_FOUND', visit === null ? `没有编号为 ${settlementId} 的结算` : `没有编号为 ${visit} 的门诊结算`, 'settlementId');
    if (r.claimId !== null) throw new ServiceError('ALREADY_CLAIMED', `该结算已在 ${r.claimedIn} 期申报，无需延期`, 'settlementId');
    const state = deferralState(r)?.state;
    if (state === 'pending') throw new ServiceError('DEFERRAL_PENDING', `该结算已于 ${r.deferralOn} 提交延期说明，正等待经办机构答复`, 'settlementId');
    if (state === 'approved') throw new ServiceError('ALREADY_DEFERRED', '该结算的延期说明已获经办机构认可', 'settlementId');
    const own = monthOf(r.settledOn);
    const policy = claimPolicy(tx);
    const closes = claimCalendar(own, policy).windowCloses;
    if (today > closes) {
      throw new ServiceError('DEFERRAL_TOO_LATE', `延期说明须在 ${own} 期申报截止日 ${closes} 前（含当日）提出（004 第四十九条），今天是 ${today}，已不能申请；该笔费用未按时申报，由医院自行承担`, 'settlementId');
    }
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.deferral, { data: { setl_id: r.setlId ?? '', setlym: own.replace('-', ''), reason, requested_on: today } });
    const row = { reason, requestedOn: today, msgid: env.msgid, clerkId: opter.clerkId };
    const id = v ? -insertOtpDeferral(tx, { ...row, otpSettlementId: visit! }) : insertDeferral(tx, { ...row, settlementId });
    // After the settlement's own messages (2304, or the visit's 2207/2208): the agency must know the settlement first.
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.deferral, orderKey: v ? visitSubject(v.visitId) : `adm:${r.admissionId}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'deferral.request', entity: v ? 'outpatient_settlement' : 'settlement', entityId: visit ?? settlementId, detail: { reason, requestedOn: today, windowCloses: closes } });
    return { deferralId: id, requestedOn: today };
  });
  ctx.notifySync();
  return out;
}

/** Supervisor: accept a deduction, or dispute it with a note; the answer goes to the agency (3291). */
export function answerReview(ctx: ServiceContext, deductionId: number, opinion: 'accept' | 'dispute', note: string | null, opter: Operator): DeductionView {
  const today = ctx.today();
  const view = ctx.db.transaction((tx) => {
    const d = findDeduction(tx, deductionId);
    if (!d) throw new ServiceError('NOT_FOUND', `没有编号为 ${deductionId} 的审核扣款`, 'deductionId');
    if (d.agencyStatus === 'revoked') throw new ServiceError('REVOKED', '经办机构已撤销该笔扣款，无需处理', 'deductionId');
    if (d.agencyStatus === 'upheld') throw new ServiceError('UPHELD', '经办机构已维持该笔扣款，异议已有结论（004 第五十条）', 'deductionId');
    if (d.status !== 'received') throw new ServiceError('ALREADY_ANSWERED', `该笔扣款已${d.status === 'accepted' ? '认可' : '提出异议'}`, 'deductionId');
    if (opinion === 'dispute' && (note === null || note.trim() === '')) throw new ServiceError('NOTE_REQUIRED', '提出异议须填写说明', 'note');
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, CLAIM_INFNO.review, { data: { ddn_id: d.agencyId ?? '', opinion, memo: note ?? '' } });
    answerDeduction(tx, d.id, { status: opinion === 'accept' ? 'accepted' : 'disputed', note, at: new Date().toISOString(), by: opter.clerkId, msgid: env.msgid });
    enqueueMessage(tx, { msgid: env.msgid, infno: CLAIM_INFNO.review, orderKey: `review:${d.id}`, payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: opinion === 'accept' ? 'review.accept' : 'review.dispute', entity: 'review_deduction', entityId: d.id, detail: { amount: d.amount, note, today } });
    const c = findClaim(tx, d.claimId)!;
    return deductionViews(tx, c.setlym, today).find((x) => x.id === d.id)!;
  });
  ctx.notifySync();
  return view;
}
