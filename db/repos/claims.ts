// Over 400 lines: the claim engine's SQL (its joins are shared by every query here), claims, deferrals and deductions together, so one file says how a settlement's claim state is read.
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { claimItems, claims, clerks, deferrals, reviewDeductions, settlements } from '../schema.ts';
import { FUND, FUND_PAY_TYPE } from '../../shared/codes.ts';
import type { ClaimFigures } from '../../shared/api/claim.ts';
import type { Tx } from './clerks.ts';
import { SQL_CHUNK } from './chunk.ts';
import { insertOtpClaimItems, otpClaimSettlementIds, otpEngineId, otpIdOf, otpSetlIdsOf, reattachOtpClaimItems, releaseOtpClaimItems } from './outpatientClaims.ts';

/**
 * The monthly claim (清算申报, DOMAIN §9): claims and their items, deferral requests, review
 * deductions, and the settlement rows the claim engine (shared/claim.ts) is fed with.
 *
 * `claims.setlym` holds the period as the desk writes it everywhere, 'YYYY-MM'; the 3203 message
 * carries the national yyyyMM. A claim holds its settlements through `claim_items`, whose
 * live settlement_id is UNIQUE: a settlement is never in two live claims. A withdrawn or refused claim lets
 * go of its items (released_at: they can be declared again, and the rows still say what it held).
 */

export type ClaimRow = typeof claims.$inferSelect;
export type ClaimStatus = ClaimRow['status'];
export type DeferralRow = typeof deferrals.$inferSelect;
export type DeductionRow = typeof reviewDeductions.$inferSelect;

/** States in which a claim holds its items (and its period × scheme × scope). */
export const LIVE_CLAIM_STATUSES: readonly ClaimStatus[] = ['submitted', 'applied', 'accepted', 'cleared', 'withdrawing'];

// ─── Settlement rows for the engine and the tables ──────────────────────────────────────────

/** One settlement or reversal as the claim engine needs it; amounts as stored (two-decimal text). */
export interface ClaimEngineRow extends ClaimFigures {
  id: number;
  admissionId: number;
  /** Period of the live claim holding it, null when none. */
  claimedIn: string | null;
  claimId: number | null;
  /** The latest deferral request, if any. */
  deferralId: number | null;
  deferralOn: string | null;
  /** 1 approved, 0 refused, null pending (or no request). */
  deferralApproved: number | null;
}

/** Who a settlement is for (screens and tables; the engine does not need it). */
export interface SettlementPerson {
  iptNo: string;
  psnName: string;
  insuplcAdmdvs: string;
}

export type ClaimSourceRow = ClaimEngineRow & SettlementPerson;

export interface FundAmountRow {
  settlementId: number;
  fundPayType: string;
  fundPayTypeName: string;
  amount: string;
}

const ENGINE_COLUMNS = sql`s.id AS id, s.admission_id AS "admissionId", s.kind AS kind, s.reversal_of AS "reversalOf", s.settled_on AS "settledOn", s.insutype AS insutype, s.scope AS scope,
  s.medfee_sumamt AS medfee, s.fund_pay_sumamt AS fund, s.acct_pay AS acct, s.psn_cash_pay AS cash, s.setl_id AS "setlId",
  c.setlym AS "claimedIn", c.id AS "claimId",
  d.id AS "deferralId", d.requested_on AS "deferralOn", CASE WHEN d.approved THEN 1 WHEN NOT d.approved THEN 0 END AS "deferralApproved"`;

const ENGINE_JOINS = sql`LEFT JOIN claim_items ci ON ci.settlement_id = s.id AND ci.released_at IS NULL
  LEFT JOIN claims c ON c.id = ci.claim_id
  LEFT JOIN deferrals d ON d.id = (SELECT max(x.id) FROM deferrals x WHERE x.settlement_id = s.id)`;

const SOURCE_COLUMNS = sql`${ENGINE_COLUMNS}, a.ipt_no AS "iptNo", p.psn_name AS "psnName", p.insuplc_admdvs AS "insuplcAdmdvs"`;

const SOURCE_JOINS = sql`JOIN admissions a ON a.id = s.admission_id
  JOIN persons p ON p.id = a.person_id
  ${ENGINE_JOINS}`;

/**
 * The ids the claim of a period looks at: every settlement and reversal dated from `from` to
 * `to` (the period and the earlier periods a deferral can still reach). A reversal is judged by
 * its own date like any other item (CLI.md `claim`), so nothing older is needed.
 */
function candidateIds(from: string, to: string): SQL {
  return sql`WITH ids(id) AS (SELECT id FROM settlements WHERE settled_on BETWEEN ${from} AND ${to})`;
}

/** Settlement rows with their claim state for the claim of a period (see candidateIds); lean: the engine's columns only. */
export function claimEngineRows(db: Tx, from: string, to: string): ClaimEngineRow[] {
  // The range straight on settlements_on (settled_on, rowid): rows come out in the ORDER BY's
  // order, so SQLite needs neither the id list nor a temporary B-tree to sort 20,000 rows (claim.20k).
  return db.all<ClaimEngineRow>(sql`SELECT ${ENGINE_COLUMNS} FROM settlements s ${ENGINE_JOINS}
    WHERE s.settled_on BETWEEN ${from} AND ${to}
      -- A settlement the platform never held, voided by 重新结算 (settlement_voids): its resend is the one claimed.
      AND NOT EXISTS (SELECT 1 FROM settlement_voids v WHERE v.settlement_id = s.id)
    ORDER BY s.settled_on, s.id`);
}

/** 住院号, name and insured region of these settlements. */
export function settlementPersons(db: Tx, settlementIds: readonly number[]): Map<number, SettlementPerson> {
  const out = new Map<number, SettlementPerson>();
  for (let k = 0; k < settlementIds.length; k += SQL_CHUNK) {
    const slice = settlementIds.slice(k, k + SQL_CHUNK);
    const rows = db.all<SettlementPerson & { id: number }>(sql`SELECT s.id AS id, a.ipt_no AS "iptNo", p.psn_name AS "psnName", p.insuplc_admdvs AS "insuplcAdmdvs"
      FROM settlements s JOIN admissions a ON a.id = s.admission_id JOIN persons p ON p.id = a.person_id
      WHERE s.id IN (${sql.join(slice.map((id) => sql`${id}`), sql`, `)})`);
    for (const { id, ...person } of rows) out.set(id, person);
  }
  return out;
}

/** The desk's own fund rows (source local) of the same candidate settlements. */
export function claimSourceFunds(db: Tx, from: string, to: string): FundAmountRow[] {
  return db.all<FundAmountRow>(sql`${candidateIds(from, to)}
    SELECT f.settlement_id AS "settlementId", f.fund_pay_type AS "fundPayType", f.fund_pay_type_name AS "fundPayTypeName", f.fund_payamt AS amount
    FROM ids JOIN settlement_funds f ON f.settlement_id = ids.id AND f.source = 'local' ORDER BY f.id`);
}

/** The agency's own figures of a settlement where they differ from the desk's: its answer body and fund rows. */
export interface AgencyFigures {
  settlementId: number;
  body: string;
  funds: FundAmountRow[];
}

/**
 * The agency's figures for the settlements `among` selects, only where they differ from the
 * desk's (agency_settlement_results.mismatch). Few rows in practice: one query for the answers,
 * one for their fund rows. The clearing is made of the agency's records, so a claim declares these.
 */
function agencyFiguresAmong(db: Tx, among: SQL): AgencyFigures[] {
  const rows = db.all<{ settlementId: number; body: string }>(sql`SELECT r.settlement_id AS "settlementId", r.body AS body FROM agency_settlement_results r
    WHERE r.mismatch IS NOT NULL AND r.settlement_id IN (${among})
      AND r.id = (SELECT max(x.id) FROM agency_settlement_results x WHERE x.settlement_id = r.settlement_id)`);
  if (rows.length === 0) return [];
  const ids = sql.join(rows.map((r) => sql`${r.settlementId}`), sql`, `);
  const funds = db.all<FundAmountRow>(sql`SELECT f.settlement_id AS "settlementId", f.fund_pay_type AS "fundPayType", f.fund_pay_type_name AS "fundPayTypeName", f.fund_payamt AS amount
    FROM settlement_funds f WHERE f.source = 'agency' AND f.settlement_id IN (${ids}) ORDER BY f.id`);
  return rows.map((r) => ({ ...r, funds: funds.filter((f) => f.settlementId === r.settlementId) }));
}

/** … of the settlements dated from `from` to `to` (the claim engine's input). */
export function agencyFiguresBetween(db: Tx, from: string, to: string): AgencyFigures[] {
  return agencyFiguresAmong(db, sql`SELECT id FROM settlements WHERE settled_on BETWEEN ${from} AND ${to}`);
}

/** … of the settlements held by these claims (their tables). */
export function agencyFiguresOfClaims(db: Tx, claimIds: readonly number[]): AgencyFigures[] {
  if (claimIds.length === 0) return [];
  return agencyFiguresAmong(db, sql`SELECT settlement_id FROM claim_items WHERE released_at IS NULL AND claim_id IN (${sql.join(claimIds.map((id) => sql`${id}`), sql`, `)})`);
}

/** Of these reversals, those whose original settlement is in no claim (never declared, or its claim withdrawn). */
export function reversalsOfUnclaimed(db: Tx, reversalIds: readonly number[]): { id: number; reversalOf: number }[] {
  if (reversalIds.length === 0) return [];
  return db.all(sql`SELECT r.id AS id, r.reversal_of AS "reversalOf" FROM settlements r
    WHERE r.id IN (${sql.join(reversalIds.map((id) => sql`${id}`), sql`, `)}) AND r.reversal_of IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM claim_items ci WHERE ci.settlement_id = r.reversal_of AND ci.released_at IS NULL) ORDER BY r.id`);
}

/** Settlement rows held by the given claims (for their tables and detail list). */
export function claimItemRows(db: Tx, claimIds: readonly number[]): ClaimSourceRow[] {
  if (claimIds.length === 0) return [];
  return db.all<ClaimSourceRow>(sql`SELECT ${SOURCE_COLUMNS} FROM settlements s ${SOURCE_JOINS}
    WHERE ci.claim_id IN (${sql.join(claimIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY s.settled_on, s.id`);
}

export function claimItemFunds(db: Tx, claimIds: readonly number[]): FundAmountRow[] {
  if (claimIds.length === 0) return [];
  return db.all<FundAmountRow>(sql`SELECT f.settlement_id AS "settlementId", f.fund_pay_type AS "fundPayType", f.fund_pay_type_name AS "fundPayTypeName", f.fund_payamt AS amount
    FROM claim_items ci JOIN settlement_funds f ON f.settlement_id = ci.settlement_id AND f.source = 'local'
    WHERE ci.released_at IS NULL AND ci.claim_id IN (${sql.join(claimIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY f.id`);
}

/** One settlement row with its claim state (deferral requests, the claim screen's detail). */
export function claimSourceRow(db: Tx, settlementId: number): ClaimSourceRow | undefined {
  return db.get<ClaimSourceRow | undefined>(sql`SELECT ${SOURCE_COLUMNS} FROM settlements s ${SOURCE_JOINS} WHERE s.id = ${settlementId}`);
}

/** The agency's settlement ids of these settlements (null where it has not answered yet). */
export function setlIdsOf(db: Tx, engineIds: readonly number[]): Map<number, string | null> {
  const out = new Map<number, string | null>();
  const visits = engineIds.map(otpIdOf).filter((x): x is number => x !== null);
  for (const [id, setlId] of otpSetlIdsOf(db, visits)) out.set(otpEngineId(id), setlId);
  const settlementIds = engineIds.filter((x) => x > 0);
  for (let k = 0; k < settlementIds.length; k += SQL_CHUNK) {
    const slice = settlementIds.slice(k, k + SQL_CHUNK);
    for (const r of db.select({ id: settlements.id, setlId: settlements.setlId }).from(settlements).where(inArray(settlements.id, slice)).all()) out.set(r.id, r.setlId);
  }
  return out;
}

export function settlementIdBySetlId(db: Tx, setlId: string): number | undefined {
  return db.select({ id: settlements.id }).from(settlements).where(eq(settlements.setlId, setlId)).get()?.id;
}

// ─── Claims ─────────────────────────────────────────────────────────────────────────────────

export interface NewClaim {
  setlym: string;
  insutype: string;
  scope: 'cross' | 'in';
  /** 清算类别: 21 the stays (default), 11 the visits. */
  clrType?: '11' | '21';
  psntime: number;
  medfeeSumamt: string;
  fundAppySum: string;
  acctPay: string;
  cashPayamt: string;
  byFund: unknown;
  msgid: string;
  clerkId: number | null;
  /** Engine ids: a stay's settlement id, or −(outpatient_settlements.id) for a visit's (outpatientClaims.ts). */
  settlementIds: number[];
}

/** The claim row and one claim_items row per settlement; UNIQUE(settlement_id) refuses a second claim of any. */
export function insertClaim(db: Tx, c: NewClaim): number {
  const id = db.insert(claims).values({
    setlym: c.setlym, insutype: c.insutype, scope: c.scope, clrType: c.clrType ?? '21', psntime: c.psntime,
    medfeeSumamt: c.medfeeSumamt, fundAppySum: c.fundAppySum, acctPay: c.acctPay, cashPayamt: c.cashPayamt,
    byFund: JSON.stringify(c.byFund), msgid: c.msgid, clerkId: c.clerkId,
  }).returning({ id: claims.id }).get().id;
  const stays = c.settlementIds.filter((x) => otpIdOf(x) === null);
  for (let k = 0; k < stays.length; k += SQL_CHUNK) {
    db.insert(claimItems).values(stays.slice(k, k + SQL_CHUNK).map((settlementId) => ({ claimId: id, settlementId }))).run();
  }
  insertOtpClaimItems(db, id, c.settlementIds.map(otpIdOf).filter((x): x is number => x !== null));
  return id;
}

export function findClaim(db: Tx, id: number): ClaimRow | undefined {
  return db.select().from(claims).where(eq(claims.id, id)).get();
}

export function findClaimByMsgid(db: Tx, msgid: string): ClaimRow | undefined {
  return db.select().from(claims).where(eq(claims.msgid, msgid)).get();
}

export function findClaimByWithdrawMsgid(db: Tx, msgid: string): ClaimRow | undefined {
  return db.select().from(claims).where(eq(claims.withdrawMsgid, msgid)).get();
}

export function findClaimByEvtId(db: Tx, clrAppyEvtId: string): ClaimRow | undefined {
  return db.select().from(claims).where(eq(claims.clrAppyEvtId, clrAppyEvtId)).get();
}

export function claimsOfPeriod(db: Tx, setlym: string): (ClaimRow & { clerkName: string | null })[] {
  return db.select({ c: claims, clerkName: clerks.name }).from(claims).leftJoin(clerks, eq(claims.clerkId, clerks.id))
    .where(eq(claims.setlym, setlym)).orderBy(asc(claims.id)).all().map((r) => ({ ...r.c, clerkName: r.clerkName }));
}

/** Claims of several periods, newest first (history on the claim screen). */
export function recentClaims(db: Tx, limit: number): ClaimRow[] {
  return db.select().from(claims).orderBy(desc(claims.id)).limit(limit).all();
}

export function updateClaim(db: Tx, id: number, set: Partial<Pick<ClaimRow, 'status' | 'statusAt' | 'clrAppyEvtId' | 'agencyMessage' | 'withdrawMsgid' | 'withdrawReason' | 'paidAmount'>>): void {
  db.update(claims).set(set).where(eq(claims.id, id)).run();
}

/** A withdrawn or refused claim no longer holds its settlements: they may be declared again (the rows stay, released). */
export function releaseClaimItems(db: Tx, claimId: number, at: string = new Date().toISOString()): number {
  return releaseOtpClaimItems(db, claimId, at) + db.update(claimItems).set({ releasedAt: at }).where(and(eq(claimItems.claimId, claimId), isNull(claimItems.releasedAt))).returning({ id: claimItems.id }).all().length;
}

/** A claim takes its settlements back (a refused 3203 that the agency accepted after a resend); the live UNIQUE refuses any declared meanwhile. */
export function reattachClaimItems(db: Tx, claimId: number): void {
  reattachOtpClaimItems(db, claimId);
  db.update(claimItems).set({ releasedAt: null }).where(and(eq(claimItems.claimId, claimId), isNotNull(claimItems.releasedAt))).run();
}

/** The settlements (engine ids: visits' negative) a claim holds now (released: false) or held when it was submitted (all). */
export function claimSettlementIds(db: Tx, claimId: number, which: 'live' | 'all' = 'all'): number[] {
  const where = which === 'live' ? and(eq(claimItems.claimId, claimId), isNull(claimItems.releasedAt)) : eq(claimItems.claimId, claimId);
  const stays = [...new Set(db.select({ id: claimItems.settlementId }).from(claimItems).where(where).orderBy(asc(claimItems.id)).all().map((r) => r.id))];
  return [...stays, ...otpClaimSettlementIds(db, claimId, which).map(otpEngineId)];
}

export function claimItemCount(db: Tx, claimId: number): number {
  return claimSettlementIds(db, claimId, 'live').length;
}

// ─── Deferrals (延期申报) ───────────────────────────────────────────────────────────────────

export function insertDeferral(db: Tx, d: { settlementId: number; reason: string; requestedOn: string; msgid: string; clerkId: number | null }): number {
  return db.insert(deferrals).values(d).returning({ id: deferrals.id }).get().id;
}

export function findDeferralByMsgid(db: Tx, msgid: string): DeferralRow | undefined {
  return db.select().from(deferrals).where(eq(deferrals.msgid, msgid)).get();
}

/** The agency's decision; a decision already recorded is kept (the first answer stands). */
export function decideDeferral(db: Tx, id: number, approved: boolean, note: string | null, at: string): boolean {
  return db.update(deferrals).set({ approved, decisionNote: note, decidedAt: at })
    .where(and(eq(deferrals.id, id), isNull(deferrals.approved))).returning({ id: deferrals.id }).all().length === 1;
}

export interface DeferralListRow extends DeferralRow {
  settledOn: string;
  insutype: string;
  scope: 'cross' | 'in';
  medfee: string;
  iptNo: string;
  psnName: string;
  clerkName: string | null;
  claimedIn: string | null;
}

/** Deferral requests of settlements dated in [from, to], newest first. */
export function deferralList(db: Tx, from: string, to: string): DeferralListRow[] {
  return db.all<DeferralListRow>(sql`SELECT d.id AS id, d.settlement_id AS "settlementId", d.reason AS reason, d.requested_on AS "requestedOn", d.approved AS approved,
      d.decided_at AS "decidedAt", d.msgid AS msgid, d.clerk_id AS "clerkId", d.decision_note AS "decisionNote",
      s.settled_on AS "settledOn", s.insutype AS insutype, s.scope AS scope, s.medfee_sumamt AS medfee, a.ipt_no AS "iptNo", p.psn_name AS "psnName",
      k.name AS "clerkName", c.setlym AS "claimedIn"
    FROM deferrals d JOIN settlements s ON s.id = d.settlement_id JOIN admissions a ON a.id = s.admission_id JOIN persons p ON p.id = a.person_id
    LEFT JOIN clerks k ON k.id = d.clerk_id LEFT JOIN claim_items ci ON ci.settlement_id = s.id AND ci.released_at IS NULL LEFT JOIN claims c ON c.id = ci.claim_id
    WHERE s.settled_on BETWEEN ${from} AND ${to} ORDER BY d.id DESC`).map((r) => ({ ...r, approved: r.approved === null ? null : Boolean(r.approved) }));
}

// ─── Review deductions (审核扣款) ───────────────────────────────────────────────────────────

export interface IncomingDeduction {
  agencyId: string;
  claimId: number;
  settlementId: number | null;
  setlId: string;
  amount: string;
  reason: string;
  issuedOn: string;
  agencyStatus: 'issued' | 'revoked' | 'upheld';
  /** The day of the agency's revocation or upholding, as the agency sent it (null: not sent). */
  decidedOn: string | null;
  /** The day it arrived here: the decision's day when the agency sent none. */
  receivedOn: string;
  memo: string | null;
}

/**
 * Inserts a deduction the first time it is seen; later sightings only carry the agency's decision
 * on it (revoked or upheld, with its day), never the amount or the reason it was issued with.
 */
export function upsertDeduction(db: Tx, d: IncomingDeduction): 'new' | 'decided' | 'same' {
  const known = db.select().from(reviewDeductions).where(eq(reviewDeductions.agencyId, d.agencyId)).get();
  // A decision seen again without its day keeps the day it was first seen on.
  const decidedOn = d.agencyStatus === 'issued' ? null : (d.decidedOn ?? (known?.agencyStatus === d.agencyStatus ? known.decidedOn : null) ?? d.receivedOn);
  if (!known) {
    db.insert(reviewDeductions).values({
      agencyId: d.agencyId, claimId: d.claimId, settlementId: d.settlementId, setlId: d.setlId, amount: d.amount,
      reason: d.reason, issuedOn: d.issuedOn, agencyStatus: d.agencyStatus, decidedOn, agencyMemo: d.memo,
    }).run();
    return 'new';
  }
  if (d.agencyStatus !== 'issued' && (known.agencyStatus !== d.agencyStatus || known.decidedOn !== decidedOn)) {
    db.update(reviewDeductions).set({ agencyStatus: d.agencyStatus, decidedOn, agencyMemo: d.memo }).where(eq(reviewDeductions.id, known.id)).run();
    return 'decided';
  }
  return 'same';
}

export function findDeduction(db: Tx, id: number): DeductionRow | undefined {
  return db.select().from(reviewDeductions).where(eq(reviewDeductions.id, id)).get();
}

export function findDeductionByAnswerMsgid(db: Tx, msgid: string): DeductionRow | undefined {
  return db.select().from(reviewDeductions).where(eq(reviewDeductions.answerMsgid, msgid)).get();
}

/** The office's answer (accepted / disputed with a note) and the message that carries it. */
export function answerDeduction(db: Tx, id: number, a: { status: 'received' | 'accepted' | 'disputed'; note: string | null; at: string | null; by: number | null; msgid: string | null }): void {
  db.update(reviewDeductions).set({ status: a.status, note: a.note, answeredAt: a.at, answeredBy: a.by, answerMsgid: a.msgid }).where(eq(reviewDeductions.id, id)).run();
}

export interface DeductionListRow extends DeductionRow {
  setlym: string;
  claimInsutype: string;
  claimScope: 'cross' | 'in';
  clrAppyEvtId: string | null;
  settledOn: string | null;
  iptNo: string | null;
  psnName: string | null;
  answeredByName: string | null;
}

export function deductionList(db: Tx, setlym: string | null): DeductionListRow[] {
  return db.all<DeductionListRow>(sql`SELECT r.id AS id, r.claim_id AS "claimId", r.settlement_id AS "settlementId", r.amount AS amount, r.reason AS reason, r.status AS status,
      r.received_at AS "receivedAt", r.agency_id AS "agencyId", r.setl_id AS "setlId", r.issued_on AS "issuedOn", r.agency_status AS "agencyStatus", r.note AS note,
      r.answered_at AS "answeredAt", r.answered_by AS "answeredBy", r.answer_msgid AS "answerMsgid", r.decided_on AS "decidedOn", r.agency_memo AS "agencyMemo",
      c.setlym AS setlym, c.insutype AS "claimInsutype", c.scope AS "claimScope", c.clr_appy_evt_id AS "clrAppyEvtId",
      s.settled_on AS "settledOn", a.ipt_no AS "iptNo", p.psn_name AS "psnName", k.name AS "answeredByName"
    FROM review_deductions r JOIN claims c ON c.id = r.claim_id
    LEFT JOIN settlements s ON s.id = r.settlement_id LEFT JOIN admissions a ON a.id = s.admission_id LEFT JOIN persons p ON p.id = a.person_id
    LEFT JOIN clerks k ON k.id = r.answered_by
    WHERE ${setlym === null ? sql`1 = 1` : sql`c.setlym = ${setlym}`} ORDER BY r.id DESC`);
}

/** A deduction with its claim's period and the settlement it is on (the tables, 004 第五十条). */
export interface PeriodDeductionRow {
  id: number;
  agencyId: string | null;
  claimId: number;
  setlym: string;
  settlementId: number | null;
  setlId: string | null;
  amount: string;
  status: 'received' | 'accepted' | 'disputed';
  agencyStatus: 'issued' | 'revoked' | 'upheld';
  decidedOn: string | null;
  settledOn: string | null;
  insutype: string;
  scope: 'cross' | 'in';
  insuplcAdmdvs: string | null;
  iptNo: string | null;
  psnName: string | null;
}

/** Every deduction on the given claims, with what the tables need to place it. */
export function deductionsOfClaims(db: Tx, claimIds: readonly number[]): PeriodDeductionRow[] {
  if (claimIds.length === 0) return [];
  return db.all<PeriodDeductionRow>(sql`SELECT r.id AS id, r.agency_id AS "agencyId", r.claim_id AS "claimId", c.setlym AS setlym, r.settlement_id AS "settlementId",
      r.setl_id AS "setlId", r.amount AS amount, r.status AS status, r.agency_status AS "agencyStatus", r.decided_on AS "decidedOn",
      s.settled_on AS "settledOn", c.insutype AS insutype, c.scope AS scope, p.insuplc_admdvs AS "insuplcAdmdvs", a.ipt_no AS "iptNo", p.psn_name AS "psnName"
    FROM review_deductions r JOIN claims c ON c.id = r.claim_id
    LEFT JOIN settlements s ON s.id = r.settlement_id LEFT JOIN admissions a ON a.id = s.admission_id LEFT JOIN persons p ON p.id = a.person_id
    WHERE r.claim_id IN (${sql.join(claimIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY r.id`);
}

/** Disputed deductions the agency has not decided yet (home screen reminder, 004 第五十条): their period and amount text. */
export function openDisputes(db: Tx): { setlym: string; amount: string }[] {
  return db.all(sql`SELECT c.setlym AS setlym, r.amount AS amount
    FROM review_deductions r JOIN claims c ON c.id = r.claim_id
    WHERE r.status = 'disputed' AND r.agency_status = 'issued' ORDER BY c.setlym, r.id`);
}

/** Deductions waiting for the office's answer (home screen). */
export function unansweredDeductionCount(db: Tx): number {
  return db.select({ n: sql<number>`count(*)` }).from(reviewDeductions).where(and(eq(reviewDeductions.status, 'received'), eq(reviewDeductions.agencyStatus, 'issued'))).get()?.n ?? 0;
}

// ─── Figures for the charts ─────────────────────────────────────────────────────────────────

/**
 * The SQL sum of an amount column in integer fen, without floating point: every stored amount is
 * TEXT with exactly two decimals (possibly negative), so dropping the point gives the fen. The
 * sum comes back as TEXT, since it may pass 2^53 (a JavaScript number's exact range).
 */
function sumFen(column: string): SQL {
  return sql`CAST(sum(CAST(replace(CAST(${sql.raw(column)} AS TEXT), '.', '') AS BIGINT)) AS TEXT)`;
}

/** A sum from sumFen as an exact integer (NULL, the sum of no rows, is 0). */
function fenOf(text: string | null): bigint {
  return BigInt(text ?? '0');
}

/**
 * Fund payments per settlement month and fund, summed in SQL as integer fen (exact: every stored
 * amount has two decimals), plus the personal accounts as fund '310200'.
 */
export function monthlyFundTotals(db: Tx, from: string, to: string): { month: string; fundPayType: string; name: string; fen: bigint }[] {
  return db.all<{ month: string; fundPayType: string; name: string; fen: string | null }>(sql`
    SELECT substr(s.settled_on, 1, 7) AS month, f.fund_pay_type AS "fundPayType", max(f.fund_pay_type_name) AS name,
      ${sumFen('f.fund_payamt')} AS fen
    FROM settlements s JOIN settlement_funds f ON f.settlement_id = s.id AND f.source = 'local'
    WHERE s.settled_on BETWEEN ${from} AND ${to} GROUP BY month, f.fund_pay_type
    UNION ALL
    SELECT substr(s.settled_on, 1, 7) AS month, CAST(${FUND.employeeAccount} AS TEXT) AS "fundPayType", CAST(${FUND_PAY_TYPE[FUND.employeeAccount]} AS TEXT) AS name,
      ${sumFen('s.acct_pay')} AS fen
    FROM settlements s WHERE s.settled_on BETWEEN ${from} AND ${to} AND s.acct_pay <> '0.00' GROUP BY month
    ORDER BY month, "fundPayType"`).map((r) => ({ ...r, fen: fenOf(r.fen) }));
}

/**
 * Discharges per month and how many of them stand settled directly (003: 直接结算率 ≥ 70 %):
 * discharged admissions of 异地 patients, and those with a settlement not reversed.
 */
export function monthlyDirectShare(db: Tx, from: string, to: string): { month: string; discharged: number; direct: number }[] {
  return db.all<{ month: string; discharged: number; direct: number }>(sql`
    SELECT substr(a.endtime, 1, 7) AS month, count(*) AS discharged,
      sum(CASE WHEN EXISTS (SELECT 1 FROM settlements s WHERE s.admission_id = a.id AND s.kind = 'settlement'
        AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reversal_of = s.id)) THEN 1 ELSE 0 END) AS direct
    FROM admissions a WHERE a.status = 'discharged' AND substr(a.endtime, 1, 10) BETWEEN ${from} AND ${to}
    GROUP BY month ORDER BY month`);
}

/** The bare SQL GROUP BY of a period (the bench's baseline): count and totals in fen per scheme × scope. */
export function bareClaimTotals(db: Tx, from: string, to: string): { insutype: string; scope: string; n: number; medfee: bigint; fund: bigint }[] {
  return db.all<{ insutype: string; scope: string; n: number; medfee: string | null; fund: string | null }>(sql`SELECT insutype, scope, sum(CASE kind WHEN 'reversal' THEN -1 ELSE 1 END) AS n,
      ${sumFen('medfee_sumamt')} AS medfee,
      ${sumFen('fund_pay_sumamt')} AS fund
    FROM settlements WHERE settled_on BETWEEN ${from} AND ${to} GROUP BY insutype, scope`).map((r) => ({ ...r, medfee: fenOf(r.medfee), fund: fenOf(r.fund) }));
}

