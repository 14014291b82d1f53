import { and, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { claims, outpatientClaimItems, outpatientDeferrals } from '../schema.ts';
import type { Tx } from './clerks.ts';
import { OTP_NOT_VOIDED } from './outpatientVoids.ts';
import type { ClaimSourceRow, DeferralListRow, FundAmountRow } from './claims.ts';
import { SQL_CHUNK } from './chunk.ts';

/**
 * The visits' settlements and refunds in the monthly claim (clr_type 11, docs/claim.md "Visits"):
 * the engine rows of outpatient_settlements and the claims' outpatient_claim_items.
 *
 * In the claim engine's input and the claim's views a visit's settlement has the id
 * −(outpatient_settlements.id): one numeric id space with the stays' settlements (positive ids),
 * so the claim's maps and lists need no second key. `otpEngineId` / `otpIdOf` convert.
 */

export function otpEngineId(otpSettlementId: number): number {
  return -otpSettlementId;
}

/** The outpatient_settlements id of an engine id, or null for a stay's settlement. */
export function otpIdOf(engineId: number): number | null {
  return engineId < 0 ? -engineId : null;
}

/** An outpatient settlement as a claim row: ClaimSourceRow (iptNo = 门诊号) plus its med_type and fund rows (JSON, as returned). */
export interface OtpClaimRow extends ClaimSourceRow {
  medType: '11' | '14';
  fundsJson: string;
}

/** Scope as for a stay (shared/regions.ts scopeOf): the insured region's province against the hospital's. */
function columns(hospitalAdmdvs: string): SQL {
  return sql`-s.id AS id, 0 AS "admissionId", CASE s.kind WHEN 'refund' THEN 'reversal' ELSE 'settlement' END AS kind,
    CASE WHEN s.refunds IS NULL THEN NULL ELSE -s.refunds END AS "reversalOf", s.settled_on AS "settledOn", s.insutype AS insutype,
    CASE WHEN substr(p.insuplc_admdvs, 1, 2) = substr(${hospitalAdmdvs}, 1, 2) THEN 'in' ELSE 'cross' END AS scope,
    s.medfee_sumamt AS medfee, s.fund_pay_sumamt AS fund, s.acct_pay AS acct, s.psn_cash_pay AS cash, s.setl_id AS "setlId",
    c.setlym AS "claimedIn", c.id AS "claimId", d.id AS "deferralId", d.requested_on AS "deferralOn", CASE WHEN d.approved THEN 1 WHEN NOT d.approved THEN 0 END AS "deferralApproved",
    v.otp_no AS "iptNo", p.psn_name AS "psnName", p.insuplc_admdvs AS "insuplcAdmdvs", v.med_type AS "medType", s.funds AS "fundsJson"`;
}

const JOINS = sql`JOIN outpatient_visits v ON v.id = s.visit_id JOIN persons p ON p.id = v.person_id
  LEFT JOIN outpatient_claim_items ci ON ci.otp_settlement_id = s.id AND ci.released_at IS NULL
  LEFT JOIN claims c ON c.id = ci.claim_id
  LEFT JOIN outpatient_deferrals d ON d.id = (SELECT max(x.id) FROM outpatient_deferrals x WHERE x.otp_settlement_id = s.id)`;

/** The visits' settlements and refunds dated from `from` to `to`, with their claim state (the claim of a period, like claimEngineRows). */
export function otpClaimEngineRows(db: Tx, from: string, to: string, hospitalAdmdvs: string): OtpClaimRow[] {
  return db.all<OtpClaimRow>(sql`SELECT ${columns(hospitalAdmdvs)} FROM outpatient_settlements s ${JOINS}
    WHERE s.settled_on BETWEEN ${from} AND ${to} AND ${OTP_NOT_VOIDED} ORDER BY s.settled_on, s.id`);
}

/** The visits' settlements held by these claims (their tables). */
export function otpClaimItemRows(db: Tx, claimIds: readonly number[], hospitalAdmdvs: string): OtpClaimRow[] {
  if (claimIds.length === 0) return [];
  return db.all<OtpClaimRow>(sql`SELECT ${columns(hospitalAdmdvs)} FROM outpatient_settlements s ${JOINS}
    WHERE ci.claim_id IN (${sql.join(claimIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY s.settled_on, s.id`);
}

/** The fund rows of an outpatient settlement as the claim reads them (the answer's rows, refunds negative). */
export function otpFundRows(r: OtpClaimRow): FundAmountRow[] {
  let list: { fund_pay_type?: unknown; fund_pay_type_name?: unknown; fund_payamt?: unknown }[];
  try {
    const v: unknown = JSON.parse(r.fundsJson);
    list = Array.isArray(v) ? (v as typeof list) : [];
  } catch {
    list = [];
  }
  return list.filter((f) => typeof f.fund_pay_type === 'string' && typeof f.fund_payamt === 'string')
    .map((f) => ({ settlementId: r.id, fundPayType: f.fund_pay_type as string, fundPayTypeName: typeof f.fund_pay_type_name === 'string' ? f.fund_pay_type_name : '', amount: f.fund_payamt as string }));
}

/** One row per visit settlement of a claim; the live UNIQUE refuses one already in a live claim. */
export function insertOtpClaimItems(db: Tx, claimId: number, otpSettlementIds: readonly number[]): void {
  for (let k = 0; k < otpSettlementIds.length; k += SQL_CHUNK) {
    db.insert(outpatientClaimItems).values(otpSettlementIds.slice(k, k + SQL_CHUNK).map((otpSettlementId) => ({ claimId, otpSettlementId }))).run();
  }
}

export function releaseOtpClaimItems(db: Tx, claimId: number, at: string): number {
  return db.update(outpatientClaimItems).set({ releasedAt: at }).where(and(eq(outpatientClaimItems.claimId, claimId), isNull(outpatientClaimItems.releasedAt))).returning({ id: outpatientClaimItems.id }).all().length;
}

export function reattachOtpClaimItems(db: Tx, claimId: number): void {
  db.update(outpatientClaimItems).set({ releasedAt: null }).where(and(eq(outpatientClaimItems.claimId, claimId), isNotNull(outpatientClaimItems.releasedAt))).run();
}

/** The outpatient_settlements ids a claim holds (live) or held (all). */
export function otpClaimSettlementIds(db: Tx, claimId: number, which: 'live' | 'all' = 'all'): number[] {
  const where = which === 'live' ? and(eq(outpatientClaimItems.claimId, claimId), isNull(outpatientClaimItems.releasedAt)) : eq(outpatientClaimItems.claimId, claimId);
  return [...new Set(db.select({ id: outpatientClaimItems.otpSettlementId }).from(outpatientClaimItems).where(where).orderBy(outpatientClaimItems.id).all().map((r) => r.id))];
}

/** The live claim holding a visit's settlement (清算后退费 needs a supervisor, 004 第四十五条). */
export function otpClaimHolding(db: Tx, otpSettlementId: number): { claimId: number; setlym: string; status: string } | undefined {
  return db.select({ claimId: claims.id, setlym: claims.setlym, status: claims.status }).from(outpatientClaimItems).innerJoin(claims, eq(claims.id, outpatientClaimItems.claimId))
    .where(and(eq(outpatientClaimItems.otpSettlementId, otpSettlementId), isNull(outpatientClaimItems.releasedAt))).get();
}

/** The agency's 结算ID of these visit settlements. */
export function otpSetlIdsOf(db: Tx, otpSettlementIds: readonly number[]): Map<number, string | null> {
  const out = new Map<number, string | null>();
  for (let k = 0; k < otpSettlementIds.length; k += SQL_CHUNK) {
    const slice = otpSettlementIds.slice(k, k + SQL_CHUNK);
    const rows = db.all<{ id: number; setlId: string | null }>(sql`SELECT id, setl_id AS "setlId" FROM outpatient_settlements WHERE id IN (${sql.join(slice.map((id) => sql`${id}`), sql`, `)})`);
    for (const r of rows) out.set(r.id, r.setlId);
  }
  return out;
}

// ─── Deferrals (延期申报) of visits' settlements ─────────────────────────────────────────────

export type OtpDeferralRow = typeof outpatientDeferrals.$inferSelect;

/** One visit settlement (or refund) as a claim row with its latest deferral, and its visit (the order key of its 3290). */
export function otpClaimSourceRow(db: Tx, otpSettlementId: number, hospitalAdmdvs: string): (OtpClaimRow & { visitId: number }) | undefined {
  return db.get<(OtpClaimRow & { visitId: number }) | undefined>(sql`SELECT ${columns(hospitalAdmdvs)}, s.visit_id AS "visitId" FROM outpatient_settlements s ${JOINS} WHERE s.id = ${otpSettlementId}`);
}

export function insertOtpDeferral(db: Tx, d: { otpSettlementId: number; reason: string; requestedOn: string; msgid: string; clerkId: number | null }): number {
  return db.insert(outpatientDeferrals).values(d).returning({ id: outpatientDeferrals.id }).get().id;
}

export function findOtpDeferralByMsgid(db: Tx, msgid: string): OtpDeferralRow | undefined {
  return db.select().from(outpatientDeferrals).where(eq(outpatientDeferrals.msgid, msgid)).get();
}

/** The agency's decision; only an undecided request takes one (as decideDeferral). */
export function decideOtpDeferral(db: Tx, id: number, approved: boolean, note: string | null, at: string): boolean {
  return db.update(outpatientDeferrals).set({ approved, decisionNote: note, decidedAt: at })
    .where(and(eq(outpatientDeferrals.id, id), isNull(outpatientDeferrals.approved))).returning({ id: outpatientDeferrals.id }).all().length === 1;
}

/**
 * Deferral requests of visit settlements dated in [from, to], newest first, as the stays' list
 * (deferralList): the request's id and the settlement's are negative (engine ids), the 门诊号 as iptNo.
 */
export function otpDeferralList(db: Tx, from: string, to: string, hospitalAdmdvs: string): DeferralListRow[] {
  return db.all<DeferralListRow>(sql`SELECT -d.id AS id, -d.otp_settlement_id AS "settlementId", d.reason AS reason, d.requested_on AS "requestedOn", d.approved AS approved,
      d.decided_at AS "decidedAt", d.msgid AS msgid, d.clerk_id AS "clerkId", d.decision_note AS "decisionNote",
      s.settled_on AS "settledOn", s.insutype AS insutype,
      CASE WHEN substr(p.insuplc_admdvs, 1, 2) = substr(${hospitalAdmdvs}, 1, 2) THEN 'in' ELSE 'cross' END AS scope,
      s.medfee_sumamt AS medfee, v.otp_no AS "iptNo", p.psn_name AS "psnName", k.name AS "clerkName", c.setlym AS "claimedIn"
    FROM outpatient_deferrals d JOIN outpatient_settlements s ON s.id = d.otp_settlement_id JOIN outpatient_visits v ON v.id = s.visit_id JOIN persons p ON p.id = v.person_id
    LEFT JOIN clerks k ON k.id = d.clerk_id LEFT JOIN outpatient_claim_items ci ON ci.otp_settlement_id = s.id AND ci.released_at IS NULL LEFT JOIN claims c ON c.id = ci.claim_id
    WHERE s.settled_on BETWEEN ${from} AND ${to} ORDER BY d.id DESC`).map((r) => ({ ...r, approved: r.approved === null ? null : Boolean(r.approved) }));
}
