import { join } from 'node:path';
import { openDatabase, type Db } from '../../db/open.ts';
import { officeSenderLock, openOfficeDatabase } from '../../db/pg/openOffice.ts';
import type { SenderLock } from '../../db/pg/senderLock.ts';
import type { Method } from '../../shared/api/index.ts';
import { Connectivity } from './connectivity.ts';
import { BackupScheduler } from './backupScheduler.ts';
import { agencyClient, agencyConfig, allocateMsgid, newEnvelope, type AgencyLinkOptions } from './agencyLink.ts';
import type { AgencyClient } from '../agency/client.ts';
import type { AgencyConfig } from '../agency/config.ts';
import type { SecretBox } from '../agency/secrets.ts';
import { SignInManager } from '../agency/signIn.ts';
import { ServiceError } from './errors.ts';
import { Sessions } from './sessions.ts';
import { admissionHandlers } from './handlers/admission.ts';
import { coreHandlers } from './handlers/core.ts';
import { identityHandlers } from './handlers/identity.ts';
import { rosterHandlers } from './handlers/roster.ts';
import { RecheckWorker } from './identity/recheckWorker.ts';
import { RosterSync } from '../sync/rosterDownload.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { dashboardHandlers } from './handlers/dashboard.ts';
import { claimHandlers } from './handlers/claim.ts';
import { describeOpenFailure, recoveryHandlers } from './handlers/recovery.ts';
import type { RecoveryStatus } from '../../shared/api/recovery.ts';
import { settlementHandlers } from './handlers/settlement.ts';
import { DEMO_AGENCY_KEY } from './demo/demoData.ts';
import { loadDemoData, upgradeDemoSecret } from './demo/loadDemo.ts';
import { OutboxWorker } from '../sync/outboxWorker.ts';
import { awaitQueue, type QueueWait } from '../sync/awaitQueue.ts';
import { ReferenceDownloads } from '../sync/referenceDownloads.ts';
import { syncHandlers } from './handlers/sync.ts';
import { agencyConnectionHandlers } from './handlers/agencyConnection.ts';
import { officeStoreHandlers } from './handlers/officeStore.ts';
import { DailyReconciler } from '../sync/reconcile.ts';
import { ClearingRefresher } from './claim/clearing.ts';
import { registerClaimResults } from './claim/results.ts';
import { registerAdmissionSync } from './admissionSync.ts';
import { registerSettlementSync } from './settlementSync.ts';
import { registerOutpatientSync } from './outpatient/sync.ts';
import { outpatientHandlers } from './handlers/outpatient.ts';
import type { DeskParts } from './context.ts';
import type { DeskOptions } from './deskOptions.ts';
import type { CallContext, Handlers, HandlersFor } from './handlers/types.ts';
import { UploadStore } from './uploads.ts';
import { todayCST, type CalendarDate } from '../../shared/dates.ts';

export type { DeskOptions } from './deskOptions.ts';
export type { CallContext, Handler, Handlers, HandlersFor } from './handlers/types.ts';

/**
 * The desk's services without Electron: the same object serves the Electron IPC handlers, the
 * local HTTP host and the tests. It owns the database handle so a restore can swap it.
 */
export class Desk implements DeskParts {
  readonly sessions: Sessions;
  readonly connectivity: Connectivity;
  /** Re-checks offline (provisional) identity checks once the agency answers again (issue 3). */
  readonly rechecks: RecheckWorker;
  /** The registration roster download for offline checks (issue 3). */
  readonly roster: RosterSync;
  readonly backups: BackupScheduler;
  readonly dbFile: string;
  readonly backupDir: string;
  /** Large files sent as raw bytes before the call that uses them (issue 21 point 5). */
  readonly uploads: UploadStore;
  private current: Db | undefined;
  /** Set when the database could not be opened; only the recovery methods work then. */
  broken: RecoveryStatus['broken'] = null;
  private worker: OutboxWorker | undefined;
  /** Office mode: this window's hold on the office's one-sender lock (created on first use). */
  private senderLock: SenderLock | null = null;
  /** Catalogue and policy downloads (issue 6). */
  readonly reference: ReferenceDownloads;
  /** Reconciles the previous day by itself once it can (issue 6). */
  readonly dailyReconcile: DailyReconciler;
  /** Fetches the agency's clearing decisions (claim states, deferrals, deductions) by itself (issue 7). */
  readonly clearing: ClearingRefresher;
  /** The operators' 9001 sign-ins (docs/agency.md). */
  readonly agencySignIn: SignInManager;

  private constructor(readonly options: DeskOptions) {
    // The outbox hooks of each domain, plugged in here where the desk is assembled (issue 12 point 2).
    registerAdmissionSync();
    registerSettlementSync();
    registerOutpatientSync();
    registerClaimResults();
    this.dbFile = join(options.dataDir, 'desk.sqlite');
    this.backupDir = join(options.dataDir, 'backups');
    this.uploads = new UploadStore(join(options.dataDir, 'uploads'));
    this.sessions = new Sessions(options.idleMinutes ?? 15);
    this.connectivity = new Connectivity(() => this.agency().ping());
    this.reference = new ReferenceDownloads(() => this.db, () => this.agency());
    this.dailyReconcile = new DailyReconciler(() => this.db, () => this.agency());
    // One object, so the screen's 获取审核结果 and the background run share one download.
    this.clearing = new ClearingRefresher(() => this.db, () => this.agency(), () => this.connectivity.online, () => this.today());
    this.rechecks = new RecheckWorker(this);
    this.roster = new RosterSync(() => this.db, () => this.agency());
    this.backups = new BackupScheduler(() => this.db, this.backupDir);
    this.agencySignIn = new SignInManager({
      db: () => this.db,
      client: () => this.agency(false),
      envelope: (db, opter, infno, input) => db.transaction((tx) => newEnvelope(tx, opter, infno, input)),
      maxAgeMs: () => this.agencyConfig().signInMaxAgeMin * 60_000,
      now: options.signInClock,
    });
  }

  static async open(options: DeskOptions): Promise<Desk> {
    const desk = new Desk(options);
    desk.current = options.office
      ? await openOfficeDatabase(options.office)
      : await openDatabase(desk.dbFile, { backupDir: desk.backupDir, migrations: options.migrations });
    if (options.demo && !(await loadDemoData(desk.db, { url: options.agencyUrl ?? 'http://127.0.0.1:18090', key: options.agencyKey ?? DEMO_AGENCY_KEY }, { history: options.demoHistory === true }))) upgradeDemoSecret(desk.db);
    return desk;
  }

  /**
   * Like open, but a database that is corrupt or too new does not stop the program: the desk
   * starts in recovery mode, says why, and offers the backups (a clear message and a way out).
   */
  static async openOrRecover(options: DeskOptions): Promise<Desk> {
    try {
      return await Desk.open(options);
    } catch (e) {
      const desk = new Desk(options);
      desk.broken = describeOpenFailure(e, desk.dbFile);
      return desk;
    }
  }

  get db(): Db {
    if (this.broken) throw new ServiceError('DB_BROKEN', this.broken.message);
    if (!this.current) throw new ServiceError('DB_CLOSED', '数据库未打开');
    return this.current;
  }

  private clock: (() => CalendarDate) | null = null;

  /** The office's calendar day: today in China Standard Time, unless a test pinned it (setClock). */
  today(): CalendarDate {
    return this.clock?.() ?? todayCST();
  }

  /**
   * Pins the calendar day the services see (tests and the e2e journey walk a month's clearing in
   * minutes); null goes back to today in China Standard Time.
   */
  setClock(today: (() => CalendarDate) | null): void {
    this.clock = today;
  }

  notifySync(): void {
    this.syncWorker.notify();
  }

  awaitDelivery(orderKey: string, timeoutMs: number): Promise<QueueWait> {
    return awaitQueue(this.syncWorker, () => this.db, this.connectivity, orderKey, { timeoutMs });
  }

  recheckSoon(): void {
    this.rechecks.kick();
  }

  /** Office mode (issue 18): this window works on the office's PostgreSQL store, not a file of its own. */
  get inOffice(): boolean {
    return Boolean(this.options.office);
  }

  get secretBox(): SecretBox | null {
    return this.options.secretBox ?? null;
  }

  private linkOptions(): AgencyLinkOptions {
    const o = this.options;
    const extUrl = o.agencyExtUrl !== undefined ? o.agencyExtUrl : o.agencyUrl !== undefined ? `${o.agencyUrl.replace(/\/+$/, '')}/desk-ext` : undefined;
    return { overrides: { url: o.agencyUrl, extUrl, extKey: o.agencyKey, timeoutMs: o.agencyTimeoutMs }, secretBox: this.secretBox };
  }

  /** The connection as configured now: environment over desk options over settings. */
  agencyConfig(): AgencyConfig {
    return agencyConfig(this.db, this.linkOptions());
  }

  /** A client for the agency as currently configured (settings may change while running); signed in per operator unless `signedIn` is false. */
  agency(signedIn = true): AgencyClient {
    return agencyClient(this.db, { ...this.linkOptions(), signIn: signedIn ? this.agencySignIn : null });
  }

  agencyUrl(): string {
    return this.agencyConfig().url;
  }

  /** The outbox worker (created on first use; `startSync` runs its loop). */
  get syncWorker(): OutboxWorker {
    this.worker ??= new OutboxWorker({
      db: () => this.db,
      client: () => this.agency(),
      connectivity: this.connectivity,
      newEnvelope: (tx, opter, infno, input, insuplcAdmdvs) => newEnvelope(tx, opter, infno, input, insuplcAdmdvs),
      allocateMsgid: (tx) => allocateMsgid(tx),
      concurrency: () => this.agencyConfig().concurrency,
      // 原交易不存在 is believed only this long after the outcome became unknown (a late original): at least the request timeout.
      inFlightGraceMs: () => 2 * this.agencyConfig().timeoutMs,
      ...(this.options.office ? { isSender: () => this.isOfficeSender() } : {}),
      ...this.options.sync,
    });
    return this.worker;
  }

  /** Office mode: whether this window is the office's sender now; asks for the lock when it is not. */
  async isOfficeSender(): Promise<boolean> {
    const lock = this.ownSenderLock();
    if (!lock) return true;
    if (!lock.held) await lock.tick();
    return lock.held;
  }

  /** This window's hold on the office's sender lock (office mode only), created on first use. */
  private ownSenderLock(): SenderLock | null {
    if (!this.options.office) return null;
    this.senderLock ??= officeSenderLock(this.options.office);
    return this.senderLock;
  }

  /** Office mode: whether this window sends for the office (null outside office mode), for the 同步 screen. */
  get officeSender(): boolean | null {
    return this.options.office ? (this.senderLock?.held ?? false) : null;
  }

  /** Starts delivering the outbox in the background (npm start, Electron; tests call it explicitly). */
  startSync(): OutboxWorker {
    const w = this.syncWorker;
    // Office mode: polls for the lock, so a window takes over within about a second of the sender's end.
    this.ownSenderLock()?.start();
    w.start();
    this.reference.start();
    this.dailyReconcile.start();
    this.clearing.start(this.options.clearing?.intervalMs, this.options.clearing?.firstDelayMs);
    return w;
  }

  /**
   * Everything a program that serves clerks runs in the background once the desk is open (the
   * Electron app and `npm start`): the connectivity probe every `probeMs`, backups, eligibility
   * rechecks, the roster download and sync. Nothing for a desk opened on its recovery page.
   */
  startBackground(probeMs: number): void {
    if (this.broken) return;
    this.connectivity.start(probeMs);
    // Office mode: the server's backup (db/pg/officeIntegrity.ts); no file of this window to copy.
    if (!this.inOffice) this.backups.start();
    this.rechecks.start();
    this.roster.start();
    this.startSync();
  }

  /** Stops the worker after the batch in flight has been answered and stored, and the downloads under way. */
  async stopSync(): Promise<void> {
    this.reference.stop();
    this.dailyReconcile.stop();
    this.clearing.stop();
    await this.worker?.stop();
    // Releases the office's sender lock for the next window (its session ends).
    await this.senderLock?.stop();
    this.senderLock = null;
    await this.reference.idle();
    await this.dailyReconcile.idle();
    await this.clearing.idle();
  }

  /** Closes the handle, lets `swap` replace the file, reopens (migrating if older); everyone logs in again. */
  async swapDatabase<T>(swap: (dbFile: string) => T): Promise<T> {
    const syncing = this.worker?.running ?? false;
    await this.stopSync();
    this.current?.$client.close();
    this.current = undefined;
    try {
      return swap(this.dbFile);
    } finally {
      try {
        this.current = await openDatabase(this.dbFile, { backupDir: this.backupDir, migrations: this.options.migrations });
        this.broken = null;
      } catch (e) {
        this.broken = describeOpenFailure(e, this.dbFile);
      }
      this.sessions.closeAll();
      if (syncing) this.startSync();
    }
  }

  /** Graceful: waits for the sync batch and a backup in progress, then closes the database (writes are synchronous). */
  async shutdown(): Promise<void> {
    this.connectivity.stop();
    await this.stopSync();
    // 9002 for whoever is still signed in; an agency that does not answer quickly is not waited for.
    if (this.current) await Promise.race([this.agencySignIn.signOutAll().catch(() => undefined), new Promise((r) => setTimeout(r, 3000).unref())]);
    await this.backups.stop();
    this.close();
  }

  close(): void {
    this.connectivity.stop();
    this.rechecks.stop();
    this.roster.stop();
    this.clearing.stop();
    void this.worker?.stop();
    void this.senderLock?.stop();
    this.senderLock = null;
    this.current?.$client.close();
    this.current = undefined;
  }

  /** Every API method's handler, composed from the domain modules under ./handlers/. */
  readonly handlers: Handlers = {
    ...coreHandlers(this),
    ...this.notifyingAfter(admissionHandlers(this), QUEUEING_METHODS),
    ...identityHandlers(this),
    ...rosterHandlers(this),
    ...settingsHandlers(this),
    ...syncHandlers(this),
    ...agencyConnectionHandlers(this),
    ...officeStoreHandlers(this),
    ...recoveryHandlers(this),
    ...dashboardHandlers(this),
    ...claimHandlers(this, { download: (clerkId) => this.clearing.download(clerkId) }),
    ...this.notifyingAfter(settlementHandlers(this), QUEUEING_METHODS),
    ...outpatientHandlers(this),
  };

  /**
   * The handlers, those named in `queueing` wrapped so that a successful call nudges the sync
   * worker: their writes put a message in the outbox, which should leave now, not at the next poll.
   */
  private notifyingAfter<K extends Method>(handlers: HandlersFor<K>, queueing: readonly Method[]): HandlersFor<K> {
    const out = { ...handlers };
    for (const m of Object.keys(handlers) as K[]) {
      if (!queueing.includes(m)) continue;
      const inner = handlers[m] as (input: unknown, ctx: CallContext) => unknown;
      const wrapped = async (input: unknown, ctx: CallContext): Promise<unknown> => {
        const result = await inner(input, ctx);
        this.notifySync();
        return result;
      };
      out[m] = wrapped as HandlersFor<K>[K];
    }
    return out;
  }
}

/** The admission and settlement methods whose writes enqueue an outbox message (2401/2403/2404; 2301/2402/2304; 2305). */
const QUEUEING_METHODS: readonly Method[] = ['admission.create', 'admission.change', 'admission.cancel', 'settlement.commit', 'settlement.reverse'];
