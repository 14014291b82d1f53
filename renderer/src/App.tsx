import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ROLE_LABEL, type RecoveryStatus, type SessionInfo } from '../../shared/api/index.ts';
import { call, getToken, setToken, whenUnauthenticated } from './api.ts';
import { SCREENS } from './screens.ts';
import { Login } from './screens/Login.tsx';
import { Pending } from './screens/Pending.tsx';
import { Recovery } from './screens/Recovery.tsx';
import { takeRestored } from './restored.ts';
import { ROUTES } from './routes.tsx';
import { useStatus } from './useStatus.ts';
import { SignInBadge } from './SignInBadge.tsx';

export function App() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [checked, setChecked] = useState(false);
  const [lockedFor, setLockedFor] = useState<string | null>(null);
  // Why the login page shows: the screen was locked, or a database restore closed every session.
  const [restoredNotice, setRestoredNotice] = useState(false);
  const [recovery, setRecovery] = useState<RecoveryStatus | null>(null);

  useEffect(() => {
    whenUnauthenticated(() => {
      const restored = takeRestored();
      if (restored) setRestoredNotice(true);
      setSession((s) => {
        if (s && !restored) setLockedFor(s.clerk.login);
        return null;
      });
      setToken(null);
    });
    void (async () => {
      const r = await call('recovery.status', {}).catch(() => null);
      if (r?.broken) {
        setRecovery(r);
        return setChecked(true);
      }
      if (!getToken()) return setChecked(true);
      await call('auth.me', {})
        .then(setSession)
        .catch(() => setToken(null));
      setChecked(true);
    })();
  }, []);

  if (!checked) return <div className="login-page"><p className="progress">正在启动…</p></div>;
  if (recovery) return <Recovery status={recovery} onRestored={() => { setRecovery(null); setLockedFor(null); setRestoredNotice(true); }} />;
  if (!session) return <Login locked={lockedFor} restored={restoredNotice} onLogin={(s) => { setLockedFor(null); setRestoredNotice(false); setSession(s); }} />;
  return <Shell session={session} onLogout={() => { setSession(null); setToken(null); }} onLock={() => { setLockedFor(session.clerk.login); setSession(null); setToken(null); }} />;
}

function Shell({ session, onLogout, onLock }: { session: SessionInfo; onLogout: () => void; onLock: () => void }) {
  const [screen, setScreen] = useState('home');
  const status = useStatus();
  const lastActivity = useRef(Date.now());

  const go = useCallback((id: string) => setScreen(id), []);

  // Layout effect: the function keys work from the first frame the shell is shown (a key pressed
  // right after login, or a scanner's Enter, is not lost between paint and a passive effect).
  useLayoutEffect(() => {
    function onKey(e: KeyboardEvent) {
      lastActivity.current = Date.now();
      const target = SCREENS.find((s) => s.key === e.key);
      if (target) {
        e.preventDefault();
        setScreen(target.id);
      } else if (e.key === 'Escape' && !e.defaultPrevented) {
        setScreen('home');
      }
    }
    const touch = () => (lastActivity.current = Date.now());
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', touch);
    // The screen locks after inactivity; the server expires the session too.
    const t = setInterval(() => {
      if (Date.now() - lastActivity.current > session.idleMinutes * 60_000) {
        void call('auth.logout', {}).catch(() => undefined);
        onLock();
      }
    }, 10_000);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', touch);
      clearInterval(t);
    };
  }, [session.idleMinutes, onLock]);

  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0]!;
  const route = ROUTES[screen];
  const body = route ? route({ session, status, go }) : <Pending screen={current} />;

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">异地就医直接结算</span>
        <nav aria-label="主导航">
          {SCREENS.map((s) => (
            <button key={s.id} className={s.id === screen ? 'nav active' : 'nav'} onClick={() => setScreen(s.id)} aria-current={s.id === screen ? 'page' : undefined}>
              <kbd>{s.key}</kbd> {s.label}
            </button>
          ))}
        </nav>
        <span className="who">
          {session.clerk.name}（{ROLE_LABEL[session.clerk.role]}）
          <button className="link" onClick={onLock}>锁屏</button>
          <button className="link" onClick={() => { void call('auth.logout', {}).catch(() => undefined); onLogout(); }}>退出</button>
        </span>
      </header>
      <main>{body}</main>
      <footer className="statusbar" role="status" aria-label="状态栏">
        <span data-testid="online" className={status?.online ? 'ok' : status?.online === false ? 'bad' : ''}>
          ● {status?.online ? '经办机构在线' : status?.online === false ? '离线（本地核验，恢复后自动上传）' : '正在检测连接…'}
        </span>
        <span data-testid="outbox">待上传 {status?.outboxPending ?? '—'} 条{status && status.outboxRejected > 0 ? ` · 退回 ${status.outboxRejected} 条` : ''}</span>
        <SignInBadge login={session.clerk.login} />
        <span>{status?.institution?.code ?? ''}</span>
        <span>Esc 返回首页</span>
      </footer>
    </div>
  );
}
