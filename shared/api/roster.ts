import { z } from 'zod';
import { empty, method } from './contract.ts';

/** The registration roster download as the sync screen and the identity screen show it. */
export interface RosterStatusView {
  state: 'idle' | 'downloading' | 'held';
  running: boolean;
  /** Rows in the local roster (all destinations, incl. those learnt from person queries). */
  registrations: number;
  /** Active registrations to this hospital's county, city or province. */
  activeInScope: number;
  run: { startedAt: string; pages: number; received: number; total: number | null; lastError: string | null } | null;
  held: { reason: string; at: string; before: number; after: number } | null;
  last: { completedAt: string; outcome: 'applied' | 'discarded'; received: number; applied: number; removed: number } | null;
}

export const rosterApi = {
  'roster.status': method<RosterStatusView>()(empty, 'clerk'),
  /** Starts (or joins) a download in the background and answers at once. */
  'roster.download': method<RosterStatusView>()(empty, 'clerk'),
  /** A held download (fail-safe) applied as it is, after a supervisor checked it. */
  'roster.confirmShrink': method<RosterStatusView>()(z.strictObject({ confirm: z.literal(true, { error: '请确认应用本次下载' }) }), 'supervisor'),
  'roster.discard': method<RosterStatusView>()(empty, 'supervisor'),
} as const;
