import type { Db } from '../../db/open.ts';
import type { CalendarDate } from '../../shared/dates.ts';
import type { AgencyClient } from '../agency/client.ts';
import type { Connectivity } from './connectivity.ts';

/**
 * What a service needs of the desk, and no more: the database, the agency, the office's calendar
 * day and a nudge for the sync worker. Services type against this, not against Desk (the
 * composition root implements it), so no service can reach another's background jobs.
 */
export interface ServiceContext {
  readonly db: Db;
  agency(): AgencyClient;
  /** The office's calendar day (China Standard Time, or the day a test pinned). */
  today(): CalendarDate;
  /** Tells the outbox worker that a write queued a message: send it now, not at the next poll. */
  notifySync(): void;
  /** Whether the agency answered lately (services that ask it keep it current). */
  readonly connectivity: Connectivity;
  /** An identity check was parked offline: the recheck worker should try it at its next chance. */
  recheckSoon(): void;
}

/** The clerk on whose behalf a service acts (audit rows and the envelope's opter fields). */
export interface Operator {
  clerkId: number;
  login: string;
  name: string;
}
