import { admissionOfEventMsgid, findAdmission, findAdmissionByIptNo, setMdtrtId } from '../../db/repos/admissions.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import { admissionIdOfItem } from '../../db/repos/outbox.ts';
import { build2401, build2403, build2404, type AdmissionMessageContext } from '../../shared/agency/admission.ts';
import { asObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readAdmission } from '../../shared/agency/admission.ts';
import { NotReady, registerPrepareHandler, registerRebuildHandler, registerResultHandler } from '../sync/hooks.ts';
import { load } from './admissionState.ts';

/**
 * The admission's messages and the outbox worker (electron/sync/hooks.ts): the 2401 answer
 * brings the agency's 就诊ID (mdtrt_id), stored on the admission in the transaction that confirms
 * the message; 2403 and 2404 written before it came back carry an empty mdtrt_id and get it just
 * before their first send (the worker sends an order key's messages one after the other, so the
 * 2401 of the same person's queue has been confirmed by then).
 *
 * A refused 2401/2403/2404 is put right on the sync screen by a new message built here from the
 * admission as it is now (after the clerk corrected it), through the same builders as at the desk.
 */

let registered = false;

/** Plugs the admission messages (2401 / 2403 / 2404) into the outbox: fill mdtrt_id, store it, rebuild after a refusal. Called once where the desk is assembled (desk.ts), not by importing this file. */
export function registerAdmissionSync(): void {
  if (registered) return;
  registered = true;
  registerResultHandler('2401', (tx, env, response) => {
    const iptNo = asObject(asObject(env.input)?.mdtrtinfo)?.ipt_no;
    if (typeof iptNo !== 'string') return;
    // One reader for every region's shape (shared/agency/envelope.ts); an answer without a
    // mdtrt_id throws, and the worker parks the item with that message instead of losing it.
    const { mdtrtId } = readAdmission(response.output, response.err_msg);
    const a = findAdmissionByIptNo(tx, iptNo);
    if (a && !a.mdtrtId) setMdtrtId(tx, a.id, mdtrtId);
  });

  function fillMdtrtId(node: 'adminfo' | 'data') {
    return (tx: Parameters<Parameters<typeof registerPrepareHandler>[1]>[0], env: RequestEnvelope): RequestEnvelope => {
      const input = asObject(env.input);
      const body = asObject(input?.[node]);
      if (!input || !body || (typeof body.mdtrt_id === 'string' && body.mdtrt_id !== '')) return env;
      const id = admissionIdOfItem(tx, env.msgid);
      const a = id !== null ? findAdmission(tx, id)?.admission : admissionOfEventMsgid(tx, env.msgid);
      if (!a) return env;
      if (!a.mdtrtId) throw new NotReady(`住院号 ${a.iptNo} 的入院登记（2401）尚未返回就诊ID`);
      return { ...env, input: { ...input, [node]: { ...body, mdtrt_id: a.mdtrtId } } };
    };
  }

  registerPrepareHandler('2403', fillMdtrtId('adminfo'));
  registerPrepareHandler('2404', fillMdtrtId('data'));

  /** The admission a queued message is about: by its outbox subject, else by the message's ipt_no. */
  function admissionIdOf(tx: Tx, env: RequestEnvelope): number {
    const id = admissionIdOfItem(tx, env.msgid);
    if (id !== null) return id;
    const input = asObject(env.input);
    const iptNo = asObject(input?.mdtrtinfo)?.ipt_no ?? asObject(input?.adminfo)?.ipt_no;
    const a = typeof iptNo === 'string' ? findAdmissionByIptNo(tx, iptNo) : undefined;
    if (!a) throw new Error(`找不到报文 ${env.msgid} 所属的入院登记`);
    return a.id;
  }

  /** The same context as at the desk (handlers/admission.ts), from the rows as they are now. */
  function contextNow(tx: Tx, id: number) {
    const s = load(tx, id);
    const inst = getInstitution(tx);
    if (!inst) throw new Error('尚未设置本机构信息');
    const c: AdmissionMessageContext = {
      psnNo: s.person.psnNo ?? '', insutype: s.row.insutype, certType: s.row.certType, certNo: s.row.certNo,
      insuplcAdmdvs: s.person.insuplcAdmdvs, mdtrtareaAdmvs: inst.admdvs, mdtrtId: s.row.mdtrtId ?? '',
    };
    return { s, c };
  }

  registerRebuildHandler('2401', (tx, env) => {
    const { s, c } = contextNow(tx, admissionIdOf(tx, env));
    return build2401(s.current, c);
  });
  registerRebuildHandler('2403', (tx, env) => {
    const { s, c } = contextNow(tx, admissionIdOf(tx, env));
    return build2403(s.current, c);
  });
  registerRebuildHandler('2404', (tx, env) => build2404(contextNow(tx, admissionIdOf(tx, env)).c));
}
