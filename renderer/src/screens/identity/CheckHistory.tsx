import type { CheckView } from '../../../../shared/api/index.ts';
import { formatTime } from './format.ts';

function state(c: CheckView): string {
  if (c.recheckOf !== null) return c.changed ? (c.acknowledgedAt ? '复核：结论变化（已知悉）' : '复核：结论变化，待知悉') : '复核：结论不变';
  if (!c.provisional) return '联网核验';
  if (!c.confirmation) return '离线核验，待复核';
  return c.confirmation.changed ? '离线核验，复核后结论变化' : '离线核验，已联网确认';
}

/** The person's checks, newest first. */
export function CheckHistory({ checks, current, onOpen }: { checks: CheckView[]; current: number | null; onOpen: (id: number) => void }) {
  if (checks.length === 0) return null;
  return (
    <div className="panel">
      <h3>核验记录</h3>
      <table className="grid" aria-label="核验记录">
        <thead><tr><th>时间</th><th>凭证</th><th>入院日期</th><th>结论</th><th>原因</th><th>状态</th><th>经办人</th><th /></tr></thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.id} className={c.id === current ? 'current' : ''}>
              <td>{formatTime(c.at)}</td>
              <td>{c.certTypeName}</td>
              <td>{c.admissionDate}</td>
              <td className={c.direct ? 'ok-text' : 'error'}>{c.direct ? '可直接结算' : '不能直接结算'}</td>
              <td>{c.reasonLabel}</td>
              <td>{state(c)}</td>
              <td>{c.clerkName ?? '系统'}</td>
              <td>{c.id !== current && <button className="small" onClick={() => onOpen(c.id)}>查看</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
