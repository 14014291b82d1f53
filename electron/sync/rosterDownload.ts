import { Repeater } from './repeater.ts';
import type { Db } from '../../db/open.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import { countActiveRegistrations, countRegistrations, removeAbsentFromRoster, upsertRosterPages, type RosterItem } from '../../db/repos/registrations.ts';
import { parseDate } from '../../shared/dates.ts';
import { REGISTRATION_GROUPS } from '../../shared/eligibility.ts';
import { InputError } from '../../shared/errors.ts';
import { cityOf, provinceOf } from '../../shared/regions.ts';
import type { AgencyClient } from '../agency/client.ts';
import { applyHeldDownload, discardHeldDownload, readMeta, runPagedDownload, type DownloadOptions, type DownloadOutcome, type DownloadState, type HeldState, type LastRun, type PagedDownloadSpec, type RunState } from './pagedDownload.ts';

/**
 * The registration roster of this treatment region (DOMAIN §2 offline; issue 3 point 3): every
 * registration whose destination covers this hospital, downloaded in pages and applied as a
 * whole. A download that would leave fewer than half of the active registrations the desk has
 * now is held until a supervisor confirms it (roster.confirmShrink): an agency-side fault must not
 * silently wipe the list the desk relies on when offline.
 */

export const ROSTER = 'roster';
/** Held when the new active count is below this share of the current one. */
export const SHRINK_LIMIT = 0.5;

function field(o: Record<string, unknown>, key: string, label: string, required = true): string | null {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new InputError('MISSING_FIELD', `缺少${label}（${key}）`, key);
    return null;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new InputError('INVALID_VALUE', `${label}（${key}）应为文本`, key);
  return String(v).trim();
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[], label: string, key: string): T {
  if (value === null || !(allowed as readonly string[]).includes(value)) throw new InputError('INVALID_VALUE', `${label}（${key}）的取值无效：${value ?? '空'}，应为 ${allowed.join(' | ')}`, key);
  return value as T;
}

function regionCode(value: string | null, label: string, key: string): string {
  if (value === null || !/^\d{6}$/.test(value)) throw new InputError('INVALID_REGION', `${label}（${key}）应为 6 位行政区划代码：${value ?? '空'}`, key);
  return value;
}

/** One roster item as the agency sends it (reference agency: registrationJson + person fields). */
export function parseRosterItem(raw: unknown): RosterItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError('INVALID_VALUE', '备案记录应为对象', '');
  const o = raw as Record<string, unknown>;
  const certno = field(o, 'certno', '证件号码')!.toUpperCase();
  if (certno.length > 30) throw new InputError('INVALID_VALUE', '证件号码（certno）过长', 'certno');
  const proof = field(o, 'proofSuppliedOn', '补充材料日期', false);
  return {
    agencyId: field(o, 'agencyId', '备案编号')!,
    certno,
    psnNo: field(o, 'psnNo', '人员编号', false),
    psnName: field(o, 'psnName', '姓名', false),
    insuplcAdmdvs: regionCode(field(o, 'insuplcAdmdvs', '参保地区划'), '参保地区划', 'insuplcAdmdvs'),
    grp: oneOf(field(o, 'group', '备案人员类别'), REGISTRATION_GROUPS, '备案人员类别', 'group'),
    basis: oneOf(field(o, 'basis', '备案依据', false) ?? 'proof', ['proof', 'pledge'] as const, '备案依据', 'basis'),
    destination: regionCode(field(o, 'destination', '备案就医地'), '备案就医地', 'destination'),
    effectiveFrom: parseDate(field(o, 'effectiveFrom', '备案生效日期')?.slice(0, 10), '备案生效日期（effectiveFrom）'),
    proofSuppliedOn: proof === null ? null : parseDate(proof.slice(0, 10), '补充材料日期（proofSuppliedOn）'),
    status: oneOf(field(o, 'status', '备案状态'), ['active', 'cancelled'] as const, '备案状态', 'status'),
  };
}

/** The destinations the agency's roster for this hospital covers: its county, city and province. */
export function rosterScope(admdvs: string): string[] {
  return [...new Set([admdvs, cityOf(admdvs), provinceOf(admdvs)])];
}

function scopeOf(tx: Tx): string[] {
  const inst = getInstitution(tx);
  if (!inst) throw new InputError('NO_INSTITUTION', '尚未设置本机构信息', 'institution');
  return rosterScope(inst.admdvs);
}

export const rosterSpec: PagedDownloadSpec<RosterItem> = {
  name: ROSTER,
  kind: 'roster',
  pageSize: 1000,
  parseItem: parseRosterItem,
  countersOf: (item) => (item.status === 'active' ? ['active'] : []),
  review(tx, run) {
    const before = countActiveRegistrations(tx, scopeOf(tx));
    const after = run.counters.active ?? 0;
    if (before === 0 || after >= before * SHRINK_LIMIT) return null;
    const drop = Math.round((1 - after / before) * 100);
    return {
      reason: `本次下载的有效备案为 ${after} 条，比本机现有的 ${before} 条减少 ${drop}%（超过 ${SHRINK_LIMIT * 100}%）。` +
        '可能是经办机构数据异常，为避免误删离线核验所依赖的备案名单，本次下载暂不应用，须主管核实后确认应用或放弃。',
      facts: { before, after },
    };
  },
  // The staged pages, read and parsed one at a time (a million rows never sit in memory at once);
  // the validated items are what was staged.
  apply(tx, pages, run) {
    const applied = upsertRosterPages(tx, pages, run.runId, new Date().toISOString());
    return { applied, removed: removeAbsentFromRoster(tx, scopeOf(tx), run.runId, run.startedAt) };
  },
};

export interface RosterStatus {
  state: DownloadState;
  running: boolean;
  registrations: number;
  activeInScope: number;
  run: RunState | null;
  held: HeldState | null;
  last: LastRun | null;
}

/**
 * The desk's roster job: one download at a time, started by a clerk or by the background timer,
 * resumed from its cursor after an interruption or a restart.
 */
export class RosterSync {
  private running: Promise<DownloadOutcome> | null = null;
  private readonly repeat = new Repeater();

  constructor(
    private readonly db: () => Db,
    private readonly client: () => AgencyClient,
    private readonly spec: PagedDownloadSpec<RosterItem> = rosterSpec,
  ) {}

  /** Starts a download, or joins the one already running. */
  download(options: DownloadOptions = {}): Promise<DownloadOutcome> {
    if (this.running) return this.running;
    const p = runPagedDownload(this.db, this.client(), this.spec, options).finally(() => {
      this.running = null;
    });
    this.running = p;
    return p;
  }

  status(): RosterStatus {
    const db = this.db();
    const { state, meta } = readMeta(db, this.spec.name);
    return {
      state,
      running: this.running !== null,
      registrations: countRegistrations(db),
      activeInScope: countActiveRegistrations(db, scopeOf(db)),
      run: meta.run,
      held: meta.held,
      last: meta.last,
    };
  }

  confirm(clerkId: number): DownloadOutcome {
    if (this.running) throw new InputError('BUSY', '名单正在下载，请稍后再确认', '');
    return applyHeldDownload(this.db(), this.spec, clerkId);
  }

  discard(clerkId: number): LastRun {
    if (this.running) throw new InputError('BUSY', '名单正在下载，请稍后再操作', '');
    return discardHeldDownload(this.db(), this.spec, clerkId);
  }

  /** Background refresh: soon after start, then every `intervalMs`. Failures wait for the next round. */
  start(intervalMs = 6 * 3600_000, firstDelayMs = 30_000): void {
    const tick = () => void this.download().catch((e: unknown) => console.error(`[roster] 下载失败：${(e as Error).message}`));
    this.repeat.start(tick, intervalMs, firstDelayMs);
  }

  stop(): void {
    this.repeat.stop();
  }

  /** Resolves when a running download has ended (shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}
