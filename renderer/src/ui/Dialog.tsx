import type { ReactNode } from 'react';
import { useEscape } from './kit.tsx';

/** The one confirming dialog: Enter confirms (on its primary button), Esc and 取消 close it. */
export function Dialog({ title, children, confirmLabel, onConfirm, onCancel, busy, disabled, danger, focusConfirm = true, holdWhileBusy = false }: {
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
  /**
   * While busy, Esc and 取消 do not close it: the request cannot be taken back once sent (结算 2304,
   * issue 14 §1 — the clerk waits for the insured region's answer and sees which state the patient is in).
   */
  holdWhileBusy?: boolean;
}) {
  const held = holdWhileBusy && busy === true;
  // Held: Esc is still taken here (so it does not reach the screen's "back" either), and does nothing.
  useEscape(true, held ? () => undefined : onCancel);
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-label={title}>
        <h3>{title}</h3>
        {children}
        <div className="actions">
          <button className={danger ? 'primary danger' : 'primary'} autoFocus={focusConfirm} disabled={busy || disabled} onClick={onConfirm}>{busy ? '处理中…' : `${confirmLabel}（Enter）`}</button>
          {/* 取消 stays enabled while the request runs (issue 20 p7) — except where the request cannot be abandoned (holdWhileBusy). */}
          <button onClick={onCancel} disabled={held}>取消（Esc）</button>
        </div>
      </div>
    </div>
  );
}
