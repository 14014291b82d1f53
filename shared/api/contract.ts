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
  /** When it was taken, 'yyyy-MM-dd HH:mm' China Standard Time (the name carries the same). */
  at: string;
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


/** Chinese names of the request fields, so a refusal names the field as the clerk knows it. */
const FIELD_LABELS: Record<string, string> = {
  period: '清算期', fingerprint: '预览校验码', note: '说明', reason: '原因', months: '月数', claimId: '申报编号', deductionId: '扣款编号',
  settlementId: '结算编号', admissionId: '住院登记编号', table: '报表', format: '格式', login: '工号', password: '密码', name: '名称',
  limit: '条数', from: '开始日期', to: '结束日期', msgid: '报文ID', kind: '类别', claimPolicy: '清算政策参数', institution: '机构信息',
  agencyUrl: '经办机构地址', agencyKey: '机构密钥', printerName: '打印机',
};

const TYPE_NAMES: Record<string, string> = { string: '文本', number: '数字', boolean: '是或否（true/false）', object: '对象', array: '列表', int: '整数' };

/** zod's own (English) messages in Chinese; the messages the schemas set themselves are kept. */
function issueText(issue: z.core.$ZodIssue, value: unknown): string {
  if (/[\u4e00-\u9fff]/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? '缺少必填字段' : `应为${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' ? `至少 ${String(issue.minimum)} 个字` : issue.origin === 'array' ? `至少 ${String(issue.minimum)} 项` : `不能小于 ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `最多 ${String(issue.maximum)} 个字` : issue.origin === 'array' ? `最多 ${String(issue.maximum)} 项` : `不能大于 ${String(issue.maximum)}`;
    case 'invalid_value':
      return `应为 ${issue.values.map((v) => JSON.stringify(v)).join(' 或 ')}`;
    case 'invalid_format':
      return '格式不正确';
    case 'unrecognized_keys':
      return `不认识的字段：${issue.keys.join('、')}`;
    default:
      return '取值无效';
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Validation errors in Chinese, naming the field (its Chinese name and its key); `input` tells a missing field from a wrong one. */
export function describeZodError(error: z.ZodError, input?: unknown): ApiError {
  const issue = error.issues[0];
  const path = issue ? issue.path.join('.') : '';
  if (!issue) return { code: 'INVALID_INPUT', message: '输入无效', path };
  const last = [...issue.path].reverse().find((k) => typeof k === 'string');
  const label = typeof last === 'string' ? FIELD_LABELS[last] : undefined;
  const where = path === '' ? '' : label ? `${label}（${path}）：` : `字段 ${path}：`;
  return { code: 'INVALID_INPUT', message: `${where}${issueText(issue, valueAt(input, issue.path))}`, path };
}

export const ROLE_LABEL: Record<Role, string> = { clerk: '经办员', supervisor: '主管' };
