import {
  countAdmissionsOn, countInHospital, countVisitsBetween, countVisitsOn, fundRowsBetween, outpatientAmountsBetween, settlementAmountsBetween, stayOutcomesBetween, visitSelfPaidBetween,
} from '../../../db/repos/dashboard.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { outboxDepth } from '../../../db/repos/outbox.ts';
import type { Dashboard, dashboardApi, DirectShare } from '../../../shared/api/dashboard.ts';
import { addDays, daysBetween, daysInMonth, formatYmd, monthOf, splitDate, todayCST, type CalendarDate } from '../../../shared/dates.ts';
import { selfPayUploadsOpen } from '../../../db/repos/fullSelfPay.ts';
import { settledAfterDeferral, unansweredRequests } from '../../../db/repos/settlementRequests.ts';
import { OTP_UPLOAD_RULE, UPLOAD_RULE } from '../../../shared/fullSelfPay.ts';
import { otpSelfPayUploadsOpen } from '../../../db/repos/outpatientSelfPay.ts';
import { Decimal, parseAmount, toText, ZERO } from '../../../shared/money.ts';
import { InputError } from '../../../shared/errors.ts';
import { claimAlarms, claimDeadlines } from '../claim/alarms.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';

/** The clearing calendar's reminders (electron/services/claim/alarms.ts); a bad policy value is said, not fatal. */
function claimNotices(desk: DeskParts): Dashboard['deadlines'] {
  try {
    return claimDeadlines(desk);
  } catch (e) {
    if (e instanceof InputError) return [{ date: desk.today(), daysLeft: 0, text: `清算期限无法计算，请主管在“设置”中检查清算政策参数：${e.message}`, level: 'warn' }];
    throw e;
  }
}

function share(direct: number, selfPaid: number): DirectShare {
  return { direct, selfPaid, share: direct + selfPaid === 0 ? null : new Decimal(direct).div(direct + selfPaid).toFixed(4) };
}

/** 门诊 figures (issue 16 §5): today's visits and settlements (a refund counts −1, amounts net), the month's; the share of direct settlement. */
function outpatientFigures(db: Tx, today: string, first: string, last: string): Pick<Dashboard, 'outpatient'> & { visitShare: DirectShare } {
  let n = 0;
  let medfee = ZERO;
  let fund = ZERO;
  let monthN = 0;
  let monthMedfee = ZERO;
  let monthFund = ZERO;
  const settledVisits = new Set<number>();
  for (const r of outpatientAmountsBetween(db, first, last)) {
    const k = r.kind === 'refund' ? -1 : 1;
    if (r.kind === 'settlement') settledVisits.add(r.visitId);
    monthN += k;
    monthMedfee = monthMedfee.plus(parseAmount(r.medfee));
    monthFund = monthFund.plus(parseAmount(r.fund));
    if (r.day === today) {
      n += k;
      medfee = medfee.plus(parseAmount(r.medfee));
      fund = fund.plus(parseAmount(r.fund));
    }
  }
  return {
    outpatient: {
      visitsToday: countVisitsOn(db, today), settlementsToday: n, medfeeToday: toText(medfee), fundToday: toText(fund),
      month: { visits: countVisitsBetween(db, first, last), settlements: monthN, medfee: toText(monthMedfee), fund: toText(monthFund) },
    },
    visitShare: share(settledVisits.size, visitSelfPaidBetween(db, first, last)),
  };
}

/** Home screen figures: today, the queue, what is due, and the month by day and by fund. */
export function dashboardHandlers(desk: DeskParts): HandlersFor<keyof typeof dashboardApi> {
  return {
    'dashboard.get': () => {
      const today = todayCST();
      const db = desk.db;
      const [y, m] = splitDate(today);
      const first = formatYmd(y, m, 1);
      const last = formatYmd(y, m, daysInMonth(y, m));
      const byDay = new Map<string, { settlements: number; medfee: Decimal; fund: Decimal }>();
      for (let d = first; d <= last; d = addDays(d, 1)) byDay.set(d, { settlements: 0, medfee: ZERO, fund: ZERO });
      for (const r of settlementAmountsBetween(db, first, last)) {
        const slot = byDay.get(r.day);
        if (!slot) continue;
        // Reversals carry negative amounts already; they count −1 settlement.
        slot.settlements += r.kind === 'reversal' ? -1 : 1;
        slot.medfee = slot.medfee.plus(parseAmount(r.medfee));
        slot.fund = slot.fund.plus(parseAmount(r.fund));
      }
      const funds = new Map<string, { name: string; amount: Decimal }>();
      for (const f of fundRowsBetween(db, first, last)) {
        const slot = funds.get(f.fundPayType) ?? { name: f.name, amount: ZERO };
        slot.amount = slot.amount.plus(parseAmount(f.amount));
        funds.set(f.fundPayType, slot);
      }
      const todaySlot = byDay.get(today)!;
      const depth = outboxDepth(db);
      const deadlines: Dashboard['deadlines'] = claimNotices(desk);
      // 全额自付 stays: their details and diagnosis go up within 2 days (004 第三十五条(三)).
      for (const u of selfPayUploadsOpen(db)) {
        const left = daysBetween(today, u.row.uploadBy as CalendarDate);
        deadlines.push({
          date: u.row.uploadBy, daysLeft: left, level: left <= 0 ? 'danger' : 'warn',
          text: `${u.iptNo} ${u.psnName} 全额自付：费用明细和诊断信息须于 ${u.row.uploadBy} 前上传（还有 ${u.queued} 条未送达，${UPLOAD_RULE}）`,
        });
      }
      // 全额自付 visits: their details and diagnoses go up within 2 days too (004 第三十六条(三) → 第三十五条(三)).
      for (const u of otpSelfPayUploadsOpen(db)) {
        const left = daysBetween(today, u.row.uploadBy as CalendarDate);
        deadlines.push({
          date: u.row.uploadBy, daysLeft: left, level: left <= 0 ? 'danger' : 'warn',
          text: `门诊 ${u.otpNo} ${u.psnName} 全额自付：费用明细和诊断信息须于 ${u.row.uploadBy} 前上传（还有 ${u.queued} 条未送达，${OTP_UPLOAD_RULE}）`,
        });
      }
      // Discharged offline, settled by the insured region since: the patient is to be called back (issue 14 §2).
      const later = settledAfterDeferral(db);
      if (later.length > 0) {
        deadlines.unshift({ date: today, daysLeft: 0, level: 'warn', text: `${later.length} 位出院待结算的患者已在联网后完成参保地结算：请在“结算”（F4）中打印结算单并通知患者结清（${later.slice(0, 3).map((x) => `${x.iptNo} ${x.psnName}`).join('、')}${later.length > 3 ? ' 等' : ''}）` });
      }
      const waiting = unansweredRequests(db).length;
      if (waiting > 0) deadlines.unshift({ date: today, daysLeft: 0, level: 'info', text: `${waiting} 位患者待联网结算（已提交参保地、尚无结果），见“结算”（F4）` });
      if (depth.rejected > 0) deadlines.unshift({ date: today, daysLeft: 0, text: `有 ${depth.rejected} 条上传被经办机构退回，请到“同步”查看原因并处理`, level: 'danger' });
      // ── Monthly claim (issue 7, electron/services/claim/alarms.ts): the loud last-day warning
      // while items of the period are not declared, and review deductions waiting for an answer.
      for (const a of claimAlarms(desk).reverse()) deadlines.unshift({ date: today, daysLeft: 0, text: a.text, level: a.level });
      // ── end of the monthly claim block
      const otp = outpatientFigures(db, today, first, last);
      const stays = stayOutcomesBetween(db, first, last);
      return {
        today,
        outpatient: otp.outpatient,
        directShare: { period: monthOf(today), stays: share(stays.direct, stays.selfPaid), visits: otp.visitShare },
        admissionsToday: countAdmissionsOn(db, today),
        inHospital: countInHospital(db),
        settlementsToday: todaySlot.settlements,
        medfeeToday: toText(todaySlot.medfee),
        fundToday: toText(todaySlot.fund),
        outboxPending: depth.pending,
        outboxRejected: depth.rejected,
        deadlines,
        month: {
          period: monthOf(today),
          days: [...byDay.entries()].map(([day, v]) => ({ day, settlements: v.settlements, medfee: toText(v.medfee), fund: toText(v.fund) })),
          byFund: [...funds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([fundPayType, v]) => ({ fundPayType, name: v.name, amount: toText(v.amount) })),
        },
      };
    },
  };
}
