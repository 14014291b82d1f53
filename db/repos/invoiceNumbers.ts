import { asc, desc, eq } from 'drizzle-orm';
import { clerks, invoiceNumbers } from '../schema.ts';
import type { Tx } from './clerks.ts';

/** 发票号 of a stay or a visit (docs/reconciliation.md "发票号"): insert-only, the latest row is the number. */
export type InvoiceTarget = { admissionId: number } | { visitId: number };
export type InvoiceNumberRow = typeof invoiceNumbers.$inferSelect;

const of = (t: InvoiceTarget) => ('admissionId' in t ? eq(invoiceNumbers.admissionId, t.admissionId) : eq(invoiceNumbers.visitId, t.visitId));

export function currentInvoiceOf(db: Tx, t: InvoiceTarget): InvoiceNumberRow | undefined {
  return db.select().from(invoiceNumbers).where(of(t)).orderBy(desc(invoiceNumbers.id)).limit(1).get();
}

/** Every number the stay / visit had, oldest first, with the clerk's name. */
export function invoiceHistoryOf(db: Tx, t: InvoiceTarget): (InvoiceNumberRow & { clerkName: string | null })[] {
  return db.select({ row: invoiceNumbers, clerkName: clerks.name }).from(invoiceNumbers).leftJoin(clerks, eq(invoiceNumbers.clerkId, clerks.id))
    .where(of(t)).orderBy(asc(invoiceNumbers.id)).all().map((r) => ({ ...r.row, clerkName: r.clerkName }));
}

/**
 * A new number for the stay / visit, superseding its current one (named in the row). Nothing when
 * the number is the current one already; returns the new row's id, or null.
 */
export function recordInvoiceNumber(tx: Tx, t: InvoiceTarget, v: { invono: string; source: 'import' | 'clerk'; feeImportId?: number | null; reason?: string | null; clerkId: number | null }): number | null {
  const current = currentInvoiceOf(tx, t);
  if (current?.invono === v.invono) return null;
  return tx.insert(invoiceNumbers).values({
    admissionId: 'admissionId' in t ? t.admissionId : null,
    visitId: 'visitId' in t ? t.visitId : null,
    invono: v.invono, source: v.source, feeImportId: v.feeImportId ?? null, supersedesId: current?.id ?? null,
    reason: v.reason ?? null, clerkId: v.clerkId,
  }).returning({ id: invoiceNumbers.id }).get().id;
}
