import { useState, type FormEvent } from 'react';
import type { RecoveryStatus } from '../../../shared/api/index.ts';
import { call } from '../api.ts';
import { useAction } from '../ui/useAction.ts';

/** Shown instead of the login when the database cannot be opened: why, and the way out. */
export function Recovery({ status, onRestored }: { status: RecoveryStatus; onRestored: () => void }) {
  const [name, setName] = useState(status.backups[0]?.name ?? '');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction('恢复失败');

  async function restore(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await call('recovery.restore', { name, login, password });
      onRestored();
    });
  }

  return (
    <div className="login-page">
      <form className="login-card recovery" onSubmit={restore} aria-label="数据库恢复">
        <h1>数据库无法打开</h1>
        <p role="alert" className="error">{status.broken?.message}</p>
        {status.backups.length === 0 ? (
          <p>没有可用的备份。请联系信息科：数据库文件未被修改或删除。</p>
        ) : (
          <>
            <label>
              选择备份
              <select value={name} onChange={(e) => setName(e.target.value)}>
                {status.backups.map((b) => <option key={b.name} value={b.name}>{b.at} · {b.name}（{Math.ceil(b.bytes / 1024)} KB）</option>)}
              </select>
            </label>
            <label>主管工号<input name="login" value={login} onChange={(e) => setLogin(e.target.value)} autoFocus /></label>
            <label>密码<input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
            <p className="muted">以所选备份中的主管账户验证。当前数据库文件会先另存，不会丢失。</p>
            {error && <p role="alert" className="error">{error}</p>}
            <button type="submit" className="primary" disabled={busy}>{busy ? '正在恢复…' : '从备份恢复（Enter）'}</button>
          </>
        )}
      </form>
    </div>
  );
}
