import type { Tx } from '../../db/repos/clerks.ts';
import { latestRequestOf, requestState } from '../../db/repos/settlementRequests.ts';
import { createHash } from 'node:crypto';
import { appendAudit } from '../../db/repos/audit.ts';
import { currentMatchVersion, matchesFor } from '../../db/repos/nationalLists.ts';
import { catalogueItemsFor, catalogueVersionSize, currentCatalogueVersion, insertCatalogueVersion } from '../../db/repos/catalogue.ts';
import { currentInvoiceOf, recordInvoiceNumber } from '../../db/repos/invoiceNumbers.ts';
import { feeLineCount, findFeeImport, insertFeeImport, storedFeeLines } from '../../db/repos/fees.ts';
import { activeSettlementOf, admissionWithPerson } from '../../db/repos/settlements.ts';
import type { Db } from '../../db/open.ts';
import type { CatalogueImportResult, FeeImportResult, FileProblem, ImportProgress } from '../../shared/api/settlement.ts';
import { CATALOGUE_VERSION_RE, parseCatalogueFile } from '../../shared/catalogue.ts';
import { todayCST } from '../../shared/dates.ts';
import { FeeValidator, parseFeeFile } from '../../shared/feeImport.ts';
import { detectFormat } from '../../shared/tableFile.ts';
import { ServiceError } from './errors.ts';
import { DecodeError, decodeText } from './textDecode.ts';

/** At most this many problems go back to the screen; the count says how many there were. */
const MAX_ISSUES = 500;
/** Rows validated between two progress reports (and yields to the event loop). */
const PROGRESS_EVERY = 2000;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface Clerk {
  clerkId: number;
}

/**
 * Imports one fee file of the hospital system for an admission (issue 5 §2). The whole file or
 * nothing: any row error returns the list of problems and writes nothing. The same file again
 * (same SHA-256), or a file whose lines were all imported before unchanged, writes nothing either.
 */
export async function importFees(
  db: Db,
  input: { admissionId: number; fileName: string; content: Buffer },
  clerk: Clerk,
  onProgress: (p: ImportProgress) => void = () => undefined,
): Promise<FeeImportResult> {
  const found = admissionWithPerson(db, input.admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${input.admissionId}`, 'admissionId');
  const { admission } = found;
  if (admission.status === 'cancelled') throw new ServiceError('ADMISSION_CANCELLED', '该住院登记已撤销，不能导入费用', 'admissionId');
  const settled = activeSettlementOf(db, admission.id);
  if (settled) throw new ServiceError('ALREADY_SETTLED', '该住院已结算，不能再导入费用；如需更正，请主管先撤销结算', 'admissionId');
  refuseWhileRequested(db, admission.id);

  const sha256 = createHash('sha256').update(input.content).digest('hex');
  const base = { fileName: input.fileName, rows: 0, imported: 0, unchanged: 0, issues: [] as FileProblem[], issueCount: 0, invono: null };
  const before = findFeeImport(db, admission.id, sha256);
  if (before) {
    onProgress({ phase: 'done', done: 0, total: 0 });
    return { ...base, format: detectFormat(input.fileName, ''), encoding: '-', alreadyImported: true };
  }

  onProgress({ phase: 'decode', done: 0, total: input.content.length });
  let decoded: ReturnType<typeof decodeText>;
  try {
    decoded = decodeText(input.content);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    onProgress({ phase: 'done', done: 0, total: 0 });
    return { ...base, format: detectFormat(input.fileName, ''), encoding: '-', alreadyImported: false, issues: [{ row: e.row, column: null, message: e.message }], issueCount: 1 };
  }
  const { text, encoding } = decoded;
  const format = detectFormat(input.fileName, text);
  // The hospital's own item codes go through its 1317 matches when the desk has them (docs/catalogue.md).
  const matchVersion = currentMatchVersion(db);
  const parsed = parseFeeFile(text, format, { matched: matchVersion !== null });
  const total = parsed.rows.length;
  const catalogueVersion = currentCatalogueVersion(db);
  if (!catalogueVersion || catalogueVersionSize(db, catalogueVersion) === 0) throw new ServiceError('NO_CATALOGUE', '尚未导入就医地目录，不能校验费用；请主管先在“结算”中导入目录', 'catalogue');
  const matches = matchVersion === null ? null : matchesFor(db, parsed.rows.map((r) => r.values.medins_list_codg ?? '').filter((c) => c !== ''));
  const codes = new Set<string>();
  for (const r of parsed.rows) if (r.values.med_list_codg) codes.add(r.values.med_list_codg);
  for (const list of matches?.values() ?? []) for (const m of list) codes.add(m.medListCodg);
  const items = catalogueItemsFor(db, catalogueVersion, codes);
  const existing = storedFeeLines(db, admission.id);
  const linesBefore = existing.size;

  const validator = new FeeValidator(format, {
    admittedAt: admission.admittedAt,
    lastDay: admission.status === 'discharged' && admission.dischargedAt ? admission.dischargedAt.slice(0, 10) : todayCST(),
    emergency: admission.emergency,
    catalogueVersion,
    catalogue: (code) => items.get(code),
    existing,
    ...(matches === null || matchVersion === null ? {} : {
      matches: {
        version: matchVersion,
        find: (code: string, day: string) => (matches.get(code) ?? []).find((m) => day === '' || (m.begndate <= day && (m.enddate === null || m.enddate === undefined || m.enddate >= day)))?.medListCodg,
      },
    }),
  }, parsed.headers);
  for (const i of parsed.issues) validator.addIssue(i);
  onProgress({ phase: 'validate', done: 0, total });
  for (let k = 0; k < total; k++) {
    validator.add(parsed.rows[k]!);
    if ((k + 1) % PROGRESS_EVERY === 0) {
      onProgress({ phase: 'validate', done: k + 1, total });
      await yieldToLoop();
    }
  }
  const v = validator.finish();
  onProgress({ phase: 'validate', done: total, total });
  const result: FeeImportResult = { ...base, format, encoding, rows: v.rows, alreadyImported: false, issues: v.issues.slice(0, MAX_ISSUES), issueCount: v.issues.length, unchanged: v.unchanged, invono: null };
  // The file's 发票号 (column invono) is written when it is not the stay's number already, even with no new line.
  const newInvoice = v.invono !== null && currentInvoiceOf(db, { admissionId: admission.id })?.invono !== v.invono;
  if (v.issues.length > 0 || (v.lines.length === 0 && !newInvoice)) {
    onProgress({ phase: 'done', done: total, total });
    return result;
  }

  onProgress({ phase: 'write', done: 0, total: v.lines.length });
  db.transaction((tx) => {
    // Validated against a snapshot taken before the yields: if anything changed since, start over.
    if (activeSettlementOf(tx, admission.id)) throw new ServiceError('ALREADY_SETTLED', '该住院已结算，不能再导入费用', 'admissionId');
    refuseWhileRequested(tx, admission.id);
    if (feeLineCount(tx, admission.id) !== linesBefore || findFeeImport(tx, admission.id, sha256)) {
      throw new ServiceError('CONCURRENT_IMPORT', '导入期间该住院的费用明细有变化，请重新导入', 'contentBase64');
    }
    const importId = insertFeeImport(tx, { admissionId: admission.id, fileName: input.fileName, sha256, rows: v.rows, clerkId: clerk.clerkId }, v.lines);
    // A number other than the stay's is a new row superseding it (the old one stays searchable).
    const invoiceId = v.invono === null ? null
      : recordInvoiceNumber(tx, { admissionId: admission.id }, { invono: v.invono, source: 'import', feeImportId: importId, reason: `费用明细文件 ${input.fileName}`, clerkId: clerk.clerkId });
    appendAudit(tx, { clerkId: clerk.clerkId, action: 'fees.import', entity: 'admission', entityId: admission.id, detail: { importId, fileName: input.fileName, sha256, rows: v.rows, imported: v.lines.length, unchanged: v.unchanged, encoding, ...(invoiceId === null ? {} : { invono: v.invono, invoiceId }) } });
  });
  onProgress({ phase: 'done', done: v.lines.length, total: v.lines.length });
  return { ...result, imported: v.lines.length, invono: v.invono };
}

/**
 * Imports a whole catalogue version (issue 5 §1): validated entirely, then stored in one
 * transaction and made current. The same version again with identical content changes nothing;
 * a different content under an existing version name is refused (versions are never edited).
 */
export function importCatalogue(db: Db, input: { fileName: string; version: string; content: Buffer }, clerk: Clerk): CatalogueImportResult {
  if (!CATALOGUE_VERSION_RE.test(input.version)) throw new ServiceError('INVALID_VERSION', `目录版本号只能包含字母、数字、“-”“_”“.”，最多 40 个字符：${input.version}`, 'version');
  let decoded: ReturnType<typeof decodeText>;
  try {
    decoded = decodeText(input.content);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { version: input.version, encoding: '-', items: 0, issues: [{ row: e.row, column: null, message: e.message }], issueCount: 1, unchanged: false };
  }
  const { text, encoding } = decoded;
  const format = detectFormat(input.fileName, text);
  const { items, issues } = parseCatalogueFile(text, format);
  const base = { version: input.version, encoding, issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length, unchanged: false };
  if (issues.length > 0) return { ...base, items: 0 };
  const existing = catalogueVersionSize(db, input.version);
  if (existing > 0) {
    const stored = catalogueItemsFor(db, input.version, items.map((i) => i.medListCodg));
    const same = existing === items.length && items.every((i) => {
      const s = stored.get(i.medListCodg);
      return !!s && s.name === i.name && s.chrgitmLv === i.chrgitmLv && s.medChrgitmType === i.medChrgitmType && s.selfpayProp.eq(i.selfpayProp) &&
        (s.pricUplmtAmt === null ? i.pricUplmtAmt === null : i.pricUplmtAmt !== null && s.pricUplmtAmt.eq(i.pricUplmtAmt)) && s.begndate === i.begndate && s.enddate === i.enddate &&
        s.medinsListCodg === i.medinsListCodg;
    });
    if (!same) throw new ServiceError('VERSION_EXISTS', `目录版本 ${input.version} 已存在且内容不同；目录版本不能修改，请使用新的版本号`, 'version');
    return { ...base, items: items.length, unchanged: true };
  }
  db.transaction((tx) => {
    insertCatalogueVersion(tx, input.version, items);
    appendAudit(tx, { clerkId: clerk.clerkId, action: 'catalogue.import', entity: 'catalogue', entityId: input.version, detail: { fileName: input.fileName, items: items.length, encoding } });
  });
  return { ...base, items: items.length };
}

/** A 2304 already asked with these lines (结算中 / 出院待结算): a new line would not be in it. */
function refuseWhileRequested(db: Tx, admissionId: number): void {
  const r = latestRequestOf(db, admissionId);
  const st = r ? requestState(db, r) : null;
  if (st && st.settlementId === null && st.outbox?.status === 'pending') {
    throw new ServiceError('SETTLEMENT_PENDING', `该住院已提交参保地结算（报文 ${st.request.msgid}），等待结果期间不能再导入费用`, 'admissionId');
  }
}
