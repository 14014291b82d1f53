import { readFileSync } from 'node:fs';
import type { OfficeTarget } from '../../../db/pg/openOffice.ts';
import type { Db } from '../../../db/open.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { getSetting, setSetting } from '../../../db/repos/institution.ts';
import type { OfficeStoreUpdate, OfficeStoreView } from '../../../shared/api/officeStore.ts';
import { checkCaFile, checkScreenUrl, maskOfficeUrl, OFFICE_ENV, OfficeConfigError, parseOfficeUrl, tlsFromParams, type OfficeField, type OfficeTls, type OfficeUrl } from '../../../shared/officeStore.ts';
import { isSealed, openSecret, sealSecret, type SecretBox } from '../../agency/secrets.ts';
import type { Operator } from '../context.ts';
import { ServiceError } from '../errors.ts';

/**
 * 设置 → 办公室数据库 (issue 18 point 2): where the office store's connection is kept and read.
 * The password is sealed with the desk's SecretBox (as the agency secrets are,
 * electron/services/agencyConnection/store.ts) and leaves this file only inside the pg client
 * config of a connection test: never in a view, an error, an audit entry or a log.
 * YIDI_DB_URL, when set, wins over the settings (IT's way; the screen shows it read-only).
 */
export const OFFICE_KEYS = { url: 'office.url', tls: 'office.tls', caFile: 'office.caFile', password: 'office.password' } as const;

export interface OfficeContext {
  readonly db: Db;
  readonly secretBox: SecretBox | null;
  readonly dbFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The window runs in office mode. */
  readonly inOffice?: boolean;
}

/** The connection in effect, password included (for connecting only). */
export interface OfficeConnection {
  source: 'env' | 'settings';
  url: OfficeUrl;
  tls: OfficeTls;
  caFile: string;
  password: string | null;
}

const fail = (e: OfficeConfigError): ServiceError => new ServiceError('INVALID_INPUT', e.message, e.field);

function envUrl(c: OfficeContext): string | null {
  const v = (c.env ?? process.env)[OFFICE_ENV];
  return v !== undefined && v.trim() !== '' ? v : null;
}

/** The connection in effect, or null when none is set; throws OfficeConfigError naming the field. */
export function officeConnection(c: OfficeContext): OfficeConnection | null {
  const env = envUrl(c);
  if (env !== null) {
    const url = parseOfficeUrl(env);
    return { source: 'env', url, ...tlsFromParams(url.params), password: url.password };
  }
  const raw = getSetting(c.db, OFFICE_KEYS.url) ?? '';
  if (raw === '') return null;
  const url = checkScreenUrl(raw);
  const tls = (getSetting(c.db, OFFICE_KEYS.tls) ?? 'disable') as OfficeTls;
  const caFile = getSetting(c.db, OFFICE_KEYS.caFile) ?? '';
  let password: string | null;
  try {
    password = openSecret(c.secretBox, getSetting(c.db, OFFICE_KEYS.password)) || null;
  } catch (e) {
    throw new OfficeConfigError('password', e instanceof Error ? e.message.replace('此密钥', '数据库密码').replace('经办机构连接', '办公室数据库') : '数据库密码无法读取，请重新填写');
  }
  return { source: 'settings', url, tls, caFile, password };
}

function storageText(c: OfficeContext): string {
  return c.secretBox
    ? `数据库密码经 ${c.secretBox.kind} 加密后保存在本机数据库中；界面只显示是否已设置，从不显示密码本身。`
    : c.inOffice
      ? '浏览器方式：数据库密码以明文保存在办公室数据库中（服务器的备份中也有），请只让主管和信息科能连接这个数据库；界面只显示是否已设置，从不显示密码本身。'
      : `浏览器方式：数据库密码以明文保存在本机数据库文件中（${c.dbFile}，备份中也有），请只让主管和信息科接触这个文件；桌面版会加密保存。界面只显示是否已设置，从不显示密码本身。`;
}

export function officeView(c: OfficeContext): OfficeStoreView {
  const base = { envVariable: OFFICE_ENV, secretStorageText: storageText(c), inUse: c.inOffice === true };
  const env = envUrl(c);
  if (env !== null) {
    try {
      const url = parseOfficeUrl(env);
      const { tls, caFile } = tlsFromParams(url.params);
      return { ...base, source: 'env', url: maskOfficeUrl({ ...url, password: null }), tls, caFile, password: { set: url.password !== null }, problem: null };
    } catch (e) {
      return { ...base, source: 'env', url: '', tls: 'disable', caFile: '', password: { set: false }, problem: `环境变量 ${OFFICE_ENV}：${e instanceof Error ? e.message : String(e)}` };
    }
  }
  const url = getSetting(c.db, OFFICE_KEYS.url) ?? '';
  const stored = getSetting(c.db, OFFICE_KEYS.password) ?? '';
  return {
    ...base,
    source: url === '' ? 'none' : 'settings',
    url,
    tls: (getSetting(c.db, OFFICE_KEYS.tls) ?? 'disable') as OfficeTls,
    caFile: getSetting(c.db, OFFICE_KEYS.caFile) ?? '',
    password: { set: stored !== '' },
    problem: null,
  };
}

/** office.store.update: checks the whole result, writes the changed keys in one transaction, audits their names only. */
export function updateOffice(c: OfficeContext, input: OfficeStoreUpdate, operator: Operator): OfficeStoreView {
  if (envUrl(c) !== null) {
    const field: OfficeField = input.url !== undefined ? 'url' : input.tls !== undefined ? 'tls' : input.caFile !== undefined ? 'caFile' : 'password';
    throw new ServiceError('FIXED_BY_ENV', `办公室数据库由环境变量 ${OFFICE_ENV} 决定，不能在此修改；请信息科修改该环境变量后重新启动经办台`, field);
  }
  const clear = new Set(input.clear ?? []);
  const cur = officeView(c);
  const next = {
    url: clear.has('url') ? '' : (input.url ?? cur.url),
    tls: input.tls ?? cur.tls,
    caFile: clear.has('caFile') ? '' : (input.caFile ?? cur.caFile),
  };
  try {
    if (next.url !== '') checkScreenUrl(next.url);
    checkCaFile(next.tls, next.caFile);
  } catch (e) {
    if (e instanceof OfficeConfigError) throw fail(e);
    throw e;
  }
  const changed: string[] = [];
  c.db.transaction((tx) => {
    const put = (key: string, v: string) => {
      if ((getSetting(tx, key) ?? '') === v) return;
      setSetting(tx, key, v);
      changed.push(key);
    };
    put(OFFICE_KEYS.url, next.url.trim());
    put(OFFICE_KEYS.tls, next.tls);
    put(OFFICE_KEYS.caFile, next.caFile.trim());
    if (clear.has('password')) put(OFFICE_KEYS.password, '');
    else if (input.password !== undefined) {
      const stored = getSetting(tx, OFFICE_KEYS.password);
      let same = false;
      try {
        same = openSecret(c.secretBox, stored) === input.password && (!c.secretBox || isSealed(stored));
      } catch { /* unreadable here: the new one replaces it */ }
      if (!same) {
        setSetting(tx, OFFICE_KEYS.password, sealSecret(c.secretBox, input.password));
        changed.push(OFFICE_KEYS.password);
      }
    }
    if (changed.length > 0) appendAudit(tx, { clerkId: operator.clerkId, action: 'office.store.update', entity: 'settings', detail: { changed } });
  });
  return officeView(c);
}

/**
 * Office mode from YIDI_DB_URL (IT's way, docs/office.md): the window works on that store; null
 * when the variable is unset. A bad URL or an unreadable CA file stops the start with the reason.
 */
export function officeTargetFromEnv(env: NodeJS.ProcessEnv = process.env, windowName = 'yidi-desk'): OfficeTarget | null {
  const raw = env[OFFICE_ENV];
  if (raw === undefined || raw.trim() === '') return null;
  const url = parseOfficeUrl(raw);
  const { tls, caFile } = tlsFromParams(url.params);
  let ca: string | undefined;
  if (tls === 'verify-full') {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch {
      throw new OfficeConfigError('caFile', `环境变量 ${OFFICE_ENV}：CA 证书文件 ${caFile} 不存在或无法读取`);
    }
  }
  return { host: url.host, port: url.port, user: url.user, database: url.database, password: url.password, tls, ...(ca !== undefined ? { ca } : {}), applicationName: windowName };
}
