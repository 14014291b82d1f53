import { useState, type FormEvent } from 'react';
import type { SessionInfo } from '../../../shared/api/index.ts';
import { call, setToken } from '../api.ts';
import { useAction } from '../ui/useAction.ts';

export function Login({ onLogin, locked, restored = false }: { onLogin: (s: SessionInfo) => void; locked: string | null; restored?: boolean }) {
  const [login, setLogin] = useState(locked ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction('登录失败');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const ok = await run(async () => {
      const s = await call('auth.login', { login, password });
      setToken(s.token);
      onLogin(s);
    });
    if (!ok) setPassword('');
  }

  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="登录">
        <h1>异地就医直接结算</h1>
        <p className="muted">医保办经办台{!restored && locked ? ' · 屏幕已锁定，请重新输入密码' : ''}</p>
        {restored && <p role="status" className="notice">数据库已恢复，请重新登录</p>}
        <label>
          工号
          <input name="login" autoFocus={!locked} value={login} onChange={(e) => setLogin(e.target.value)} autoComplete="username" />
        </label>
        <label>
          密码
          <input name="password" type="password" autoFocus={!!locked} value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? '正在登录…' : '登录（Enter）'}</button>
      </form>
    </div>
  );
}
