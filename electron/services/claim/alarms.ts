import {
  claimsOfPeriod,
  LIVE_CLAIM_STATUSES,
  openDisputes,
  unansweredDeductionCount
} from '../../../db/repos/claims.ts';
import type {
  ClaimLineView as LineView,
  ClaimOverview as OverviewView
} from '../../../shared/api/claim.ts';
import {
  claimCalendar,
  dueNotices
} from '../../../shared/claim.ts';
import { addPeriods, daysBetween, monthOf, type CalendarDate } from '../../../shared/dates.ts';
import { InputError } from '../../../shared/errors.ts';
import { Decimal, formatYuan, parseAmount, toText, ZERO } from '../../../shared/money.ts';
import { reviewCutoffOf } from '../../../shared/reviewDisputes.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { lastClearingDownload } from './clearing.ts';
import { gatherClaim } from './gather.ts';
import { claimPolicy, defaultPeriod } from './policy.ts';
import { claimView, lineView, previewOf } from './views.ts';

/** The claim screen's overview and the home screen's claim warnings. */

// ─── Overview ───────────────────────────────────────────────────────────────────────────────

export function overview(ctx: ServiceContext, period: string): OverviewView {
  const db = ctx.db;
  const today = ctx.today();
  const g = gatherClaim(db, period, today);
  const calendar = claimCalendar(period, g.policy);
  const claims = claimsOfPeriod(db, period).map((c) => claimView(db, c, today));
  const live = claims.filter((c) => LIVE_CLAIM_STATUSES.includes(c.status));
  const preview = previewOf(db, g);
  const windowOpen = g.result.windowOpen;
  return {
    period,
    today,
    policy: g.policy,
    calendar,
    windowOpen,
    windowDaysLeft: windowOpen ? daysBetween(today, calendar.windowCloses) : null,
    notices: dueNotices(today, g.policy),
    claims,
    declared: {
      count: live.reduce((n, c) => n + c.itemCount, 0),
      medfee: toText(live.reduce((a, c) => a.plus(parseAmount(c.medfee_sumamt)), ZERO)),
      fund: toText(live.reduce((a, c) => a.plus(parseAmount(c.fund_appy_sum)), ZERO)),
    },
    preview,
    lastDayAlarm: lastDayAlarm(period, today, calendar.windowCloses, preview.itemCount, preview.lines),
    unansweredDeductions: unansweredDeductionCount(db),
    clearingFetchedAt: lastClearingDownload(db)?.completedAt ?? null,
  };
}

function lastDayAlarm(period: string, today: CalendarDate, closes: CalendarDate, count: number, lines: readonly LineView[]): string | null {
  if (today !== closes || count === 0) return null;
  const fund = lines.reduce((a, l) => a.plus(parseAmount(l.fund_appy_sum)), ZERO);
  return `【今日截止】今天（${today}）是 ${period} 期清算申报的最后一天，还有 ${count} 笔结算（基金 ${formatYuan(fund)} 元）未申报。请主管今天在“月度申报”（F6）提交申报；不能申报的须今天提交延期说明，否则费用由医院自行承担（004 第四十九条）`;
}

export interface ClaimDeadline {
  date: CalendarDate;
  daysLeft: number;
  text: string;
  level: 'danger' | 'warn' | 'info';
}

/** Settlements of a period not declared yet (what its window's closing is about). */
function undeclaredCount(ctx: ServiceContext, period: string, today: CalendarDate): number {
  return gatherClaim(ctx.db, period, today).result.claims.reduce((n, c) => n + c.settlementIds.length, 0);
}

/**
 * The clearing calendar's reminders for the home screen (004 第四十九条–第五十一条), one message per
 * problem (issue 20 point 7): a closing window with nothing left to declare is information, not a
 * red alarm; on its last day with items left, the loud alarm of claimAlarms says it, not this too.
 */
export function claimDeadlines(ctx: ServiceContext): ClaimDeadline[] {
  const today = ctx.today();
  const out: ClaimDeadline[] = [];
  for (const n of dueNotices(today, claimPolicy(ctx.db))) {
    let level: ClaimDeadline['level'] = n.daysLeft === 0 ? 'danger' : n.daysLeft <= 2 ? 'warn' : 'info';
    let text = n.text;
    if (n.kind === 'windowCloses' && n.daysLeft <= 2) {
      if (undeclaredCount(ctx, n.period, today) === 0) {
        level = 'info';
        text = `${text}。本期已没有待申报的结算`;
      } else if (n.daysLeft === 0) {
        continue;
      }
    }
    out.push({ date: n.date, daysLeft: n.daysLeft, text, level });
  }
  return out;
}

/**
 * The home screen's loud warning (issue 7 point 2): on the last day of the window of the
 * period under way, when items of it are still not declared.
 */
export function claimAlarms(ctx: ServiceContext): { text: string; level: 'danger' | 'warn' }[] {
  try {
    return alarmsOf(ctx);
  } catch (e) {
    // The home screen must still open; say what stops the check instead.
    if (e instanceof ServiceError || e instanceof InputError) return [{ text: `月度申报检查未能完成：${e.message}`, level: 'warn' }];
    throw e;
  }
}

function alarmsOf(ctx: ServiceContext): { text: string; level: 'danger' | 'warn' }[] {
  const db = ctx.db;
  const today = ctx.today();
  const out: { text: string; level: 'danger' | 'warn' }[] = [];
  const period = defaultPeriod(today);
  const policy = claimPolicy(db);
  const closes = claimCalendar(period, policy).windowCloses;
  if (today === closes) {
    const g = gatherClaim(db, period, today);
    const count = g.result.claims.reduce((n, c) => n + c.settlementIds.length, 0);
    const alarm = lastDayAlarm(period, today, closes, count, g.result.claims.map((l) => lineView(g, l, [], new Map())));
    if (alarm) out.push({ text: alarm, level: 'danger' });
  }
  // Exact sums per period (Decimal), never SQL floating point.
  const disputes = new Map<string, { setlym: string; n: number; amount: Decimal }>();
  for (const r of openDisputes(db)) {
    const g = disputes.get(r.setlym) ?? { setlym: r.setlym, n: 0, amount: ZERO };
    disputes.set(r.setlym, { ...g, n: g.n + 1, amount: g.amount.plus(parseAmount(r.amount)) });
  }
  for (const d of disputes.values()) {
    const cutoff = reviewCutoffOf(d.setlym, policy);
    const next = reviewCutoffOf(addPeriods(d.setlym, 1), policy);
    const left = daysBetween(today, today <= cutoff ? cutoff : next);
    if (left < 0) continue;
    const text = today <= cutoff
      ? `${d.setlym} 期有 ${d.n} 笔审核扣款（${formatYuan(d.amount)} 元）已提出异议、尚待经办机构答复：${cutoff} 前达成一致的纳入本期清算（还有 ${left} 天），否则最长延至下一期（004 第五十条）`
      : `${d.setlym} 期有 ${d.n} 笔审核扣款异议未在 ${cutoff} 前达成一致，已延至下一期：须在 ${next} 前达成一致（还有 ${left} 天），逾期扣款维持（004 第五十条）`;
    out.push({ text, level: left <= 2 ? 'danger' : 'warn' });
  }
  const open = unansweredDeductionCount(db);
  if (open > 0) out.push({ text: `经办机构下发了 ${open} 笔审核扣款待处理：请在“月度申报”（F6）中认可或提出异议；有异议的须在 ${claimCalendar(addPeriods(monthOf(today), -1), policy).reviewCutoff} 前达成一致方可纳入本期清算（004 第五十条）`, level: 'warn' });
  return out;
}
