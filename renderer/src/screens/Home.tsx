import type { DeskStatus, SessionInfo } from '../../../shared/api/index.ts';
import { SCREENS } from '../screens.ts';

export function Home({ session, status, go }: { session: SessionInfo; status: DeskStatus | null; go: (id: string) => void }) {
  return (
    <section className="screen">
      <h2>您好，{session.clerk.name}</h2>
      <p className="muted">{status?.institution ? `${status.institution.name} · ${status.institution.regionName}` : '正在读取机构信息…'} · 今天 {status?.today ?? ''}</p>
      <div className="tiles">
        {SCREENS.filter((s) => s.id !== 'home').map((s) => (
          <button key={s.id} className="tile" onClick={() => go(s.id)}>
            <span className="tile-key">{s.key}</span>
            <span className="tile-label">{s.label}</span>
            <span className="tile-hint">{s.hint}</span>
          </button>
        ))}
      </div>
      <div className="panel">
        <h3>上传队列</h3>
        <p>
          待上传 <strong data-testid="home-pending">{status?.outboxPending ?? '—'}</strong> 条
          {status && status.outboxRejected > 0 && <span className="warn"> · 被退回 {status.outboxRejected} 条，请到“同步”处理</span>}
        </p>
      </div>
    </section>
  );
}
