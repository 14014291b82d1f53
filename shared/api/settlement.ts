// Over 400 lines: the settlement contract (fees, preview, the request and its outcome, corrections, 全额自付, regional parameters) is one API read together by the screen and the tests.
import { z } from 'zod';
import type { SettleJson } from '../settlement.ts';
import { calendarDate } from '../dates.ts';
import { invoiceNumberField } from '../invoiceNumber.ts';
import type { Difference } from '../settlementFlow.ts';
import { empty, method } from './contract.ts';

/**
 * Catalogue, fee import and settlement (DOMAIN §6, §6a, §7, §10; issue 5). Amounts are
 * two-decimal strings; the renderer formats them, never computes them.
 */

export interface FileProblem {
  row: number | null;
  column: string | null;
  message: string;
}

export interface CatalogueImportResult {
  version: string;
  items: number;
  encoding: string;
  issues: FileProblem[];
  issueCount: number;
  /** The same version was imported before with the same items: nothing changed. */
  unchanged: boolean;
}

export interface CatalogueInfo {
  current: string | null;
  versions: { version: string; items: number }[];
}

export interface FeeImportResult {
  fileName: string;
  format: 'csv' | 'json';
  encoding: string;
  rows: number;
  /** New lines stored by this import. */
  imported: number;
  /** Lines identical to lines already imported (a re-import): left as they were. */
  unchanged: number;
  /** The very same file (same SHA-256) was imported before: nothing was read or written. */
  alreadyImported: boolean;
  /** At most 500 issues, row order; `issueCount` is the total. Any issue means nothing was imported. */
  issues: FileProblem[];
  issueCount: number;
  /** The 发票号 the file named (column invono), as the stay now holds it; null when the file named none or nothing was imported. */
  invono: string | null;
}

export interface ImportProgress {
  phase: 'decode' | 'validate' | 'write' | 'done';
  done: number;
  total: number;
}

export interface AdmissionForSettlement {
  id: number;
  iptNo: string;
  psnName: string;
  /** First 6 and last 4 (ARCHITECTURE: personal data). */
  certnoMasked: string;
  insuredRegion: string;
  insuredRegionName: string;
  insutype: string;
  group: string;
  groupLabel: string;
  admittedAt: string;
  dischargedAt: string | null;
  status: 'admitted' | 'discharged' | 'cancelled';
  deptName: string;
  diagName: string;
  traumaFlag: boolean;
  thirdPartyFlag: boolean;
  feeLines: number;
  scope: 'cross' | 'in' | 'same';
  settlement: { id: number; settledOn: string; medfee_sumamt: string; psn_cash_pay: string } | null;
  /** The latest settlement request without an answer (结算中 / 出院待结算 / refused), when not settled. */
  requestStatus: 'pending' | 'unknown' | 'refused' | 'withdrawn' | null;
  requestMode: 'online' | 'deferred' | null;
  /** Discharged 全额自付 (the patient claims at home). */
  selfPaid: boolean;
  /** The stay's 发票号 (invono) as the desk holds it now (fee file or clerk), or null. */
  invono: string | null;
}

/** A stay's or visit's 发票号 (issue 15, 004 第六十六条): the current one and every row, oldest first. */
export interface InvoiceNumberView {
  invono: string | null;
  history: { id: number; invono: string; source: 'import' | 'clerk'; reason: string | null; at: string; clerkName: string | null; supersedesId: number | null }[];
}

export interface FeeLineView {
  id: number;
  sn: string;
  initSn: string | null;
  time: string;
  code: string;
  name: string;
  cnt: string;
  pric: string;
  amount: string;
  class: 'A' | 'B' | 'C';
  /** 甲 / 乙 / 丙 / 自费 / 目录外 */
  classLabel: string;
  in: string;
  pre: string;
  over: string;
  full: string;
  dept: string | null;
  doctor: string | null;
  etip: boolean;
  /** Where the agency's split of this line (2301) differs from the desk's, in words; null when it agrees or has not answered. */
  agencyDiff: string | null;
}

export interface FeeTotals {
  amount: string;
  in: string;
  pre: string;
  over: string;
  full: string;
}

export interface FeeList {
  admissionId: number;
  catalogueVersion: string | null;
  totalLines: number;
  lines: FeeLineView[];
  totals: FeeTotals;
  imports: { id: number; fileName: string; rows: number; at: string }[];
}

export interface FundRowView {
  fund_pay_type: string;
  fund_pay_type_name: string;
  fund_payamt: string;
}

/** The amounts of a settlement as the screens get them: the CLI.md settle output's, plus the three fund amounts kept in its fund rows. */
export type SettlementAmounts = Omit<SettleJson, 'setldetail' | 'policyVersion'> & { hifob_pay: string; hifmi_pay: string; cvlserv_pay: string };

/** The hospital region's split (就医地拆分): what the desk always knows of a stay (004 第三十六条(一)). */
export type SplitField = 'medfee_sumamt' | 'inscp_scp_amt' | 'preselfpay_amt' | 'overlmt_selfpay' | 'fulamt_ownpay_amt';

/**
 * The desk's estimate as the preview shows it: the split always; the funds' share only where the
 * office has the insured region's parameters (null = not estimated — it needs the agency, issue 14 §2).
 */
export type EstimateAmounts = { [K in keyof SettlementAmounts]: K extends SplitField ? string : string | null };

export interface DirectSettlementBlock {
  reason: string;
  rule: string;
}

export interface SettlementPreview {
  admissionId: number;
  dischargedOn: string;
  /** null: the office has no parameters of the insured region for this year — the split only. */
  policyVersion: string | null;
  catalogueVersion: string;
  scope: 'cross' | 'in';
  hospitalLevel: number;
  group: string;
  groupLabel: string;
  /** Year-to-date inputs: from the agency (5206) when it answered, else this desk's history (then an estimate). */
  cumSource: 'agency' | 'local';
  estimate: boolean;
  cumNote: string;
  priorAdmissionsThisYear: number;
  poolPaidThisYear: string;
  supplementaryPaidThisYear: string;
  amounts: EstimateAmounts;
  /** Whether the funds' share is estimated (the office has the insured region's parameters). */
  fundsEstimated: boolean;
  /** Where the parameters of the estimate come from (null: the demo or the desk-extension feed, or none). */
  policySource: { source: string; date: string | null } | null;
  /** 本次起付标准 */
  deductible: string | null;
  funds: FundRowView[];
  lineCount: number;
  assistance: { flagged: boolean; threshold: string; rule: string };
  block: DirectSettlementBlock | null;
  warnings: string[];
  /** Digest of every input of this computation and its amounts: the commit is refused when it no longer matches (issue 20 §2). */
  fingerprint: string;
  /** The insured region's 2303 预结算 beside the desk's estimate (issue 14 §1); null where not asked (CLI, bench). */
  agency: AgencyPreview | null;
}

/** A policy the desk holds for an insured region (the estimate's parameters), with its source and date. */
export interface RegionalPolicyView {
  id: number;
  version: string;
  insuplcAdmdvs: string;
  insutype: string;
  year: number;
  source: string | null;
  sourceDate: string | null;
  importedAt: string;
  retired: boolean;
}

/** The platform's record of a stay beside the desk's (issue 15 §4: 5303, 5204, 5203); each part answered or failed on its own. */
export interface AgencyRecordView {
  askedAt: string;
  mdtrtId: string;
  inHospital: { rows: { mdtrtId: string | null; iptNo: string | null; begntime: string | null; hospital: string | null }[]; agrees: boolean; text: string } | { error: string };
  fees: { agencyCount: number; agencyTotal: string; deskCount: number; deskTotal: string; onlyAtAgency: string[]; onlyAtDesk: string[]; differing: { sn: string; desk: string; agency: string }[] } | { error: string };
  /** null: the stay has no settlement the agency numbered. */
  settlement: { setlId: string; settlementId: number; reversedAtAgency: string | null; deskReversed: boolean; differences: Difference[] } | { error: string } | null;
  /**
   * 5205 the person's special-drug records during the stay, where the insured region uses it
   * (settings specialDrugRegions); null: not asked for this region. `thisStay`: per drug code of
   * this stay's records, the agency's amount beside the desk's uploaded lines of that code.
   */
  specialDrugs: {
    rows: { mdtrtId: string | null; hospital: string | null; code: string | null; name: string | null; cnt: string | null; amount: string | null; time: string | null }[];
    thisStay: { code: string; agency: string; desk: string; agrees: boolean }[];
  } | { error: string } | null;
}

/** A figure the agency's answer did not give, and how the desk filled it (shared/agencySettlement.ts). */
export interface DerivedField {
  field: string;
  how: string;
}

export interface AgencyPreview {
  /** false: offline, blocked, or the agency did not answer — `note` says which; the estimate stands alone. */
  available: boolean;
  note: string;
  amounts: Record<'medfee_sumamt' | 'inscp_scp_amt' | 'preselfpay_amt' | 'overlmt_selfpay' | 'fulamt_ownpay_amt' | 'act_pay_dedc' | 'hifp_pay' | 'fund_pay_sumamt' | 'psn_part_amt' | 'acct_pay' | 'psn_cash_pay', string> | null;
  /** Fund rows as the insured region returned them (codes and names its own, 004 附件10 注1). */
  funds: FundRowView[];
  derived: DerivedField[];
}

/**
 * What became of 结算 (issue 14 §1, §2): settled on the insured region's answer; still waiting
 * (online: the answer did not come in time, or the outcome is unknown and a 冲正 is under way;
 * offline: 出院待结算); or refused by the insured region, in its words.
 */
export type SettleOutcome =
  | { kind: 'settled'; settlementId: number }
  | { kind: 'pending'; requestId: number; msgid: string; mode: 'online' | 'deferred'; message: string }
  | { kind: 'refused'; requestId: number; msgid: string; message: string };

/** The 待联网结算 worklist (issue 14 §2): stays waiting for the insured region, and stays it settled while the patient was away. */
export interface SettlementWorklist {
  waiting: { admissionId: number; iptNo: string; psnName: string; request: SettlementRequestView; ageHours: number }[];
  settledLater: { settlementId: number; admissionId: number; iptNo: string; psnName: string; psn_cash_pay: string; setlTime: string; requestedAt: string }[];
}

/** A settlement asked of the insured region that has no answer yet. */
export interface SettlementRequestView {
  id: number;
  msgid: string;
  mode: 'online' | 'deferred';
  createdAt: string;
  /** pending: queued or in flight; unknown: outcome unknown, 冲正 under way; refused: the insured region said no; withdrawn: taken off the queue without an answer. */
  status: 'pending' | 'unknown' | 'refused' | 'withdrawn';
  message: string;
  /** The desk's estimate shown when it was asked (估算, never a slip); null where it had no parameters. */
  estimate: { medfee_sumamt: string; fund_pay_sumamt: string | null; psn_cash_pay: string | null };
}

export interface AgencyResultView {
  id: number;
  receivedAt: string;
  setlId: string | null;
  amounts: Partial<SettlementAmounts>;
  funds: FundRowView[];
  mismatch: Difference[] | null;
  resolvedAt: string | null;
  resolvedBy: number | null;
  resolutionNote: string | null;
}

export interface SettlementView {
  id: number;
  kind: 'settlement' | 'reversal';
  reversalOf: number | null;
  settledOn: string;
  setlTime: string;
  msgid: string;
  scope: 'cross' | 'in';
  amounts: SettlementAmounts;
  funds: FundRowView[];
  policyVersion: string;
  catalogueVersion: string;
  estimate: boolean;
  assistanceFlag: boolean;
  reason: string | null;
  agency: AgencyResultView[];
  reversedBy: number | null;
  /** 重新结算: the platform did not hold it (3202), it no longer stands; a new settlement replaces it. */
  voided: { reason: string; at: string; requestId: number | null } | null;
  claimed: boolean;
  prints: number;
  /** agency: the insured region's 2304 answer (what the patient paid against); desk: the desk's engine (settlements before issue 14). */
  basis: 'desk' | 'agency';
  setlId: string | null;
  /** Figures the answer did not give, and how they were filled. */
  derived: DerivedField[];
  /** For an agency-basis settlement: the desk's estimate when it was asked (shown beside, labelled 估算). */
  estimateAmounts: { fund_pay_sumamt: string | null; psn_cash_pay: string | null } | null;
}

export interface SettlementState {
  admission: AdmissionForSettlement;
  settlements: SettlementView[];
  active: SettlementView | null;
  /** The latest request without an answer (结算中 / 出院待结算 / refused), when there is no active settlement. */
  request: SettlementRequestView | null;
  /** Discharged 全额自付: the deadlines, and whether the details and diagnosis have all reached the agency. */
  selfPay: { paidOn: string; uploadBy: string; claimBy: string; reason: string; medfee_sumamt: string; uploaded: boolean; rules: { upload: string; claim: string } } | null;
}

export interface SlipDocument {
  settlementId: number;
  fileName: string;
  pdfBase64: string;
  reprint: boolean;
  /** How many times it has been printed, this one included. */
  printCount: number;
}

export interface MismatchEntry {
  resultId: number;
  settlementId: number;
  admissionId: number;
  iptNo: string;
  psnName: string;
  receivedAt: string;
  differences: Difference[];
}

export interface AssistanceEntry {
  settlementId: number;
  admissionId: number;
  iptNo: string;
  psnName: string;
  certnoMasked: string;
  scope: 'cross' | 'in';
  medfee_sumamt: string;
  settledOn: string;
  admittedAt: string;
  dischargedAt: string | null;
}

const id = (label: string) => z.number({ error: `请选择${label}` }).int().positive();
const date = calendarDate;
const amount = z.string().regex(/^\d+(\.\d{1,2})?$/, '金额应为最多两位小数的非负数');
const file = {
  fileName: z.string().trim().min(1, '缺少文件名').max(200),
  contentBase64: z.string().min(1, '文件为空'),
};

export const settlementApi = {
  'catalogue.import': method<CatalogueImportResult>()(z.strictObject({ ...file, version: z.string().trim().min(1, '请填写目录版本号').max(40) }), 'supervisor'),
  'catalogue.info': method<CatalogueInfo>()(empty, 'clerk'),
  // A large file arrives first as an upload (issue 21 point 5) and is named here by its id.
  'fees.import': method<FeeImportResult>()(z.strictObject({
    admissionId: id('住院登记'),
    fileName: file.fileName,
    contentBase64: file.contentBase64.optional(),
    uploadId: z.string().min(1).max(64).optional(),
    progressKey: z.string().max(64).optional(),
  }).refine((v) => (v.contentBase64 === undefined) !== (v.uploadId === undefined), { message: '请提供文件内容（文件内容或上传文件，二者取一）', path: ['contentBase64'] }), 'clerk'),
  'fees.importProgress': method<{ progress: ImportProgress | null }>()(z.strictObject({ progressKey: z.string().min(1).max(64) }), 'clerk'),
  'fees.list': method<FeeList>()(z.strictObject({ admissionId: id('住院登记'), limit: z.number().int().min(1).max(100_000).default(2000) }), 'clerk'),
  'settlement.admissions': method<AdmissionForSettlement[]>()(z.strictObject({ query: z.string().trim().max(40).default('') }), 'clerk'),
  'settlement.state': method<SettlementState>()(z.strictObject({ admissionId: id('住院登记') }), 'clerk'),
  'settlement.worklist': method<SettlementWorklist>()(z.strictObject({}), 'clerk'),
  'settlement.preview': method<SettlementPreview>()(z.strictObject({
    admissionId: id('住院登记'),
    dischargedOn: date.optional(),
    useAccount: z.boolean().default(false),
    accountBalance: amount.default('0.00'),
  }), 'clerk'),
  'settlement.commit': method<{ settlementId: number | null; outcome: SettleOutcome; preview: SettlementPreview; state: SettlementState }>()(z.strictObject({
    admissionId: id('住院登记'),
    dischargedOn: date,
    dscgWay: z.enum(['1', '2', '3', '4', '5', '9']).default('1'),
    useAccount: z.boolean().default(false),
    accountBalance: amount.default('0.00'),
    /** The 总费用 the clerk confirmed on the preview: a different total means the fees changed since. */
    expectedTotal: amount,
    /** The preview the clerk confirmed: a different fingerprint means the amounts it showed are stale. */
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/, '请先预结算（缺少预结算校验码）'),
  }), 'clerk'),
  'settlement.reverse': method<{ reversalId: number; state: SettlementState }>()(z.strictObject({
    settlementId: id('结算记录'),
    reason: z.string().trim().min(2, '请填写撤销原因').max(200),
  }), 'supervisor'),
  'settlement.resolveMismatch': method<{ resultId: number; state: SettlementState }>()(z.strictObject({
    resultId: id('经办机构结算结果'),
    note: z.string().trim().min(2, '请填写处理说明').max(500),
  }), 'supervisor'),
  'settlement.slipPdf': method<SlipDocument>()(z.strictObject({ settlementId: id('结算记录') }), 'clerk'),
  /** 全额自付 (issue 14 §2): the patient pays in full and claims at home; the details and diagnosis still go up. */
  'settlement.selfPay': method<{ state: SettlementState }>()(z.strictObject({
    admissionId: id('住院登记'),
    dischargedOn: date,
    dscgWay: z.enum(['1', '2', '3', '4', '5', '9']).default('1'),
    reason: z.string().trim().min(2, '请填写未直接结算的原因').max(200),
  }), 'clerk'),
  /** 费用明细撤销 (2302, issue 14 §4): some uploaded lines by serial, or all of them (an empty list). */
  'fees.withdraw': method<{ withdrawn: string[]; list: FeeList }>()(z.strictObject({
    admissionId: id('住院登记'),
    feedetlSns: z.array(z.string().trim().min(1).max(30)).max(5000).default([]),
    reason: z.string().trim().min(2, '请填写撤销费用明细的原因').max(200),
  }), 'supervisor'),
  /** The insured regions' parameters the desk holds (issue 14 §2), and a supervisor's import of one with its source and date. */
  'settlement.policies': method<RegionalPolicyView[]>()(empty, 'clerk'),
  /** 协查 (004 第六十六条; issue 15 §5): find the stay from what the request names, then its documents in one ZIP. */
  'settlement.findForAssistance': method<AdmissionForSettlement[]>()(z.strictObject({
    certno: z.string().trim().min(1).max(30).optional(),
    name: z.string().trim().min(1).max(30).optional(),
    iptNo: z.string().trim().min(1).max(30).optional(),
    day: date.optional(),
    total: amount.optional(),
    /** 发票号: any number the stay had (a corrected one too: the patient's paper may show it). */
    invono: invoiceNumberField.optional(),
  }), 'clerk'),
  /** 发票号 of a stay: entered, or corrected with a reason (a new row; issue 15). */
  'settlement.invoice': method<InvoiceNumberView>()(z.strictObject({ admissionId: id('住院登记') }), 'clerk'),
  'settlement.setInvoice': method<InvoiceNumberView>()(z.strictObject({
    admissionId: id('住院登记'),
    invono: invoiceNumberField,
    reason: z.string().trim().min(2, '更正原因至少 2 个字').max(200).optional(),
  }), 'clerk'),
  'settlement.assistancePack': method<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }>()(z.strictObject({ admissionId: id('住院登记') }), 'clerk'),
  /** The platform's record of the stay (5303 / 5204 / 5203) beside the desk's (issue 15 §4). */
  'settlement.agencyRecord': method<AgencyRecordView>()(z.strictObject({ admissionId: id('住院登记') }), 'clerk'),
  'settlement.importPolicy': method<RegionalPolicyView>()(z.strictObject({
    fileName: z.string().trim().min(1).max(200),
    contentBase64: z.string().min(1).max(2_000_000),
    source: z.string().trim().min(2, '请填写参数来源（如参保地经办机构文件名称）').max(100),
    sourceDate: date,
  }), 'supervisor'),
  /** 出院撤销 (2405, issue 14 §4): after a reversal, to correct and settle again. */
  'settlement.undoDischarge': method<{ state: SettlementState }>()(z.strictObject({
    admissionId: id('住院登记'),
    reason: z.string().trim().min(2, '请填写撤销出院的原因').max(200),
  }), 'supervisor'),
  'settlement.selfPayAdvicePdf': method<{ fileName: string; pdfBase64: string; pages: number }>()(z.strictObject({ admissionId: id('住院登记') }), 'clerk'),
  'settlement.mismatches': method<MismatchEntry[]>()(empty, 'clerk'),
  'settlement.assistance': method<AssistanceEntry[]>()(empty, 'clerk'),
} as const;
