import { z } from 'zod';

/**
 * The one typed map between the renderer and the services: method → input schema → output
 * type → who may call it. The Electron IPC handlers and the local HTTP host both register
 * from this map and validate every input with it; the renderer's client is typed from it.
 */
export type Role = 'clerk' | 'supervisor';
/** `public` methods need no login; the others need a session of at least that role. */
export type Access = 'public' | Role;

export interface MethodSpec<I extends z.ZodType, O> {
  input: I;
  access: Access;
  /** Phantom: carries the output type only. */
  output?: O;
}

/** Declares one method: `method<Output>()(inputSchema, access)`. Domain files build their maps with it. */
export function method<O>() {
  return <I extends z.ZodType>(input: I, access: Access): MethodSpec<I, O> => ({ input, access });
}

export interface SessionInfo {
  token: string;
  clerk: { id: number; login: string; name: string; role: Role };
  idleMinutes: number;
}

export interface DeskStatus {
  online: boolean | null;
  lastContactAt: string | null;
  agencyUrl: string;
  outboxPending: number;
  outboxRejected: number;
  institution: { code: string; name: string; level: number; admdvs: string; regionName: string } | null;
  today: string;
}

export interface BackupEntry {
  name: string;
  day: string;
  bytes: number;
  reason: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  clerk: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  detail: string | null;
}

export const empty = z.object({});

/** Login, status, maintenance. Each domain adds its own map in shared/api/<domain>.ts. */
export const coreApi = {
  'auth.login': method<SessionInfo>()(z.object({ login: z.string().trim().min(1, '请输入工号'), password: z.string().min(1, '请输入密码') }), 'public'),
  'auth.logout': method<{ ok: true }>()(empty, 'clerk'),
  'auth.me': method<SessionInfo>()(empty, 'clerk'),
  'status.get': method<DeskStatus>()(empty, 'clerk'),
  'system.integrityCheck': method<{ ok: boolean; messages: string[] }>()(empty, 'supervisor'),
  'backup.list': method<BackupEntry[]>()(empty, 'supervisor'),
  'backup.create': method<BackupEntry>()(empty, 'supervisor'),
  'backup.restore': method<{ restored: string; keptAside: string }>()(z.object({ name: z.string().min(1, '请选择备份文件') }), 'supervisor'),
  'audit.list': method<AuditEntry[]>()(z.object({ limit: z.number().int().min(1).max(1000).default(200) }), 'supervisor'),
} as const;


export interface ApiError {
  code: string;
  message: string;
  path: string;
}
export type ApiResponse<T> = { ok: true; result: T } | { ok: false; error: ApiError };


/** Validation errors in Chinese, naming the field. */
export function describeZodError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const path = issue ? issue.path.join('.') : '';
  return { code: 'INVALID_INPUT', message: issue ? `${path ? `字段 ${path}：` : ''}${issue.message}` : '输入无效', path };
}

export const ROLE_LABEL: Record<Role, string> = { clerk: '经办员', supervisor: '主管' };
