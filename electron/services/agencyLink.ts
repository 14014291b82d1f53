import type { Db } from '../../db/open.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution, getSetting, setSetting } from '../../db/repos/institution.ts';
import { AgencyClient, type SignInProvider } from '../agency/client.ts';
import { AgencyConfigError, readAgencyConfig, type AgencyConfig, type ConfigSources } from '../agency/config.ts';
import { openSecret, type SecretBox } from '../agency/secrets.ts';
import { buildRequest, makeMsgid, nextMsgidSlot, type EnvelopeContext, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { ServiceError } from './errors.ts';

/**
 * How the desk talks to its agency: the connection as configured (docs/agency.md), the envelope
 * context of the clerk at the desk, and msgids that are unique across restarts.
 */
export interface AgencyLinkOptions {
  overrides?: ConfigSources['overrides'];
  secretBox?: SecretBox | null;
  signIn?: SignInProvider | null;
  env?: NodeJS.ProcessEnv;
}

export function agencyConfig(db: Tx, o: AgencyLinkOptions = {}): AgencyConfig {
  const inst = getInstitution(db);
  try {
    return readAgencyConfig({
      setting: (key) => openSecret(o.secretBox ?? null, getSetting(db, key)),
      env: o.env,
      fixmedinsCode: inst?.fixmedinsCode ?? '',
      overrides: o.overrides,
    });
  } catch (e) {
    if (e instanceof AgencyConfigError) throw new ServiceError('AGENCY_CONFIG', `经办机构连接设置有误：${e.message}`, e.field);
    throw e;
  }
}

export function agencyClient(db: Db, o: AgencyLinkOptions = {}): AgencyClient {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return new AgencyClient({ config: agencyConfig(db, o), fixmedinsCode: inst.fixmedinsCode, signIn: o.signIn ?? null });
}

export function envelopeContext(db: Tx, opter: { login: string; name: string } | null): EnvelopeContext {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return {
    fixmedinsCode: inst.fixmedinsCode,
    fixmedinsName: inst.fixmedinsName,
    mdtrtareaAdmvs: inst.admdvs,
    // 004/national-interface §1: YBXT for the basic schemes unless the region says otherwise.
    recerSysCode: getSetting(db, 'agency.recerSysCode') || 'YBXT',
    infver: getSetting(db, 'agency.infver') || 'V1.0',
    opter: opter?.login ?? 'system',
    opterName: opter?.name ?? '系统',
    // The operator's sign_no is put on at send time (electron/agency/signIn.ts): an envelope may
    // wait in the outbox longer than a sign-in lives.
    signNo: '',
  };
}

/**
 * The next msgid, allocated inside the caller's transaction: the last (second, serial) is stored
 * in the setting `msgid.seq` (nextMsgidSlot), so two messages in the same second — even across a
 * restart, even 10,000 of them — never share an id.
 */
export function allocateMsgid(db: Tx, now: Date = new Date()): string {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息');
  const slot = nextMsgidSlot(getSetting(db, 'msgid.seq'), now);
  setSetting(db, 'msgid.seq', slot.stored);
  return makeMsgid(inst.fixmedinsCode, slot.at, slot.seq);
}

/** A national request envelope with a freshly allocated msgid, for the outbox or a direct call. */
export function newEnvelope<I>(db: Tx, opter: { login: string; name: string } | null, infno: string, input: I, insuplcAdmdvs?: string, now: Date = new Date()): RequestEnvelope<I> {
  return buildRequest(envelopeContext(db, opter), infno, input, { msgid: allocateMsgid(db, now), now, insuplcAdmdvs });
}
