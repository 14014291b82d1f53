import { appendAudit } from '../../db/repos/audit.ts';
import { latestDetailOf, insertReconciliationResolution, resolutionsOf } from '../../db/repos/reconciliation.ts';
import { findRequest } from '../../db/repos/settlementRequests.ts';
import { admissionWithPerson, findSettlement, insertSettlementVoid, reversalOf, voidOf } from '../../db/repos/settlements.ts';
import { parseDate } from '../../shared/dates.ts';
import { Decimal } from '../../shared/money.ts';
import type { ServiceContext } from '../services/context.ts';
import { ServiceError } from '../services/errors.ts';
import { commitSettlement, type Opter } from '../services/settlementService.ts';
import type { RequestEstimate } from '../services/settlement/fromAnswer.ts';
import { detailRunOf, type Resolution } from './detailReconcile.ts';
import { resendVisitSettlement } from './visitResend.ts';

/**
 * 重新结算 of a settlement the desk has and the platform does not (3202 本机有、经办机构无,
 * docs/reconciliation.md). The desk's row IS the platform's old 2304 answer, so a resend is a NEW
 * settlement: one transaction records that the old one is void (settlement_voids, with the run as
 * evidence; the old row is not touched) and queues a new request through the normal commit
 * (2301 of lines not held, 2304, new msgids); its answer becomes the settlement.
 * A visit's (2207) goes the same way through visitResend.ts; a reversal's (2305 / 2208) is not built.
 */
export async function resendSettlement(desk: ServiceContext, input: { day: string; setlId: string }, opter: Opter): Promise<Resolution> {
  const day = parseDate(input.day, '对账日期');
  const row = latestDetailOf(desk.db, day);
  if (!row || row.error !== null) throw new ServiceError('NO_DETAIL', `${day} 尚无完成的明细对账，请先进行明细对账`, 'day');
  const d = detailRunOf(row, resolutionsOf(desk.db, [row.id])).differences.find((x) => x.setlId === input.setlId);
  if (!d) throw new ServiceError('NOT_A_DIFFERENCE', `${day} 最近一次明细对账中没有结算ID ${input.setlId} 的差异`, 'setlId');
  const resend = d.kind === 'deskOnly' && d.remedy !== null && 'resend' in d.remedy && d.desk ? d.remedy.infno : null;
  // A visit's settlement is named by −(its outpatient settlement id) (outpatientReconciliation.ts).
  if (resend === '2207' && d.desk && d.desk.settlementId < 0) {
    return resendVisitSettlement(desk, { day, setlId: input.setlId, detailId: row.id, detailMsgid: row.msgid, otpSettlementId: -d.desk.settlementId }, opter);
  }
  if (resend !== '2304' || !d.desk || d.desk.settlementId <= 0) {
    throw new ServiceError('NOT_RESENDABLE', `结算ID ${input.setlId} 的差异为“${d.kindLabel}”${d.refdSetlFlag === '1' ? '（结算撤销）' : ''}，不能在此重新结算（仅住院结算 2304 与门诊结算 2207）`, 'setlId');
  }
  const s = findSettlement(desk.db, d.desk.settlementId);
  if (!s || s.kind !== 'settlement') throw new ServiceError('NOT_FOUND', `结算记录不存在：${d.desk.settlementId}`, 'setlId');
  const voided = voidOf(desk.db, s.id);
  if (voided) throw new ServiceError('ALREADY_RESENT', `该结算已于 ${voided.at} 作废并重新结算，请重新进行明细对账查看结果`, 'setlId');
  if (reversalOf(desk.db, s.id)) throw new ServiceError('REVERSED', '该结算已撤销，不能重新结算', 'setlId');
  const found = admissionWithPerson(desk.db, s.admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', '结算对应的住院登记不存在', 'setlId');
  const old = s.requestId !== null ? findRequest(desk.db, s.requestId) : undefined;
  const meta = old ? (JSON.parse(old.estimate) as RequestEstimate).meta : null;
  const dischargedOn = meta?.dischargedOn ?? found.admission.dischargedAt?.slice(0, 10) ?? s.settledOn;
  const reason = `经办机构无此结算记录（${day} 明细对账，报文 ${row.msgid ?? ''}）：原结算 ${s.setlId ?? s.msgid} 作废，重新结算`;
  let resolution: Resolution | null = null;
  // The same total as the void settlement: fees changed since is refused by the commit (FEES_CHANGED).
  await commitSettlement(desk, {
    admissionId: s.admissionId, dischargedOn, dscgWay: meta?.dscgWay ?? '1', expectedTotal: s.medfeeSumamt,
    useAccount: new Decimal(s.acctPay).gt(0), accountBalance: s.acctPay,
  }, opter, {
    resend: {
      settlementId: s.id,
      inTx: (tx, request) => {
        const at = new Date().toISOString();
        insertSettlementVoid(tx, { settlementId: s.id, detailId: row.id, reason, requestId: request.id, clerkId: opter.clerkId });
        insertReconciliationResolution(tx, { detailId: row.id, setlId: input.setlId, action: 'resend', msgid: request.msgid, omsgid: s.msgid, note: reason, clerkId: opter.clerkId, at });
        appendAudit(tx, { clerkId: opter.clerkId, action: 'sync.resendSettlement', entity: 'settlement', entityId: s.id, detail: { day, setlId: input.setlId, detailId: row.id, requestId: request.id, msgid: request.msgid, omsgid: s.msgid, reason } });
        resolution = { action: 'resend', msgid: request.msgid, omsgid: s.msgid, outcome: null, errMsg: null, note: reason, at };
      },
    },
  });
  if (!resolution) throw new Error('重新结算未写入');
  return resolution;
}
