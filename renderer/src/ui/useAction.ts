import { useCallback, useState } from 'react';
import { errorText } from './kit.tsx';

/**
 * The busy / try / catch / finally of a screen action, once: `run` marks the screen busy, clears
 * the last error, awaits the action and keeps its Chinese error (with a fallback) for the screen.
 * A second `run` while one is busy is ignored, so a double Enter does not send twice.
 */
export function useAction(fallback = '操作失败，请重试'): {
  busy: boolean;
  error: string | null;
  setError: (e: string | null) => void;
  run: (action: () => Promise<void>, failure?: string) => Promise<boolean>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>, failure?: string): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorText(e, failure ?? fallback));
      return false;
    } finally {
      setBusy(false);
    }
  }, [busy, fallback]);
  return { busy, error, setError, run };
}
