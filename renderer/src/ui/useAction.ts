import { useCallback, useState } from 'react';
import { ApiCallError } from '../api.ts';
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

/** A refusal with the field it names (the form marks that field). */
export interface FieldError {
  message: string;
  path: string;
}

/**
 * The same for forms with several actions: busy holds the running action's progress text, and
 * the error keeps the path of the field the services named, so the form can mark it.
 */
export function useFormAction(): {
  busy: string | null;
  error: FieldError | null;
  setError: (e: FieldError | null) => void;
  run: (label: string, action: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<FieldError | null>(null);
  const run = useCallback(async (label: string, action: () => Promise<void>): Promise<void> => {
    setBusy(label);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError({ message: errorText(e), path: e instanceof ApiCallError ? e.error.path : '' });
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, error, setError, run };
}
