import type { Tx } from '../../db/repos/clerks.ts';
import { catalogueRowsOf, catalogueVersionExists, currentCatalogueVersionName, insertCatalogueSnapshot, setCurrentCatalogue, type CatalogueRow } from '../../db/repos/referenceData.ts';
import { Decimal } from '../../shared/money.ts';
import type { ApplyResult } from './pagedDownload.ts';

/**
 * A catalogue version made from a download (the desk extension's feed, referenceDownloads.ts, or
 * the national files, nationalCatalogue.ts): immutable versions, identical content makes none,
 * and the mass-deletion fail-safe's measure and wording.
 */

export const SHRINK_LIMIT = 0.5;

const LEVELS: Record<string, '01' | '02' | '03'> = { '1': '01', '01': '01', '2': '02', '02': '02', '3': '03', '03': '03' };

export interface CatalogueDownloadItem extends CatalogueRow {
  /** The agency's version of this row. */
  agencyVersion: string;
}

function sameDecimal(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return new Decimal(a).eq(new Decimal(b));
}

function sameRow(a: CatalogueRow, b: CatalogueRow): boolean {
  return a.medListCodg === b.medListCodg && (a.medinsListCodg ?? null) === (b.medinsListCodg ?? null) && a.name === b.name && a.medChrgitmType === b.medChrgitmType
    && (LEVELS[a.chrgitmLv] ?? a.chrgitmLv) === (LEVELS[b.chrgitmLv] ?? b.chrgitmLv) && sameDecimal(a.selfpayProp, b.selfpayProp)
    && sameDecimal(a.pricUplmtAmt, b.pricUplmtAmt) && a.begndate === b.begndate && (a.enddate ?? null) === (b.enddate ?? null);
}

export function sameSet(local: Map<string, CatalogueRow>, incoming: Map<string, CatalogueDownloadItem>): boolean {
  if (local.size !== incoming.size) return false;
  for (const [code, row] of incoming) {
    const l = local.get(code);
    if (!l || !sameRow(l, row)) return false;
  }
  return true;
}

export function shrinkReason(what: string, before: number, removed: number): string {
  const pct = Math.round((removed / before) * 100);
  return `本次${what}下载将使本机现有的 ${before} 条中的 ${removed} 条（${pct}%）不再有效，超过 ${SHRINK_LIMIT * 100}%。` +
    '可能是经办机构数据异常，为避免误删结算所依赖的数据，本次下载暂不应用，须主管核实后确认应用或放弃。';
}

/** Codes of the current catalogue version that `incoming` no longer has, and the current size. */
export function catalogueShrink(tx: Tx, incoming: ReadonlyMap<string, unknown>): { before: number; removed: number } {
  const current = catalogueRowsOf(tx, currentCatalogueVersionName(tx) ?? '');
  let removed = 0;
  for (const code of current.keys()) if (!incoming.has(code)) removed++;
  return { before: current.size, removed };
}


/**
 * `incoming` as the new current catalogue version (labelled `label`, or by its highest agency version), in
 * the caller's transaction; identical content makes no new version. Shared by the desk extension's
 * catalogue feed and the national catalogue files (nationalCatalogue.ts).
 */
export function applyCatalogueVersion(tx: Tx, incoming: Map<string, CatalogueDownloadItem>, label?: string): ApplyResult {
  const currentName = currentCatalogueVersionName(tx);
  const current = currentName === null ? new Map<string, CatalogueRow>() : catalogueRowsOf(tx, currentName);
  let removed = 0;
  for (const code of current.keys()) if (!incoming.has(code)) removed++;
  if (currentName !== null && sameSet(current, incoming)) return { applied: 0, removed: 0 };
  const versions = [...new Set([...incoming.values()].map((i) => i.agencyVersion))].sort();
  const base = label ?? versions[versions.length - 1] ?? 'empty';
  // A label the desk already has with other content gets a revision suffix: versions are immutable.
  let name = base;
  for (let k = 1; catalogueVersionExists(tx, name); k++) {
    if (sameSet(catalogueRowsOf(tx, name), incoming)) {
      setCurrentCatalogue(tx, name);
      return { applied: 0, removed };
    }
    name = `${base}.r${k}`;
  }
  const rows: CatalogueRow[] = [...incoming.values()].map(({ agencyVersion: _v, ...r }) => r);
  insertCatalogueSnapshot(tx, name, rows);
  return { applied: rows.length, removed };
}
