import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt with per-password salt; the parameters are stored with the hash so they can be raised later. */
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

let derivations = 0;

/** How many scrypt derivations this process has run: a login costs one, whether or not the name exists. */
export function derivationCount(): number {
  return derivations;
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  derivations += 1;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | null = null;

/** A hash of a random password with today's parameters, made once: what an unknown login is checked against. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/**
 * Failed logins of names that are no account, counted in memory like an account's failures in
 * the database, so an unknown name is answered and locked exactly like a known one. Bounded: the
 * oldest names are forgotten past MAX entries, which only makes a probe's lockout shorter.
 */
export class UnknownLoginFailures {
  private static readonly MAX = 10_000;
  private readonly byLogin = new Map<string, { attempts: number; lockedUntil: string | null }>();

  lockedUntil(login: string, now: Date): string | null {
    const e = this.byLogin.get(login);
    if (!e?.lockedUntil) return null;
    if (e.lockedUntil > now.toISOString()) return e.lockedUntil;
    this.byLogin.delete(login);
    return null;
  }

  fail(login: string, limit: number, until: string): { attempts: number; locked: boolean } {
    const e = this.byLogin.get(login) ?? { attempts: 0, lockedUntil: null };
    this.byLogin.delete(login);
    e.attempts += 1;
    const locked = e.attempts >= limit;
    if (locked) e.lockedUntil = until;
    this.byLogin.set(login, locked ? e : { attempts: e.attempts, lockedUntil: null });
    if (this.byLogin.size > UnknownLoginFailures.MAX) {
      const oldest = this.byLogin.keys().next().value;
      if (oldest !== undefined) this.byLogin.delete(oldest);
    }
    return { attempts: e.attempts, locked };
  }
}
