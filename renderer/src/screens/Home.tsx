import { useEffect, useState } from 'react';
import type { Dashboard } from '../../../shared/api/index.ts';
import { yuan } from '../ui/format.ts';
import { call } from '../api.ts';
import type { ScreenProps } from '../routes.tsx';
import { SCREENS } from '../screens.ts';
import { MonthCharts } from './MonthCharts.tsx';


export function Home({ session, status, go }: ScreenProps) {
  const [d, setD] = useState<Dashboard | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () => call('dashboard.get', {}).then((x) => alive && setD(x)).catch(() => undefined);
    void load();
    const t = setInterval(load, 30_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, []);

  return (
    <section className="screen">
      <h2>您好，{session.clerk.name}</h2>
      <p className="muted">{status?.institution ? `${status.institution.name} · ${status.institution.regionName}` : '正在读取机构信息…'} · 今天 {d?.today ?? status?.today ?? ''}</p>

      <div className="stats" aria-label="今日概况">
        <div className="stat"><span>今日入院</span><strong data-testid="admissions-today">{d?.admissionsToday ?? '—'}</strong></div>
        <div className="stat"><span>在院异地患者</span><strong>{d?.inHospital ?? '—'}</strong></div>
        <div className="stat"><span>今日结算</span><strong data-testid="settlements-today">{d?.settlementsToday ?? '—'}</strong><small>{d ? `总费用 ${yuan(d.medfeeToday)} · 基金 ${yuan(d.fundToday)}` : ''}</small></div>
        <div className={`stat ${d && d.outboxRejected > 0 ? 'stat-bad' : ''}`}><span>待上传 / 退回</span><strong data-testid="home-pending">{d?.outboxPending ?? status?.outboxPending ?? '—'} / {d?.outboxRejected ?? '—'}</strong></div>
      </div>

      {d && d.deadlines.length > 0 && (
        <div className="panel" aria-label="待办与期限">
          <h3>待办与期限</h3>
          <ul className="deadlines">
            {d.deadlines.map((n, i) => <li key={i} className={`deadline ${n.level}`}><span className="when">{n.daysLeft === 0 ? '今天' : `${n.daysLeft} 天后`}</span>{n.text}</li>)}
          </ul>
        </div>
      )}

      <div className="tiles">
        {SCREENS.filter((s) => s.id !== 'home').map((s) => (
          <button key={s.id} className="tile" onClick={() => go(s.id)}>
            <span className="tile-key">{s.key}</span>
            <span className="tile-label">{s.label}</span>
            <span className="tile-hint">{s.hint}</span>
          </button>
        ))}
      </div>
      {d && <MonthCharts month={d.month} />}
    </section>
  );
}
