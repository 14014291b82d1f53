import type { DetailReconciliationView } from '../../shared/api/sync.ts';
import type { Db } from '../../db/open.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import { desksSettlesVisits, visitDetailSourcesOn } from '../../db/repos/outpatientReconciliation.ts';
import { deskTraceOf, detailSourcesOn, insertReconciliationDetail, type DetailSource, type ReconciliationDetailRow, type ReconciliationResolutionRow } from '../../db/repos/reconciliation.ts';
import { AgencyMessageError } from '../../shared/agency/envelope.ts';
import { DETAIL_STATEMENT_INFNO, detailFileText, national3202Input, readDetailStatement, readResultFile } from '../../shared/agency/files.ts';
import { parseDate, todayCST, type CalendarDate } from '../../shared/dates.ts';
import { asVisitDifference, compareDetail, DETAIL_DIFFERENCE_LABEL, type DeskDetailRecord, type DetailDifference } from '../../shared/detailReconciliation.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import { BusinessError, NetworkError, RejectedError, ServerError, type AgencyClient } from '../agency/client.ts';
import { DEFAULT_FILE_LIMITS, downloadFile, FileTransferError, uploadFile, type EnvelopeMaker, type FileLimits } from '../agency/files.ts';
import { writeZip, ZipError } from '../agency/zip.ts';
import { newEnvelope } from '../services/agencyLink.ts';
import { ServiceError } from '../services/errors.ts';

/**
 * Detail reconciliation 对明细账 (3202; DOMAIN §8, 004 第四十一条; docs/reconciliation.md): the day's
 * settlements and reversals as a detail file, zipped, 9101, then 3202 with its file_qury_no and
 * totals, then 9102 of the agency's result file. Each differing settlement is kept with both
 * sides and what to do (shared/detailReconciliation.ts); neither side is changed here. A run that
 * cannot finish is kept with its reason, so the screen says why there is no detail yet.
 */

export type ResolutionOutcome = 'reversed' | 'not-in-effect' | 'refused' | 'unknown';

/** What was done about a difference (detailResolve.ts): a 冲正 with its outcome, or a supervisor's note. */
export interface Resolution {
  /** resend: 重新结算 (detailResend.ts) — msgid the new 2304, omsgid the void settlement's, note the reason. */
  action: 'reversal' | 'note' | 'resend';
  msgid: string | null;
  omsgid: string | null;
  outcome: ResolutionOutcome | null;
  errMsg: string | null;
  note: string | null;
  at: string;
}

export function resolutionOf(r: ReconciliationResolutionRow): Resolution {
  return { action: r.action, msgid: r.msgid, omsgid: r.omsgid, outcome: r.outcome, errMsg: r.errMsg, note: r.note, at: r.at };
}

export interface DetailDifferenceEntry extends DetailDifference {
  kindLabel: string;
  /** platformOnly: what the desk knows of the agency's msgid (a settlement sent with it, a 冲正 already sent). */
  trace: { settlementId: number | null; reversedBy: string | null } | null;
  /** What was done about it since, oldest first. */
  resolutions: Resolution[];
}

/** A 3202 run as stored: the view's fields (shared/api/sync.ts), its id and day, and the differences with what was done about them. */
export type DetailRun = Omit<DetailReconciliationView, 'differences'> & { id: number; day: CalendarDate; differences: DetailDifferenceEntry[] };

/** As the agency books them: a reversal's amounts are negative whatever sign they were stored with. */
function signed(v: string, kind: DetailSource['kind']): string {
  const d = new Decimal(v);
  return toText(kind === 'reversal' ? d.abs().negated() : d);
}

export function detailRecordsOf(sources: readonly DetailSource[]): { records: DeskDetailRecord[]; unsent: number; cash: Decimal } {
  const sendable = sources.filter((s) => s.setlId && s.mdtrtId && s.psnNo);
  return {
    records: sendable.map((s) => ({
      settlementId: s.id, msgid: s.msgid, setl_id: s.setlId!, mdtrt_id: s.mdtrtId!, psn_no: s.psnNo!,
      medfee_sumamt: signed(s.medfeeSumamt, s.kind), fund_pay_sumamt: signed(s.fundPaySumamt, s.kind), acct_pay: signed(s.acctPay, s.kind),
      refd_setl_flag: s.kind === 'reversal' ? '1' : '0',
    })),
    unsent: sources.length - sendable.length,
    cash: sum(sendable.map((s) => new Decimal(signed(s.psnCashPay, s.kind)))),
  };
}

function why(e: unknown): { code: string; message: string } {
  // A download that ran out of tries on network failures is the network's doing too.
  const net = e instanceof FileTransferError && (e.cause instanceof NetworkError || e.cause instanceof ServerError);
  if (e instanceof NetworkError || e instanceof ServerError || net) return { code: 'AGENCY_UNREACHABLE', message: `无法连接医保平台，明细对账需要联网，请稍后重试（${(e as Error).message}）` };
  if (e instanceof BusinessError) return { code: 'AGENCY_REFUSED', message: `经办机构拒绝了明细对账（${e.infno}）：${e.errMsg}` };
  if (e instanceof RejectedError || e instanceof AgencyMessageError || e instanceof FileTransferError || e instanceof ZipError) return { code: 'AGENCY_REJECTED', message: `明细对账未完成：${e.message}` };
  throw e;
}

function withTrace(db: Db, d: DetailDifference): DetailDifferenceEntry {
  const base = { ...d, kindLabel: DETAIL_DIFFERENCE_LABEL[d.kind], trace: null, resolutions: [] };
  if (d.kind !== 'platformOnly' || !d.agency || d.agency.msgid === '') return base;
  const trace = deskTraceOf(db, d.agency.msgid);
  const extra = trace.reversedBy
    ? `；本机已以报文 ${trace.reversedBy} 冲正过该报文，经办机构仍有记录：请联系经办机构核实，勿重复冲正`
    : trace.settlementId !== null ? `；该报文是本机结算 #${trace.settlementId} 发出的` : '';
  return { ...base, trace, action: d.action + extra };
}

export async function reconcileDetail(
  getDb: () => Db,
  client: AgencyClient,
  dayInput: string,
  opter: { clerkId: number | null; login: string; name: string },
  o: { trigger: 'unbalanced' | 'request'; now?: Date; limits?: FileLimits },
): Promise<DetailRun> {
  const now = o.now ?? new Date();
  const byClrType: { clrType: '11' | '21'; msgid: string; sent: number; matched: number }[] = [];
  const day = parseDate(dayInput, '对账日期');
  if (day > todayCST(now)) throw new ServiceError('INVALID_DAY', `对账日期 ${day} 还没有到`, 'day');
  const inst = getInstitution(getDb());
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  // 清算类别 apart (national-interface.md 3202 clr_type): the stays' file (21) as before, then, once the
  // desk settles visits, the visits' (11, ids −(outpatient settlement id)); one run holds both.
  const files: { clrType: '11' | '21'; sources: DetailSource[] }[] = [{ clrType: '21', sources: detailSourcesOn(getDb(), day) }];
  const visitSources = visitDetailSourcesOn(getDb(), day);
  if (visitSources.length > 0 || desksSettlesVisits(getDb())) files.push({ clrType: '11', sources: visitSources });
  const prepared = files.map((f) => ({ clrType: f.clrType, ...detailRecordsOf(f.sources) }));
  const unsent = prepared.reduce((n, f) => n + f.unsent, 0);
  const make: EnvelopeMaker = (infno, input) => getDb().transaction((tx) => newEnvelope(tx, { login: opter.login, name: opter.name }, infno, input, undefined, now));
  const run: Omit<DetailRun, 'id'> = {
    day, at: now.toISOString(), trigger: o.trigger, msgid: null, uploadFileQuryNo: null, resultFileQuryNo: null,
    sentCount: prepared.reduce((n, f) => n + f.records.length, 0), unsent, matched: 0, differences: [], error: null,
  };
  try {
    for (const { clrType, records, cash } of prepared) {
      // The stays' file keeps its name; the visits' says its 清算类别.
      const entryName = `${inst.fixmedinsCode}_${day.replace(/-/g, '')}_3202${clrType === '11' ? '_11' : ''}.txt`;
      const zip = writeZip([{ name: entryName, data: Buffer.from(detailFileText(records), 'utf8') }], now);
      const uploaded = await uploadFile(client, make, zip, `${entryName}.zip`, o.limits ?? DEFAULT_FILE_LIMITS);
      const env = make(DETAIL_STATEMENT_INFNO, {
        ...national3202Input({
          setlOptins: inst.admdvs, fileQuryNo: uploaded, day, count: records.length, cash, clrType,
          medfee: sum(records.map((r) => new Decimal(r.medfee_sumamt))), fund: sum(records.map((r) => new Decimal(r.fund_pay_sumamt))),
        }),
      });
      // The run keeps the stays' message and files (the first); the visits' are in the audit row.
      run.uploadFileQuryNo ??= uploaded;
      run.msgid ??= env.msgid;
      const file = readDetailStatement((await client.call(env)).output);
      run.resultFileQuryNo ??= file.fileQuryNo;
      const got = await downloadFile(client, make, file.fileQuryNo, file.filename, { limits: o.limits });
      const compared = compareDetail(records, readResultFile(Buffer.from(got.entry.data).toString('utf8')));
      run.matched += compared.matched;
      run.differences.push(...compared.differences.map((d) => withTrace(getDb(), clrType === '11' ? asVisitDifference(d) : d)));
      byClrType.push({ clrType, msgid: env.msgid, sent: records.length, matched: compared.matched });
    }
  } catch (e) {
    const failure = why(e);
    // Asked for by a clerk: the answer says why, nothing is kept. After a 不平 3201 the reason is
    // kept, so the screen says why the day has no detail yet.
    if (o.trigger === 'request') throw new ServiceError(failure.code, failure.message, 'day');
    run.error = failure.message;
  }
  const id = getDb().transaction((tx) => {
    const rowId = insertReconciliationDetail(tx, {
      day, msgid: run.msgid, uploadFileQuryNo: run.uploadFileQuryNo, resultFileQuryNo: run.resultFileQuryNo, sentCount: run.sentCount,
      matched: run.matched, differences: JSON.stringify({ unsent, items: run.differences }), error: run.error, trigger: run.trigger, at: run.at,
    });
    appendAudit(tx, {
      clerkId: opter.clerkId, action: 'sync.reconcileDetail', entity: 'reconciliation', entityId: day,
      detail: { msgid: run.msgid, byClrType, sent: run.sentCount, matched: run.matched, differences: run.differences.map((d) => ({ kind: d.kind, setlId: d.setlId })), error: run.error },
    });
    return rowId;
  });
  return { id, ...run };
}

/** A stored run as the screen shows it, with what was done about each difference since. */
export function detailRunOf(r: ReconciliationDetailRow, resolutions: readonly ReconciliationResolutionRow[] = []): DetailRun {
  let unsent = 0;
  let items: DetailDifferenceEntry[];
  try {
    const v = JSON.parse(r.differences) as { unsent?: number; items?: DetailDifferenceEntry[] } | DetailDifferenceEntry[];
    if (Array.isArray(v)) items = v;
    else {
      unsent = v.unsent ?? 0;
      items = v.items ?? [];
    }
  } catch {
    items = [];
  }
  return {
    id: r.id, day: r.day, at: r.at, trigger: r.trigger, msgid: r.msgid, uploadFileQuryNo: r.uploadFileQuryNo, resultFileQuryNo: r.resultFileQuryNo,
    sentCount: r.sentCount, unsent, matched: r.matched, error: r.error,
    differences: items.map((d) => ({ ...d, resolutions: resolutions.filter((x) => x.detailId === r.id && x.setlId === d.setlId).map(resolutionOf) })),
  };
}
