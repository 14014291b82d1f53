import type { RosterStatusView, rosterApi } from '../../../shared/api/roster.ts';
import type { RosterStatus } from '../../sync/rosterDownload.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';

function view(s: RosterStatus): RosterStatusView {
  return {
    state: s.state,
    running: s.running,
    registrations: s.registrations,
    activeInScope: s.activeInScope,
    run: s.run && { startedAt: s.run.startedAt, pages: s.run.pages, received: s.run.received, total: s.run.total, lastError: s.run.lastError },
    held: s.held && { reason: s.held.reason, at: s.held.at, before: s.held.facts.before ?? 0, after: s.held.facts.after ?? 0 },
    last: s.last && { completedAt: s.last.completedAt, outcome: s.last.outcome, received: s.last.received, applied: s.last.applied, removed: s.last.removed },
  };
}

/** The registration roster download (issue 3 point 3). */
export function rosterHandlers(desk: DeskParts): HandlersFor<keyof typeof rosterApi> {
  return {
    'roster.status': () => view(desk.roster.status()),
    'roster.download': (_input, ctx) => {
      // Runs in the background; the screen polls roster.status for progress.
      desk.roster.download({ clerkId: ctx.session!.clerkId }).catch((e: unknown) => console.error(`[roster] 下载失败：${(e as Error).message}`));
      return view(desk.roster.status());
    },
    'roster.confirmShrink': (_input, ctx) => {
      desk.roster.confirm(ctx.session!.clerkId);
      return view(desk.roster.status());
    },
    'roster.discard': (_input, ctx) => {
      desk.roster.discard(ctx.session!.clerkId);
      return view(desk.roster.status());
    },
  };
}
