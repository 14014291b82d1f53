import { and, asc, desc, eq, inArray, isNull, like, ne, notExists, or, sql } from 'drizzle-orm';
import { jsonText } from '../dialect.ts';
import { alias } from 'drizzle-orm/sqlite-core';
import { admissionEvents, admissions, clerks, feeImports, feeLines, identityChecks, outbox, outsideExamSlips, persons, policies, registrations, settlements } from '../schema.ts';
import type { Tx } from './clerks.ts';

/**
 * Admissions (入院登记, DOMAIN §4). The admission row keeps what was first recorded; changes,
 * the cancellation and 补办 re-checks are `admission_events` rows, so the current values are the
 * original plus its changes (shared/admission.ts `currentAdmission`). The only later writes to the
 * row are its lifecycle state (status) and the agency's mdtrt_id when the 2401 answer comes back.
 */
export type AdmissionInsert = typeof admissions.$inferInsert;
export type AdmissionRow = typeof admissions.$inferSelect;
export type PersonRow = typeof persons.$inferSelect;
export type AdmissionEventRow = typeof admissionEvents.$inferSelect;
export type FeeLineRow = typeof feeLines.$inferSelect;
export type OutsideExamSlipRow = typeof outsideExamSlips.$inferSelect;

export function insertAdmission(db: Tx, row: AdmissionInsert): number {
  return db.insert(admissions).values(row).returning({ id: admissions.id }).get().id;
}

export function findAdmission(db: Tx, id: number): { admission: AdmissionRow; person: PersonRow } | undefined {
  return db.select({ admission: admissions, person: persons }).from(admissions).innerJoin(persons, eq(admissions.personId, persons.id)).where(eq(admissions.id, id)).get();
}

export function findAdmissionByIptNo(db: Tx, iptNo: string): AdmissionRow | undefined {
  return db.select().from(admissions).where(eq(admissions.iptNo, iptNo)).get();
}

/** The person's admission still in hospital (not discharged, not cancelled), if any. */
export function openAdmissionOfPerson(db: Tx, personId: number): AdmissionRow | undefined {
  return db.select().from(admissions).where(and(eq(admissions.personId, personId), eq(admissions.status, 'admitted'))).get();
}

/** The admission that started from this identity check and was not cancelled. */
export function admissionOfCheck(db: Tx, checkId: number): AdmissionRow | undefined {
  return db.select().from(admissions).where(and(eq(admissions.checkId, checkId), ne(admissions.status, 'cancelled'))).get();
}

export function markAdmissionCancelled(db: Tx, id: number): void {
  db.update(admissions).set({ status: 'cancelled' }).where(eq(admissions.id, id)).run();
}

/** Admissions with their patients, newest first; `inHospital` keeps only those still admitted. */
export function listAdmissions(db: Tx, options: { inHospital: boolean; query?: string; limit?: number }): { admission: AdmissionRow; person: PersonRow }[] {
  const q = options.query?.trim();
  const conditions = [
    options.inHospital ? eq(admissions.status, 'admitted') : undefined,
    q ? or(like(admissions.iptNo, `%${q}%`), like(persons.psnName, `%${q}%`), like(admissions.bed, `%${q}%`)) : undefined,
  ].filter((c) => c !== undefined);
  return db
    .select({ admission: admissions, person: persons })
    .from(admissions)
    .innerJoin(persons, eq(admissions.personId, persons.id))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(admissions.admittedAt), desc(admissions.id))
    .limit(options.limit ?? 500)
    .all();
}

// ---------------------------------------------------------------------------------------------
// Events

export function insertAdmissionEvent(db: Tx, row: { admissionId: number; kind: AdmissionEventRow['kind']; fields: unknown; reason?: string | null; clerkId: number | null }): number {
  return db
    .insert(admissionEvents)
    .values({ admissionId: row.admissionId, kind: row.kind, fields: JSON.stringify(row.fields ?? {}), reason: row.reason ?? null, clerkId: row.clerkId })
    .returning({ id: admissionEvents.id })
    .get().id;
}

export function eventsOfAdmission(db: Tx, admissionId: number): (AdmissionEventRow & { clerkName: string | null })[] {
  return db
    .select({ e: admissionEvents, clerkName: clerks.name })
    .from(admissionEvents)
    .leftJoin(clerks, eq(admissionEvents.clerkId, clerks.id))
    .where(eq(admissionEvents.admissionId, admissionId))
    .orderBy(asc(admissionEvents.id))
    .all()
    .map((r) => ({ ...r.e, clerkName: r.clerkName }));
}

/** Events of many admissions at once (for lists), each admission's in order. */
export function eventsOfAdmissions(db: Tx, ids: readonly number[]): Map<number, AdmissionEventRow[]> {
  const out = new Map<number, AdmissionEventRow[]>();
  if (ids.length === 0) return out;
  const rows = db.select().from(admissionEvents).where(inArray(admissionEvents.admissionId, [...ids])).orderBy(asc(admissionEvents.id)).all();
  for (const r of rows) {
    const list = out.get(r.admissionId) ?? [];
    list.push(r);
    out.set(r.admissionId, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Settlement state

const reversal = alias(settlements, 'rev');

/** Settlements of the admission that no reversal cancels (2404 is possible only with none, 004 / national 2305 → 2404). */
export function unreversedSettlementCount(db: Tx, admissionId: number): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(settlements)
      .where(and(
        eq(settlements.admissionId, admissionId),
        eq(settlements.kind, 'settlement'),
        notExists(db.select({ one: sql`1` }).from(reversal).where(eq(reversal.reversalOf, settlements.id))),
      ))
      .get()?.n ?? 0
  );
}

// ---------------------------------------------------------------------------------------------
// What an admission is decided from: the identity check, the registration, the policy

export function checkWithPerson(db: Tx, checkId: number): { check: typeof identityChecks.$inferSelect; person: PersonRow } | undefined {
  return db.select({ check: identityChecks, person: persons }).from(identityChecks).innerJoin(persons, eq(identityChecks.personId, persons.id)).where(eq(identityChecks.id, checkId)).get();
}

/** The registration that decides, as the agency picks it: active before cancelled, then the latest start. */
export function registrationOfPerson(db: Tx, certno: string): typeof registrations.$inferSelect | undefined {
  return db
    .select()
    .from(registrations)
    .where(eq(registrations.certno, certno))
    .orderBy(sql`(${registrations.status} = 'active') DESC`, desc(registrations.effectiveFrom), desc(registrations.id))
    .limit(1)
    .get();
}

/** The insured region's newest policy body in force for the scheme up to `year` (validity months live there). */
export function policyBodyFor(db: Tx, poolingRegion: string, insutype: string, year: number): unknown {
  const row = db
    .select({ body: policies.body })
    .from(policies)
    .where(and(eq(policies.insuplcAdmdvs, poolingRegion), eq(policies.insutype, insutype), sql`${policies.year} <= ${year}`, isNull(policies.retiredAt)))
    .orderBy(desc(policies.year), desc(policies.id))
    .limit(1)
    .get();
  if (!row) return undefined;
  try {
    return JSON.parse(row.body) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Fee lines this module adds (outside-exam slip lines, 72-hour emergency fees)

export type NewFeeLine = Omit<typeof feeLines.$inferInsert, 'id' | 'admissionId'>;

export function insertFeeLines(db: Tx, admissionId: number, lines: readonly NewFeeLine[]): void {
  for (let k = 0; k < lines.length; k += 200) db.insert(feeLines).values(lines.slice(k, k + 200).map((l) => ({ ...l, admissionId }))).run();
}

export function insertFeeBatch(db: Tx, row: { admissionId: number; fileName: string; sha256: string; rows: number; clerkId: number | null }): number {
  return db.insert(feeImports).values(row).returning({ id: feeImports.id }).get().id;
}

export function feeBatchExists(db: Tx, admissionId: number, sha256: string): boolean {
  return db.select({ id: feeImports.id }).from(feeImports).where(and(eq(feeImports.admissionId, admissionId), eq(feeImports.sha256, sha256))).get() !== undefined;
}

export function feeBatchCount(db: Tx, admissionId: number, fileName: string): number {
  return db.select({ n: sql<number>`count(*)` }).from(feeImports).where(and(eq(feeImports.admissionId, admissionId), eq(feeImports.fileName, fileName))).get()?.n ?? 0;
}

/** The admission's lines whose sn this module gave (WJ… outside exam, JZ… emergency), or that carry the outside-exam flag. */
export function moduleFeeLines(db: Tx, admissionId: number): FeeLineRow[] {
  return db
    .select()
    .from(feeLines)
    .where(and(eq(feeLines.admissionId, admissionId), or(eq(feeLines.etipFlag, true), like(feeLines.feedetlSn, 'WJ%'), like(feeLines.feedetlSn, 'JZ%'))))
    .orderBy(asc(feeLines.id))
    .all();
}

export function feeLineSnTaken(db: Tx, admissionId: number, sn: string): boolean {
  return db.select({ id: feeLines.id }).from(feeLines).where(and(eq(feeLines.admissionId, admissionId), eq(feeLines.feedetlSn, sn))).get() !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Outside-exam slips (附件9)

export function insertOutsideExamSlip(db: Tx, row: Omit<typeof outsideExamSlips.$inferInsert, 'id' | 'createdAt'>): OutsideExamSlipRow {
  return db.insert(outsideExamSlips).values(row).returning().get();
}

export function findOutsideExamSlip(db: Tx, id: number): OutsideExamSlipRow | undefined {
  return db.select().from(outsideExamSlips).where(eq(outsideExamSlips.id, id)).get();
}

export function slipsOfAdmission(db: Tx, admissionId: number): OutsideExamSlipRow[] {
  return db.select().from(outsideExamSlips).where(eq(outsideExamSlips.admissionId, admissionId)).orderBy(asc(outsideExamSlips.id)).all();
}

export function clerkName(db: Tx, id: number | null): string | null {
  if (id === null) return null;
  return db.select({ name: clerks.name }).from(clerks).where(eq(clerks.id, id)).get()?.name ?? null;
}

// ---------------------------------------------------------------------------------------------
// The agency's 就诊ID

/** Stores the mdtrt_id the 2401 answer returned (the row's only agency-filled column). */
export function setMdtrtId(db: Tx, admissionId: number, mdtrtId: string): void {
  db.update(admissions).set({ mdtrtId }).where(eq(admissions.id, admissionId)).run();
}

/** The admission whose change or cancellation event carries this outbox msgid. */
export function admissionOfEventMsgid(db: Tx, msgid: string): AdmissionRow | undefined {
  return db
    .select({ a: admissions })
    .from(admissionEvents)
    .innerJoin(admissions, eq(admissionEvents.admissionId, admissions.id))
    .where(sql`${jsonText(db, admissionEvents.fields, 'msgid')} = ${msgid}`)
    .get()?.a;
}

/** What of an admission's messages (subject `adm:<id>`; the queue orders them by person) still waits for the agency, and what it refused. */
export function admissionMessages(db: Tx, orderKey: string): { infno: string; status: 'pending' | 'rejected'; lastError: string | null }[] {
  return db.select({ infno: outbox.infno, status: outbox.status, lastError: outbox.lastError }).from(outbox).where(sql`coalesce(${outbox.subject}, ${outbox.orderKey}) = ${orderKey}`).orderBy(asc(outbox.id)).all();
}
