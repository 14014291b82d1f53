import { useEffect, useState } from 'react';
import type { DeskStatus } from '../../shared/api/index.ts';
import { call } from './api.ts';

/** Polls the desk status for the status bar; a failed poll keeps the last known value. */
export function useStatus(intervalMs = 5000): DeskStatus | null {
  const [status, setStatus] = useState<DeskStatus | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () =>
      call('status.get', {})
        .then((s) => alive && setStatus(s))
        .catch(() => undefined);
    void load();
    const t = setInterval(load, intervalMs);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [intervalMs]);
  return status;
}
