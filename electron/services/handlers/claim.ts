import { claimsOfPeriod } from '../../../db/repos/claims.ts';
import type { claimApi } from '../../../shared/api/claim.ts';
import { addPeriods } from '../../../shared/dates.ts';
import { buildSheet, exportSheet } from '../claimExport.ts';
import {
  answerReview,
  claimHistory,
  claimPolicy,
  claimToday,
  claimView,
  deductionViews,
  defaultPeriod,
  deferralViews,
  firstDay,
  gatherClaim,
  hospitalInfo,
  lastDay,
  overview,
  previewOf,
  requestDeferral,
  submitClaim,
  tableSource,
  withdrawClaim,
  type Opter,
} from '../claimService.ts';
import { downloadClearing, lastClearingDownload } from '../claimSync.ts';
import type { CallContext, Desk, HandlersFor } from '../desk.ts';

/** The monthly claim (issue 7): overview, preview, submit / withdraw, deferrals, review results, tables, chart. */
export function claimHandlers(desk: Desk): HandlersFor<keyof typeof claimApi> {
  const opter = (ctx: CallContext): Opter => {
    const s = ctx.session!;
    return { clerkId: s.clerkId, login: s.login, name: s.name };
  };
  const periodOr = (p: string | undefined): string => p ?? defaultPeriod(claimToday(desk));
  return {
    'claim.overview': ({ period }) => ({ ...overview(desk, periodOr(period)), clearingFetchedAt: lastClearingDownload(desk.db)?.completedAt ?? null }),
    'claim.preview': ({ period }) => previewOf(desk.db, gatherClaim(desk.db, period, claimToday(desk))),
    'claim.submit': ({ period, fingerprint }, ctx) => {
      const { claimIds } = submitClaim(desk, period, fingerprint, opter(ctx));
      const claims = claimsOfPeriod(desk.db, period).filter((c) => claimIds.includes(c.id)).map((c) => claimView(desk.db, c));
      return { claimIds, claims };
    },
    'claim.withdraw': ({ claimId, reason }, ctx) => withdrawClaim(desk, claimId, reason, opter(ctx)),
    'claim.refresh': async (_input, ctx) => {
      const outcome = await downloadClearing(() => desk.db, desk.agency(), ctx.session!.clerkId, desk);
      const last = lastClearingDownload(desk.db);
      return {
        status: outcome.status,
        applied: outcome.status === 'applied' ? outcome.last.applied : 0,
        completedAt: last?.completedAt ?? null,
        error: outcome.status === 'interrupted' || outcome.status === 'invalid' ? outcome.error : null,
      };
    },
    'claim.export': async ({ period, table, format }) => {
      const sheet = buildSheet(table, tableSource(desk, period), hospitalInfo(desk.db));
      return exportSheet(sheet, format);
    },
    'claim.history': ({ months }) => claimHistory(desk, months),
    'deferral.request': ({ settlementId, reason }, ctx) => requestDeferral(desk, settlementId, reason, opter(ctx)),
    'deferral.list': ({ period }) => {
      // A period's deferrals and those of the earlier periods it may still carry.
      const p = periodOr(period);
      return deferralViews(desk.db, firstDay(addPeriods(p, -claimPolicy(desk.db).maxDeferralMonths)), lastDay(p));
    },
    'review.list': ({ period }) => deductionViews(desk.db, period ?? null, claimToday(desk)),
    'review.accept': ({ deductionId, note }, ctx) => answerReview(desk, deductionId, 'accept', note === undefined || note === '' ? null : note, opter(ctx)),
    'review.dispute': ({ deductionId, note }, ctx) => answerReview(desk, deductionId, 'dispute', note, opter(ctx)),
  };
}
