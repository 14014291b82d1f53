import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { AgencyResponse, RequestEnvelope } from '../../shared/agency/envelope.ts';
import { BusinessError, NetworkError, RejectedError, ServerError } from './errors.ts';
import { errorBody, sendHttp, type RawAnswer } from './transport.ts';

/**
 * The desk extensions (docs/agency.md): what no real platform offers — the registration roster,
 * the insured regions' policy parameters, the clearing feed, the appeal transactions 3290/3291.
 * Served by the reference agency on a URL of its own and signed with the desk's shared key;
 * a desk without them (unset URL, 404) works, and each feature says what it misses.
 */

export type PageKind = 'roster' | 'catalogue' | 'policies' | 'clearing';

export interface Page<T = Record<string, unknown>> {
  items: T[];
  nextCursor: string | null;
  total: number;
}

export function sha256Hex(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The extensions' four authentication headers; exported so tests can make raw signed requests. */
export function signHeaders(fixmedinsCode: string, key: string, body: string, now: Date = new Date(), nonce: string = randomUUID()): Record<string, string> {
  const timestamp = String(now.getTime());
  const signature = createHmac('sha256', key).update(`${timestamp}\n${nonce}\n${sha256Hex(body)}`).digest('hex');
  return { 'x-fixmedins-code': fixmedinsCode, 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature };
}

export const NO_EXTENSION_MESSAGE = '未配置桌面扩展接口（设置 → 经办机构连接 → 扩展接口地址，或环境变量 AGENCY_EXT_URL）';

export interface ExtensionClientOptions {
  url: string | null;
  fixmedinsCode: string;
  key: string;
  timeoutMs: number;
  maxResponseBytes: number;
  now: () => Date;
  /** Reads the answer envelope (the agency client's reader, shared). */
  readEnvelope: (raw: unknown) => AgencyResponse;
}

export class ExtensionClient {
  constructor(private readonly o: ExtensionClientOptions) {}

  get configured(): boolean {
    return this.o.url !== null;
  }

  /** A desk-extension transaction (3290/3291): POST {ext}/api/{infno}. */
  async call(envelope: RequestEnvelope<unknown>): Promise<AgencyResponse> {
    const answer = await this.exchange('POST', `/api/${encodeURIComponent(envelope.infno)}`, JSON.stringify(envelope));
    const parsed = this.o.readEnvelope(json(answer.body));
    if (!parsed.ok) throw new BusinessError(envelope.msgid, envelope.infno, parsed.err_msg ?? `交易失败（infcode ${parsed.infcode}）`, parsed);
    return parsed;
  }

  /** GET {ext}/api/pages/{kind}?cursor=&limit= — one page of a download; pass nextCursor back until null. */
  async page<T = Record<string, unknown>>(kind: PageKind, cursor: string | null, limit: number): Promise<Page<T>> {
    const q = new URLSearchParams({ cursor: cursor ?? '', limit: String(limit) });
    const answer = await this.exchange('GET', `/api/pages/${kind}?${q.toString()}`, '');
    const body = json(answer.body) as Partial<Page<T>> | null;
    if (!body || !Array.isArray(body.items) || typeof body.total !== 'number' || !(body.nextCursor === null || typeof body.nextCursor === 'string')) {
      throw new NetworkError('garbage', `扩展接口分页应答格式不正确（${kind}）`);
    }
    return { items: body.items, nextCursor: body.nextCursor, total: body.total };
  }

  private async exchange(method: 'GET' | 'POST', path: string, body: string): Promise<RawAnswer> {
    if (this.o.url === null) throw new RejectedError(404, 'NO_EXTENSION', NO_EXTENSION_MESSAGE);
    const url = `${this.o.url.replace(/\/+$/, '')}${path}`;
    let target: URL;
    try {
      target = new URL(url);
    } catch (e) {
      throw new RejectedError(0, 'BAD_URL', `扩展接口地址无效：${url}`, { cause: e });
    }
    const headers: Record<string, string> = signHeaders(this.o.fixmedinsCode, this.o.key, body, this.o.now());
    if (method === 'POST') headers['content-type'] = 'application/json; charset=utf-8';
    const answer = await sendHttp(target, method, headers, body, this.o);
    if (answer.status >= 200 && answer.status < 300) return answer;
    const info = errorBody(answer.body);
    if (answer.status >= 500) throw new ServerError(answer.status, `扩展接口服务错误（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
    if (answer.status === 404 && info.code === null) throw new RejectedError(404, 'NO_EXTENSION', `扩展接口不提供此项（HTTP 404）：${url}`);
    throw new RejectedError(answer.status, info.code ?? `HTTP_${answer.status}`, `扩展接口拒绝请求（HTTP ${answer.status}）${info.message ? `：${info.message}` : ''}`);
  }
}

function json(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new NetworkError('garbage', `扩展接口返回的内容不是 JSON：${body.slice(0, 80)}`);
  }
}
