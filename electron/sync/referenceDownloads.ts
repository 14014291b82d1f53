import { Repeater } from './repeater.ts';
import type { Db } from '../../db/open.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import {
  activePolicyVersions,
  catalogueRowsOf,
  catalogueSize,
  countPolicies,
  currentCatalogueVersionName,
  insertPolicyVersion,
  policyRows,
  reinstatePolicy,
  retirePolicies,
} from '../../db/repos/referenceData.ts';
import { listSummary } from '../../db/repos/nationalLists.ts';
import { stagedPages } from '../../db/repos/syncCursors.ts';
import { NATIONAL_FILE_LAYOUTS, type NationalFileInfno } from '../../shared/agency/catalogues.ts';
import { parseDate } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { parseDecimal, parseRatio } from '../../shared/money.ts';
import { parsePolicy } from '../../shared/settlement.ts';
import type { AgencyClient } from '../agency/client.ts';
import { applyCatalogueVersion, shrinkReason, type CatalogueDownloadItem } from './catalogueVersion.ts';
import { nationalCatalogueSpec } from './nationalCatalogue.ts';
import { applyHeldDownload, discardHeldDownload, readMeta, runPagedDownload, type DownloadOptions, type DownloadOutcome, type DownloadState, type HeldState, type LastRun, type PagedDownloadSpec, type RunState } from './pagedDownload.ts';

/**
 * Catalogue (就医地目录) and policy (参保地政策, DOMAIN §12) downloads, on the shared paged-download
 * machinery (electron/sync/pagedDownload.ts: staged pages with their cursor in one transaction,
 * resumable after a crash, applied as a whole in one transaction with the audit).
 *
 * - Catalogue: the download becomes one new whole version (settlements keep naming the version
 *   they used); identical content makes no new version.
 * - Policies: new versions are added, a version the agency no longer lists is retired (kept for
 *   the settlements computed with it), a known version whose content changed is refused (versions
 *   are immutable) and written to the audit.
 * - Mass-deletion fail-safe: a download that would remove more than half of the current rows
 *   (catalogue codes of the current version, active policy versions) is held until a supervisor
 *   confirms it (sync.confirmShrink) or discards it.
 */

/** national: the catalogue files and paged queries of the platform (nationalCatalogue.ts, docs/catalogue.md). */
export { SHRINK_LIMIT, type CatalogueDownloadItem } from './catalogueVersion.ts';

export type ReferenceKind = 'catalogue' | 'policies' | 'national';

function obj(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError('INVALID_VALUE', `${what}应为对象`, '');
  return raw as Record<string, unknown>;
}

function textField(o: Record<string, unknown>, keys: string[], label: string, required: boolean): string | null {
  for (const k of keys) {
    const v = o[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' && typeof v !== 'number') throw new InputError('INVALID_VALUE', `${label}（${k}）应为文本`, k);
    return String(v).trim();
  }
  if (required) throw new InputError('MISSING_FIELD', `缺少${label}（${keys[0]}）`, keys[0]!);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Catalogue

const LEVELS: Record<string, '01' | '02' | '03'> = { '1': '01', '01': '01', '2': '02', '02': '02', '3': '03', '03': '03' };

/** One catalogue row as the agency sends it (national 1312 names; hilist_code / hilist_name accepted). */
export function parseCatalogueItem(raw: unknown): CatalogueDownloadItem {
  const o = obj(raw, '目录条目');
  const lvText = textField(o, ['chrgitm_lv'], '收费项目等级', true)!;
  const chrgitmLv = LEVELS[lvText];
  if (!chrgitmLv) throw new InputError('INVALID_VALUE', `收费项目等级（chrgitm_lv）应为 01/02/03：${lvText}`, 'chrgitm_lv');
  const prop = textField(o, ['selfpay_prop'], '先行自付比例', false);
  const limit = textField(o, ['pric_uplmt_amt'], '限价', false);
  const end = textField(o, ['enddate'], '结束日期', false);
  return {
    agencyVersion: textField(o, ['version'], '目录版本', true)!,
    medListCodg: textField(o, ['med_list_codg', 'hilist_code'], '医保目录编码', true)!,
    medinsListCodg: textField(o, ['medins_list_codg'], '医药机构目录编码', false),
    name: textField(o, ['name', 'hilist_name'], '项目名称', true)!,
    medChrgitmType: textField(o, ['med_chrgitm_type'], '医疗收费项目类别', true)!,
    chrgitmLv,
    selfpayProp: prop === null ? '0' : parseRatio(prop, '先行自付比例（selfpay_prop）').toFixed(),
    pricUplmtAmt: limit === null ? null : parseDecimal(limit, '限价（pric_uplmt_amt）').toFixed(),
    begndate: parseDate(textField(o, ['begndate'], '开始日期', true)!.slice(0, 10), '开始日期（begndate）'),
    enddate: end === null ? null : parseDate(end.slice(0, 10), '结束日期（enddate）'),
  };
}

/** The latest row per code (highest agency version; later in the list wins a tie). */
function latestPerCode(pages: Iterable<unknown[]>): Map<string, CatalogueDownloadItem> {
  const out = new Map<string, CatalogueDownloadItem>();
  for (const page of pages) {
    for (const raw of page) {
      const item = raw as CatalogueDownloadItem;
      const prev = out.get(item.medListCodg);
      if (!prev || prev.agencyVersion <= item.agencyVersion) out.set(item.medListCodg, item);
    }
  }
  return out;
}

export const catalogueSpec: PagedDownloadSpec<CatalogueDownloadItem> = {
  name: 'catalogue',
  kind: 'catalogue',
  pageSize: 1000,
  parseItem: parseCatalogueItem,
  review(tx, _run) {
    const current = catalogueRowsOf(tx, currentCatalogueVersionName(tx) ?? '');
    if (current.size === 0) return null;
    const incoming = latestPerCode(stagedPages(tx, 'catalogue'));
    let removed = 0;
    for (const code of current.keys()) if (!incoming.has(code)) removed++;
    if (removed * 2 <= current.size) return null;
    return { reason: shrinkReason('目录', current.size, removed), facts: { before: current.size, after: incoming.size, removed } };
  },
  apply(tx, pages) {
    return applyCatalogueVersion(tx, latestPerCode(pages));
  },
};

// ---------------------------------------------------------------------------------------------
// Policies

export interface PolicyDownloadItem {
  version: string;
  insuplcAdmdvs: string;
  insutype: string;
  year: number;
  /** The body as received, canonical JSON (sorted keys). */
  body: string;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

export function parsePolicyItem(raw: unknown): PolicyDownloadItem {
  const o = obj(raw, '待遇政策');
  const version = textField(o, ['version'], '政策版本', true)!;
  const region = textField(o, ['insuplc_admdvs'], '参保地区划', true)!;
  if (!/^\d{6}$/.test(region)) throw new InputError('INVALID_REGION', `参保地区划（insuplc_admdvs）应为 6 位行政区划代码：${region}`, 'insuplc_admdvs');
  const insutype = textField(o, ['insutype'], '险种类型', true)!;
  const yearText = textField(o, ['year'], '年度', true)!;
  if (!/^\d{4}$/.test(yearText)) throw new InputError('INVALID_VALUE', `年度（year）应为 4 位数字：${yearText}`, 'year');
  const body = obj(o.body, '政策内容（body）');
  // The standard policy model (DOMAIN §6a) must read it, or no settlement could use it.
  parsePolicy(body, 'body');
  if (body.version !== undefined && body.version !== version) throw new InputError('INVALID_VALUE', `政策内容中的版本 ${String(body.version)} 与政策版本 ${version} 不一致`, 'body.version');
  return { version, insuplcAdmdvs: region, insutype, year: Number(yearText), body: JSON.stringify(canonical(body)) };
}

function incomingPolicies(pages: Iterable<unknown[]>): Map<string, PolicyDownloadItem> {
  const out = new Map<string, PolicyDownloadItem>();
  for (const page of pages) for (const raw of page) out.set((raw as PolicyDownloadItem).version, raw as PolicyDownloadItem);
  return out;
}

export const policySpec: PagedDownloadSpec<PolicyDownloadItem> = {
  name: 'policies',
  kind: 'policies',
  pageSize: 100,
  parseItem: parsePolicyItem,
  review(tx) {
    const active = activePolicyVersions(tx);
    if (active.length === 0) return null;
    const incoming = incomingPolicies(stagedPages(tx, 'policies'));
    const removed = active.filter((v) => !incoming.has(v)).length;
    if (removed * 2 <= active.length) return null;
    return { reason: shrinkReason('政策', active.length, removed), facts: { before: active.length, after: incoming.size, removed } };
  },
  apply(tx, pages) {
    const incoming = incomingPolicies(pages);
    const known = policyRows(tx, [...incoming.keys()]);
    let applied = 0;
    const conflicts: string[] = [];
    for (const p of incoming.values()) {
      const local = known.get(p.version);
      if (!local) {
        insertPolicyVersion(tx, p);
        applied++;
      } else if (JSON.stringify(canonical(JSON.parse(local.body))) !== p.body || local.insuplcAdmdvs !== p.insuplcAdmdvs || local.insutype !== p.insutype || local.year !== p.year) {
        conflicts.push(p.version);
      } else if (local.retiredAt !== null) {
        reinstatePolicy(tx, p.version);
        applied++;
      }
    }
    if (conflicts.length > 0) {
      appendAudit(tx, { clerkId: null, action: 'policies.download.conflict', entity: 'sync', entityId: 'policies', detail: { versions: conflicts, note: '同一版本号的政策内容与本机不同，未覆盖（版本不可修改）' } });
    }
    const removed = retirePolicies(tx, activePolicyVersions(tx).filter((v) => !incoming.has(v)), new Date().toISOString());
    return { applied, removed };
  },
};

// ---------------------------------------------------------------------------------------------
// The job

export interface ReferenceStatus {
  kind: ReferenceKind;
  state: DownloadState;
  running: boolean;
  run: RunState | null;
  held: HeldState | null;
  last: LastRun | null;
  /** catalogue: current version and its rows; policies: active and retired versions. */
  summary: string;
}

const SPECS = { catalogue: catalogueSpec, policies: policySpec } as const;

/** One download per kind at a time (a second request joins the one running); resumed from its cursor. */
export class ReferenceDownloads {
  private readonly running = new Map<ReferenceKind, Promise<DownloadOutcome>>();
  private readonly repeat = new Repeater();
  private readonly specs: Record<ReferenceKind, PagedDownloadSpec<unknown>>;

  constructor(
    private readonly db: () => Db,
    private readonly client: () => AgencyClient,
  ) {
    this.specs = { ...SPECS, national: nationalCatalogueSpec(db) as PagedDownloadSpec<unknown> };
  }

  download(kind: ReferenceKind, options: Omit<DownloadOptions, 'maxRunAgeMs'> = {}): Promise<DownloadOutcome> {
    const busy = this.running.get(kind);
    if (busy) return busy;
    const spec = this.specs[kind];
    const p = runPagedDownload(this.db, this.client(), spec, options).finally(() => this.running.delete(kind));
    this.running.set(kind, p);
    return p;
  }

  confirm(kind: ReferenceKind, clerkId: number): DownloadOutcome {
    if (this.running.has(kind)) throw new InputError('BUSY', '正在下载，请稍后再确认', 'kind');
    return applyHeldDownload(this.db(), this.specs[kind], clerkId);
  }

  discard(kind: ReferenceKind, clerkId: number): LastRun {
    if (this.running.has(kind)) throw new InputError('BUSY', '正在下载，请稍后再操作', 'kind');
    return discardHeldDownload(this.db(), this.specs[kind], clerkId);
  }

  status(kind: ReferenceKind): ReferenceStatus {
    const db = this.db();
    const { state, meta } = readMeta(db, kind);
    let summary: string;
    if (kind === 'catalogue' || kind === 'national') {
      const v = currentCatalogueVersionName(db);
      summary = v === null ? '本机尚无目录' : `当前目录版本 ${v}，共 ${catalogueSize(db, v)} 条`;
      // The other catalogue files (1307…) the national download keeps as lists.
      const lists = kind === 'national' ? listSummary(db) : [];
      if (lists.length > 0) summary += `；${lists.map((l) => `${NATIONAL_FILE_LAYOUTS[l.infno as NationalFileInfno].label}（${l.infno}）${l.version} ${l.rows} 条`).join('，')}`;
    } else {
      const c = countPolicies(db);
      summary = `有效政策 ${c.active} 个版本，已停用 ${c.retired} 个`;
    }
    return { kind, state, running: this.running.has(kind), run: meta.run, held: meta.held, last: meta.last, summary };
  }

  /**
   * Which feed makes the catalogue on the timer: the one that applied last (an office that ran
   * the national download once stays on it; both on the timer would alternate versions); with
   * neither yet, the desk extension's feed where one is configured, else the national files.
   */
  catalogueSource(): 'catalogue' | 'national' {
    const db = this.db();
    const at = (kind: ReferenceKind): string | null => {
      const last = readMeta(db, kind).meta.last;
      return last?.outcome === 'applied' ? last.completedAt : null;
    };
    const ext = at('catalogue');
    const nat = at('national');
    if (nat !== null && (ext === null || nat >= ext)) return 'national';
    if (ext !== null) return 'catalogue';
    return this.client().config.extUrl ? 'catalogue' : 'national';
  }

  /**
   * Background refresh: the policies and the catalogue (by catalogueSource: the national download
   * goes on by version, incremental), soon after start, then every `intervalMs`; failures wait for
   * the next round, and each outcome is the download's own status (status(): last run, error, held).
   */
  start(intervalMs = 12 * 3600_000, firstDelayMs = 60_000): void {
    const tick = () => {
      let kinds: ReferenceKind[];
      try {
        kinds = [this.catalogueSource(), 'policies'];
      } catch (e) {
        console.error(`[reference] 无法确定目录来源：${(e as Error).message}`);
        return;
      }
      for (const kind of kinds) {
        void this.download(kind).catch((e: unknown) => console.error(`[${kind}] 下载失败：${(e as Error).message}`));
      }
    };
    this.repeat.start(tick, intervalMs, firstDelayMs);
  }

  stop(): void {
    this.repeat.stop();
  }

  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => p.catch(() => undefined)));
  }
}

/** For tests: the spec of a kind (e.g. to apply with a smaller page size). */
export function referenceSpec(kind: 'catalogue' | 'policies'): PagedDownloadSpec<unknown> {
  return SPECS[kind] as PagedDownloadSpec<unknown>;
}

