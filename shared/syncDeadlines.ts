import { addDays, addPeriods, daysBetween, monthOf, type CalendarDate } from './dates.ts';

/**
 * The sync deadlines the desk warns about (DOMAIN §8), as pure rules over what the desk knows:
 * - daily reconciliation, and the previous month reconciled by the 3rd
 *   (004 第四十一条; 001 规程 第二十九条);
 * - fee details of a direct settlement uploaded within the policy's days — 2 cross-province,
 *   real time (same day) in-province (004 第四十二条; the 2016 rule said 5: 001 规程 第三十条).
 */

export const RECONCILE_RULE = '004 第四十一条；001 规程 第二十九条';
export const UPLOAD_RULE = '004 第四十二条';
/** Day of the month by which the previous month must be reconciled. */
export const RECONCILE_BY_DAY = 3;
export const DEFAULT_UPLOAD_DAYS = 2;

export type DayOutcome = 'balanced' | 'unbalanced';

export interface FeeUploadItem {
  msgid: string;
  /** When the 2301 was written (CST date). */
  createdOn: CalendarDate;
  status: 'pending' | 'rejected';
  /** The policy's detailUploadDays (0 = same day). */
  uploadDays: number;
}

export interface DeadlineInput {
  today: CalendarDate;
  /** Days with local settlements (or reversals), from the 1st of the previous month to yesterday. */
  settlementDays: readonly CalendarDate[];
  /** The latest reconciliation outcome per day. */
  reconciled: Readonly<Record<CalendarDate, DayOutcome>>;
  feeUploads: readonly FeeUploadItem[];
}

export interface DeadlineWarning {
  level: 'info' | 'warning' | 'overdue';
  code: 'RECONCILE_PREVIOUS_MONTH' | 'RECONCILE_UNBALANCED' | 'RECONCILE_DAILY' | 'FEE_UPLOAD_OVERDUE' | 'FEE_UPLOAD_DUE';
  message: string;
  /** The date the obligation falls due, when there is one. */
  due: CalendarDate | null;
  /** The days or msgids concerned. */
  items: string[];
  rule: string;
}

function md(date: CalendarDate): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

function monthLabel(period: string): string {
  return `${period.slice(0, 4)}年${Number(period.slice(5, 7))}月`;
}

function list(days: readonly string[]): string {
  const shown = days.slice(0, 6).map(md).join('、');
  return days.length > 6 ? `${shown} 等 ${days.length} 天` : shown;
}

export function syncDeadlines(input: DeadlineInput): DeadlineWarning[] {
  const out: DeadlineWarning[] = [];
  const { today } = input;
  const thisMonth = monthOf(today);
  const previous = addPeriods(thisMonth, -1);
  const due = `${thisMonth}-${String(RECONCILE_BY_DAY).padStart(2, '0')}`;
  const days = [...new Set(input.settlementDays)].filter((d) => d < today).sort();

  const unbalanced = days.filter((d) => input.reconciled[d] === 'unbalanced');
  if (unbalanced.length > 0) {
    out.push({
      level: 'warning', code: 'RECONCILE_UNBALANCED', due: null, items: unbalanced, rule: RECONCILE_RULE,
      message: `对账不平：${list(unbalanced)}，请逐笔核查差异并与经办机构沟通（差异应查明，不得直接覆盖）`,
    });
  }

  const prevOpen = days.filter((d) => monthOf(d) === previous && input.reconciled[d] !== 'balanced');
  if (prevOpen.length > 0) {
    const late = today > due;
    out.push({
      level: late ? 'overdue' : 'warning', code: 'RECONCILE_PREVIOUS_MONTH', due, items: prevOpen, rule: RECONCILE_RULE,
      message: late
        ? `已逾期：上月（${monthLabel(previous)}）应于 ${md(due)} 前完成对账，仍有 ${list(prevOpen)} 未对平`
        : `上月（${monthLabel(previous)}）须于 ${md(due)} 前完成对账，尚有 ${list(prevOpen)} 未对平（还剩 ${daysBetween(today, due)} 天）`,
    });
  }

  const currentOpen = days.filter((d) => monthOf(d) === thisMonth && input.reconciled[d] === undefined);
  if (currentOpen.length > 0) {
    out.push({
      level: 'info', code: 'RECONCILE_DAILY', due: null, items: currentOpen, rule: RECONCILE_RULE,
      message: `本月 ${list(currentOpen)} 的结算尚未对账（每日对前一日的结算）`,
    });
  }

  const overdue: FeeUploadItem[] = [];
  const dueSoon: FeeUploadItem[] = [];
  for (const f of input.feeUploads) {
    const last = addDays(f.createdOn, f.uploadDays);
    if (today > last) overdue.push(f);
    else if (daysBetween(today, last) <= 1) dueSoon.push(f);
  }
  const earliest = (items: FeeUploadItem[]) => items.map((f) => addDays(f.createdOn, f.uploadDays)).sort()[0] ?? null;
  if (overdue.length > 0) {
    const rejected = overdue.filter((f) => f.status === 'rejected').length;
    out.push({
      level: 'overdue', code: 'FEE_UPLOAD_OVERDUE', due: earliest(overdue), items: overdue.map((f) => f.msgid), rule: UPLOAD_RULE,
      message: `有 ${overdue.length} 批费用明细已超过上传期限仍未上传（最早一批最迟应于 ${md(earliest(overdue)!)} 上传）${rejected > 0 ? `，其中 ${rejected} 批被经办机构拒绝，请处理后重新发送` : '，请检查网络连接'}`,
    });
  }
  if (dueSoon.length > 0) {
    out.push({
      level: 'warning', code: 'FEE_UPLOAD_DUE', due: earliest(dueSoon), items: dueSoon.map((f) => f.msgid), rule: UPLOAD_RULE,
      message: `有 ${dueSoon.length} 批费用明细最迟须于 ${md(earliest(dueSoon)!)} 上传（${Math.min(...dueSoon.map((f) => f.uploadDays)) === 0 ? '省内异地就医费用明细应实时上传' : `跨省异地就医费用明细应在 ${Math.min(...dueSoon.map((f) => f.uploadDays))} 日内上传`}）`,
    });
  }
  const order = { overdue: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => order[a.level] - order[b.level]);
}

/** The window of days `syncDeadlines` needs settlements and reconciliations for. */
export function deadlineWindow(today: CalendarDate): { from: CalendarDate; to: CalendarDate } {
  return { from: `${addPeriods(monthOf(today), -1)}-01`, to: addDays(today, -1) };
}
