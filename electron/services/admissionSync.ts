import { admissionOfEventMsgid, findAdmissionByIptNo, setMdtrtId } from '../../db/repos/admissions.ts';
import type { RequestEnvelope } from '../agency/envelope.ts';
import { NotReady, registerPrepareHandler, registerResultHandler } from '../sync/hooks.ts';

/**
 * The admission's messages and the outbox worker (electron/sync/hooks.ts): the 2401 answer
 * brings the agency's 就诊ID (mdtrt_id), stored on the admission in the transaction that confirms
 * the message; 2403 and 2404 written before it came back carry an empty mdtrt_id and get it just
 * before their first send (the worker sends an order key's messages one after the other, so the
 * 2401 of the same `adm:<id>` key has been confirmed by then).
 */

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

registerResultHandler('2401', (tx, env, response) => {
  const iptNo = obj(obj(env.input)?.mdtrtinfo)?.ipt_no;
  const out = obj(response.output);
  const mdtrtId = obj(out?.result)?.mdtrt_id ?? out?.mdtrt_id;
  if (typeof iptNo !== 'string' || (typeof mdtrtId !== 'string' && typeof mdtrtId !== 'number')) return;
  const a = findAdmissionByIptNo(tx, iptNo);
  if (a && !a.mdtrtId) setMdtrtId(tx, a.id, String(mdtrtId));
});

function fillMdtrtId(node: 'adminfo' | 'data') {
  return (tx: Parameters<Parameters<typeof registerPrepareHandler>[1]>[0], env: RequestEnvelope): RequestEnvelope => {
    const input = obj(env.input);
    const body = obj(input?.[node]);
    if (!input || !body || (typeof body.mdtrt_id === 'string' && body.mdtrt_id !== '')) return env;
    const a = admissionOfEventMsgid(tx, env.msgid);
    if (!a) return env;
    if (!a.mdtrtId) throw new NotReady(`住院号 ${a.iptNo} 的入院登记（2401）尚未返回就诊ID`);
    return { ...env, input: { ...input, [node]: { ...body, mdtrt_id: a.mdtrtId } } };
  };
}

registerPrepareHandler('2403', fillMdtrtId('adminfo'));
registerPrepareHandler('2404', fillMdtrtId('data'));
