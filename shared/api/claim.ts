import { z } from 'zod';
import type { ClaimCalendar, ClaimReason, DueNotice } from '../claim.ts';
import type { National3203Input } from '../agency/claim.ts';
import type { TableKind } from '../claimTables.ts';
import { method } from './contract.ts';

/**
 * The monthly claim screen (清算申报, DOMAIN §9, issue 7): overview of a period, the preview as
 * the engine builds it, submission and withdrawal (supervisor), deferral requests, review
 * deductions with accept / dispute, the clearing download, tables and the monthly chart.
 */

export type ClaimState = 'submitted' | 'applied' | 'accepted' | 'cleared' | 'withdrawing' | 'withdrawn' | 'refused';

export interface ClaimPolicyView {
  claimWindowEndDay: number;
  maxDeferralMonths: number;
  reviewCutoffDay: number;
  confirmationDay: number;
}

/** A settlement or reversal's claim figures, as stored (two-decimal text): what db/repos/claims.ts reads and the screen shows. */
export interface ClaimFigures {
  kind: 'settlement' | 'reversal';
  reversalOf: number | null;
  settledOn: string;
  insutype: string;
  scope: 'cross' | 'in';
  medfee: string;
  fund: string;
  acct: string;
  cash: string;
  setlId: string | null;
}

export interface ClaimItemView extends ClaimFigures {
  /** Engine id: a visit's settlement is −(its outpatient settlement id). */
  settlementId: number;
  /** 清算类别: 11 a visit's settlement or refund, 21 a stay's. */
  clrType: '11' | '21';
  iptNo: string;
  psnName: string;
  reason: ClaimReason;
  reasonLabel: string;
  deferral: { requestedOn: string; state: 'pending' | 'approved' | 'refused' } | null;
  /** A deferral may still be requested (its own window not closed, none pending or approved). */
  canDefer: boolean;
  /** The last day a deferral of it may be requested: its own window's last day. */
  deferUntil: string;
}

export interface ClaimLineView {
  scheme: string;
  schemeLabel: string;
  scope: 'cross' | 'in';
  scopeLabel: string;
  /** 清算类别: 21 住院, 11 门诊 (门诊慢特病 included). */
  clrType: '11' | '21';
  clrTypeLabel: string;
  /** Engine ids: a visit's settlement is −(its outpatient settlement id), docs/claim.md "Visits". */
  settlementIds: number[];
  psntime: number;
  medfee_sumamt: string;
  fund_appy_sum: string;
  acct_pay: string;
  cash_payamt: string;
  byFund: { fund_pay_type: string; name: string; amount: string }[];
  /** The national 3203 data the line is sent as. */
  national: National3203Input;
  /** A live claim of the same period × scheme × scope × 清算类别: submission is refused while it stands. */
  conflictsWith: number | null;
}

export interface ClaimPreview {
  period: string;
  today: string;
  windowOpen: boolean;
  windowOpens: string;
  windowCloses: string;
  lines: ClaimLineView[];
  /** The first items of the claim (all of them are in the detail list export). */
  items: ClaimItemView[];
  itemCount: number;
  /** Earlier items that can no longer be declared: borne by the hospital (004 第四十九条). */
  lapsed: ClaimItemView[];
  lapsedCount: number;
  /** Items of the period the office asked to defer (pending or approved): left out of this claim. */
  deferred: ClaimItemView[];
  deferredCount: number;
  warnings: string[];
  unconfirmed: number;
  /** Submit with this: the service refuses when the claim changed since the preview. */
  fingerprint: string;
  canSubmit: boolean;
  blockers: string[];
}

export interface SubmittedClaim {
  id: number;
  period: string;
  insutype: string;
  schemeLabel: string;
  scope: 'cross' | 'in';
  scopeLabel: string;
  clrType: '11' | '21';
  clrTypeLabel: string;
  status: ClaimState;
  statusLabel: string;
  psntime: number;
  medfee_sumamt: string;
  fund_appy_sum: string;
  acct_pay: string;
  cash_payamt: string;
  /** 申请金额 of 附件11: funds + personal accounts. */
  applied: string;
  deducted: string;
  /** 实付金额: as the agency cleared it, else applied − deducted. */
  paid: string;
  paidByAgency: boolean;
  itemCount: number;
  msgid: string;
  clrAppyEvtId: string | null;
  createdAt: string;
  clerkName: string | null;
  agencyMessage: string | null;
  withdrawReason: string | null;
  /** Its 3203 (or 3204) is still in the outbox: pending, or refused and parked. */
  outbox: 'pending' | 'rejected' | null;
  canWithdraw: boolean;
}

export interface ClaimOverview {
  period: string;
  today: string;
  policy: ClaimPolicyView;
  calendar: ClaimCalendar;
  windowOpen: boolean;
  windowDaysLeft: number | null;
  notices: DueNotice[];
  claims: SubmittedClaim[];
  declared: { count: number; medfee: string; fund: string };
  preview: ClaimPreview;
  /** Loud: the window's last day with items not declared yet. */
  lastDayAlarm: string | null;
  unansweredDeductions: number;
  /** When the agency's clearing decisions were last fetched (background or 获取审核结果), null if never. */
  clearingFetchedAt: string | null;
}

export interface DeferralItem {
  /** A visit's request negative (outpatient_deferrals), as its settlementId (docs/claim.md "Visits"). */
  id: number;
  settlementId: number;
  settledOn: string;
  period: string;
  iptNo: string;
  psnName: string;
  schemeLabel: string;
  scopeLabel: string;
  medfee: string;
  reason: string;
  requestedOn: string;
  state: 'pending' | 'approved' | 'refused';
  stateLabel: string;
  decidedAt: string | null;
  decisionNote: string | null;
  claimedIn: string | null;
  /** The last period it may be declared in (004 第四十九条: at most 2 months late). */
  lastPeriod: string;
  clerkName: string | null;
}

export interface ReviewDeduction {
  id: number;
  /** The agency's id of the deduction. */
  ddnId: string | null;
  claimId: number;
  period: string;
  schemeLabel: string;
  scopeLabel: string;
  clrAppyEvtId: string | null;
  settlementId: number | null;
  setlId: string | null;
  settledOn: string | null;
  iptNo: string | null;
  psnName: string | null;
  amount: string;
  reason: string;
  issuedOn: string | null;
  status: 'received' | 'accepted' | 'disputed';
  statusLabel: string;
  revoked: boolean;
  /** What the agency decided after a dispute: revoked (agreed), upheld, or still issued. */
  agencyStatus: 'issued' | 'revoked' | 'upheld';
  decidedOn: string | null;
  agencyMemo: string | null;
  /** Which period the deduction (and an agreed dispute) counts in, with 004 第五十条 (shared/reviewDisputes.ts). */
  outcome: 'stands' | 'revoked' | 'open' | 'carried' | 'refundNext' | 'expired';
  outcomeLabel: string;
  /** Counted in its own period's 审核扣款. */
  deductedInOwn: boolean;
  note: string | null;
  answeredAt: string | null;
  answeredByName: string | null;
  answerPending: boolean;
}

export interface MonthFigure {
  month: string;
  funds: { fundPayType: string; name: string; amount: string }[];
  total: string;
  discharged: number;
  direct: number;
  /** Direct-settlement share in percent (one decimal), null without discharges. */
  share: string | null;
}

export interface ClaimExportFile {
  fileName: string;
  mime: string;
  base64: string;
  preview: boolean;
  total: string[];
  rows: number;
}

export interface ClearingRefresh {
  status: 'applied' | 'interrupted' | 'invalid' | 'held';
  applied: number;
  completedAt: string | null;
  error: string | null;
}

const period = z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '清算期应为 YYYY-MM 格式的年月');
const id = (label: string) => z.number({ error: `${label}应为数字` }).int().positive();
/** A claim item's id: a stay's settlement positive, a visit's negative (db/repos/outpatientClaims.ts). */
const engineId = (label: string) => z.number({ error: `${label}应为数字` }).int().refine((x) => x !== 0, `${label}无效`);
const note = (label: string, max = 500) => z.string().trim().min(1, `请填写${label}`).max(max, `${label}最多 ${max} 字`);
const TABLES = ['hospital', 'employees', 'residents', 'detail'] as const satisfies readonly TableKind[];

export const claimApi = {
  'claim.overview': method<ClaimOverview>()(z.strictObject({ period: period.optional() }), 'clerk'),
  'claim.preview': method<ClaimPreview>()(z.strictObject({ period }), 'clerk'),
  'claim.submit': method<{ claimIds: number[]; claims: SubmittedClaim[] }>()(z.strictObject({ period, fingerprint: z.string().min(1, '请先预览申报内容') }), 'supervisor'),
  'claim.withdraw': method<SubmittedClaim>()(z.strictObject({ claimId: id('申报编号'), reason: note('撤销原因', 200) }), 'supervisor'),
  'claim.refresh': method<ClearingRefresh>()(z.strictObject({}), 'clerk'),
  'claim.export': method<ClaimExportFile>()(z.strictObject({ period, table: z.enum(TABLES, { error: '报表应为 hospital、employees、residents 或 detail' }), format: z.enum(['pdf', 'xlsx'], { error: '格式应为 pdf 或 xlsx' }) }), 'clerk'),
  'claim.history': method<{ months: MonthFigure[]; target: number }>()(z.strictObject({ months: z.number().int().min(1).max(36).default(12) }), 'clerk'),
  // settlementId as the claim lists it: a visit's settlement negative (docs/claim.md "Visits").
  'deferral.request': method<{ deferralId: number; requestedOn: string }>()(z.strictObject({ settlementId: engineId('结算编号'), reason: note('延期原因') }), 'clerk'),
  'deferral.list': method<DeferralItem[]>()(z.strictObject({ period: period.optional() }), 'clerk'),
  'review.list': method<ReviewDeduction[]>()(z.strictObject({ period: period.optional() }), 'clerk'),
  'review.accept': method<ReviewDeduction>()(z.strictObject({ deductionId: id('扣款编号'), note: z.string().trim().max(500, '说明最多 500 字').optional() }), 'supervisor'),
  'review.dispute': method<ReviewDeduction>()(z.strictObject({ deductionId: id('扣款编号'), note: note('异议说明') }), 'supervisor'),
} as const;
