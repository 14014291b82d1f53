import { appendAudit } from '../../db/repos/audit.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { admissionIdOfItem } from '../../db/repos/outbox.ts';
import { admissionWithPerson, findSettlement, findSettlementByMsgid } from '../../db/repos/settlements.ts';
import { asObject, type JsonObject as Json, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readFeeResults } from '../../shared/agency/settlement.ts';
import { admissionOfUpload, insertLineSplits } from '../../db/repos/settlementRequests.ts';
import { NotReady, registerPrepareHandler, registerRejectedHandler, registerResultHandler } from '../sync/hooks.ts';
import { storeAgencySettlementResult } from './settlementService.ts';

/**
 * The settlement's messages and the outbox worker (electron/sync/hooks.ts).
 * - Before the first send, 2301 / 2402 / 2304 / 2305 written while the 2401 had not come back
 *   (offline admission) get the admission's 就诊ID (mdtrt_id) and the person's 人员编号 (psn_no);
 *   2305 gets the agency's 结算ID (setl_id) of the settlement it reverses. The worker sends the
 *   messages of one person one after the other, so the 2401 and the 2304 have been
 *   confirmed (and their result handlers have run) by then.
 * - The agency's 2304 / 2305 answer is stored beside our computation; a difference becomes a
 *   mismatch to resolve (storeAgencySettlementResult).
 */

function admissionOf(tx: Tx, msgid: string) {
  const id = admissionIdOfItem(tx, msgid);
  return id !== null ? admissionWithPerson(tx, id) : undefined;
}

function ids(tx: Tx, env: RequestEnvelope): { mdtrtId: string; psnNo: string } | null {
  const found = admissionOf(tx, env.msgid);
  if (!found) return null;
  const { admission: a, person: p } = found;
  if (!a.mdtrtId) throw new NotReady(`住院号 ${a.iptNo} 的入院登记（2401）尚未返回就诊ID`);
  if (!p.psnNo) throw new NotReady(`住院号 ${a.iptNo} 的参保人尚无人员编号（待在线核验身份）`);
  return { mdtrtId: a.mdtrtId, psnNo: p.psnNo };
}

/** Fills empty mdtrt_id / psn_no of one node (object or list) of the input. */
function fill(tx: Tx, env: RequestEnvelope, nodes: string[], extra?: (node: Json) => Json): RequestEnvelope {
  const input = asObject(env.input);
  if (!input) return env;
  const needs = (o: Json): boolean => o.mdtrt_id === '' || o.psn_no === '' || (extra !== undefined && o.setl_id === '');
  const touched = nodes.some((n) => {
    const v = input[n];
    return Array.isArray(v) ? v.some((x) => asObject(x) && needs(x as Json)) : asObject(v) !== null && needs(v as Json);
  });
  if (!touched) return env;
  const known = ids(tx, env);
  if (!known) return env;
  const patch = (o: Json): Json => {
    const out = { ...o };
    if (out.mdtrt_id === '') out.mdtrt_id = known.mdtrtId;
    if (out.psn_no === '') out.psn_no = known.psnNo;
    return extra ? extra(out) : out;
  };
  const next: Json = { ...input };
  for (const n of nodes) {
    const v = input[n];
    if (Array.isArray(v)) next[n] = v.map((x) => (asObject(x) ? patch(x as Json) : x));
    else if (asObject(v)) next[n] = patch(v as Json);
  }
  return { ...env, input: next };
}

let registered = false;

/** Plugs the settlement messages (2301 / 2402 / 2304 / 2305) into the outbox: fill mdtrt_id, store the agency's result, audit a refusal. Called once where the desk is assembled (desk.ts), not by importing this file. */
export function registerSettlementSync(): void {
  if (registered) return;
  registered = true;
  registerPrepareHandler('2301', (tx, env) => fill(tx, env, ['feedetail']));
  registerPrepareHandler('2402', (tx, env) => fill(tx, env, ['dscginfo', 'diseinfo']));
  registerPrepareHandler('2405', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2302', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2304', (tx, env) => fill(tx, env, ['data']));
  registerPrepareHandler('2305', (tx, env) => fill(tx, env, ['data'], (node) => {
    if (node.setl_id !== '') return node;
    const reversal = findSettlementByMsgid(tx, env.msgid);
    const original = reversal?.reversalOf ? findSettlement(tx, reversal.reversalOf) : undefined;
    if (!original?.setlId) throw new NotReady('被撤销结算的经办机构结算ID（setl_id）尚未返回');
    return { ...node, setl_id: original.setlId };
  }));

  // The agency's split of each uploaded line, stored as returned beside the desk's own (issue 14 §1).
  registerResultHandler('2301', (tx, env, response) => {
    const admissionId = admissionOfUpload(tx, env.msgid);
    if (admissionId === null) return;
    let rows;
    try {
      rows = readFeeResults(asObject(response.output));
    } catch (e) {
      // The lines ARE uploaded (the agency said success): an unreadable split must not park them; it is noted for the office.
      appendAudit(tx, { clerkId: null, action: 'fees.splitUnreadable', entity: 'admission', entityId: admissionId, detail: { msgid: env.msgid, message: (e as Error).message } });
      return;
    }
    const t = (d: { toFixed(n: number): string } | null, places = 2): string | null => (d === null ? null : d.toFixed(places));
    insertLineSplits(tx, rows.map((r) => ({
      admissionId, feedetlSn: r.feedetlSn, msgid: env.msgid, chrgitmLv: r.chrgitmLv, pricUplmtAmt: r.pricUplmtAmt?.toString() ?? null, selfpayProp: r.selfpayProp?.toString() ?? null,
      inscpScpAmt: t(r.inscpScpAmt), preselfpayAmt: t(r.preselfpayAmt), overlmtAmt: t(r.overlmtAmt), fulamtOwnpayAmt: t(r.fulamtOwnpayAmt), memo: r.memo,
    })));
  });
  registerResultHandler('2304', (tx, env, response) => storeAgencySettlementResult(tx, env, asObject(response.output), response.err_msg));
  registerResultHandler('2305', (tx, env, response) => storeAgencySettlementResult(tx, env, asObject(response.output), response.err_msg));

  for (const infno of ['2304', '2305']) {
    registerRejectedHandler(infno, (tx, env, message) => {
      const s = findSettlementByMsgid(tx, env.msgid);
      appendAudit(tx, { clerkId: null, action: infno === '2304' ? 'settlement.refused' : 'settlement.reversalRefused', entity: 'settlement', entityId: s?.id ?? null, detail: { msgid: env.msgid, message } });
    });
  }
}
