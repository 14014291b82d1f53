import { appendAudit } from '../../../db/repos/audit.ts';
import { currentInvoiceOf, invoiceHistoryOf, recordInvoiceNumber, type InvoiceTarget } from '../../../db/repos/invoiceNumbers.ts';
import { admissionWithPerson } from '../../../db/repos/settlements.ts';
import { visitWithPerson } from '../../../db/repos/outpatient.ts';
import type { InvoiceNumberView } from '../../../shared/api/settlement.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';

/**
 * 发票号 of a stay or a visit, entered or corrected by the clerk (issue 15; 004 第六十六条: a 协查
 * request may name it). Usually it comes with the fee file (column invono); the clerk enters it when
 * the HIS did not send it, or corrects it. Nothing is edited: a correction is a new row superseding
 * the current one, with its reason, and the old number stays findable by 协查.
 */
export function setInvoiceNumber(db: ServiceContext['db'], t: InvoiceTarget, input: { invono: string; reason?: string | undefined }, clerk: { clerkId: number }): InvoiceNumberView {
  const [entity, entityId, field] = 'admissionId' in t ? ['admission', t.admissionId, 'admissionId'] as const : ['outpatient_visit', t.visitId, 'visitId'] as const;
  const exists = 'admissionId' in t ? admissionWithPerson(db, t.admissionId) !== undefined : visitWithPerson(db, t.visitId) !== undefined;
  if (!exists) throw new ServiceError('NOT_FOUND', `${'admissionId' in t ? '住院登记' : '门诊就诊'}不存在：${entityId}`, field);
  db.transaction((tx) => {
    const current = currentInvoiceOf(tx, t);
    if (current?.invono === input.invono) return;
    if (current && (input.reason === undefined || input.reason.length < 2)) {
      throw new ServiceError('REASON_REQUIRED', `已有发票号 ${current.invono}；更正为 ${input.invono} 请填写更正原因`, 'reason');
    }
    const id = recordInvoiceNumber(tx, t, { invono: input.invono, source: 'clerk', reason: input.reason ?? null, clerkId: clerk.clerkId });
    appendAudit(tx, { clerkId: clerk.clerkId, action: 'invoice.set', entity, entityId, detail: { invoiceId: id, invono: input.invono, supersedes: current?.invono ?? null, reason: input.reason ?? null } });
  });
  return invoiceView(db, t);
}

export function invoiceView(db: ServiceContext['db'], t: InvoiceTarget): InvoiceNumberView {
  const history = invoiceHistoryOf(db, t).map((r) => ({ id: r.id, invono: r.invono, source: r.source, reason: r.reason, at: r.at, clerkName: r.clerkName, supersedesId: r.supersedesId }));
  return { invono: history.at(-1)?.invono ?? null, history };
}

/** The 协查 export's line: the number now, and each earlier one it corrected (the request may name either). */
export function invoiceFact(db: ServiceContext['db'], t: InvoiceTarget): [string, string] {
  const h = invoiceView(db, t).history;
  const last = h.at(-1);
  if (!last) return ['发票号', '（本机未记录）'];
  const from = (r: (typeof h)[number]): string => (r.source === 'import' ? `费用明细文件${r.reason ? `（${r.reason.replace(/^费用明细文件 /, '')}）` : ''}` : `${r.clerkName ?? '经办人'}录入`);
  const earlier = h.slice(0, -1).reverse().map((r) => `${r.invono}（${from(r)}，${r.at.slice(0, 10)}）`);
  return ['发票号', `${last.invono}（${from(last)}${last.supersedesId !== null && last.reason && last.source === 'clerk' ? `，更正原因：${last.reason}` : ''}）${earlier.length > 0 ? `；此前：${earlier.join('；')}` : ''}`];
}
