import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { openGmInput, sealGmOutput } from '../../electron/agency/gm/gmEnvelope.ts';

/**
 * The reference agency's front door, as the real gateways have it (national-interface.md §0,
 * issue 13 point 1): which institution is calling, and the envelope in plain text. One profile per
 * agency process, chosen at start. The desk extensions (roster, policies, clearing, 3290/3291)
 * keep their own HMAC headers: no real gateway has them.
 */

export type AgencyProfile = 'tif' | 'gm' | 'plain';
export const AGENCY_PROFILES: readonly AgencyProfile[] = ['tif', 'gm', 'plain'];

export interface GatewayInstitution {
  code: string;
  /** The extensions' shared key; also the tif token unless `token` is set. */
  key: string;
  /** tif: x-tif-paasid (default: the institution code) and the token behind the signature. */
  paasid?: string;
  token?: string;
  /** plain: the apikey header the 前置机 wants; unset = none. */
  apikey?: string;
  /** gm: the 16-character clientId, its secret, the OAuth user (default: code) and password (default: secret), the institution's SM2 public key. */
  gm?: { clientId: string; clientSecret: string; username?: string; password?: string; publicKeyHex?: string };
}

export class GatewayProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SKEW_MS = 5 * 60 * 1000;

function header(req: http.IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Nonces seen inside the skew window: a captured request replayed is refused. */
class NonceBook {
  private readonly seen = new Map<string, number>();
  claim(key: string, at: number): boolean {
    for (const [n, t] of this.seen) if (t < at - SKEW_MS) this.seen.delete(n);
    if (this.seen.has(key)) return false;
    this.seen.set(key, at);
    return true;
  }
}

interface IssuedToken {
  code: string;
  expiresAt: number;
}

export interface Gateway<I extends GatewayInstitution> {
  readonly profile: AgencyProfile;
  /** The calling institution of a transaction request, or a GatewayProblem (HTTP 401). */
  authenticate(req: http.IncomingMessage): I;
  /** The envelope as sent (gm: input decrypted, cainfo checked). */
  openRequest(inst: I, parsed: unknown): unknown;
  /** The answer envelope as this gateway sends it (gm: output encrypted). */
  sealAnswer(inst: I, answer: Record<string, unknown>): Record<string, unknown>;
  /** gm: POST /auth/oauth/token. */
  issueToken(req: http.IncomingMessage, form: string): Record<string, unknown>;
  /** Fault tokenExpired: every bearer token issued so far stops working. */
  expireTokens(): void;
  /** The desk extensions' HMAC headers (x-fixmedins-code, x-timestamp in ms, x-nonce, x-signature over the body). */
  authenticateExtension(req: http.IncomingMessage, body: Buffer): I;
}

export function makeGateway<I extends GatewayInstitution>(profile: AgencyProfile, institutions: readonly I[], now: () => Date, tokenTtlSeconds = 3600): Gateway<I> {
  const byCode = new Map(institutions.map((i) => [i.code, i]));
  const byPaasid = new Map(institutions.map((i) => [i.paasid ?? i.code, i]));
  const byClientId = new Map(institutions.filter((i) => i.gm).map((i) => [i.gm!.clientId, i]));
  const nonces = new NonceBook();
  const tokens = new Map<string, IssuedToken>();

  function tif(req: http.IncomingMessage): I {
    const paasid = header(req, 'x-tif-paasid');
    const ts = header(req, 'x-tif-timestamp');
    const nonce = header(req, 'x-tif-nonce');
    const sig = header(req, 'x-tif-signature');
    if (!paasid || !ts || !nonce || !sig) throw new GatewayProblem(401, 'MISSING_SIGNATURE', '请求缺少网关签名头（x-tif-paasid、x-tif-timestamp、x-tif-nonce、x-tif-signature）');
    const inst = byPaasid.get(paasid);
    if (!inst) throw new GatewayProblem(401, 'UNKNOWN_PAASID', `未知的 paasid：${paasid}`);
    // Seconds, as the national gateway has it; a millisecond value is 1000× off and refused.
    const t = /^\d{1,12}$/.test(ts) ? Number(ts) * 1000 : NaN;
    const current = now().getTime();
    if (!Number.isFinite(t) || Math.abs(current - t) > SKEW_MS) throw new GatewayProblem(401, 'TIMESTAMP_SKEW', 'x-tif-timestamp 与网关时间相差超过 5 分钟（应为 Unix 秒），请校准本机时间');
    const expected = createHash('sha256').update(`${ts}${inst.token ?? inst.key}${nonce}${ts}`, 'utf8').digest('hex');
    if (!sameText(sig, expected)) throw new GatewayProblem(401, 'BAD_SIGNATURE', 'x-tif-signature 校验失败，请检查 paasid 与 token');
    if (!nonces.claim(`${paasid}/${nonce}`, current)) throw new GatewayProblem(401, 'NONCE_REUSED', 'x-tif-nonce 已使用过（疑似重放）');
    return inst;
  }

  function plain(req: http.IncomingMessage): I {
    // A 前置机 serves one hospital: the envelope's fixmedins_code names it, checked in the server.
    const only = institutions[0];
    if (!only) throw new GatewayProblem(401, 'NO_INSTITUTION', '前置机未配置机构');
    if (only.apikey && !sameText(header(req, 'apikey') ?? '', only.apikey)) throw new GatewayProblem(401, 'BAD_APIKEY', 'apikey 不正确');
    return only;
  }

  function gm(req: http.IncomingMessage): I {
    const auth = header(req, 'authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new GatewayProblem(401, 'NO_TOKEN', '缺少访问令牌（Authorization: Bearer）');
    const t = tokens.get(m[1]!);
    if (!t || t.expiresAt <= now().getTime()) throw new GatewayProblem(401, 'TOKEN_EXPIRED', '访问令牌无效或已过期');
    const inst = byCode.get(t.code);
    if (!inst) throw new GatewayProblem(401, 'UNKNOWN_INSTITUTION', '令牌对应的机构不存在');
    return inst;
  }

  return {
    profile,
    authenticate(req) {
      return profile === 'tif' ? tif(req) : profile === 'gm' ? gm(req) : plain(req);
    },
    openRequest(inst, parsed) {
      if (profile !== 'gm') return parsed;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed;
      const g = inst.gm!;
      try {
        const sealed = parsed as Record<string, unknown>;
        return { ...sealed, input: openGmInput(sealed, { clientId: g.clientId, publicKeyHex: g.publicKeyHex }) };
      } catch (e) {
        throw new GatewayProblem(400, 'BAD_GM_ENVELOPE', `国密报文无法解开或签名不符：${e instanceof Error ? e.message : String(e)}`);
      }
    },
    sealAnswer(inst, answer) {
      if (profile !== 'gm' || answer.output === null || answer.output === undefined) return answer;
      return { ...answer, encType: 'SM4', output: sealGmOutput(answer.output, inst.gm!.clientId) };
    },
    issueToken(req, form) {
      if (profile !== 'gm') throw new GatewayProblem(404, 'NOT_FOUND', '本网关不使用 OAuth 令牌');
      const basic = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
      const [clientId, clientSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
      const inst = clientId ? byClientId.get(clientId) : undefined;
      const g = inst?.gm;
      if (!inst || !g || !sameText(clientSecret ?? '', g.clientSecret)) throw new GatewayProblem(401, 'invalid_client', 'clientId 或 clientSecret 不正确');
      const p = new URLSearchParams(form);
      if (p.get('grant_type') !== 'password') throw new GatewayProblem(400, 'unsupported_grant_type', '只支持 password 授权方式');
      if (p.get('username') !== (g.username ?? inst.code) || !sameText(p.get('password') ?? '', g.password ?? g.clientSecret)) {
        throw new GatewayProblem(400, 'invalid_grant', '用户名或密码不正确');
      }
      const value = randomBytes(24).toString('hex');
      tokens.set(value, { code: inst.code, expiresAt: now().getTime() + tokenTtlSeconds * 1000 });
      return { access_token: value, token_type: 'bearer', expires_in: tokenTtlSeconds, scope: 'server' };
    },
    expireTokens() {
      tokens.clear();
    },
    authenticateExtension(req, body) {
      const code = header(req, 'x-fixmedins-code');
      const ts = header(req, 'x-timestamp');
      const nonce = header(req, 'x-nonce');
      const sig = header(req, 'x-signature');
      if (!code || !ts || !nonce || !sig) throw new GatewayProblem(401, 'MISSING_SIGNATURE', '请求缺少签名头（x-fixmedins-code、x-timestamp、x-nonce、x-signature）');
      const inst = byCode.get(code);
      if (!inst) throw new GatewayProblem(401, 'UNKNOWN_INSTITUTION', `未知的定点医药机构：${code}`);
      const t = /^\d{1,16}$/.test(ts) ? Number(ts) : NaN;
      const current = now().getTime();
      if (!Number.isFinite(t) || Math.abs(current - t) > SKEW_MS) throw new GatewayProblem(401, 'TIMESTAMP_SKEW', '请求时间与医保平台时间相差超过 5 分钟，请校准本机时间');
      const expected = createHmac('sha256', inst.key).update(`${ts}\n${nonce}\n${createHash('sha256').update(body).digest('hex')}`).digest('hex');
      if (!sameText(sig.toLowerCase(), expected)) throw new GatewayProblem(401, 'BAD_SIGNATURE', '签名校验失败，请检查机构密钥配置');
      if (!nonces.claim(`ext/${code}/${nonce}`, current)) throw new GatewayProblem(401, 'NONCE_REUSED', '请求随机数已使用过（疑似重放）');
      return inst;
    },
  };
}
