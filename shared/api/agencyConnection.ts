import { z } from 'zod';
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

/** Chinese names of the connection's fields, for the screen and for refusals. */
export const CONNECTION_FIELD_LABEL: Record<string, string> = {
  profile: '接口方式', url: '网关地址', paths: '交易地址表', paasid: '应用编号（paasid）', token: '签名令牌（token）',
  clientId: '客户端编号（clientId）', clientSecret: '客户端密钥（clientSecret）', username: '授权用户名', password: '授权密码',
  sm2PrivateKey: '本机 SM2 私钥', sm2PlatformPublicKey: '平台 SM2 公钥', apikey: '前置机 apikey', extUrl: '桌面扩展接口地址',
  extKey: '桌面扩展接口密钥', recerSysCode: '接收方系统代码', signInMaxAgeMin: '签到有效时长（分钟）', concurrency: '并发交易数',
};

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
/** An id sent in a header or a form: printable ASCII without spaces; '' = the default. */
const ident = (label: string) => z.string().trim().max(64, `${label}过长（最多 64 个字符）`).regex(/^[\x21-\x7e]*$/, `${label}只能包含英文字母、数字和符号，不能有空格或汉字`);
const secret = (label: string) => z.string().max(1000, `${label}过长`);
const int = (label: string, min: number, max: number) =>
  z.number({ error: `${label}应为整数` }).int(`${label}应为整数`).min(min, `${label}应在 ${min} 到 ${max} 之间`).max(max, `${label}应在 ${min} 到 ${max} 之间`);

export const connectionUpdateInput = z
  .strictObject({
    profile: z.enum(['tif', 'gm', 'plain'], { error: '接口方式应为 tif（国家平台 TIF 网关）、gm（国密 OAuth2 网关）或 plain（院内前置机）' }).optional(),
    url: url('网关地址').optional(),
    /** JSON text; the service checks it (交易编号 → 以 / 开头的路径). */
    paths: z.string().max(8000, '交易地址表过长').optional(),
    paasid: ident('应用编号（paasid）').optional(),
    clientId: ident('客户端编号（clientId）').optional(),
    username: ident('授权用户名').optional(),
    extUrl: z.union([z.literal(''), url('桌面扩展接口地址')]).optional(),
    recerSysCode: z.string().trim().regex(/^([A-Z0-9]{2,10})?$/, '接收方系统代码应为 2–10 位大写字母或数字，如 YBXT').optional(),
    signInMaxAgeMin: int('签到有效时长（分钟）', 1, 1440).optional(),
    concurrency: int('并发交易数', 1, 16).optional(),
    sm2PlatformPublicKey: z.string().trim().regex(/^(04[0-9a-fA-F]{128})?$/, '平台 SM2 公钥应为 04 开头的 130 位十六进制数（未压缩公钥）').optional(),
    token: secret('签名令牌（token）').optional(),
    clientSecret: secret('客户端密钥（clientSecret）').optional(),
    password: secret('授权密码').optional(),
    sm2PrivateKey: z.string().trim().regex(/^([0-9a-fA-F]{64})?$/, '本机 SM2 私钥应为 64 位十六进制数').optional(),
    apikey: secret('前置机 apikey').optional(),
    extKey: secret('桌面扩展接口密钥').optional(),
    /** Secrets to remove (each given as ''), e.g. { token: '', clear: ['token'] }. */
    clear: z.array(z.enum(CONNECTION_SECRET_FIELDS, { error: '要清除的密钥名称不正确' })).max(CONNECTION_SECRET_FIELDS.length, '要清除的密钥过多').optional(),
  })
  .superRefine((v, ctx) => {
    const clear = new Set(v.clear ?? []);
    for (const f of CONNECTION_SECRET_FIELDS) {
      const given = v[f];
      const label = CONNECTION_FIELD_LABEL[f]!;
      if (given === '' && !clear.has(f)) ctx.addIssue({ code: 'custom', path: [f], message: `${label}为空：要删除已保存的${label}，请同时在 clear 中列出 ${f}；不修改就不要传这个字段` });
      else if (given !== undefined && given !== '' && clear.has(f)) ctx.addIssue({ code: 'custom', path: [f], message: `${label}不能同时填写和清除` });
      else if (given !== undefined && given !== '' && given.trim() === '') ctx.addIssue({ code: 'custom', path: [f], message: `${label}不能只有空格` });
    }
  });

export type ConnectionUpdate = z.output<typeof connectionUpdateInput>;

export const agencyConnectionApi = {
  'agency.connection.get': method<AgencyConnectionView>()(empty, 'supervisor'),
  'agency.connection.update': method<AgencyConnectionView>()(connectionUpdateInput, 'supervisor'),
  /** 9001 now with the supervisor as operator; a failure is an answer ({ ok: false, message }), not an error. */
  'agency.connection.test': method<ConnectionTestResult>()(empty, 'supervisor'),
  'agency.signIn.status': method<SignInStatus[]>()(empty, 'clerk'),
} as const;
