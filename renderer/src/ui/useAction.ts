import { useCallback, useRef, useState } from 'react';
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
  // The guard reads a ref, so `run` stays the same function while busy flips: a screen may call it
  // from an effect or a useCallback without re-running them each time an action starts or ends.
  const running = useRef(false);
  const run = useCallback(async (action: () => Promise<void>, failure?: string): Promise<boolean> => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorText(e, failure ?? fallback));
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, [fallback]);
  return { busy, error, setError, run };
}

/** A refusal with the field it names (the form marks that field). */
export interface FieldError {
  message: string;
  path: string;
}

/**
 * The same for forms with several actions: busy holds the running action's progress text, and
 * the error keeps the path of the field the services named, so the form can mark it. `failure`
 * gives the text when the desk did not answer and, for an action about one field, the field to
 * mark whatever the refusal names. Returns the error it kept, null when the action succeeded.
 */
export function useFormAction(): {
  busy: string | null;
  error: FieldError | null;
  setError: (e: FieldError | null) => void;
  run: (label: string, action: () => Promise<void>, failure?: { fallback?: string; path?: string }) => Promise<FieldError | null>;
} {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<FieldError | null>(null);
  const run = useCallback(async (label: string, action: () => Promise<void>, failure: { fallback?: string; path?: string } = {}): Promise<FieldError | null> => {
    setBusy(label);
    setError(null);
    try {
      await action();
      return null;
    } catch (e) {
      const named = e instanceof ApiCallError ? e.error.path : '';
      const err = { message: errorText(e, failure.fallback), path: failure.path ?? named };
      setError(err);
      return err;
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, error, setError, run };
}
