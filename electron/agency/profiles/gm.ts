import type { RequestEnvelope } from '../../../shared/agency/envelope.ts';
import { openGmOutput, sealGmEnvelope } from '../gm/gmEnvelope.ts';
import { JSON_CONTENT_TYPE, type GatewayAdapter, type WireRequest, type WireTransport } from './types.ts';

export interface GmOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  sm2PrivateKey: string;
  now: () => Date;
}

/** The gateway's refusal of our credentials, told apart from a transaction's own answer. */
export class GmAuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GmAuthError';
  }
}

/**
 * OAuth2 + the national SM algorithms (as Jilin's gateway, national-interface.md §0): a bearer
 * token from the password grant, cached until shortly before it expires; the input SM4-encrypted
 * with the clientId as key and signed SM3withSM2; the answer's output decrypted the same way.
 */
export class GmAdapter implements GatewayAdapter {
  readonly name = 'gm' as const;
  private token: { value: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly o: GmOptions,
    private readonly transport: WireTransport,
  ) {
    if (Buffer.byteLength(o.clientId, 'utf8') !== 16) throw new GmAuthError(0, `国密网关的 clientId 应为 16 个字符（现为 ${Buffer.byteLength(o.clientId, 'utf8')} 字节）`);
    if (!/^[0-9a-fA-F]{64}$/.test(o.sm2PrivateKey)) throw new GmAuthError(0, '国密网关需要本机构的 SM2 私钥（64 位十六进制），请在“设置 → 经办机构连接”中填写');
  }

  async request(env: RequestEnvelope<unknown>, url: string): Promise<WireRequest> {
    const token = await this.bearer();
    const sealed = sealGmEnvelope(env as RequestEnvelope, { clientId: this.o.clientId, privateKeyHex: this.o.sm2PrivateKey });
    return { url, headers: { authorization: `Bearer ${token}`, 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(sealed) };
  }

  answer(raw: unknown): unknown {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    return openGmOutput(raw as Record<string, unknown>, this.o.clientId);
  }

  unauthorized(): boolean {
    const had = this.token !== null;
    this.token = null;
    return had;
  }

  private async bearer(): Promise<string> {
    const now = this.o.now().getTime();
    if (this.token && this.token.expiresAt > now) return this.token.value;
    // Concurrent transactions share one token request.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const basic = Buffer.from(`${this.o.clientId}:${this.o.clientSecret}`, 'utf8').toString('base64');
    const form = new URLSearchParams({ grant_type: 'password', username: this.o.username, password: this.o.password }).toString();
    const res = await this.transport.post(this.o.tokenUrl, { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, form);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      // The status speaks below.
    }
    const value = typeof body.access_token === 'string' ? body.access_token : '';
    if (res.status !== 200 || value === '') {
      const why = typeof body.error_description === 'string' ? body.error_description : typeof body.err_msg === 'string' ? body.err_msg : typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
      throw new GmAuthError(res.status === 200 ? 401 : res.status, `国密网关未发放令牌（${why}）：请检查 clientId、clientSecret、用户名和密码`);
    }
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    // Renewed a minute early, so a token never expires between request and answer.
    this.token = { value, expiresAt: this.o.now().getTime() + Math.max(1, ttl - 60) * 1000 };
    return value;
  }
}
