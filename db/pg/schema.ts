// Over 400 lines: every table of db/schema.ts in one file, as drizzle-kit reads it for the pg dialect.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, numeric, pgTable, primaryKey, text, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * The office store (issue 18): the PostgreSQL dialect of db/schema.ts — same tables, same column
 * names, same nullability and defaults; test/unit/pgSchemaParity.test.ts fails when they drift.
 * What a column means is documented once, in db/schema.ts.
 *
 * Dialect choices, and why:
 * - Money (the `money()` columns of db/schema.ts) is numeric(18,2): exact decimal arithmetic in
 *   SQL (SUM for reconciliation and the move-verification totals) with no floating point; the
 *   driver hands it back as a string ('12.30', always two decimals, as the SQLite text column
 *   holds it), so repositories give decimal.js the same input on both stores. numeric rounds a
 *   value with more than two decimals on insert, which the SQLite text would keep: writers
 *   already store `toFixed(2)` strings (shared/money.ts), so nothing is rounded in practice.
 *   Amounts kept "as returned" by the agency (fee_line_splits, paid_amount, pric…) stay text on
 *   both, so the agency's own spelling is kept.
 * - Times stay ISO-8601 text in UTC with milliseconds, the format SQLite writes, so both stores
 *   compare and sort the same strings and a desk's rows move across unchanged.
 * - SQLite's 0/1 boolean-mode integers are boolean; JSON bodies stay text (kept verbatim).
 * - Ids are identity columns "by default", so a desk's rows can move with their ids (the move
 *   must then set each identity past the largest id).
 */
const now = sql`(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
const money = (name: string) => numeric(name, { precision: 18, scale: 2 }).notNull().default('0.00');

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

export const institution = pgTable('institution', {
  id: integer('id').primaryKey(),
  fixmedinsCode: text('fixmedins_code').notNull(),
  fixmedinsName: text('fixmedins_name').notNull(),
  level: integer('level').notNull(),
  admdvs: text('admdvs').notNull(),
  networked: boolean('networked').notNull().default(true),
  provinceName: text('province_name').notNull(),
  regionName: text('region_name').notNull(),
});

export const clerks = pgTable('clerks', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  login: text('login').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['clerk', 'supervisor'] }).notNull(),
  passwordHash: text('password_hash').notNull(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: text('locked_until'),
  active: boolean('active').notNull().default(true),
  createdAt: text('created_at').notNull().default(now),
});

export const auditLog = pgTable('audit_log', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  at: text('at').notNull().default(now),
  clerkId: integer('clerk_id').references(() => clerks.id),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  detail: text('detail'),
}, (t) => [index('audit_log_at').on(t.at)]);

export const persons = pgTable('persons', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  psnNo: text('psn_no'),
  certno: text('certno').notNull().unique(),
  psnName: text('psn_name').notNull(),
  gend: text('gend').notNull(),
  brdy: text('brdy').notNull(),
  insuplcAdmdvs: text('insuplc_admdvs').notNull(),
  insutype: text('insutype').notNull(),
  psnType: text('psn_type'),
  psnInsuStas: text('psn_insu_stas').notNull().default('1'),
  cvlservFlag: boolean('cvlserv_flag').notNull().default(false),
  cardNo: text('card_no'),
  confirmedAt: text('confirmed_at'),
  updatedAt: text('updated_at').notNull().default(now),
});

export const registrations = pgTable('registrations', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  agencyId: text('agency_id').notNull().unique(),
  certno: text('certno').notNull(),
  psnNo: text('psn_no'),
  psnName: text('psn_name'),
  insuplcAdmdvs: text('insuplc_admdvs').notNull(),
  grp: text('grp', { enum: ['resettledRetiree', 'longTermResident', 'postedWorker', 'referral', 'emergency', 'otherTemporary'] }).notNull(),
  basis: text('basis', { enum: ['proof', 'pledge'] }).notNull().default('proof'),
  destination: text('destination').notNull(),
  effectiveFrom: text('effective_from').notNull(),
  proofSuppliedOn: text('proof_supplied_on'),
  status: text('status', { enum: ['active', 'cancelled'] }).notNull(),
  rosterVersion: text('roster_version'),
  updatedAt: text('updated_at').notNull().default(now),
}, (t) => [index('registrations_certno').on(t.certno)]);

export const identityChecks = pgTable('identity_checks', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  personId: integer('person_id').notNull().references(() => persons.id),
  at: text('at').notNull().default(now),
  clerkId: integer('clerk_id').references(() => clerks.id),
  certType: text('mdtrt_cert_type').notNull(),
  certNo: text('mdtrt_cert_no'),
  emergency: boolean('emergency').notNull().default(false),
  online: boolean('online').notNull(),
  provisional: boolean('provisional').notNull(),
  admissionDate: text('admission_date').notNull(),
  direct: boolean('direct').notNull(),
  reason: text('reason').notNull(),
  rule: text('rule').notNull(),
  validUntil: text('valid_until'),
  message: text('message').notNull(),
  recheckOf: integer('recheck_of').references((): AnyPgColumn => identityChecks.id),
  changed: boolean('changed').notNull().default(false),
  acknowledgedAt: text('acknowledged_at'),
}, (t) => [index('identity_checks_person').on(t.personId)]);

export const admissions = pgTable('admissions', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  iptNo: text('ipt_no').notNull().unique(),
  personId: integer('person_id').notNull().references(() => persons.id),
  checkId: integer('check_id').references(() => identityChecks.id),
  mdtrtId: text('mdtrt_id'),
  insutype: text('insutype').notNull(),
  medType: text('med_type').notNull(),
  certType: text('mdtrt_cert_type').notNull(),
  certNo: text('mdtrt_cert_no').notNull(),
  grp: text('grp').notNull(),
  admittedAt: text('begntime').notNull(),
  way: text('adm_way').notNull(),
  deptCode: text('adm_dept_codg').notNull(),
  deptName: text('adm_dept_name').notNull(),
  bed: text('adm_bed').notNull(),
  diagCode: text('adm_diag_code').notNull(),
  diagName: text('adm_diag_name').notNull(),
  doctor: text('chfpdr_name').notNull(),
  doctorCode: text('atddr_no'),
  emergency: boolean('emergency').notNull().default(false),
  traumaFlag: boolean('trum_flag').notNull().default(false),
  thirdPartyFlag: boolean('rel_ttp_flag').notNull().default(false),
  eligDirect: boolean('elig_direct'),
  eligReason: text('elig_reason'),
  eligRule: text('elig_rule'),
  eligMessage: text('elig_message'),
  eligValidUntil: text('elig_valid_until'),
  status: text('status', { enum: ['admitted', 'discharged', 'cancelled'] }).notNull().default('admitted'),
  dischargedAt: text('endtime'),
  createdBy: integer('created_by').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('admissions_person').on(t.personId)]);

export const admissionEvents = pgTable('admission_events', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  kind: text('kind', { enum: ['change', 'cancel', 'discharge', 'undoDischarge', 'recheck'] }).notNull(),
  fields: text('fields').notNull().default('{}'),
  reason: text('reason'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});

export const traumaPledges = pgTable('trauma_pledges', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  pledgerName: text('pledger_name').notNull(),
  relationship: text('relationship'),
  certType: text('cert_type').notNull(),
  certNo: text('cert_no').notNull(),
  phone: text('phone').notNull(),
  injuryTime: text('trum_time').notNull(),
  place: text('trum_site').notNull(),
  account: text('trum_rea').notNull(),
  signedAt: text('signed_at'),
  witnessClerkId: integer('witness_clerk_id').references(() => clerks.id),
  supersedesId: integer('supersedes_id').references((): AnyPgColumn => traumaPledges.id),
  createdAt: text('created_at').notNull().default(now),
});

export const outsideExamSlips = pgTable('outside_exam_slips', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  etipHospCode: text('etip_hosp_code').notNull(),
  etipHospName: text('etip_hosp_name').notNull(),
  items: text('items').notNull(),
  reason: text('reason').notNull(),
  doctor: text('doctor').notNull(),
  diagnosis: text('diagnosis').notNull().default(''),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

export const catalogueItems = pgTable('catalogue_items', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  version: text('version').notNull(),
  medListCodg: text('med_list_codg').notNull(),
  medinsListCodg: text('medins_list_codg'),
  name: text('name').notNull(),
  medChrgitmType: text('med_chrgitm_type').notNull(),
  chrgitmLv: text('chrgitm_lv').notNull(),
  selfpayProp: text('selfpay_prop').notNull().default('0'),
  pricUplmtAmt: text('pric_uplmt_amt'),
  begndate: text('begndate').notNull(),
  enddate: text('enddate'),
}, (t) => [uniqueIndex('catalogue_code_version').on(t.medListCodg, t.version), index('catalogue_medins').on(t.medinsListCodg)]);

export const policies = pgTable('policies', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  version: text('version').notNull().unique(),
  insuplcAdmdvs: text('insuplc_admdvs').notNull(),
  insutype: text('insutype').notNull(),
  year: integer('year').notNull(),
  body: text('body').notNull(),
  importedAt: text('imported_at').notNull().default(now),
  retiredAt: text('retired_at'),
  source: text('source'),
  sourceDate: text('source_date'),
  importedBy: integer('imported_by').references(() => clerks.id),
}, (t) => [index('policies_region').on(t.insuplcAdmdvs, t.insutype, t.year)]);

export const feeImports = pgTable('fee_imports', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  fileName: text('file_name').notNull(),
  sha256: text('sha256').notNull(),
  rows: integer('rows').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});

export const feeLines = pgTable('fee_lines', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  importId: integer('import_id').references(() => feeImports.id),
  feedetlSn: text('feedetl_sn').notNull(),
  initFeedetlSn: text('init_feedetl_sn'),
  feeOcurTime: text('fee_ocur_time').notNull(),
  medListCodg: text('med_list_codg').notNull(),
  medinsListCodg: text('medins_list_codg').notNull(),
  name: text('name').notNull(),
  cnt: text('cnt').notNull(),
  pric: text('pric').notNull(),
  detItemFeeSumamt: money('det_item_fee_sumamt'),
  bilgDeptCodg: text('bilg_dept_codg'),
  bilgDeptName: text('bilg_dept_name'),
  bilgDrCodg: text('bilg_dr_codg'),
  bilgDrName: text('bilg_dr_name'),
  etipFlag: boolean('etip_flag').notNull().default(false),
  etipHospCode: text('etip_hosp_code'),
  selfPay: boolean('self_pay').notNull().default(false),
}, (t) => [uniqueIndex('fee_lines_sn').on(t.admissionId, t.feedetlSn)]);

export const settlements = pgTable('settlements', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  kind: text('kind', { enum: ['settlement', 'reversal'] }).notNull(),
  reversalOf: integer('reversal_of').references((): AnyPgColumn => settlements.id),
  settledOn: text('settled_on').notNull(),
  setlTime: text('setl_time').notNull(),
  insutype: text('insutype').notNull(),
  scope: text('scope', { enum: ['cross', 'in'] }).notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  inscpScpAmt: money('inscp_scp_amt'),
  preselfpayAmt: money('preselfpay_amt'),
  overlmtSelfpay: money('overlmt_selfpay'),
  fulamtOwnpayAmt: money('fulamt_ownpay_amt'),
  actPayDedc: money('act_pay_dedc'),
  hifpPay: money('hifp_pay'),
  fundPaySumamt: money('fund_pay_sumamt'),
  psnPartAmt: money('psn_part_amt'),
  acctPay: money('acct_pay'),
  psnCashPay: money('psn_cash_pay'),
  policyVersion: text('policy_version').notNull(),
  catalogueVersion: text('catalogue_version').notNull(),
  estimate: boolean('estimate').notNull().default(false),
  assistanceFlag: boolean('assistance_flag').notNull().default(false),
  setlId: text('setl_id'),
  msgid: text('msgid').notNull().unique(),
  reason: text('reason'),
  settleInput: text('settle_input'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
  basis: text('basis', { enum: ['desk', 'agency'] }).notNull().default('desk'),
  requestId: integer('request_id').references((): AnyPgColumn => settlementRequests.id),
}, (t) => [index('settlements_on').on(t.settledOn), uniqueIndex('settlements_one_reversal').on(t.reversalOf), uniqueIndex('settlements_one_per_request').on(t.requestId)]);

export const settlementRequests = pgTable('settlement_requests', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  msgid: text('msgid').notNull().unique(),
  mode: text('mode', { enum: ['online', 'deferred'] }).notNull(),
  estimate: text('estimate').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('settlement_requests_admission').on(t.admissionId)]);

export const fullSelfPayDischarges = pgTable('full_self_pay_discharges', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id).unique(),
  paidOn: text('paid_on').notNull(),
  uploadBy: text('upload_by').notNull(),
  claimBy: text('claim_by').notNull(),
  reason: text('reason').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

export const feeUploads = pgTable('fee_uploads', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('fee_uploads_admission').on(t.admissionId, t.feedetlSn)]);

export const feeWithdrawals = pgTable('fee_withdrawals', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  reason: text('reason').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('fee_withdrawals_admission').on(t.admissionId)]);

export const feeLineSplits = pgTable('fee_line_splits', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  chrgitmLv: text('chrgitm_lv'),
  pricUplmtAmt: text('pric_uplmt_amt'),
  selfpayProp: text('selfpay_prop'),
  inscpScpAmt: text('inscp_scp_amt'),
  preselfpayAmt: text('preselfpay_amt'),
  overlmtAmt: text('overlmt_amt'),
  fulamtOwnpayAmt: text('fulamt_ownpay_amt'),
  memo: text('memo'),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('fee_line_splits_admission').on(t.admissionId, t.feedetlSn)]);

export const settlementFunds = pgTable('settlement_funds', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  source: text('source', { enum: ['local', 'agency'] }).notNull(),
  fundPayType: text('fund_pay_type').notNull(),
  fundPayTypeName: text('fund_pay_type_name').notNull(),
  fundPayamt: money('fund_payamt'),
});

export const agencySettlementResults = pgTable('agency_settlement_results', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  body: text('body').notNull(),
  mismatch: text('mismatch'),
  resolvedAt: text('resolved_at'),
  resolvedBy: integer('resolved_by').references(() => clerks.id),
  resolutionNote: text('resolution_note'),
  receivedAt: text('received_at').notNull().default(now),
});

export const slipPrints = pgTable('slip_prints', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  reprint: boolean('reprint').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
}, (t) => [index('slip_prints_settlement').on(t.settlementId)]);

export const claims = pgTable('claims', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  setlym: text('setlym').notNull(),
  insutype: text('insutype').notNull(),
  scope: text('scope', { enum: ['cross', 'in'] }).notNull(),
  psntime: integer('psntime').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  fundAppySum: money('fund_appy_sum'),
  acctPay: money('acct_pay'),
  cashPayamt: money('cash_payamt'),
  byFund: text('by_fund').notNull(),
  msgid: text('msgid').notNull().unique(),
  clrAppyEvtId: text('clr_appy_evt_id'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
  status: text('status', { enum: ['submitted', 'applied', 'accepted', 'cleared', 'withdrawing', 'withdrawn', 'refused'] }).notNull().default('submitted'),
  statusAt: text('status_at'),
  agencyMessage: text('agency_message'),
  withdrawMsgid: text('withdraw_msgid'),
  withdrawReason: text('withdraw_reason'),
  paidAmount: text('paid_amount'),
});

export const claimItems = pgTable('claim_items', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  claimId: integer('claim_id').notNull().references(() => claims.id),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  releasedAt: text('released_at'),
}, (t) => [
  index('claim_items_claim').on(t.claimId),
  uniqueIndex('claim_items_live_settlement').on(t.settlementId).where(sql`released_at IS NULL`),
]);

export const deferrals = pgTable('deferrals', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  reason: text('reason').notNull(),
  requestedOn: text('requested_on').notNull(),
  approved: boolean('approved'),
  decidedAt: text('decided_at'),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  decisionNote: text('decision_note'),
}, (t) => [index('deferrals_settlement').on(t.settlementId)]);

export const reviewDeductions = pgTable('review_deductions', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  claimId: integer('claim_id').notNull().references(() => claims.id),
  settlementId: integer('settlement_id').references(() => settlements.id),
  amount: money('amount'),
  reason: text('reason').notNull(),
  status: text('status', { enum: ['received', 'accepted', 'disputed'] }).notNull().default('received'),
  receivedAt: text('received_at').notNull().default(now),
  agencyId: text('agency_id').unique(),
  setlId: text('setl_id'),
  issuedOn: text('issued_on'),
  agencyStatus: text('agency_status', { enum: ['issued', 'revoked', 'upheld'] }).notNull().default('issued'),
  decidedOn: text('decided_on'),
  agencyMemo: text('agency_memo'),
  note: text('note'),
  answeredAt: text('answered_at'),
  answeredBy: integer('answered_by').references(() => clerks.id),
  answerMsgid: text('answer_msgid'),
});

export const outbox = pgTable('outbox', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  msgid: text('msgid').notNull().unique(),
  infno: text('infno').notNull(),
  orderKey: text('order_key').notNull(),
  payload: text('payload').notNull(),
  status: text('status', { enum: ['pending', 'rejected'] }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: text('next_attempt_at'),
  lastError: text('last_error'),
  answer: text('answer'),
  createdAt: text('created_at').notNull().default(now),
  subject: text('subject'),
  refusalRaw: text('refusal_raw'),
  wireMsgid: text('wire_msgid'),
  reversal: text('reversal'),
  renewMsgid: integer('renew_msgid').notNull().default(0),
}, (t) => [index('outbox_status').on(t.status, t.id), index('outbox_order').on(t.orderKey, t.id)]);

export const outboxResults = pgTable('outbox_results', {
  msgid: text('msgid').primaryKey(),
  infno: text('infno').notNull(),
  infcode: integer('infcode').notNull(),
  errMsg: text('err_msg'),
  output: text('output'),
  resolution: text('resolution'),
  receivedAt: text('received_at').notNull().default(now),
});

export const outboxReversals = pgTable('outbox_reversals', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  itemMsgid: text('item_msgid').notNull(),
  infno: text('infno').notNull(),
  omsgid: text('omsgid').notNull(),
  reversalMsgid: text('reversal_msgid').notNull().unique(),
  outcome: text('outcome', { enum: ['reversed', 'not-in-effect', 'refused'] }).notNull(),
  reason: text('reason').notNull(),
  errMsg: text('err_msg'),
  nextMsgid: text('next_msgid'),
  at: text('at').notNull().default(now),
}, (t) => [index('outbox_reversals_item').on(t.itemMsgid)]);

export const outboxResends = pgTable('outbox_resends', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  oldMsgid: text('old_msgid').notNull(),
  newMsgid: text('new_msgid').notNull().unique(),
  infno: text('infno').notNull(),
  subject: text('subject'),
  refusal: text('refusal').notNull(),
  changes: text('changes').notNull(),
  payload: text('payload').notNull(),
  by: integer('by').notNull(),
  at: text('at').notNull().default(now),
});

export const syncStaging = pgTable('sync_staging', {
  name: text('name').notNull(),
  seq: integer('seq').notNull(),
  items: text('items').notNull(),
}, (t) => [primaryKey({ columns: [t.name, t.seq] })]);

export const syncCursors = pgTable('sync_cursors', {
  name: text('name').primaryKey(),
  cursor: text('cursor'),
  state: text('state').notNull().default('idle'),
  staging: text('staging'),
  updatedAt: text('updated_at').notNull().default(now),
});

export const reconciliationRuns = pgTable('reconciliation_runs', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  day: text('day').notNull(),
  insutype: text('insutype').notNull(),
  localCount: integer('local_count').notNull(),
  localMedfee: money('local_medfee'),
  localFund: money('local_fund'),
  localAcct: money('local_acct'),
  stmtRslt: text('stmt_rslt'),
  stmtRsltDscr: text('stmt_rslt_dscr'),
  differences: text('differences'),
  at: text('at').notNull().default(now),
});

export const reconciliationDetails = pgTable('reconciliation_details', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  day: text('day').notNull(),
  msgid: text('msgid'),
  uploadFileQuryNo: text('upload_file_qury_no'),
  resultFileQuryNo: text('result_file_qury_no'),
  sentCount: integer('sent_count').notNull(),
  matched: integer('matched').notNull().default(0),
  differences: text('differences').notNull().default('[]'),
  error: text('error'),
  trigger: text('trigger', { enum: ['unbalanced', 'request'] }).notNull(),
  at: text('at').notNull().default(now),
}, (t) => [index('reconciliation_details_day').on(t.day)]);

export const reconciliationResolutions = pgTable('reconciliation_resolutions', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  detailId: integer('detail_id').notNull().references(() => reconciliationDetails.id),
  setlId: text('setl_id').notNull(),
  action: text('action', { enum: ['reversal', 'note'] }).notNull(),
  msgid: text('msgid'),
  omsgid: text('omsgid'),
  outcome: text('outcome', { enum: ['reversed', 'not-in-effect', 'refused', 'unknown'] }),
  errMsg: text('err_msg'),
  note: text('note'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
}, (t) => [index('reconciliation_resolutions_detail').on(t.detailId)]);

export const medinsItemMatches = pgTable('medins_item_matches', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  version: text('version').notNull(),
  medinsListCodg: text('medins_list_codg').notNull(),
  medinsListName: text('medins_list_name'),
  medListCodg: text('med_list_codg').notNull(),
  begndate: text('begndate').notNull(),
  enddate: text('enddate'),
}, (t) => [index('medins_item_matches_code').on(t.version, t.medinsListCodg)]);

export const dictionaryEntries = pgTable('dictionary_entries', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  version: text('version').notNull(),
  type: text('type').notNull(),
  value: text('value').notNull(),
  label: text('label').notNull(),
}, (t) => [uniqueIndex('dictionary_entries_key').on(t.version, t.type, t.value)]);


// Outpatient direct settlement (issue 16): the tables of db/schema.ts, documented there.
export const outpatientVisits = pgTable('outpatient_visits', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  personId: integer('person_id').notNull().references(() => persons.id),
  otpNo: text('otp_no').notNull().unique(),
  insutype: text('insutype').notNull(),
  certType: text('cert_type').notNull(),
  certNo: text('cert_no').notNull(),
  medType: text('med_type', { enum: ['11', '14'] }).notNull(),
  emergency: boolean('emergency').notNull().default(false),
  diseCodg: text('dise_codg'),
  diseName: text('dise_name'),
  deptCode: text('dept_code').notNull(),
  deptName: text('dept_name').notNull(),
  doctorCode: text('doctor_code').notNull(),
  doctorName: text('doctor_name').notNull(),
  begntime: text('begntime').notNull(),
  diagnoses: text('diagnoses').notNull(),
  mdtrtId: text('mdtrt_id'),
  registerMsgid: text('register_msgid').notNull(),
  chronicLimits: text('chronic_limits'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_visits_person').on(t.personId)]);
export const outpatientFeeLines = pgTable('outpatient_fee_lines', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  chrgBchno: text('chrg_bchno').notNull(),
  feedetlSn: text('feedetl_sn').notNull(),
  feeOcurTime: text('fee_ocur_time').notNull(),
  medListCodg: text('med_list_codg').notNull(),
  medinsListCodg: text('medins_list_codg').notNull(),
  name: text('name').notNull(),
  cnt: text('cnt').notNull(),
  pric: text('pric').notNull(),
  detItemFeeSumamt: money('det_item_fee_sumamt'),
  selfPay: boolean('self_pay').notNull().default(false),
  bilgDeptCodg: text('bilg_dept_codg'),
  bilgDeptName: text('bilg_dept_name'),
  bilgDrCodg: text('bilg_dr_codg'),
  bilgDrName: text('bilg_dr_name'),
  uploadMsgid: text('upload_msgid').notNull(),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [uniqueIndex('outpatient_fee_lines_batch_sn').on(t.visitId, t.chrgBchno, t.feedetlSn)]);
export const outpatientBatchWithdrawals = pgTable('outpatient_batch_withdrawals', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  chrgBchno: text('chrg_bchno').notNull(),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_batch_withdrawals_visit').on(t.visitId)]);
export const outpatientFeeSplits = pgTable('outpatient_fee_splits', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  inscpScpAmt: text('inscp_scp_amt'),
  preselfpayAmt: text('preselfpay_amt'),
  overlmtAmt: text('overlmt_amt'),
  fulamtOwnpayAmt: text('fulamt_ownpay_amt'),
  chrgitmLv: text('chrgitm_lv'),
  memo: text('memo'),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_fee_splits_visit').on(t.visitId, t.msgid)]);
export const outpatientRequests = pgTable('outpatient_requests', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  infno: text('infno', { enum: ['2207', '2208'] }).notNull(),
  msgid: text('msgid').notNull().unique(),
  mode: text('mode', { enum: ['online', 'deferred'] }).notNull(),
  batches: text('batches').notNull().default('[]'),
  estimate: text('estimate').notNull().default('{}'),
  refunds: integer('refunds').references((): AnyPgColumn => outpatientSettlements.id),
  reason: text('reason'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_requests_visit').on(t.visitId)]);
export const outpatientSettlements = pgTable('outpatient_settlements', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  requestId: integer('request_id').notNull().references((): AnyPgColumn => outpatientRequests.id).unique(),
  kind: text('kind', { enum: ['settlement', 'refund'] }).notNull(),
  refunds: integer('refunds').references((): AnyPgColumn => outpatientSettlements.id),
  setlId: text('setl_id'),
  setlTime: text('setl_time').notNull(),
  settledOn: text('settled_on').notNull(),
  insutype: text('insutype').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  inscpScpAmt: money('inscp_scp_amt'),
  preselfpayAmt: money('preselfpay_amt'),
  overlmtSelfpay: money('overlmt_selfpay'),
  fulamtOwnpayAmt: money('fulamt_ownpay_amt'),
  actPayDedc: money('act_pay_dedc'),
  hifpPay: money('hifp_pay'),
  fundPaySumamt: money('fund_pay_sumamt'),
  psnPartAmt: money('psn_part_amt'),
  acctPay: money('acct_pay'),
  psnCashPay: money('psn_cash_pay'),
  funds: text('funds').notNull(),
  derived: text('derived').notNull().default('[]'),
  answer: text('answer').notNull(),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_settlements_visit').on(t.visitId)]);

/** A visit paid 全额自付 (issue 16 §7; db/schema.ts). */
export const outpatientFullSelfPays = pgTable('outpatient_full_self_pays', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id).unique(),
  paidOn: text('paid_on').notNull(),
  uploadBy: text('upload_by').notNull(),
  claimBy: text('claim_by').notNull(),
  reason: text('reason').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  batches: text('batches').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

