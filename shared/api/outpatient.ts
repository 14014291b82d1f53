import { z } from 'zod';
import { method } from './contract.ts';
import { calendarDate } from '../dates.ts';
import { invoiceNumberField } from '../invoiceNumber.ts';
import type { PdfFile } from './admission.ts';
import type { AgencyPreview, DerivedField, FundRowView, InvoiceNumberView } from './settlement.ts';

/**
 * Outpatient direct settlement (issue 16, docs/outpatient.md): register a visit (2201 + 2203),
 * add a charge batch (2204), preview (2206 beside the desk's estimate), settle (2207, the clerk
 * waits), refund a settlement whole (2208).
 */

const id = (label: string) => z.number({ error: `请选择${label}` }).int().positive();
const amount = z.string().regex(/^\d+(\.\d{1,2})?$/, '金额应为最多两位小数的非负数');
const code = (label: string, max = 30) => z.string({ error: `请填写${label}` }).trim().min(1, `请填写${label}`).max(max, `${label}过长（最多 ${max} 个字符）`);

const diagnosis = z.strictObject({
  /** 1 西医 / 2 中医主病 / 3 中医主证 (national-interface.md diag_type). */
  diagType: z.enum(['1', '2', '3'], { error: '诊断类别应为 1 西医、2 中医主病 或 3 中医主证' }),
  code: code('诊断编码', 20),
  name: code('诊断名称', 100),
  main: z.boolean().default(false),
});

const feeLine = z.strictObject({
  feedetlSn: code('费用明细流水号'),
  medListCodg: code('医保目录编码', 50),
  medinsListCodg: code('医院项目编码', 50),
  name: code('项目名称', 100),
  cnt: z.string().regex(/^-?\d+(\.\d{1,4})?$/, '数量应为最多四位小数的数字'),
  pric: z.string().regex(/^\d+(\.\d{1,6})?$/, '单价应为最多六位小数的非负数'),
  amount: z.string().regex(/^-?\d+(\.\d{1,2})?$/, '金额应为最多两位小数的数字'),
  selfPay: z.boolean().default(false),
  feeOcurTime: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, '费用发生时间应为 yyyy-MM-dd HH:mm:ss').optional(),
});

export interface OutpatientLineView {
  chrgBchno: string;
  feedetlSn: string;
  name: string;
  medListCodg: string;
  cnt: string;
  pric: string;
  amount: string;
  /** Withdrawn with its batch (2205). */
  withdrawn: boolean;
  /** The batch is part of a settlement not refunded. */
  settled: boolean;
  /** The desk's split by the hospital region's catalogue, and the agency's (2204) where it answered. */
  split: { inscp: string; pre: string; over: string; full: string };
  agencySplit: { inscp: string | null; pre: string | null; over: string | null; full: string | null } | null;
  /** The two splits differ (fields named). */
  splitDiffers: string[];
}

export interface OutpatientSettlementView {
  id: number;
  kind: 'settlement' | 'refund';
  refunds: number | null;
  refundedBy: number | null;
  setlId: string | null;
  setlTime: string;
  /** The live monthly claim holding it (清算后: its refund needs a supervisor, 004 第四十五条), or null. */
  claim: { period: string; statusLabel: string } | null;
  /** The charge batches it settled (a refund: those of the settlement it refunds). */
  batches: string[];
  amounts: Record<'medfee_sumamt' | 'inscp_scp_amt' | 'preselfpay_amt' | 'overlmt_selfpay' | 'fulamt_ownpay_amt' | 'act_pay_dedc' | 'hifp_pay' | 'fund_pay_sumamt' | 'psn_part_amt' | 'acct_pay' | 'psn_cash_pay', string>;
  funds: FundRowView[];
  derived: DerivedField[];
  /** Voided by 重新结算 (the platform did not hold it; docs/reconciliation.md): no receipt, no refund. */
  voided: { reason: string; at: string; requestId: number | null } | null;
}

export interface OutpatientRequestView {
  id: number;
  infno: '2207' | '2208';
  msgid: string;
  /** answered: the settlement (or refund) exists; pending: on its way; refused: the agency said no (its words). */
  state: 'answered' | 'pending' | 'refused' | 'gone';
  message: string | null;
}

export interface OutpatientVisitView {
  id: number;
  otpNo: string;
  personId: number;
  psnName: string;
  certnoMasked: string;
  insuplcAdmdvs: string;
  insutype: string;
  medType: '11' | '14';
  emergency: boolean;
  diseCodg: string | null;
  diseName: string | null;
  mdtrtId: string | null;
  /** Registration state at the agency: 已挂号 once the 2201 came back. */
  registered: boolean;
  lines: OutpatientLineView[];
  /** Lines in effect not yet settled: what 结算 takes. */
  unsettledTotal: string;
  settlements: OutpatientSettlementView[];
  requests: OutpatientRequestView[];
  /** What blocks or delays the visit now, in Chinese (queue state, refusals). */
  notes: string[];
  /**
   * 全额自付 (issue 16 §7): the patient paid these batches in full and claims at home (零星报销, 004 第四十七条);
   * `uploaded` once none of the visit's messages (2201, 2203 diagnoses, 2204 details) is still queued — due by `uploadBy`.
   */
  /**
   * 门诊慢特病: the disease's limits as the 5301 answer gave them (null when it gave none), the visit's fees
   * (lines in effect), this desk's earlier settlements of the disease this year, and the limits exceeded (Chinese, with the rule).
   */
  chronicLimits: { code: string; name: string; annual: string | null; perVisit: string | null; visitFees: string; earlierThisYear: string; warnings: string[] } | null;
  selfPay: {
    paidOn: string; uploadBy: string; claimBy: string; claimByExtended: string; reason: string; medfee_sumamt: string; batches: string[];
    uploaded: boolean; queued: number; rules: { upload: string; claim: string };
  } | null;
}

export interface OutpatientEstimate {
  /** true: the desk had the insured region's outpatient terms; false: the split only, funds unknown. */
  withPolicy: boolean;
  note: string;
  amounts: OutpatientSettlementView['amounts'];
}

export interface OutpatientPreview {
  visit: OutpatientVisitView;
  estimate: OutpatientEstimate;
  agency: AgencyPreview;
}

export interface OutpatientSettleOutcome {
  visit: OutpatientVisitView;
  /** settled: the answer is the settlement (settlementId); pending: still on its way (结算中); refused: the agency's words. */
  outcome: { state: 'settled'; settlementId: number } | { state: 'pending'; message: string } | { state: 'refused'; message: string };
}

/** A visit found for a 协查 request (004 第六十六条; issue 16 §5). */
export interface OutpatientAssistanceHit {
  visitId: number;
  otpNo: string;
  psnName: string;
  certnoMasked: string;
  insuplcAdmdvs: string;
  begntime: string;
  medType: '11' | '14';
  emergency: boolean;
  settlements: number;
  refunds: number;
  selfPaid: boolean;
  /** The visit's 发票号 now, or null (issue 15). */
  invono: string | null;
}

export const outpatientApi = {
  'outpatient.register': method<OutpatientVisitView>()(z.strictObject({
    personId: id('参保人'),
    medType: z.enum(['11', '14'], { error: '医疗类别应为 11 普通门诊 或 14 门诊慢特病' }).default('11'),
    emergency: z.boolean().default(false),
    diseCodg: z.string().trim().max(30).optional(),
    diseName: z.string().trim().max(100).optional(),
    deptCode: code('科室编码'),
    deptName: code('科室名称', 50),
    doctorCode: code('医生编码'),
    doctorName: code('医生姓名', 50),
    diagnoses: z.array(diagnosis, { error: '请填写诊断' }).min(1, '请至少填写一条诊断').max(20),
  }), 'clerk'),
  'outpatient.visit': method<OutpatientVisitView>()(z.strictObject({ visitId: id('门诊就诊') }), 'clerk'),
  'outpatient.addFees': method<OutpatientVisitView>()(z.strictObject({
    visitId: id('门诊就诊'),
    lines: z.array(feeLine, { error: '请填写费用明细' }).min(1, '请至少填写一条费用明细').max(2000),
  }), 'clerk'),
  'outpatient.preview': method<OutpatientPreview>()(z.strictObject({ visitId: id('门诊就诊'), useAccount: z.boolean().default(false) }), 'clerk'),
  'outpatient.settle': method<OutpatientSettleOutcome>()(z.strictObject({
    visitId: id('门诊就诊'),
    useAccount: z.boolean().default(false),
    /** The total the clerk confirmed (the unsettled lines' total at preview). */
    expectedTotal: amount,
  }), 'clerk'),
  'outpatient.refund': method<OutpatientSettleOutcome>()(z.strictObject({
    settlementId: id('门诊结算'),
    reason: z.string().trim().min(2, '请填写退费原因').max(200),
  }), 'clerk'),
  /** Partial refund: 2208 of the settlement, 2205 of its batches, a new batch of the kept lines (2204) and its 2207. */
  'outpatient.refundLines': method<OutpatientSettleOutcome>()(z.strictObject({
    settlementId: id('门诊结算'),
    refund: z.array(z.strictObject({ chrgBchno: code('收费批次号'), feedetlSn: code('费用明细流水号') }), { error: '请选择要退费的明细' }).min(1, '请选择要退费的明细').max(2000),
    reason: z.string().trim().min(2, '请填写退费原因').max(200),
  }), 'clerk'),
  /** 全额自付 (issue 16 §7): the unsettled lines paid in full by the patient; the details still go up (2-day deadline). */
  'outpatient.selfPay': method<OutpatientVisitView>()(z.strictObject({
    visitId: id('门诊就诊'),
    reason: z.string({ error: '请填写未直接结算的原因' }).trim().min(2, '请填写未直接结算的原因').max(200, '原因过长（最多 200 个字符）'),
  }), 'clerk'),
  'outpatient.selfPayAdvicePdf': method<{ fileName: string; pdfBase64: string; pages: number }>()(z.strictObject({ visitId: id('门诊就诊') }), 'clerk'),
  /** 协查 (004 第六十六条): find the visit from what the request names (as settlement.findForAssistance for a stay), then its documents in one ZIP. */
  'outpatient.findForAssistance': method<OutpatientAssistanceHit[]>()(z.strictObject({
    certno: z.string().trim().min(1).max(30).optional(),
    name: z.string().trim().min(1).max(30).optional(),
    otpNo: z.string().trim().min(1).max(30).optional(),
    day: calendarDate.optional(),
    total: amount.optional(),
    invono: invoiceNumberField.optional(),
  }), 'clerk'),
  /** 发票号 of a visit (issue 15), as settlement.setInvoice for a stay. */
  'outpatient.invoice': method<InvoiceNumberView>()(z.strictObject({ visitId: id('门诊就诊') }), 'clerk'),
  'outpatient.setInvoice': method<InvoiceNumberView>()(z.strictObject({
    visitId: id('门诊就诊'),
    invono: invoiceNumberField,
    reason: z.string().trim().min(2, '更正原因至少 2 个字').max(200).optional(),
  }), 'clerk'),
  'outpatient.assistancePack': method<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }>()(z.strictObject({ visitId: id('门诊就诊') }), 'clerk'),
  'outpatient.receiptPdf': method<PdfFile & { reprint: boolean; printCount: number }>()(z.strictObject({
    settlementId: id('门诊结算'),
    format: z.enum(['a4', '80mm'], { error: '打印格式应为 a4 或 80mm' }).default('a4'),
  }), 'clerk'),
} as const;
