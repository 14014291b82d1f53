import http from 'node:http';
import https from 'node:https';
import { NetworkError } from './errors.ts';

/**
 * HTTP for the agency: keep-alive connections shared by every client of the process (the worker
 * sends one transaction per request, several at a time), a whole-exchange timeout, a size bound,
 * and every transport failure typed as a NetworkError whose kind tells whether the request may
 * have arrived.
 */

export interface RawAnswer {
  status: number;
  body: string;
  /** The body's bytes (a 9102 answers with the file itself) and the headers. */
  raw: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** Bytes handed to `sink` instead of kept (then `raw` is empty); null when the body was kept. */
  sunk: number | null;
}

/**
 * Where a body goes instead of memory (a 9102 file to its temp file): asked on the first chunk,
 * with the status and headers; null keeps the body as usual (an error or envelope answer). The
 * writer may throw (a size bound): the exchange then fails with that error.
 */
export type BodySink = (status: number, headers: Record<string, string | string[] | undefined>, first: Buffer) => ((chunk: Buffer) => void) | null;

export interface SendOptions {
  timeoutMs: number;
  /** Bound on a kept body; a sunk body is bounded by its writer. */
  maxResponseBytes: number;
  sink?: BodySink;
}

// Sockets idle shorter than a typical server's keep-alive (5 s), so a reused socket is rarely
// one the server already closed.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 4000 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, timeout: 4000 });

function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function classifyTransportError(e: unknown, timedOut: boolean, url: string): NetworkError {
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

export function sendHttp(target: URL, method: 'GET' | 'POST' | 'HEAD', headers: Record<string, string>, body: string, o: SendOptions): Promise<RawAnswer> {
  const url = target.toString();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, o.timeoutMs);
  const secure = target.protocol === 'https:';
  const transport = secure ? https : http;
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (method === 'POST') all['content-length'] = String(Buffer.byteLength(body));
  return new Promise<RawAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (e: unknown): void => finish(() => reject(classifyTransportError(e, timedOut, url)));
    const req = transport.request(target, { method, headers: all, agent: secure ? httpsAgent : httpAgent, signal: controller.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // undefined: not decided yet (first chunk); null: kept in memory.
      let write: ((chunk: Buffer) => void) | null | undefined = o.sink ? undefined : null;
      let sunk = 0;
      res.on('data', (chunk: Buffer) => {
        if (write !== null) {
          try {
            write ??= o.sink!(res.statusCode ?? 0, res.headers, chunk);
            if (write === null) return keep(chunk);
            write(chunk);
          } catch (e) {
            // The writer's own refusal (e.g. over its bound) is the answer's failure, as it is.
            finish(() => reject(e));
            res.destroy();
            return;
          }
          sunk += chunk.length;
          return;
        }
        keep(chunk);
      });
      const keep = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > o.maxResponseBytes) {
          fail(new NetworkError('garbage', `医保平台应答超过 ${o.maxResponseBytes} 字节`));
          res.destroy();
          return;
        }
        chunks.push(chunk);
      };
      res.on('end', () => {
        // 'end' only fires when the whole declared body arrived.
        const raw = Buffer.concat(chunks);
        finish(() => resolve({ status: res.statusCode ?? 0, body: raw.toString('utf8'), raw, headers: res.headers, sunk: write ? sunk : null }));
      });
      // What arrived of a cut answer is kept on the error: a file download may go on from it.
      const cut = (cause?: unknown): NetworkError => {
        const err = new NetworkError('dropped', `医保平台应答中途断开：${url}`, cause === undefined ? undefined : { cause });
        err.partial = { status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks), sunk: write ? sunk : null };
        return err;
      };
      res.on('error', (e) => {
        if (timedOut) fail(e);
        else fail(cut(e));
      });
      res.on('close', () => {
        if (!res.complete) {
          if (timedOut) fail(new Error('aborted'));
          else fail(cut());
        }
      });
    });
    req.on('error', fail);
    req.end(method === 'POST' ? body : undefined);
  });
}

/** Reads `{error, message}` / `{err_msg}` from an HTTP error body when there is one. */
export function errorBody(body: string): { code: string | null; message: string | null } {
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
