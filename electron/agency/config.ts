import { readFileSync } from 'node:fs';

/**
 * How this installation reaches its agency (docs/agency.md): the gateway profile, its addresses
 * and credentials, the desk extensions' URL. Read from the settings a supervisor keeps in 设置 →
 * 经办机构连接, overridden per field by the environment for IT and tests. Pure data: the adapters
 * in profiles/ turn it into HTTP.
 */

export type GatewayProfileName = 'tif' | 'gm' | 'plain';
export const GATEWAY_PROFILES: readonly GatewayProfileName[] = ['tif', 'gm', 'plain'];

export interface AgencyConfig {
  profile: GatewayProfileName;
  /** The transaction URL (tif, plain, gm); a URL without a path gets DEFAULT_CALL_PATH. */
  url: string;
  /** tif: infno → path on the URL's origin, for regions that route by path. */
  paths: Record<string, string>;
  paasid: string;
  token: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  sm2PrivateKey: string;
  sm2PlatformPublicKey: string;
  apikey: string;
  /** The desk extensions (roster, policies, clearing, 3290/3291); null = none. */
  extUrl: string | null;
  /** The extensions' shared key (HMAC headers). */
  extKey: string;
  recerSysCode: string;
  infver: string;
  signInMaxAgeMin: number;
  concurrency: number;
  timeoutMs: number;
  /** Which fields the environment decided (the screen shows them as locked). */
  fromEnv: (keyof AgencyConfig)[];
}

export const DEFAULT_CALL_PATH = '/fsi/api/rsfComIfsService/callService';

/** Setting keys of the fields a supervisor can set; the secrets are write-only. */
export const AGENCY_SETTING_KEYS = {
  profile: 'agency.profile',
  url: 'agency.url',
  paths: 'agency.paths',
  paasid: 'agency.paasid',
  token: 'agency.token',
  clientId: 'agency.clientId',
  clientSecret: 'agency.clientSecret',
  username: 'agency.username',
  password: 'agency.password',
  sm2PrivateKey: 'agency.sm2PrivateKey',
  sm2PlatformPublicKey: 'agency.sm2PlatformPublicKey',
  apikey: 'agency.apikey',
  extUrl: 'agency.extUrl',
  extKey: 'agency.key',
  recerSysCode: 'agency.recerSysCode',
  infver: 'agency.infver',
  signInMaxAgeMin: 'agency.signInMaxAgeMin',
  concurrency: 'agency.concurrency',
} as const satisfies Partial<Record<keyof AgencyConfig, string>>;

export type AgencySettingField = keyof typeof AGENCY_SETTING_KEYS;

export const AGENCY_SECRET_FIELDS: readonly AgencySettingField[] = ['token', 'clientSecret', 'password', 'sm2PrivateKey', 'apikey', 'extKey'];

/** Environment variable per field; `…_FILE` variables name a file holding the value. */
const ENV: Partial<Record<AgencySettingField, string>> = {
  profile: 'AGENCY_PROFILE',
  url: 'AGENCY_URL',
  paths: 'AGENCY_PATHS',
  paasid: 'AGENCY_PAASID',
  token: 'AGENCY_TOKEN',
  clientId: 'AGENCY_CLIENT_ID',
  clientSecret: 'AGENCY_CLIENT_SECRET',
  username: 'AGENCY_USERNAME',
  password: 'AGENCY_PASSWORD',
  sm2PrivateKey: 'AGENCY_SM2_PRIVATE_KEY_FILE',
  sm2PlatformPublicKey: 'AGENCY_SM2_PLATFORM_PUBLIC_KEY_FILE',
  apikey: 'AGENCY_APIKEY',
  extUrl: 'AGENCY_EXT_URL',
  extKey: 'AGENCY_EXT_KEY',
  recerSysCode: 'AGENCY_RECER_SYS_CODE',
  signInMaxAgeMin: 'AGENCY_SIGNIN_MAX_AGE_MIN',
  concurrency: 'AGENCY_CONCURRENCY',
};

export function agencyEnvName(field: AgencySettingField): string | null {
  return ENV[field] ?? null;
}

export class AgencyConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgencyConfigError';
  }
}

export interface ConfigSources {
  /** A stored setting by key (undefined = not set). Secrets arrive already decrypted. */
  setting: (key: string) => string | undefined;
  env?: NodeJS.ProcessEnv;
  fixmedinsCode: string;
  /** Desk options of tests and the demo (override settings, below the environment). */
  overrides?: { url?: string; extUrl?: string | null; extKey?: string; timeoutMs?: number; profile?: GatewayProfileName; token?: string };
}

function parsePaths(text: string, field: string): Record<string, string> {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new AgencyConfigError(field, '交易地址表应为 JSON，例如 {"9001": "/fsi/api/signInSignOutService/signIn"}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AgencyConfigError(field, '交易地址表应为 JSON 对象：交易编号 → 路径');
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(v as Record<string, unknown>)) {
    if (!/^\d{4}[A-Z]?$/.test(k)) throw new AgencyConfigError(field, `交易地址表中的交易编号“${k}”不正确（应为 4 位数字）`);
    if (typeof p !== 'string' || !p.startsWith('/')) throw new AgencyConfigError(field, `交易 ${k} 的路径应以 / 开头`);
    out[k] = p;
  }
  return out;
}

export function checkPaths(text: string): Record<string, string> {
  return parsePaths(text, 'paths');
}

function intIn(text: string, field: string, label: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new AgencyConfigError(field, `${label}应为 ${min}–${max} 的整数，收到“${text}”`);
  return n;
}

export function readAgencyConfig(src: ConfigSources): AgencyConfig {
  const env = src.env ?? process.env;
  const fromEnv: (keyof AgencyConfig)[] = [];
  const value = (field: AgencySettingField): string | undefined => {
    const name = ENV[field];
    const e = name ? env[name] : undefined;
    if (name && e !== undefined && e !== '') {
      fromEnv.push(field);
      if (name.endsWith('_FILE')) {
        try {
          return readFileSync(e, 'utf8').trim();
        } catch {
          throw new AgencyConfigError(field, `环境变量 ${name} 指向的文件无法读取：${e}`);
        }
      }
      return e;
    }
    return src.setting(AGENCY_SETTING_KEYS[field]);
  };
  const o = src.overrides ?? {};
  const profileText = value('profile') ?? o.profile ?? 'tif';
  if (!GATEWAY_PROFILES.includes(profileText as GatewayProfileName)) throw new AgencyConfigError('profile', `接口方式（AGENCY_PROFILE）应为 tif、gm 或 plain，收到“${profileText}”`);
  const fromSettingOrOverride = (field: AgencySettingField, override: string | undefined): string | undefined => {
    // The environment beats a desk option (IT decides); a desk option beats a stored setting.
    const name = ENV[field];
    if (name && env[name]) return value(field);
    return override ?? value(field);
  };
  const url = fromSettingOrOverride('url', o.url) ?? 'http://127.0.0.1:18090';
  const extText = ENV.extUrl && env[ENV.extUrl] ? value('extUrl') : o.extUrl !== undefined ? (o.extUrl ?? '') : value('extUrl');
  const clientSecret = value('clientSecret') ?? '';
  const key = fromSettingOrOverride('extKey', o.extKey) ?? '';
  return {
    profile: profileText as GatewayProfileName,
    url,
    paths: parsePaths(value('paths') ?? '', 'paths'),
    paasid: value('paasid') || src.fixmedinsCode,
    // Before profiles existed the one shared key was the only secret; it stays the tif token's default.
    token: fromSettingOrOverride('token', o.token) || key,
    clientId: value('clientId') ?? '',
    clientSecret,
    username: value('username') || src.fixmedinsCode,
    password: value('password') || clientSecret,
    sm2PrivateKey: value('sm2PrivateKey') ?? '',
    sm2PlatformPublicKey: value('sm2PlatformPublicKey') ?? '',
    apikey: value('apikey') ?? '',
    extUrl: extText && extText.trim() !== '' ? extText.trim() : null,
    extKey: key,
    recerSysCode: value('recerSysCode') || 'YBXT',
    infver: value('infver') || 'V1.0',
    signInMaxAgeMin: intIn(value('signInMaxAgeMin') ?? '60', 'signInMaxAgeMin', '签到有效时长（分钟）', 1, 24 * 60),
    concurrency: intIn(value('concurrency') ?? '4', 'concurrency', '并发交易数', 1, 16),
    timeoutMs: o.timeoutMs ?? 10_000,
    fromEnv,
  };
}

/** The URL a transaction goes to: the configured path of its infno (tif), else the transaction URL. */
export function transactionUrl(config: Pick<AgencyConfig, 'url' | 'paths' | 'profile'>, infno: string): string {
  const base = new URL(config.url);
  const path = config.profile === 'tif' ? config.paths[infno] : undefined;
  if (path) return new URL(path, base.origin).toString();
  if (base.pathname === '/' || base.pathname === '') return new URL(DEFAULT_CALL_PATH, base.origin).toString();
  return base.toString();
}

/** gm: the token endpoint — the URL's origin and any prefix before /fsi/, + /auth/oauth/token. */
export function tokenUrl(config: Pick<AgencyConfig, 'url'>): string {
  const base = new URL(config.url);
  const i = base.pathname.indexOf('/fsi/');
  const prefix = i >= 0 ? base.pathname.slice(0, i) : base.pathname.replace(/\/[^/]*callService$/i, '').replace(/\/+$/, '');
  return `${base.origin}${prefix}/auth/oauth/token`;
}
