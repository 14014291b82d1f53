import { InputError } from '../../../shared/errors.ts';
import type { Credential } from '../../../shared/credentials.ts';
import { BusinessError, NetworkError, RejectedError, ServerError } from '../../agency/client.ts';
import { AgencyMessageError, readPersonInfo } from '../../../shared/agency/envelope.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { fromPersonInfo, query1101, type AgencyAnswer } from './agencyPerson.ts';

/** The agency could not be reached or failed (network, 5xx): the caller answers offline. */
export class AgencyUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgencyUnreachable';
  }
}

export interface Operator {
  clerkId: number | null;
  login: string;
  name: string;
}

/**
 * One 1101 person query for this credential, straight to the agency (a read: no outbox entry;
 * the msgid is still allocated from the stored sequence so it is unique). The answer is checked
 * against the credential before anything is stored.
 */
export async function askAgency(desk: ServiceContext, op: Operator, credential: Credential, today: string): Promise<AgencyAnswer> {
  const env = desk.db.transaction((tx) => newEnvelope(tx, { login: op.login, name: op.name }, '1101', { data: query1101(credential) }));
  let output;
  try {
    output = (await desk.agency().call(env)).output;
  } catch (e) {
    if (e instanceof NetworkError || e instanceof ServerError) {
      desk.connectivity.online = false;
      throw new AgencyUnreachable(e.message);
    }
    if (e instanceof BusinessError) {
      throw new ServiceError('AGENCY_REFUSED', `经办机构未能核验该凭证：${e.errMsg}。请核对凭证后重试；患者未参保或凭证已失效的，请其联系参保地经办机构`, 'credential');
    }
    if (e instanceof RejectedError) {
      throw new ServiceError('AGENCY_REJECTED', `${e.message}。请主管在“设置”中检查经办机构地址、机构编号和密钥`, 'credential');
    }
    throw e;
  }
  desk.connectivity.online = true;
  desk.connectivity.lastContactAt = new Date().toISOString();
  try {
    return fromPersonInfo(readPersonInfo(output), credential, today);
  } catch (e) {
    if (e instanceof AgencyMessageError || e instanceof InputError) {
      throw new ServiceError('AGENCY_DATA', `经办机构返回的人员信息无法读取：${e.message}。请稍后重新核验；如反复出现请联系信息科`, 'credential');
    }
    throw e;
  }
}
