import { useEffect, useState } from 'react';
import type { Dashboard } from '../../../shared/api/index.ts';
import { yuan } from '../ui/format.ts';
import { call } from '../api.ts';
import type { ScreenProps } from '../routes.tsx';
import { SCREENS } from '../screens.ts';
import { MonthCharts } from './MonthCharts.tsx';


/** Direct settlements as a share of those and 全额自付 (a count ratio, no money): '—' when there were none. */
function percent(direct: number, selfPaid: number): string {
  return direct + selfPaid === 0 ? '—' : `${Math.round((1000 * direct) / (direct + selfPaid)) / 10}%`;
}

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
        <div className="stat"><span>今日门诊</span><strong data-testid="visits-today">{d?.outpatient.visitsToday ?? '—'}</strong><small>{d ? `结算 ${d.outpatient.settlementsToday} 笔 · 总费用 ${yuan(d.outpatient.medfeeToday)} · 基金 ${yuan(d.outpatient.fundToday)}` : ''}</small></div>
        <div className="stat"><span>本月直接结算率</span><strong data-testid="direct-share">{d ? percent(d.directShare.stays.direct + d.directShare.visits.direct, d.directShare.stays.selfPaid + d.directShare.visits.selfPaid) : '—'}</strong><small>{d ? `住院 ${percent(d.directShare.stays.direct, d.directShare.stays.selfPaid)} · 门诊 ${percent(d.directShare.visits.direct, d.directShare.visits.selfPaid)}（全额自付 ${d.directShare.stays.selfPaid + d.directShare.visits.selfPaid}）` : ''}</small></div>
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
