import type { Db } from '../../db/open.ts';
import type { CalendarDate } from '../../shared/dates.ts';
import type { AgencyClient } from '../agency/client.ts';
import type { Connectivity } from './connectivity.ts';
import type { AgencyConfig } from '../agency/config.ts';
import type { SecretBox } from '../agency/secrets.ts';
import type { SignInManager } from '../agency/signIn.ts';
import type { OutboxWorker } from '../sync/outboxWorker.ts';
import type { QueueWait } from '../sync/awaitQueue.ts';
import type { ReferenceDownloads } from '../sync/referenceDownloads.ts';
import type { RosterSync } from '../sync/rosterDownload.ts';
import type { RecoveryStatus } from '../../shared/api/recovery.ts';
import type { DeskOptions } from './deskOptions.ts';
import type { Handlers } from './handlers/types.ts';
import type { Sessions } from './sessions.ts';
import type { UploadStore } from './uploads.ts';

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
  /**
   * Sends the queue of one order key now and waits, at most `timeoutMs`, until it is delivered, an
   * item is refused, or the connection fails (a clerk waiting at the desk, issue 14 §1).
   */
  awaitDelivery(orderKey: string, timeoutMs: number): Promise<QueueWait>;
}

/** The clerk on whose behalf a service acts (audit rows and the envelope's opter fields). */
export interface Operator {
  clerkId: number;
  login: string;
  name: string;
}

/**
 * What the API adapters (handlers/, dispatch.ts) reach beyond a service's context: the sessions,
 * the background parts they start or report on, the connection and the database file for
 * recovery. The Desk implements it; adapters type against it, so nothing imports desk.ts but the
 * programs that open a desk.
 */
export interface DeskParts extends ServiceContext {
  readonly options: DeskOptions;
  /** Office mode (issue 18): the window works on the office's PostgreSQL store. */
  readonly inOffice: boolean;
  readonly sessions: Sessions;
  readonly roster: RosterSync;
  readonly reference: ReferenceDownloads;
  readonly uploads: UploadStore;
  readonly agencySignIn: SignInManager;
  readonly syncWorker: OutboxWorker;
  readonly dbFile: string;
  readonly backupDir: string;
  readonly secretBox: SecretBox | null;
  /** Set when the database could not be opened; only the recovery methods work then. */
  broken: RecoveryStatus['broken'];
  readonly handlers: Handlers;
  agencyConfig(): AgencyConfig;
  agencyUrl(): string;
  swapDatabase<T>(swap: (dbFile: string) => T): Promise<T>;
}
