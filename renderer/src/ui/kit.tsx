import { useEffect, useLayoutEffect, useMemo, useRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { PdfFile } from '../../../shared/api/admission.ts';
import { formatInstantCST } from '../../../shared/dates.ts';
import { ApiCallError } from '../api.ts';

/** The Chinese message of a failed call. */
export function errorText(e: unknown, fallback = '操作失败，请重试'): string {
  return e instanceof ApiCallError ? e.message : fallback;
}

/** Stored instants and national DTs as the clerk reads them: one format, shared/dates.ts. */
export const when = formatInstantCST;

/** Now in China Standard Time as <input type="datetime-local"> wants it ('YYYY-MM-DDTHH:mm'). */
export function nowLocal(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 16);
}

/**
 * Keyboard-first forms: Enter in a field moves to the next field; Enter in the last one (or on
 * a button) confirms. Textareas keep Enter for new lines.
 */
export function enterMoves(onSubmit: () => void) {
  return (e: ReactKeyboardEvent<HTMLElement>) => {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    const target = e.target as HTMLElement;
    if (target.tagName === 'TEXTAREA' || target.tagName === 'BUTTON' || target.tagName === 'A') return;
    e.preventDefault();
    const fields = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled])')).filter((el) => el.offsetParent !== null || el === target);
    const i = fields.indexOf(target);
    const next = i >= 0 ? fields[i + 1] : undefined;
    if (next) next.focus();
    else onSubmit();
  };
}

/**
 * Esc closes what is open (dialog, sub-view) instead of leaving the screen: handled before the
 * global key handler. Bound in a layout effect, so the listeners change with the DOM in the same
 * commit: an Esc pressed the moment a dialog appears closes the dialog, not the view beneath it.
 */
export function useEscape(active: boolean, onEscape: () => void): void {
  const ref = useRef(onEscape);
  ref.current = onEscape;
  useLayoutEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      e.stopPropagation();
      ref.current();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [active]);
}

export function Rule({ rule }: { rule: string }) {
  return <span className="rule-cite">依据：{rule}</span>;
}

/**
 * A PDF from the services (base64) shown in a frame from a blob: URL (CSP frame-src blob:), with
 * 打印 (the frame's own print) and 保存. Nothing is written to disk by the app.
 */
export function PdfDialog({ file, title, onClose }: { file: PdfFile; title: string; onClose: () => void }) {
  const url = useMemo(() => {
    const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
    return URL.createObjectURL(new Blob([bytes], { type: file.mime }));
  }, [file]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  const frame = useRef<HTMLIFrameElement>(null);
  useEscape(true, onClose);
  return (
    <div className="pdf-dialog" role="dialog" aria-label={title}>
      <div className="pdf-bar">
        <strong>{title}</strong>
        <span className="muted small">{file.fileName} · A4 · {file.pages} 页</span>
        <button className="primary" autoFocus onClick={() => frame.current?.contentWindow?.print()}>打印（A4）</button>
        <a className="button-link" href={url} download={file.fileName}>保存 PDF</a>
        <button onClick={onClose}>关闭（Esc）</button>
      </div>
      <iframe ref={frame} title={`${title}（PDF）`} src={url} data-testid="pdf-frame" />
    </div>
  );
}
