import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  CONNECTION_CLEARABLE_FIELDS,
  CONNECTION_FIELD_LABEL,
  CONNECTION_SECRET_FIELDS,
  GATEWAY_PROFILE_LABEL,
  type AgencyConnectionView,
  type ConnectionClearableField,
  type ConnectionSecretField,
  type ConnectionTestResult,
  type GatewayProfile,
} from '../../../../shared/api/agencyConnection.ts';
import type { Input } from '../../../../shared/api/index.ts';
import { formatInstantCST } from '../../../../shared/dates.ts';
import { ApiCallError, call } from '../../api.ts';

/**
 * 设置 → 经办机构连接 (issue 13 point 6, docs/agency.md), supervisor only: the gateway profile and
 * the fields it needs, the tif path table, the desk extensions, the write-only secrets, and
 * 测试连接 (9001 now). Enter saves; Alt+C tests. A field the environment or the desk's start fixes
 * is shown read-only with where it comes from.
 */

const TEXT_FIELDS = ['url', 'paasid', 'clientId', 'username', 'extUrl', 'recerSysCode', 'sm2PlatformPublicKey', 'signInMaxAgeMin', 'concurrency'] as const;
type TextField = (typeof TEXT_FIELDS)[number];
type Field = TextField | 'paths' | ConnectionSecretField;

const PROFILES: GatewayProfile[] = ['tif', 'gm', 'plain'];

/** What each profile needs, in screen order (docs/agency.md “The three profiles”). */
const PROFILE_FIELDS: Record<GatewayProfile, Field[]> = {
  tif: ['url', 'paasid', 'token', 'paths'],
  gm: ['url', 'clientId', 'clientSecret', 'username', 'password', 'sm2PrivateKey', 'sm2PlatformPublicKey'],
  plain: ['url', 'apikey'],
};
const COMMON_FIELDS: Field[] = ['recerSysCode', 'signInMaxAgeMin', 'concurrency'];
const EXTENSION_FIELDS: Field[] = ['extUrl', 'extKey'];

const HINT: Partial<Record<Field, string>> = {
  url: '交易地址，如 https://gw.example/fsi/api/rsfComIfsService/callService；只写到端口时自动加上该路径',
  paasid: 'x-tif-paasid 请求头',
  token: 'x-tif-signature 签名用的令牌；未设置时用桌面扩展接口密钥',
  clientId: '16 个字符（也是 SM4 密钥和 SM2 用户编号）',
  clientSecret: '换取令牌时的 Basic 认证',
  password: '未设置时用客户端密钥',
  sm2PrivateKey: '64 位十六进制数',
  sm2PlatformPublicKey: '可不填：04 开头的 130 位十六进制数，用来校验平台签名',
  apikey: '可不填：作为 apikey 请求头发送',
  recerSysCode: '报文 recer_sys_code',
  signInMaxAgeMin: '超过后重新签到（9001）',
  concurrency: '同时在途的交易数，1–16',
};

type Row = { infno: string; path: string };
type Form = Record<TextField, string> & { profile: GatewayProfile; rows: Row[] };

function formOf(v: AgencyConnectionView): Form {
  let table: Record<string, string>;
  try {
    table = v.paths ? (JSON.parse(v.paths) as Record<string, string>) : {};
  } catch {
    table = {};
  }
  return {
    profile: v.profile, url: v.url, paasid: v.paasid, clientId: v.clientId, username: v.username, extUrl: v.extUrl, recerSysCode: v.recerSysCode,
    sm2PlatformPublicKey: v.sm2PlatformPublicKey, signInMaxAgeMin: String(v.signInMaxAgeMin), concurrency: String(v.concurrency),
    rows: Object.entries(table).map(([infno, path]) => ({ infno, path })),
  };
}

function pathsText(rows: Row[]): string {
  const used = rows.filter((r) => r.infno.trim() !== '' || r.path.trim() !== '');
  return used.length === 0 ? '' : JSON.stringify(Object.fromEntries(used.map((r) => [r.infno.trim(), r.path.trim()])));
}

const isSecret = (f: Field): f is ConnectionSecretField => (CONNECTION_SECRET_FIELDS as readonly string[]).includes(f);
const isClearable = (f: Field): f is ConnectionClearableField => (CONNECTION_CLEARABLE_FIELDS as readonly string[]).includes(f);

export function AgencyConnectionPanel() {
  const [view, setView] = useState<AgencyConnectionView | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [secrets, setSecrets] = useState<Partial<Record<ConnectionSecretField, string>>>({});
  const [clear, setClear] = useState<ConnectionSecretField[]>([]);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const [savedFirst, setSavedFirst] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const load = useCallback((v: AgencyConnectionView) => {
    setView(v);
    setForm(formOf(v));
    setSecrets({});
    setClear([]);
  }, []);

  useEffect(() => {
    call('agency.connection.get', {}).then(load).catch((e: unknown) => setMessage({ ok: false, text: e instanceof ApiCallError ? e.message : '无法读取经办机构连接设置' }));
  }, [load]);

  const fixed = (f: Field | 'profile'): string | null => {
    if (!view) return null;
    if (view.fromEnv.includes(f)) return `由环境变量 ${view.envVariables[f] ?? ''} 决定`;
    if (view.fromStart.includes(f)) return '由本次启动方式决定（启动时指定了经办机构）';
    return null;
  };

  // Only what changed is sent: a field left alone keeps its stored value (even one an older
  // version let in), and an emptied field is listed in `clear` — the API never takes '' as a value.
  function updateInput(): Input<'agency.connection.update'> {
    const f = form!;
    const base = formOf(view!);
    const out: Record<string, unknown> = {};
    const toClear: ConnectionClearableField[] = [];
    if (!fixed('profile') && f.profile !== base.profile) out.profile = f.profile;
    for (const field of TEXT_FIELDS) {
      if (fixed(field) || f[field] === base[field]) continue;
      const v = f[field].trim();
      if (field === 'signInMaxAgeMin' || field === 'concurrency') out[field] = /^\d+$/.test(v) ? Number(v) : v;
      else if (v === '' && isClearable(field)) toClear.push(field);
      else out[field] = v;
    }
    const paths = pathsText(f.rows);
    if (!fixed('paths') && paths !== pathsText(base.rows)) {
      if (paths === '') toClear.push('paths');
      else out.paths = paths;
    }
    for (const s of CONNECTION_SECRET_FIELDS) {
      if (fixed(s)) continue;
      if (clear.includes(s)) toClear.push(s);
      else if (secrets[s]) out[s] = secrets[s];
    }
    if (toClear.length > 0) out.clear = toClear;
    return out as Input<'agency.connection.update'>;
  }

  const dirty = !!view && !!form && Object.keys(updateInput()).length > 0;

  function focusField(path: string) {
    const name = path.split('.')[0] ?? '';
    const el = formRef.current?.querySelector<HTMLElement>(`[data-field="${name}"]`);
    el?.focus();
  }

  async function save(): Promise<boolean> {
    setMessage(null);
    try {
      load(await call('agency.connection.update', updateInput()));
      setMessage({ ok: true, text: '经办机构连接设置已保存' });
      return true;
    } catch (err) {
      const e = err instanceof ApiCallError ? err : null;
      setMessage({ ok: false, text: e ? e.message : '保存失败' });
      if (e?.error.path) focusField(e.error.path);
      return false;
    }
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy('save');
    setTest(null);
    try {
      await save();
    } finally {
      setBusy(null);
    }
  }

  async function runTest() {
    if (busy || !form) return;
    setBusy('test');
    setTest(null);
    try {
      // What is on the screen is what is tested: unsaved changes are saved first.
      const saving = dirty;
      if (saving && !(await save())) return;
      // One line for one action: the test's answer says the changes were saved, instead of a second notice.
      if (saving) setMessage(null);
      setSavedFirst(saving);
      const r = await call('agency.connection.test', {});
      setTest(r);
      window.dispatchEvent(new Event('desk:signin'));
    } catch (err) {
      setTest({ ok: false, message: err instanceof ApiCallError ? err.message : '测试连接失败' });
    } finally {
      setBusy(null);
    }
  }
  // Alt+C from anywhere on the screen; the ref always holds this render's runTest.
  const runTestRef = useRef(runTest);
  runTestRef.current = runTest;
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.code !== 'KeyC') return;
      e.preventDefault();
      void runTestRef.current();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!view || !form) return message ? <p className="error" role="alert">{message.text}</p> : <p className="progress">正在读取经办机构连接设置…</p>;

  const setText = (k: TextField) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const source = (f: Field | 'profile'): ReactNode => {
    const why = fixed(f);
    return why ? <small className="fixed-by">{why}</small> : null;
  };

  function textInput(f: TextField): ReactNode {
    const why = fixed(f);
    const placeholder = f === 'paasid' ? `不填则用机构编号 ${view!.defaults.paasid}` : f === 'username' ? `不填则用机构编号 ${view!.defaults.username}` : f === 'recerSysCode' ? `不填则为 ${view!.defaults.recerSysCode}` : f === 'extUrl' ? '不填则不使用桌面扩展接口' : undefined;
    const numeric = f === 'signInMaxAgeMin' || f === 'concurrency';
    return (
      <label key={f}>
        {CONNECTION_FIELD_LABEL[f]}
        <input data-field={f} value={form![f]} onChange={setText(f)} readOnly={!!why} className={why ? 'readonly' : undefined} placeholder={placeholder} inputMode={numeric ? 'numeric' : undefined} autoComplete="off" spellCheck={false} />
        {source(f)}
        {HINT[f] && <small className="muted">{HINT[f]}</small>}
      </label>
    );
  }

  function secretInput(f: ConnectionSecretField): ReactNode {
    const why = fixed(f);
    const set = view!.secrets[f].set;
    const clearing = clear.includes(f);
    return (
      <label key={f}>
        <span>
          {CONNECTION_FIELD_LABEL[f]} <span className={set ? 'secret-state set' : 'secret-state'}>{set ? '已设置' : '未设置'}</span>
        </span>
        <input
          data-field={f} type="password" autoComplete="new-password" value={secrets[f] ?? ''} readOnly={!!why || clearing} className={why ? 'readonly' : undefined}
          onChange={(e) => setSecrets({ ...secrets, [f]: e.target.value })}
          placeholder={why ? '' : clearing ? '保存时清除' : set ? '已设置，留空则不修改' : '未设置'}
        />
        {source(f)}
        {!why && set && (
          <span className="check-inline">
            <input type="checkbox" checked={clearing} onChange={(e) => { setClear(e.target.checked ? [...clear, f] : clear.filter((x) => x !== f)); setSecrets({ ...secrets, [f]: '' }); }} aria-label={`清除${CONNECTION_FIELD_LABEL[f]}`} />
            清除
          </span>
        )}
        {HINT[f] && <small className="muted">{HINT[f]}</small>}
      </label>
    );
  }

  function pathTable(): ReactNode {
    const why = fixed('paths');
    const rows = form!.rows;
    const setRow = (i: number, r: Partial<Row>) => setForm({ ...form!, rows: rows.map((x, j) => (j === i ? { ...x, ...r } : x)) });
    return (
      <fieldset key="paths" className="path-table" data-field="paths" tabIndex={-1}>
        <legend>交易地址表（按交易编号分路径的地区才需要；未列出的交易发往网关地址）</legend>
        {source('paths')}
        <table className="grid">
          <thead><tr><th>交易编号</th><th>路径</th><th /></tr></thead>
          <tbody>
            {rows.length === 0 && <tr><td colSpan={3} className="muted">未设置：全部交易发往网关地址</td></tr>}
            {rows.map((r, i) => (
              <tr key={i}>
                <td><input aria-label={`第 ${i + 1} 行交易编号`} value={r.infno} onChange={(e) => setRow(i, { infno: e.target.value })} readOnly={!!why} placeholder="9001" inputMode="numeric" /></td>
                <td><input aria-label={`第 ${i + 1} 行路径`} value={r.path} onChange={(e) => setRow(i, { path: e.target.value })} readOnly={!!why} placeholder="/fsi/api/signInSignOutService/signIn" spellCheck={false} /></td>
                <td>{!why && <button type="button" onClick={() => setForm({ ...form!, rows: rows.filter((_, j) => j !== i) })} aria-label={`删除第 ${i + 1} 行`}>删除</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!why && <button type="button" onClick={() => setForm({ ...form!, rows: [...rows, { infno: '', path: '' }] })}>添加一行</button>}
      </fieldset>
    );
  }

  const field = (f: Field): ReactNode => (f === 'paths' ? pathTable() : isSecret(f) ? secretInput(f) : textInput(f));
  const profileFixed = fixed('profile');

  return (
    <form ref={formRef} className="agency-connection" onSubmit={onSubmit} aria-label="经办机构连接" aria-busy={busy !== null}>
      {view.problem && <p className="error" role="alert">{view.problem}</p>}
      <div className="form-grid">
        <label>
          接口方式
          <select data-field="profile" value={form.profile} disabled={!!profileFixed} onChange={(e) => setForm({ ...form, profile: e.target.value as GatewayProfile })}>
            {PROFILES.map((p) => <option key={p} value={p}>{p} {GATEWAY_PROFILE_LABEL[p]}</option>)}
          </select>
          {source('profile')}
        </label>
        {PROFILE_FIELDS[form.profile].filter((f) => f !== 'paths').map(field)}
        {COMMON_FIELDS.map(field)}
      </div>
      {form.profile === 'tif' && pathTable()}
      <fieldset className="extension">
        <legend>桌面扩展接口</legend>
        <p className="muted small">登记名单、参保地政策参数、清算结果下载和 3290/3291 申诉需要它——这是桌面扩展接口，真实平台没有；不填时这些功能在各自页面说明缺什么、可以怎么办。</p>
        <div className="form-grid">{EXTENSION_FIELDS.map(field)}</div>
      </fieldset>
      <p className={view.secretStorage === 'encrypted' ? 'muted small' : 'warn small'} data-testid="secret-storage">{view.secretStorageText}</p>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy !== null}>{busy === 'save' ? <><span className="spinner" /> 正在保存…</> : <>保存 <kbd>Enter</kbd></>}</button>
        <button type="button" onClick={() => void runTest()} disabled={busy !== null} aria-keyshortcuts="Alt+C">
          {busy === 'test' ? <><span className="spinner" /> 正在签到（9001）…</> : <>测试连接 <kbd>Alt+C</kbd></>}
        </button>
        {dirty && busy === null && <span className="muted small">有未保存的修改（测试连接会先保存）</span>}
      </div>
      {message && <p role="status" className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
      {test && (
        <p role="status" data-testid="connection-test" className={test.ok ? 'notice' : 'error'}>
          {savedFirst && '修改已保存。'}
          {test.ok ? `签到成功：签到编号 ${test.signNo}，签到时间 ${test.signTime || formatInstantCST(test.signedAt)}` : `测试连接失败：${test.message}`}
        </p>
      )}
    </form>
  );
}
