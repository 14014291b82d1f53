import type { Db } from '../../db/open.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution, getSetting, setSetting } from '../../db/repos/institution.ts';
import { AgencyClient } from '../agency/client.ts';
import { buildRequest, makeMsgid, type EnvelopeContext, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { ServiceError } from './errors.ts';

/**
 * How the desk talks to its agency: the client configured from settings, the envelope
 * context of the clerk at the desk, and msgids that are unique across restarts.
 */
export function agencyClient(db: Db, override?: { url?: string; key?: string; timeoutMs?: number }): AgencyClient {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return new AgencyClient({
    baseUrl: override?.url ?? getSetting(db, 'agency.url') ?? 'http://127.0.0.1:18090',
    fixmedinsCode: inst.fixmedinsCode,
    key: override?.key ?? getSetting(db, 'agency.key') ?? '',
    timeoutMs: override?.timeoutMs ?? 10_000,
  });
}

export function envelopeContext(db: Tx, opter: { login: string; name: string } | null): EnvelopeContext {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return {
    fixmedinsCode: inst.fixmedinsCode,
    fixmedinsName: inst.fixmedinsName,
    mdtrtareaAdmvs: inst.admdvs,
    recerSysCode: 'YDJY',
    opter: opter?.login ?? 'system',
    opterName: opter?.name ?? '系统',
    signNo: getSetting(db, 'agency.signNo') ?? '',
  };
}

/**
 * The next msgid, allocated inside the caller's transaction: the 4-digit sequence is stored,
 * so two messages in the same second — even across a restart — never share an id.
 */
export function allocateMsgid(db: Tx, now: Date = new Date()): string {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息');
  const seq = (Number(getSetting(db, 'msgid.seq') ?? '0') + 1) % 10_000;
  setSetting(db, 'msgid.seq', String(seq));
  return makeMsgid(inst.fixmedinsCode, now, seq);
}

/** A national request envelope with a freshly allocated msgid, for the outbox or a direct call. */
export function newEnvelope<I>(db: Tx, opter: { login: string; name: string } | null, infno: string, input: I, insuplcAdmdvs?: string, now: Date = new Date()): RequestEnvelope<I> {
  return buildRequest(envelopeContext(db, opter), infno, input, { msgid: allocateMsgid(db, now), now, insuplcAdmdvs });
}
