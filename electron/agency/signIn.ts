import { networkInterfaces } from 'node:os';
import type { Db } from '../../db/open.ts';
import { getSetting, setSetting } from '../../db/repos/institution.ts';
import { readSignIn, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { SIGN_IN_INFNO, SIGN_OUT_INFNO } from '../../shared/agency/transactions.ts';
import type { AgencyClient, SignInProvider } from './client.ts';

/**
 * 9001 签到 / 9002 签退 (national-interface.md §0, docs/agency.md): an operator signs in before
 * their first transaction; every envelope of theirs carries the sign_no; a new 9001 when the
 * sign-in is older than the configured age or the agency says it is missing or expired (the
 * client retries the transaction once); 9002 at logout and exit. Kept per operator in the setting
 * `agency.signIns`, so a restart within the age reuses the sign-in.
 */

export interface SignInRecord {
  login: string;
  name: string;
  signNo: string;
  /** The agency's sign_time, as it sent it. */
  signTime: string;
  /** When the desk got it (ISO instant). */
  signedAt: string;
}

const KEY = 'agency.signIns';

export interface SignInDeps {
  db: () => Db;
  client: () => AgencyClient;
  /** A fresh envelope (msgid allocated) in a transaction of the caller's database. */
  envelope: (db: Db, opter: { login: string; name: string }, infno: string, input: unknown) => RequestEnvelope<unknown>;
  maxAgeMs: () => number;
  now?: () => Date;
}

/** The machine's first non-internal IPv4 address and its MAC, as 9001 wants them (C20 each). */
export function machineAddress(): { ip: string; mac: string } {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return { ip: a.address, mac: a.mac.toUpperCase() };
    }
  }
  return { ip: '127.0.0.1', mac: '00:00:00:00:00:00' };
}

export class SignInManager implements SignInProvider {
  private readonly inflight = new Map<string, Promise<SignInRecord>>();
  private readonly now: () => Date;

  constructor(private readonly deps: SignInDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  current(): SignInRecord[] {
    return Object.values(this.read()).sort((a, b) => b.signedAt.localeCompare(a.signedAt));
  }

  async signNoFor(opter: { login: string; name: string }): Promise<string> {
    const rec = this.read()[opter.login];
    if (rec && this.now().getTime() - Date.parse(rec.signedAt) < this.deps.maxAgeMs()) return rec.signNo;
    return (await this.signInNow(opter)).signNo;
  }

  invalidate(login: string, signNo: string): void {
    const all = this.read();
    if (all[login]?.signNo === signNo) {
      delete all[login];
      this.write(all);
    }
  }

  /** 9001 now. Concurrent calls for one operator share one sign-in. */
  signInNow(opter: { login: string; name: string }): Promise<SignInRecord> {
    let p = this.inflight.get(opter.login);
    if (!p) {
      p = this.doSignIn(opter).finally(() => this.inflight.delete(opter.login));
      this.inflight.set(opter.login, p);
    }
    return p;
  }

  /** 9002 for this operator, when signed in. Best effort: the record goes whatever the answer. */
  async signOut(login: string): Promise<void> {
    const all = this.read();
    const rec = all[login];
    if (!rec) return;
    delete all[login];
    this.write(all);
    const env = { ...this.deps.envelope(this.deps.db(), { login: rec.login, name: rec.name }, SIGN_OUT_INFNO, { signOut: { sign_no: rec.signNo, opter_no: rec.login } }), sign_no: rec.signNo };
    try {
      await this.deps.client().transmit(env);
    } catch {
      // A sign-out that does not arrive lapses at the agency by age; nothing to keep here.
    }
  }

  async signOutAll(): Promise<void> {
    for (const rec of this.current()) await this.signOut(rec.login);
  }

  private async doSignIn(opter: { login: string; name: string }): Promise<SignInRecord> {
    const { ip, mac } = machineAddress();
    const env = this.deps.envelope(this.deps.db(), opter, SIGN_IN_INFNO, { signIn: { opter_no: opter.login, mac, ip } });
    const answer = await this.deps.client().transmit({ ...env, sign_no: '' });
    const s = readSignIn(answer.output);
    const rec: SignInRecord = { login: opter.login, name: opter.name, signNo: s.signNo, signTime: s.signTime ?? '', signedAt: this.now().toISOString() };
    const all = this.read();
    all[opter.login] = rec;
    this.write(all);
    return rec;
  }

  private read(): Record<string, SignInRecord> {
    const text = getSetting(this.deps.db(), KEY);
    if (!text) return {};
    try {
      const v = JSON.parse(text) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, SignInRecord>) : {};
    } catch {
      return {};
    }
  }

  private write(all: Record<string, SignInRecord>): void {
    this.deps.db().transaction((tx) => setSetting(tx, KEY, JSON.stringify(all)));
  }
}
