// Over 400 lines: the whole schema in one file, as drizzle-kit reads it to generate migrations.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { markMoney } from './columnKinds.ts';

/**
 * The desk's local store. Money is TEXT with exactly two decimals (ARCHITECTURE: money);
 * national field names are used where a column has one. Rows that left the desk are never
 * updated in their business columns: corrections, reversals and deductions are new rows.
 */
const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
// Marked so the office store's tables (db/pg/derive.ts) make it numeric(18,2).
const money = (name: string) => markMoney(text(name).notNull().default('0.00'));

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull().default(now),
});

export const institution = sqliteTable('institution', {
  id: integer('id').primaryKey(),
  fixmedinsCode: text('fixmedins_code').notNull(),
  fixmedinsName: text('fixmedins_name').notNull(),
  level: integer('level').notNull(),
  admdvs: text('admdvs').notNull(),
  networked: integer('networked', { mode: 'boolean' }).notNull().default(true),
  provinceName: text('province_name').notNull(),
  regionName: text('region_name').notNull(),
});

export const clerks = sqliteTable('clerks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  login: text('login').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['clerk', 'supervisor'] }).notNull(),
  passwordHash: text('password_hash').notNull(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: text('locked_until'),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  createdAt: text('created_at').notNull().default(now),
});

export const auditLog = sqliteTable('audit_log', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: text('at').notNull().default(now),
  clerkId: integer('clerk_id').references(() => clerks.id),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  detail: text('detail'),
}, (t) => [index('audit_log_at').on(t.at)]);

export const persons = sqliteTable('persons', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  psnNo: text('psn_no'),
  certno: text('certno').notNull().unique(),
  psnName: text('psn_name').notNull(),
  gend: text('gend').notNull(),
  brdy: text('brdy').notNull(),
  insuplcAdmdvs: text('insuplc_admdvs').notNull(),
  insutype: text('insutype').notNull(),
  psnType: text('psn_type'),
  psnInsuStas: text('psn_insu_stas').notNull().default('1'),
  cvlservFlag: integer('cvlserv_flag', { mode: 'boolean' }).notNull().default(false),
  cardNo: text('card_no'),
  confirmedAt: text('confirmed_at'),
  updatedAt: text('updated_at').notNull().default(now),
});

/** The roster of registrations (备案) to this treatment region, downloaded from the agency. */
export const registrations = sqliteTable('registrations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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

export const identityChecks = sqliteTable('identity_checks', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  personId: integer('person_id').notNull().references(() => persons.id),
  at: text('at').notNull().default(now),
  clerkId: integer('clerk_id').references(() => clerks.id),
  certType: text('mdtrt_cert_type').notNull(),
  /** The credential number sent as 1101 mdtrt_cert_no (ID or card number), so a re-check repeats the same query. */
  certNo: text('mdtrt_cert_no'),
  /** 急诊抢救 as declared at the check: part of the decision's input, repeated on re-check. */
  emergency: integer('emergency', { mode: 'boolean' }).notNull().default(false),
  online: integer('online', { mode: 'boolean' }).notNull(),
  provisional: integer('provisional', { mode: 'boolean' }).notNull(),
  admissionDate: text('admission_date').notNull(),
  direct: integer('direct', { mode: 'boolean' }).notNull(),
  reason: text('reason').notNull(),
  rule: text('rule').notNull(),
  validUntil: text('valid_until'),
  message: text('message').notNull(),
  recheckOf: integer('recheck_of').references((): AnySQLiteColumn => identityChecks.id),
  changed: integer('changed', { mode: 'boolean' }).notNull().default(false),
  acknowledgedAt: text('acknowledged_at'),
}, (t) => [index('identity_checks_person').on(t.personId)]);

export const admissions = sqliteTable('admissions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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
  /** 2401 atddr_no: the attending doctor's national code. */
  doctorCode: text('atddr_no'),
  emergency: integer('emergency', { mode: 'boolean' }).notNull().default(false),
  traumaFlag: integer('trum_flag', { mode: 'boolean' }).notNull().default(false),
  thirdPartyFlag: integer('rel_ttp_flag', { mode: 'boolean' }).notNull().default(false),
  /** The eligibility decision recorded with the admission (DOMAIN §3); a later 补办 re-check is an event. */
  eligDirect: integer('elig_direct', { mode: 'boolean' }),
  eligReason: text('elig_reason'),
  eligRule: text('elig_rule'),
  eligMessage: text('elig_message'),
  eligValidUntil: text('elig_valid_until'),
  status: text('status', { enum: ['admitted', 'discharged', 'cancelled'] }).notNull().default('admitted'),
  dischargedAt: text('endtime'),
  createdBy: integer('created_by').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('admissions_person').on(t.personId)]);

/** Changes (2403) and cancellations (2404) are events, never edits of the admission row. */
export const admissionEvents = sqliteTable('admission_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  kind: text('kind', { enum: ['change', 'cancel', 'discharge', 'undoDischarge', 'recheck'] }).notNull(),
  fields: text('fields').notNull().default('{}'),
  reason: text('reason'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});

export const traumaPledges = sqliteTable('trauma_pledges', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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
  supersedesId: integer('supersedes_id').references((): AnySQLiteColumn => traumaPledges.id),
  createdAt: text('created_at').notNull().default(now),
});

export const outsideExamSlips = sqliteTable('outside_exam_slips', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  etipHospCode: text('etip_hosp_code').notNull(),
  etipHospName: text('etip_hosp_name').notNull(),
  items: text('items').notNull(),
  reason: text('reason').notNull(),
  doctor: text('doctor').notNull(),
  /** 附件9 诊断 (the diagnosis behind the outside exam, may differ from the admission's). */
  diagnosis: text('diagnosis').notNull().default(''),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

export const catalogueItems = sqliteTable('catalogue_items', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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

/** 1317 医药机构目录匹配信息: the hospital's own item code → the national code, one whole version per download (docs/catalogue.md). */
export const medinsItemMatches = sqliteTable('medins_item_matches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  version: text('version').notNull(),
  medinsListCodg: text('medins_list_codg').notNull(),
  medinsListName: text('medins_list_name'),
  medListCodg: text('med_list_codg').notNull(),
  begndate: text('begndate').notNull(),
  enddate: text('enddate'),
}, (t) => [index('medins_item_matches_code').on(t.version, t.medinsListCodg)]);

/** 1901 字典表: the label behind every code the desk shows, one whole version per download. */
export const dictionaryEntries = sqliteTable('dictionary_entries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  version: text('version').notNull(),
  type: text('type').notNull(),
  value: text('value').notNull(),
  label: text('label').notNull(),
}, (t) => [uniqueIndex('dictionary_entries_key').on(t.version, t.type, t.value)]);

/**
 * The national catalogue files the desk keeps as code / name / validity rows (1307 疾病与诊断,
 * 1308 手术操作, …; docs/catalogue.md): one whole version per file per download, old versions
 * kept. The column order they are read in is UNVERIFIED (shared/agency/catalogues.ts LIST_LAYOUTS).
 */
export const nationalListEntries = sqliteTable('national_list_entries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  infno: text('infno').notNull(),
  version: text('version').notNull(),
  code: text('code').notNull(),
  name: text('name').notNull(),
  begndate: text('begndate').notNull(),
  enddate: text('enddate'),
}, (t) => [uniqueIndex('national_list_entries_key').on(t.infno, t.version, t.code)]);

export const policies = sqliteTable('policies', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  version: text('version').notNull().unique(),
  insuplcAdmdvs: text('insuplc_admdvs').notNull(),
  insutype: text('insutype').notNull(),
  year: integer('year').notNull(),
  body: text('body').notNull(),
  importedAt: text('imported_at').notNull().default(now),
  /** Set when the agency's policy download no longer lists this version; the row stays for settlements that used it. */
  retiredAt: text('retired_at'),
  /**
   * Where the parameters come from and as of when (issue 14 §2): a supervisor's entry or import
   * names its source (the insured region's published document, a call to its agency…); the
   * desk-extension feed and the demo leave it null (shown as such).
   */
  source: text('source'),
  sourceDate: text('source_date'),
  importedBy: integer('imported_by').references(() => clerks.id),
}, (t) => [index('policies_region').on(t.insuplcAdmdvs, t.insutype, t.year)]);

export const feeImports = sqliteTable('fee_imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  fileName: text('file_name').notNull(),
  sha256: text('sha256').notNull(),
  rows: integer('rows').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});

export const feeLines = sqliteTable('fee_lines', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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
  etipFlag: integer('etip_flag', { mode: 'boolean' }).notNull().default(false),
  etipHospCode: text('etip_hosp_code'),
  selfPay: integer('self_pay', { mode: 'boolean' }).notNull().default(false),
}, (t) => [uniqueIndex('fee_lines_sn').on(t.admissionId, t.feedetlSn)]);

export const settlements = sqliteTable('settlements', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  kind: text('kind', { enum: ['settlement', 'reversal'] }).notNull(),
  reversalOf: integer('reversal_of').references((): AnySQLiteColumn => settlements.id),
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
  estimate: integer('estimate', { mode: 'boolean' }).notNull().default(false),
  assistanceFlag: integer('assistance_flag', { mode: 'boolean' }).notNull().default(false),
  setlId: text('setl_id'),
  msgid: text('msgid').notNull().unique(),
  reason: text('reason'),
  /** The engine input it was computed from (CLI.md settle shape) and how it was gathered: the slip replays it. */
  settleInput: text('settle_input'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
  /**
   * Whose figures the row holds (issue 14): 'agency' — the insured region's 2304 answer, the
   * settlement the patient paid against (001 规程 第二十七条); 'desk' — the desk's own engine, as
   * versions before issue 14 printed them (their agency answer is stored beside, compared).
   */
  basis: text('basis', { enum: ['desk', 'agency'] }).notNull().default('desk'),
  /** The request (2304 sent) an agency-basis settlement answers. */
  requestId: integer('request_id').references((): AnySQLiteColumn => settlementRequests.id),
}, (t) => [index('settlements_on').on(t.settledOn), uniqueIndex('settlements_one_reversal').on(t.reversalOf), uniqueIndex('settlements_one_per_request').on(t.requestId)]);

/**
 * A settlement asked of the insured region (2304 in the outbox), before its answer exists. The
 * settlement row is written from the answer, in the sync transaction that receives it; until then
 * the stay is 结算中 (online, waiting) or 待联网结算 (discharged offline). Insert-only: what became
 * of it is read from the outbox item and the settlement that answers it.
 */
export const settlementRequests = sqliteTable('settlement_requests', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  /** The 2304's outbox msgid (its identity; the wire msgid may change after a 冲正). */
  msgid: text('msgid').notNull().unique(),
  mode: text('mode', { enum: ['online', 'deferred'] }).notNull(),
  /** The desk's estimate and split as shown to the clerk, and how it was gathered (JSON). */
  estimate: text('estimate').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('settlement_requests_admission').on(t.admissionId)]);

/**
 * A stay discharged 全额自付 (issue 14 §2): the patient paid in full and claims at home (零星报销,
 * 004 第四十七条); the details and diagnosis still go up within 2 days (004 第三十五条(三)).
 * Insert-only; one per stay.
 */
export const fullSelfPayDischarges = sqliteTable('full_self_pay_discharges', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id).unique(),
  paidOn: text('paid_on').notNull(),
  uploadBy: text('upload_by').notNull(),
  claimBy: text('claim_by').notNull(),
  reason: text('reason').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

/** Each fee line sent with 2301, by the msgid that carried it (the lines an upload covers, never edited). */
export const feeUploads = sqliteTable('fee_uploads', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('fee_uploads_admission').on(t.admissionId, t.feedetlSn)]);

/**
 * A 2302 withdrawal of uploaded fee lines (`0000` = every line of the stay), e.g. after the agency
 * refused a line: the lines count as not uploaded again and go up anew with the next 2301.
 * Insert-only, like fee_uploads.
 */
export const feeWithdrawals = sqliteTable('fee_withdrawals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  admissionId: integer('admission_id').notNull().references(() => admissions.id),
  feedetlSn: text('feedetl_sn').notNull(),
  msgid: text('msgid').notNull(),
  reason: text('reason').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('fee_withdrawals_admission').on(t.admissionId)]);

/**
 * The agency's split of one uploaded line (2301 output.result), as returned: `null` = not given.
 * Compared with the desk's own split from the hospital region's catalogue, never replacing it.
 */
export const feeLineSplits = sqliteTable('fee_line_splits', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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

/**
 * source 'local': the settlement row's own fund rows — what was printed (the desk engine's for
 * basis 'desk'; the insured region's rows, codes and names as returned, for basis 'agency').
 * source 'agency': the rows of an agency answer stored beside a desk-basis settlement.
 */
export const settlementFunds = sqliteTable('settlement_funds', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  source: text('source', { enum: ['local', 'agency'] }).notNull(),
  fundPayType: text('fund_pay_type').notNull(),
  fundPayTypeName: text('fund_pay_type_name').notNull(),
  fundPayamt: money('fund_payamt'),
});

/** The agency's own computation, stored beside ours; a difference is a mismatch to resolve. */
export const agencySettlementResults = sqliteTable('agency_settlement_results', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  body: text('body').notNull(),
  mismatch: text('mismatch'),
  resolvedAt: text('resolved_at'),
  resolvedBy: integer('resolved_by').references(() => clerks.id),
  resolutionNote: text('resolution_note'),
  receivedAt: text('received_at').notNull().default(now),
});

/** Every print of a settlement slip; the second and later are reprints (补打, DOMAIN §7). */
export const slipPrints = sqliteTable('slip_prints', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  reprint: integer('reprint', { mode: 'boolean' }).notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
}, (t) => [index('slip_prints_settlement').on(t.settlementId)]);

export const claims = sqliteTable('claims', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  setlym: text('setlym').notNull(),
  insutype: text('insutype').notNull(),
  scope: text('scope', { enum: ['cross', 'in'] }).notNull(),
  /** 清算类别 (national-interface.md): 21 住院 (the stays), 11 门诊 (visits, 门诊慢特病 included). */
  clrType: text('clr_type', { enum: ['11', '21'] }).notNull().default('21'),
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
  /**
   * submitted (3203 queued) → applied (clr_appy_evt_id, agency 10) → accepted (20) → cleared (50,
   * paid_amount); withdrawing (3204 queued) → withdrawn; refused (3203 refused by the agency).
   * A withdrawn or refused claim lets go of its claim_items (released_at set): the rows stay, so
   * claim_items is the one record of what every claim held.
   */
  status: text('status', { enum: ['submitted', 'applied', 'accepted', 'cleared', 'withdrawing', 'withdrawn', 'refused'] }).notNull().default('submitted'),
  statusAt: text('status_at'),
  /** The agency's refusal of the 3203 or 3204, as it said it. */
  agencyMessage: text('agency_message'),
  withdrawMsgid: text('withdraw_msgid'),
  withdrawReason: text('withdraw_reason'),
  /** 实付金额 as the agency cleared it (status cleared). */
  paidAmount: text('paid_amount'),
});

/**
 * The settlements a claim holds. A withdrawn or refused claim releases them (released_at), so
 * they can be declared again; at most one live row per settlement (the partial unique index).
 */
export const claimItems = sqliteTable('claim_items', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  claimId: integer('claim_id').notNull().references(() => claims.id),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  releasedAt: text('released_at'),
}, (t) => [
  index('claim_items_claim').on(t.claimId),
  uniqueIndex('claim_items_live_settlement').on(t.settlementId).where(sql`released_at IS NULL`),
]);

export const deferrals = sqliteTable('deferrals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  settlementId: integer('settlement_id').notNull().references(() => settlements.id),
  reason: text('reason').notNull(),
  requestedOn: text('requested_on').notNull(),
  approved: integer('approved', { mode: 'boolean' }),
  decidedAt: text('decided_at'),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  /** The agency's words with its approval or refusal. */
  decisionNote: text('decision_note'),
}, (t) => [index('deferrals_settlement').on(t.settlementId)]);

export const reviewDeductions = sqliteTable('review_deductions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  claimId: integer('claim_id').notNull().references(() => claims.id),
  settlementId: integer('settlement_id').references(() => settlements.id),
  amount: money('amount'),
  reason: text('reason').notNull(),
  status: text('status', { enum: ['received', 'accepted', 'disputed'] }).notNull().default('received'),
  receivedAt: text('received_at').notNull().default(now),
  /** The agency's id of the deduction (downloads are applied idempotently by it). */
  agencyId: text('agency_id').unique(),
  setlId: text('setl_id'),
  issuedOn: text('issued_on'),
  /** issued; revoked by the agency after a dispute it agreed to; upheld when it kept the deduction after a dispute. */
  agencyStatus: text('agency_status', { enum: ['issued', 'revoked', 'upheld'] }).notNull().default('issued'),
  /** The day the agency revoked or upheld it: decides the period the agreement enters (004 第五十条). */
  decidedOn: text('decided_on'),
  /** What the agency wrote with its decision. */
  agencyMemo: text('agency_memo'),
  note: text('note'),
  answeredAt: text('answered_at'),
  answeredBy: integer('answered_by').references(() => clerks.id),
  answerMsgid: text('answer_msgid'),
});

/** Written in the same transaction as the business rows; deleted only after the agency confirmed. */
export const outbox = sqliteTable('outbox', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  msgid: text('msgid').notNull().unique(),
  infno: text('infno').notNull(),
  orderKey: text('order_key').notNull(),
  payload: text('payload').notNull(),
  status: text('status', { enum: ['pending', 'rejected'] }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: text('next_attempt_at'),
  lastError: text('last_error'),
  /**
   * The agency's success answer, kept when the desk could not store its result (a failing result
   * hook): a resend runs the hook on this answer instead of sending again.
   */
  answer: text('answer'),
  createdAt: text('created_at').notNull().default(now),
  /** What the message is about, as its module wrote it (`adm:<id>`, `claim:<id>`); order_key is the person (`psn:<id>`) for a stay's messages. */
  subject: text('subject'),
  /** The agency's refusal as it came (HTML page, binary, huge text kept for audit); last_error holds the short Chinese summary. */
  refusalRaw: text('refusal_raw'),
  /** The msgid on the wire when it is no longer the item's own (after a 2601 冲正 or a refusal); msgid stays the identity. */
  wireMsgid: text('wire_msgid'),
  /** Set while an unknown outcome waits for its 2601: JSON { omsgid, reason, since }. */
  reversal: text('reversal'),
  /** 1 when the wire msgid was used up (refused, or a query whose answer was lost): the next send takes a new one. */
  renewMsgid: integer('renew_msgid').notNull().default(0),
}, (t) => [index('outbox_status').on(t.status, t.id), index('outbox_order').on(t.orderKey, t.id)]);

export const outboxResults = sqliteTable('outbox_results', {
  msgid: text('msgid').primaryKey(),
  infno: text('infno').notNull(),
  infcode: integer('infcode').notNull(),
  errMsg: text('err_msg'),
  output: text('output'),
  /** Set when a person resolved a rejected item instead of having it delivered: JSON {by, note}. */
  resolution: text('resolution'),
  receivedAt: text('received_at').notNull().default(now),
});

/** Every 2601 冲正 the worker sent for an unknown outcome, and what came of it (docs/agency.md). */
export const outboxReversals = sqliteTable('outbox_reversals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** The outbox item (its own msgid). */
  itemMsgid: text('item_msgid').notNull(),
  infno: text('infno').notNull(),
  /** The msgid that was reversed (omsgid). */
  omsgid: text('omsgid').notNull(),
  /** The 2601's own msgid. */
  reversalMsgid: text('reversal_msgid').notNull().unique(),
  /** reversed | not-in-effect | refused | not-yet (原交易不存在 within the in-flight grace: asked again later, no resend) */
  outcome: text('outcome', { enum: ['reversed', 'not-in-effect', 'refused', 'not-yet'] }).notNull(),
  /** Why the outcome was unknown. */
  reason: text('reason').notNull(),
  errMsg: text('err_msg'),
  /** The msgid the item goes out under next (null when refused). */
  nextMsgid: text('next_msgid'),
  at: text('at').notNull().default(now),
}, (t) => [index('outbox_reversals_item').on(t.itemMsgid)]);

/** A refused message put right: the new message (new msgid, rebuilt from the corrected state) that replaced it. */
export const outboxResends = sqliteTable('outbox_resends', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  oldMsgid: text('old_msgid').notNull(),
  newMsgid: text('new_msgid').notNull().unique(),
  infno: text('infno').notNull(),
  subject: text('subject'),
  /** The agency's refusal of the old message (cleaned summary). */
  refusal: text('refusal').notNull(),
  /** JSON [{ path, before, after }] — the fields of the input that differ between the two messages. */
  changes: text('changes').notNull(),
  /** The new message as it was queued. */
  payload: text('payload').notNull(),
  by: integer('by').notNull(),
  at: text('at').notNull().default(now),
});

/** Pages of a download in progress (resumable); applied to the live tables in one transaction, then cleared. */
export const syncStaging = sqliteTable('sync_staging', {
  name: text('name').notNull(),
  seq: integer('seq').notNull(),
  items: text('items').notNull(),
}, (t) => [primaryKey({ columns: [t.name, t.seq] })]);

export const syncCursors = sqliteTable('sync_cursors', {
  name: text('name').primaryKey(),
  cursor: text('cursor'),
  state: text('state').notNull().default('idle'),
  staging: text('staging'),
  updatedAt: text('updated_at').notNull().default(now),
});

export const reconciliationRuns = sqliteTable('reconciliation_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  day: text('day').notNull(),
  insutype: text('insutype').notNull(),
  localCount: integer('local_count').notNull(),
  localMedfee: money('local_medfee'),
  localFund: money('local_fund'),
  localAcct: money('local_acct'),
  stmtRslt: text('stmt_rslt'),
  stmtRsltDscr: text('stmt_rslt_dscr'),
  differences: text('differences'),
  /** 清算类别 of the 3201 (21 the stays, 11 the visits). */
  clrType: text('clr_type', { enum: ['11', '21'] }).notNull().default('21'),
  at: text('at').notNull().default(now),
});

/**
 * Detail reconciliation (3202, issue 15): one run of a day — the detail file uploaded (9101), the
 * agency's result file (9102), and each differing settlement with both sides and what to do. A
 * run that could not finish keeps its error; a later run is a new row, nothing is overwritten.
 */
export const reconciliationDetails = sqliteTable('reconciliation_details', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  day: text('day').notNull(),
  /** The 3202 message and the file query numbers of the two files. */
  msgid: text('msgid'),
  uploadFileQuryNo: text('upload_file_qury_no'),
  resultFileQuryNo: text('result_file_qury_no'),
  sentCount: integer('sent_count').notNull(),
  matched: integer('matched').notNull().default(0),
  /** JSON DetailDifference[] (shared/detailReconciliation.ts). */
  differences: text('differences').notNull().default('[]'),
  error: text('error'),
  trigger: text('trigger', { enum: ['unbalanced', 'request'] }).notNull(),
  at: text('at').notNull().default(now),
}, (t) => [index('reconciliation_details_day').on(t.day)]);

/**
 * What was done about one difference of a 3202 run (issue 15): a 冲正 (2601) sent for a
 * settlement only the platform holds, with the agency's answer, or a supervisor's note (amounts
 * differ, or a settlement to be resent). Each action is a new row.
 */
export const reconciliationResolutions = sqliteTable('reconciliation_resolutions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  detailId: integer('detail_id').notNull().references(() => reconciliationDetails.id),
  setlId: text('setl_id').notNull(),
  action: text('action', { enum: ['reversal', 'note', 'resend'] }).notNull(),
  /** reversal: the 2601's msgid, the msgid it reversed, and how it ended. resend: the new 2304's msgid, omsgid the void settlement's. */
  msgid: text('msgid'),
  omsgid: text('omsgid'),
  outcome: text('outcome', { enum: ['reversed', 'not-in-effect', 'refused', 'unknown'] }),
  errMsg: text('err_msg'),
  note: text('note'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
}, (t) => [index('reconciliation_resolutions_detail').on(t.detailId)]);

/**
 * A settlement the platform does not hold (a 3202 run found it 本机有、经办机构无, issue 15 §2),
 * declared void by a supervisor's 重新结算: the settlement row stays as it left the desk, this row
 * says it no longer stands, with the run as evidence and the new request (a new 2304) that
 * replaces it. A voided settlement is not in the day's 3201 / 3202 and is not the stay's settlement.
 */
export const settlementVoids = sqliteTable('settlement_voids', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  settlementId: integer('settlement_id').notNull().unique().references(() => settlements.id),
  detailId: integer('detail_id').notNull().references(() => reconciliationDetails.id),
  reason: text('reason').notNull(),
  /** The settlement request queued in the same transaction (the resend). */
  requestId: integer('request_id').references(() => settlementRequests.id),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});

/**
 * Outpatient direct settlement (issue 16, docs/outpatient.md). A visit is not a stay: its own
 * tables, not admissions/settlements (the stays' claim, slip and reversal read those as stays).
 * The visit as registered (2201 + 2203 with its diagnoses); only `mdtrt_id` is filled later, from
 * the 2201 answer. Its messages are queued under the person's key (subject `otp:<id>`).
 */
export const outpatientVisits = sqliteTable('outpatient_visits', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  personId: integer('person_id').notNull().references(() => persons.id),
  /** 门诊号 (ipt_otp_no), the hospital's own. */
  otpNo: text('otp_no').notNull().unique(),
  insutype: text('insutype').notNull(),
  certType: text('cert_type').notNull(),
  certNo: text('cert_no').notNull(),
  /** 11 普通门诊 / 14 门诊慢特病; the wire sends 13 for an emergency ordinary visit (shared/outpatient.ts). */
  medType: text('med_type', { enum: ['11', '14'] }).notNull(),
  emergency: integer('emergency', { mode: 'boolean' }).notNull().default(false),
  diseCodg: text('dise_codg'),
  diseName: text('dise_name'),
  deptCode: text('dept_code').notNull(),
  deptName: text('dept_name').notNull(),
  doctorCode: text('doctor_code').notNull(),
  doctorName: text('doctor_name').notNull(),
  begntime: text('begntime').notNull(),
  /** JSON Diagnosis[] (shared/agency/outpatient.ts). */
  diagnoses: text('diagnoses').notNull(),
  mdtrtId: text('mdtrt_id'),
  registerMsgid: text('register_msgid').notNull(),
  /** 门诊慢特病: the disease's limits as the 5301 answer gave them at registration (JSON ChronicLimits), null when none. */
  chronicLimits: text('chronic_limits'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_visits_person').on(t.personId)]);

/** One fee line of a visit's 收费批次 (chrg_bchno), uploaded by the 2204 written with it. Insert-only. */
export const outpatientFeeLines = sqliteTable('outpatient_fee_lines', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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
  selfPay: integer('self_pay', { mode: 'boolean' }).notNull().default(false),
  bilgDeptCodg: text('bilg_dept_codg'),
  bilgDeptName: text('bilg_dept_name'),
  bilgDrCodg: text('bilg_dr_codg'),
  bilgDrName: text('bilg_dr_name'),
  uploadMsgid: text('upload_msgid').notNull(),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [uniqueIndex('outpatient_fee_lines_batch_sn').on(t.visitId, t.chrgBchno, t.feedetlSn)]);

/** A batch withdrawn (2205) — for a partial refund; its lines stay, marked gone by this row. */
export const outpatientBatchWithdrawals = sqliteTable('outpatient_batch_withdrawals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  chrgBchno: text('chrg_bchno').notNull(),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_batch_withdrawals_visit').on(t.visitId)]);

/** The agency's split of each uploaded line (2204 `result`), as returned. */
export const outpatientFeeSplits = sqliteTable('outpatient_fee_splits', {
  id: integer('id').primaryKey({ autoIncrement: true }),
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

/**
 * A 2207 (settle: the batches it takes) or a 2208 (refund of `refunds`) on its way; insert-only.
 * The settlement row is written from the answer, in the sync transaction that confirms it.
 */
export const outpatientRequests = sqliteTable('outpatient_requests', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  infno: text('infno', { enum: ['2207', '2208'] }).notNull(),
  msgid: text('msgid').notNull().unique(),
  mode: text('mode', { enum: ['online', 'deferred'] }).notNull(),
  /** 2207: JSON string[] of the batches; the estimate shown (JSON). 2208: the settlement refunded and why. */
  batches: text('batches').notNull().default('[]'),
  estimate: text('estimate').notNull().default('{}'),
  refunds: integer('refunds').references((): AnySQLiteColumn => outpatientSettlements.id),
  reason: text('reason'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_requests_visit').on(t.visitId)]);

/** The insured region's answer to a 2207 (kind settlement) or 2208 (kind refund, amounts negative). Insert-only. */
export const outpatientSettlements = sqliteTable('outpatient_settlements', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id),
  requestId: integer('request_id').notNull().references((): AnySQLiteColumn => outpatientRequests.id).unique(),
  kind: text('kind', { enum: ['settlement', 'refund'] }).notNull(),
  refunds: integer('refunds').references((): AnySQLiteColumn => outpatientSettlements.id),
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
  /** JSON fund rows as returned (codes and names, 004 附件10 注1); JSON of the amounts filled and named (agencyFigures). */
  funds: text('funds').notNull(),
  derived: text('derived').notNull().default('[]'),
  /** The agency's output as returned. */
  answer: text('answer').notNull(),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
}, (t) => [index('outpatient_settlements_visit').on(t.visitId)]);

/**
 * The visits' settlements and refunds a claim (clr_type 11) holds — claim_items for outpatient_settlements
 * (claim_items.settlement_id points at the stays' settlements). Released like claim_items.
 */
export const outpatientClaimItems = sqliteTable('outpatient_claim_items', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  claimId: integer('claim_id').notNull().references(() => claims.id),
  otpSettlementId: integer('otp_settlement_id').notNull().references(() => outpatientSettlements.id),
  releasedAt: text('released_at'),
}, (t) => [
  index('outpatient_claim_items_claim').on(t.claimId),
  uniqueIndex('outpatient_claim_items_live').on(t.otpSettlementId).where(sql`released_at IS NULL`),
]);

/**
 * Deferral requests (延期申报, 004 第四十九条) of visits' settlements — `deferrals` for
 * outpatient_settlements (deferrals.settlement_id points at the stays' settlements); the same
 * request (3290) and decision (by its msgid, through the clearing download). docs/claim.md "Visits".
 */
export const outpatientDeferrals = sqliteTable('outpatient_deferrals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  otpSettlementId: integer('otp_settlement_id').notNull().references(() => outpatientSettlements.id),
  reason: text('reason').notNull(),
  requestedOn: text('requested_on').notNull(),
  approved: integer('approved', { mode: 'boolean' }),
  decidedAt: text('decided_at'),
  msgid: text('msgid').notNull().unique(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  /** The agency's words with its approval or refusal. */
  decisionNote: text('decision_note'),
}, (t) => [index('outpatient_deferrals_settlement').on(t.otpSettlementId)]);

/**
 * A visit paid 全额自付 (issue 16 §7): not settled directly, the patient paid the lines of `batches`
 * in full and claims at home (零星报销, 004 第四十七条); the visit's details and diagnoses still go up
 * within 2 days (004 第三十六条(三) → 第三十五条(三)). Insert-only; one per visit.
 */
export const outpatientFullSelfPays = sqliteTable('outpatient_full_self_pays', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  visitId: integer('visit_id').notNull().references(() => outpatientVisits.id).unique(),
  paidOn: text('paid_on').notNull(),
  uploadBy: text('upload_by').notNull(),
  claimBy: text('claim_by').notNull(),
  reason: text('reason').notNull(),
  medfeeSumamt: money('medfee_sumamt'),
  /** JSON string[]: the charge batches paid in full. */
  batches: text('batches').notNull(),
  clerkId: integer('clerk_id').references(() => clerks.id),
  createdAt: text('created_at').notNull().default(now),
});

/**
 * 发票号 (`invono`, the 2304 input field of national-interface.md) of a stay or a visit: a 协查 request
 * may name it (004 第六十六条; issue 15). The HIS prints the invoice, so it comes with the fee import
 * (column `invono`) or the clerk enters it. Insert-only: a correction is a new row naming the row it
 * replaces (`supersedes_id`); the latest row of a stay / visit is its number, every row is searchable.
 */
export const invoiceNumbers = sqliteTable('invoice_numbers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Exactly one of the two (checked by the repository): the stay or the visit. */
  admissionId: integer('admission_id').references(() => admissions.id),
  visitId: integer('visit_id').references(() => outpatientVisits.id),
  invono: text('invono').notNull(),
  source: text('source', { enum: ['import', 'clerk'] }).notNull(),
  /** The fee file it came with (source import). */
  feeImportId: integer('fee_import_id').references(() => feeImports.id),
  supersedesId: integer('supersedes_id').references((): AnySQLiteColumn => invoiceNumbers.id),
  reason: text('reason'),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
}, (t) => [index('invoice_numbers_invono').on(t.invono), index('invoice_numbers_admission').on(t.admissionId), index('invoice_numbers_visit').on(t.visitId)]);

/**
 * 重新结算 of a visit (docs/reconciliation.md, 3202 本机有、经办机构无): the insured region does not
 * hold this outpatient settlement, so the desk says it no longer stands — the 3202 run as evidence,
 * the new 2207 request queued in the same transaction. The settlement row is not touched; a void one
 * holds no batch, has no receipt or refund, and is in no 3201 / 3202 / claim (settlement_voids for a stay).
 */
export const outpatientVoids = sqliteTable('outpatient_voids', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  otpSettlementId: integer('otp_settlement_id').notNull().unique().references(() => outpatientSettlements.id),
  detailId: integer('detail_id').notNull().references(() => reconciliationDetails.id),
  reason: text('reason').notNull(),
  requestId: integer('request_id').references(() => outpatientRequests.id),
  clerkId: integer('clerk_id').references(() => clerks.id),
  at: text('at').notNull().default(now),
});
