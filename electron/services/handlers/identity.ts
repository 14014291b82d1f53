import { appendAudit } from '../../../db/repos/audit.ts';
import { acknowledgeCheck, findIdentityCheck, recentChecksWithoutAdmission, unacknowledgedChanges } from '../../../db/repos/identityChecks.ts';
import type { identityApi } from '../../../shared/api/identity.ts';
import { maskId } from '../../../shared/citizenId.ts';
import { todayCST } from '../../../shared/dates.ts';
import type { DeskParts } from '../context.ts';
import type { CallContext, HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';
import { checkIdentity } from '../identity/checkIdentity.ts';
import { recheckIdentity } from '../identity/recheck.ts';
import { checkView, historyOf, identityResult } from '../identity/views.ts';

function operator(ctx: CallContext) {
  const s = ctx.session!;
  return { clerkId: s.clerkId, login: s.login, name: s.name };
}

/** Identity check and registration eligibility (issue 3). */
export function identityHandlers(desk: DeskParts): HandlersFor<keyof typeof identityApi> {
  return {
    'identity.check': (input, ctx) => checkIdentity(desk, input, operator(ctx)),
    'identity.show': ({ checkId }) => identityResult(desk.db, checkId),
    'identity.history': ({ personId }) => historyOf(desk.db, personId),
    'identity.recheck': (input, ctx) => recheckIdentity(desk, input.checkId, { ...operator(ctx), manual: true }),
    'identity.acknowledge': ({ checkId }, ctx) => {
      const clerkId = ctx.session!.clerkId;
      return desk.db.transaction((tx) => {
        const c = findIdentityCheck(tx, checkId);
        if (!c) throw new ServiceError('NOT_FOUND', `找不到核验记录 ${checkId}`, 'checkId');
        if (!acknowledgeCheck(tx, checkId, new Date().toISOString())) {
          throw new ServiceError('NOT_PENDING', c.changed ? '该变化已由他人确认' : '该核验记录的结论没有变化，无需确认', 'checkId');
        }
        appendAudit(tx, { clerkId, action: 'identity.acknowledge', entity: 'identity_check', entityId: checkId });
        return checkView(tx, findIdentityCheck(tx, checkId)!);
      });
    },
    'identity.recent': () => {
      // Midnight in China Standard Time, as the ISO instant the check rows carry.
      const since = new Date(`${todayCST()}T00:00:00+08:00`).toISOString();
      return recentChecksWithoutAdmission(desk.db, since).map((r) => ({ personId: r.check.personId, name: r.psnName, certnoMasked: maskId(r.certno), check: checkView(desk.db, r.check) }));
    },
    'identity.changes': () =>
      unacknowledgedChanges(desk.db).map((r) => ({
        personId: r.check.personId,
        name: r.psnName,
        certnoMasked: maskId(r.certno),
        check: checkView(desk.db, r.check),
        previous: r.check.recheckOf === null ? null : (() => {
          const p = findIdentityCheck(desk.db, r.check.recheckOf);
          return p ? checkView(desk.db, p) : null;
        })(),
      })),
  };
}
