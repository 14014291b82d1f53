import pg from 'pg';
import { DatabaseTooNewError } from '../migrate.ts';
import { appliedPgMigrations, knownPgMigrations, pendingPgMigrations } from './migrate.ts';

/**
 * 测试连接 for the office store (issue 18 point 2): connect once with the settings as given,
 * say what the server is (version, user, TLS in use) and where its migrations stand against
 * this build — nothing is written, no migration runs. Failures come back in Chinese naming the
 * field to fix (连接地址, 数据库密码, 加密方式, CA 证书文件); the password never appears in one.
 */
export interface ProbeTarget {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | null;
  tls: 'disable' | 'require' | 'verify-full';
  /** PEM text of the CA (verify-full). */
  ca?: string;
  /** Default 5000 ms: a dead address answers within a few seconds instead of the OS's minute. */
  timeoutMs?: number;
}

export type ProbeField = 'url' | 'password' | 'tls' | 'caFile';

export interface ProbeOk {
  ok: true;
  serverVersion: string;
  user: string;
  database: string;
  tls: { used: boolean; version: string | null };
  migrations: { applied: number; known: number; state: 'empty' | 'behind' | 'current'; pending: string[] };
}
export interface ProbeFailure { ok: false; field: ProbeField | null; message: string }

/** The `pg` client settings of a target (also the office store's own connections, db/pg/openOffice.ts). */
export function pgClientConfig(t: ProbeTarget, applicationName = 'yidi-desk 测试连接'): pg.ClientConfig {
  const timeout = t.timeoutMs ?? 5000;
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    database: t.database,
    // pg asks for a password only when the server wants one; a function keeps "none set" distinguishable.
    password: () => {
      if (t.password === null) throw new ProbeNeedsPassword();
      return t.password;
    },
    ssl: t.tls === 'disable' ? false : t.tls === 'require' ? { rejectUnauthorized: false } : { ca: t.ca, rejectUnauthorized: true, servername: t.host },
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    application_name: applicationName,
  };
}

class ProbeNeedsPassword extends Error {}

/** The pg / TLS / network error as the supervisor should read it. */
export function explainProbeError(e: unknown, t: Pick<ProbeTarget, 'host' | 'port' | 'user' | 'database' | 'tls'>): ProbeFailure {
  const where = `${t.host}:${t.port}`;
  const err = e as { code?: string; message?: string; cause?: unknown };
  const code = err?.code ?? '';
  const msg = err?.message ?? String(e);
  const out = (field: ProbeField | null, message: string): ProbeFailure => ({ ok: false, field, message });
  if (e instanceof ProbeNeedsPassword || /client password must be a string/i.test(msg)) return out('password', `服务器 ${where} 要求用户 ${t.user} 提供密码，但尚未设置数据库密码`);
  if (code === '28P01') return out('password', `数据库密码错误：用户 ${t.user} 无法登录 ${where}`);
  if (code === '28000') {
    if (/role .* does not exist/i.test(msg)) return out('url', `连接地址中的用户 ${t.user} 在服务器 ${where} 上不存在`);
    if (/no pg_hba\.conf entry/i.test(msg) && /no encryption/i.test(msg) && t.tls === 'disable') return out('tls', `服务器 ${where} 只接受加密连接：请把加密方式改为“加密”`);
    return out('url', `服务器 ${where} 拒绝用户 ${t.user} 从本机登录数据库 ${t.database}（pg_hba.conf 没有允许的条目）：请信息科检查服务器的访问设置`);
  }
  if (code === '3D000') return out('url', `连接地址中的数据库 ${t.database} 在服务器 ${where} 上不存在：请信息科先建好空数据库`);
  if (code === '42501' || code === '28001') return out('url', `用户 ${t.user} 无权连接数据库 ${t.database}：${msg}`);
  if (/does not support SSL/i.test(msg)) return out('tls', `服务器 ${where} 未开启 TLS：请把加密方式改为“不加密”，或请信息科在服务器上开启 ssl`);
  if (code === 'ENOENT') return out('caFile', `CA 证书文件不存在或无法读取`);
  if (/self[- ]signed|unable to verify|UNABLE_TO_VERIFY|CERT_UNTRUSTED|unable to get local issuer/i.test(`${code} ${msg}`)) return out('caFile', `服务器 ${where} 的证书无法用所填 CA 证书文件验证：请向信息科确认 CA 文件`);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return out('url', `服务器证书上的主机名与连接地址中的主机 ${t.host} 不符：请用证书上的主机名连接`);
  if (code === 'ECONNREFUSED') return out('url', `无法连接服务器 ${where}：连接被拒绝（服务器未运行，或主机、端口不对）`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return out('url', `找不到服务器 ${t.host}：请检查连接地址中的主机名`);
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || /timeout/i.test(msg)) return out('url', `连接服务器 ${where} 超时：网络不通，或防火墙挡住了端口 ${t.port}`);
  if (code === 'ECONNRESET' || /terminated unexpectedly/i.test(msg)) return out(t.tls === 'disable' ? 'url' : 'tls', `服务器 ${where} 中断了连接${t.tls === 'disable' ? '' : '（可能不接受所选的加密方式）'}`);
  return out(null, `无法连接办公室数据库 ${where}：${msg.replace(/password[^,;]*/gi, '')}`);
}

/** Connects, reads, disconnects; never throws. */
export async function probeOfficeStore(t: ProbeTarget, known = knownPgMigrations()): Promise<ProbeOk | ProbeFailure> {
  const client = new pg.Client(pgClientConfig(t));
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    return explainProbeError(e, t);
  }
  try {
    const { rows } = await client.query<{ version: string; usr: string; db: string; ssl: boolean | null; sslversion: string | null }>(`
      SELECT current_setting('server_version') AS version, current_user AS usr, current_database() AS db,
        s.ssl, s.version AS sslversion FROM (SELECT 1) one LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()`);
    const r = rows[0]!;
    let pending;
    try {
      pending = await pendingPgMigrations(client, known);
    } catch (e) {
      if (e instanceof DatabaseTooNewError) {
        return { ok: false, field: null, message: `办公室数据库已由更新版本的程序迁移（本程序不认识的迁移：${e.unknownTags.join('、')}），本窗口不能使用它：请把本窗口的程序升级到最新版本` };
      }
      throw e;
    }
    const applied = (await appliedPgMigrations(client)).length;
    const state = applied === 0 ? 'empty' : pending.length > 0 ? 'behind' : 'current';
    return {
      ok: true,
      serverVersion: r.version,
      user: r.usr,
      database: r.db,
      tls: { used: r.ssl === true, version: r.ssl ? r.sslversion : null },
      migrations: { applied, known: known.length, state, pending: pending.map((m) => m.tag) },
    };
  } catch (e) {
    return explainProbeError(e, t);
  } finally {
    await client.end().catch(() => undefined);
  }
}
