import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { OfficeStoreTestResult, OfficeStoreView } from '../../../../shared/api/officeStore.ts';
import type { Input } from '../../../../shared/api/index.ts';
import { OFFICE_FIELD_LABEL, OFFICE_TLS, OFFICE_TLS_LABEL, type OfficeTls } from '../../../../shared/officeStore.ts';
import { ApiCallError, call } from '../../api.ts';

/**
 * 设置 → 办公室数据库 (issue 18 point 2, docs/office.md), supervisor only: the office store's
 * URL, TLS mode, CA file and write-only password, and 测试连接. Enter saves; Alt+K tests (after
 * saving what is on the screen). YIDI_DB_URL, when IT set it, is shown read-only. The desk keeps
 * running on whichever store it started on (office mode: YIDI_DB_URL): the panel says which, and switches nothing.
 */

type Form = { url: string; tls: OfficeTls; caFile: string };
const formOf = (v: OfficeStoreView): Form => ({ url: v.url, tls: v.tls, caFile: v.caFile });

export function OfficeStorePanel() {
  const [view, setView] = useState<OfficeStoreView | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [password, setPassword] = useState('');
  const [clearPassword, setClearPassword] = useState(false);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [test, setTest] = useState<OfficeStoreTestResult | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const load = useCallback((v: OfficeStoreView) => {
    setView(v);
    setForm(formOf(v));
    setPassword('');
    setClearPassword(false);
  }, []);

  useEffect(() => {
    call('office.store.get', {}).then(load).catch((e: unknown) => setMessage({ ok: false, text: e instanceof ApiCallError ? e.message : '无法读取办公室数据库设置' }));
  }, [load]);

  const fromEnv = view?.source === 'env';

  // Only what changed is sent; an emptied field goes in `clear`, a blank password field keeps the stored one.
  function updateInput(): Input<'office.store.update'> {
    const f = form!;
    const base = formOf(view!);
    const out: Record<string, unknown> = {};
    const clear: string[] = [];
    if (f.url.trim() !== base.url) {
      if (f.url.trim() === '') clear.push('url');
      else out.url = f.url.trim();
    }
    if (f.tls !== base.tls) out.tls = f.tls;
    if (f.caFile.trim() !== base.caFile) {
      if (f.caFile.trim() === '') clear.push('caFile');
      else out.caFile = f.caFile.trim();
    }
    if (clearPassword) clear.push('password');
    else if (password !== '') out.password = password;
    if (clear.length > 0) out.clear = clear;
    return out as Input<'office.store.update'>;
  }

  const dirty = !!view && !!form && !fromEnv && Object.keys(updateInput()).length > 0;

  async function save(): Promise<boolean> {
    setMessage(null);
    try {
      load(await call('office.store.update', updateInput()));
      setMessage({ ok: true, text: '办公室数据库设置已保存（本经办台仍使用本机数据库文件）' });
      return true;
    } catch (err) {
      const e = err instanceof ApiCallError ? err : null;
      setMessage({ ok: false, text: e ? e.message : '保存失败' });
      if (e?.error.path) formRef.current?.querySelector<HTMLElement>(`[data-field="${e.error.path.split('.')[0]}"]`)?.focus();
      return false;
    }
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (busy || fromEnv) return;
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
      // What is on the screen is what is tested.
      if (dirty && !(await save())) return;
      setMessage(null);
      const r = await call('office.store.test', {});
      setTest(r);
      if (!r.ok && r.field) formRef.current?.querySelector<HTMLElement>(`[data-field="${r.field}"]`)?.focus();
    } catch (err) {
      setTest({ ok: false, field: null, message: err instanceof ApiCallError ? err.message : '测试连接失败' });
    } finally {
      setBusy(null);
    }
  }
  const runTestRef = useRef(runTest);
  runTestRef.current = runTest;
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.code !== 'KeyK') return;
      e.preventDefault();
      void runTestRef.current();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!view || !form) return message ? <p className="error" role="alert">{message.text}</p> : <p className="progress">正在读取办公室数据库设置…</p>;

  const envNote = fromEnv ? <small className="fixed-by">由环境变量 {view.envVariable} 决定</small> : null;

  return (
    <form ref={formRef} className="office-store" onSubmit={onSubmit} aria-label="办公室数据库" aria-busy={busy !== null}>
      {view.inUse ? (
        <p className="notice small" data-testid="office-in-use">
          本窗口正以办公室模式运行：业务数据保存在办公室数据库中，本机不另存业务数据。这里的设置只用于准备和测试连接，保存后不会切换数据库。
        </p>
      ) : (
        <p className="warn small" data-testid="office-not-in-use">
          本经办台目前仍使用本机数据库文件（SQLite），这里的设置只用于准备和测试连接，保存后不会切换数据库；要以办公室模式运行，由信息科设置环境变量 {view.envVariable} 后启动（见 docs/office.md）。
        </p>
      )}
      {view.problem && <p className="error" role="alert">{view.problem}</p>}
      <div className="form-grid">
        <label>
          {OFFICE_FIELD_LABEL.url}
          <input data-field="url" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} readOnly={fromEnv} className={fromEnv ? 'readonly' : undefined}
            placeholder="postgres://用户@主机:5432/数据库" autoComplete="off" spellCheck={false} />
          {envNote}
          <small className="muted">由信息科提供；不要把密码写在地址里</small>
        </label>
        <label>
          {OFFICE_FIELD_LABEL.tls}
          <select data-field="tls" value={form.tls} disabled={fromEnv} onChange={(e) => setForm({ ...form, tls: e.target.value as OfficeTls })}>
            {OFFICE_TLS.map((t) => <option key={t} value={t}>{t} {OFFICE_TLS_LABEL[t]}</option>)}
          </select>
          {envNote}
        </label>
        {form.tls === 'verify-full' && (
          <label>
            {OFFICE_FIELD_LABEL.caFile}
            <input data-field="caFile" value={form.caFile} onChange={(e) => setForm({ ...form, caFile: e.target.value })} readOnly={fromEnv} className={fromEnv ? 'readonly' : undefined}
              placeholder="C:\yidi\office-ca.pem" autoComplete="off" spellCheck={false} />
            {envNote}
            <small className="muted">信息科提供的 CA 证书文件的完整路径</small>
          </label>
        )}
        <label>
          <span>
            {OFFICE_FIELD_LABEL.password} <span className={view.password.set ? 'secret-state set' : 'secret-state'}>{view.password.set ? '已设置' : '未设置'}</span>
          </span>
          <input data-field="password" type="password" autoComplete="new-password" value={password} readOnly={fromEnv || clearPassword} className={fromEnv ? 'readonly' : undefined}
            onChange={(e) => setPassword(e.target.value)} placeholder={fromEnv ? '' : clearPassword ? '保存时清除' : view.password.set ? '已设置，留空则不修改' : '未设置'} />
          {envNote}
          {!fromEnv && view.password.set && (
            <span className="check-inline">
              <input type="checkbox" checked={clearPassword} onChange={(e) => { setClearPassword(e.target.checked); setPassword(''); }} aria-label="清除数据库密码" />
              清除
            </span>
          )}
        </label>
      </div>
      <p className="muted small" data-testid="office-secret-storage">{view.secretStorageText}</p>
      <div className="actions">
        {!fromEnv && <button type="submit" className="primary" disabled={busy !== null}>{busy === 'save' ? <><span className="spinner" /> 正在保存…</> : <>保存 <kbd>Enter</kbd></>}</button>}
        <button type="button" onClick={() => void runTest()} disabled={busy !== null} aria-keyshortcuts="Alt+K">
          {busy === 'test' ? <><span className="spinner" /> 正在连接…</> : <>测试连接 <kbd>Alt+K</kbd></>}
        </button>
        {dirty && busy === null && <span className="muted small">有未保存的修改（测试连接会先保存）</span>}
      </div>
      {message && <p role="status" className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
      {test && (
        <p role="status" data-testid="office-test" className={test.ok ? 'notice' : 'error'}>
          {test.ok ? test.text : `测试连接失败：${test.message}`}
        </p>
      )}
    </form>
  );
}
