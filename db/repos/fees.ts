import { and, asc, eq, sql } from 'drizzle-orm';
import type { FeeLineInput, StoredFeeLine } from '../../shared/feeImport.ts';
import { toText } from '../../shared/money.ts';
import { feeImports, feeLines } from '../schema.ts';
import type { Tx } from './clerks.ts';

export type FeeLineRow = typeof feeLines.$inferSelect;

export function findFeeImport(db: Tx, admissionId: number, sha256: string): { id: number; fileName: string; at: string } | undefined {
  return db.select({ id: feeImports.id, fileName: feeImports.fileName, at: feeImports.at }).from(feeImports)
    .where(and(eq(feeImports.admissionId, admissionId), eq(feeImports.sha256, sha256))).get();
}

/** One imported file and its new lines; the caller's transaction holds them together with the audit entry. */
export function insertFeeImport(db: Tx, imp: { admissionId: number; fileName: string; sha256: string; rows: number; clerkId: number | null }, lines: readonly FeeLineInput[]): number {
  const importId = db.insert(feeImports).values(imp).returning({ id: feeImports.id }).get().id;
  const rows = lines.map((l) => ({
    admissionId: imp.admissionId,
    importId,
    feedetlSn: l.feedetlSn,
    initFeedetlSn: l.initFeedetlSn,
    feeOcurTime: l.feeOcurTime,
    medListCodg: l.medListCodg,
    medinsListCodg: l.medinsListCodg,
    name: l.name,
    cnt: l.cnt.toFixed(),
    pric: l.pric.toFixed(),
    detItemFeeSumamt: toText(l.amount),
    bilgDeptCodg: l.bilgDeptCodg,
    bilgDeptName: l.bilgDeptName,
    bilgDrCodg: l.bilgDrCodg,
    bilgDrName: l.bilgDrName,
    etipFlag: l.etipFlag,
    etipHospCode: l.etipHospCode,
    selfPay: l.selfPay,
  }));
  if (rows.length === 0) return importId;
  // One prepared statement run per line: a HIS file can hold tens of thousands of lines, and
  // building multi-row inserts costs far more than binding the same statement again.
  const columns = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
  const insert = db.insert(feeLines).values(Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)])) as unknown as typeof feeLines.$inferInsert).prepare();
  for (const r of rows) insert.run(r);
  return importId;
}

export function feeLinesOf(db: Tx, admissionId: number): FeeLineRow[] {
  return db.select().from(feeLines).where(eq(feeLines.admissionId, admissionId)).orderBy(asc(feeLines.id)).all();
}

export function storedFeeLines(db: Tx, admissionId: number): Map<string, StoredFeeLine> {
  const out = new Map<string, StoredFeeLine>();
  for (const r of feeLinesOf(db, admissionId)) {
    out.set(r.feedetlSn, {
      feedetlSn: r.feedetlSn, initFeedetlSn: r.initFeedetlSn, feeOcurTime: r.feeOcurTime, medListCodg: r.medListCodg,
      medinsListCodg: r.medinsListCodg, name: r.name, cnt: r.cnt, pric: r.pric, amount: r.detItemFeeSumamt,
      bilgDeptName: r.bilgDeptName, bilgDrName: r.bilgDrName, etipFlag: r.etipFlag, selfPay: r.selfPay,
    });
  }
  return out;
}

export function feeLineCount(db: Tx, admissionId: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(feeLines).where(eq(feeLines.admissionId, admissionId)).get()?.n ?? 0;
}

export function feeImportsOf(db: Tx, admissionId: number) {
  return db.select().from(feeImports).where(eq(feeImports.admissionId, admissionId)).orderBy(asc(feeImports.id)).all();
}
