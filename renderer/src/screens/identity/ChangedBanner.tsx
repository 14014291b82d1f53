import type { ChangedCheck } from '../../../../shared/api/index.ts';

/** Re-checks whose answer changed: shown until a clerk acknowledges each (never silently replaced). */
export function ChangedBanner({ changes, onOpen, onAcknowledge }: { changes: ChangedCheck[]; onOpen: (checkId: number) => void; onAcknowledge: (checkId: number) => void }) {
  if (changes.length === 0) return null;
  return (
    <div className="changed-banner" role="alert" aria-label="复核结论变化">
      <strong>联网复核后结论有变化，请告知患者并按新结论办理：</strong>
      <ul>
        {changes.map((c) => (
          <li key={c.check.id}>
            <span>{c.name}（{c.certnoMasked}）：原结论“{c.previous ? c.previous.reasonLabel : '—'}”，现为“<b>{c.check.reasonLabel}</b>”{c.check.direct ? '，可直接结算' : '，不能直接结算'}</span>
            <button className="small" onClick={() => onOpen(c.check.id)}>查看</button>
            <button className="small primary" onClick={() => onAcknowledge(c.check.id)}>知道了</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
