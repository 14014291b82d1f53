import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { getInstitution, getSetting, setSetting } from '../../../db/repos/institution.ts';
import {
  CONNECTION_FIELD_LABEL,
  CONNECTION_SECRET_FIELDS,
  type AgencyConnectionView,
  type ConnectionSecretField,
  type ConnectionUpdate,
  type GatewayProfile,
} from '../../../shared/api/agencyConnection.ts';
import { AGENCY_SECRET_FIELDS, AGENCY_SETTING_KEYS, AgencyConfigError, agencyEnvName, checkPaths, GATEWAY_PROFILES, type AgencyConfig, type AgencySettingField } from '../../agency/config.ts';
import { isSealed, openSecret, sealSecret } from '../../agency/secrets.ts';
import type { Operator } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { ConnectionContext } from './context.ts';

/**
 * 设置 → 经办机构连接 (issue 13 point 6, docs/agency.md): the view the screen shows and the write
 * a supervisor makes. Secrets are sealed with the desk's SecretBox (Electron safeStorage) before
 * they are stored and are never part of a view, an error or an audit entry — only whether each is
 * set, and which fields changed.
 */

// The screen's list of secrets and the configuration's must be one list.
const SAME_SECRETS: readonly AgencySettingField[] = CONNECTION_SECRET_FIELDS satisfies readonly AgencySettingField[];
if (SAME_SECRETS.length !== AGENCY_SECRET_FIELDS.length || SAME_SECRETS.some((f) => !AGENCY_SECRET_FIELDS.includes(f))) {
  throw new Error('CONNECTION_SECRET_FIELDS 与 AGENCY_SECRET_FIELDS 不一致');
}

/** The fields of an update in the order the configuration lists them (clear is not a field). */
const FIELDS = (Object.keys(AGENCY_SETTING_KEYS) as AgencySettingField[]).filter((f) => f !== 'infver');

const label = (f: string): string => CONNECTION_FIELD_LABEL[f] ?? f;

export function envFixed(env: NodeJS.ProcessEnv = process.env): AgencySettingField[] {
  return FIELDS.filter((f) => {
    const name = agencyEnvName(f);
    return name !== null && env[name] !== undefined && env[name] !== '';
  });
}

function envVariables(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS) {
    const name = agencyEnvName(f);
    if (name) out[f] = name;
  }
  return out;
}

function isSecret(f: AgencySettingField): f is ConnectionSecretField {
  return (CONNECTION_SECRET_FIELDS as readonly string[]).includes(f);
}

function tryConfig(c: ConnectionContext): { config: AgencyConfig | null; problem: string | null } {
  try {
    return { config: c.agencyConfig(), problem: null };
  } catch (e) {
    return { config: null, problem: e instanceof Error ? e.message : '经办机构连接设置无法读取' };
  }
}

function secretStorageText(c: ConnectionContext): Pick<AgencyConnectionView, 'secretStorage' | 'secretStorageText'> {
  if (c.secretBox) {
    return { secretStorage: 'encrypted', secretStorageText: `密钥经 ${c.secretBox.kind} 加密后保存在本机数据库中；界面只显示是否已设置，从不显示密钥本身。` };
  }
  return {
    secretStorage: 'database',
    secretStorageText: c.inOffice
      ? '浏览器方式：密钥以明文保存在办公室数据库中（服务器的备份中也有），请只让主管和信息科能连接这个数据库；界面只显示是否已设置，从不显示密钥本身。'
      : `浏览器方式：密钥以明文保存在本机数据库文件中（${c.dbFile}，备份中也有），请只让主管和信息科接触这台电脑上的这个文件；桌面版会用系统的密钥保管（safeStorage）加密保存。界面只显示是否已设置，从不显示密钥本身。`,
  };
}

/** What the screen shows: every value but the secrets', and for those only whether one is set. */
export function connectionView(c: ConnectionContext): AgencyConnectionView {
  const db = c.db;
  const env = c.env ?? process.env;
  const fromEnv = envFixed(env);
  const { config, problem } = tryConfig(c);
  const stored = (f: AgencySettingField): string => getSetting(db, AGENCY_SETTING_KEYS[f]) ?? '';
  // Fields with a default (paasid, username, recerSysCode) show what is stored, the default as a hint;
  // a value the environment gives is shown as it is in effect.
  const shown = (f: AgencySettingField & keyof AgencyConfig): string => (fromEnv.includes(f) && config ? String(config[f] ?? '') : stored(f));
  const code = getInstitution(db)?.fixmedinsCode ?? '';
  const profileStored = stored('profile');
  const num = (f: 'signInMaxAgeMin' | 'concurrency', dflt: number): number => config?.[f] ?? (/^\d+$/.test(stored(f)) ? Number(stored(f)) : dflt);
  const secrets = {} as AgencyConnectionView['secrets'];
  for (const f of CONNECTION_SECRET_FIELDS) secrets[f] = { set: fromEnv.includes(f) || c.fromStart.includes(f) || stored(f) !== '' };
  return {
    profile: config?.profile ?? (GATEWAY_PROFILES.includes(profileStored as GatewayProfile) ? (profileStored as GatewayProfile) : 'tif'),
    url: config?.url ?? stored('url'),
    paths: config ? (Object.keys(config.paths).length > 0 ? JSON.stringify(config.paths) : '') : stored('paths'),
    paasid: shown('paasid'),
    clientId: config?.clientId ?? stored('clientId'),
    username: shown('username'),
    extUrl: config ? (config.extUrl ?? '') : stored('extUrl'),
    recerSysCode: shown('recerSysCode'),
    signInMaxAgeMin: num('signInMaxAgeMin', 60),
    concurrency: num('concurrency', 4),
    secrets,
    sm2PlatformPublicKey: config?.sm2PlatformPublicKey ?? stored('sm2PlatformPublicKey'),
    fromEnv,
    envVariables: envVariables(),
    fromStart: [...c.fromStart],
    defaults: { paasid: code, username: code, recerSysCode: 'YBXT' },
    ...secretStorageText(c),
    problem,
  };
}

/** The fields an update names (a secret to clear counts as named). */
function named(input: ConnectionUpdate): AgencySettingField[] {
  const clear = new Set<string>(input.clear ?? []);
  return FIELDS.filter((f) => (input as Record<string, unknown>)[f] !== undefined || clear.has(f));
}

function refuseFixed(c: ConnectionContext, fields: readonly AgencySettingField[]): void {
  const env = envFixed(c.env ?? process.env);
  for (const f of fields) {
    if (env.includes(f)) {
      throw new ServiceError('FIXED_BY_ENV', `${label(f)}由环境变量 ${agencyEnvName(f) ?? ''} 决定，不能在此修改；请信息科修改该环境变量后重新启动经办台`, f);
    }
    if (c.fromStart.includes(f)) {
      throw new ServiceError('FIXED_BY_START', `${label(f)}由本次启动方式决定（程序启动时指定了经办机构，如 npm start 自带的本地参考经办机构），不能在此修改`, f);
    }
  }
}

function storedPlain(c: ConnectionContext, tx: Tx, f: AgencySettingField): string | null {
  const raw = getSetting(tx, AGENCY_SETTING_KEYS[f]);
  if (!isSecret(f)) return raw ?? '';
  try {
    return openSecret(c.secretBox, raw) ?? '';
  } catch {
    return null; // sealed by the desktop app and unreadable here: any new value is a change
  }
}

/**
 * Writes the named fields of a connection update in the caller's transaction and returns the
 * setting keys whose value changed (for the audit entry; never the values). Refuses a field the
 * environment or the desk's start fixes, a bad path table, and a gm client id that is not 16
 * characters. Used by agency.connection.update and by the old settings.update fields.
 */
export function writeConnection(c: ConnectionContext, tx: Tx, input: ConnectionUpdate): string[] {
  const fields = named(input);
  refuseFixed(c, fields);
  const values = new Map<AgencySettingField, string>();
  const clear = new Set<string>(input.clear ?? []);
  for (const f of fields) {
    const v = (input as Record<string, unknown>)[f];
    values.set(f, clear.has(f) ? '' : String(v));
  }
  if (values.has('paths')) {
    // '{}' (and a clear) is "no table"; it is stored as '' like a table never set.
    try {
      const table = checkPaths(values.get('paths')!);
      values.set('paths', Object.keys(table).length > 0 ? JSON.stringify(table) : '');
    } catch (e) {
      if (e instanceof AgencyConfigError) throw new ServiceError('INVALID_INPUT', `交易地址表（paths）：${e.message}`, 'paths');
      throw e;
    }
  }
  if (values.has('sm2PrivateKey')) values.set('sm2PrivateKey', values.get('sm2PrivateKey')!.toLowerCase());
  if (values.has('sm2PlatformPublicKey')) values.set('sm2PlatformPublicKey', values.get('sm2PlatformPublicKey')!.toLowerCase());
  // gm: the client id is the SM4 key and the SM2 user id — 16 characters exactly (docs/agency.md).
  if (values.has('profile') || values.has('clientId')) {
    const profile = values.get('profile') ?? (tryConfig(c).config?.profile ?? getSetting(tx, AGENCY_SETTING_KEYS.profile) ?? 'tif');
    const envClientId = envFixed(c.env ?? process.env).includes('clientId');
    const clientId = values.get('clientId') ?? getSetting(tx, AGENCY_SETTING_KEYS.clientId) ?? '';
    if (profile === 'gm' && !envClientId && [...clientId].length !== 16) {
      throw new ServiceError('INVALID_INPUT', `客户端编号（clientId）：国密 OAuth2 网关的客户端编号应为 16 个字符（它也是 SM4 密钥和 SM2 用户编号），现为 ${[...clientId].length} 个`, 'clientId');
    }
  }
  const changed: string[] = [];
  for (const [f, v] of values) {
    const key = AGENCY_SETTING_KEYS[f];
    const before = storedPlain(c, tx, f);
    const sealedBefore = isSecret(f) && isSealed(getSetting(tx, key));
    // A secret stored in clear before the desk had a box is sealed when it is written again.
    if (before === v && !(isSecret(f) && v !== '' && c.secretBox && !sealedBefore)) continue;
    setSetting(tx, key, isSecret(f) ? sealSecret(c.secretBox, v) : v);
    changed.push(key);
  }
  // The new settings must read as a configuration (same connection: the transaction's writes are visible).
  if (changed.length > 0) {
    try {
      c.agencyConfig();
    } catch (e) {
      if (e instanceof ServiceError && fields.includes(e.path as AgencySettingField)) throw e;
    }
  }
  return changed;
}

/** agency.connection.update: one transaction, the audit entry naming the changed fields only. */
export function updateConnection(c: ConnectionContext, input: ConnectionUpdate, operator: Operator): AgencyConnectionView {
  c.db.transaction((tx) => {
    const changed = writeConnection(c, tx, input);
    // Saving a form nobody changed is not an event worth a line in the audit log.
    if (changed.length > 0) appendAudit(tx, { clerkId: operator.clerkId, action: 'agency.connection.update', entity: 'settings', detail: { changed } });
  });
  return connectionView(c);
}
