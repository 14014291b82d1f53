import { join } from 'node:path';
import { openDatabase, integrityCheck, type Db } from '../../db/open.ts';
import { backupDatabase, listBackups, restoreDatabaseFile } from '../../db/backup.ts';
import type { Migration } from '../../db/migrate.ts';
import { outboxDepth } from '../../db/repos/outbox.ts';
import { getInstitution, getSetting } from '../../db/repos/institution.ts';
import { appendAudit, listAudit } from '../../db/repos/audit.ts';
import { clearLoginFailures, findClerkByLogin, recordLoginFailure } from '../../db/repos/clerks.ts';
import type { Method, Output, ParsedInput } from '../../shared/api/contract.ts';
import { todayCST } from '../../shared/dates.ts';
import { Connectivity, httpProbe } from './connectivity.ts';
import { ServiceError } from './errors.ts';
import { verifyPassword } from './passwords.ts';
import { Sessions, type Session } from './sessions.ts';
import { loadDemoData } from './demo/loadDemo.ts';

export interface DeskOptions {
  dataDir: string;
  /** Load the demo set into a new, empty database. */
  demo?: boolean;
  agencyUrl?: string;
  agencyKey?: string;
  idleMinutes?: number;
  lockoutAttempts?: number;
  lockoutMinutes?: number;
  /** The migrations to apply; default: those beside db/migrate.ts. */
  migrations?: Migration[];
}

export interface CallContext {
  session: Session | undefined;
}

export type Handlers = { [M in Method]: (input: ParsedInput<M>, ctx: CallContext) => Promise<Output<M>> | Output<M> };

/**
 * The desk's services without Electron: the same object serves the Electron IPC handlers, the
 * local HTTP host and the tests. It owns the database handle so a restore can swap it.
 */
export class Desk {
  readonly sessions: Sessions;
  readonly connectivity: Connectivity;
  readonly dbFile: string;
  readonly backupDir: string;
  private current: Db | undefined;

  private constructor(readonly options: DeskOptions) {
    this.dbFile = join(options.dataDir, 'desk.sqlite');
    this.backupDir = join(options.dataDir, 'backups');
    this.sessions = new Sessions(options.idleMinutes ?? 15);
    this.connectivity = new Connectivity(httpProbe(() => this.agencyUrl()));
  }

  static async open(options: DeskOptions): Promise<Desk> {
    const desk = new Desk(options);
    desk.current = await openDatabase(desk.dbFile, { backupDir: desk.backupDir, migrations: options.migrations });
    if (options.demo) await loadDemoData(desk.db, { url: options.agencyUrl ?? 'http://127.0.0.1:18090', key: options.agencyKey ?? 'demo-key-change-me' });
    return desk;
  }

  get db(): Db {
    if (!this.current) throw new ServiceError('DB_CLOSED', '数据库未打开');
    return this.current;
  }

  agencyUrl(): string {
    return this.options.agencyUrl ?? getSetting(this.db, 'agency.url') ?? 'http://127.0.0.1:18090';
  }

  close(): void {
    this.connectivity.stop();
    this.current?.$client.close();
    this.current = undefined;
  }

  readonly handlers: Handlers = {
    'auth.login': async ({ login, password }) => {
      const clerk = findClerkByLogin(this.db, login);
      const now = new Date();
      if (!clerk || !clerk.active) {
        // Same wording as a wrong password, so logins cannot be probed.
        throw new ServiceError('LOGIN_FAILED', '工号或密码不正确', 'password');
      }
      if (clerk.lockedUntil && clerk.lockedUntil > now.toISOString()) {
        throw new ServiceError('LOCKED', `密码错误次数过多，账户已锁定至 ${new Date(clerk.lockedUntil).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}，请稍后再试或联系主管`, 'login');
      }
      if (!(await verifyPassword(password, clerk.passwordHash))) {
        const limit = this.options.lockoutAttempts ?? 5;
        const until = new Date(now.getTime() + (this.options.lockoutMinutes ?? 15) * 60_000).toISOString();
        const r = this.db.transaction((tx) => {
          const res = recordLoginFailure(tx, clerk.id, limit, until);
          appendAudit(tx, { clerkId: clerk.id, action: res.locked ? 'auth.locked' : 'auth.failed', entity: 'clerk', entityId: clerk.id });
          return res;
        });
        throw new ServiceError(r.locked ? 'LOCKED' : 'LOGIN_FAILED', r.locked ? `密码连续错误 ${limit} 次，账户已锁定 ${this.options.lockoutMinutes ?? 15} 分钟` : `工号或密码不正确（还可尝试 ${limit - r.attempts} 次）`, 'password');
      }
      this.db.transaction((tx) => {
        clearLoginFailures(tx, clerk.id);
        appendAudit(tx, { clerkId: clerk.id, action: 'auth.login', entity: 'clerk', entityId: clerk.id });
      });
      const s = this.sessions.open({ id: clerk.id, login: clerk.login, name: clerk.name, role: clerk.role });
      return { token: s.token, clerk: { id: s.clerkId, login: s.login, name: s.name, role: s.role }, idleMinutes: this.sessions.idleMinutes };
    },
    'auth.logout': (_input, ctx) => {
      if (ctx.session) {
        this.sessions.close(ctx.session.token);
        appendAudit(this.db, { clerkId: ctx.session.clerkId, action: 'auth.logout', entity: 'clerk', entityId: ctx.session.clerkId });
      }
      return { ok: true as const };
    },
    'auth.me': (_input, ctx) => {
      const s = ctx.session!;
      return { token: s.token, clerk: { id: s.clerkId, login: s.login, name: s.name, role: s.role }, idleMinutes: this.sessions.idleMinutes };
    },
    'status.get': () => {
      const inst = getInstitution(this.db);
      const depth = outboxDepth(this.db);
      return {
        online: this.connectivity.online,
        lastContactAt: this.connectivity.lastContactAt,
        agencyUrl: this.agencyUrl(),
        outboxPending: depth.pending,
        outboxRejected: depth.rejected,
        institution: inst ? { code: inst.fixmedinsCode, name: inst.fixmedinsName, level: inst.level, admdvs: inst.admdvs, regionName: inst.regionName } : null,
        today: todayCST(),
      };
    },
    'system.integrityCheck': (_input, ctx) => {
      const r = integrityCheck(this.db);
      appendAudit(this.db, { clerkId: ctx.session!.clerkId, action: 'system.integrityCheck', entity: 'database', detail: { ok: r.ok } });
      return r;
    },
    'backup.list': () => listBackups(this.backupDir).map(({ name, day, bytes, reason }) => ({ name, day, bytes, reason })),
    'backup.create': async (_input, ctx) => {
      const b = await backupDatabase(this.db.$client, this.backupDir, 'manual');
      appendAudit(this.db, { clerkId: ctx.session!.clerkId, action: 'backup.create', entity: 'database', entityId: b.name });
      return { name: b.name, day: b.day, bytes: b.bytes, reason: b.reason };
    },
    'backup.restore': async ({ name }, ctx) => {
      const backup = listBackups(this.backupDir).find((b) => b.name === name);
      if (!backup) throw new ServiceError('NOT_FOUND', `找不到备份文件：${name}`, 'name');
      const who = ctx.session!.clerkId;
      // A safety copy of the current state first, then swap files with the handle closed.
      await backupDatabase(this.db.$client, this.backupDir, 'prerestore');
      this.current!.$client.close();
      this.current = undefined;
      const aside = restoreDatabaseFile(this.dbFile, backup.file);
      this.current = await openDatabase(this.dbFile, { backupDir: this.backupDir, migrations: this.options.migrations });
      this.sessions.closeAll();
      appendAudit(this.db, { clerkId: null, action: 'backup.restore', entity: 'database', entityId: name, detail: { by: who, keptAside: aside } });
      return { restored: name, keptAside: aside };
    },
    'audit.list': ({ limit }) => listAudit(this.db, limit),
  };
}
