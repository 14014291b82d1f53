import { failureWithoutOutput } from '../../shared/agency/answers.ts';
import { readFileDownload } from '../../shared/agency/files.ts';
import { AgencyMessageError, parseResponse, type AgencyResponse, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { isExtensionTransaction, isSignInRefusal, SIGN_IN_INFNO } from '../../shared/agency/transactions.ts';
import { tokenUrl, transactionUrl, type AgencyConfig, type GatewayProfileName } from './config.ts';
import { ExtensionClient, type Page, type PageKind } from './extension.ts';
import { GmAdapter, GmAuthError } from './profiles/gm.ts';
import { PlainAdapter } from './profiles/plain.ts';
import { TifAdapter } from './profiles/tif.ts';
import type { GatewayAdapter, WireRequest, WireTransport } from './profiles/types.ts';
import { errorBody, sendHttp, type BodySink, type RawAnswer } from './transport.ts';
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
    return this.signedIn(envelope, (env) => this.transmit(env));
  }

  /**
   * 9102: the file's bytes as the gateway sends them — raw bytes (tif, plain; a `Range` from
   * `from` when resuming) or an envelope whose output carries them (gm). An answer cut mid-way
   * comes back as what arrived (`complete: false`), so the caller can resume where the gateway
   * says it can (`accept-ranges: bytes`). Refusals throw as call() does.
   */
  fetchFile(envelope: RequestEnvelope<unknown>, o: { from: number; maxBytes: number; open?: FileWriterOpener }): Promise<FileAnswer> {
    return this.signedIn(envelope, (env) => this.transmitFile(env, o.from, o.maxBytes, o.open));
  }

  private async signedIn<T>(envelope: RequestEnvelope<unknown>, send: (env: RequestEnvelope<unknown>) => Promise<T>): Promise<T> {
    if (!this.signIn || envelope.infno === SIGN_IN_INFNO) return send(envelope);
    const opter = { login: envelope.opter, name: envelope.opter_name };
    const signNo = await this.signIn.signNoFor(opter);
    try {
      return await send({ ...envelope, sign_no: signNo });
    } catch (e) {
      if (!(e instanceof BusinessError) || !isSignInRefusal(e.errMsg)) throw e;
      this.signIn.invalidate(opter.login, signNo);
      const again = await this.signIn.signNoFor(opter);
      return send({ ...envelope, sign_no: again });
    }
  }

  private async transmitFile(envelope: RequestEnvelope<unknown>, from: number, maxBytes: number, open?: FileWriterOpener): Promise<FileAnswer> {
    const url = transactionUrl(this.config, envelope.infno);
    // An envelope answer carries the file Base64 (and, gm, encrypted once more): room for both.
    const bound = Math.ceil(maxBytes * 1.9) + 64 * 1024;
    const extra = { accept: 'application/zip, application/octet-stream, application/json', ...(from > 0 ? { range: `bytes=${from}-` } : {}) };
    // Raw file bytes (tif, plain) go straight to the caller's writer, never into one Buffer; an
    // envelope (gm, or a refusal) is kept as usual, since it must be parsed whole.
    const sink: BodySink | undefined = open && ((status, headers, first) => {
      if ((status !== 200 && status !== 206) || isJson(headers, first)) return null;
      const at = rangeOf(status, headers, from);
      return at === null ? null : open(at.from);
    });
    let answer: RawAnswer;
    try {
      answer = await this.exchange(envelope, url, extra, bound, sink);
      if (answer.status === 401 && this.adapter.unauthorized()) answer = await this.exchange(envelope, url, extra, bound, sink);
    } catch (e) {
      const p = e instanceof NetworkError ? e.partial : null;
      if (p && (p.status === 200 || p.status === 206) && (p.sunk !== null || !isJson(p.headers, p.bytes))) {
        const at = rangeOf(p.status, p.headers, from);
        if (at !== null) return { bytes: p.bytes, written: p.sunk ?? 0, from: at.from, total: at.total, resumable: resumable(p.headers), complete: false, cut: e as NetworkError };
      }
      throw e;
    }
    if (answer.sunk !== null) {
      const at = rangeOf(answer.status, answer.headers, from)!;
      return { bytes: answer.raw, written: answer.sunk, from: at.from, total: at.total, resumable: resumable(answer.headers), complete: true, cut: null };
    }
    if (answer.status >= 500) throw new ServerError(answer.status, `医保平台服务错误（HTTP ${answer.status}）`);
    if (answer.status === 416) throw new RejectedError(416, 'RANGE', '医保平台不接受续传的起点（HTTP 416）');
    if (answer.status < 200 || answer.status >= 300) {
      const info = errorBody(answer.body);
      throw new RejectedError(answer.status, info.code ?? `HTTP_${answer.status}`, `医保平台拒绝请求（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
    }
    if (isJson(answer.headers, answer.raw)) {
      const parsed = this.readEnvelope(this.adapter.answer(this.json(answer.body)));
      if (!parsed.ok) throw new BusinessError(envelope.msgid, envelope.infno, parsed.err_msg ?? `交易失败（infcode ${parsed.infcode}）`, parsed);
      let file;
      try {
        file = readFileDownload(parsed.output);
      } catch (e) {
        if (e instanceof AgencyMessageError) throw new RejectedError(200, e.code, e.message, { cause: e });
        throw e;
      }
      const bytes = 'base64' in file ? Buffer.from(file.base64, 'base64') : Buffer.from(file.bytes);
      return { bytes, written: 0, from: 0, total: bytes.length, resumable: false, complete: true, cut: null };
    }
    const at = rangeOf(answer.status, answer.headers, from);
    if (at === null) throw new RejectedError(answer.status, 'RANGE', `医保平台续传的范围与请求不符（Content-Range：${String(answer.headers['content-range'] ?? '无')}）`);
    return { bytes: answer.raw, written: 0, from: at.from, total: at.total, resumable: resumable(answer.headers), complete: true, cut: null };
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

  private async exchange(envelope: RequestEnvelope<unknown>, url: string, extraHeaders: Record<string, string> = {}, maxResponseBytes = this.maxResponseBytes, sink?: BodySink): Promise<RawAnswer> {
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
    return sendHttp(new URL(wire.url), 'POST', { ...wire.headers, ...extraHeaders }, wire.body, { timeoutMs: this.config.timeoutMs, maxResponseBytes, sink });
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

/**
 * Called when raw file bytes start arriving, with the offset they start at (0 when the gateway
 * ignored a Range): returns the writer every chunk goes to, in order.
 */
export type FileWriterOpener = (from: number) => (chunk: Buffer) => void;

/**
 * What one 9102 try brought: the file from offset `from` — `bytes` kept in memory, or (with an
 * opener, raw answers) `written` bytes handed to its writer and `bytes` empty; `total` the whole
 * file's size when the gateway said it.
 */
export interface FileAnswer {
  bytes: Buffer;
  written: number;
  from: number;
  total: number | null;
  /** The gateway takes `Range` (accept-ranges: bytes): a cut download goes on from where it stopped. */
  resumable: boolean;
  complete: boolean;
  /** Why an incomplete answer stopped. */
  cut: NetworkError | null;
}

function headerText(h: Record<string, string | string[] | undefined>, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function isJson(h: Record<string, string | string[] | undefined>, bytes: Buffer): boolean {
  const type = headerText(h, 'content-type').toLowerCase();
  if (type.includes('json')) return true;
  // No type: a ZIP starts with PK, an envelope with {.
  return type === '' && bytes.length > 0 && bytes[0] === 0x7b;
}

function resumable(h: Record<string, string | string[] | undefined>): boolean {
  return headerText(h, 'accept-ranges').toLowerCase() === 'bytes';
}

/** Where the bytes of an answer start and the file's whole size; null when a 206 is not the range asked for. */
function rangeOf(status: number, h: Record<string, string | string[] | undefined>, asked: number): { from: number; total: number | null } | null {
  if (status === 200) {
    const len = headerText(h, 'content-length');
    return { from: 0, total: /^\d+$/.test(len) ? Number(len) : null };
  }
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerText(h, 'content-range').trim());
  if (!m || Number(m[1]) !== asked) return null;
  return { from: asked, total: m[3] === '*' ? null : Number(m[3]) };
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
