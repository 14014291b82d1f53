import type { ApiError, ApiResponse, Input, Method, Output } from '../../shared/api/index.ts';

/**
 * The renderer's only way to the services. Under Electron the preload's `window.desk` carries
 * the call over IPC; in browser mode it is HTTP to the local host with the per-start secret.
 */
interface Bridge {
  call(method: string, input: unknown, token: string | null): Promise<ApiResponse<unknown>>;
  upload(bytes: ArrayBuffer, token: string | null): Promise<ApiResponse<unknown>>;
}

declare global {
  interface Window {
    desk?: Bridge;
  }
}

export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

const SECRET_KEY = 'desk.secret';
const TOKEN_KEY = 'desk.token';

function takeSecretFromUrl(): string | null {
  const m = /[#&]k=([^&]+)/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(SECRET_KEY, m[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(SECRET_KEY);
}

const secret = typeof window !== 'undefined' ? takeSecretFromUrl() : null;

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthenticated: (() => void) | undefined;
export function whenUnauthenticated(fn: () => void): void {
  onUnauthenticated = fn;
}

async function httpCall(method: string, input: unknown, token: string | null): Promise<ApiResponse<unknown>> {
  const res = await fetch(`./api/${encodeURIComponent(method)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-desk-secret': secret ?? '', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input ?? {}),
  });
  try {
    return (await res.json()) as ApiResponse<unknown>;
  } catch {
    return { ok: false, error: { code: 'HOST_UNAVAILABLE', message: `本机服务无响应（HTTP ${res.status}），请重新启动程序`, path: '' } };
  }
}

export async function call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
  let response: ApiResponse<unknown>;
  try {
    response = window.desk ? await window.desk.call(method, input, getToken()) : await httpCall(method, input, getToken());
  } catch {
    throw new ApiCallError({ code: 'HOST_UNAVAILABLE', message: '无法连接本机服务，请确认程序仍在运行', path: '' });
  }
  if (!response.ok) {
    if (response.error.code === 'UNAUTHENTICATED') onUnauthenticated?.();
    throw new ApiCallError(response.error);
  }
  return response.result as Output<M>;
}

/**
 * Sends a file's raw bytes ahead of the call that uses them (issue 21 point 5), so a 50 MB fee
 * file is not base64 inside one JSON request; the id it returns is good for one call.
 */
export async function upload(file: Blob): Promise<{ uploadId: string; bytes: number }> {
  let response: ApiResponse<unknown>;
  try {
    if (window.desk) {
      response = await window.desk.upload(await file.arrayBuffer(), getToken());
    } else {
      const token = getToken();
      const res = await fetch('./upload', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-desk-secret': secret ?? '', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: file,
      });
      response = (await res.json()) as ApiResponse<unknown>;
    }
  } catch {
    throw new ApiCallError({ code: 'HOST_UNAVAILABLE', message: '无法连接本机服务，文件未上传，请确认程序仍在运行', path: '' });
  }
  if (!response.ok) {
    if (response.error.code === 'UNAUTHENTICATED') onUnauthenticated?.();
    throw new ApiCallError(response.error);
  }
  return response.result as { uploadId: string; bytes: number };
}
