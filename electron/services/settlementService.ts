// Over 400 lines: the gathered inputs, the fingerprint, the request at discharge and the reversal share one view of a stay; the answer side lives in settlement/ (fromAnswer, agencyPreview, selfPay, corrections).
import { createHash } from 'node:crypto';
import { appendAudit } from '../../db/repos/audit.ts';
import type { Tx } from '../../db/repos/clerks.ts';
import { catalogueItemsFor, currentCatalogueVersion } from '../../db/repos/catalogue.ts';
import { feeLineCount, feeLinesOf, type FeeLineRow } from '../../db/repos/fees.ts';
import { getInstitution, type InstitutionRow } from '../../db/repos/institution.ts';
import { enqueueMessage, personOrderKey, resolveRejected } from '../../db/repos/outbox.ts';
import { fullSelfPayOf } from '../../db/repos/fullSelfPay.ts';
import { insertSettlementRequest, latestRequestOf, requestByMsgid, recordFeeUploads, requestState, uploadedFeeSns, type RequestState } from '../../db/repos/settlementRequests.ts';
import { policyCandidates } from '../../db/repos/policies.ts';
import {
  activeSettlementOf,
  admissionWithPerson,
  agencyResultsOf,
  findSettlement,
  findSettlementByMsgid,
  fundsOf,
  insertAgencyResult,
  insertSettlement,
  claimHolding,
  markDischarged,
  recordSetlId,
  reversalOf,
  voidOf,
  yearHistory,
  type AdmissionRow,
  type PersonRow,
  type SettlementRow,
} from '../../db/repos/settlements.ts';
import { admissionState } from './admissionState.ts';
import type { DirectSettlementBlock, EstimateAmounts, SettlementAmounts, SettlementPreview } from '../../shared/api/settlement.ts';
import type { HospitalSplit } from '../../shared/agencySettlement.ts';
import type { CatalogueItem } from '../../shared/catalogue.ts';
import { codeLabel, FUND, nationalFundOf, SCHEME } from '../../shared/codes.ts';
import { currentDictionaries } from './dictionaryLabels.ts';
import { dateTimeCST, todayCST } from '../../shared/dates.ts';
import { Decimal, parseAmount, toText, ZERO } from '../../shared/money.ts';
import { scopeOf } from '../../shared/regions.ts';
import { computeSettlement, parseSettleInput, splitLine, type Level, type SettleResult } from '../../shared/settlement.ts';
import {
  assistanceThresholds,
  compareWithAgency,
  engineLine,
  enginePolicy,
  feeForSettle,
  GROUP_LABEL,
  needsAssistanceFlag,
  pickPolicy,
  settleGroupOf,
  type ComparedField,
  type PolicyRecord,
  type SettleJsonInput,
} from '../../shared/settlementFlow.ts';
import { readText, type JsonObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { build2301s, build2304, build2305, build2402, readSettlement } from '../../shared/agency/settlement.ts';
import { admissionOrderKey } from '../../shared/admission.ts';
import type { ServiceContext } from './context.ts';
import { settlementFromAnswer, type RequestEstimate } from './settlement/fromAnswer.ts';
import { newEnvelope } from './agencyLink.ts';
import { ServiceError } from './errors.ts';

/**
 * The settlement flow of issue 5 §4: preview (预结算) at any time, commit at discharge (settlement
 * + fund rows + versions + 2301/2402/2304 in the outbox, one transaction), reversal (2305), and the
 * agency's own computation stored beside ours when it comes back. The money is always the shared
 * engine's (shared/settlement.ts); this module only gathers its inputs and writes its outputs.
 */

export interface Opter {
  clerkId: number;
  login: string;
  name: string;
}

export interface SettleRequest {
  admissionId: number;
  dischargedOn?: string;
  useAccount: boolean;
  accountBalance: string;
}

interface YearToDate {
  source: 'agency' | 'local';
  estimate: boolean;
  note: string;
  admissions: number;
  pool: Decimal;
  supplementary: Decimal;
  /** This desk's own history of the person's year as read for this computation (checked again at commit). */
  local: string;
}

export interface Gathered {
  admission: AdmissionRow;
  person: PersonRow;
  inst: InstitutionRow;
  scope: 'cross' | 'in';
  level: Level;
  dischargedOn: string;
  /** The insured region's parameters the office has; null: none — the split only, the funds need the agency (issue 14 §2). */
  policy: PolicyRecord | null;
  catalogueVersion: string;
  lines: FeeLineRow[];
  items: Map<string, CatalogueItem>;
  cum: YearToDate;
  /** The engine's input; null without parameters. */
  settleJson: SettleJsonInput | null;
  /** The lines as the engine takes them (with their catalogue items): part of every fingerprint. */
  fees: SettleJsonInput['fees'];
  /** The desk's estimate; null without parameters. */
  result: SettleResult | null;
  /** The hospital region's split, always known (004 第三十六条(一)). */
  split: HospitalSplit;
  block: DirectSettlementBlock | null;
  warnings: string[];
}

/** Pool and supplementary cumulation codes of 5206 (UNVERIFIED: as one region sends them). */
const CUM_CODES: Record<string, { pool: string; supplementary: string }> = {
  '310': { pool: 'D310101', supplementary: 'D330101' },
  '390': { pool: 'D390101', supplementary: 'D390201' },
};

/**
 * Year-to-date inputs of §6a steps 4–6. Online: the agency's 5206 cumulation (it also knows other
 * hospitals' stays) plus this desk's settlements it has not confirmed yet. Offline or when 5206
 * fails: this desk's own history, marked as an estimate (issue 5 §4).
 */
async function yearToDate(desk: ServiceContext, admission: AdmissionRow, person: PersonRow, dischargedOn: string, opter: Opter): Promise<YearToDate> {
  const year = Number(dischargedOn.slice(0, 4));
  const local = yearHistory(desk.db, person.id, year, admission.id);
  const stamp = historyStamp(local);
  const fromLocal = (why: string): YearToDate => ({ source: 'local', estimate: true, note: why, admissions: local.all.admissions, pool: local.all.poolPaid, supplementary: local.all.supplementaryPaid, local: stamp });
  if (desk.connectivity.online !== true) return fromLocal('离线：本年度住院次数与基金累计按本机结算历史估算，以经办机构结算结果为准');
  if (!person.psnNo) return fromLocal('该人员尚无人员编号（未在线核验），本年度累计按本机结算历史估算');
  try {
    const env = desk.db.transaction((tx) => newEnvelope(tx, { login: opter.login, name: opter.name }, '5206', { data: { psn_no: person.psnNo, cum_ym: dischargedOn.slice(0, 7).replace('-', '') } }, person.insuplcAdmdvs));
    const answer = await desk.agency().call(env);
    const list = Array.isArray(answer.output?.cuminfo) ? (answer.output.cuminfo as JsonObject[]) : [];
    const codes = CUM_CODES[admission.insutype] ?? CUM_CODES[SCHEME.employee]!;
    const of = (code: string): Decimal => {
      const row = list.find((c) => readText(c.cum_type_code) === code && (readText(c.insutype) ?? admission.insutype) === admission.insutype);
      const v = readText(row?.cum);
      return v === null ? ZERO : new Decimal(v);
    };
    const admissions = of('C0000').toNumber();
    return {
      source: 'agency',
      estimate: false,
      note: local.unconfirmed.admissions !== 0 || !local.unconfirmed.poolPaid.isZero()
        ? '本年度累计来自经办机构（5206），并加上本机尚未得到经办机构确认的结算'
        : '本年度累计来自经办机构（5206 人员累计信息查询）',
      admissions: Math.max(0, Math.round(admissions) + local.unconfirmed.admissions),
      pool: of(codes.pool).plus(local.unconfirmed.poolPaid),
      supplementary: of(codes.supplementary).plus(local.unconfirmed.supplementaryPaid),
      local: stamp,
    };
  } catch (e) {
    return fromLocal(`经办机构未能提供本年度累计（${(e as Error).message}），按本机结算历史估算`);
  }
}

/** The person's other stays of the year as this desk knows them (settlements, reversals, what the agency confirmed). */
function historyStamp(h: ReturnType<typeof yearHistory>): string {
  const part = (y: ReturnType<typeof yearHistory>['all']) => [y.admissions, toText(y.poolPaid), toText(y.supplementaryPaid)];
  return JSON.stringify({ all: part(h.all), unconfirmed: part(h.unconfirmed) });
}

/**
 * The preview's fingerprint (issue 20 §2): a digest of every input of the computation — the
 * engine's whole input (fee lines with their catalogue items, prior stays of the year net of
 * reversals and the fund paid so far, hospital level, registration group, civil-servant flag,
 * account use, the policy body), the policy and catalogue versions, the discharge day, the scope,
 * the admission's state and the trauma gate — and of the amounts it gave. The commit recomputes
 * it and refuses when it differs, so the amount the clerk confirmed is exactly the one committed.
 */
export function fingerprintOf(g: Pick<Gathered, 'settleJson' | 'fees' | 'dischargedOn' | 'policy' | 'catalogueVersion' | 'scope' | 'block' | 'admission' | 'result' | 'split'>): string {
  const a = g.admission;
  return createHash('sha256').update(JSON.stringify({
    engine: g.settleJson ?? { fees: g.fees },
    dischargedOn: g.dischargedOn,
    policy: g.policy && g.result ? { id: g.policy.id, version: g.result.policyVersion } : null,
    catalogueVersion: g.catalogueVersion,
    scope: g.scope,
    block: g.block,
    admission: { id: a.id, status: a.status, dischargedAt: a.dischargedAt, insutype: a.insutype, medType: a.medType, grp: a.grp },
    amounts: g.result ? amountsOf(g.result) : figuresOfSplit(g.split),
    funds: (g.result?.setldetail ?? []).map((f) => [f.fund_pay_type, toText(f.fund_payamt)]),
  })).digest('hex').slice(0, 32);
}

/**
 * The trauma gate (DOMAIN §5; 004 第三十八条, 附件8), decided by the admission domain's rule
 * (shared/admission.ts): a trauma admission with the third-party flag, or without a signed pledge
 * in force, is not settled directly; the reason and its rule are shown to the clerk.
 */
export function directSettlementGate(db: Tx, admission: AdmissionRow): DirectSettlementBlock | null {
  // The admission as it stands now (original + recorded changes, 2403), so a third party found
  // after admission blocks too — never the row's first flags alone.
  const block = admissionState(db, admission.id).gate;
  return block && { reason: block.reason, rule: block.rule };
}

function levelOf(inst: InstitutionRow): Level {
  if (inst.level === 1 || inst.level === 2 || inst.level === 3) return inst.level;
  throw new ServiceError('BAD_INSTITUTION', `本机构医院等级设置无效：${inst.level}，请主管在“设置”中更正`, 'level');
}

/** Everything a preview or a commit needs, and the engine's result for it. */
export async function gatherSettlement(desk: ServiceContext, req: SettleRequest, opter: Opter): Promise<Gathered> {
  const db = desk.db;
  const found = admissionWithPerson(db, req.admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${req.admissionId}`, 'admissionId');
  const { admission, person } = found;
  if (admission.status === 'cancelled') throw new ServiceError('ADMISSION_CANCELLED', '该住院登记已撤销，不能结算', 'admissionId');
  const inst = getInstitution(db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  const scope = scopeOf(person.insuplcAdmdvs, inst.admdvs);
  if (scope === 'same') throw new ServiceError('NOT_CROSS_REGION', `参保地 ${person.insuplcAdmdvs} 与就医地 ${inst.admdvs} 属同一统筹区，不属于异地就医直接结算`, 'admissionId');
  const level = levelOf(inst);

  const today = todayCST();
  const admittedOn = admission.admittedAt.slice(0, 10);
  // A stay across New Year is settled once, at discharge, under the discharge year (004 第四十四条).
  const dischargedOn = req.dischargedOn ?? (admission.status === 'discharged' && admission.dischargedAt ? admission.dischargedAt.slice(0, 10) : today);
  if (dischargedOn < admittedOn) throw new ServiceError('INVALID_DATE', `出院日期 ${dischargedOn} 早于入院日期 ${admittedOn}`, 'dischargedOn');
  if (dischargedOn > today) throw new ServiceError('INVALID_DATE', `出院日期 ${dischargedOn} 晚于今天 ${today}`, 'dischargedOn');
  if (admission.status === 'discharged' && admission.dischargedAt && req.dischargedOn && req.dischargedOn !== admission.dischargedAt.slice(0, 10)) {
    throw new ServiceError('INVALID_DATE', `该住院已于 ${admission.dischargedAt.slice(0, 10)} 办理出院，出院日期不能改为 ${req.dischargedOn}`, 'dischargedOn');
  }

  const lines = feeLinesOf(db, admission.id);
  if (lines.length === 0) throw new ServiceError('NO_FEES', '该住院还没有费用明细，请先导入费用', 'admissionId');
  const lastFee = lines.reduce((m, l) => (l.feeOcurTime > m ? l.feeOcurTime : m), '');
  if (lastFee.slice(0, 10) > dischargedOn) throw new ServiceError('INVALID_DATE', `出院日期 ${dischargedOn} 早于最后一笔费用的发生时间 ${lastFee}`, 'dischargedOn');

  const catalogueVersion = currentCatalogueVersion(db);
  if (!catalogueVersion) throw new ServiceError('NO_CATALOGUE', '尚未导入就医地目录，请主管先导入', 'catalogue');
  const items = catalogueItemsFor(db, catalogueVersion, lines.map((l) => l.medListCodg));
  const policy = pickPolicy(policyCandidates(db, admission.insutype, Number(dischargedOn.slice(0, 4))), { insuredRegion: person.insuplcAdmdvs, insutype: admission.insutype, dischargedOn });
  const warnings: string[] = [];
  if (!policy) {
    // A real platform never hands out the insured regions' parameters (DOMAIN §6): the desk shows what it knows.
    warnings.push(`本机没有参保地 ${person.insuplcAdmdvs} 险种 ${admission.insutype} ${dischargedOn.slice(0, 4)} 年度的政策参数：只显示就医地拆分，基金支付须由参保地计算（结算以参保地结果为准，001 规程 第二十七条）`);
  }
  const group = settleGroupOf(admission.grp);
  if (group === 'unregistered') warnings.push(`该人员未备案（或备案类别未知：${admission.grp}），按参保地“未备案”降低支付比例计算（003 第三部分）`);
  if (admission.eligDirect === false && admission.eligMessage) warnings.push(`入院时的备案判定：${admission.eligMessage}${admission.eligRule ? `（${admission.eligRule}）` : ''}`);
  const missing = lines.filter((l) => !l.selfPay && !items.has(l.medListCodg));
  if (missing.length > 0) {
    warnings.push(`${missing.length} 条明细的医保目录编码不在当前目录（版本 ${catalogueVersion}）中，按自费计算：${missing.slice(0, 5).map((l) => `${l.feedetlSn} ${l.medListCodg}`).join('、')}${missing.length > 5 ? ' 等' : ''}`);
  }

  const cum = await yearToDate(desk, admission, person, dischargedOn, opter);
  const fees = lines.map((l) => feeForSettle({ feedetlSn: l.feedetlSn, medListCodg: l.medListCodg, name: l.name, cnt: l.cnt, pric: l.pric, amount: l.detItemFeeSumamt, selfPay: l.selfPay, item: items.get(l.medListCodg) ?? null }));
  const settleJson: SettleJsonInput | null = policy ? {
    policy: enginePolicy(policy.body),
    hospitalLevel: level,
    group,
    priorAdmissionsThisYear: cum.admissions,
    poolPaidThisYear: toText(cum.pool),
    supplementaryPaidThisYear: toText(cum.supplementary),
    civilServant: person.cvlservFlag,
    useAccount: req.useAccount,
    accountBalance: req.accountBalance,
    fees,
  } : null;
  if (req.useAccount && admission.insutype !== SCHEME.employee) warnings.push('居民医保没有个人账户，不使用个人账户支付');
  const result = settleJson ? computeSettlement(parseSettleInput(settleJson)) : null;
  const split = result ?? splitOf(lines.map((l) => engineLine({ feedetlSn: l.feedetlSn, medListCodg: l.medListCodg, name: l.name, cnt: l.cnt, pric: l.pric, amount: l.detItemFeeSumamt, selfPay: l.selfPay, item: items.get(l.medListCodg) ?? null })));
  const block = directSettlementGate(db, admission);
  return {
    admission, person, inst, scope, level, dischargedOn, policy: policy ?? null, catalogueVersion, lines, items, cum, settleJson, fees, result, block, warnings,
    split: { medfee_sumamt: split.medfee_sumamt, inscp_scp_amt: split.inscp_scp_amt, preselfpay_amt: split.preselfpay_amt, overlmt_selfpay: split.overlmt_selfpay, fulamt_ownpay_amt: split.fulamt_ownpay_amt },
  };
}

/** The split of the lines by the hospital region's catalogue (the engine's line rule), summed. */
function splitOf(lines: ReturnType<typeof engineLine>[]): HospitalSplit {
  const parts = lines.map((l) => splitLine(l));
  const total = (k: 'in' | 'pre' | 'over' | 'full'): Decimal => parts.reduce<Decimal>((acc, p) => acc.plus(p[k]), ZERO);
  const [inscp, pre, over, full] = [total('in'), total('pre'), total('over'), total('full')];
  return { medfee_sumamt: inscp.plus(pre).plus(over).plus(full), inscp_scp_amt: inscp, preselfpay_amt: pre, overlmt_selfpay: over, fulamt_ownpay_amt: full };
}

/** The estimate's amounts without parameters: the split, and the funds' share not estimated (null). */
function figuresOfSplit(s: HospitalSplit): EstimateAmounts {
  return {
    medfee_sumamt: toText(s.medfee_sumamt), inscp_scp_amt: toText(s.inscp_scp_amt), preselfpay_amt: toText(s.preselfpay_amt), overlmt_selfpay: toText(s.overlmt_selfpay), fulamt_ownpay_amt: toText(s.fulamt_ownpay_amt),
    act_pay_dedc: null, hifp_pay: null, hifob_pay: null, hifmi_pay: null, cvlserv_pay: null, fund_pay_sumamt: null, psn_part_amt: null, acct_pay: null, psn_cash_pay: null,
  };
}

export function amountsOf(r: SettleResult): SettlementAmounts {
  return {
    medfee_sumamt: toText(r.medfee_sumamt), inscp_scp_amt: toText(r.inscp_scp_amt), preselfpay_amt: toText(r.preselfpay_amt),
    overlmt_selfpay: toText(r.overlmt_selfpay), fulamt_ownpay_amt: toText(r.fulamt_ownpay_amt), act_pay_dedc: toText(r.act_pay_dedc),
    hifp_pay: toText(r.hifp_pay), hifob_pay: toText(r.hifob_pay), hifmi_pay: toText(r.hifmi_pay), cvlserv_pay: toText(r.cvlserv_pay),
    fund_pay_sumamt: toText(r.fund_pay_sumamt), psn_part_amt: toText(r.psn_part_amt), acct_pay: toText(r.acct_pay), psn_cash_pay: toText(r.psn_cash_pay),
  };
}

export function previewOf(g: Gathered): SettlementPreview {
  const r = g.result;
  const body = g.policy?.body ?? null;
  const thresholds = assistanceThresholds(body);
  return {
    admissionId: g.admission.id,
    dischargedOn: g.dischargedOn,
    policyVersion: r?.policyVersion ?? null,
    catalogueVersion: g.catalogueVersion,
    scope: g.scope,
    hospitalLevel: g.level,
    group: settleGroupOf(g.admission.grp),
    groupLabel: GROUP_LABEL[settleGroupOf(g.admission.grp)],
    cumSource: g.cum.source,
    estimate: g.cum.estimate,
    cumNote: g.cum.note,
    priorAdmissionsThisYear: g.cum.admissions,
    poolPaidThisYear: toText(g.cum.pool),
    supplementaryPaidThisYear: toText(g.cum.supplementary),
    amounts: r ? amountsOf(r) : figuresOfSplit(g.split),
    fundsEstimated: r !== null,
    policySource: g.policy?.source ? { source: g.policy.source, date: g.policy.sourceDate ?? null } : null,
    deductible: r ? toText(r.work.deductible) : null,
    funds: (r?.setldetail ?? []).map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })),
    lineCount: g.lines.length,
    // 协查 (004 第六十六条): a stay at or above the threshold is flagged for the office.
    assistance: { flagged: needsAssistanceFlag(g.split.medfee_sumamt, g.scope, body), threshold: toText(g.scope === 'cross' ? thresholds.cross : thresholds.in), rule: '004 第六十六条' },
    block: g.block,
    warnings: [...g.warnings, ...(g.cum.estimate ? [g.cum.note] : [])],
    fingerprint: fingerprintOf(g),
    agency: null,
  };
}

/**
 * 结算 at discharge (issue 14 §1, §2): the insured region computes, so the desk ASKS — one
 * transaction writes the request (the estimate as shown), the fee lines not uploaded yet (2301),
 * the discharge (2402) if the patient was still in hospital, and the 2304, all queued under the
 * person so the agency receives them after the 2401. No settlement row and no slip exist until
 * the 2304 answer does (settlement/fromAnswer.ts writes them from it). Online the clerk waits for
 * that answer (`awaitDelivery`); offline the stay is 出院待结算 and is settled when the
 * connection is back.
 */
const STALE_MESSAGE = '预结算后结算依据已变化（费用明细、本年度此前住院或撤销、待遇政策、目录、备案或出院日期），确认的金额已不是现在应结算的金额：未结算，请重新预结算核对金额后再确认';

/** How long a clerk waits for the insured region's answer before the stay is left as 结算中 (the answer is still taken when it comes). */
export const SETTLE_WAIT_MS = 20_000;

export interface SettleCommitRequest extends SettleRequest {
  dischargedOn: string;
  dscgWay: string;
  expectedTotal: string;
  fingerprint?: string;
}

/**
 * `fingerprint`: the preview the clerk confirmed (the API requires it; internal callers such as the
 * benchmark may leave it out and are then held to the total only).
 */
export async function commitSettlement(desk: ServiceContext, req: SettleCommitRequest, opter: Opter, o: { waitMs?: number; resend?: ResendOf } = {}): Promise<{ requestId: number; gathered: Gathered }> {
  const g = await gatherSettlement(desk, req, opter);
  if (g.block) throw new ServiceError('DIRECT_SETTLEMENT_BLOCKED', `不能直接结算：${g.block.reason}（${g.block.rule}）`, 'admissionId');
  if (!g.split.medfee_sumamt.eq(parseAmount(req.expectedTotal, '确认的总费用'))) {
    throw new ServiceError('FEES_CHANGED', `费用已变化：确认时总费用为 ${req.expectedTotal}，现在为 ${toText(g.split.medfee_sumamt)}，请重新预结算后再确认`, 'expectedTotal');
  }
  if (standsBesides(desk.db, g.admission.id, o.resend)) throw new ServiceError('ALREADY_SETTLED', '该住院已结算，请勿重复结算', 'admissionId');
  refusePending(desk.db, g.admission.id);
  if (fullSelfPayOf(desk.db, g.admission.id)) throw new ServiceError('ALREADY_SELF_PAID', '该住院已按全额自付办理出院，患者回参保地申请零星报销（004 第四十七条），不能再直接结算', 'admissionId');
  if (req.fingerprint !== undefined && req.fingerprint !== fingerprintOf(g)) {
    const now = g.result ? amountsOf(g.result) : null;
    throw new ServiceError('PREVIEW_STALE', `${STALE_MESSAGE}${now ? `（现在：基金支付 ${now.fund_pay_sumamt} 元，个人现金支付 ${now.psn_cash_pay} 元）` : ''}`, 'fingerprint');
  }
  const { admission: a, person: p, result: r } = g;
  const now = new Date();
  const who = { login: opter.login, name: opter.name };
  const mode = desk.connectivity.online === true ? 'online' : 'deferred';
  const requestId = desk.db.transaction((tx) => {
    // What was previewed must still hold inside the transaction.
    const current = admissionWithPerson(tx, a.id)?.admission;
    if (!current || current.status === 'cancelled') throw new ServiceError('ADMISSION_CANCELLED', '该住院登记已撤销，不能结算', 'admissionId');
    if (standsBesides(tx, a.id, o.resend)) throw new ServiceError('ALREADY_SETTLED', '该住院已结算，请勿重复结算', 'admissionId');
    const open = refusePending(tx, a.id);
    if (open?.outbox?.status === 'rejected') {
      // The insured region refused the last 2304: it is taken off the queue (kept with the reason) so this one can go.
      resolveRejected(tx, open.request.msgid, { by: opter.clerkId, note: '参保地拒绝结算后重新结算' });
    }
    if (feeLineCount(tx, a.id) !== g.lines.length) throw new ServiceError('FEES_CHANGED', '预结算后又导入了费用，请重新预结算后再确认', 'expectedTotal');
    // Another stay of the year settled or reversed while the agency was asked: the prior stays changed.
    if (historyStamp(yearHistory(tx, p.id, Number(g.dischargedOn.slice(0, 4)), a.id)) !== g.cum.local) throw new ServiceError('PREVIEW_STALE', STALE_MESSAGE, 'fingerprint');

    const region = p.insuplcAdmdvs;
    const stay = { mdtrtId: a.mdtrtId ?? '', psnNo: p.psnNo ?? '' };
    const envelopes = uploadEnvelopes(tx, g, who, now);
    const { discharging, endtime, envelope: discharge } = dischargeEnvelope(tx, who, current, p, req, now);
    if (discharge) envelopes.push(discharge);
    const useAccount = (r?.acct_pay.gt(0) ?? false) || (req.useAccount && a.insutype === SCHEME.employee);
    const settle = newEnvelope(tx, who, '2304', build2304({ ...stay, certType: a.certType, certNo: a.certNo, insutype: a.insutype }, g.split, useAccount), region, now);
    const id = insertSettlementRequest(tx, {
      admissionId: a.id, msgid: settle.msgid, mode, clerkId: opter.clerkId,
      estimate: JSON.stringify({
        amounts: r ? amountsOf(r) : figuresOfSplit(g.split),
        funds: (r?.setldetail ?? []).map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })),
        settle: g.settleJson,
        meta: {
          dischargedOn: req.dischargedOn, dscgWay: req.dscgWay, cumSource: g.cum.source, cumNote: g.cum.note, catalogueVersion: g.catalogueVersion, policyId: g.policy?.id ?? null,
          policyVersion: r?.policyVersion ?? '', scope: g.scope, insutype: a.insutype, assistanceFlag: needsAssistanceFlag(g.split.medfee_sumamt, g.scope, g.policy?.body ?? null), fingerprint: fingerprintOf(g),
        },
      } satisfies RequestEstimate),
    });
    for (const env of [...envelopes, settle]) enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey: admissionOrderKey(a.id), payload: env });
    o.resend?.inTx(tx, { id, msgid: settle.msgid });
    if (discharging) markDischarged(tx, a.id, endtime, { dscg_way: req.dscgWay, settlementRequestId: id }, opter.clerkId);
    appendAudit(tx, {
      clerkId: opter.clerkId, action: 'settlement.request', entity: 'admission', entityId: a.id,
      detail: { requestId: id, mode, medfee_sumamt: toText(g.split.medfee_sumamt), estimate: r ? { fund_pay_sumamt: toText(r.fund_pay_sumamt), psn_cash_pay: toText(r.psn_cash_pay) } : null, msgids: [...envelopes, settle].map((e) => e.msgid) },
    });
    return id;
  });
  desk.notifySync();
  if (mode === 'online') await desk.awaitDelivery(personOrderKey(p.id), o.waitMs ?? SETTLE_WAIT_MS);
  return { requestId, gathered: g };
}

/**
 * 重新结算 of a settlement the platform does not hold (electron/sync/detailResend.ts): that
 * settlement still stands on the desk until `inTx` voids it, in the same transaction that queues
 * the new request, so it does not count as "already settled" here.
 */
export interface ResendOf {
  settlementId: number;
  inTx: (tx: Tx, request: { id: number; msgid: string }) => void;
}

function standsBesides(db: Tx, admissionId: number, resend: ResendOf | undefined): boolean {
  const s = activeSettlementOf(db, admissionId);
  return s !== undefined && s.id !== resend?.settlementId;
}

/**
 * The discharge (2402, with the main diagnosis) when the patient is still in hospital. The clerk
 * gives the day; a discharge on an earlier day is recorded at its end, so no fee of that day falls after it.
 */
export function dischargeEnvelope(tx: Tx, who: { login: string; name: string }, a: AdmissionRow, p: PersonRow, req: { dischargedOn: string; dscgWay: string }, now: Date): { discharging: boolean; endtime: string; envelope: RequestEnvelope<unknown> | null } {
  const discharging = a.status === 'admitted';
  const today = todayCST(now);
  const endtime = discharging ? (req.dischargedOn === today ? dateTimeCST(now) : `${req.dischargedOn} 23:59:59`) : (a.dischargedAt ?? `${req.dischargedOn} 23:59:59`);
  const envelope = discharging
    ? newEnvelope(tx, who, '2402', build2402({ mdtrtId: a.mdtrtId ?? '', psnNo: p.psnNo ?? '' }, {
      insutype: a.insutype, endtime, deptCode: a.deptCode, deptName: a.deptName, bed: a.bed, dscgWay: req.dscgWay,
      diagCode: a.diagCode, diagName: a.diagName, doctorCode: a.doctorCode ?? '', doctorName: a.doctor,
    }), p.insuplcAdmdvs, now)
    : null;
  return { discharging, endtime, envelope };
}

/** 2301 envelopes of the lines not sent yet (recorded as uploaded in the same transaction). */
export function uploadEnvelopes(tx: Tx, g: Pick<Gathered, 'admission' | 'person' | 'lines'>, who: { login: string; name: string }, now: Date): RequestEnvelope<unknown>[] {
  const a = g.admission;
  const uploaded = uploadedFeeSns(tx, a.id);
  const toUpload = g.lines.filter((l) => !uploaded.has(l.feedetlSn));
  const stay = { mdtrtId: a.mdtrtId ?? '', psnNo: g.person.psnNo ?? '', medType: a.medType };
  return build2301s(toUpload, stay).map((body) => {
    const env = newEnvelope(tx, who, '2301', body, g.person.insuplcAdmdvs, now);
    recordFeeUploads(tx, a.id, body.feedetail.map((l) => String(l.feedetl_sn)), env.msgid);
    return env;
  });
}

/** A 2304 of this stay still on its way: a second one would settle twice. Returns the open request otherwise. */
function refusePending(db: Tx, admissionId: number): RequestState | null {
  const open = openRequestOf(db, admissionId);
  if (open?.outbox?.status === 'pending') {
    throw new ServiceError('SETTLEMENT_PENDING', `该住院的结算请求（报文 ${open.request.msgid}）已发往参保地，正在等待结果，请勿重复结算`, 'admissionId');
  }
  return open;
}

/** The stay's latest request that has no settlement yet, with its outbox state. */
export function openRequestOf(db: Tx, admissionId: number): RequestState | null {
  const r = latestRequestOf(db, admissionId);
  if (!r) return null;
  const st = requestState(db, r);
  return st.settlementId === null ? st : null;
}

/** The agency's settlement id of a settlement, from its row or the agency's stored answer. */
function agencySetlId(db: Tx, s: SettlementRow): string | null {
  if (s.setlId) return s.setlId;
  for (const res of agencyResultsOf(db, s.id)) {
    const id = readText((JSON.parse(res.body) as { setlinfo?: JsonObject }).setlinfo?.setl_id);
    if (id) return id;
  }
  return null;
}

/**
 * Reversal (结算撤销, 2305): a new record with every amount negated that points at the settlement
 * (DOMAIN §6a: never an edit or a delete). Only a supervisor (the dispatcher checks the role),
 * with a reason; a claimed or cleared one too (declared as a negative line of its own period), not while its claim is on its way.
 */
export function reverseSettlement(desk: ServiceContext, req: { settlementId: number; reason: string }, opter: Opter): number {
  return desk.db.transaction((tx) => {
    const s = findSettlement(tx, req.settlementId);
    if (!s) throw new ServiceError('NOT_FOUND', `结算记录不存在：${req.settlementId}`, 'settlementId');
    if (s.kind !== 'settlement') throw new ServiceError('NOT_A_SETTLEMENT', '撤销记录本身不能再撤销', 'settlementId');
    const done = reversalOf(tx, s.id);
    if (done) throw new ServiceError('ALREADY_REVERSED', `该结算已于 ${done.settledOn} 撤销`, 'settlementId');
    const voided = voidOf(tx, s.id);
    if (voided) throw new ServiceError('VOIDED', `该结算经明细对账确认经办机构没有，已作废并重新结算（${voided.reason}），不能再撤销`, 'settlementId');
    // Claimed or cleared: the reversal is a record of its own date, declared as a negative line in
    // the claim of its own period (issue 14 §4; CLI.md claim). Only while the claim's own 3203 /
    // 3204 is on its way is the settlement frozen — the agency's answer decides what it holds.
    const held = claimHolding(tx, s.id);
    if (held && (held.status === 'submitted' || held.status === 'withdrawing')) {
      throw new ServiceError('ALREADY_CLAIMED', `该结算所在的 ${held.setlym} 期清算申报${held.status === 'withdrawing' ? '正在撤销' : '已提交、尚待经办机构受理'}，待经办机构答复后再撤销`, 'settlementId');
    }
    const found = admissionWithPerson(tx, s.admissionId);
    if (!found) throw new ServiceError('NOT_FOUND', '结算对应的住院登记不存在', 'settlementId');
    const { admission: a, person: p } = found;
    const now = new Date();
    const env = newEnvelope(tx, { login: opter.login, name: opter.name }, '2305', build2305({ mdtrtId: a.mdtrtId ?? '', psnNo: p.psnNo ?? '' }, agencySetlId(tx, s) ?? ''), p.insuplcAdmdvs, now);
    const neg = (t: string): string => toText(new Decimal(t).negated());
    const id = insertSettlement(tx, {
      admissionId: s.admissionId, kind: 'reversal', reversalOf: s.id, basis: s.basis, settledOn: todayCST(now), setlTime: dateTimeCST(now), insutype: s.insutype, scope: s.scope,
      medfeeSumamt: neg(s.medfeeSumamt), inscpScpAmt: neg(s.inscpScpAmt), preselfpayAmt: neg(s.preselfpayAmt), overlmtSelfpay: neg(s.overlmtSelfpay),
      fulamtOwnpayAmt: neg(s.fulamtOwnpayAmt), actPayDedc: neg(s.actPayDedc), hifpPay: neg(s.hifpPay), fundPaySumamt: neg(s.fundPaySumamt),
      psnPartAmt: neg(s.psnPartAmt), acctPay: neg(s.acctPay), psnCashPay: neg(s.psnCashPay), policyVersion: s.policyVersion,
      catalogueVersion: s.catalogueVersion, estimate: s.estimate, assistanceFlag: false, msgid: env.msgid, reason: req.reason, clerkId: opter.clerkId,
      settleInput: JSON.stringify({ meta: { reverses: s.id } }),
    }, fundsOf(tx, s.id, 'local').map((f) => ({ source: 'local' as const, fundPayType: f.fundPayType, fundPayTypeName: f.fundPayTypeName, fundPayamt: neg(f.fundPayamt) })));
    enqueueMessage(tx, { msgid: env.msgid, infno: '2305', orderKey: admissionOrderKey(s.admissionId), payload: env });
    appendAudit(tx, { clerkId: opter.clerkId, action: 'settlement.reverse', entity: 'settlement', entityId: s.id, detail: { reversalId: id, reason: req.reason, msgid: env.msgid, ...(held ? { claimedIn: held.setlym, declaredIn: todayCST(now).slice(0, 7) } : {}) } });
    return id;
  });
}

/** Our amounts of a stored settlement (or reversal), including the three fund amounts kept in its fund rows. */
export function storedAmounts(db: Tx, s: SettlementRow): { amounts: Record<ComparedField, Decimal>; funds: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: Decimal }[] } {
  const funds = fundsOf(db, s.id, 'local').map((f) => ({ fund_pay_type: f.fundPayType, fund_pay_type_name: f.fundPayTypeName, fund_payamt: new Decimal(f.fundPayamt) }));
  const fund = (type: string): Decimal => funds.filter((f) => nationalFundOf(f.fund_pay_type) === type).reduce<Decimal>((acc, f) => acc.plus(f.fund_payamt), ZERO);
  const d = (t: string): Decimal => new Decimal(t);
  return {
    amounts: {
      medfee_sumamt: d(s.medfeeSumamt), inscp_scp_amt: d(s.inscpScpAmt), preselfpay_amt: d(s.preselfpayAmt), overlmt_selfpay: d(s.overlmtSelfpay),
      fulamt_ownpay_amt: d(s.fulamtOwnpayAmt), act_pay_dedc: d(s.actPayDedc), hifp_pay: d(s.hifpPay), hifob_pay: fund(FUND.employeeLarge), hifmi_pay: fund(FUND.residentSerious),
      cvlserv_pay: fund(FUND.civilServant), fund_pay_sumamt: d(s.fundPaySumamt), psn_part_amt: d(s.psnPartAmt), acct_pay: d(s.acctPay), psn_cash_pay: d(s.psnCashPay),
    },
    funds,
  };
}

/**
 * The agency's answer to a 2304 (or 2305), stored beside our computation (001 规程 第二十七条:
 * the insured region computes; DOMAIN §6: any difference is shown and kept). The totals the desk
 * can know are compared to the fen (compareWithAgency: 总费用 and its four parts, 基金支付合计,
 * 个人负担); fund rows are stored as returned and never compared by code, and an amount the
 * agency did not give is not a difference. A difference is recorded as a mismatch to resolve,
 * and neither side is changed. Runs inside the sync worker's transaction; a second delivery of the same
 * answer is ignored.
 */
export function storeAgencySettlementResult(tx: Tx, envelope: { msgid: string; infno: string }, output: JsonObject | null, errMsg: string | null = null): void {
  const s = findSettlementByMsgid(tx, envelope.msgid);
  if (!s) {
    // A 2304 asked since issue 14: the answer IS the settlement.
    const request = envelope.infno === '2304' ? requestByMsgid(tx, envelope.msgid) : undefined;
    if (!request) throw new Error(`找不到报文 ${envelope.msgid}（${envelope.infno}）对应的结算记录`);
    settlementFromAnswer(tx, request, output, errMsg);
    return;
  }
  if (agencyResultsOf(tx, s.id).length > 0) return;
  const info = readSettlement(output, errMsg);
  const ours = storedAmounts(tx, s);
  const theirs = info.setldetail.map((f) => ({ fund_pay_type: f.fundPayType, fund_pay_type_name: f.fundPayTypeName, fund_payamt: f.fundPayamt }));
  const differences = compareWithAgency(ours.amounts, info.amounts);
  const resultId = insertAgencyResult(tx, {
    settlementId: s.id,
    body: output,
    mismatch: differences,
    // Rows as returned, whatever their code; a row without a code or without an amount ("not
    // given", DOMAIN §6) is kept only in the stored answer, never as a 0.00 payment.
    funds: theirs.flatMap((f) => (f.fund_pay_type === null || f.fund_payamt === null ? [] : [{
      fundPayType: f.fund_pay_type,
      // Names as the insured region returned them (附件10 注1); a missing name falls back to 1901, then the code table.
      fundPayTypeName: f.fund_pay_type_name ?? codeLabel('fund_pay_type', f.fund_pay_type, currentDictionaries(tx), f.fund_pay_type),
      fundPayamt: toText(f.fund_payamt),
    }])),
  });
  if (info.setlId) recordSetlId(tx, s.id, info.setlId);
  if (differences.length > 0) {
    appendAudit(tx, { clerkId: null, action: 'settlement.mismatch', entity: 'settlement', entityId: s.id, detail: { resultId, fields: differences.map((d) => d.field) } });
  }
}
