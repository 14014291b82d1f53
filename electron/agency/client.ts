import { createHash, createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { AgencyMessageError, parseResponse, type AgencyResponse, type RequestEnvelope } from '../../shared/agency/envelope.ts';

/**
 * The desk's HTTP client for the agency. Every failure becomes one of four typed errors, because
 * the outbox worker decides from the type alone what to do with an entry:
 *   NetworkError  — nothing usable arrived (refused, reset, timeout, cut mid-answer, garbage): retry;
 *   ServerError   — the agency answered 5xx: retry;
 *   RejectedError — the agency refused the request itself (4xx, gateway/encrypted shapes): park;
 *   BusinessError — the transaction ran and answered infcode ≠ 0: park and show err_msg.
 * Retrying is safe because msgids are stable across retries and the agency deduplicates.
 */

export type NetworkErrorKind = 'refused' | 'reset' | 'timeout' | 'dropped' | 'garbage' | 'dns' | 'other';

export abstract class AgencyError extends Error {
  abstract readonly retryable: boolean;
}

export class NetworkError extends AgencyError {
  readonly retryable = true;
  constructor(
    readonly kind: NetworkErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export class ServerError extends AgencyError {
  readonly retryable = true;
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export class RejectedError extends AgencyError {
  readonly retryable = false;
  constructor(
    /** HTTP status; 200 when the body was a recognised non-envelope shape (gateway, encrypted). */
    readonly status: number,
    /** The agency's error code (e.g. BAD_SIGNATURE) or the message-shape code. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RejectedError';
  }
}

export class BusinessError extends AgencyError {
  readonly retryable = false;
  constructor(
    readonly msgid: string,
    readonly infno: string,
    readonly errMsg: string,
    readonly response: AgencyResponse,
  ) {
    super(`医保平台业务失败（${infno}）：${errMsg}`);
    this.name = 'BusinessError';
  }
}

export interface AgencyClientOptions {
  /** e.g. http://127.0.0.1:18090 — no trailing path needed. */
  baseUrl: string;
  fixmedinsCode: string;
  /** The per-institution shared key the agency issued. */
  key: string;
  /** Whole exchange, connect to last byte. Default 15 s. */
  timeoutMs?: number;
  /** Larger answers are treated as garbage rather than buffered without bound. Default 32 MiB. */
  maxResponseBytes?: number;
  /** Clock for x-timestamp; tests move it to check the agency's skew window. */
  now?: () => Date;
}

export type BatchItemResult =
  | { msgid: string; ok: true; response: AgencyResponse }
  | { msgid: string; ok: false; error: BusinessError | RejectedError };

export type PageKind = 'roster' | 'catalogue' | 'policies' | 'clearing';

export interface Page<T = Record<string, unknown>> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

export function sha256Hex(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The four authentication headers; exported so tests can make raw signed requests. */
export function signHeaders(fixmedinsCode: string, key: string, body: string, now: Date = new Date(), nonce: string = randomUUID()): Record<string, string> {
  const timestamp = String(now.getTime());
  const signature = createHmac('sha256', key).update(`${timestamp}\n${nonce}\n${sha256Hex(body)}`).digest('hex');
  return { 'x-fixmedins-code': fixmedinsCode, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature };
}

interface RawAnswer {
  status: number;
  body: string;
}

function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function classifyTransportError(e: unknown, timedOut: boolean, url: string): NetworkError {
  if (e instanceof NetworkError) return e;
  if (timedOut) return new NetworkError('timeout', `连接医保平台超时：${url}`, { cause: e });
  const code = errorCode(e);
  switch (code) {
    case 'ECONNREFUSED':
      return new NetworkError('refused', `医保平台拒绝连接（服务未启动或地址错误）：${url}`, { cause: e });
    case 'ECONNRESET':
    case 'EPIPE':
      return new NetworkError('reset', `与医保平台的连接被重置：${url}`, { cause: e });
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return new NetworkError('timeout', `连接医保平台超时：${url}`, { cause: e });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new NetworkError('dns', `无法解析医保平台地址：${url}`, { cause: e });
    default:
      return new NetworkError('other', `与医保平台通信失败（${code ?? (e instanceof Error ? e.message : String(e))}）：${url}`, { cause: e });
  }
}

/** Reads `{error, message}` from an HTTP error body when there is one. */
function errorBody(body: string): { code: string | null; message: string | null } {
  try {
    const v = JSON.parse(body) as unknown;
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      return {
        code: typeof o.error === 'string' ? o.error : null,
        message: typeof o.message === 'string' ? o.message : typeof o.err_msg === 'string' ? o.err_msg : null,
      };
    }
  } catch {
    // Not JSON: the status alone has to speak.
  }
  return { code: null, message: null };
}

export class AgencyClient {
  readonly baseUrl: string;
  readonly fixmedinsCode: string;
  private readonly key: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly now: () => Date;

  constructor(options: AgencyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fixmedinsCode = options.fixmedinsCode;
    this.key = options.key;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
  }

  /** One transaction: POST /api/{infno}. Throws BusinessError when infcode ≠ 0. */
  async call(envelope: RequestEnvelope<unknown>): Promise<AgencyResponse> {
    const answer = await this.exchange('POST', `/api/${encodeURIComponent(envelope.infno)}`, JSON.stringify(envelope));
    const parsed = this.readEnvelope(this.json(answer.body));
    if (!parsed.ok) throw new BusinessError(envelope.msgid, envelope.infno, parsed.err_msg ?? `交易失败（infcode ${parsed.infcode}）`, parsed);
    return parsed;
  }

  /**
   * Several transactions in one request: POST /api/batch with `{ items }`, answered with
   * `{ results }` carrying each request's msgid. One result per envelope, in the order sent;
   * a failed item does not fail the others. A missing or extra result means the answer cannot
   * be trusted as a whole, so the batch is retried (the agency returns stored answers).
   */
  async batch(envelopes: RequestEnvelope<unknown>[]): Promise<BatchItemResult[]> {
    if (envelopes.length === 0) return [];
    const answer = await this.exchange('POST', '/api/batch', JSON.stringify({ items: envelopes }));
    const body = this.json(answer.body);
    const results = (body as { results?: unknown } | null)?.results;
    if (!Array.isArray(results)) throw new NetworkError('garbage', '医保平台批量应答缺少 results 列表');
    const byMsgid = new Map<string, unknown>();
    for (const r of results) {
      const id = (r as { msgid?: unknown } | null)?.msgid;
      if (typeof id !== 'string' || byMsgid.has(id)) throw new NetworkError('garbage', '医保平台批量应答中有缺少或重复 msgid 的结果');
      byMsgid.set(id, r);
    }
    if (byMsgid.size !== envelopes.length) throw new NetworkError('garbage', `医保平台批量应答条数不符：发送 ${envelopes.length} 条，返回 ${byMsgid.size} 条`);
    return envelopes.map((env): BatchItemResult => {
      const raw = byMsgid.get(env.msgid);
      if (raw === undefined) throw new NetworkError('garbage', `医保平台批量应答缺少报文 ${env.msgid} 的结果`);
      let response: AgencyResponse;
      try {
        response = this.readEnvelope(raw);
      } catch (e) {
        if (e instanceof RejectedError) return { msgid: env.msgid, ok: false, error: e };
        throw e;
      }
      if (!response.ok) {
        return { msgid: env.msgid, ok: false, error: new BusinessError(env.msgid, env.infno, response.err_msg ?? `交易失败（infcode ${response.infcode}）`, response) };
      }
      return { msgid: env.msgid, ok: true, response };
    });
  }

  /** GET /api/pages/{kind}?cursor=&limit= — one page of a download; pass nextCursor back until null. */
  async page<T = Record<string, unknown>>(kind: PageKind, cursor: string | null, limit: number): Promise<Page<T>> {
    const q = new URLSearchParams({ cursor: cursor ?? '', limit: String(limit) });
    const answer = await this.exchange('GET', `/api/pages/${kind}?${q.toString()}`, '');
    const body = this.json(answer.body) as Partial<Page<T>> | null;
    if (!body || !Array.isArray(body.items) || typeof body.total !== 'number' || !(body.nextCursor === null || typeof body.nextCursor === 'string')) {
      throw new NetworkError('garbage', `医保平台分页应答格式不正确（${kind}）`);
    }
    return { items: body.items, nextCursor: body.nextCursor, total: body.total };
  }

  /**
   * Online detection. false when the agency cannot be reached or is failing (network, 5xx);
   * a 4xx (bad key, unknown institution) is thrown instead, because that is a configuration
   * problem someone must fix, not "offline".
   */
  async ping(): Promise<boolean> {
    try {
      await this.exchange('GET', '/api/ping', '');
      return true;
    } catch (e) {
      if (e instanceof NetworkError || e instanceof ServerError) return false;
      throw e;
    }
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

  private async exchange(method: 'GET' | 'POST', path: string, body: string): Promise<RawAnswer> {
    const url = `${this.baseUrl}${path}`;
    let target: URL;
    try {
      target = new URL(url);
    } catch (e) {
      throw new RejectedError(0, 'BAD_URL', `医保平台地址无效：${url}`, { cause: e });
    }
    const headers: Record<string, string> = {
      ...signHeaders(this.fixmedinsCode, this.key, body, this.now()),
      accept: 'application/json',
    };
    if (method === 'POST') {
      headers['content-type'] = 'application/json; charset=utf-8';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const answer = await this.send(target, method, headers, body);
    if (answer.status >= 200 && answer.status < 300) return answer;
    const info = errorBody(answer.body);
    if (answer.status >= 500) throw new ServerError(answer.status, `医保平台服务错误（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
    throw new RejectedError(answer.status, info.code ?? `HTTP_${answer.status}`, `医保平台拒绝请求（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
  }

  private send(target: URL, method: string, headers: Record<string, string>, body: string): Promise<RawAnswer> {
    const url = target.toString();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<RawAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const fail = (e: unknown): void => finish(() => reject(classifyTransportError(e, timedOut, url)));
      // A fresh connection per request (agent: false): a kept-alive socket the agency already
      // closed would turn into a spurious reset on the next call.
      const req = transport.request(target, { method, headers, agent: false, signal: controller.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            fail(new NetworkError('garbage', `医保平台应答超过 ${this.maxResponseBytes} 字节`));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          // 'end' only fires when the whole declared body arrived.
          finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        res.on('error', (e) => {
          if (timedOut) fail(e);
          else fail(new NetworkError('dropped', `医保平台应答中途断开：${url}`, { cause: e }));
        });
        res.on('close', () => {
          if (!res.complete) {
            if (timedOut) fail(new Error('aborted'));
            else fail(new NetworkError('dropped', `医保平台应答中途断开：${url}`));
          }
        });
      });
      req.on('error', fail);
      req.end(body);
    });
  }
}
