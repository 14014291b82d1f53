import { z } from 'zod';
import { FIELD_LABEL as ADMISSION_LABELS } from '../admission.ts';
import { CONNECTION_FIELD_LABEL } from './connectionLabels.ts';
import { requestTextProblem } from '../textLimits.ts';
import { zodInputError } from '../zodErrors.ts';

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
  /** Where this window's data lives (issue 18): its own SQLite file, or the office's PostgreSQL store, whose backup is the server's. */
  store: { kind: 'file' } | { kind: 'office'; backupText: string };
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

export const empty = z.strictObject({});

/** Login, status, maintenance. Each domain adds its own map in shared/api/<domain>.ts. */
export const coreApi = {
  'auth.login': method<SessionInfo>()(z.strictObject({ login: z.string().trim().min(1, '请输入工号'), password: z.string().min(1, '请输入密码') }), 'public'),
  'auth.logout': method<{ ok: true }>()(empty, 'clerk'),
  'auth.me': method<SessionInfo>()(empty, 'clerk'),
  'status.get': method<DeskStatus>()(empty, 'clerk'),
  'system.integrityCheck': method<{ ok: boolean; messages: string[] }>()(empty, 'supervisor'),
  'backup.list': method<BackupEntry[]>()(empty, 'supervisor'),
  'backup.create': method<BackupEntry>()(empty, 'supervisor'),
  'backup.restore': method<{ restored: string; keptAside: string }>()(z.strictObject({ name: z.string().min(1, '请选择备份文件') }), 'supervisor'),
  'audit.list': method<AuditEntry[]>()(z.strictObject({ limit: z.number().int().min(1).max(1000).default(200) }), 'supervisor'),
} as const;


export interface ApiError {
  code: string;
  message: string;
  path: string;
}
export type ApiResponse<T> = { ok: true; result: T } | { ok: false; error: ApiError };


/** Chinese names of the request fields, so a refusal names the field as the clerk knows it. */
const FIELD_LABELS: Record<string, string> = {
  ...ADMISSION_LABELS,
  period: '清算期', fingerprint: '预览校验码', note: '说明', reason: '原因', months: '月数', claimId: '申报编号', deductionId: '扣款编号',
  settlementId: '结算编号', admissionId: '住院登记编号', table: '报表', format: '格式', login: '工号', password: '密码', name: '名称',
  limit: '条数', from: '开始日期', to: '结束日期', msgid: '报文ID', kind: '类别', claimPolicy: '清算政策参数', institution: '机构信息',
  agencyUrl: '经办机构地址', agencyKey: '机构密钥', printerName: '打印机',
  dischargedOn: '出院日期', dscgWay: '离院方式', useAccount: '使用个人账户', accountBalance: '个人账户余额', expectedTotal: '确认的总费用',
  checkId: '身份核验记录', credential: '就诊凭证', admissionDate: '入院日期', day: '对账日期', changes: '变更内容', query: '查询内容',
  scope: '范围', id: '编号', pledgeId: '承诺书编号', slipId: '外检单编号', form: '承诺书内容', signedAt: '签字时间', resultId: '结算结果编号',
  fileName: '文件名', contentBase64: '文件内容', uploadId: '上传文件', version: '版本号', progressKey: '进度标识', confirm: '确认', wait: '等待完成',
  all: '全部', personId: '人员编号', lines: '费用明细', visit: '门急诊就诊', items: '项目', feeOcurTime: '费用发生时间',
  // 设置 → 经办机构连接 (agency.connection.update), without the key the refusal adds anyway
  // (签名令牌（token）→ 签名令牌). `password` stays 密码: the login's field has the same key.
  ...Object.fromEntries(Object.entries(CONNECTION_FIELD_LABEL).filter(([k]) => k !== 'password').map(([k, label]) => [k, label.replace(`（${k}）`, '')])),
};

/** A request whose text carries control or invisible characters: refused naming the field (shared/textLimits.ts). */
export function describeTextProblem(input: unknown): ApiError | null {
  const p = requestTextProblem(input);
  if (!p) return null;
  const key = p.path.split('.').filter((k) => !/^\d+$/.test(k)).pop() ?? '';
  const label = FIELD_LABELS[p.path] ?? FIELD_LABELS[key];
  return { code: 'INVALID_INPUT', message: `${label ? `${label}（${p.path}）` : p.path || '请求'}：${p.message}`, path: p.path };
}

/** Validation errors in Chinese, naming the field (its Chinese name and its key); `input` tells a missing field from a wrong one. */
export function describeZodError(error: z.ZodError, input?: unknown): ApiError {
  const e = zodInputError(error.issues, input, { labels: FIELD_LABELS, style: 'api' });
  return { code: e.code, message: e.message, path: e.path };
}

export const ROLE_LABEL: Record<Role, string> = { clerk: '经办员', supervisor: '主管' };
