import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Desk } from '../services/desk.ts';
import { dispatch } from '../services/dispatch.ts';
import { ServiceError } from '../services/errors.ts';
import { MAX_UPLOAD_BYTES, uploadTooLarge } from '../services/uploads.ts';

/** How long close() waits for calls in progress before it closes every connection. */
const CLOSE_GRACE_MS = 5000;

/**
 * Browser mode: the renderer and the same services behind a small HTTP host on 127.0.0.1 only.
 * Every API call must carry the per-start secret (handed to the browser in the URL fragment,
 * which is never sent over HTTP), so other local processes and web pages cannot call it.
 */
export const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist/', import.meta.url));

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  // The screens' rare-character faces (renderer/src/rareFonts.css, issue 17), copied into the build by Vite.
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.json': 'application/json; charset=utf-8',
};

export interface HostOptions {
  desk: Desk;
  port?: number;
  secret?: string;
  distDir?: string;
}

export interface Host {
  server: Server;
  url: string;
  /** The URL to open in the browser, with the secret in the fragment. */
  openUrl: string;
  secret: string;
  close(): Promise<void>;
}

const MAX_BODY = 20 * 1024 * 1024;

/** The body, or null when it is over MAX_BODY (the rest is read and dropped so the connection stays usable). */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8');
}

const TOO_LARGE = JSON.stringify({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `请求超过本机服务的上限 ${MAX_BODY / 1024 / 1024} MiB，未处理`, path: '' } });
const BAD_PATH = JSON.stringify({ ok: false, error: { code: 'BAD_PATH', message: '请求地址中的 % 编码无效', path: '' } });

function decodePath(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null;
  }
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CSP,
    ...extra,
  });
  res.end(body);
}

export async function startHost(options: HostOptions): Promise<Host> {
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const distDir = options.distDir ?? RENDERER_DIST;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      console.error(`[host] ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: '内部错误', path: '' } }), 'application/json; charset=utf-8');
    });
  });

  /**
   * Raw bytes streamed to disk, for files too large for a JSON call (issue 21 point 5): the answer
   * is an id that `fees.import` names. Same secret and session as any call.
   */
  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = 'application/json; charset=utf-8';
    if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain; charset=utf-8');
    if (!sameSecret(req.headers['x-desk-secret'] as string | undefined, secret)) {
      return send(res, 403, JSON.stringify({ ok: false, error: { code: 'FORBIDDEN_HOST', message: '本机服务拒绝了未授权的调用，请从桌面端重新打开程序', path: '' } }), json);
    }
    const auth = req.headers.authorization;
    const session = auth?.startsWith('Bearer ') ? options.desk.sessions.touch(auth.slice(7)) : undefined;
    if (!session) return send(res, 401, JSON.stringify({ ok: false, error: { code: 'UNAUTHENTICATED', message: '请先登录', path: '' } }), json, { connection: 'close' });
    if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES) {
      return send(res, 413, JSON.stringify({ ok: false, error: uploadTooLarge().toApi() }), json, { connection: 'close' });
    }
    inFlight++;
    try {
      const result = await options.desk.uploads.receive(req, session.clerkId);
      return send(res, 200, JSON.stringify({ ok: true, result }), json);
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      return send(res, e.code === 'PAYLOAD_TOO_LARGE' ? 413 : 400, JSON.stringify({ ok: false, error: e.toApi() }), json);
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // DNS rebinding: only our own loopback host name is served.
    const host = req.headers.host ?? '';
    if (!/^(127\.0\.0\.1|localhost):\d+$/.test(host)) return send(res, 421, 'misdirected', 'text/plain; charset=utf-8');

    if (url.pathname === '/upload') return upload(req, res);

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain; charset=utf-8');
      if (!sameSecret(req.headers['x-desk-secret'] as string | undefined, secret)) {
        return send(res, 403, JSON.stringify({ ok: false, error: { code: 'FORBIDDEN_HOST', message: '本机服务拒绝了未授权的调用，请从桌面端重新打开程序', path: '' } }), 'application/json; charset=utf-8');
      }
      const method = decodePath(url.pathname.slice('/api/'.length));
      if (method === null) return send(res, 400, BAD_PATH, 'application/json; charset=utf-8');
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
        // Said at once, and the connection closed cleanly: the client need not send the rest.
        return send(res, 413, TOO_LARGE, 'application/json; charset=utf-8', { connection: 'close' });
      }
      let input: unknown = {};
      const body = await readBody(req);
      if (body === null) return send(res, 413, TOO_LARGE, 'application/json; charset=utf-8');
      if (body.trim() !== '') {
        try {
          input = JSON.parse(body);
        } catch {
          return send(res, 400, JSON.stringify({ ok: false, error: { code: 'INVALID_JSON', message: '请求不是有效的 JSON', path: '' } }), 'application/json; charset=utf-8');
        }
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
      inFlight++;
      try {
        const result = await dispatch(options.desk, method, input, token);
        return send(res, 200, JSON.stringify(result), 'application/json; charset=utf-8');
      } finally {
        inFlight--;
        if (inFlight === 0) idle?.();
      }
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only', 'text/plain; charset=utf-8');
    const rel = url.pathname === '/' ? 'index.html' : decodePath(url.pathname.slice(1));
    if (rel === null) return send(res, 400, '请求地址中的 % 编码无效', 'text/plain; charset=utf-8');
    const file = normalize(join(distDir, rel));
    if (!file.startsWith(normalize(distDir + sep)) && file !== normalize(distDir)) return send(res, 404, 'not found', 'text/plain; charset=utf-8');
    try {
      const data = await readFile(file);
      return send(res, 200, data, TYPES[extname(file)] ?? 'application/octet-stream');
    } catch {
      // Client-side routes fall back to the app; a desk whose renderer was never built says so.
      if (!extname(rel) || rel === 'index.html') {
        try {
          return send(res, 200, await readFile(join(distDir, 'index.html')), TYPES['.html']!);
        } catch {
          return send(res, 503, '界面尚未构建：请先运行 npm run build:renderer', 'text/plain; charset=utf-8');
        }
      }
      return send(res, 404, 'not found', 'text/plain; charset=utf-8');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/`;
  return {
    server,
    url,
    openUrl: `${url}#k=${secret}`,
    secret,
    /**
     * Graceful: stop accepting, wait for the calls in progress, then close. A page that keeps
     * polling on a kept-alive connection could hold that open for ever, so after a grace period
     * every connection is closed (a call's work is its own transaction: nothing is half-written).
     */
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        if (inFlight === 0) return;
        // After the response is written the socket turns idle on a later tick.
        idle = () => setImmediate(() => server.closeIdleConnections());
      }),
  };
}
