import { claimsOfPeriod } from '../../../db/repos/claims.ts';
import type { claimApi } from '../../../shared/api/claim.ts';
import { addPeriods } from '../../../shared/dates.ts';
import { lastClearingDownload, type ClearingRefresher } from '../claim/clearing.ts';
import { answerReview, requestDeferral, submitClaim, withdrawClaim } from '../claim/commands.ts';
import { buildSheet, exportSheet } from '../claim/export.ts';
import { gatherClaim } from '../claim/gather.ts';
import { overview } from '../claim/alarms.ts';
import { claimPolicy, defaultPeriod } from '../claim/policy.ts';
import { firstDayOf, lastDayOf } from '../../../shared/claim.ts';
import { claimHistory, hospitalInfo, tableSource } from '../claim/tables.ts';
import { claimView, deductionViews, deferralViews, previewOf } from '../claim/views.ts';
import type { Operator, ServiceContext } from '../context.ts';
import type { CallContext, HandlersFor } from './types.ts';

/** The monthly claim (issue 7): overview, preview, submit / withdraw, deferrals, review results, tables, chart. */
export function claimHandlers(ctx: ServiceContext, clearing: Pick<ClearingRefresher, 'download'>): HandlersFor<keyof typeof claimApi> {
  const opter = (call: CallContext): Operator => {
    const s = call.session!;
    return { clerkId: s.clerkId, login: s.login, name: s.name };
  };
  const periodOr = (p: string | undefined): string => p ?? defaultPeriod(ctx.today());
  return {
    'claim.overview': ({ period }) => overview(ctx, periodOr(period)),
    'claim.preview': ({ period }) => previewOf(ctx.db, gatherClaim(ctx.db, period, ctx.today())),
    'claim.submit': ({ period, fingerprint }, call) => {
      const { claimIds } = submitClaim(ctx, period, fingerprint, opter(call));
      const claims = claimsOfPeriod(ctx.db, period).filter((c) => claimIds.includes(c.id)).map((c) => claimView(ctx.db, c, ctx.today()));
      return { claimIds, claims };
    },
    'claim.withdraw': ({ claimId, reason }, call) => withdrawClaim(ctx, claimId, reason, opter(call)),
    'claim.refresh': async (_input, call) => {
      const outcome = await clearing.download(call.session!.clerkId);
      const last = lastClearingDownload(ctx.db);
      return {
        status: outcome.status,
        applied: outcome.status === 'applied' ? outcome.last.applied : 0,
        completedAt: last?.completedAt ?? null,
        error: outcome.status === 'interrupted' || outcome.status === 'invalid' ? outcome.error : null,
      };
    },
    'claim.export': async ({ period, table, format }) => {
      const sheet = buildSheet(table, tableSource(ctx, period), hospitalInfo(ctx.db));
      return exportSheet(sheet, format);
    },
    'claim.history': ({ months }) => claimHistory(ctx, months),
    'deferral.request': ({ settlementId, reason }, call) => requestDeferral(ctx, settlementId, reason, opter(call)),
    'deferral.list': ({ period }) => {
      // A period's deferrals and those of the earlier periods it may still carry.
      const p = periodOr(period);
      return deferralViews(ctx.db, firstDayOf(addPeriods(p, -claimPolicy(ctx.db).maxDeferralMonths)), lastDayOf(p));
    },
    'review.list': ({ period }) => deductionViews(ctx.db, period ?? null, ctx.today()),
    'review.accept': ({ deductionId, note }, call) => answerReview(ctx, deductionId, 'accept', note === undefined || note === '' ? null : note, opter(call)),
    'review.dispute': ({ deductionId, note }, call) => answerReview(ctx, deductionId, 'dispute', note, opter(call)),
  };
}
