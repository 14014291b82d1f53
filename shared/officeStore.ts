/**
 * The office store's connection settings (issue 18 point 2, docs/office.md "Office connection
 * settings"): a PostgreSQL URL, the TLS mode and CA file, and a password kept apart from the URL
 * (write-only). Parsing is pure and shared, so the screen and the service refuse the same things
 * with the same Chinese words, each naming its field.
 */

export type OfficeTls = 'disable' | 'require' | 'verify-full';
export const OFFICE_TLS: readonly OfficeTls[] = ['disable', 'require', 'verify-full'];
export const OFFICE_TLS_LABEL: Record<OfficeTls, string> = {
  disable: '不加密（仅限院内可信网络）',
  require: '加密，不验证服务器证书',
  'verify-full': '加密并验证服务器证书（需 CA 文件）',
};

export type OfficeField = 'url' | 'tls' | 'caFile' | 'password';
export const OFFICE_FIELD_LABEL: Record<OfficeField, string> = {
  url: '连接地址',
  tls: '加密方式（TLS）',
  caFile: 'CA 证书文件',
  password: '数据库密码',
};

/** The environment variable IT sets instead (it wins over the settings). */
export const OFFICE_ENV = 'YIDI_DB_URL';

export class OfficeConfigError extends Error {
  constructor(readonly field: OfficeField, message: string) {
    super(message);
    this.name = 'OfficeConfigError';
  }
}

export interface OfficeUrl {
  user: string;
  /** Only from YIDI_DB_URL: a URL typed on the screen may not carry one. */
  password: string | null;
  host: string;
  port: number;
  database: string;
  /** sslmode / sslrootcert from the URL's query (YIDI_DB_URL); the screen has fields for them. */
  params: Record<string, string>;
}

const URL_SHAPE = /^(postgres|postgresql):\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[0-9a-fA-F:.]+\]|[^:/?#@]+)(?::(\d+))?(?:\/([^?#]*))?(?:\?([^#]*))?$/;
const EXAMPLE = '如 postgres://yidi@10.0.0.5:5432/yidi';

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new OfficeConfigError('url', `连接地址中的${what}含有无效的 % 编码`);
  }
}

/** Reads a postgres:// URL; throws OfficeConfigError('url', …) saying what is wrong. */
export function parseOfficeUrl(text: string): OfficeUrl {
  const v = text.trim();
  if (v === '') throw new OfficeConfigError('url', `请填写连接地址，${EXAMPLE}`);
  if (/\s/.test(v)) throw new OfficeConfigError('url', '连接地址不能含有空格');
  const m = URL_SHAPE.exec(v);
  if (!m) throw new OfficeConfigError('url', `连接地址应以 postgres:// 开头，形如 postgres://用户@主机:端口/数据库，${EXAMPLE}`);
  const [, , rawUser, rawPassword, host, rawPort, rawDb, rawQuery] = m;
  const user = rawUser ? decode(rawUser, '用户名') : '';
  if (user === '') throw new OfficeConfigError('url', `连接地址缺少数据库用户名（@ 前面的部分），${EXAMPLE}`);
  const port = rawPort === undefined ? 5432 : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new OfficeConfigError('url', `连接地址中的端口应为 1–65535 之间的数，现为 ${rawPort}`);
  const database = rawDb ? decode(rawDb, '数据库名') : '';
  if (database === '' || database.includes('/')) throw new OfficeConfigError('url', `连接地址缺少数据库名（端口后的 /数据库），${EXAMPLE}`);
  const params: Record<string, string> = {};
  for (const kv of (rawQuery ?? '').split('&').filter(Boolean)) {
    const [k, val = ''] = kv.split('=');
    params[decode(k!, '参数')] = decode(val, '参数');
  }
  return { user, password: rawPassword === undefined ? null : decode(rawPassword, '密码'), host: host!.replace(/^\[|\]$/g, ''), port, database, params };
}

/** The URL as the screen may show it: never a password, only that there is one. */
export function maskOfficeUrl(u: OfficeUrl): string {
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return `postgres://${encodeURIComponent(u.user)}${u.password !== null ? ':******' : ''}@${host}:${u.port}/${encodeURIComponent(u.database)}`;
}

/** A URL typed on the screen: no password in it (the password field is write-only), no query (TLS has its own fields). */
export function checkScreenUrl(text: string): OfficeUrl {
  const u = parseOfficeUrl(text);
  if (u.password !== null) throw new OfficeConfigError('url', '连接地址中不能写密码：请删去“:密码”部分，把密码填在“数据库密码”一栏（它加密保存、从不显示）');
  if (Object.keys(u.params).length > 0) throw new OfficeConfigError('url', '连接地址中不要带 ? 参数：加密方式和 CA 证书文件在下面各有一栏');
  return u;
}

/** TLS from YIDI_DB_URL's sslmode (libpq's names; prefer/allow are not offered: they fall back to no TLS silently). */
export function tlsFromParams(params: Record<string, string>): { tls: OfficeTls; caFile: string } {
  const mode = params.sslmode ?? 'disable';
  const caFile = params.sslrootcert ?? '';
  if (mode === 'verify-ca') throw new OfficeConfigError('tls', `${OFFICE_ENV} 的 sslmode=verify-ca 不受支持：请用 verify-full（同时验证主机名）或 require`);
  if (!(OFFICE_TLS as readonly string[]).includes(mode)) throw new OfficeConfigError('tls', `${OFFICE_ENV} 的 sslmode 应为 disable、require 或 verify-full，现为 ${mode}`);
  if (mode === 'verify-full' && caFile === '') throw new OfficeConfigError('caFile', `${OFFICE_ENV} 的 sslmode=verify-full 需要 sslrootcert=CA 证书文件路径`);
  return { tls: mode as OfficeTls, caFile };
}

/** verify-full needs a CA file; an absolute path, since the desk's working directory is not the supervisor's. */
export function checkCaFile(tls: OfficeTls, caFile: string): void {
  if (tls !== 'verify-full') return;
  if (caFile.trim() === '') throw new OfficeConfigError('caFile', '“加密并验证服务器证书”需要 CA 证书文件：请填写信息科提供的 CA 文件的完整路径（如 C:\\yidi\\office-ca.pem）');
  if (!/^([A-Za-z]:[\\/]|\/|\\\\)/.test(caFile.trim())) throw new OfficeConfigError('caFile', 'CA 证书文件应写完整路径（如 C:\\yidi\\office-ca.pem 或 /etc/yidi/office-ca.pem）');
}
