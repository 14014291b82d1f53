import { enqueueMessage, personOrderKey } from '../../../db/repos/outbox.ts';
import { feeLinesOf } from '../../../db/repos/fees.ts';
import { activeSettlementOf, admissionWithPerson } from '../../../db/repos/settlements.ts';
import type { QueueWait } from '../../sync/awaitQueue.ts';
import type { AgencyPreview } from '../../../shared/api/settlement.ts';
import { agencyFigures, figuresText } from '../../../shared/agencySettlement.ts';
import { asObject } from '../../../shared/agency/envelope.ts';
import { build2303, readSettlement } from '../../../shared/agency/settlement.ts';
import { admissionOrderKey } from '../../../shared/admission.ts';
import { SCHEME } from '../../../shared/codes.ts';
import { toText } from '../../../shared/money.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { ServiceContext } from '../context.ts';
import type { Gathered, Opter, SettleRequest } from '../settlementService.ts';
import { uploadEnvelopes } from '../settlementService.ts';

/** How long the preview waits for the stay's queued messages (2401, fee lines) before asking 2303. */
export const PREVIEW_WAIT_MS = 15_000;

/**
 * 预结算 is the insured region's 2303 (issue 14 §1). Before anything is computed, the person's
 * queue is delivered — the 2401, changes, a reversal, and the fee lines not uploaded yet (2301,
 * through the outbox so each is sent exactly once) — so the year-to-date the desk reads (5206) and
 * the stay the agency previews are the same. Offline, or when the queue does not clear in time,
 * the preview says why and the desk's estimate stands alone, labelled 估算.
 */
export async function deliverForPreview(desk: ServiceContext, admissionId: number, opter: Opter, waitMs = PREVIEW_WAIT_MS): Promise<QueueWait | null> {
  if (desk.connectivity.online !== true) return null;
  const found = admissionWithPerson(desk.db, admissionId);
  if (!found || found.admission.status === 'cancelled' || activeSettlementOf(desk.db, admissionId)) return null;
  const who = { login: opter.login, name: opter.name };
  const now = new Date();
  const uploads = desk.db.transaction((tx) => {
    const envs = uploadEnvelopes(tx, { admission: found.admission, person: found.person, lines: feeLinesOf(tx, admissionId) }, who, now);
    for (const env of envs) enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey: admissionOrderKey(admissionId), payload: env });
    return envs.length;
  });
  if (uploads > 0) desk.notifySync();
  return desk.awaitDelivery(personOrderKey(found.person.id), waitMs);
}

/** The 2303 itself — a query: nothing changes at the agency, so a lost answer is simply asked again. */
export async function agencyPreview(desk: ServiceContext, g: Gathered, req: SettleRequest, opter: Opter, delivered: QueueWait | null): Promise<AgencyPreview> {
  const none = (note: string): AgencyPreview => ({ available: false, note, amounts: null, funds: [], derived: [] });
  if (g.block) return none('不能直接结算，未向参保地预结算');
  if (delivered === null || desk.connectivity.online !== true) return none('离线：未能向参保地预结算（2303），下方为本机估算，结算以参保地结果为准');
  if (delivered.state === 'refused') return none(`参保地拒绝了该住院的报文（${delivered.infno}）：${delivered.error}。请在“同步”中处理后再预结算`);
  if (delivered.state === 'waiting') return none(`该住院的报文尚未送达参保地（${delivered.infno}：${delivered.reason}），暂不能向参保地预结算`);
  const who = { login: opter.login, name: opter.name };
  const now = new Date();

  // The 2401 has come back by now: the stay's mdtrt_id and the person's psn_no are known.
  const found = admissionWithPerson(desk.db, g.admission.id);
  if (!found?.admission.mdtrtId || !found.person.psnNo) return none('入院登记尚未得到参保地的就诊ID，暂不能预结算');
  const a = found.admission;
  const useAccount = req.useAccount && a.insutype === SCHEME.employee;
  const env = desk.db.transaction((tx) => newEnvelope(tx, who, '2303',
    build2303({ mdtrtId: a.mdtrtId!, psnNo: found.person.psnNo!, certType: a.certType, certNo: a.certNo, insutype: a.insutype }, g.split, useAccount),
    found.person.insuplcAdmdvs, now));
  try {
    const answer = await desk.agency().call(env);
    const info = readSettlement(asObject(answer.output), answer.err_msg);
    const fig = agencyFigures(info, g.split);
    return {
      available: true,
      note: '参保地预结算（2303）：结算时以参保地结算（2304）结果为准',
      amounts: figuresText(fig.amounts),
      funds: fig.funds.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })),
      derived: fig.derived,
    };
  } catch (e) {
    return none(`参保地预结算（2303）未成功：${(e as Error).message}`);
  }
}
