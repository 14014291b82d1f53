import { formatInstantCST, todayCST } from '../../shared/dates.ts';
import { call } from './api.ts';
import { usePolled } from './ui/usePolled.ts';

/** “今天 10:32” shows as 10:32; another day with its date. */
function when(iso: string): string {
  const text = formatInstantCST(iso);
  return text.startsWith(todayCST()) ? text.slice(11) : text;
}

/**
 * The status bar's 9001 sign-in (docs/agency.md): the operator at the desk signed in at the
 * agency, and when — or 未签到 (the desk signs in by itself before the first transaction).
 */
export function SignInBadge({ login, intervalMs = 15_000 }: { login: string; intervalMs?: number }) {
  // 测试连接 signs in at once (desk:signin): the bar follows without waiting for the next poll.
  const all = usePolled(() => call('agency.signIn.status', {}), intervalMs, 'desk:signin');
  if (all === null) return <span data-testid="signin">签到状态…</span>;
  const mine = all.find((s) => s.login === login);
  const others = all.filter((s) => s.login !== login).map((s) => `${s.name} ${when(s.signedAt)}`);
  const title = others.length > 0 ? `本机其他已签到的操作员：${others.join('、')}` : undefined;
  if (!mine) return <span data-testid="signin" className="muted" title={title}>未签到</span>;
  return <span data-testid="signin" title={title ?? `签到编号 ${mine.signNo}`}>已签到：{mine.name} {when(mine.signedAt)}</span>;
}
