import { backupDatabase, listBackups, restoreDatabaseFile } from '../../../db/backup.ts';
import { integrityCheck } from '../../../db/open.ts';
import { OFFICE_BACKUP_TEXT, officeIntegrity } from '../../../db/pg/officeIntegrity.ts';
import { appendAudit, listAudit } from '../../../db/repos/audit.ts';
import { clearLoginFailures, findClerkByLogin, recordLoginFailure } from '../../../db/repos/clerks.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { outboxDepth } from '../../../db/repos/outbox.ts';
import type { coreApi } from '../../../shared/api/contract.ts';
import { todayCST } from '../../../shared/dates.ts';
import type { DeskParts } from '../context.ts';
import type { HandlersFor } from './types.ts';
import { ServiceError } from '../errors.ts';
import { dummyHash, UnknownLoginFailures, verifyPassword } from '../passwords.ts';
import { backupEntry, checkAfterRestore, findRestorable } from './recovery.ts';

/** Login, status and database maintenance. */
export function coreHandlers(desk: DeskParts): HandlersFor<keyof typeof coreApi> {
  const unknownLogins = new UnknownLoginFailures();
  return {
    'auth.login': async ({ login, password }) => {
      const clerk = findClerkByLogin(desk.db, login);
      const now = new Date();
      const limit = desk.options.lockoutAttempts ?? 5;
      const minutes = desk.options.lockoutMinutes ?? 15;
      const lockedText = (until: string) => `密码错误次数过多，账户已锁定至 ${new Date(until).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}，请稍后再试或联系主管`;
      const failure = (locked: boolean, attempts: number) =>
        new ServiceError(locked ? 'LOCKED' : 'LOGIN_FAILED', locked ? `密码连续错误 ${limit} 次，账户已锁定 ${minutes} 分钟` : `工号或密码不正确（还可尝试 ${limit - attempts} 次）`, 'password');
      if (!clerk || !clerk.active) {
        // Issue 21 p8: an unknown login gets the same words, the same lockout and the same scrypt
        // time as a wrong password, so which logins exist cannot be probed by text or by timing.
        const until = unknownLogins.lockedUntil(login, now);
        if (until) throw new ServiceError('LOCKED', lockedText(until), 'login');
        await verifyPassword(password, await dummyHash());
        const r = unknownLogins.fail(login, limit, new Date(now.getTime() + minutes * 60_000).toISOString());
        throw failure(r.locked, r.attempts);
      }
      if (clerk.lockedUntil && clerk.lockedUntil > now.toISOString()) {
        throw new ServiceError('LOCKED', lockedText(clerk.lockedUntil), 'login');
      }
      if (!(await verifyPassword(password, clerk.passwordHash))) {
        const until = new Date(now.getTime() + minutes * 60_000).toISOString();
        const r = desk.db.transaction((tx) => {
          const res = recordLoginFailure(tx, clerk.id, limit, until);
          appendAudit(tx, { clerkId: clerk.id, action: res.locked ? 'auth.locked' : 'auth.failed', entity: 'clerk', entityId: clerk.id });
          return res;
        });
        throw failure(r.locked, r.attempts);
      }
      desk.db.transaction((tx) => {
        clearLoginFailures(tx, clerk.id);
        appendAudit(tx, { clerkId: clerk.id, action: 'auth.login', entity: 'clerk', entityId: clerk.id });
      });
      const s = desk.sessions.open({ id: clerk.id, login: clerk.login, name: clerk.name, role: clerk.role });
      return { token: s.token, clerk: { id: s.clerkId, login: s.login, name: s.name, role: s.role }, idleMinutes: desk.sessions.idleMinutes };
    },
    'auth.logout': (_input, ctx) => {
      if (ctx.session) {
        desk.sessions.close(ctx.session.token);
        appendAudit(desk.db, { clerkId: ctx.session.clerkId, action: 'auth.logout', entity: 'clerk', entityId: ctx.session.clerkId });
        // 9002 for this operator, unless another window of theirs is still open. Not awaited:
        // logging out never waits for the agency (docs/agency.md).
        const login = ctx.session.login;
        if (!desk.sessions.hasLogin(login)) void desk.agencySignIn.signOut(login).catch(() => undefined);
      }
      return { ok: true as const };
    },
    'auth.me': (_input, ctx) => {
      const s = ctx.session!;
      return { token: s.token, clerk: { id: s.clerkId, login: s.login, name: s.name, role: s.role }, idleMinutes: desk.sessions.idleMinutes };
    },
    'status.get': () => {
      const inst = getInstitution(desk.db);
      const depth = outboxDepth(desk.db);
      return {
        online: desk.connectivity.online,
        lastContactAt: desk.connectivity.lastContactAt,
        agencyUrl: desk.agencyUrl(),
        outboxPending: depth.pending,
        outboxRejected: depth.rejected,
        institution: inst ? { code: inst.fixmedinsCode, name: inst.fixmedinsName, level: inst.level, admdvs: inst.admdvs, regionName: inst.regionName } : null,
        today: todayCST(),
        store: desk.inOffice ? { kind: 'office' as const, backupText: OFFICE_BACKUP_TEXT } : { kind: 'file' as const },
      };
    },
    'system.integrityCheck': (_input, ctx) => {
      const r = desk.inOffice ? officeIntegrity(desk.db) : integrityCheck(desk.db);
      appendAudit(desk.db, { clerkId: ctx.session!.clerkId, action: 'system.integrityCheck', entity: 'database', detail: { ok: r.ok } });
      return r;
    },
    'backup.list': () => listBackups(desk.backupDir).map(backupEntry),
    'backup.create': async (_input, ctx) => {
      if (desk.inOffice) throw new ServiceError('OFFICE_BACKUP', OFFICE_BACKUP_TEXT);
      const b = await backupDatabase(desk.db.$client, desk.backupDir, 'manual');
      appendAudit(desk.db, { clerkId: ctx.session!.clerkId, action: 'backup.create', entity: 'database', entityId: b.name });
      return backupEntry(b);
    },
    'backup.restore': async ({ name }, ctx) => {
      if (desk.inOffice) throw new ServiceError('OFFICE_BACKUP', `${OFFICE_BACKUP_TEXT}恢复也在服务器上进行。`);
      const backup = findRestorable(desk.backupDir, name);
      const who = ctx.session!.clerkId;
      // A safety copy of the current state first, then swap files with the handle closed.
      await backupDatabase(desk.db.$client, desk.backupDir, 'prerestore');
      const aside = await desk.swapDatabase((dbFile) => restoreDatabaseFile(dbFile, backup.file));
      checkAfterRestore(desk, name);
      if (desk.broken) throw new ServiceError('RESTORE_FAILED', `已恢复 ${name}，但数据库不可用：${desk.broken.message}`, 'name');
      appendAudit(desk.db, { clerkId: null, action: 'backup.restore', entity: 'database', entityId: name, detail: { by: who, keptAside: aside } });
      return { restored: name, keptAside: aside };
    },
    'audit.list': ({ limit }) => listAudit(desk.db, limit),
  };
}
