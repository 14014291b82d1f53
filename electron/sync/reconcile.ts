import type { ReconciliationRowView, SettlementDifferenceView } from '../../shared/api/sync.ts';
import { BackgroundJob } from './repeater.ts';
import type { Db } from '../../db/open.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import { outboxItemsOf } from '../../db/repos/outbox.ts';
import { hasRunFor, insertReconciliationRuns, latestDetailsBetween, latestRunsBetween, resolutionsOf, settlementDays, settlementsOn, type DaySettlement, type ReconciliationRunRow } from '../../db/repos/reconciliation.ts';
import { activePolicyBodies } from '../../db/repos/referenceData.ts';
import { desksSettlesVisits, visitSettlementDays, visitSettlementsOn } from '../../db/repos/outpatientReconciliation.ts';
import { addDays, parseDate, todayCST, type CalendarDate } from '../../shared/dates.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import { poolingRegionOf, sameProvince } from '../../shared/regions.ts';
import { DEFAULT_UPLOAD_DAYS, deadlineWindow, syncDeadlines, type DayOutcome, type DeadlineWarning, type FeeUploadItem } from '../../shared/syncDeadlines.ts';
import { AgencyMessageError, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readStatement } from '../../shared/agency/claim.ts';
import { BusinessError, NetworkError, RejectedError, ServerError, type AgencyClient } from '../agency/client.ts';
import { newEnvelope } from '../services/agencyLink.ts';
import { detailRunOf, reconcileDetail, type DetailRun } from './detailReconcile.ts';
import { ServiceError } from '../services/errors.ts';

/**
 * Daily reconciliation (对账总账, 3201; DOMAIN §8, 004 第四十一条): the desk's settlements of a day,
 * per scheme (insutype) and in total, against the agency's books. Each run is stored with the
 * agency's verdict and the per-settlement reasons the desk can see for a difference (not uploaded
 * yet, refused, the agency's computation differs, booked on another day). Differences are kept
 * and shown, never "fixed" by overwriting either side.
 */

export const ALL_INSUTYPES = '';

export type SettlementDifference = SettlementDifferenceView;

/** One 3201 row as reconciled; the screen's view adds only the scheme's label. */
export type ReconcileRow = Omit<ReconciliationRowView, 'insutypeLabel'>;

export interface ReconcileResult {
  day: CalendarDate;
  at: string;
  balanced: boolean;
  rows: ReconcileRow[];
  /** The 3202 run a 不平 day led to (detailReconcile.ts); null when the day balanced. */
  detail: DetailRun | null;
}

/** Reversals count as records with negative amounts (as the agency books them), whatever sign they were stored with. */
function signed(s: DaySettlement, field: 'medfeeSumamt' | 'fundPaySumamt' | 'acctPay'): Decimal {
  const v = new Decimal(s[field]);
  return s.kind === 'reversal' ? v.abs().negated() : v;
}

function agencyDay(body: string | null): string | null {
  if (body === null) return null;
  try {
    const o = JSON.parse(body) as Record<string, unknown>;
    const info = (typeof o.setlinfo === 'object' && o.setlinfo !== null ? o.setlinfo : o) as Record<string, unknown>;
    return typeof info.setl_time === 'string' ? info.setl_time.slice(0, 10) : null;
  } catch {
    return null;
  }
}

/** The reasons visible on the desk why a settlement may not match the agency's books. */
export function differencesOf(list: DaySettlement[]): SettlementDifference[] {
  const out: SettlementDifference[] = [];
  for (const s of list) {
    const reasons: string[] = [];
    if (s.outboxStatus === 'pending') reasons.push('结算信息尚未上传至经办机构（待上传）');
    if (s.outboxStatus === 'rejected') reasons.push(`上传被经办机构拒绝：${s.outboxError ?? '（无说明）'}`);
    if (s.mismatch) reasons.push(`与经办机构的结算结果不一致：${s.mismatch}`);
    const d = agencyDay(s.agencyBody);
    if (d !== null && d !== s.settledOn) reasons.push(`经办机构记账日期为 ${d}，本机为 ${s.settledOn}`);
    if (reasons.length > 0) out.push({ settlementId: s.id, msgid: s.msgid, kind: s.kind, insutype: s.insutype, medfeeSumamt: s.medfeeSumamt, reason: reasons.join('；') });
  }
  return out;
}

function totals(list: DaySettlement[]): { count: number; medfee: Decimal; fund: Decimal; acct: Decimal } {
  return {
    count: list.length,
    medfee: sum(list.map((s) => signed(s, 'medfeeSumamt'))),
    fund: sum(list.map((s) => signed(s, 'fundPaySumamt'))),
    acct: sum(list.map((s) => signed(s, 'acctPay'))),
  };
}

async function ask(client: AgencyClient, env: RequestEnvelope): Promise<{ stmtRslt: '0' | '1'; dscr: string | null }> {
  try {
    const r = readStatement((await client.call(env)).output);
    return { stmtRslt: r.stmtRslt, dscr: r.dscr };
  } catch (e) {
    if (e instanceof NetworkError || e instanceof ServerError) throw new ServiceError('AGENCY_UNREACHABLE', `无法连接医保平台，对账需要联网，请稍后重试（${e.message}）`, 'day');
    if (e instanceof BusinessError) throw new ServiceError('AGENCY_REFUSED', `经办机构拒绝了对账请求：${e.errMsg}`, 'day');
    if (e instanceof RejectedError || e instanceof AgencyMessageError) throw new ServiceError('AGENCY_REJECTED', e.message, 'day');
    throw e;
  }
}

export async function reconcileDay(
  getDb: () => Db,
  client: AgencyClient,
  dayInput: string,
  opter: { clerkId: number | null; login: string; name: string },
  now: Date = new Date(),
): Promise<ReconcileResult> {
  const day = parseDate(dayInput, '对账日期');
  if (day > todayCST(now)) throw new ServiceError('INVALID_DAY', `对账日期 ${day} 还没有到`, 'day');
  const inst = getInstitution(getDb());
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  const list = settlementsOn(getDb(), day);
  const byScheme = (clrType: '11' | '21', items: DaySettlement[]): { insutype: string; clrType: '11' | '21'; items: DaySettlement[] }[] => [
    ...[...new Set(items.map((s) => s.insutype))].sort().map((t) => ({ insutype: t, clrType, items: items.filter((s) => s.insutype === t) })),
    { insutype: ALL_INSUTYPES, clrType, items },
  ];
  // 清算类别 apart (national-interface.md 3201 clr_type): the stays as 21 as before, then the visits as
  // 11 — asked every day once the desk settles visits, so a day the platform holds a visit the desk
  // lacks is 不平 too (docs/reconciliation.md "Visits").
  const visits = visitSettlementsOn(getDb(), day);
  const groups = [...byScheme('21', list), ...(visits.length > 0 || desksSettlesVisits(getDb()) ? byScheme('11', visits) : [])];
  const rows: ReconcileRow[] = [];
  const msgids: string[] = [];
  for (const g of groups) {
    const t = totals(g.items);
    const data: Record<string, unknown> = {
      ...(g.insutype !== ALL_INSUTYPES ? { insutype: g.insutype } : {}),
      clr_type: g.clrType, setl_optins: inst.admdvs, stmt_begndate: day, stmt_enddate: day,
      medfee_sumamt: toText(t.medfee), fund_pay_sumamt: toText(t.fund), acct_pay: toText(t.acct), fixmedins_setl_cnt: t.count, refd_setl_flag: '0',
    };
    const env = getDb().transaction((tx) => newEnvelope(tx, { login: opter.login, name: opter.name }, '3201', { data }, undefined, now));
    msgids.push(env.msgid);
    const answer = await ask(client, env);
    rows.push({
      insutype: g.insutype, clrType: g.clrType, localCount: t.count, localMedfee: toText(t.medfee), localFund: toText(t.fund), localAcct: toText(t.acct),
      stmtRslt: answer.stmtRslt, stmtRsltDscr: answer.dscr, differences: differencesOf(g.items),
    });
  }
  const at = now.toISOString();
  const balanced = rows.every((r) => r.stmtRslt === '0');
  getDb().transaction((tx) => {
    insertReconciliationRuns(tx, rows.map((r) => ({
      day, insutype: r.insutype, clrType: r.clrType, localCount: r.localCount, localMedfee: r.localMedfee, localFund: r.localFund, localAcct: r.localAcct,
      stmtRslt: r.stmtRslt, stmtRsltDscr: r.stmtRsltDscr, differences: JSON.stringify(r.differences), at,
    })));
    appendAudit(tx, { clerkId: opter.clerkId, action: 'sync.reconcile', entity: 'reconciliation', entityId: day, detail: { balanced, msgids, count: list.length, visits: visits.length } });
  });
  // 不平: which settlement disagrees is only found with the detail file (3202).
  const detail = balanced ? null : await reconcileDetail(getDb, client, day, opter, { trigger: 'unbalanced', now });
  return { day, at, balanced, rows, detail };
}

export interface ReconciliationDay {
  day: CalendarDate;
  at: string;
  balanced: boolean;
  rows: ReconcileRow[];
  /** The latest 3202 run of the day, if any. */
  detail: DetailRun | null;
}

function rowOf(r: ReconciliationRunRow): ReconcileRow {
  let differences: SettlementDifference[];
  try {
    differences = r.differences ? (JSON.parse(r.differences) as SettlementDifference[]) : [];
  } catch {
    differences = [];
  }
  return {
    insutype: r.insutype, clrType: r.clrType === '11' ? '11' : '21', localCount: r.localCount, localMedfee: r.localMedfee, localFund: r.localFund, localAcct: r.localAcct,
    stmtRslt: r.stmtRslt === '0' ? '0' : '1', stmtRsltDscr: r.stmtRsltDscr, differences,
  };
}

/** The latest run of each day in [from, to], newest day first. */
export function reconciliations(db: Db, from: CalendarDate, to: CalendarDate): ReconciliationDay[] {
  const byDay = new Map<string, ReconciliationDay>();
  const detailRows = latestDetailsBetween(db, from, to);
  const resolutions = resolutionsOf(db, detailRows.map((r) => r.id));
  const details = new Map(detailRows.map((r) => [r.day, detailRunOf(r, resolutions)]));
  for (const r of latestRunsBetween(db, from, to)) {
    const d = byDay.get(r.day) ?? { day: r.day, at: r.at, balanced: true, rows: [], detail: details.get(r.day) ?? null };
    const row = rowOf(r);
    d.rows.push(row);
    d.balanced &&= row.stmtRslt === '0';
    byDay.set(r.day, d);
  }
  // A day reconciled in detail on request only (no 3201 run): a finished detail says whether it
  // is 平; one that failed reconciled nothing (the deadlines still count the day as open).
  for (const [day, detail] of details) {
    if (!byDay.has(day) && detail.error === null) byDay.set(day, { day, at: detail.at, balanced: detail.differences.length === 0, rows: [], detail });
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
}

/** The policy's days for fee-detail upload: in-province real time (0), else detailUploadDays, else 2 (004 第四十二条). */
function uploadDaysFor(insuplc: string, hospital: string, policies: { insuplcAdmdvs: string; body: string }[]): number {
  if (/^\d{6}$/.test(insuplc) && sameProvince(insuplc, hospital)) return 0;
  const pool = /^\d{6}$/.test(insuplc) ? poolingRegionOf(insuplc) : insuplc;
  for (const p of [...policies.filter((x) => x.insuplcAdmdvs === insuplc), ...policies.filter((x) => x.insuplcAdmdvs === pool)]) {
    try {
      const v = (JSON.parse(p.body) as { detailUploadDays?: unknown }).detailUploadDays;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    } catch {
      // An unreadable body gives no parameter.
    }
  }
  return DEFAULT_UPLOAD_DAYS;
}

/** The warnings of DOMAIN §8 as of `now`. */
export function deadlines(db: Db, now: Date = new Date()): DeadlineWarning[] {
  const today = todayCST(now);
  const { from, to } = deadlineWindow(today);
  const reconciled: Record<string, DayOutcome> = {};
  for (const d of reconciliations(db, from, to)) reconciled[d.day] = d.balanced ? 'balanced' : 'unbalanced';
  const hospital = getInstitution(db)?.admdvs ?? '';
  const policies = activePolicyBodies(db);
  const feeUploads: FeeUploadItem[] = outboxItemsOf(db, ['2301']).map((o) => {
    let insuplc: string;
    try {
      insuplc = String((JSON.parse(o.payload) as { insuplc_admdvs?: unknown }).insuplc_admdvs ?? '');
    } catch {
      insuplc = '';
    }
    return { msgid: o.msgid, createdOn: todayCST(new Date(o.createdAt)), status: o.status, uploadDays: uploadDaysFor(insuplc, hospital, policies) };
  });
  return syncDeadlines({ today, settlementDays: from <= to ? [...new Set([...settlementDays(db, from, to), ...visitSettlementDays(db, from, to)])].sort() : [], reconciled, feeUploads });
}


/**
 * Each day the previous day is reconciled without anyone asking (DOMAIN §8): once the agency
 * answers and none of that day's settlements is still waiting in the outbox. A day already
 * reconciled (by a clerk or by this job) is left alone; offline simply waits for the next tick.
 */
export class DailyReconciler extends BackgroundJob {
  constructor(
    private readonly getDb: () => Db,
    private readonly client: () => AgencyClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('[reconcile] 自动对账失败', { intervalMs: 30 * 60_000, firstDelayMs: 120_000 });
  }

  /** The result, or why nothing was done. */
  async runOnce(): Promise<{ done: ReconcileResult } | { detailed: DetailRun } | { skipped: string }> {
    const now = this.now();
    const day = addDays(todayCST(now), -1);
    const db = this.getDb();
    if (hasRunFor(db, day)) {
      // A 不平 day whose detail (3202) did not finish is tried again, once per tick, until it does.
      const last = reconciliations(db, day, day)[0];
      if (last && !last.balanced && last.detail?.error) {
        const detail = await reconcileDetail(this.getDb, this.client(), day, { clerkId: null, login: 'system', name: '系统' }, { trigger: 'unbalanced', now });
        return detail.error === null ? { detailed: detail } : { skipped: `${day} 明细对账仍未完成：${detail.error}` };
      }
      return { skipped: `${day} 已对账` };
    }
    const waiting = settlementsOn(db, day).filter((s) => s.outboxStatus === 'pending').length;
    if (waiting > 0) return { skipped: `${day} 尚有 ${waiting} 笔结算未上传，上传后再对账` };
    try {
      return { done: await reconcileDay(this.getDb, this.client(), day, { clerkId: null, login: 'system', name: '系统' }, now) };
    } catch (e) {
      if (e instanceof ServiceError) return { skipped: e.message };
      throw e;
    }
  }
}
