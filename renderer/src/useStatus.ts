import type { DeskStatus } from '../../shared/api/index.ts';
import { call } from './api.ts';
import { usePolled } from './ui/usePolled.ts';

/** Polls the desk status for the status bar; a failed poll keeps the last known value. */
export function useStatus(intervalMs = 5000): DeskStatus | null {
  return usePolled(() => call('status.get', {}), intervalMs);
}
