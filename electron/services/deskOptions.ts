import type { Migration } from '../../db/migrate.ts';
import type { OfficeTarget } from '../../db/pg/openOffice.ts';
import type { SecretBox } from '../agency/secrets.ts';
import type { OutboxWorkerOptions } from '../sync/outboxWorker.ts';

/** How a desk is opened: by the app, the local host, the CLI and the tests (electron/services/desk.ts). */
export interface DeskOptions {
  dataDir: string;
  /**
   * The office store (issue 18, docs/office.md): this window reads and writes the office's
   * PostgreSQL database instead of its own SQLite file. Set from YIDI_DB_URL or the settings.
   */
  office?: OfficeTarget | null;
  /** Load the demo set into a new, empty database. */
  demo?: boolean;
  /** With the demo: last month's settled stays too (electron/services/demo/demoHistory.ts), for `npm start`. */
  demoHistory?: boolean;
  /** The gateway (tests, the demo): overrides the setting, not the environment (docs/agency.md). */
  agencyUrl?: string;
  /** The desk extensions' shared key (and, unless set otherwise, the tif token). */
  agencyKey?: string;
  /**
   * The desk extensions' URL. Default with `agencyUrl`: that agency's `/desk-ext` (the reference
   * agency serves both); null = no extensions. Without `agencyUrl`: the setting / environment.
   */
  agencyExtUrl?: string | null;
  /** Electron safeStorage in the desktop app: secrets are encrypted at rest. */
  secretBox?: SecretBox | null;
  idleMinutes?: number;
  lockoutAttempts?: number;
  lockoutMinutes?: number;
  /** The migrations to apply; default: those beside db/migrate.ts. */
  migrations?: Migration[];
  /** Whole-exchange timeout of agency requests; default 10 s. */
  agencyTimeoutMs?: number;
  /** The clock a sign-in's age is measured with (electron/agency/signIn.ts); default the machine's. Tests pin it. */
  signInClock?: () => Date;
  /** Sync worker tuning (tests: short backoffs); the defaults suit an office. */
  sync?: Partial<Omit<OutboxWorkerOptions, 'db' | 'client' | 'connectivity'>>;
  /** How often the clearing download (review results, deferral decisions) runs in the background; default 10 min, first after 45 s. */
  clearing?: { intervalMs?: number; firstDelayMs?: number };
}
