import { formatYuan, parseAmount } from '../../../shared/money.ts';

/** Grouped yuan for display ("1,234.50"); the services send exact two-decimal text, none is "—". */
export function yuan(s: string | undefined | null): string {
  if (s === undefined || s === null || s === '') return '—';
  return formatYuan(parseAmount(s));
}
