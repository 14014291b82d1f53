import { useEffect, useState } from 'react';

/**
 * A value the status bar polls: fetched at once, then every `intervalMs` and whenever the window
 * event `refreshOn` fires; a failed poll keeps the last known value (null until the first answer).
 */
export function usePolled<T>(fetch: () => Promise<T>, intervalMs: number, refreshOn?: string): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () => {
      fetch().then((v) => alive && setValue(v)).catch(() => undefined);
    };
    load();
    const t = setInterval(load, intervalMs);
    if (refreshOn) window.addEventListener(refreshOn, load);
    return () => {
      alive = false;
      clearInterval(t);
      if (refreshOn) window.removeEventListener(refreshOn, load);
    };
    // `fetch` is a fresh closure each render; what is polled is fixed by the caller's call site.
  }, [intervalMs, refreshOn]);
  return value;
}
