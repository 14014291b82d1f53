import type { Db } from '../../db/open.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import { insertReconciliationResolution, insuplcOfPsnNo, latestDetailOf, resolutionsOf } from '../../db/repos/reconciliation.ts';
import { isReversalNotInEffect, REVERSAL_INFNO } from '../../shared/agency/transactions.ts';
import { parseDate } from '../../shared/dates.ts';
import { BusinessError, NetworkError, RejectedError, ServerError, type AgencyClient } from '../agency/client.ts';
import { newEnvelope } from '../services/agencyLink.ts';
import { ServiceError } from '../services/errors.ts';
import { detailRunOf, type DetailDifferenceEntry, type Resolution, type ResolutionOutcome } from './detailReconcile.ts';

/**
 * Acting on a difference of the latest 3202 run of a day (docs/reconciliation.md): the 冲正 of a
 * settlement only the platform holds, sent at once with the msgid from the result row, and a
 * supervisor's note on any difference (the agency's amounts taken, a resend arranged). Each
 * action is a new reconciliation_resolutions row and an audit entry; the run itself is not
 * changed, and the next run shows whether the difference is gone.
 */

const OUTCOME: Record<ResolutionOutcome, string> = { reversed: '已冲正', 'not-in-effect': '原交易已不在经办机构', refused: '被拒绝', unknown: '结果不明' };

function differenceOf(db: Db, dayInput: string, setlId: string): { detailId: number; d: DetailDifferenceEntry } {
  const day = parseDate(dayInput, '对账日期');
  const row = latestDetailOf(db, day);
  if (!row || row.error !== null) throw new ServiceError('NO_DETAIL', `${day} 尚无完成的明细对账，请先进行明细对账`, 'day');
  const d = detailRunOf(row, resolutionsOf(db, [row.id])).differences.find((x) => x.setlId === setlId);
  if (!d) throw new ServiceError('NOT_A_DIFFERENCE', `${day} 最近一次明细对账中没有结算ID ${setlId} 的差异`, 'setlId');
  return { detailId: row.id, d };
}

/** 2601 for a settlement the platform holds and the desk does not, with the msgid of the result row. */
export async function reverseUnmatched(
  getDb: () => Db,
  client: AgencyClient,
  input: { day: string; setlId: string },
  opter: { clerkId: number; login: string; name: string },
  now: Date = new Date(),
): Promise<Resolution> {
  const { detailId, d } = differenceOf(getDb(), input.day, input.setlId);
  if (d.kind !== 'platformOnly' || d.remedy === null || d.remedy.infno !== REVERSAL_INFNO) {
    throw new ServiceError('NOT_REVERSIBLE', `结算ID ${input.setlId} 的差异为“${d.kindLabel}”，处理办法不是冲正`, 'setlId');
  }
  const done = d.resolutions.find((r) => r.action === 'reversal' && (r.outcome === 'reversed' || r.outcome === 'not-in-effect' || r.outcome === 'unknown'));
  if (done) throw new ServiceError('ALREADY_REVERSED', `已于 ${done.at} 以报文 ${done.msgid ?? ''} 冲正过（${OUTCOME[done.outcome!]}），请重新进行明细对账查看结果`, 'setlId');
  if (d.trace?.reversedBy) throw new ServiceError('ALREADY_REVERSED', `本机已以报文 ${d.trace.reversedBy} 冲正过报文 ${d.remedy.omsgid}，请勿重复冲正，请联系经办机构核实`, 'setlId');
  const { omsgid, oinfno } = d.remedy;
  const env = getDb().transaction((tx) => newEnvelope(tx, { login: opter.login, name: opter.name }, REVERSAL_INFNO, { data: { psn_no: d.psnNo, omsgid, oinfno } }, insuplcOfPsnNo(tx, d.psnNo) ?? undefined, now));
  let outcome: ResolutionOutcome;
  let errMsg: string | null = null;
  try {
    await client.call(env);
    outcome = 'reversed';
  } catch (e) {
    if (e instanceof BusinessError) {
      // 原交易不存在 / 已冲正: the original is not in effect either way.
      outcome = isReversalNotInEffect(e.errMsg) ? 'not-in-effect' : 'refused';
      errMsg = e.errMsg;
    } else if (e instanceof NetworkError || e instanceof ServerError || e instanceof RejectedError) {
      // It may have arrived: kept as unknown, and the next detail run tells.
      outcome = e instanceof NetworkError && !e.mayHaveArrived ? 'refused' : 'unknown';
      errMsg = e.message;
    } else throw e;
  }
  const at = now.toISOString();
  getDb().transaction((tx) => {
    insertReconciliationResolution(tx, { detailId, setlId: input.setlId, action: 'reversal', msgid: env.msgid, omsgid, outcome, errMsg, clerkId: opter.clerkId, at });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'sync.reverseUnmatched', entity: 'reconciliation', entityId: input.day, detail: { setlId: input.setlId, msgid: env.msgid, omsgid, oinfno, outcome, errMsg } });
  });
  return { action: 'reversal', msgid: env.msgid, omsgid, outcome, errMsg, note: null, at };
}

/** A supervisor's note on a difference: what was agreed or arranged (the desk's record stays as it is). */
export function noteDifference(db: Db, input: { day: string; setlId: string; note: string }, clerkId: number, now: Date = new Date()): Resolution {
  const { detailId } = differenceOf(db, input.day, input.setlId);
  const at = now.toISOString();
  db.transaction((tx) => {
    insertReconciliationResolution(tx, { detailId, setlId: input.setlId, action: 'note', note: input.note, clerkId, at });
    appendAudit(tx, { clerkId, action: 'sync.noteDifference', entity: 'reconciliation', entityId: input.day, detail: { setlId: input.setlId, note: input.note } });
  });
  return { action: 'note', msgid: null, omsgid: null, outcome: null, errMsg: null, note: input.note, at };
}
