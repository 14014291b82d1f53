import type { ReactNode } from 'react';
import { useEscape } from './kit.tsx';

/** The one confirming dialog: Enter confirms (on its primary button), Esc and 取消 close it. */
export function Dialog({ title, children, confirmLabel, onConfirm, onCancel, busy, disabled, danger, focusConfirm = true }: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  disabled?: boolean;
  danger?: boolean;
  /** Focus the confirm button (Enter confirms); false when a field inside takes the focus. */
  focusConfirm?: boolean;
}) {
  useEscape(true, onCancel);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-label={title}>
        <h3>{title}</h3>
        {children}
        <div className="actions">
          <button className={danger ? 'primary danger' : 'primary'} autoFocus={focusConfirm} disabled={busy || disabled} onClick={onConfirm}>{busy ? '处理中…' : `${confirmLabel}（Enter）`}</button>
          {/* 取消 stays enabled while the request runs (issue 20 p7): Esc and the button always close. */}
          <button onClick={onCancel}>取消（Esc）</button>
        </div>
      </div>
    </div>
  );
}
