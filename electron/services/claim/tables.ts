import {
  agencyFiguresOfClaims,
  claimItemFunds,
  claimItemRows,
  monthlyDirectShare,
  monthlyFundTotals,
  settlementPersons,
  type ClaimEngineRow,
  type FundAmountRow,
  type SettlementPerson
} from '../../../db/repos/claims.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution, getSetting } from '../../../db/repos/institution.ts';
import { otpClaimItemRows, otpFundRows } from '../../../db/repos/outpatientClaims.ts';
import type {
  MonthFigure
} from '../../../shared/api/claim.ts';
import type { TableItem, TableRefund } from '../../../shared/claimTables.ts';
import { addPeriods, monthOf } from '../../../shared/dates.ts';
import { Decimal, fromFen, parseAmount, toText, ZERO } from '../../../shared/money.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { deductionsCountingIn, lineKey, tableRefunds } from './deductions.ts';
import { gatherClaim, groupFunds, useAgencyFigures } from './gather.ts';
import { claimPolicy, directShareTarget } from './policy.ts';
import { firstDayOf, lastDayOf } from '../../../shared/claim.ts';
import { liveClaims } from './views.ts';

/** The settlements behind the clearing tables (附件11/13/14, detail list) and the chart's history. */

// ─── Items for the tables ───────────────────────────────────────────────────────────────────

function tableItem(r: ClaimEngineRow & SettlementPerson, funds: readonly FundAmountRow[], deduction: Decimal): TableItem {
  return {
    id: String(r.id),
    kind: r.kind,
    settledOn: r.settledOn,
    scheme: r.insutype,
    scope: r.scope,
    insuredRegion: r.insuplcAdmdvs,
    iptNo: r.iptNo,
    psnName: r.psnName,
    setlId: r.setlId,
    medfee: parseAmount(r.medfee),
    fund: parseAmount(r.fund),
    acct: parseAmount(r.acct),
    cash: parseAmount(r.cash),
    funds: funds.map((f) => ({ fund_pay_type: f.fundPayType, amount: parseAmount(f.amount) })),
    deduction,
  };
}

export interface TableSource {
  period: string;
  /** true: the period has no live claim yet, the tables show what the preview would declare. */
  preview: boolean;
  items: TableItem[];
  /** Σ paid_amount when every live claim is cleared, else null. */
  paidByAgency: Decimal | null;
  notes: Map<string, string>;
  /** Deductions of the period before agreed after its cutoff: paid back in this period (004 第五十条). */
  refunds: TableRefund[];
}

/** The note a visit's row carries in the detail list: it is a visit (门诊 / 门诊慢特病), and of which month when not the period's. */
function visitNote(r: { id: number; settledOn: string; medType?: string }, period: string): string | null {
  if (r.id > 0) return null;
  const what = r.medType === '14' ? '门诊慢特病' : '门诊';
  return monthOf(r.settledOn) !== period ? `${what}，${monthOf(r.settledOn)} 结算` : what;
}

/** The settlements of the period's live claims (or of the preview when none is submitted yet). */
export function tableSource(ctx: ServiceContext, period: string): TableSource {
  const db = ctx.db;
  const live = liveClaims(db, period);
  const counted = deductionsCountingIn(db, period, ctx.today(), claimPolicy(db));
  if (live.length > 0) {
    const refunds = tableRefunds(counted, new Set(live.map((c) => lineKey(c.insutype, c.scope))));
    const ids = live.map((c) => c.id);
    const funds = groupFunds(claimItemFunds(db, ids));
    const stays = claimItemRows(db, ids);
    useAgencyFigures(agencyFiguresOfClaims(db, ids), new Map(stays.map((r) => [r.id, r])), funds);
    // The visits' settlements (clr_type 11 claims): their rows after the stays', engine ids negative.
    const visits = otpClaimItemRows(db, ids, getInstitution(db)?.admdvs ?? '');
    for (const v of visits) funds.set(v.id, otpFundRows(v));
    const rows: (ClaimEngineRow & SettlementPerson & { medType?: string })[] = [...stays, ...visits];
    const deductions = new Map<number, Decimal>();
    for (const { item: d } of counted.own) if (d.settlementId !== null) deductions.set(d.settlementId, (deductions.get(d.settlementId) ?? ZERO).plus(d.amount));
    const cleared = live.every((c) => c.status === 'cleared' && c.paidAmount !== null);
    const notes = new Map<string, string>();
    for (const r of rows) {
      const note = visitNote(r, period) ?? (monthOf(r.settledOn) !== period ? `${monthOf(r.settledOn)} 结算` : null);
      if (note !== null) notes.set(String(r.id), note);
    }
    return {
      period,
      preview: false,
      items: rows.map((r) => tableItem(r, funds.get(r.id) ?? [], deductions.get(r.id) ?? ZERO)),
      paidByAgency: cleared ? live.reduce((a, c) => a.plus(parseAmount(c.paidAmount!)), ZERO) : null,
      notes,
      refunds,
    };
  }
  const g = gatherClaim(db, period, ctx.today());
  const refunds = tableRefunds(counted, new Set(g.result.claims.map((c) => lineKey(c.scheme, c.scope))));
  const ids = g.result.claims.flatMap((c) => c.settlementIds).map(Number);
  const notes = new Map<string, string>();
  for (const id of ids) {
    const r = g.rows.get(id)! as ClaimEngineRow & { medType?: string };
    const note = visitNote(r, period) ?? (monthOf(r.settledOn) !== period ? `${monthOf(r.settledOn)} 结算` : null);
    if (note !== null) notes.set(String(id), note);
  }
  // A visit's engine row already carries its person (门诊号 as 住院号 column, outpatientClaims.ts).
  const who = settlementPersons(db, ids.filter((id) => id > 0));
  const person = (id: number): ClaimEngineRow & SettlementPerson => ({ ...(g.rows.get(id)! as ClaimEngineRow & SettlementPerson), ...who.get(id) });
  return { period, preview: true, items: ids.map((id) => tableItem(person(id), g.funds.get(id) ?? [], ZERO)), paidByAgency: null, notes, refunds };
}

// ─── History for the chart ──────────────────────────────────────────────────────────────────

/** The last `months` months (this one included): fund payments by fund, and the direct-settlement share (003: ≥ 70 %). */
export function claimHistory(ctx: ServiceContext, months: number): { months: MonthFigure[]; target: number } {
  const db = ctx.db;
  const today = ctx.today();
  const last = monthOf(today);
  const first = addPeriods(last, -(months - 1));
  const fundRows = monthlyFundTotals(db, firstDayOf(first), lastDayOf(last));
  const shares = new Map(monthlyDirectShare(db, firstDayOf(first), lastDayOf(last)).map((r) => [r.month, r]));
  const out: MonthFigure[] = [];
  for (let k = 0; k < months; k++) {
    const month = addPeriods(first, k);
    const funds = fundRows.filter((r) => r.month === month).map((r) => ({ fundPayType: r.fundPayType, name: r.name, amount: toText(fromFen(r.fen)) }));
    const total = funds.reduce((a, f) => a.plus(parseAmount(f.amount)), ZERO);
    const s = shares.get(month);
    out.push({
      month,
      funds,
      total: toText(total),
      discharged: s?.discharged ?? 0,
      direct: s?.direct ?? 0,
      share: s && s.discharged > 0 ? new Decimal(s.direct).times(100).dividedBy(s.discharged).toFixed(1) : null,
    });
  }
  return { months: out, target: directShareTarget(db) };
}

/** Institution facts the tables print. */
export function hospitalInfo(db: Tx): { code: string; gbCode: string; name: string } {
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  return { code: getSetting(db, 'institution.localCode') ?? inst.fixmedinsCode, gbCode: inst.fixmedinsCode, name: inst.fixmedinsName };
}
