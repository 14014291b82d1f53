import type { outpatientApi, OutpatientSettleOutcome } from '../../../shared/api/outpatient.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import type { DeskParts, Operator } from '../context.ts';
import type { CallContext, HandlersFor } from './types.ts';
import { previewVisit, refundSettlement, settleVisit } from '../outpatient/settle.ts';
import { visitState } from '../outpatient/state.ts';
import { addFees, registerVisit } from '../outpatient/visit.ts';
import { visitView } from '../outpatient/views.ts';
import { outpatientReceipt } from '../outpatient/receipt.ts';
import { refundLines } from '../outpatient/partialRefund.ts';
import { selfPayVisit, visitSelfPayAdvicePdf } from '../outpatient/selfPay.ts';
import { findVisitsForAssistance, visitAssistancePack } from '../outpatient/assistance.ts';
import { invoiceView, setInvoiceNumber } from '../settlement/invoiceNumber.ts';

/** Thin adapters: outpatient.* → electron/services/outpatient/ (docs/outpatient.md). */

function opterOf(ctx: CallContext): Operator {
  const s = ctx.session!;
  return { clerkId: s.clerkId, login: s.login, name: s.name };
}

/** Where a request stands after the wait: answered (its settlement), on its way, or refused in the agency's words. */
function outcomeOf(db: Tx, visitId: number, requestId: number): OutpatientSettleOutcome {
  const st = visitState(db, visitId);
  const r = st.requests.find((x) => x.id === requestId)!;
  const s = st.settlements.find((x) => x.requestId === requestId);
  const visit = visitView(db, visitId);
  if (s) return { visit, outcome: { state: 'settled', settlementId: s.id } };
  if (r.queue === 'refused') return { visit, outcome: { state: 'refused', message: `参保地拒绝：${r.lastError ?? '未说明原因'}` } };
  return { visit, outcome: { state: 'pending', message: r.unknownOutcome ? '结果未知，冲正中（2601）后重发；请稍候查看结果' : r.mode === 'deferred' ? '离线：已记录，联网后发送至参保地' : '等待参保地应答：结果到达后自动记入' } };
}

export function outpatientHandlers(desk: DeskParts): HandlersFor<keyof typeof outpatientApi> {
  return {
    'outpatient.register': async (input, ctx) => visitView(desk.db, await registerVisit(desk, input, opterOf(ctx))),
    'outpatient.visit': ({ visitId }) => visitView(desk.db, visitId),
    'outpatient.addFees': ({ visitId, lines }, ctx) => {
      addFees(desk, { visitId, lines }, opterOf(ctx));
      return visitView(desk.db, visitId);
    },
    // The view after the preview: the delivery it drove brought the 2201 / 2204 answers (mdtrt_id, the agency's split).
    'outpatient.preview': async ({ visitId, useAccount }, ctx) => {
      const p = await previewVisit(desk, visitId, useAccount, opterOf(ctx));
      return { visit: visitView(desk.db, visitId), ...p };
    },
    'outpatient.settle': async (input, ctx) => outcomeOf(desk.db, input.visitId, await settleVisit(desk, input, opterOf(ctx))),
    'outpatient.refund': async (input, ctx) => {
      const { requestId, visitId } = await refundSettlement(desk, input, opterOf(ctx), { role: ctx.session!.role });
      return outcomeOf(desk.db, visitId, requestId);
    },
    // The patient sees one net result: the refund and the new settlement of the kept lines, both as answered.
    'outpatient.refundLines': async (input, ctx) => {
      const r = await refundLines(desk, input, opterOf(ctx), { role: ctx.session!.role });
      const refund = outcomeOf(desk.db, r.visitId, r.refundRequestId);
      if (r.settleRequestId === null || refund.outcome.state !== 'settled') return refund;
      return outcomeOf(desk.db, r.visitId, r.settleRequestId);
    },
    'outpatient.selfPay': ({ visitId, reason }, ctx) => {
      selfPayVisit(desk, { visitId, reason }, opterOf(ctx));
      return visitView(desk.db, visitId);
    },
    'outpatient.selfPayAdvicePdf': ({ visitId }, ctx) => visitSelfPayAdvicePdf(desk, visitId, opterOf(ctx)),
    'outpatient.findForAssistance': (q) => findVisitsForAssistance(desk.db, q),
    'outpatient.invoice': ({ visitId }) => invoiceView(desk.db, { visitId }),
    'outpatient.setInvoice': ({ visitId, invono, reason }, ctx) => setInvoiceNumber(desk.db, { visitId }, { invono, reason }, opterOf(ctx)),
    'outpatient.assistancePack': ({ visitId }, ctx) => visitAssistancePack(desk, visitId, opterOf(ctx)),
    'outpatient.receiptPdf': (input, ctx) => outpatientReceipt(desk, input, opterOf(ctx)),
  };
}

