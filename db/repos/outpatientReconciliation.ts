import { sql } from 'drizzle-orm';
import type { Tx } from './clerks.ts';
import { OTP_NOT_VOIDED } from './outpatientVoids.ts';
import type { DaySettlement, DetailSource } from './reconciliation.ts';

/**
 * The visits' settlements and refunds of a day for daily reconciliation (3201 / 3202 with clr_type 11,
 * docs/reconciliation.md "Visits"). A visit's row exists only once the insured region answered its
 * 2207 / 2208, so it is confirmed by construction. Ids are −(outpatient_settlements.id), as in the
 * claim (outpatientClaims.ts), so a difference never names a stay's settlement by mistake. A settlement
 * voided by 重新结算 (outpatient_voids) is not at the platform: left out, so its day balances on the resend.
 */

export function visitSettlementsOn(db: Tx, day: string): DaySettlement[] {
  return db.all<Omit<DaySettlement, 'confirmed'> & { confirmed: number }>(sql`SELECT -s.id AS id, CASE s.kind WHEN 'refund' THEN 'reversal' ELSE 'settlement' END AS kind,
      s.insutype AS insutype, s.settled_on AS "settledOn", s.medfee_sumamt AS "medfeeSumamt", s.fund_pay_sumamt AS "fundPaySumamt", s.acct_pay AS "acctPay",
      s.msgid AS msgid, NULL AS "outboxStatus", NULL AS "outboxError", 1 AS confirmed, s.answer AS "agencyBody", NULL AS mismatch
    FROM outpatient_settlements s WHERE s.settled_on = ${day} AND ${OTP_NOT_VOIDED} ORDER BY s.id`).map((r) => ({ ...r, confirmed: true }));
}

export function visitDetailSourcesOn(db: Tx, day: string): DetailSource[] {
  return db.all<DetailSource>(sql`SELECT -s.id AS id, CASE s.kind WHEN 'refund' THEN 'reversal' ELSE 'settlement' END AS kind, s.setl_id AS "setlId",
      v.mdtrt_id AS "mdtrtId", p.psn_no AS "psnNo", s.medfee_sumamt AS "medfeeSumamt", s.fund_pay_sumamt AS "fundPaySumamt", s.acct_pay AS "acctPay",
      s.psn_cash_pay AS "psnCashPay", s.msgid AS msgid
    FROM outpatient_settlements s JOIN outpatient_visits v ON v.id = s.visit_id JOIN persons p ON p.id = v.person_id
    WHERE s.settled_on = ${day} AND ${OTP_NOT_VOIDED} ORDER BY s.id`);
}

/** Whether this desk settles visits at all: then every day's reconciliation asks the platform about clr_type 11 too. */
export function desksSettlesVisits(db: Tx): boolean {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM outpatient_settlements LIMIT 1) AS one`)!.n > 0;
}

/** Days in [from, to] with a visit settled or refunded. */
export function visitSettlementDays(db: Tx, from: string, to: string): string[] {
  return db.all<{ d: string }>(sql`SELECT DISTINCT settled_on AS d FROM outpatient_settlements WHERE settled_on BETWEEN ${from} AND ${to} ORDER BY d`).map((r) => r.d);
}
