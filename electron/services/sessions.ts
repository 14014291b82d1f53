import { randomBytes } from 'node:crypto';
import type { Role } from '../../shared/api/index.ts';

export interface Session {
  token: string;
  clerkId: number;
  login: string;
  name: string;
  role: Role;
  lastSeen: number;
}

/**
 * Sessions live in memory only: a restart asks everyone to log in again, and an idle session
 * expires on the server too, so a locked screen cannot be bypassed by calling the API.
 */
export class Sessions {
  private readonly byToken = new Map<string, Session>();

  constructor(
    readonly idleMinutes: number,
    private readonly now: () => number = Date.now,
  ) {}

  open(clerk: { id: number; login: string; name: string; role: Role }): Session {
    const session: Session = { token: randomBytes(24).toString('base64url'), clerkId: clerk.id, login: clerk.login, name: clerk.name, role: clerk.role, lastSeen: this.now() };
    this.byToken.set(session.token, session);
    return session;
  }

  /** The live session for a token, refreshed; undefined when unknown or idle too long. */
  touch(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const s = this.byToken.get(token);
    if (!s) return undefined;
    if (this.now() - s.lastSeen > this.idleMinutes * 60_000) {
      this.byToken.delete(token);
      return undefined;
    }
    s.lastSeen = this.now();
    return s;
  }

  close(token: string): void {
    this.byToken.delete(token);
  }

  /** Whether this clerk still has a live session (another window). */
  hasLogin(login: string): boolean {
    const t = this.now();
    for (const s of this.byToken.values()) if (s.login === login && t - s.lastSeen <= this.idleMinutes * 60_000) return true;
    return false;
  }

  closeAll(): void {
    this.byToken.clear();
  }
}
