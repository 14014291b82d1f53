import type { CheckView } from '../../../../shared/api/index.ts';
import { formatTime } from './format.ts';

/** The decision in large type, its reason and rule, and what to do next (DOMAIN §3). */
export function DecisionPanel({ check }: { check: CheckView }) {
  const confirmed = check.confirmation && !check.confirmation.changed;
  return (
    <div className={`panel decision ${check.direct ? 'ok' : 'no'}`} role="region" aria-label="核验结论">
      <div className="decision-head">
        <span className="decision-verdict" data-testid="decision">{check.direct ? '可直接结算' : '不能直接结算'}</span>
        {check.provisional && <span className="badge offline" data-testid="offline-badge">离线核验</span>}
        {check.provisional && confirmed && <span className="badge confirmed" data-testid="confirmed-badge">已联网确认</span>}
        {check.provisional && !check.confirmation && <span className="badge waiting">联网后自动复核</span>}
        {check.emergency && <span className="badge">急诊抢救</span>}
      </div>
      <p className="decision-reason">
        <strong data-testid="reason-label">{check.reasonLabel}</strong>
        <span className="muted">（{check.reason}）</span>
        <span className="decision-rule">依据：{check.rule}</span>
      </p>
      <p className="decision-message" data-testid="decision-message">{check.message}</p>
      <p className="muted small">
        入院日期 {check.admissionDate} · {check.certTypeName} · {check.online ? '联网核验' : '离线核验（依据本机备案名单）'} · {formatTime(check.at)}{check.clerkName ? ` · ${check.clerkName}` : ''}
        {confirmed && check.confirmation ? ` · 已于 ${formatTime(check.confirmation.at)} 联网确认，结论不变` : ''}
      </p>
    </div>
  );
}
