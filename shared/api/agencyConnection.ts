import { z } from 'zod';
import { CONNECTION_FIELD_LABEL } from './connectionLabels.ts';
import { empty, method } from './contract.ts';

/**
 * 设置 → 经办机构连接 (issue 13 point 6, docs/agency.md): the gateway profile, its addresses,
 * ids and secrets, the tif path table, the desk extensions' URL. Secrets are write-only: the
 * screen learns only whether each is set, never its value.
 */

export type GatewayProfile = 'tif' | 'gm' | 'plain';
export const GATEWAY_PROFILE_LABEL: Record<GatewayProfile, string> = { tif: '国家平台 TIF 网关', gm: '国密 OAuth2 网关', plain: '院内前置机' };

/** The write-only fields (docs/agency.md “secret”). */
export const CONNECTION_SECRET_FIELDS = ['token', 'clientSecret', 'password', 'sm2PrivateKey', 'apikey', 'extKey'] as const;
export type ConnectionSecretField = (typeof CONNECTION_SECRET_FIELDS)[number];

export { CONNECTION_FIELD_LABEL } from './connectionLabels.ts';

export interface AgencyConnectionView {
  profile: GatewayProfile;
  url: string;
  /** tif: the infno → path table as JSON text ('' = none). */
  paths: string;
  paasid: string;
  clientId: string;
  username: string;
  /** '' = no desk extensions. */
  extUrl: string;
  recerSysCode: string;
  signInMaxAgeMin: number;
  concurrency: number;
  secrets: Record<ConnectionSecretField, { set: boolean }>;
  sm2PlatformPublicKey: string;
  /** Fields the environment fixes (read-only on the screen)… */
  fromEnv: string[];
  /** …and the variable of every field that has one (AGENCY_URL …). */
  envVariables: Record<string, string>;
  /** Fields fixed by how the desk was started (npm start's local reference agency, tests). */
  fromStart: string[];
  /** What an empty field means (paasid and username: the institution code). */
  defaults: { paasid: string; username: string; recerSysCode: string };
  secretStorage: 'encrypted' | 'database';
  /** Where the secrets are kept, in a sentence for the screen. */
  secretStorageText: string;
  /** The connection as stored cannot be used (e.g. a bad environment value), in Chinese; null = fine. */
  problem: string | null;
}

export type ConnectionTestResult = { ok: true; signNo: string; signTime: string; signedAt: string } | { ok: false; message: string };

export interface SignInStatus {
  login: string;
  name: string;
  signNo: string;
  signTime: string;
  /** When the desk got the sign-in (ISO instant). */
  signedAt: string;
}

/** http(s)://host[:port][/path…]: shared code has no URL class, so the shape is checked by pattern. */
const HTTP_URL = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?([/?#]\S*)?$/i;
function isHttpUrl(v: string): boolean {
  const port = /^https?:\/\/[^/?#]*:(\d+)/i.exec(v)?.[1];
  return HTTP_URL.test(v) && (port === undefined || Number(port) <= 65535);
}

const url = (label: string) =>
  z.string().trim().min(1, `请填写${label}`).max(500, `${label}过长`).refine(isHttpUrl, `${label}应为以 http:// 或 https:// 开头的完整网址，如 https://gw.example/fsi/api/rsfComIfsService/callService`);
/**
 * An id sent in a header or a form (paasid, the OAuth user name): 6–64 letters, digits, `_` or
 * `-` with at least one letter. Real ones are institution codes (H34010400001) or names the
 * platform assigned; a date, a number or a path typed into the field by mistake is refused, not
 * sent to the gateway to fail there with an answer nobody can read.
 */
const ident = (label: string) =>
  z
    .string()
    .trim()
    .min(6, `${label}至少 6 个字符；要改回默认值（机构编号），请在 clear 中列出这个字段`)
    .max(64, `${label}过长（最多 64 个字符）`)
    .regex(/^[A-Za-z0-9_-]+$/, `${label}只能包含英文字母、数字、下划线和连字符，不能有空格、汉字或其他符号`)
    .regex(/[A-Za-z]/, `${label}应包含英文字母（如机构编号 H34010400001）`);
/** gm: the client id is also the SM4 key and the SM2 user id, so it is 16 characters exactly (docs/agency.md). */
const clientId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{16}$/, '客户端编号（clientId）应为 16 个英文字母或数字（它也是 SM4 密钥和 SM2 用户编号）');
/**
 * A secret typed or pasted by a supervisor: 8–512 printable ASCII characters without spaces,
 * quotes, angle brackets or backslashes, with at least one letter and one digit. Platform tokens,
 * keys and passwords have that shape; a stray date, a number or a half-pasted line does not, and
 * is refused before it is sealed — a wrong secret is otherwise only found at the next sign-in.
 */
const secret = (label: string) =>
  z
    .string()
    .min(8, `${label}至少 8 个字符；要删除已保存的${label}，请在 clear 中列出这个字段`)
    .max(512, `${label}过长（最多 512 个字符）`)
    .regex(/^[!#-&(-;=?-[\]-~]+$/, `${label}只能包含英文字母、数字和常用符号，不能有空格、引号、尖括号、反斜杠或汉字`)
    .regex(/[A-Za-z]/, `${label}应同时包含英文字母和数字`)
    .regex(/[0-9]/, `${label}应同时包含英文字母和数字`);
// Integer by refine, not .int(): zod reports .int() as a type error, whose message drops the field's Chinese name.
const int = (label: string, min: number, max: number) =>
  z
    .number({ error: `${label}应为整数` })
    .refine(Number.isInteger, `${label}应为整数`)
    .refine((n) => n >= min && n <= max, `${label}应在 ${min} 到 ${max} 之间`);

/** The fields that may be emptied (listed in `clear`): the secrets and those with a default or none. */
export const CONNECTION_CLEARABLE_FIELDS = [...CONNECTION_SECRET_FIELDS, 'paths', 'paasid', 'clientId', 'username', 'extUrl', 'recerSysCode', 'sm2PlatformPublicKey'] as const;
export type ConnectionClearableField = (typeof CONNECTION_CLEARABLE_FIELDS)[number];

/**
 * An update names only what changes; a field left out keeps its value. An empty value is never a
 * value: to empty a field (a secret, or paasid back to the institution code) it is listed in
 * `clear`, so that a blank form field or a stray "" cannot wipe a key by accident.
 */
export const connectionUpdateInput = z
  .strictObject({
    profile: z.enum(['tif', 'gm', 'plain'], { error: '接口方式应为 tif（国家平台 TIF 网关）、gm（国密 OAuth2 网关）或 plain（院内前置机）' }).optional(),
    url: url('网关地址').optional(),
    /** JSON text, '{}' = no table; the service checks it (checkPaths: 交易编号 → 以 / 开头的路径). */
    paths: z.string().trim().min(2, '交易地址表应为 JSON 对象，如 {"9001": "/fsi/api/signInSignOutService/signIn"}；要删除请在 clear 中列出 paths').max(8000, '交易地址表过长（最多 8000 个字符）').optional(),
    paasid: ident('应用编号（paasid）').optional(),
    clientId: clientId.optional(),
    username: ident('授权用户名').optional(),
    extUrl: url('桌面扩展接口地址').optional(),
    recerSysCode: z.string().trim().regex(/^[A-Z][A-Z0-9]{1,9}$/, '接收方系统代码应为 2–10 位大写字母或数字（字母开头），如 YBXT').optional(),
    signInMaxAgeMin: int('签到有效时长（分钟）', 1, 1440).optional(),
    concurrency: int('并发交易数', 1, 16).optional(),
    sm2PlatformPublicKey: z.string().trim().regex(/^04[0-9a-fA-F]{128}$/, '平台 SM2 公钥应为 04 开头的 130 位十六进制数（未压缩公钥）').optional(),
    token: secret('签名令牌（token）').optional(),
    clientSecret: secret('客户端密钥（clientSecret）').optional(),
    password: secret('授权密码').optional(),
    sm2PrivateKey: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, '本机 SM2 私钥应为 64 位十六进制数').optional(),
    apikey: secret('前置机 apikey').optional(),
    extKey: secret('桌面扩展接口密钥').optional(),
    /** Fields to empty, e.g. { clear: ['token'] }; not together with a value for the same field. */
    clear: z
      .array(z.enum(CONNECTION_CLEARABLE_FIELDS, { error: `要清除的字段应为 ${CONNECTION_CLEARABLE_FIELDS.join('、')} 之一` }))
      .min(1, '要清除的字段列表为空：不清除就不要传 clear')
      .max(CONNECTION_CLEARABLE_FIELDS.length, '要清除的字段过多')
      .optional(),
  })
  .superRefine((v, ctx) => {
    const clear = v.clear ?? [];
    clear.forEach((f, i) => {
      if (clear.indexOf(f) !== i) ctx.addIssue({ code: 'custom', path: ['clear'], message: `要清除的字段中 ${f} 重复了` });
      else if (v[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${CONNECTION_FIELD_LABEL[f] ?? f}不能同时填写和清除` });
    });
  });

export type ConnectionUpdate = z.output<typeof connectionUpdateInput>;

export const agencyConnectionApi = {
  'agency.connection.get': method<AgencyConnectionView>()(empty, 'supervisor'),
  'agency.connection.update': method<AgencyConnectionView>()(connectionUpdateInput, 'supervisor'),
  /** 9001 now with the supervisor as operator; a failure is an answer ({ ok: false, message }), not an error. */
  'agency.connection.test': method<ConnectionTestResult>()(empty, 'supervisor'),
  'agency.signIn.status': method<SignInStatus[]>()(empty, 'clerk'),
} as const;
