import {
  agencyFiguresOfClaims,
  answerDeduction,
  reattachClaimItems, claimSettlementIds,
  claimItemRows,
  findClaimByMsgid,
  findClaimByWithdrawMsgid,
  findDeductionByAnswerMsgid,
  releaseClaimItems,
  setlIdsOf,
  updateClaim,
  type ClaimRow
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { parseAmount, toText, ZERO, type Decimal } from '../../../shared/money.ts';
import { asObject, readText } from '../../../shared/agency/envelope.ts';
import { NotReady, registerPrepareHandler, registerRejectedHandler, registerResultHandler } from '../../sync/hooks.ts';
import { deferralByMsgid } from './deferrals.ts';
import { useAgencyFigures } from './gather.ts';
import { CLAIM_INFNO } from './policy.ts';

/**
 * What the outbox brings back for the monthly claim: 3203 → the agency's 清算申请事件ID
 * (clr_appy_evt_id), 3204 → the claim withdrawn and its settlements free again, refusals of
 * either, of a deferral request (3290) or of an answer to a deduction (3291). Registered by the
 * desk when it is assembled (registerClaimResults), not by importing this file.
 */


const now = (): string => new Date().toISOString();

/** The claim's totals recomputed with the agency's figures; a description of what differs, or null. */
function totalsWithAgencyFigures(tx: Tx, c: ClaimRow): string | null {
  const rows = claimItemRows(tx, [c.id]);
  const used = useAgencyFigures(agencyFiguresOfClaims(tx, [c.id]), new Map(rows.map((r) => [r.id, r])), new Map());
  if (used.size === 0) return null;
  const sum = (f: (r: (typeof rows)[number]) => string) => rows.reduce((a, r) => a.plus(parseAmount(f(r))), ZERO);
  const diffs: string[] = [];
  const cmp = (label: string, approved: string, now: Decimal): void => {
    if (!parseAmount(approved).eq(now)) diffs.push(`${label} ${approved} → ${toText(now)}`);
  };
  cmp('医疗费总额', c.medfeeSumamt, sum((r) => r.medfee));
  cmp('基金申报总额', c.fundAppySum, sum((r) => r.fund));
  cmp('个人账户支出', c.acctPay, sum((r) => r.acct));
  cmp('现金支付', c.cashPayamt, sum((r) => r.cash));
  return diffs.length > 0 ? diffs.join('；') : null;
}

let registered = false;

/** Plugs the claim's prepare / result / refusal handlers into the outbox (once per process). */
export function registerClaimResults(): void {
  if (registered) return;
  registered = true;
  // ─── 3203 清算申请 ──────────────────────────────────────────────────────────────────────────

  registerPrepareHandler(CLAIM_INFNO.claim, (tx, env) => {
    const c = findClaimByMsgid(tx, env.msgid);
    const input = asObject(env.input);
    const data = asObject(input?.data);
    if (!c || !input || !data) return env;
    const ids = claimSettlementIds(tx, c.id);
    const setl = setlIdsOf(tx, ids);
    const missing = ids.filter((id) => !setl.get(id));
    if (missing.length > 0) throw new NotReady(`${missing.length} 笔结算尚未得到经办机构确认（结算ID），申报待其上传确认后发送`);
    // Their answers came after the supervisor's preview: where the agency computed a settlement
    // differently, the totals approved are not the agency's records, and it would refuse them.
    // The claim is refused here (its items free again) to be previewed and submitted anew.
    const changed = totalsWithAgencyFigures(tx, c);
    if (changed) throw new Error(`提交后经办机构的结算结果与本机计算不一致（${changed}），申报未发送：请重新预览后提交`);
    return { ...env, input: { ...input, data: { ...data, setl_ids: ids.map((id) => setl.get(id)!) } } };
  });


  registerResultHandler(CLAIM_INFNO.claim, (tx, env, response) => {
    const c = findClaimByMsgid(tx, env.msgid);
    const out = asObject(response.output);
    const evt = readText(out?.clr_appy_evt_id) ?? readText(asObject(out?.data)?.clr_appy_evt_id);
    if (!c || evt === null) return;
    if (c.status === 'refused') {
      // Parked as refused, then resent by a person and accepted: the claim holds its items again.
      reattachClaimItems(tx, c.id);
    }
    updateClaim(tx, c.id, { clrAppyEvtId: evt, status: c.status === 'submitted' || c.status === 'refused' ? 'applied' : c.status, statusAt: now(), agencyMessage: null });
  });

  registerRejectedHandler(CLAIM_INFNO.claim, (tx, env, message) => {
    const c = findClaimByMsgid(tx, env.msgid);
    if (!c || c.status === 'refused') return;
    // Refused: nothing was declared, so its settlements can go into a corrected claim.
    releaseClaimItems(tx, c.id);
    updateClaim(tx, c.id, { status: 'refused', agencyMessage: message, statusAt: now() });
  });

  // ─── 3204 清算申请撤销 ──────────────────────────────────────────────────────────────────────

  registerPrepareHandler(CLAIM_INFNO.withdraw, (tx, env) => {
    const c = findClaimByWithdrawMsgid(tx, env.msgid);
    const input = asObject(env.input);
    const data = asObject(input?.data);
    if (!c || !input || !data || readText(data.clr_appy_evt_id) !== null) return env;
    if (!c.clrAppyEvtId) throw new NotReady('清算申请（3203）尚未返回清算申请事件ID');
    return { ...env, input: { ...input, data: { ...data, clr_appy_evt_id: c.clrAppyEvtId } } };
  });

  registerResultHandler(CLAIM_INFNO.withdraw, (tx, env) => {
    const c = findClaimByWithdrawMsgid(tx, env.msgid);
    if (!c || c.status === 'withdrawn') return;
    releaseClaimItems(tx, c.id);
    updateClaim(tx, c.id, { status: 'withdrawn', statusAt: now() });
  });

  registerRejectedHandler(CLAIM_INFNO.withdraw, (tx, env, message) => {
    const c = findClaimByWithdrawMsgid(tx, env.msgid);
    if (!c) return;
    updateClaim(tx, c.id, { status: c.status === 'withdrawing' ? (c.clrAppyEvtId ? 'applied' : 'submitted') : c.status, agencyMessage: `撤销未被经办机构受理：${message}`, statusAt: now() });
  });

  // ─── 3290 延期申报说明 ──────────────────────────────────────────────────────────────────────

  registerPrepareHandler(CLAIM_INFNO.deferral, (tx, env) => {
    const input = asObject(env.input);
    const data = asObject(input?.data);
    if (!input || !data || readText(data.setl_id) !== null) return env;
    const d = deferralByMsgid(tx, env.msgid);
    if (!d) return env;
    const setlId = setlIdsOf(tx, [d.engineId]).get(d.engineId);
    if (!setlId) throw new NotReady('该结算尚未得到经办机构确认（结算ID），延期说明待其上传后发送');
    return { ...env, input: { ...input, data: { ...data, setl_id: setlId } } };
  });

  registerRejectedHandler(CLAIM_INFNO.deferral, (tx, env, message) => {
    deferralByMsgid(tx, env.msgid)?.decide(tx, false, `经办机构未受理：${message}`, now());
  });

  // ─── 3291 审核扣款意见 ──────────────────────────────────────────────────────────────────────

  registerRejectedHandler(CLAIM_INFNO.review, (tx, env, message) => {
    const d = findDeductionByAnswerMsgid(tx, env.msgid);
    if (!d) return;
    // Not taken: the deduction waits for an answer again, with what the agency said.
    answerDeduction(tx, d.id, { status: 'received', note: `${d.note ?? ''}（经办机构未受理：${message}）`.trim(), at: null, by: null, msgid: null });
  });

}
