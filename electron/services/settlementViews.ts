import { currentInvoiceOf } from '../../db/repos/invoiceNumbers.ts';
import { appendAudit } from '../../db/repos/audit.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import type { CatalogueItem } from '../../shared/catalogue.ts';
import { catalogueItemsFor, currentCatalogueVersion } from '../../db/repos/catalogue.ts';
import { feeImportsOf, feeLineCount, feeLinesOf } from '../../db/repos/fees.ts';
import { getInstitution } from '../../db/repos/institution.ts';
import {
  activeSettlementOf,
  admissionWithPerson,
  agencyResultsOf,
  findSettlement,
  fundsOf,
  isClaimed,
  recordSlipPrint,
  reversalOf,
  voidOf,
  settlementsOfAdmission,
  slipPrintCount,
  type AdmissionRow,
  type PersonRow,
  type SettlementRow,
} from '../../db/repos/settlements.ts';
import type { AdmissionForSettlement, AgencyResultView, DerivedField, FeeList, SettleOutcome, SettlementAmounts, SettlementRequestView, SettlementState, SettlementView, SettlementWorklist, SlipDocument } from '../../shared/api/settlement.ts';
import { findRequest, latestRequestOf, lineSplitsOf, requestState, settledAfterDeferral, unansweredRequests, type FeeLineSplitRow, type RequestState } from '../../db/repos/settlementRequests.ts';
import type { RequestEstimate } from './settlement/fromAnswer.ts';
import { maskId } from '../../shared/citizenId.ts';
import { ADMISSION_WAYS, codeLabel } from '../../shared/codes.ts';
import { currentDictionaries } from './dictionaryLabels.ts';
import { fullSelfPayOf, stayQueued } from '../../db/repos/fullSelfPay.ts';
import { CLAIM_RULE, selfPayAdvice, selfPayDeadlines, UPLOAD_RULE } from '../../shared/fullSelfPay.ts';
import { dateTimeCST, type CalendarDate } from '../../shared/dates.ts';
import { renderSelfPayAdvicePdf } from '../pdf/selfPayAdvicePdf.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import { regionName, scopeOf } from '../../shared/regions.ts';
import { splitLine } from '../../shared/settlement.ts';
import { COMPARED_FIELDS, engineLine, GROUP_LABEL, settleGroupOf, type Difference } from '../../shared/settlementFlow.ts';
import { type JsonObject } from '../../shared/agency/envelope.ts';
import { readSettlement } from '../../shared/agency/settlement.ts';
import { parseSlipHeader, parseSlipInput, renderSlipFigures, renderSlipPdf, type SlipFigures } from '../pdf/slipPdf.ts';
import type { ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';
import { storedAmounts, type Opter } from './settlementService.ts';

/** What the settlement screen shows, read from the store (no computation beyond the engine's line split). */

export function admissionSummary(db: Tx, a: AdmissionRow, p: PersonRow, lines: number, institutionAdmdvs: string): AdmissionForSettlement {
  const s = activeSettlementOf(db, a.id);
  const group = settleGroupOf(a.grp);
  return {
    id: a.id, iptNo: a.iptNo, psnName: p.psnName, certnoMasked: maskId(p.certno), insuredRegion: p.insuplcAdmdvs,
    insuredRegionName: regionName(p.insuplcAdmdvs) ?? p.insuplcAdmdvs, insutype: a.insutype, group: a.grp, groupLabel: GROUP_LABEL[group],
    admittedAt: a.admittedAt, dischargedAt: a.dischargedAt, status: a.status, deptName: a.deptName, diagName: a.diagName,
    traumaFlag: a.traumaFlag, thirdPartyFlag: a.thirdPartyFlag, feeLines: lines, scope: scopeOf(p.insuplcAdmdvs, institutionAdmdvs),
    settlement: s ? { id: s.id, settledOn: s.settledOn, medfee_sumamt: s.medfeeSumamt, psn_cash_pay: s.psnCashPay } : null,
    ...openRequestStatus(db, a.id, s !== undefined),
    selfPaid: fullSelfPayOf(db, a.id) !== undefined,
    invono: currentInvoiceOf(db, { admissionId: a.id })?.invono ?? null,
  };
}

function openRequestStatus(db: Tx, admissionId: number, settled: boolean): Pick<AdmissionForSettlement, 'requestStatus' | 'requestMode'> {
  const r = settled ? undefined : latestRequestOf(db, admissionId);
  const st = r ? requestState(db, r) : null;
  if (!st || st.settlementId !== null) return { requestStatus: null, requestMode: null };
  return { requestStatus: requestView(st).status, requestMode: st.request.mode };
}

function text(t: Decimal): string {
  return toText(t);
}

function voidView(db: Tx, settlementId: number): SettlementView['voided'] {
  const v = voidOf(db, settlementId);
  return v ? { reason: v.reason, at: v.at, requestId: v.requestId } : null;
}

function viewOf(db: Tx, s: SettlementRow): SettlementView {
  const ours = storedAmounts(db, s);
  const amounts = Object.fromEntries(COMPARED_FIELDS.map((f) => [f, text(ours.amounts[f])])) as unknown as SettlementAmounts;
  const agency: AgencyResultView[] = agencyResultsOf(db, s.id).map((r) => {
    const body = JSON.parse(r.body) as JsonObject | null;
    let read;
    try {
      read = readSettlement(body);
    } catch {
      read = null;
    }
    const their: Partial<SettlementAmounts> = {};
    if (read) for (const f of COMPARED_FIELDS) if (read.amounts[f] !== null) their[f] = text(read.amounts[f]!);
    return {
      id: r.id, receivedAt: r.receivedAt, setlId: read?.setlId ?? null, amounts: their,
      funds: fundsOf(db, s.id, 'agency').map((f) => ({ fund_pay_type: f.fundPayType, fund_pay_type_name: f.fundPayTypeName, fund_payamt: f.fundPayamt })),
      mismatch: r.mismatch === null ? null : (JSON.parse(r.mismatch) as Difference[]),
      resolvedAt: r.resolvedAt, resolvedBy: r.resolvedBy, resolutionNote: r.resolutionNote,
    };
  });
  return {
    id: s.id, kind: s.kind, reversalOf: s.reversalOf, settledOn: s.settledOn, setlTime: s.setlTime, msgid: s.msgid, scope: s.scope,
    amounts, funds: ours.funds.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: text(f.fund_payamt) })),
    policyVersion: s.policyVersion, catalogueVersion: s.catalogueVersion, estimate: s.estimate, assistanceFlag: s.assistanceFlag, reason: s.reason,
    agency, reversedBy: reversalOf(db, s.id)?.id ?? null, voided: voidView(db, s.id), claimed: isClaimed(db, s.id), prints: slipPrintCount(db, s.id),
    basis: s.basis, setlId: s.setlId, derived: metaOf(s).derived ?? [], estimateAmounts: estimateOf(db, s),
  };
}

interface StoredMeta {
  dischargedOn: string;
  derived?: DerivedField[];
  requestId?: number;
}

function metaOf(s: SettlementRow): StoredMeta {
  try {
    return (JSON.parse(s.settleInput ?? '{}') as { meta?: StoredMeta }).meta ?? { dischargedOn: s.settledOn };
  } catch {
    return { dischargedOn: s.settledOn };
  }
}

function estimateOf(db: Tx, s: SettlementRow): { fund_pay_sumamt: string | null; psn_cash_pay: string | null } | null {
  const r = s.requestId !== null ? findRequest(db, s.requestId) : undefined;
  if (!r) return null;
  const e = JSON.parse(r.estimate) as RequestEstimate;
  return { fund_pay_sumamt: e.amounts.fund_pay_sumamt, psn_cash_pay: e.amounts.psn_cash_pay };
}

const REQUEST_STATUS_TEXT = {
  deferred: '离线办理出院待结算：联网后自动向参保地结算（2304），结算后请通知患者结清',
  online: '已发往参保地结算（2304），尚未得到结果：结果到达后自动完成',
  unknown: '结算报文结果未知：正在按规则冲正（2601）后重新发送，请勿重复结算',
  withdrawn: '结算请求已撤回（未得到参保地结果），可重新结算',
} as const;

/** A request without an answer, as the screen shows it. */
export function requestView(st: RequestState): SettlementRequestView {
  const r = st.request;
  const e = JSON.parse(r.estimate) as RequestEstimate;
  const status: SettlementRequestView['status'] = st.outbox === null ? 'withdrawn' : st.outbox.status === 'rejected' ? 'refused' : st.outbox.unknownOutcome ? 'unknown' : 'pending';
  const message = status === 'refused' ? `参保地拒绝结算：${st.outbox?.lastError ?? ''}` : status === 'pending' ? REQUEST_STATUS_TEXT[r.mode] : REQUEST_STATUS_TEXT[status];
  return {
    id: r.id, msgid: r.msgid, mode: r.mode, createdAt: r.createdAt, status, message,
    estimate: { medfee_sumamt: e.amounts.medfee_sumamt, fund_pay_sumamt: e.amounts.fund_pay_sumamt, psn_cash_pay: e.amounts.psn_cash_pay },
  };
}

/** What became of a request just made (the commit's answer to the screen). */
export function outcomeOf(db: Tx, requestId: number): SettleOutcome {
  const r = findRequest(db, requestId);
  if (!r) throw new ServiceError('NOT_FOUND', `结算请求不存在：${requestId}`, 'requestId');
  const st = requestState(db, r);
  if (st.settlementId !== null) return { kind: 'settled', settlementId: st.settlementId };
  const v = requestView(st);
  return v.status === 'refused' || v.status === 'withdrawn'
    ? { kind: 'refused', requestId, msgid: r.msgid, message: v.message }
    : { kind: 'pending', requestId, msgid: r.msgid, mode: r.mode, message: v.message };
}

export function settlementState(db: Tx, admissionId: number): SettlementState {
  const found = admissionWithPerson(db, admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${admissionId}`, 'admissionId');
  const inst = getInstitution(db);
  const views = settlementsOfAdmission(db, admissionId).map((s) => viewOf(db, s));
  const active = views.find((v) => v.kind === 'settlement' && v.reversedBy === null && v.voided === null) ?? null;
  const last = active ? null : latestRequestOf(db, admissionId);
  const st = last ? requestState(db, last) : null;
  return {
    admission: admissionSummary(db, found.admission, found.person, feeLineCount(db, admissionId), inst?.admdvs ?? ''), settlements: views, active,
    request: st && st.settlementId === null ? requestView(st) : null,
    selfPay: selfPayView(db, admissionId),
  };
}

const CLASS_LABEL = { A: '甲类', B: '乙类', C: '丙类' } as const;

/** The fee lines with their four-way split (004 附件10 注2) by the current catalogue, and the totals of all lines. */
export function feeList(db: Tx, admissionId: number, limit: number): FeeList {
  // An unknown stay is "not found", not an empty list (issue 21 p8): a typo must not look like a stay without fees.
  if (!admissionWithPerson(db, admissionId)) throw new ServiceError('NOT_FOUND', `住院登记不存在：${admissionId}`, 'admissionId');
  const lines = feeLinesOf(db, admissionId);
  const version = currentCatalogueVersion(db);
  const items = version ? catalogueItemsFor(db, version, lines.map((l) => l.medListCodg)) : new Map();
  const theirs = lineSplitsOf(db, admissionId);
  const views = lines.map((l) => {
    const item = items.get(l.medListCodg) ?? null;
    const fee = engineLine({ feedetlSn: l.feedetlSn, medListCodg: l.medListCodg, name: l.name, cnt: l.cnt, pric: l.pric, amount: l.detItemFeeSumamt, selfPay: l.selfPay, item });
    const split = splitLine(fee);
    return {
      view: {
        id: l.id, sn: l.feedetlSn, initSn: l.initFeedetlSn, time: l.feeOcurTime, code: l.medListCodg, name: l.name, cnt: l.cnt, pric: l.pric,
        amount: l.detItemFeeSumamt, class: fee.class, classLabel: l.selfPay ? '自费' : item === null ? '目录外' : CLASS_LABEL[fee.class],
        in: text(split.in), pre: text(split.pre), over: text(split.over), full: text(split.full), dept: l.bilgDeptName, doctor: l.bilgDrName, etip: l.etipFlag,
        agencyDiff: splitDifference(split, theirs.get(l.feedetlSn), item),
      },
      split,
    };
  });
  return {
    admissionId,
    catalogueVersion: version,
    totalLines: lines.length,
    lines: views.slice(0, limit).map((v) => v.view),
    totals: {
      amount: text(sum(views.map((v) => v.split.in.plus(v.split.pre).plus(v.split.over).plus(v.split.full)))),
      in: text(sum(views.map((v) => v.split.in))),
      pre: text(sum(views.map((v) => v.split.pre))),
      over: text(sum(views.map((v) => v.split.over))),
      full: text(sum(views.map((v) => v.split.full))),
    },
    imports: feeImportsOf(db, admissionId).map((i) => ({ id: i.id, fileName: i.fileName, rows: i.rows, at: i.at })),
  };
}

/**
 * The slip (DOMAIN §7) of a settlement, rendered by electron/pdf/slipPdf.ts from the stored input
 * snapshot, so it shows exactly the stored amounts; the first print is the original, every later
 * one says 补打, and each print is logged (slip_prints + audit).
 */
export async function slipPdf(desk: ServiceContext, settlementId: number, opter: Opter): Promise<SlipDocument> {
  const db = desk.db;
  const s = findSettlement(db, settlementId);
  if (!s) throw new ServiceError('NOT_FOUND', `结算记录不存在：${settlementId}`, 'settlementId');
  const reprint = slipPrintCount(db, s.id) > 0;
  const { pdf, iptNo } = await renderSlipOf(db, s, reprint);
  const printed = db.transaction((tx) => {
    const r = recordSlipPrint(tx, s.id, opter.clerkId);
    appendAudit(tx, { clerkId: opter.clerkId, action: r.reprint ? 'settlement.slipReprint' : 'settlement.slipPrint', entity: 'settlement', entityId: s.id, detail: { printCount: r.count } });
    return r;
  });
  return { settlementId: s.id, fileName: `结算单-${iptNo}${printed.reprint ? '-补打' : ''}.pdf`, pdfBase64: pdf.toString('base64'), reprint, printCount: printed.count };
}

/** The slip of a stored settlement as a PDF, not counted as a print (the 协查 pack holds a copy). */
export async function renderSlipOf(db: Tx, s: SettlementRow, reprint: boolean): Promise<{ pdf: Buffer; iptNo: string }> {
  if (s.kind !== 'settlement') throw new ServiceError('NOT_A_SETTLEMENT', '撤销记录没有结算单', 'settlementId');
  if (reversalOf(db, s.id)) throw new ServiceError('REVERSED', '该结算已撤销，不能打印结算单', 'settlementId');
  const voided = voidOf(db, s.id);
  if (voided) throw new ServiceError('VOIDED', `该结算已作废，不能打印结算单：${voided.reason}；请打印重新结算后的结算单`, 'settlementId');
  const found = admissionWithPerson(db, s.admissionId);
  const inst = getInstitution(db);
  if (!found || !inst || !s.settleInput) throw new ServiceError('NOT_FOUND', '结算单所需的住院或机构信息不完整', 'settlementId');
  const { admission: a, person: p } = found;
  const snap = JSON.parse(s.settleInput) as { settle?: unknown; meta: { dischargedOn: string } };
  if (p.gend !== '1' && p.gend !== '2') throw new ServiceError('SLIP_DATA', `性别代码 ${p.gend} 不能打印在结算单上（应为男或女）`, 'gend');
  const way = (ADMISSION_WAYS as readonly string[]).includes(a.way) ? a.way : ({ '1': '门诊', '2': '急诊', '3': '转院' } as Record<string, string>)[a.way];
  if (!way) throw new ServiceError('SLIP_DATA', `入院方式 ${a.way} 不能打印在结算单上（应为门诊、急诊或转院）`, 'way');
  const header = {
    province: inst.provinceName,
    scope: s.scope,
    patient: { name: p.psnName, sex: p.gend === '1' ? 'M' : 'F', certno: p.certno, cardNo: p.cardNo, insuredRegion: p.insuplcAdmdvs, insuredRegionName: regionName(p.insuplcAdmdvs) ?? p.insuplcAdmdvs, scheme: s.insutype },
    hospital: { name: inst.fixmedinsName, level: inst.level, regionName: inst.regionName },
    admission: { iptNo: a.iptNo, way, dept: a.deptName, mainDiagnosis: a.diagName, otherDiagnosis: null, admittedOn: a.admittedAt.slice(0, 10), dischargedOn: snap.meta.dischargedOn },
  };
  if (s.basis === 'agency') {
    // The insured region's answer, as stored: amounts and fund rows with its codes and names (004 附件10 注1).
    const { pdf } = await renderSlipFigures(parseSlipHeader(header), agencySlipFigures(db, s), { reprint, dicts: currentDictionaries(db) });
    return { pdf, iptNo: a.iptNo };
  }
  // 附件10 注1: the funds are printed under the names the insured region returned, once it answered.
  const fundNames = new Map(fundsOf(db, s.id, 'agency').map((f) => [f.fundPayType, f.fundPayTypeName]));
  const rendered = await renderSlipPdf(parseSlipInput({ ...header, settle: snap.settle }), { reprint, fundNames, dicts: currentDictionaries(db) });
  // The slip replays the stored input; if it ever disagreed with the stored amounts it must not be printed.
  const stored = storedAmounts(db, s).amounts;
  for (const f of ['medfee_sumamt', 'fund_pay_sumamt', 'psn_cash_pay', 'acct_pay', 'inscp_scp_amt'] as const) {
    if (!rendered.result[f].eq(stored[f])) throw new Error(`结算单金额与结算记录不一致：${f} ${toText(rendered.result[f])} ≠ ${toText(stored[f])}`);
  }
  return { pdf: rendered.pdf, iptNo: a.iptNo };
}

/** The slip's figures of an agency-basis settlement: the row's amounts and its fund rows, all as the insured region answered. */
function agencySlipFigures(db: Tx, s: SettlementRow): SlipFigures {
  const d = (t: string): Decimal => new Decimal(t);
  return {
    medfee_sumamt: d(s.medfeeSumamt), inscp_scp_amt: d(s.inscpScpAmt), preselfpay_amt: d(s.preselfpayAmt), overlmt_selfpay: d(s.overlmtSelfpay),
    fulamt_ownpay_amt: d(s.fulamtOwnpayAmt), fund_pay_sumamt: d(s.fundPaySumamt), acct_pay: d(s.acctPay), psn_cash_pay: d(s.psnCashPay),
    funds: fundsOf(db, s.id, 'local').map((f) => ({ name: f.fundPayTypeName, amount: d(f.fundPayamt) })),
    deductible: { label: '实际支付起付线', amount: d(s.actPayDedc) },
    basisNote: `参保地结算结果（结算ID ${s.setlId ?? '—'}）`,
  };
}

const SPLIT_PARTS = [['in', 'inscpScpAmt', '范围内'], ['pre', 'preselfpayAmt', '乙类先行自付'], ['over', 'overlmtAmt', '超限价'], ['full', 'fulamtOwnpayAmt', '自费']] as const;

/**
 * Where the agency's split of an uploaded line (2301 answer) differs from the desk's own by the
 * hospital region's catalogue (004 第三十六条(一)): each differing part with both figures; a part
 * the agency did not give is not a difference.
 */
function splitDifference(ours: { in: Decimal; pre: Decimal; over: Decimal; full: Decimal }, theirs: FeeLineSplitRow | undefined, item: CatalogueItem | null): string | null {
  if (!theirs) return null;
  const parts = SPLIT_PARTS.flatMap(([k, col, label]) => {
    const v = theirs[col];
    return v !== null && !new Decimal(v).eq(ours[k]) ? [`${label} 本院 ${text(ours[k])} / 经办机构 ${toText(new Decimal(v))}`] : [];
  });
  // The catalogue facts behind the split: class, limit price, self-pay ratio (004 第三十六条(一)).
  if (item) {
    const lv = theirs.chrgitmLv === null ? null : theirs.chrgitmLv.padStart(2, '0');
    if (lv !== null && lv !== item.chrgitmLv) parts.push(`收费项目等级 本院 ${item.chrgitmLv} / 经办机构 ${lv}`);
    const limit = theirs.pricUplmtAmt === null ? null : new Decimal(theirs.pricUplmtAmt);
    if (limit !== null && (item.pricUplmtAmt === null || !limit.eq(item.pricUplmtAmt))) parts.push(`限价 本院 ${item.pricUplmtAmt?.toString() ?? '无'} / 经办机构 ${limit.toString()}`);
    const prop = theirs.selfpayProp === null ? null : new Decimal(theirs.selfpayProp);
    if (prop !== null && !prop.eq(item.selfpayProp)) parts.push(`先行自付比例 本院 ${item.selfpayProp.toString()} / 经办机构 ${prop.toString()}`);
  }
  return parts.length === 0 ? null : `经办机构拆分不同（004 第三十六条(一)）：${parts.join('；')}`;
}

/** 待联网结算 with its age, and what the insured region settled while the patient was away (issue 14 §2). */
export function settlementWorklist(db: Tx, now: Date = new Date()): SettlementWorklist {
  return {
    waiting: unansweredRequests(db).map((r) => ({
      admissionId: r.request.admissionId, iptNo: r.iptNo, psnName: r.psnName,
      request: requestView({ request: r.request, settlementId: null, outbox: { status: r.status, lastError: r.lastError, unknownOutcome: r.unknownOutcome, attempts: 0 } }),
      ageHours: Math.max(0, Math.floor((now.getTime() - Date.parse(r.request.createdAt)) / 3_600_000)),
    })),
    settledLater: settledAfterDeferral(db).map((r) => ({ ...r, psn_cash_pay: r.psnCashPay })).map(({ psnCashPay: _, ...r }) => r),
  };
}

function selfPayView(db: Tx, admissionId: number): SettlementState['selfPay'] {
  const r = fullSelfPayOf(db, admissionId);
  if (!r) return null;
  return { paidOn: r.paidOn, uploadBy: r.uploadBy, claimBy: r.claimBy, reason: r.reason, medfee_sumamt: r.medfeeSumamt, uploaded: stayQueued(db, admissionId) === 0, rules: { upload: UPLOAD_RULE, claim: CLAIM_RULE } };
}

/** The fee list and 零星报销 advice of a 全额自付 stay (electron/pdf/selfPayAdvicePdf.ts), logged as printed. */
export async function selfPayAdvicePdf(desk: ServiceContext, admissionId: number, opter: Opter): Promise<{ fileName: string; pdfBase64: string; pages: number }> {
  const db = desk.db;
  const r = fullSelfPayOf(db, admissionId);
  if (!r) throw new ServiceError('NOT_SELF_PAID', '该住院未按全额自付办理，没有零星报销告知', 'admissionId');
  const found = admissionWithPerson(db, admissionId);
  const inst = getInstitution(db);
  if (!found || !inst) throw new ServiceError('NOT_FOUND', '住院或机构信息不完整', 'admissionId');
  const { admission: a, person: p } = found;
  const list = feeList(db, admissionId, Number.MAX_SAFE_INTEGER);
  const byClass = new Map<string, Decimal>();
  for (const l of list.lines) byClass.set(l.classLabel, (byClass.get(l.classLabel) ?? new Decimal(0)).plus(l.amount));
  const regionLabel = regionName(p.insuplcAdmdvs) ?? p.insuplcAdmdvs;
  const { pdf, pages } = await renderSelfPayAdvicePdf({
    hospitalName: inst.fixmedinsName,
    patient: { name: p.psnName, certnoMasked: maskId(p.certno), insuredRegionName: regionLabel, scheme: codeLabel('insutype', a.insutype, currentDictionaries(db), a.insutype) },
    episode: { kind: 'stay', iptNo: a.iptNo, dept: a.deptName, diagnosis: a.diagName, admittedOn: a.admittedAt.slice(0, 10), dischargedOn: (a.dischargedAt ?? r.paidOn).slice(0, 10) },
    lines: list.lines.map((l) => ({ sn: l.sn, time: l.time, name: l.name, classLabel: l.classLabel, cnt: l.cnt, pric: l.pric, amount: new Decimal(l.amount) })),
    total: new Decimal(list.totals.amount),
    byClass: [...byClass.entries()].map(([label, amount]) => ({ label, amount })),
    advice: selfPayAdvice(selfPayDeadlines(r.paidOn as CalendarDate), regionLabel),
    reason: r.reason,
    printedAt: dateTimeCST(),
  });
  db.transaction((tx) => appendAudit(tx, { clerkId: opter.clerkId, action: 'settlement.selfPayAdvicePrint', entity: 'admission', entityId: admissionId, detail: { pages } }));
  return { fileName: `全额自付费用清单及零星报销告知-${a.iptNo}.pdf`, pdfBase64: pdf.toString('base64'), pages };
}
