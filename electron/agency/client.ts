import { failureWithoutOutput } from '../../shared/agency/answers.ts';
import { AgencyMessageError, parseResponse, type AgencyResponse, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { isExtensionTransaction, isSignInRefusal, SIGN_IN_INFNO } from '../../shared/agency/transactions.ts';
import { tokenUrl, transactionUrl, type AgencyConfig, type GatewayProfileName } from './config.ts';
import { ExtensionClient, type Page, type PageKind } from './extension.ts';
import { GmAdapter, GmAuthError } from './profiles/gm.ts';
import { PlainAdapter } from './profiles/plain.ts';
import { TifAdapter } from './profiles/tif.ts';
import type { GatewayAdapter, WireRequest, WireTransport } from './profiles/types.ts';
import { errorBody, sendHttp, type RawAnswer } from './transport.ts';
import { BusinessError, NetworkError, RejectedError, ServerError } from './errors.ts';

export { AgencyError, BusinessError, NetworkError, RejectedError, ServerError, type NetworkErrorKind } from './errors.ts';

export interface SignInProvider {
  /** The sign_no to send for this operator (signing in first when needed). */
  signNoFor(opter: { login: string; name: string }): Promise<string>;
  /** The agency said this sign-in is missing or expired. */
  invalidate(login: string, signNo: string): void;
}

export interface AgencyClientOptions {
  config: AgencyConfig;
  fixmedinsCode: string;
  /** Stamps sign_no on every envelope at send time; null sends envelopes as they are. */
  signIn?: SignInProvider | null;
  /** Larger answers are treated as garbage rather than buffered without bound. Default 32 MiB. */
  maxResponseBytes?: number;
  /** Clock for the gateway's timestamps; tests move it to check the agency's skew window. */
  now?: () => Date;
}

export type { Page, PageKind } from './extension.ts';

export class AgencyClient {
  readonly config: AgencyConfig;
  readonly fixmedinsCode: string;
  readonly extension: ExtensionClient;
  private readonly adapter: GatewayAdapter;
  private readonly signIn: SignInProvider | null;
  private readonly maxResponseBytes: number;
  private readonly now: () => Date;

  constructor(options: AgencyClientOptions) {
    this.config = options.config;
    this.fixmedinsCode = options.fixmedinsCode;
    this.signIn = options.signIn ?? null;
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
    this.adapter = makeAdapter(this.config, this.now, { post: (url, headers, body) => this.post(url, headers, body) });
    this.extension = new ExtensionClient({
      url: this.config.extUrl,
      fixmedinsCode: this.fixmedinsCode,
      key: this.config.extKey,
      timeoutMs: this.config.timeoutMs,
      maxResponseBytes: this.maxResponseBytes,
      now: this.now,
      readEnvelope: (raw) => this.readEnvelope(raw),
    });
  }

  /** Where transactions go (for messages and the connection screen). */
  get baseUrl(): string {
    return this.config.url;
  }

  get profile(): GatewayProfileName {
    return this.adapter.name;
  }

  /**
   * One transaction, signed in: the operator's sign_no is put on the envelope; an answer saying
   * the sign-in is missing or expired signs in again and sends once more (docs/agency.md).
   * Throws BusinessError when infcode ≠ 0. Desk-extension transactions go to the extension URL.
   */
  async call(envelope: RequestEnvelope<unknown>): Promise<AgencyResponse> {
    if (isExtensionTransaction(envelope.infno)) return this.extension.call(envelope);
    if (!this.signIn || envelope.infno === SIGN_IN_INFNO) return this.transmit(envelope);
    const opter = { login: envelope.opter, name: envelope.opter_name };
    const signNo = await this.signIn.signNoFor(opter);
    try {
      return await this.transmit({ ...envelope, sign_no: signNo });
    } catch (e) {
      if (!(e instanceof BusinessError) || !isSignInRefusal(e.errMsg)) throw e;
      this.signIn.invalidate(opter.login, signNo);
      const again = await this.signIn.signNoFor(opter);
      return this.transmit({ ...envelope, sign_no: again });
    }
  }

  /** The envelope exactly as given (9001 itself, and callers that manage sign_no). */
  async transmit(envelope: RequestEnvelope<unknown>): Promise<AgencyResponse> {
    const url = transactionUrl(this.config, envelope.infno);
    let answer = await this.exchange(envelope, url);
    if (answer.status === 401 && this.adapter.unauthorized()) answer = await this.exchange(envelope, url);
    const info = errorBody(answer.body);
    if (answer.status >= 500) throw new ServerError(answer.status, `医保平台服务错误（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
    if (answer.status < 200 || answer.status >= 300) {
      throw new RejectedError(answer.status, info.code ?? `HTTP_${answer.status}`, `医保平台拒绝请求（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
    }
    const parsed = this.readEnvelope(this.adapter.answer(this.json(answer.body)));
    if (!parsed.ok) throw new BusinessError(envelope.msgid, envelope.infno, parsed.err_msg ?? `交易失败（infcode ${parsed.infcode}）`, parsed);
    // infcode 0 with an error text and no output where the transaction must have one: a failure.
    const failure = failureWithoutOutput(envelope.infno, parsed);
    if (failure !== null) throw new BusinessError(envelope.msgid, envelope.infno, failure, { ...parsed, ok: false });
    return parsed;
  }

  /** One page of a desk-extension download (roster, catalogue, policies, clearing). */
  page<T = Record<string, unknown>>(kind: PageKind, cursor: string | null, limit: number): Promise<Page<T>> {
    return this.extension.page<T>(kind, cursor, limit);
  }

  /**
   * Online detection: can the gateway be reached at all? Any HTTP answer counts (a real gateway
   * has no ping; a GET of the transaction URL is typically 404/405, which is still "there").
   */
  async ping(): Promise<boolean> {
    let target: URL;
    try {
      target = new URL(transactionUrl(this.config, SIGN_IN_INFNO));
    } catch (e) {
      throw new RejectedError(0, 'BAD_URL', `医保平台地址无效：${this.config.url}`, { cause: e });
    }
    try {
      await sendHttp(target, 'GET', {}, '', { timeoutMs: Math.min(this.config.timeoutMs, 5000), maxResponseBytes: 64 * 1024 });
      return true;
    } catch (e) {
      if (e instanceof NetworkError) return false;
      throw e;
    }
  }

  private async exchange(envelope: RequestEnvelope<unknown>, url: string): Promise<RawAnswer> {
    let target: URL;
    try {
      target = new URL(url);
    } catch (e) {
      throw new RejectedError(0, 'BAD_URL', `医保平台地址无效：${url}`, { cause: e });
    }
    let wire;
    try {
      wire = await this.adapter.request(envelope, target.toString());
    } catch (e) {
      if (e instanceof GmAuthError) {
        throw new RejectedError(e.status === 0 || e.status >= 500 ? 401 : e.status, 'GATEWAY_AUTH', e.message, { cause: e });
      }
      throw e;
    }
    return sendHttp(new URL(wire.url), 'POST', wire.headers, wire.body, { timeoutMs: this.config.timeoutMs, maxResponseBytes: this.maxResponseBytes });
  }

  private post(url: string, headers: Record<string, string>, body: string): Promise<RawAnswer> {
    return sendHttp(new URL(url), 'POST', headers, body, { timeoutMs: this.config.timeoutMs, maxResponseBytes: 1024 * 1024 });
  }

  private json(body: string): unknown {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // A proxy's HTML page or a truncated body: nothing the agency meant to say arrived.
      throw new NetworkError('garbage', `医保平台返回的内容不是 JSON：${body.slice(0, 80)}`);
    }
  }

  /** parseResponse, with its message-shape errors turned into RejectedError for the worker. */
  private readEnvelope(raw: unknown): AgencyResponse {
    try {
      return parseResponse(raw);
    } catch (e) {
      if (e instanceof AgencyMessageError) {
        // Not an envelope at all (unknown JSON): treat like garbage, it may be a transient proxy.
        if (e.code === 'NOT_OBJECT' || e.code === 'MALFORMED') throw new NetworkError('garbage', e.message, { cause: e });
        // Gateway error, e-voucher shape, encrypted output: retrying sends the same thing again.
        throw new RejectedError(200, e.code, e.message, { cause: e });
      }
      throw e;
    }
  }
}

function makeAdapter(config: AgencyConfig, now: () => Date, transport: WireTransport): GatewayAdapter {
  switch (config.profile) {
    case 'tif':
      return new TifAdapter(config.paasid, config.token, now);
    case 'plain':
      return new PlainAdapter(config.apikey);
    case 'gm':
      return new LazyGm(() => new GmAdapter({
        tokenUrl: tokenUrl(config),
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        username: config.username,
        password: config.password,
        sm2PrivateKey: config.sm2PrivateKey,
        now,
      }, transport));
  }
}

/** gm's settings are checked when the first transaction goes out, so a half-filled form does not break the desk. */
class LazyGm implements GatewayAdapter {
  readonly name = 'gm' as const;
  private inner: GmAdapter | null = null;
  constructor(private readonly make: () => GmAdapter) {}
  private get(): GmAdapter {
    this.inner ??= this.make();
    return this.inner;
  }
  request(env: RequestEnvelope<unknown>, url: string): Promise<WireRequest> {
    return this.get().request(env, url);
  }
  answer(raw: unknown): unknown {
    return this.get().answer(raw);
  }
  unauthorized(): boolean {
    return this.get().unauthorized();
  }
}
