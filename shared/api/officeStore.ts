import { z } from 'zod';
import { empty, method } from './contract.ts';
import type { OfficeField, OfficeTls } from '../officeStore.ts';

/**
 * 设置 → 办公室数据库 (issue 18 point 2, docs/office.md), supervisor only. The password is
 * write-only: the view says whether one is set, never what it is. `inUse` says whether this
 * window runs in office mode (YIDI_DB_URL at its start); saving here switches nothing yet.
 */
export interface OfficeStoreView {
  /** Where the connection in effect comes from: YIDI_DB_URL, the settings, or nowhere yet. */
  source: 'env' | 'settings' | 'none';
  envVariable: string;
  /** The URL without any password ('' = none set). */
  url: string;
  tls: OfficeTls;
  caFile: string;
  password: { set: boolean };
  /** How the password is kept, in a sentence. */
  secretStorageText: string;
  /** This window works on the office store now (office mode, started with YIDI_DB_URL). */
  inUse: boolean;
  /** The configuration cannot be read (e.g. a bad YIDI_DB_URL), in Chinese; null = fine. */
  problem: string | null;
}

export interface OfficeMigrationLevel {
  /** Migrations the store has / this build knows. */
  applied: number;
  known: number;
  state: 'empty' | 'behind' | 'current';
  /** The tags that would run when the desk switches. */
  pending: string[];
}

export type OfficeStoreTestResult =
  | { ok: true; serverVersion: string; user: string; database: string; address: string; tls: { used: boolean; version: string | null }; migrations: OfficeMigrationLevel; text: string }
  | { ok: false; field: OfficeField | null; message: string };

export const OFFICE_CLEARABLE = ['password', 'caFile', 'url'] as const;

/** A field left out keeps its value; emptying one is listed in `clear` (a blank field never wipes a password). */
export const officeStoreUpdateInput = z
  .strictObject({
    url: z.string().trim().min(1, '请填写连接地址').max(500, '连接地址过长').optional(),
    tls: z.enum(['disable', 'require', 'verify-full'], { error: '加密方式（TLS）应为 disable、require 或 verify-full' }).optional(),
    caFile: z
      .string()
      .trim()
      .min(1, 'CA 证书文件路径为空：要删除请在 clear 中列出 caFile')
      .max(500, 'CA 证书文件路径过长')
      .regex(/^([A-Za-z]:[\\/]|\/|\\\\)/, 'CA 证书文件应写完整路径（如 C:\\yidi\\office-ca.pem 或 /etc/yidi/office-ca.pem）')
      .regex(/^[^<>"'|?*;%\0]+$/, 'CA 证书文件路径不能含有 < > " \' | ? * ; % 等符号')
      .regex(/\.(pem|crt|cer)$/i, 'CA 证书文件应是 .pem、.crt 或 .cer 文件')
      .optional(),
    /**
     * The database password, as IT created the role: 8–200 printable ASCII characters without
     * spaces, quotes, angle brackets or backslashes, with a letter and a digit (as the agency
     * secrets): a stray date or half-pasted line is refused before it is sealed.
     */
    password: z
      .string()
      .min(8, '数据库密码至少 8 个字符；要删除已保存的密码，请在 clear 中列出 password')
      .max(200, '数据库密码过长（最多 200 个字符）')
      .regex(/^[!#-&(-;=?-[\]-~]+$/, '数据库密码只能包含英文字母、数字和常用符号，不能有空格、引号、尖括号、反斜杠或汉字')
      .regex(/[A-Za-z]/, '数据库密码应同时包含英文字母和数字')
      .regex(/[0-9]/, '数据库密码应同时包含英文字母和数字')
      .optional(),
    clear: z.array(z.enum(OFFICE_CLEARABLE, { error: '要清除的字段应为 password、caFile 或 url' })).min(1, '要清除的字段列表为空：不清除就不要传 clear').max(3, '要清除的字段过多').optional(),
  })
  .superRefine((v, ctx) => {
    for (const f of v.clear ?? []) if (v[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${f === 'password' ? '数据库密码' : f === 'caFile' ? 'CA 证书文件' : '连接地址'}不能同时填写和清除` });
  });

export type OfficeStoreUpdate = z.output<typeof officeStoreUpdateInput>;

export const officeStoreApi = {
  'office.store.get': method<OfficeStoreView>()(empty, 'supervisor'),
  'office.store.update': method<OfficeStoreView>()(officeStoreUpdateInput, 'supervisor'),
  /** Connects with the connection in effect; a failure is an answer ({ ok: false, field, message }), not an error. */
  'office.store.test': method<OfficeStoreTestResult>()(empty, 'supervisor'),
} as const;
