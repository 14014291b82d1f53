import type { Db } from '../../db/open.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { getInstitution, getSetting, setSetting } from '../../db/repos/institution.ts';
import { currentDictionaryVersion, currentListRows, currentListVersion, currentMatchVersion, dictionaries, insertDictionaryVersion, insertListVersion, insertMatchVersion, listVersionInUse, matchCount, medinsItemMatchRows, versionInUse, type DictionaryRow, type ListRow, type MatchRow } from '../../db/repos/nationalLists.ts';
import { catalogueRowsOf, currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { stagedPages } from '../../db/repos/syncCursors.ts';
import {
  CATALOGUE_FILE_INFNOS, NATIONAL_FILE_LAYOUTS, PAGE_LABELS, catalogueFileInput, isListInfno, cataloguePageInput, readCatalogueFileInfo, readCatalogueFileRow, readCataloguePage, readCataloguePageRow,
  type CatalogueFileInfno, type CatalogueFileRow, type CatalogueListInfno, type NationalFileInfno, type CataloguePageInfno, type CataloguePageRow, type Dict1901, type Match1317,
} from '../../shared/agency/catalogues.ts';
import { AgencyMessageError, type JsonObject } from '../../shared/agency/envelope.ts';
import { pickForLevel, type HospLevel } from '../../shared/catalogueLevel.ts';
import { todayCST } from '../../shared/dates.ts';
import { InputError } from '../../shared/errors.ts';
import { RejectedError, type AgencyClient } from '../agency/client.ts';
import { FileTransferError, type EnvelopeMaker } from '../agency/files.ts';
import { NationalFileReader, type NationalOptions } from './nationalFiles.ts';
import { newEnvelope } from '../services/agencyLink.ts';
import type { ApplyResult, PagedDownloadSpec } from './pagedDownload.ts';
import { applyCatalogueVersion, catalogueShrink, shrinkReason, SHRINK_LIMIT, type CatalogueDownloadItem } from './catalogueVersion.ts';

/**
 * The national catalogue download (docs/catalogue.md): the files 1301–1306 (and the list files
 * 1307–1311, 1313–1315, 1320, 1321, kept as versioned code/name lists) by version and the
 * paged queries 1312, 1316–1319 and 1901, as ONE resumable, all-or-nothing download on the
 * paged-download machinery (pagedDownload.ts). Its cursor walks the parts in order; a file's
 * "pages" are slices of its lines, so a cut or killed run goes on from the slice it reached
 * (re-fetching the file by the same file_qury_no). A file is streamed, never held whole
 * (nationalFiles.ts). When every part is staged, the catalogue the fee split uses is rebuilt as
 * one new version: items from the files, 甲乙丙 from 1312 (through 1316), 限价 from 1318, 先自付比例 from 1319; plus new versions of the 1317 matches and the
 * 1901 dictionaries — in one transaction, behind today's mass-deletion fail-safe.
 */

type Part = { kind: 'file'; infno: NationalFileInfno } | { kind: 'page'; infno: CataloguePageInfno };
const PAGE_INFNOS: CataloguePageInfno[] = ['1312', '1316', '1317', '1318', '1319', '1901'];
export const NATIONAL_PARTS: readonly Part[] = [
  // 1301–1306, then the other files (1307…, kept as lists), in number order.
  ...(Object.keys(NATIONAL_FILE_LAYOUTS) as NationalFileInfno[]).map((infno): Part => ({ kind: 'file', infno })),
  ...PAGE_INFNOS.map((infno): Part => ({ kind: 'page', infno })),
];

/** Lines of a file per staged page. */
export const FILE_SLICE = 5000;
const VERSION_KEY = (infno: string): string => `national.ver.${infno}`;
const FULL_KEY = 'national.full';

interface Cursor {
  /** Index in NATIONAL_PARTS. */
  i: number;
  /** Every file asked from version "0". */
  full: boolean;
  /** The file being read: `at` records of it staged; `cnt` the platform's data_cnt (progress). */
  file?: { no: string; name: string; ver: string; at: number; cnt?: number | null };
  page?: number;
}

interface RawFileLine { p: 'file'; infno: NationalFileInfno; line: number; text: string; full: boolean }
interface RawPageRow { p: 'page'; infno: CataloguePageInfno; row: JsonObject }

export type { NationalOptions } from './nationalFiles.ts';

export type NationalItem =
  | { p: 'file'; infno: CatalogueFileInfno; full: boolean; row: CatalogueFileRow }
  /** A row of a list file (1307…); `full`: the file was asked from version "0" (it replaces the list). */
  | { p: 'list'; infno: CatalogueListInfno; full: boolean; row: CatalogueFileRow }
  | CataloguePageRow;

/** The version to ask a file from: the last one applied, "0" (full) the first time or when a full download was asked for. */
export function fileVersion(db: Tx, infno: NationalFileInfno): string {
  return getSetting(db, FULL_KEY) === '1' ? '0' : getSetting(db, VERSION_KEY(infno)) ?? '0';
}

/** A supervisor asks for the next download to be a full one ("0" for every file). */
export function requestFullDownload(db: Tx): void {
  setSetting(db, FULL_KEY, '1');
}

function verAfter(a: string | null, b: string): string {
  if (a === null) return b;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(b) > BigInt(a) ? b : a;
  return b > a ? b : a;
}

/** The rows valid today, newest first; rows of the same date keep the platform's order (a stable sort). */
function allValidToday<T extends { begndate: string; enddate: string | null; valid: boolean }>(rows: readonly T[], today: string): T[] {
  return rows.filter((r) => r.valid && r.begndate <= today && (r.enddate === null || r.enddate >= today)).sort((a, b) => (a.begndate < b.begndate ? 1 : a.begndate > b.begndate ? -1 : 0));
}

function validToday<T extends { begndate: string; enddate: string | null; valid: boolean }>(rows: readonly T[], today: string): T | undefined {
  return allValidToday(rows, today)[0];
}

/** The desk's level from the institution settings; null before they are set (then the general row). */
function deskLevel(tx: Tx): HospLevel | null {
  const lv = getInstitution(tx)?.level;
  return lv === 1 || lv === 2 || lv === 3 ? lv : null;
}

interface Built {
  catalogue: Map<string, CatalogueDownloadItem>;
  matches: MatchRow[];
  dictionaries: DictionaryRow[];
  versions: Map<NationalFileInfno, string>;
  full: boolean;
  /** The list files that came in this run, each as its whole new content. */
  lists: Map<CatalogueListInfno, Map<string, ListRow>>;
}

function group<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

/** What the staged parts make, without writing anything (review and apply both use it). */
export function buildNational(tx: Tx, pages: Iterable<NationalItem[]>, today: string = todayCST()): Built {
  const files: { infno: CatalogueFileInfno; full: boolean; row: CatalogueFileRow }[] = [];
  const lists = new Map<CatalogueListInfno, Map<string, ListRow>>();
  const versions = new Map<NationalFileInfno, string>();
  const byPart: { [K in CataloguePageInfno]: Extract<CataloguePageRow, { p: K }>[] } = { '1312': [], '1316': [], '1317': [], '1318': [], '1319': [], '1901': [] };
  for (const page of pages) {
    for (const item of page) {
      if (item.p === 'file') files.push(item);
      else if (item.p === 'list') {
        // Incremental: the current list plus the newer rows; vali_flag 0 withdraws a code.
        let list = lists.get(item.infno);
        if (!list) lists.set(item.infno, (list = item.full ? new Map() : currentListRows(tx, item.infno)));
        versions.set(item.infno, verAfter(versions.get(item.infno) ?? null, item.row.ver));
        if (item.row.valid) list.set(item.row.medListCodg, { code: item.row.medListCodg, name: item.row.name, begndate: item.row.begndate, enddate: item.row.enddate });
        else list.delete(item.row.medListCodg);
      } else (byPart[item.p] as CataloguePageRow[]).push(item);
    }
  }
  const full = files.some((f) => f.full);
  const currentName = currentCatalogueVersionName(tx);
  const base = new Map<string, CatalogueDownloadItem>();
  if (!full && currentName !== null) for (const [code, r] of catalogueRowsOf(tx, currentName)) base.set(code, { ...r, agencyVersion: currentName });
  for (const { infno, row } of files) {
    versions.set(infno, verAfter(versions.get(infno) ?? null, row.ver));
    if (!row.valid) {
      base.delete(row.medListCodg);
      continue;
    }
    const prev = base.get(row.medListCodg);
    base.set(row.medListCodg, {
      agencyVersion: row.ver, medListCodg: row.medListCodg, medinsListCodg: prev?.medinsListCodg ?? null, name: row.name,
      // 14 其他费 when neither the file nor 1312 says (national-interface.md §3 med_chrgitm_type).
      medChrgitmType: row.medChrgitmType ?? prev?.medChrgitmType ?? '14', chrgitmLv: prev?.chrgitmLv ?? '03',
      selfpayProp: '0', pricUplmtAmt: null, begndate: row.begndate, enddate: row.enddate,
    });
  }
  const hilistOf = new Map(byPart['1316'].filter((m) => m.valid).map((m) => [m.medListCodg, m.hilistCode]));
  const hilist = group(byPart['1312'], (r) => r.hilistCode);
  const limits = group(byPart['1318'], (r) => r.hilistCode);
  const props = group(byPart['1319'], (r) => r.hilistCode);
  const matches = byPart['1317'].filter((m: Match1317) => m.valid);
  const level = deskLevel(tx);
  const medinsOf = new Map<string, string>();
  for (const m of matches) if (!medinsOf.has(m.medListCodg)) medinsOf.set(m.medListCodg, m.medinsListCodg);
  for (const item of base.values()) {
    // The national medical-list code names its insurance-list code through 1316; without a row there, the same code.
    const code = hilistOf.get(item.medListCodg) ?? item.medListCodg;
    const h = validToday((hilist.get(code) ?? []).map((r) => ({ ...r })), today) ?? (hilist.get(code) ?? []).find((r) => r.valid);
    // Not in the 医保目录 (1312): 丙类, paid by the patient.
    item.chrgitmLv = h ? h.chrgitmLv : '03';
    if (h?.medChrgitmType) item.medChrgitmType = h.medChrgitmType;
    // Rows differing by hospital level: this desk's level, else the general row (shared/catalogueLevel.ts).
    item.pricUplmtAmt = pickForLevel(allValidToday(limits.get(code) ?? [], today), level)?.pricUplmtAmt ?? null;
    item.selfpayProp = pickForLevel(allValidToday(props.get(code) ?? [], today), level)?.selfpayProp ?? '0';
    item.medinsListCodg = medinsOf.get(item.medListCodg) ?? item.medinsListCodg ?? null;
  }
  const dicts = new Map<string, DictionaryRow>();
  for (const d of byPart['1901'] as Dict1901[]) if (d.valid) dicts.set(`${d.type}\u0000${d.value}`, { type: d.type, value: d.value, label: d.label });
  return {
    catalogue: base,
    matches: matches.map((m) => ({ medinsListCodg: m.medinsListCodg, medinsListName: m.medinsListName, medListCodg: m.medListCodg, begndate: m.begndate, enddate: m.enddate })),
    dictionaries: [...dicts.values()],
    versions,
    full,
    lists,
  };
}

function key(rows: readonly object[]): string {
  return JSON.stringify(rows.map((r) => JSON.stringify(r)).sort());
}

function parseItem(raw: unknown): NationalItem {
  const r = raw as RawFileLine | RawPageRow;
  if (r.p === 'file') {
    const layout = NATIONAL_FILE_LAYOUTS[r.infno];
    try {
      const row = readCatalogueFileRow(layout, r.text, r.line);
      return isListInfno(r.infno) ? { p: 'list', infno: r.infno, full: r.full, row } : { p: 'file', infno: r.infno as CatalogueFileInfno, full: r.full, row };
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.code, `${layout.label}（${r.infno}）${e.message}`, e.path);
      throw e;
    }
  }
  try {
    return readCataloguePageRow(r.infno, r.row);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.code, `${PAGE_LABELS[r.infno]}（${r.infno}）：${e.message}`, e.path);
    throw e;
  }
}

/** The spec; `getDb` gives the envelopes their msgids and the files their last versions. */
export function nationalCatalogueSpec(getDb: () => Db, o: NationalOptions = {}): PagedDownloadSpec<NationalItem> {
  const make: EnvelopeMaker = (infno, input) => getDb().transaction((tx) => newEnvelope(tx, null, infno, input));
  // The file being sliced, kept on disk while this process walks it (a new process fetches it again).
  const files = new NationalFileReader(o);

  async function call(client: AgencyClient, infno: string, input: Record<string, unknown>): Promise<JsonObject | null> {
    return (await client.call(make(infno, input))).output;
  }

  async function fetch(client: AgencyClient, cursorText: string | null, pageSize: number): Promise<{ items: unknown[]; nextCursor: string | null; total: number | null }> {
    const cur: Cursor = cursorText === null ? { i: 0, full: CATALOGUE_FILE_INFNOS.every((f) => fileVersion(getDb(), f) === '0') } : (JSON.parse(cursorText) as Cursor);
    const part = NATIONAL_PARTS[cur.i];
    if (!part) return { items: [], nextCursor: null, total: null };
    const next = (c: Omit<Cursor, 'full'>): string | null => (c.i >= NATIONAL_PARTS.length ? null : JSON.stringify({ ...c, full: cur.full }));
    if (part.kind === 'file') {
      let file = cur.file;
      if (!file) {
        const ver = cur.full ? '0' : fileVersion(getDb(), part.infno);
        const info = readCatalogueFileInfo(part.infno, await call(client, part.infno, { ...catalogueFileInput(ver) }));
        if (info === null) return { items: [], nextCursor: next({ i: cur.i + 1 }), total: 0 };
        file = { no: info.fileQuryNo, name: info.filename, ver, at: 0, cnt: info.dataCnt };
      }
      const got = await files.slice(client, make, file, FILE_SLICE, cur.file !== undefined);
      // A list file replaces its list when it was asked from "0" (a full run, or the first time).
      const full = isListInfno(part.infno) ? file.ver === '0' : cur.full;
      const items: RawFileLine[] = got.lines.map((text, k) => ({ p: 'file', infno: part.infno, line: file.at + k + 1, text, full }));
      const at = file.at + got.lines.length;
      const total = got.records ?? file.cnt ?? null;
      return { items, nextCursor: got.done ? next({ i: cur.i + 1 }) : next({ i: cur.i, file: { ...file, at } }), total };
    }
    const pageNum = cur.page ?? 1;
    const got = readCataloguePage(part.infno, await call(client, part.infno, { ...cataloguePageInput(pageNum, pageSize) }));
    const items: RawPageRow[] = got.rows.map((row) => ({ p: 'page', infno: part.infno, row }));
    const last = got.rows.length < pageSize || (got.pages !== null && pageNum >= got.pages);
    return { items, nextCursor: last ? next({ i: cur.i + 1 }) : next({ i: cur.i, page: pageNum + 1 }), total: got.total };
  }

  return {
    name: 'national',
    // Unused: fetchPage brings the pages (the kind only names the desk extension's feeds).
    kind: 'catalogue',
    pageSize: 1000,
    async fetchPage(client, cursor, pageSize) {
      try {
        return await fetch(client, cursor, pageSize);
      } catch (e) {
        // A malformed answer or a file that would not come whole: the run stops here and goes on from the cursor later.
        if (e instanceof AgencyMessageError || e instanceof FileTransferError) throw new RejectedError(200, 'FILE', e.message, { cause: e });
        throw e;
      }
    },
    parseItem,
    review(tx) {
      const built = buildNational(tx, stagedNational(tx));
      const cat = catalogueShrink(tx, built.catalogue);
      if (cat.before > 0 && cat.removed > cat.before * SHRINK_LIMIT) {
        return { reason: shrinkReason('国家目录', cat.before, cat.removed), facts: { before: cat.before, after: built.catalogue.size, removed: cat.removed } };
      }
      for (const [infno, rows] of built.lists) {
        const before = currentListRows(tx, infno);
        const removed = [...before.keys()].filter((c) => !rows.has(c)).length;
        if (before.size > 0 && removed > before.size * SHRINK_LIMIT) {
          return { reason: shrinkReason(`${NATIONAL_FILE_LAYOUTS[infno].label}（${infno}）`, before.size, removed), facts: { before: before.size, after: rows.size, removed } };
        }
      }
      const m = matchCount(tx);
      if (m > 0 && m - built.matches.length > m * SHRINK_LIMIT) {
        return { reason: shrinkReason('医药机构目录匹配信息（1317）', m, m - built.matches.length), facts: { before: m, after: built.matches.length, removed: m - built.matches.length } };
      }
      return null;
    },
    apply(tx, pages, run): ApplyResult {
      const built = buildNational(tx, pages);
      // Named by the newest file version the desk now has ("N" + the highest ver of any file).
      let newest: string | null = null;
      for (const infno of CATALOGUE_FILE_INFNOS) {
        const v = built.versions.get(infno) ?? (built.full ? null : getSetting(tx, VERSION_KEY(infno)) ?? null);
        if (v !== null) newest = verAfter(newest, v);
      }
      const result = applyCatalogueVersion(tx, built.catalogue, `N${newest ?? '0'}`);
      const label = `N${run.startedAt.slice(0, 19).replace(/\D/g, '')}`;
      const currentMatches = currentMatchVersion(tx);
      if (key(built.matches) !== key(currentMatches === null ? [] : medinsItemMatchRows(tx, currentMatches))) insertMatchVersion(tx, versionFree(tx, 'matches', label), built.matches);
      const currentDict = currentDictionaryVersion(tx);
      const dictNow = [...dictionaries(tx)].flatMap(([type, m]) => [...m].map(([value, l]) => ({ type, value, label: l })));
      if (key(built.dictionaries) !== key(currentDict === null ? [] : dictNow)) insertDictionaryVersion(tx, versionFree(tx, 'dictionaries', label), built.dictionaries);
      for (const [infno, rows] of built.lists) {
        const now = [...rows.values()];
        if (currentListVersion(tx, infno) !== null && key(now) === key([...currentListRows(tx, infno).values()])) continue;
        const base = `N${built.versions.get(infno) ?? '0'}`;
        let v = base;
        for (let k = 1; listVersionInUse(tx, infno, v); k++) v = `${base}.r${k}`;
        insertListVersion(tx, infno, v, now);
      }
      for (const [infno, ver] of built.versions) setSetting(tx, VERSION_KEY(infno), ver);
      setSetting(tx, FULL_KEY, '0');
      return result;
    },
  };
}

function versionFree(tx: Tx, table: 'matches' | 'dictionaries', label: string): string {
  let v = label;
  for (let k = 1; versionInUse(tx, table, v); k++) v = `${label}.r${k}`;
  return v;
}

function stagedNational(tx: Tx): Iterable<NationalItem[]> {
  return stagedPages(tx, 'national') as Iterable<NationalItem[]>;
}
