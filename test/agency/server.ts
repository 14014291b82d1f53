import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isStateChanging, psnNoOf, REVERSAL_INFNO, SIGN_IN_INFNO, isExtensionTransaction } from '../../shared/agency/transactions.ts';
import { AGENCY_PROFILES, GatewayProblem, makeGateway, type AgencyProfile, type GatewayInstitution } from './gateway.ts';
import { installUndoLog, laterTouch, recordingAs, undoMessage } from './undoLog.ts';
import { CATALOGUE_TRANSACTIONS } from './catalogues.ts';
import { OUTPATIENT_SCHEMA } from './outpatientSchema.ts';
import { tx2201, tx2202, tx2203, tx2204, tx2205, tx2206, tx2207, tx2208, tx5301 } from './outpatient.ts';
import { FileRefusal, sendFileAnswer, tx3202, tx9101, tx9102, type FileTxContext } from './files.ts';
import { compactMillisCST, compactTimeCST, infTimeCST, isNationalMsgid, readAmount, readDate, readDecimal, readRequest, readText, type JsonObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { SETTLEMENT_AMOUNT_FIELDS } from '../../shared/agency/settlement.ts';
import { maskId } from '../../shared/citizenId.ts';
import { addPeriods, ageOn, todayCST } from '../../shared/dates.ts';
import { periodDeductions } from '../../shared/reviewDisputes.ts';
import { InputError } from '../../shared/errors.ts';
import { Decimal, parseDecimal, parseRatio, sum, toText, ZERO } from '../../shared/money.ts';
import { computeSettlement, parseSettleInput, splitLine, type Level } from '../../shared/settlement.ts';
import { engineLine, enginePolicy, feeForSettle, pickPolicy, settleGroupOf, type LineForSettle } from '../../shared/settlementFlow.ts';

/**
 * The reference agency: a real HTTP server with its own SQLite store, speaking the national
 * envelope, so the desk's client, sync worker, demo and end-to-end tests have a counterpart that
 * behaves like the national platform (issue 13): it speaks one gateway profile (tif, gm or plain,
 * gateway.ts), refuses everything but 9001 without a live sign_no, refuses a repeated msgid
 * (报文ID重复) instead of replaying its answer, takes back any state-changing transaction with
 * 2601 冲正 (undoLog.ts), and can be told to misbehave (faults) at run time. The desk extensions
 * (roster, policies, clearing pages, 3290/3291) are served apart, under /desk-ext/. Its store is deliberately not the desk's db/ schema: the two
 * sides must not share tables, or a bug on one side would be invisible from the other.
 *
 * Amounts leave this server as two-decimal strings: real platforms send JSON numbers, but
 * writing numbers would mean passing yuan through JS floats here; the client reads both.
 */

// ---------------------------------------------------------------------------------------------
// Store

export interface Institution extends GatewayInstitution {
  /** 12-character national code (fixmedins_code). */
  code: string;
  name: string;
  /** Shared key for the request signature. */
  key: string;
  /** The institution's region (就医地医保区划), 6 digits. */
  admdvs: string;
  /** Hospital level (1/2/3) the agency holds for the institution; the deductible and ratio follow it. Default 3. */
  level?: Level;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  msgid TEXT PRIMARY KEY,
  infno TEXT NOT NULL,
  fixmedins_code TEXT NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS persons (
  psn_no TEXT PRIMARY KEY,
  certno TEXT NOT NULL UNIQUE,
  psn_cert_type TEXT NOT NULL DEFAULT '01',
  psn_name TEXT NOT NULL,
  gend TEXT NOT NULL,
  naty TEXT NOT NULL DEFAULT '01',
  brdy TEXT NOT NULL,
  card_no TEXT,
  insuinfo TEXT NOT NULL,
  idetinfo TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS persons_card ON persons (card_no);
CREATE TABLE IF NOT EXISTS registrations (
  id INTEGER PRIMARY KEY,
  agency_id TEXT NOT NULL UNIQUE,
  certno TEXT NOT NULL,
  psn_no TEXT,
  psn_name TEXT,
  insuplc_admdvs TEXT NOT NULL,
  grp TEXT NOT NULL CHECK (grp IN ('resettledRetiree','longTermResident','postedWorker','referral','emergency','otherTemporary')),
  basis TEXT NOT NULL DEFAULT 'proof' CHECK (basis IN ('proof','pledge')),
  destination TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  proof_supplied_on TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled')),
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS registrations_certno ON registrations (certno);
CREATE TABLE IF NOT EXISTS catalogue (
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL,
  med_list_codg TEXT NOT NULL,
  medins_list_codg TEXT,
  name TEXT NOT NULL,
  med_chrgitm_type TEXT NOT NULL,
  chrgitm_lv TEXT NOT NULL,
  list_type TEXT,
  selfpay_prop TEXT NOT NULL DEFAULT '0',
  pric_uplmt_amt TEXT,
  begndate TEXT NOT NULL,
  enddate TEXT,
  UNIQUE (med_list_codg, version)
);
CREATE TABLE IF NOT EXISTS policies (
  id INTEGER PRIMARY KEY,
  version TEXT NOT NULL UNIQUE,
  insuplc_admdvs TEXT NOT NULL,
  insutype TEXT NOT NULL,
  year INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_ins (
  id INTEGER PRIMARY KEY,
  sign_no TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  opter TEXT NOT NULL,
  sign_time TEXT NOT NULL,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS admissions (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  insuplc_admdvs TEXT NOT NULL,
  insutype TEXT NOT NULL,
  med_type TEXT NOT NULL,
  ipt_no TEXT NOT NULL,
  begntime TEXT NOT NULL,
  endtime TEXT,
  status TEXT NOT NULL CHECK (status IN ('admitted','discharged','cancelled')),
  detail TEXT NOT NULL,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fee_details (
  id INTEGER PRIMARY KEY,
  mdtrt_id TEXT NOT NULL,
  feedetl_sn TEXT NOT NULL,
  med_list_codg TEXT NOT NULL,
  det_item_fee_sumamt TEXT NOT NULL,
  cnt TEXT NOT NULL,
  pric TEXT NOT NULL,
  line TEXT NOT NULL,
  msgid TEXT NOT NULL,
  UNIQUE (mdtrt_id, feedetl_sn)
);
CREATE TABLE IF NOT EXISTS settlements (
  id INTEGER PRIMARY KEY,
  setl_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('settle','reversal')),
  reverses TEXT,
  fixmedins_code TEXT NOT NULL,
  mdtrt_id TEXT NOT NULL,
  psn_no TEXT NOT NULL,
  insutype TEXT NOT NULL,
  setl_time TEXT NOT NULL,
  setl_date TEXT NOT NULL,
  medfee_sumamt TEXT NOT NULL,
  fund_pay_sumamt TEXT NOT NULL,
  acct_pay TEXT NOT NULL,
  psn_cash_pay TEXT NOT NULL,
  setlinfo TEXT NOT NULL,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
  id INTEGER PRIMARY KEY,
  clr_appy_evt_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  setlym TEXT NOT NULL,
  clr_type TEXT NOT NULL,
  insutype TEXT,
  medfee_sumamt TEXT NOT NULL,
  fund_appy_sum TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT '10',
  data TEXT NOT NULL,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deferrals (
  id INTEGER PRIMARY KEY,
  dfr_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  setl_id TEXT NOT NULL,
  setlym TEXT NOT NULL,
  reason TEXT NOT NULL,
  requested_on TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','refused')),
  memo TEXT,
  decided_at TEXT,
  msgid TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deductions (
  id INTEGER PRIMARY KEY,
  ddn_id TEXT NOT NULL UNIQUE,
  fixmedins_code TEXT NOT NULL,
  clr_appy_evt_id TEXT NOT NULL,
  setl_id TEXT NOT NULL,
  amount TEXT NOT NULL,
  reason TEXT NOT NULL,
  issued_on TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued','revoked')),
  opinion TEXT CHECK (opinion IN ('accept','dispute')),
  opinion_memo TEXT,
  opinion_msgid TEXT
);
CREATE TABLE IF NOT EXISTS seqs (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
${OUTPATIENT_SCHEMA}
CREATE TABLE IF NOT EXISTS clearing_feed (
  id INTEGER PRIMARY KEY,
  fixmedins_code TEXT NOT NULL,
  item TEXT NOT NULL
);
`;

/** Columns added after a store file may already exist (the demo agency keeps its file). */
const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  // infcode of the stored answer; the 2601 that took the message back.
  messages: { infcode: 'INTEGER', reversed_by: 'TEXT' },
  sign_ins: { signed_at: 'TEXT', ended_at: 'TEXT' },
  claims: { scope: 'TEXT', setl_ids: "TEXT NOT NULL DEFAULT '[]'", status_time: 'TEXT', paid_amount: 'TEXT' },
  // After a dispute: 'revoked' (status too) or 'upheld' (status stays 'issued'), and its day (004 第五十条).
  deductions: { outcome: 'TEXT', decided_on: 'TEXT', decision_memo: 'TEXT' },
  // Outpatient settlements (2207) live beside the stays' with clr_type 11 and the batches they settled (outpatient.ts).
  settlements: { clr_type: "TEXT NOT NULL DEFAULT '21'", chrg_bchnos: 'TEXT' },
  // The disease's limits a region may answer with its 5301 (UNVERIFIED names, outpatient.ts).
  chronic_registrations: { lmt_amt: 'TEXT', sin_lmt_amt: 'TEXT' },
};

export type RegistrationGroup = 'resettledRetiree' | 'longTermResident' | 'postedWorker' | 'referral' | 'emergency' | 'otherTemporary';

export interface SeedInsuInfo {
  insutype: string;
  psnType: string;
  insuplcAdmdvs: string;
  /** Account balance in yuan (Decimal or decimal text). */
  balc?: Decimal | string;
  psnInsuStas?: string;
  psnInsuDate?: string;
  pausInsuDate?: string | null;
  cvlservFlag?: '0' | '1';
  empName?: string;
}

export interface SeedPersonInput {
  psnNo: string;
  certno: string;
  psnName: string;
  gend: string;
  brdy: string;
  psnCertType?: string;
  naty?: string;
  /** Social security card number, for lookups with mdtrt_cert_type 03. */
  cardNo?: string | null;
  insuinfo: SeedInsuInfo[];
  idetinfo?: { psnIdetType: string; psnTypeLv?: string; memo?: string; begntime?: string; endtime?: string | null }[];
}

export interface SeedRegistrationInput {
  agencyId?: string;
  certno: string;
  psnNo?: string | null;
  psnName?: string | null;
  insuplcAdmdvs: string;
  group: RegistrationGroup;
  basis?: 'proof' | 'pledge';
  /** City (or province for province-pooled regions) the person registered to. */
  destination: string;
  effectiveFrom: string;
  proofSuppliedOn?: string | null;
  status?: 'active' | 'cancelled';
}

export interface SeedCatalogueInput {
  medListCodg: string;
  medinsListCodg?: string | null;
  name: string;
  medChrgitmType: string;
  chrgitmLv: string;
  listType?: string | null;
  selfpayProp?: Decimal | string;
  /** Price ceiling (N16,6); null for none. */
  pricUplmtAmt?: Decimal | string | null;
  begndate: string;
  enddate?: string | null;
  version?: string;
}

export interface SeedPolicyInput {
  version: string;
  insuplcAdmdvs: string;
  insutype: string;
  year: number;
  body: unknown;
}

export interface PersonRow {
  psn_no: string;
  certno: string;
  psn_cert_type: string;
  psn_name: string;
  gend: string;
  naty: string;
  brdy: string;
  card_no: string | null;
  insuinfo: string;
  idetinfo: string;
}

interface RegistrationRow {
  id: number;
  agency_id: string;
  certno: string;
  psn_no: string | null;
  psn_name: string | null;
  insuplc_admdvs: string;
  grp: string;
  basis: string;
  destination: string;
  effective_from: string;
  proof_supplied_on: string | null;
  status: string;
  updated_at: string;
}

interface AdmissionRow {
  mdtrt_id: string;
  fixmedins_code: string;
  psn_no: string;
  insuplc_admdvs: string;
  insutype: string;
  med_type: string;
  ipt_no: string;
  begntime: string;
  endtime: string | null;
  status: 'admitted' | 'discharged' | 'cancelled';
  detail: string;
}

export interface SettlementRow {
  setl_id: string;
  kind: 'settle' | 'reversal';
  reverses: string | null;
  fixmedins_code: string;
  mdtrt_id: string;
  psn_no: string;
  insutype: string;
  setl_date: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  psn_cash_pay: string;
  setlinfo: string;
}

export interface StoredMessage {
  msgid: string;
  infno: string;
  fixmedins_code: string;
  request: string;
  response: string;
  received_at: string;
}

function decimalText(v: Decimal | string, field: string): string {
  return (typeof v === 'string' ? parseDecimal(v, field) : v).toString();
}

/** The agency's own SQLite store; tests read it directly to check what was (not) stored. */
export class AgencyStore {
  /** Clearing policy of this agency (004 第四十九条: declaration window days 1–5). */
  claimWindowEndDay = 5;
  /** Review and agreed disputes until this day of the month after the period (004 第五十条). */
  reviewCutoffDay = 20;

  constructor(readonly db: Database.Database) {
    db.exec(SCHEMA);
    for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
      const have = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
      for (const [name, type] of Object.entries(columns)) if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
    }
    installUndoLog(db);
  }

  static open(dbFile = ':memory:'): AgencyStore {
    if (dbFile !== ':memory:') mkdirSync(dirname(dbFile), { recursive: true });
    const db = new Database(dbFile);
    if (dbFile !== ':memory:') {
      // Like a real agency: an answer it gave must survive a power cut.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    return new AgencyStore(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  seedPerson(p: SeedPersonInput): void {
    if (p.insuinfo.length === 0) throw new InputError('SEED', `人员 ${p.psnNo} 至少需要一条参保信息`, 'insuinfo');
    const insuinfo = p.insuinfo.map((i) => ({
      insutype: i.insutype,
      psn_type: i.psnType,
      psn_insu_stas: i.psnInsuStas ?? '1',
      psn_insu_date: i.psnInsuDate ?? '2000-01-01',
      paus_insu_date: i.pausInsuDate ?? null,
      cvlserv_flag: i.cvlservFlag ?? '0',
      insuplc_admdvs: i.insuplcAdmdvs,
      emp_name: i.empName ?? '',
      balc: toText(i.balc === undefined ? ZERO : typeof i.balc === 'string' ? parseDecimal(i.balc, 'balc') : i.balc),
    }));
    const idetinfo = (p.idetinfo ?? []).map((d) => ({
      psn_idet_type: d.psnIdetType, psn_type_lv: d.psnTypeLv ?? '', memo: d.memo ?? '', begntime: d.begntime ?? '', endtime: d.endtime ?? null,
    }));
    this.db.prepare(`INSERT OR REPLACE INTO persons (psn_no, certno, psn_cert_type, psn_name, gend, naty, brdy, card_no, insuinfo, idetinfo)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      p.psnNo, p.certno, p.psnCertType ?? '01', p.psnName, p.gend, p.naty ?? '01', p.brdy, p.cardNo ?? null, JSON.stringify(insuinfo), JSON.stringify(idetinfo),
    );
  }

  seedRegistration(r: SeedRegistrationInput): string {
    const agencyId = r.agencyId ?? `REG${r.certno}${r.effectiveFrom.replace(/-/g, '')}`;
    this.db.prepare(`INSERT INTO registrations (agency_id, certno, psn_no, psn_name, insuplc_admdvs, grp, basis, destination, effective_from, proof_supplied_on, status, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (agency_id) DO UPDATE SET certno = excluded.certno, psn_no = excluded.psn_no, psn_name = excluded.psn_name,
        insuplc_admdvs = excluded.insuplc_admdvs, grp = excluded.grp, basis = excluded.basis, destination = excluded.destination,
        effective_from = excluded.effective_from, proof_supplied_on = excluded.proof_supplied_on, status = excluded.status, updated_at = excluded.updated_at`).run(
      agencyId, r.certno, r.psnNo ?? null, r.psnName ?? null, r.insuplcAdmdvs, r.group, r.basis ?? 'proof', r.destination,
      r.effectiveFrom, r.proofSuppliedOn ?? null, r.status ?? 'active', new Date().toISOString(),
    );
    return agencyId;
  }

  seedCatalogue(items: SeedCatalogueInput | SeedCatalogueInput[]): void {
    const stmt = this.db.prepare(`INSERT INTO catalogue (version, med_list_codg, medins_list_codg, name, med_chrgitm_type, chrgitm_lv, list_type, selfpay_prop, pric_uplmt_amt, begndate, enddate)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (med_list_codg, version) DO UPDATE SET medins_list_codg = excluded.medins_list_codg, name = excluded.name,
        med_chrgitm_type = excluded.med_chrgitm_type, chrgitm_lv = excluded.chrgitm_lv, list_type = excluded.list_type,
        selfpay_prop = excluded.selfpay_prop, pric_uplmt_amt = excluded.pric_uplmt_amt, begndate = excluded.begndate, enddate = excluded.enddate`);
    this.db.transaction(() => {
      for (const c of Array.isArray(items) ? items : [items]) {
        const prop = c.selfpayProp === undefined ? '0' : (typeof c.selfpayProp === 'string' ? parseRatio(c.selfpayProp, 'selfpay_prop') : c.selfpayProp).toString();
        const limit = c.pricUplmtAmt === undefined || c.pricUplmtAmt === null ? null : decimalText(c.pricUplmtAmt, 'pric_uplmt_amt');
        stmt.run(c.version ?? '1', c.medListCodg, c.medinsListCodg ?? null, c.name, c.medChrgitmType, c.chrgitmLv, c.listType ?? null, prop, limit, c.begndate, c.enddate ?? null);
      }
    })();
  }

  seedPolicy(p: SeedPolicyInput): void {
    this.db.prepare(`INSERT INTO policies (version, insuplc_admdvs, insutype, year, body) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (version) DO UPDATE SET insuplc_admdvs = excluded.insuplc_admdvs, insutype = excluded.insutype, year = excluded.year, body = excluded.body`)
      .run(p.version, p.insuplcAdmdvs, p.insutype, p.year, JSON.stringify(p.body));
  }

  message(msgid: string): StoredMessage | undefined {
    return this.db.prepare('SELECT * FROM messages WHERE msgid = ?').get(msgid) as StoredMessage | undefined;
  }

  /** Row count of one of the store's tables (tests: "stored exactly once"). */
  count(table: 'messages' | 'persons' | 'registrations' | 'catalogue' | 'policies' | 'sign_ins' | 'admissions' | 'fee_details' | 'settlements' | 'claims' | 'deferrals' | 'deductions' | 'clearing_feed'): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  // ── Clearing (清算, 004 第四十九条–第五十二条): what the agency's own staff do between the 1st
  // and the 25th. Each change is appended to `clearing_feed`, which the desk downloads
  // (GET /api/pages/clearing) — the way review results, deferral decisions and claim states
  // reach the hospital.

  /**
   * A settlement the agency holds without a 2304 through this server: for tests that write the
   * desk's settlements through its repositories and still need the agency to know them (3203
   * checks the claimed settlements against its own records).
   */
  seedSettlement(x: SeedSettlementInput): void {
    const neg = x.kind === 'reversal';
    this.db.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?)`).run(
      x.setlId, neg ? 'reversal' : 'settle', x.reverses ?? null, x.fixmedinsCode, x.mdtrtId ?? `M${x.setlId}`, x.psnNo ?? 'SEEDED', x.insutype,
      `${x.setlDate} 10:00:00`, x.setlDate, x.medfeeSumamt, x.fundPaySumamt, x.acctPay, x.psnCashPay, x.msgid ?? `SEED-${x.setlId}`,
    );
  }

  claim(clrAppyEvtId: string): AgencyClaimRow | undefined {
    return this.db.prepare('SELECT * FROM claims WHERE clr_appy_evt_id = ?').get(clrAppyEvtId) as AgencyClaimRow | undefined;
  }

  claimRows(): AgencyClaimRow[] {
    return this.db.prepare('SELECT * FROM claims ORDER BY id').all() as AgencyClaimRow[];
  }

  /** 已受理 (20): after this the hospital can no longer withdraw the claim (3204). */
  acceptClaim(clrAppyEvtId: string, now: Date = new Date()): void {
    const c = this.claimOrThrow(clrAppyEvtId);
    if (c.status !== '10') throw new InputError('CLAIM_STATE', `清算申请 ${clrAppyEvtId} 状态为 ${c.status}，不能受理`, 'clr_appy_evt_id');
    this.setClaimStatus(c, '20', now, null);
  }

  /**
   * 已清算 (50) with the amount paid: by default what was applied for (funds + personal
   * accounts) less the deductions that stand (004 第五十条).
   */
  clearClaim(clrAppyEvtId: string, paidAmount?: string, now: Date = new Date()): string {
    const c = this.claimOrThrow(clrAppyEvtId);
    if (c.status !== '20') throw new InputError('CLAIM_STATE', `清算申请 ${clrAppyEvtId} 状态为 ${c.status}，须先受理`, 'clr_appy_evt_id');
    const data = JSON.parse(c.data) as JsonObject;
    const applied = new Decimal(c.fund_appy_sum).plus(readAmount(data.acct_pay) ?? ZERO);
    // The same rule as the desk's tables (shared/reviewDisputes.ts): this claim's deductions unless
    // agreed away by the period's cutoff, less the previous period's (same scheme × scope) agreed later.
    const period = `${c.setlym.slice(0, 4)}-${c.setlym.slice(4, 6)}`;
    const prev = addPeriods(period, -1).replace('-', '');
    const rows = this.db.prepare(`SELECT d.*, c.setlym AS setlym FROM deductions d JOIN claims c ON c.clr_appy_evt_id = d.clr_appy_evt_id
      WHERE d.clr_appy_evt_id = ? OR (c.fixmedins_code = ? AND c.setlym = ? AND c.insutype IS ? AND c.scope IS ? AND c.status <> '00')`)
      .all(clrAppyEvtId, c.fixmedins_code, prev, c.insutype, c.scope) as (AgencyDeductionRow & { setlym: string })[];
    const facts = rows.map((d) => ({
      period: `${d.setlym.slice(0, 4)}-${d.setlym.slice(4, 6)}`,
      amount: new Decimal(d.amount),
      agencyStatus: d.outcome ?? d.status,
      decidedOn: d.decided_on,
      disputed: d.opinion === 'dispute',
    }));
    const deducted = periodDeductions(period, facts, todayCST(now), { reviewCutoffDay: this.reviewCutoffDay }).net;
    const paid = paidAmount ?? toText(applied.minus(deducted));
    this.setClaimStatus(c, '50', now, paid);
    return paid;
  }

  /** The agency's answer to a deferral request (3290), by dfr_id or by the settlement's setl_id. */
  decideDeferral(key: string, approved: boolean, memo: string | null = null, now: Date = new Date()): void {
    const d = this.db.prepare(`SELECT * FROM deferrals WHERE dfr_id = ? OR setl_id = ? ORDER BY id DESC LIMIT 1`).get(key, key) as AgencyDeferralRow | undefined;
    if (!d) throw new InputError('NO_DEFERRAL', `没有延期申报：${key}`, 'key');
    if (d.status !== 'pending') throw new InputError('DEFERRAL_DECIDED', `延期申报 ${d.dfr_id} 已处理`, 'key');
    const status = approved ? 'approved' : 'refused';
    const at = infTimeCST(now);
    this.db.transaction(() => {
      this.db.prepare('UPDATE deferrals SET status = ?, memo = ?, decided_at = ? WHERE id = ?').run(status, memo, at, d.id);
      this.feed(d.fixmedins_code, { type: 'deferral', dfr_id: d.dfr_id, request_msgid: d.msgid, setl_id: d.setl_id, status, memo, decided_at: at });
    })();
  }

  deferralRows(): AgencyDeferralRow[] {
    return this.db.prepare('SELECT * FROM deferrals ORDER BY id').all() as AgencyDeferralRow[];
  }

  /**
   * 审核扣款 (004 第五十条): a deduction on one settlement of a claim the agency holds. The claim
   * is found from the settlement unless named.
   */
  issueDeduction(x: { setlId: string; amount: string; reason: string; clrAppyEvtId?: string; issuedOn?: string }): string {
    const claim = x.clrAppyEvtId !== undefined
      ? this.claimOrThrow(x.clrAppyEvtId)
      : (this.db.prepare(`SELECT c.* FROM claims c, json_each(c.setl_ids) j WHERE j.value = ? AND c.status <> '00' ORDER BY c.id DESC LIMIT 1`).get(x.setlId) as AgencyClaimRow | undefined);
    if (!claim) throw new InputError('NO_CLAIM', `结算 ${x.setlId} 不在任何有效的清算申请中`, 'setlId');
    if (!(JSON.parse(claim.setl_ids) as string[]).includes(x.setlId)) throw new InputError('NO_CLAIM', `结算 ${x.setlId} 不在清算申请 ${claim.clr_appy_evt_id} 中`, 'setlId');
    const amount = parseDecimal(x.amount, 'amount');
    if (!amount.gt(0) || amount.decimalPlaces() > 2) throw new InputError('AMOUNT', `扣款金额应为正数且最多两位小数：${x.amount}`, 'amount');
    const seq = this.count('deductions') + 1;
    const ddnId = `${claim.clr_appy_evt_id}D${serial(seq, 4)}`;
    const issuedOn = x.issuedOn ?? todayCST();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO deductions (ddn_id, fixmedins_code, clr_appy_evt_id, setl_id, amount, reason, issued_on) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        ddnId, claim.fixmedins_code, claim.clr_appy_evt_id, x.setlId, toText(amount), x.reason, issuedOn,
      );
      this.feed(claim.fixmedins_code, { type: 'deduction', ddn_id: ddnId, clr_appy_evt_id: claim.clr_appy_evt_id, setl_id: x.setlId, amount: toText(amount), reason: x.reason, issued_on: issuedOn, status: 'issued' });
    })();
    return ddnId;
  }

  /**
   * The agency agreed with a dispute (004 第五十条): the deduction no longer stands. `decidedOn`
   * (default today) decides the period it enters: by the 20th the same one, later the next.
   */
  revokeDeduction(ddnId: string, memo: string | null = null, decidedOn: string = todayCST()): void {
    this.decideDeduction(ddnId, 'revoked', memo, decidedOn);
  }

  /** The agency keeps a disputed deduction (004 第五十条: the dispute is settled, the deduction stands). */
  upholdDeduction(ddnId: string, memo: string | null = null, decidedOn: string = todayCST()): void {
    this.decideDeduction(ddnId, 'upheld', memo, decidedOn);
  }

  private decideDeduction(ddnId: string, outcome: 'revoked' | 'upheld', memo: string | null, decidedOn: string): void {
    const d = this.db.prepare('SELECT * FROM deductions WHERE ddn_id = ?').get(ddnId) as AgencyDeductionRow | undefined;
    if (!d) throw new InputError('NO_DEDUCTION', `没有审核扣款：${ddnId}`, 'ddnId');
    if (d.status === 'revoked') throw new InputError('DEDUCTION_DECIDED', `审核扣款 ${ddnId} 已撤销`, 'ddnId');
    this.db.transaction(() => {
      this.db.prepare(`UPDATE deductions SET status = ?, outcome = ?, decided_on = ?, decision_memo = ? WHERE id = ?`).run(outcome === 'revoked' ? 'revoked' : 'issued', outcome, decidedOn, memo, d.id);
      this.feed(d.fixmedins_code, { type: 'deduction', ddn_id: d.ddn_id, clr_appy_evt_id: d.clr_appy_evt_id, setl_id: d.setl_id, amount: d.amount, reason: d.reason, issued_on: d.issued_on, status: outcome, decided_on: decidedOn, memo });
    })();
  }

  deductionRows(): AgencyDeductionRow[] {
    return this.db.prepare('SELECT * FROM deductions ORDER BY id').all() as AgencyDeductionRow[];
  }

  /** Appends one state of a clearing record to the institution's feed. */
  feed(fixmedinsCode: string, item: JsonObject): void {
    this.db.prepare('INSERT INTO clearing_feed (fixmedins_code, item) VALUES (?, ?)').run(fixmedinsCode, JSON.stringify(item));
  }

  setClaimStatus(c: AgencyClaimRow, status: string, now: Date, paidAmount: string | null, memo: string | null = null): void {
    const at = infTimeCST(now);
    this.db.transaction(() => {
      this.db.prepare('UPDATE claims SET status = ?, status_time = ?, paid_amount = coalesce(?, paid_amount) WHERE id = ?').run(status, at, paidAmount, c.id);
      this.feed(c.fixmedins_code, { type: 'claim', clr_appy_evt_id: c.clr_appy_evt_id, setlym: c.setlym, insutype: c.insutype, clr_scope: c.scope, status, status_time: at, paid_amount: paidAmount ?? c.paid_amount, memo });
    })();
  }

  private claimOrThrow(clrAppyEvtId: string): AgencyClaimRow {
    const c = this.claim(clrAppyEvtId);
    if (!c) throw new InputError('NO_CLAIM', `没有清算申请：${clrAppyEvtId}`, 'clr_appy_evt_id');
    return c;
  }
}

export interface SeedSettlementInput {
  setlId: string;
  fixmedinsCode: string;
  kind?: 'settle' | 'reversal';
  reverses?: string | null;
  insutype: string;
  setlDate: string;
  medfeeSumamt: string;
  fundPaySumamt: string;
  acctPay: string;
  psnCashPay: string;
  mdtrtId?: string;
  psnNo?: string;
  msgid?: string;
}

/** A claim as the agency holds it; status 10 已申请 / 20 已受理 / 50 已清算 / 00 已撤销 (Jilin 3203A–3205A). */
export interface AgencyClaimRow {
  id: number;
  clr_appy_evt_id: string;
  fixmedins_code: string;
  setlym: string;
  clr_type: string;
  insutype: string | null;
  scope: string | null;
  medfee_sumamt: string;
  fund_appy_sum: string;
  status: string;
  status_time: string | null;
  paid_amount: string | null;
  setl_ids: string;
  data: string;
  msgid: string;
}

export interface AgencyDeferralRow {
  id: number;
  dfr_id: string;
  fixmedins_code: string;
  setl_id: string;
  setlym: string;
  reason: string;
  requested_on: string;
  status: 'pending' | 'approved' | 'refused';
  memo: string | null;
  decided_at: string | null;
  msgid: string;
}

export interface AgencyDeductionRow {
  id: number;
  ddn_id: string;
  fixmedins_code: string;
  clr_appy_evt_id: string;
  setl_id: string;
  amount: string;
  reason: string;
  issued_on: string;
  status: 'issued' | 'revoked';
  opinion: 'accept' | 'dispute' | null;
  opinion_memo: string | null;
  opinion_msgid: string | null;
  outcome: 'revoked' | 'upheld' | null;
  decided_on: string | null;
  decision_memo: string | null;
}

export function openAgencyStore(dbFile = ':memory:'): AgencyStore {
  return AgencyStore.open(dbFile);
}
export function seedPerson(store: AgencyStore, p: SeedPersonInput): void {
  store.seedPerson(p);
}
export function seedRegistration(store: AgencyStore, r: SeedRegistrationInput): string {
  return store.seedRegistration(r);
}
export function seedCatalogue(store: AgencyStore, items: SeedCatalogueInput | SeedCatalogueInput[]): void {
  store.seedCatalogue(items);
}
export function seedPolicy(store: AgencyStore, p: SeedPolicyInput): void {
  store.seedPolicy(p);
}

// ---------------------------------------------------------------------------------------------
// Faults

/**
 * refuse: the connection is cut before anything is read. delay: the answer waits `ms`. drop: the
 * transaction commits, half the answer leaves, the line is cut. lostAfterCommit: it commits and
 * not a byte of the answer leaves. crashAfterAnswer: the answer is computed, then the agency dies
 * before its commit (nothing kept, nothing sent). status500 / garbage: a broken gateway.
 * failItem: a business refusal of one msgid. signInExpired: every live sign-in ends now.
 * tokenExpired (gm): every bearer token stops working. reversalAnswerLost: lostAfterCommit of 2601.
 */
export type FaultMode = 'refuse' | 'delay' | 'drop' | 'status500' | 'garbage' | 'failItem' | 'crashAfterAnswer' | 'lostAfterCommit' | 'signInExpired' | 'tokenExpired' | 'reversalAnswerLost' | 'okWithoutOutput';
export const FAULT_MODES: readonly FaultMode[] = ['refuse', 'delay', 'drop', 'status500', 'garbage', 'failItem', 'crashAfterAnswer', 'lostAfterCommit', 'signInExpired', 'tokenExpired', 'reversalAnswerLost', 'okWithoutOutput'];

export interface FaultSpec {
  mode: FaultMode;
  /** How many requests (for failItem: items) it affects before switching itself off; absent = until cleared. */
  times?: number;
  /** delay: milliseconds before the request is handled. */
  ms?: number;
  /** failItem: the msgid to fail … */
  msgid?: string;
  /** … or its 0-based index (a single call is index 0; kept for old specs). */
  index?: number;
  /** Only requests whose path starts with this (e.g. "/desk-ext/"); default every request. */
  path?: string;
  /** Only this transaction (e.g. "2304"); default any. */
  infno?: string;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

/**
 * Switchable misbehaviour. Several faults can be active at once (e.g. a delay and a failItem);
 * each consumes one of its `times` whenever it takes effect.
 */
export class FaultController {
  private active: ActiveFault[] = [];

  /** Replaces every active fault with these; `{ mode: 'none' }`-style clearing is clear(). */
  set(spec: FaultSpec | FaultSpec[]): void {
    this.active = [];
    for (const s of Array.isArray(spec) ? spec : [spec]) this.add(s);
  }

  add(spec: FaultSpec): void {
    if (!FAULT_MODES.includes(spec.mode)) throw new InputError('FAULT', `未知的故障模式：${String(spec.mode)}`, 'mode');
    if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) throw new InputError('FAULT', 'times 应为正整数', 'times');
    if (spec.mode === 'delay' && (spec.ms === undefined || !Number.isFinite(spec.ms) || spec.ms < 0)) throw new InputError('FAULT', 'delay 需要非负的 ms', 'ms');
    if (spec.mode === 'failItem' && spec.msgid === undefined && spec.index === undefined) throw new InputError('FAULT', 'failItem 需要 msgid 或 index', 'msgid');
    this.active.push({ ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.active = [];
  }

  list(): FaultSpec[] {
    return this.active.map(({ remaining, ...spec }) => ({ ...spec, ...(Number.isFinite(remaining) ? { times: remaining } : {}) }));
  }

  /** The request-level fault of this mode that applies to `path` (and infno), consumed if found. */
  take(mode: Exclude<FaultMode, 'failItem' | 'reversalAnswerLost'>, path: string, infno: string | null = null): ActiveFault | null {
    const f = this.active.find((a) => {
      const sameMode = a.mode === mode || (mode === 'lostAfterCommit' && a.mode === 'reversalAnswerLost' && infno === REVERSAL_INFNO);
      return sameMode && a.remaining > 0 && path.startsWith(a.path ?? '/') && (a.infno === undefined || a.infno === infno);
    });
    if (!f) return null;
    this.consume(f);
    return f;
  }

  /** Whether the batch item (msgid, index) is to be failed; consumes one use if so. */
  takeItem(path: string, msgid: string | null, index: number): boolean {
    const f = this.active.find((a) => a.mode === 'failItem' && a.remaining > 0 && path.startsWith(a.path ?? '/')
      && (a.msgid !== undefined ? a.msgid === msgid : a.index === index));
    if (!f) return false;
    this.consume(f);
    return true;
  }

  private consume(f: ActiveFault): void {
    f.remaining -= 1;
    if (f.remaining <= 0) this.active = this.active.filter((a) => a !== f);
  }
}

// ---------------------------------------------------------------------------------------------
// Transactions

/** A business refusal: answered as infcode -1 with this Chinese err_msg. */
export class Failure extends Error {}

/** Thrown inside the store transaction to roll it back after the answer was computed. */
class RollbackAfterAnswer extends Error {}

export interface TxContext {
  env: RequestEnvelope;
  inst: Institution;
  store: AgencyStore;
  now: Date;
  /** The desk extension of 1101 (a `registration` block) is on; off, the platform checks the registration at 2401. */
  registrationExtension: boolean;
}

export function nodeOf(env: RequestEnvelope, name: string): JsonObject {
  const v = env.input[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Failure(`交易输入缺少 ${name} 节点`);
  return v as JsonObject;
}

export function listOf(env: RequestEnvelope, name: string): JsonObject[] {
  const v = env.input[name];
  const list = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? [v] : null;
  if (!list || list.length === 0) throw new Failure(`交易输入缺少 ${name} 明细`);
  return list.map((x, i) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Failure(`${name} 第 ${i + 1} 条不是对象`);
    return x as JsonObject;
  });
}

export function need(o: JsonObject, fields: readonly string[], where: string): void {
  const missing = fields.filter((f) => readText(o[f]) === null);
  if (missing.length > 0) throw new Failure(`${where} 缺少必填字段：${missing.join('、')}`);
}

export function text(o: JsonObject, f: string): string {
  return readText(o[f]) ?? '';
}

/** readAmount with its InputError turned into a business failure that names the field. */
export function amountOf(o: JsonObject, f: string, where: string, required = true): Decimal | null {
  try {
    const d = readAmount(o[f], `${where}.${f}`);
    if (d === null && required) throw new Failure(`${where} 缺少金额字段：${f}`);
    return d;
  } catch (e) {
    if (e instanceof InputError) throw new Failure(e.message);
    throw e;
  }
}

export function decimalOf(o: JsonObject, f: string, where: string): Decimal {
  try {
    const d = readDecimal(o[f], `${where}.${f}`);
    if (d === null) throw new Failure(`${where} 缺少数值字段：${f}`);
    return d;
  } catch (e) {
    if (e instanceof InputError) throw new Failure(e.message);
    throw e;
  }
}

export function requirePsnRegion(env: RequestEnvelope): void {
  // §1.1: insuplc_admdvs is required whenever the input carries a psn_no.
  if (env.insuplc_admdvs === '') throw new Failure('参保地医保区划（insuplc_admdvs）不能为空：本交易涉及参保人员');
}

export function serial(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Next value of a per-table sequence; inside the transaction, so a rollback gives it back. Kept
 * apart from the rows (and out of the undo log): an id a 冲正 took back is never handed out again.
 */
export function nextSeq(store: AgencyStore, table: 'sign_ins' | 'admissions' | 'settlements' | 'claims' | 'deferrals' | 'otp_visits'): number {
  const row = store.db.prepare(`INSERT INTO seqs (name, n) VALUES (?, (SELECT count(*) FROM ${table}) + 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1 RETURNING n`).get(table) as { n: number };
  return row.n;
}

export function findPerson(store: AgencyStore, psnNo: string): PersonRow | undefined {
  return store.db.prepare('SELECT * FROM persons WHERE psn_no = ?').get(psnNo) as PersonRow | undefined;
}

function findAdmission(ctx: TxContext, mdtrtId: string): AdmissionRow {
  const a = ctx.store.db.prepare('SELECT * FROM admissions WHERE mdtrt_id = ? AND fixmedins_code = ?').get(mdtrtId, ctx.inst.code) as AdmissionRow | undefined;
  if (!a) throw new Failure(`就诊ID不存在：${mdtrtId}`);
  return a;
}

export function registrationOf(store: AgencyStore, certno: string): RegistrationRow | undefined {
  // An active registration wins over a cancelled one; among equals the latest start.
  return store.db.prepare(`SELECT * FROM registrations WHERE certno = ? ORDER BY (status = 'active') DESC, effective_from DESC, id DESC LIMIT 1`).get(certno) as RegistrationRow | undefined;
}

function registrationJson(r: RegistrationRow): JsonObject {
  return {
    agencyId: r.agency_id,
    group: r.grp,
    basis: r.basis,
    destination: r.destination,
    effectiveFrom: r.effective_from,
    proofSuppliedOn: r.proof_supplied_on,
    status: r.status,
  };
}

function tx9001(ctx: TxContext): JsonObject {
  const s = nodeOf(ctx.env, 'signIn');
  need(s, ['opter_no', 'ip'], 'signIn');
  const seq = nextSeq(ctx.store, 'sign_ins');
  const signNo = `${compactTimeCST(ctx.now).slice(0, 8)}${serial(seq, 10)}`;
  const signTime = infTimeCST(ctx.now);
  ctx.store.db.prepare('INSERT INTO sign_ins (sign_no, fixmedins_code, opter, sign_time, msgid, signed_at) VALUES (?, ?, ?, ?, ?, ?)').run(signNo, ctx.inst.code, text(s, 'opter_no'), signTime, ctx.env.msgid, ctx.now.toISOString());
  return { signinoutb: { sign_time: signTime, sign_no: signNo } };
}

/** 9002 签退: the sign-in ends; a transaction under it afterwards is refused (签到). */
function tx9002(ctx: TxContext): JsonObject {
  const s = nodeOf(ctx.env, 'signOut');
  need(s, ['sign_no', 'opter_no'], 'signOut');
  const row = ctx.store.db.prepare('SELECT id, ended_at FROM sign_ins WHERE sign_no = ? AND fixmedins_code = ?').get(text(s, 'sign_no'), ctx.inst.code) as { id: number; ended_at: string | null } | undefined;
  if (!row) throw new Failure(`签到编号不存在：${text(s, 'sign_no')}`);
  if (row.ended_at === null) ctx.store.db.prepare('UPDATE sign_ins SET ended_at = ? WHERE id = ?').run(ctx.now.toISOString(), row.id);
  return { signoutoutb: { sign_time: infTimeCST(ctx.now) } };
}

/**
 * 2601 冲正 (national-interface.md 2601): takes back the original message named by omsgid and
 * oinfno. Refusals worded as the platforms word them: the original does not exist / did not
 * succeed / was reversed already — all three mean "not in effect" to the desk.
 */
function tx2601(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['omsgid', 'oinfno'], 'data');
  const omsgid = text(d, 'omsgid');
  const oinfno = text(d, 'oinfno');
  const db = ctx.store.db;
  const orig = db.prepare('SELECT msgid, infno, request, infcode, reversed_by FROM messages WHERE msgid = ? AND fixmedins_code = ?').get(omsgid, ctx.inst.code) as
    { msgid: string; infno: string; request: string; infcode: number | null; reversed_by: string | null } | undefined;
  if (!orig) throw new Failure(`原交易不存在：报文ID ${omsgid}`);
  if (orig.infno !== oinfno) throw new Failure(`原交易编号不一致：报文ID ${omsgid} 为交易 ${orig.infno}，不是 ${oinfno}`);
  if (orig.reversed_by !== null) throw new Failure(`原交易已冲正（冲正报文ID ${orig.reversed_by}）`);
  if (orig.infcode !== 0) throw new Failure(`原交易未成功，无需冲正：报文ID ${omsgid}`);
  if (!isStateChanging(oinfno)) throw new Failure(`交易 ${oinfno} 不支持冲正`);
  const origPsn = psnNoOf((JSON.parse(orig.request) as { input?: unknown }).input);
  const psn = readText(d.psn_no) ?? '';
  if (origPsn !== '' && psn !== origPsn) throw new Failure(`人员编号（psn_no）${psn || '（空）'} 与原交易的 ${origPsn} 不一致`);
  const isReversed = (m: string): boolean => {
    const r = db.prepare('SELECT reversed_by FROM messages WHERE msgid = ?').get(m) as { reversed_by: string | null } | undefined;
    return r?.reversed_by != null;
  };
  const later = laterTouch(db, omsgid, isReversed);
  if (later) throw new Failure(`原交易之后已有交易（报文ID ${later}）改动同一业务，不能冲正，请先冲正或撤销后续交易`);
  try {
    undoMessage(db, omsgid);
  } catch (e) {
    // What the original removed cannot come back beside what a later transaction put in its place
    // (a withdrawn fee line's serial number uploaded again): the savepoint drops the partial undo.
    if (typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('SQLITE_CONSTRAINT')) {
      throw new Failure('原交易之后已有交易重新使用了同一业务编号（如费用明细流水号），不能冲正，请先撤销后续交易');
    }
    throw e;
  }
  db.prepare('UPDATE messages SET reversed_by = ? WHERE msgid = ?').run(ctx.env.msgid, omsgid);
  return { data: { omsgid, oinfno, rvs_time: infTimeCST(ctx.now) } };
}

function tx1101(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['mdtrt_cert_type', 'mdtrt_cert_no'], 'data');
  const certType = text(d, 'mdtrt_cert_type');
  const certNo = text(d, 'mdtrt_cert_no');
  if (!['01', '02', '03'].includes(certType)) throw new Failure(`就诊凭证类型（mdtrt_cert_type）不正确：${certType}`);
  const db = ctx.store.db;
  // 02 = ID number, 03 = social security card. For 01 (e-voucher) the reference agency accepts
  // the person's psn_no or ID number as the token: it has no e-voucher service to decode one.
  const person = (certType === '03'
    ? db.prepare('SELECT * FROM persons WHERE card_no = ?').get(certNo)
    : certType === '02'
      ? db.prepare('SELECT * FROM persons WHERE certno = ?').get(certNo.toUpperCase())
      : db.prepare('SELECT * FROM persons WHERE psn_no = ? OR certno = ?').get(certNo, certNo.toUpperCase())) as PersonRow | undefined;
  if (!person) throw new Failure(`未查询到该人员的参保信息（${certType === '02' ? maskId(certNo) : `凭证 ${certType}`}）`);
  const reg = registrationOf(ctx.store, person.certno);
  let age: number | null;
  try {
    age = ageOn(person.brdy, todayCST(ctx.now));
  } catch {
    // A seeded birth date the calendar cannot read: leave the age out rather than fail 1101.
    age = null;
  }
  return {
    baseinfo: {
      psn_no: person.psn_no,
      psn_cert_type: person.psn_cert_type,
      certno: person.certno,
      psn_name: person.psn_name,
      gend: person.gend,
      naty: person.naty,
      brdy: person.brdy,
      age,
    },
    insuinfo: JSON.parse(person.insuinfo) as unknown,
    idetinfo: JSON.parse(person.idetinfo) as unknown,
    // A desk extension: a real 1101 has baseinfo, insuinfo and idetinfo only.
    ...(ctx.registrationExtension ? { registration: reg ? registrationJson(reg) : null } : {}),
  };
}

const ADMISSION_REQUIRED = ['psn_no', 'insutype', 'begntime', 'mdtrt_cert_type', 'mdtrt_cert_no', 'med_type', 'ipt_no', 'atddr_no', 'chfpdr_name',
  'adm_diag_dscr', 'adm_dept_codg', 'adm_dept_name', 'adm_bed', 'dscg_maindiag_code', 'dscg_maindiag_name'] as const;

function tx2401(ctx: TxContext): JsonObject {
  const m = nodeOf(ctx.env, 'mdtrtinfo');
  need(m, ADMISSION_REQUIRED, 'mdtrtinfo');
  requirePsnRegion(ctx.env);
  const psnNo = text(m, 'psn_no');
  const person = findPerson(ctx.store, psnNo);
  if (!person) throw new Failure(`人员编号不存在：${psnNo}`);
  // The insured region checks the registration here when the desk has no 1101 extension to see
  // it (004 第二十二条); an emergency admission (med_type 24) is treated as registered (第三十七条).
  if (!ctx.registrationExtension && text(m, 'med_type') !== '24') {
    const reg = registrationOf(ctx.store, person.certno);
    if (!reg || reg.status !== 'active') throw new Failure('该参保人无有效的异地就医备案信息，不能办理异地就医直接结算入院');
  }
  const db = ctx.store.db;
  const open = db.prepare(`SELECT mdtrt_id, fixmedins_code FROM admissions WHERE psn_no = ? AND status = 'admitted'`).get(psnNo) as { mdtrt_id: string; fixmedins_code: string } | undefined;
  if (open) throw new Failure(`该人员是在院状态不能办理入院，在院信息：机构编号：${open.fixmedins_code}，就诊ID：${open.mdtrt_id}`);
  const iptNo = text(m, 'ipt_no');
  const dup = db.prepare(`SELECT mdtrt_id FROM admissions WHERE fixmedins_code = ? AND ipt_no = ? AND status <> 'cancelled'`).get(ctx.inst.code, iptNo) as { mdtrt_id: string } | undefined;
  if (dup) throw new Failure(`住院号已办理入院：${iptNo}（就诊ID ${dup.mdtrt_id}）`);
  const mdtrtId = `${ctx.inst.admdvs}${serial(nextSeq(ctx.store, 'admissions'), 12)}`;
  db.prepare(`INSERT INTO admissions (mdtrt_id, fixmedins_code, psn_no, insuplc_admdvs, insutype, med_type, ipt_no, begntime, status, detail, msgid)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'admitted', ?, ?)`).run(
    mdtrtId, ctx.inst.code, psnNo, ctx.env.insuplc_admdvs, text(m, 'insutype'), text(m, 'med_type'), iptNo, text(m, 'begntime'),
    JSON.stringify({ mdtrtinfo: m, diseinfo: ctx.env.input.diseinfo ?? [] }), ctx.env.msgid,
  );
  return { result: { mdtrt_id: mdtrtId, psn_no: psnNo, ipt_otp_no: iptNo } };
}

function tx2402(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'dscginfo');
  need(d, ['mdtrt_id', 'psn_no', 'endtime', 'dscg_way'], 'dscginfo');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status === 'cancelled') throw new Failure('该就诊已撤销，不能办理出院');
  if (a.status === 'discharged') throw new Failure('该人员已办理出院');
  ctx.store.db.prepare(`UPDATE admissions SET status = 'discharged', endtime = ? WHERE mdtrt_id = ?`).run(text(d, 'endtime'), a.mdtrt_id);
  return { result: { mdtrt_id: a.mdtrt_id } };
}

function tx2403(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'adminfo');
  need(d, ['mdtrt_id', 'psn_no'], 'adminfo');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status !== 'admitted') throw new Failure(a.status === 'cancelled' ? '该就诊已撤销，不能变更' : '该人员已出院，不能变更入院信息');
  const detail = JSON.parse(a.detail) as { mdtrtinfo: JsonObject; diseinfo: unknown };
  const merged = { ...detail.mdtrtinfo, ...d };
  ctx.store.db.prepare('UPDATE admissions SET detail = ?, med_type = ?, begntime = ? WHERE mdtrt_id = ?').run(
    JSON.stringify({ mdtrtinfo: merged, diseinfo: ctx.env.input.diseinfo ?? detail.diseinfo }), text(merged, 'med_type'), text(merged, 'begntime'), a.mdtrt_id,
  );
  return { result: { mdtrt_id: a.mdtrt_id } };
}

function tx2404(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['mdtrt_id', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status === 'cancelled') throw new Failure('该就诊已撤销');
  if (a.status === 'discharged') throw new Failure('该人员已出院，请先办理出院撤销');
  if (activeSettlement(ctx, a.mdtrt_id)) throw new Failure('该就诊已结算，请先撤销结算');
  ctx.store.db.prepare(`UPDATE admissions SET status = 'cancelled' WHERE mdtrt_id = ?`).run(a.mdtrt_id);
  return { result: { mdtrt_id: a.mdtrt_id } };
}

/**
 * 2405 出院撤销 (national-interface.md 2405, input data{mdtrt_id, psn_no}): the discharge (2402)
 * is taken back and the patient is in hospital again. Refused as the platform refuses: the stay
 * is unknown, cancelled, not discharged, still settled (2305 first — the typical reversal is
 * 2305 → 2405 → 2302 → 2404), or the person is meanwhile in hospital on another stay.
 */
function tx2405(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['mdtrt_id', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status === 'cancelled') throw new Failure('该就诊已撤销，不能撤销出院');
  if (a.status !== 'discharged') throw new Failure('该人员未办理出院，不能撤销出院');
  const settled = activeSettlement(ctx, a.mdtrt_id);
  if (settled) throw new Failure(`该就诊已结算（结算ID ${settled.setl_id}），请先撤销结算`);
  const open = ctx.store.db.prepare(`SELECT mdtrt_id FROM admissions WHERE psn_no = ? AND status = 'admitted' AND mdtrt_id <> ?`).get(a.psn_no, a.mdtrt_id) as { mdtrt_id: string } | undefined;
  if (open) throw new Failure(`该人员是在院状态不能撤销出院，在院信息：就诊ID：${open.mdtrt_id}`);
  ctx.store.db.prepare(`UPDATE admissions SET status = 'admitted', endtime = NULL WHERE mdtrt_id = ?`).run(a.mdtrt_id);
  return { result: { mdtrt_id: a.mdtrt_id } };
}

const FEE_REQUIRED = ['feedetl_sn', 'mdtrt_id', 'psn_no', 'med_type', 'fee_ocur_time', 'med_list_codg', 'medins_list_codg',
  'det_item_fee_sumamt', 'cnt', 'pric', 'bilg_dept_codg', 'bilg_dept_name', 'bilg_dr_codg', 'bilg_dr_name'] as const;

export interface CatalogueRow {
  med_chrgitm_type: string;
  chrgitm_lv: string;
  selfpay_prop: string;
  pric_uplmt_amt: string | null;
}

/** A row of the agency's catalogue as the engine's item (levels stored as 1/2/3 or 01/02/03). */
export function catalogueItemOf(item: CatalogueRow): LineForSettle['item'] & object {
  const lv = item.chrgitm_lv === '1' ? '01' : item.chrgitm_lv === '2' ? '02' : item.chrgitm_lv === '3' ? '03' : (item.chrgitm_lv as '01');
  return { chrgitmLv: lv, selfpayProp: parseRatio(item.selfpay_prop), pricUplmtAmt: item.pric_uplmt_amt === null ? null : parseDecimal(item.pric_uplmt_amt) };
}

function tx2301(ctx: TxContext): JsonObject {
  const lines = listOf(ctx.env, 'feedetail');
  requirePsnRegion(ctx.env);
  const db = ctx.store.db;
  const seen = new Set<string>();
  const insert = db.prepare('INSERT INTO fee_details (mdtrt_id, feedetl_sn, med_list_codg, det_item_fee_sumamt, cnt, pric, line, msgid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const result = lines.map((line, i) => {
    const where = `feedetail 第 ${i + 1} 条`;
    need(line, FEE_REQUIRED, where);
    const sn = text(line, 'feedetl_sn');
    const a = findAdmission(ctx, text(line, 'mdtrt_id'));
    if (a.status === 'cancelled') throw new Failure(`${where}：该就诊已撤销，不能上传费用`);
    if (activeSettlement(ctx, a.mdtrt_id)) throw new Failure(`${where}：该就诊已结算，不能上传费用`);
    if (seen.has(`${a.mdtrt_id}/${sn}`) || db.prepare('SELECT 1 FROM fee_details WHERE mdtrt_id = ? AND feedetl_sn = ?').get(a.mdtrt_id, sn)) {
      throw new Failure(`${where}：费用明细流水号重复：${sn}`);
    }
    seen.add(`${a.mdtrt_id}/${sn}`);
    const amount = amountOf(line, 'det_item_fee_sumamt', where)!;
    const cnt = decimalOf(line, 'cnt', where);
    const pric = decimalOf(line, 'pric', where);
    insert.run(a.mdtrt_id, sn, text(line, 'med_list_codg'), toText(amount), cnt.toString(), pric.toString(), JSON.stringify(line), ctx.env.msgid);
    const item = db.prepare('SELECT * FROM catalogue WHERE med_list_codg = ? ORDER BY id DESC LIMIT 1').get(text(line, 'med_list_codg')) as CatalogueRow | undefined;
    // The hospital region splits each line by its own catalogue (004 第三十六条(一)), with the shared engine's line rule.
    const split = splitLine(engineLine({
      feedetlSn: sn, medListCodg: text(line, 'med_list_codg'), name: text(line, 'medins_list_codg') || text(line, 'med_list_codg'), cnt: cnt.toString(), pric: pric.toString(),
      amount: toText(amount), selfPay: text(line, 'hosp_appr_flag') === '2', item: item ? catalogueItemOf(item) : null,
    }));
    return {
      inscp_scp_amt: toText(split.in),
      preselfpay_amt: toText(split.pre),
      overlmt_amt: toText(split.over),
      fulamt_ownpay_amt: toText(split.full),
      feedetl_sn: sn,
      det_item_fee_sumamt: toText(amount),
      cnt: cnt.toString(),
      pric: pric.toString(),
      pric_uplmt_amt: item?.pric_uplmt_amt ?? null,
      selfpay_prop: item?.selfpay_prop ?? '1',
      chrgitm_lv: item?.chrgitm_lv ?? '03',
      med_chrgitm_type: item?.med_chrgitm_type ?? '14',
      memo: item ? '' : '目录外项目，按全自费处理',
    };
  });
  return { result };
}

/**
 * 2302 住院费用明细撤销 (national-interface.md 2302, input data{feedetl_sn, mdtrt_id, psn_no};
 * feedetl_sn "0000" = every line of the stay): the lines are withdrawn, and their serial numbers
 * may be uploaded again (2301). Refused when the stay is unknown or cancelled, settled (2305
 * first), the line does not exist, or there is no line to withdraw.
 */
function tx2302(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['feedetl_sn', 'mdtrt_id', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status === 'cancelled') throw new Failure('该就诊已撤销，不能撤销费用明细');
  const settled = activeSettlement(ctx, a.mdtrt_id);
  if (settled) throw new Failure(`该就诊已结算（结算ID ${settled.setl_id}），不能撤销费用明细，请先撤销结算`);
  const db = ctx.store.db;
  const sn = text(d, 'feedetl_sn');
  if (sn === '0000') {
    const n = db.prepare('DELETE FROM fee_details WHERE mdtrt_id = ?').run(a.mdtrt_id).changes;
    if (n === 0) throw new Failure(`该就诊没有可撤销的费用明细：就诊ID ${a.mdtrt_id}`);
  } else if (db.prepare('DELETE FROM fee_details WHERE mdtrt_id = ? AND feedetl_sn = ?').run(a.mdtrt_id, sn).changes === 0) {
    throw new Failure(`费用明细流水号不存在：${sn}（就诊ID ${a.mdtrt_id}）`);
  }
  return {};
}

function activeSettlement(ctx: TxContext, mdtrtId: string): SettlementRow | undefined {
  return ctx.store.db.prepare(`SELECT * FROM settlements s WHERE s.mdtrt_id = ? AND s.kind = 'settle'
    AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.kind = 'reversal' AND r.reverses = s.setl_id)`).get(mdtrtId) as SettlementRow | undefined;
}

export interface AgencySettlementInput {
  /** input.data of the 2303 / 2304 request. */
  data: JsonObject;
  msgid: string;
  /** Assigned by the agency for 2304; null for the 2303 preview. */
  setlId: string | null;
  person: PersonRow;
  admission: AdmissionRow;
  clrOptins: string;
  now: Date;
  store: AgencyStore;
  inst: Institution;
}

/** What the agency's own books say the person's funds paid in a year (by discharge year), other stays only. */
function cumulative(store: AgencyStore, psnNo: string, insutype: string, year: number, excludeMdtrtId: string | null): { admissions: number; pool: Decimal; supplementary: Decimal } {
  const rows = store.db.prepare(`SELECT s.setl_id, s.kind, s.reverses, s.mdtrt_id, s.setlinfo FROM settlements s JOIN admissions a ON a.mdtrt_id = s.mdtrt_id
    WHERE s.psn_no = ? AND s.insutype = ? AND substr(coalesce(a.endtime, s.setl_date), 1, 4) = ? AND s.mdtrt_id <> ?`)
    .all(psnNo, insutype, String(year), excludeMdtrtId ?? '') as { setl_id: string; kind: string; reverses: string | null; mdtrt_id: string; setlinfo: string }[];
  const reversed = new Set(rows.filter((r) => r.kind === 'reversal').map((r) => r.reverses));
  const amt = (info: JsonObject, f: string): Decimal => (typeof info[f] === 'string' ? new Decimal(info[f] as string) : ZERO);
  let pool: Decimal = ZERO;
  let supplementary: Decimal = ZERO;
  for (const r of rows) {
    const info = (JSON.parse(r.setlinfo) as { setlinfo: JsonObject }).setlinfo;
    pool = pool.plus(amt(info, 'hifp_pay'));
    supplementary = supplementary.plus(amt(info, 'hifob_pay')).plus(amt(info, 'hifmi_pay'));
  }
  const admissions = new Set(rows.filter((r) => r.kind === 'settle' && !reversed.has(r.setl_id)).map((r) => r.mdtrt_id)).size;
  return { admissions, pool, supplementary };
}

/**
 * The agency's settlement answer, recomputed from its own books with the shared engine
 * (DOMAIN §6a — the same cents every desk computes): the insured region's policy for the
 * person's pooling region, scheme and discharge year from its policies table; the fee lines it
 * received through 2301, classified with its own catalogue (a line sent with hosp_appr_flag "2" is
 * self-paid); the person's group from its registration (none: 未备案, an emergency admission
 * med_type 24 without one: 急诊); this year's earlier stays, pool and supplementary payments from
 * its settlements; civil-servant flag and account balance from the person's insuinfo. Nothing of
 * the desk's own amounts is used, so a difference on the desk's side shows as a mismatch.
 */
export function computeAgencySettlement(input: AgencySettlementInput): { setlinfo: JsonObject; setldetail: JsonObject[] } {
  const { data, person, admission, store } = input;
  const db = store.db;
  const endDate = readDate(admission.endtime) ?? todayCST(input.now);
  const insuinfo = (JSON.parse(person.insuinfo) as JsonObject[]).find((i) => i.insutype === admission.insutype) ?? {};
  const policies = (db.prepare('SELECT * FROM policies WHERE insutype = ?').all(admission.insutype) as { id: number; version: string; insuplc_admdvs: string; insutype: string; year: number; body: string }[])
    .map((p) => ({ id: p.id, version: p.version, insuplcAdmdvs: p.insuplc_admdvs, insutype: p.insutype, year: p.year, body: JSON.parse(p.body) as unknown }));
  const policy = pickPolicy(policies, { insuredRegion: admission.insuplc_admdvs, insutype: admission.insutype, dischargedOn: endDate });
  if (!policy) throw new Failure(`未找到参保地 ${admission.insuplc_admdvs} 险种 ${admission.insutype} ${endDate.slice(0, 4)} 年度的待遇政策`);

  const lines = db.prepare('SELECT line FROM fee_details WHERE mdtrt_id = ? ORDER BY id').all(admission.mdtrt_id) as { line: string }[];
  if (lines.length === 0) throw new Failure('该就诊没有上传费用明细（2301），不能结算');
  const catalogue = db.prepare('SELECT * FROM catalogue WHERE med_list_codg = ? ORDER BY id DESC LIMIT 1');
  const fees = lines.map(({ line }) => {
    const l = JSON.parse(line) as JsonObject;
    const code = text(l, 'med_list_codg');
    const item = catalogue.get(code) as CatalogueRow | undefined;
    const amount = amountOf(l, 'det_item_fee_sumamt', 'feedetail')!;
    return feeForSettle({
      feedetlSn: text(l, 'feedetl_sn'), medListCodg: code, name: text(l, 'medins_list_codg') || code,
      cnt: decimalOf(l, 'cnt', 'feedetail').toString(), pric: decimalOf(l, 'pric', 'feedetail').toString(), amount: toText(amount),
      // UNVERIFIED: hosp_appr_flag "2" read as 审批不通过 — the patient pays the line in full.
      selfPay: text(l, 'hosp_appr_flag') === '2',
      item: item ? catalogueItemOf(item) : null,
    });
  });

  const reg = registrationOf(store, person.certno);
  const medType = admission.med_type;
  const group = reg && reg.status === 'active' ? settleGroupOf(reg.grp) : medType === '24' ? 'emergency' : 'unregistered';
  const cum = cumulative(store, person.psn_no, admission.insutype, Number(endDate.slice(0, 4)), admission.mdtrt_id);
  let settled;
  try {
    settled = computeSettlement(parseSettleInput({
      policy: enginePolicy(policy.body),
      hospitalLevel: input.inst.level ?? 3,
      group,
      priorAdmissionsThisYear: cum.admissions,
      poolPaidThisYear: toText(cum.pool),
      supplementaryPaidThisYear: toText(cum.supplementary),
      civilServant: readText(insuinfo.cvlserv_flag) === '1',
      useAccount: text(data, 'acct_used_flag') === '1',
      accountBalance: toText(readAmount(insuinfo.balc) ?? ZERO),
      fees,
    }));
  } catch (e) {
    if (e instanceof InputError) throw new Failure(`结算计算失败：${e.message}`);
    throw e;
  }
  const r = settled;
  const setlinfo: JsonObject = {
    mdtrt_id: admission.mdtrt_id,
    ...(input.setlId !== null ? { setl_id: input.setlId } : {}),
    psn_no: person.psn_no,
    psn_name: person.psn_name,
    psn_cert_type: person.psn_cert_type,
    certno: person.certno,
    gend: person.gend,
    naty: person.naty,
    brdy: person.brdy,
    insutype: admission.insutype,
    psn_type: readText(insuinfo.psn_type) ?? '',
    cvlserv_flag: readText(insuinfo.cvlserv_flag) ?? '0',
    med_type: medType,
    mdtrt_cert_type: text(data, 'mdtrt_cert_type'),
    setl_time: infTimeCST(input.now),
    medfee_sumamt: toText(r.medfee_sumamt),
    fulamt_ownpay_amt: toText(r.fulamt_ownpay_amt),
    overlmt_selfpay: toText(r.overlmt_selfpay),
    preselfpay_amt: toText(r.preselfpay_amt),
    inscp_scp_amt: toText(r.inscp_scp_amt),
    act_pay_dedc: toText(r.act_pay_dedc),
    hifp_pay: toText(r.hifp_pay),
    cvlserv_pay: toText(r.cvlserv_pay),
    hifes_pay: '0.00',
    hifmi_pay: toText(r.hifmi_pay),
    hifob_pay: toText(r.hifob_pay),
    maf_pay: '0.00',
    hosp_part_amt: '0.00',
    oth_pay: '0.00',
    fund_pay_sumamt: toText(r.fund_pay_sumamt),
    psn_part_amt: toText(r.psn_part_amt),
    acct_pay: toText(r.acct_pay),
    psn_cash_pay: toText(r.psn_cash_pay),
    balc: toText((readAmount(insuinfo.balc) ?? ZERO).minus(r.acct_pay)),
    medins_setl_id: input.msgid,
    clr_optins: input.clrOptins,
    clr_way: '01',
    clr_type: '21',
    policy_version: r.policyVersion,
  };
  const setldetail = r.setldetail.map((f) => ({
    fund_pay_type: f.fund_pay_type,
    fund_pay_type_name: f.fund_pay_type_name,
    fund_payamt: toText(f.fund_payamt),
    inscp_scp_amt: toText(r.inscp_scp_amt),
    crt_payb_lmt_amt: null,
    setl_proc_info: null,
  }));
  return { setlinfo, setldetail };
}

/** 5206 人员累计信息查询: this year's counts and fund payments (cum_type_code UNVERIFIED, as one region sends them: C0000 admissions, D{fund}1 fund payments). */
function tx5206(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const person = findPerson(ctx.store, text(d, 'psn_no'));
  if (!person) throw new Failure(`人员编号不存在：${text(d, 'psn_no')}`);
  const ym = readText(d.cum_ym) ?? compactTimeCST(ctx.now).slice(0, 6);
  if (!/^\d{6}$/.test(ym)) throw new Failure(`累计年月（cum_ym）应为 yyyyMM：${ym}`);
  const year = Number(ym.slice(0, 4));
  const cuminfo: JsonObject[] = [];
  for (const info of JSON.parse(person.insuinfo) as JsonObject[]) {
    const insutype = text(info, 'insutype');
    const c = cumulative(ctx.store, person.psn_no, insutype, year, null);
    const pool = insutype === '390' ? 'D390101' : 'D310101';
    const supp = insutype === '390' ? 'D390201' : 'D330101';
    cuminfo.push(
      { insutype, year: String(year), cum_ym: ym, cum_type_code: 'C0000', cum: String(c.admissions) },
      { insutype, year: String(year), cum_ym: ym, cum_type_code: pool, cum: toText(c.pool) },
      { insutype, year: String(year), cum_ym: ym, cum_type_code: supp, cum: toText(c.supplementary) },
    );
  }
  return { cuminfo };
}

/**
 * 5203 结算信息查询: a settlement as the platform holds it (by setl_id; the latest of the stay when
 * only mdtrt_id is given). Field layout UNVERIFIED beyond national-interface.md: the 2304 answer's
 * setlinfo and setldetail, as most regional documents show it.
 */
function tx5203(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const setlId = readText(d.setl_id);
  const mdtrtId = readText(d.mdtrt_id);
  if (!setlId && !mdtrtId) throw new Failure('结算ID（setl_id）与就诊ID（mdtrt_id）至少填一个');
  const row = (setlId
    ? ctx.store.db.prepare('SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ?').get(setlId, ctx.inst.code)
    : ctx.store.db.prepare('SELECT * FROM settlements WHERE mdtrt_id = ? AND fixmedins_code = ? ORDER BY rowid DESC LIMIT 1').get(mdtrtId, ctx.inst.code)) as SettlementRow | undefined;
  if (!row || row.psn_no !== text(d, 'psn_no')) throw new Failure(`未查询到结算信息：${setlId ?? mdtrtId}`);
  const reversed = ctx.store.db.prepare(`SELECT setl_id FROM settlements WHERE kind = 'reversal' AND reverses = ?`).get(row.setl_id) as { setl_id: string } | undefined;
  const body = JSON.parse(row.setlinfo) as { setlinfo: JsonObject; setldetail: JsonObject[] };
  return { setlinfo: { ...body.setlinfo, refd_setl_flag: row.kind === 'reversal' ? '1' : '0', ...(reversed ? { revs_setl_id: reversed.setl_id } : {}) }, setldetail: body.setldetail };
}

/** 5204 费用明细查询: the stay's fee lines the platform holds (what 2301 uploaded and 2302 did not withdraw). */
function tx5204(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no', 'mdtrt_id'], 'data');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  const rows = ctx.store.db.prepare('SELECT feedetl_sn, med_list_codg, det_item_fee_sumamt, cnt, pric, line FROM fee_details WHERE mdtrt_id = ? ORDER BY id').all(a.mdtrt_id) as { feedetl_sn: string; med_list_codg: string; det_item_fee_sumamt: string; cnt: string; pric: string; line: string }[];
  return {
    output: rows.map((r) => {
      const l = JSON.parse(r.line) as JsonObject;
      return { feedetl_sn: r.feedetl_sn, mdtrt_id: a.mdtrt_id, med_list_codg: r.med_list_codg, medins_list_codg: l.medins_list_codg ?? null, fee_ocur_time: l.fee_ocur_time ?? null, cnt: r.cnt, pric: r.pric, det_item_fee_sumamt: r.det_item_fee_sumamt };
    }),
  };
}

/** 5303 在院信息查询: the person's stays the platform has as in hospital (UNVERIFIED field layout). */
function tx5303(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const rows = ctx.store.db.prepare(`SELECT mdtrt_id, psn_no, insutype, med_type, ipt_no, begntime, fixmedins_code FROM admissions WHERE psn_no = ? AND status = 'admitted' ORDER BY id`).all(text(d, 'psn_no')) as JsonObject[];
  return { data: rows.map((r) => ({ ...r, fixmedins_name: r.fixmedins_code === ctx.inst.code ? ctx.inst.name : null, ipt_otp_no: r.ipt_no })) };
}

const SPECIAL_DRUGS_SCHEMA = 'CREATE TABLE IF NOT EXISTS special_drugs (med_list_codg TEXT PRIMARY KEY)';

/** For tests: the drug codes the platform keeps special-drug records of (5205). */
export function seedSpecialDrugs(db: Database.Database, codes: readonly string[]): void {
  db.exec(SPECIAL_DRUGS_SCHEMA);
  const stmt = db.prepare('INSERT OR IGNORE INTO special_drugs (med_list_codg) VALUES (?)');
  for (const c of codes) stmt.run(c);
}

/**
 * 5205 人员慢特病用药记录查询 (UNVERIFIED layout: national-interface.md does not describe it): the
 * person's uploaded fee lines of special drugs (seedSpecialDrugs) at this hospital, their fee day in
 * [begndate, enddate].
 */
function tx5205(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['psn_no', 'begndate', 'enddate'], 'data');
  requirePsnRegion(ctx.env);
  ctx.store.db.exec(SPECIAL_DRUGS_SCHEMA);
  const rows = ctx.store.db.prepare(`SELECT f.mdtrt_id, f.med_list_codg, f.cnt, f.det_item_fee_sumamt, f.line FROM fee_details f JOIN admissions a ON a.mdtrt_id = f.mdtrt_id
    WHERE a.psn_no = ? AND a.fixmedins_code = ? AND f.med_list_codg IN (SELECT med_list_codg FROM special_drugs) ORDER BY f.id`).all(text(d, 'psn_no'), ctx.inst.code) as { mdtrt_id: string; med_list_codg: string; cnt: string; det_item_fee_sumamt: string; line: string }[];
  const from = text(d, 'begndate').slice(0, 10);
  const to = text(d, 'enddate').slice(0, 10);
  return {
    data: rows.flatMap((r) => {
      const l = JSON.parse(r.line) as JsonObject;
      const day = String(l.fee_ocur_time ?? '').slice(0, 10);
      if (day < from || day > to) return [];
      return [{ mdtrt_id: r.mdtrt_id, fixmedins_code: ctx.inst.code, fixmedins_name: ctx.inst.name, med_list_codg: r.med_list_codg, med_list_name: l.med_list_name ?? l.medins_list_name ?? null, cnt: r.cnt, det_item_fee_sumamt: r.det_item_fee_sumamt, fee_ocur_time: l.fee_ocur_time ?? null }];
    }),
  };
}

const SETTLE_REQUIRED = ['psn_no', 'mdtrt_cert_type', 'mdtrt_cert_no', 'medfee_sumamt', 'psn_setlway', 'mdtrt_id', 'insutype', 'acct_used_flag'] as const;

function settlementContext(ctx: TxContext, d: JsonObject): { a: AdmissionRow; person: PersonRow } {
  need(d, SETTLE_REQUIRED, 'data');
  requirePsnRegion(ctx.env);
  const a = findAdmission(ctx, text(d, 'mdtrt_id'));
  if (a.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与就诊信息不一致');
  if (a.status === 'cancelled') throw new Failure('该就诊已撤销，不能结算');
  const person = findPerson(ctx.store, a.psn_no);
  if (!person) throw new Failure(`人员编号不存在：${a.psn_no}`);
  return { a, person };
}

function tx2303(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  const { a, person } = settlementContext(ctx, d);
  return computeAgencySettlement({ data: d, msgid: ctx.env.msgid, setlId: null, person, admission: a, clrOptins: ctx.inst.admdvs, now: ctx.now, store: ctx.store, inst: ctx.inst });
}

function tx2304(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  const { a, person } = settlementContext(ctx, d);
  if (a.status !== 'discharged' && text(d, 'mid_setl_flag') !== '1') throw new Failure('该人员尚未办理出院（2402），不能办理结算');
  const open = activeSettlement(ctx, a.mdtrt_id);
  if (open) throw new Failure(`该就诊已结算（结算ID ${open.setl_id}），请勿重复结算`);
  const setlId = `${ctx.inst.admdvs}S${serial(nextSeq(ctx.store, 'settlements'), 11)}`;
  const out = computeAgencySettlement({ data: d, msgid: ctx.env.msgid, setlId, person, admission: a, clrOptins: ctx.inst.admdvs, now: ctx.now, store: ctx.store, inst: ctx.inst });
  const s = out.setlinfo;
  const amt = (f: string): string => (typeof s[f] === 'string' ? (s[f] as string) : '0.00');
  ctx.store.db.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid)
    VALUES (?, 'settle', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    setlId, ctx.inst.code, a.mdtrt_id, a.psn_no, a.insutype, infTimeCST(ctx.now), todayCST(ctx.now),
    amt('medfee_sumamt'), amt('fund_pay_sumamt'), amt('acct_pay'), amt('psn_cash_pay'), JSON.stringify(out), ctx.env.msgid,
  );
  return out;
}

function tx2305(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['mdtrt_id', 'setl_id', 'psn_no'], 'data');
  requirePsnRegion(ctx.env);
  const db = ctx.store.db;
  // 2305 takes back a stay's settlement; an outpatient one (clr_type 11) is 2208's.
  const s = db.prepare(`SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ? AND kind = 'settle' AND clr_type = '21'`).get(text(d, 'setl_id'), ctx.inst.code) as SettlementRow | undefined;
  if (!s || s.mdtrt_id !== text(d, 'mdtrt_id')) throw new Failure(`结算ID不存在：${text(d, 'setl_id')}`);
  if (s.psn_no !== text(d, 'psn_no')) throw new Failure('人员编号与结算信息不一致');
  const done = db.prepare(`SELECT setl_id FROM settlements WHERE kind = 'reversal' AND reverses = ?`).get(s.setl_id) as { setl_id: string } | undefined;
  if (done) throw new Failure(`该结算已撤销（撤销结算ID ${done.setl_id}）`);
  // A settlement already claimed (or cleared) may be reversed: the reversal is a settlement record
  // of its own date, declared as a negative line in the claim of its own period (issue 14 §4;
  // CLI.md claim). UNVERIFIED whether every region's platform accepts it for a stay.
  const original = JSON.parse(s.setlinfo) as { setlinfo: JsonObject; setldetail: JsonObject[] };
  const setlId = `${ctx.inst.admdvs}S${serial(nextSeq(ctx.store, 'settlements'), 11)}`;
  const negate = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+\.\d{2}$/.test(v) ? toText(new Decimal(v).negated()) : v);
  const setlinfo: JsonObject = { ...original.setlinfo, setl_id: setlId, setl_time: infTimeCST(ctx.now), medins_setl_id: ctx.env.msgid };
  for (const f of SETTLEMENT_AMOUNT_FIELDS) if (f !== 'balc' && f in setlinfo) setlinfo[f] = negate(setlinfo[f]);
  const setldetail = original.setldetail.map((x) => ({ ...x, fund_payamt: negate(x.fund_payamt), inscp_scp_amt: negate(x.inscp_scp_amt) }));
  const neg = (t: string): string => toText(new Decimal(t).negated());
  db.prepare(`INSERT INTO settlements (setl_id, kind, reverses, fixmedins_code, mdtrt_id, psn_no, insutype, setl_time, setl_date, medfee_sumamt, fund_pay_sumamt, acct_pay, psn_cash_pay, setlinfo, msgid)
    VALUES (?, 'reversal', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    setlId, s.setl_id, ctx.inst.code, s.mdtrt_id, s.psn_no, s.insutype, infTimeCST(ctx.now), todayCST(ctx.now),
    neg(s.medfee_sumamt), neg(s.fund_pay_sumamt), neg(s.acct_pay), neg(s.psn_cash_pay), JSON.stringify({ setlinfo, setldetail }), ctx.env.msgid,
  );
  return { setlinfo, setldetail };
}

function tx3201(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['stmt_begndate', 'stmt_enddate', 'fixmedins_setl_cnt'], 'data');
  const begin = readDate(d.stmt_begndate);
  const end = readDate(d.stmt_enddate);
  if (!begin || !end || begin > end) throw new Failure('对账起止日期（stmt_begndate / stmt_enddate）不正确');
  const sent = {
    medfee: amountOf(d, 'medfee_sumamt', 'data')!,
    fund: amountOf(d, 'fund_pay_sumamt', 'data')!,
    acct: amountOf(d, 'acct_pay', 'data')!,
    cnt: decimalOf(d, 'fixmedins_setl_cnt', 'data'),
  };
  const insutype = readText(d.insutype);
  // Reversals are settlement records with negative amounts: the totals net, and each record counts.
  // Per 清算类别 when the request names one (clr_type, national-interface.md 3201): outpatient (11) and stays (21) apart.
  const clrType = readText(d.clr_type);
  const rows = ctx.store.db.prepare(`SELECT * FROM settlements WHERE fixmedins_code = ? AND setl_date BETWEEN ? AND ?${insutype ? ' AND insutype = ?' : ''}${clrType ? ' AND clr_type = ?' : ''}`)
    .all(...[ctx.inst.code, begin, end, ...(insutype ? [insutype] : []), ...(clrType ? [clrType] : [])]) as SettlementRow[];
  const ours = {
    medfee: sum(rows.map((r) => new Decimal(r.medfee_sumamt))),
    fund: sum(rows.map((r) => new Decimal(r.fund_pay_sumamt))),
    acct: sum(rows.map((r) => new Decimal(r.acct_pay))),
    cnt: new Decimal(rows.length),
  };
  const diffs: string[] = [];
  const cmp = (label: string, a: Decimal, b: Decimal, money: boolean): void => {
    if (!a.eq(b)) diffs.push(`${label}：医院 ${money ? toText(a) : a.toString()}，经办机构 ${money ? toText(b) : b.toString()}`);
  };
  cmp('医疗费总额', sent.medfee, ours.medfee, true);
  cmp('基金支付总额', sent.fund, ours.fund, true);
  cmp('个人账户支出', sent.acct, ours.acct, true);
  cmp('结算笔数', sent.cnt, ours.cnt, false);
  return {
    stmtinfo: {
      setl_optins: ctx.inst.admdvs,
      stmt_rslt: diffs.length === 0 ? '0' : '1',
      stmt_rslt_dscr: diffs.length === 0 ? '平' : `不平：${diffs.join('；')}`,
    },
  };
}

const CLAIM_REQUIRED = ['clr_type', 'clr_way', 'setlym', 'psntime', 'medfee_sumamt', 'med_sumfee', 'fund_appy_sum', 'cash_payamt', 'acct_pay', 'begndate', 'enddate'] as const;

/**
 * 3203 清算申请. Beside the national fields the desk sends `insutype`, `clr_scope` (cross 跨省 /
 * in 省内异地: cleared separately, DOMAIN §9) and `setl_ids`, the settlements declared — a
 * desk extension: the agency checks them against its own records (known, this institution's,
 * not in another live claim, totals equal to the fen) so a claim can never carry a settlement
 * twice or an amount the agency did not settle.
 */
function tx3203(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, CLAIM_REQUIRED, 'data');
  const setlym = text(d, 'setlym');
  if (!/^\d{4}(0[1-9]|1[0-2])$/.test(setlym)) throw new Failure(`清算年月（setlym）应为 yyyyMM：${setlym}`);
  const medfee = amountOf(d, 'medfee_sumamt', 'data')!;
  const fund = amountOf(d, 'fund_appy_sum', 'data')!;
  const acct = amountOf(d, 'acct_pay', 'data')!;
  const cash = amountOf(d, 'cash_payamt', 'data')!;
  amountOf(d, 'med_sumfee', 'data');
  const insutype = readText(d.insutype);
  const scope = readText(d.clr_scope);
  if (scope !== null && scope !== 'cross' && scope !== 'in') throw new Failure(`清算范围（clr_scope）应为 cross 或 in：${scope}`);
  const clrType = text(d, 'clr_type');
  const db = ctx.store.db;
  const dup = db.prepare(`SELECT clr_appy_evt_id FROM claims WHERE fixmedins_code = ? AND setlym = ? AND clr_type = ? AND coalesce(insutype, '') = ? AND coalesce(scope, '') = ? AND status <> '00'`)
    .get(ctx.inst.code, setlym, clrType, insutype ?? '', scope ?? '') as { clr_appy_evt_id: string } | undefined;
  if (dup) throw new Failure(`该清算年月已申报（清算申请事件ID ${dup.clr_appy_evt_id}）`);
  const ids = d.setl_ids;
  let setlIds: string[] = [];
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string' || x === '')) throw new Failure('结算ID列表（setl_ids）应为文本数组');
    setlIds = ids as string[];
    if (new Set(setlIds).size !== setlIds.length) throw new Failure('结算ID列表（setl_ids）有重复');
    const own = db.prepare('SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ?');
    const claimed = db.prepare(`SELECT c.clr_appy_evt_id FROM claims c, json_each(c.setl_ids) j WHERE j.value = ? AND c.fixmedins_code = ? AND c.status <> '00' LIMIT 1`);
    let sums = { medfee: ZERO, fund: ZERO, acct: ZERO, cash: ZERO };
    let psntime = 0;
    for (const id of setlIds) {
      const row = own.get(id, ctx.inst.code) as SettlementRow | undefined;
      if (!row) throw new Failure(`结算ID不存在：${id}`);
      const other = claimed.get(id, ctx.inst.code) as { clr_appy_evt_id: string } | undefined;
      if (other) throw new Failure(`结算 ${id} 已在清算申请 ${other.clr_appy_evt_id} 中申报，不能重复申报`);
      if (insutype !== null && row.insutype !== insutype) throw new Failure(`结算 ${id} 的险种 ${row.insutype} 与申报险种 ${insutype} 不一致`);
      // 清算类别: a stay (21) and a visit (11) are cleared apart (national-interface.md 3203).
      const rowClr = (row as SettlementRow & { clr_type?: string }).clr_type ?? '21';
      if (rowClr !== clrType) throw new Failure(`结算 ${id} 的清算类别 ${rowClr} 与申报清算类别 ${clrType} 不一致`);
      psntime += row.kind === 'reversal' ? -1 : 1;
      sums = {
        medfee: sums.medfee.plus(row.medfee_sumamt), fund: sums.fund.plus(row.fund_pay_sumamt),
        acct: sums.acct.plus(row.acct_pay), cash: sums.cash.plus(row.psn_cash_pay),
      };
    }
    const diffs: string[] = [];
    const cmp = (label: string, sent: Decimal, ours: Decimal): void => {
      if (!sent.eq(ours)) diffs.push(`${label}：申报 ${toText(sent)}，经办机构结算记录合计 ${toText(ours)}`);
    };
    cmp('医疗费总额', medfee, sums.medfee);
    cmp('基金申报总额', fund, sums.fund);
    cmp('个人账户支出', acct, sums.acct);
    cmp('现金支付', cash, sums.cash);
    if (readDecimal(d.psntime)?.eq(psntime) !== true) diffs.push(`清算人次：申报 ${text(d, 'psntime')}，结算记录 ${psntime}`);
    if (diffs.length > 0) throw new Failure(`申报数据与经办机构结算记录不符：${diffs.join('；')}`);
  }
  const id = `${ctx.inst.admdvs}C${serial(nextSeq(ctx.store, 'claims'), 11)}`;
  const at = infTimeCST(ctx.now);
  db.prepare('INSERT INTO claims (clr_appy_evt_id, fixmedins_code, setlym, clr_type, insutype, scope, medfee_sumamt, fund_appy_sum, status, status_time, setl_ids, data, msgid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    id, ctx.inst.code, setlym, clrType, insutype, scope, toText(medfee), toText(fund), '10', at, JSON.stringify(setlIds), JSON.stringify(d), ctx.env.msgid,
  );
  ctx.store.feed(ctx.inst.code, { type: 'claim', clr_appy_evt_id: id, setlym, insutype, clr_scope: scope, status: '10', status_time: at, paid_amount: null, memo: null });
  return { clr_appy_evt_id: id };
}

/** 3204 清算申请撤销: only before the agency accepted it (status 10). */
function tx3204(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['clr_appy_evt_id'], 'data');
  const id = text(d, 'clr_appy_evt_id');
  const c = ctx.store.db.prepare('SELECT * FROM claims WHERE clr_appy_evt_id = ? AND fixmedins_code = ?').get(id, ctx.inst.code) as AgencyClaimRow | undefined;
  if (!c) throw new Failure(`清算申请事件ID不存在：${id}`);
  if (c.status === '00') throw new Failure(`清算申请 ${id} 已撤销`);
  if (c.status !== '10') throw new Failure(`清算申请 ${id} 经办机构已受理（状态 ${c.status}），不能撤销`);
  ctx.store.setClaimStatus(c, '00', ctx.now, null, '医院撤销');
  return { clr_appy_evt_id: id, status: '00' };
}

/**
 * 3290 延期申报说明 — a desk extension (no national code was found; regions have their own): an
 * item that cannot be declared in its window needs an explanation filed by the window's last
 * day (004 第四十九条). Stored pending; the agency's staff decide (decideDeferral) and the
 * decision reaches the desk through the clearing feed.
 */
function tx3290(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['setl_id', 'reason', 'requested_on'], 'data');
  const setlId = text(d, 'setl_id');
  const db = ctx.store.db;
  const row = db.prepare('SELECT * FROM settlements WHERE setl_id = ? AND fixmedins_code = ?').get(setlId, ctx.inst.code) as SettlementRow | undefined;
  if (!row) throw new Failure(`结算ID不存在：${setlId}`);
  const on = readDate(d.requested_on);
  if (!on) throw new Failure(`延期说明日期（requested_on）不正确：${text(d, 'requested_on')}`);
  const [y, m] = [Number(row.setl_date.slice(0, 4)), Number(row.setl_date.slice(5, 7))];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const closes = `${next}-${String(ctx.store.claimWindowEndDay).padStart(2, '0')}`;
  if (on > closes) throw new Failure(`延期说明须在该结算所属月份的申报截止日（${closes}）前提出，收到的日期为 ${on}（004 第四十九条）`);
  if (db.prepare(`SELECT c.clr_appy_evt_id FROM claims c, json_each(c.setl_ids) j WHERE j.value = ? AND c.status <> '00'`).get(setlId)) throw new Failure(`结算 ${setlId} 已申报，无需延期`);
  const open = db.prepare(`SELECT dfr_id FROM deferrals WHERE setl_id = ? AND status <> 'refused'`).get(setlId) as { dfr_id: string } | undefined;
  if (open) throw new Failure(`结算 ${setlId} 已有延期申报（${open.dfr_id}）`);
  const dfrId = `${ctx.inst.admdvs}Y${serial(nextSeq(ctx.store, 'deferrals'), 11)}`;
  db.prepare('INSERT INTO deferrals (dfr_id, fixmedins_code, setl_id, setlym, reason, requested_on, msgid) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    dfrId, ctx.inst.code, setlId, row.setl_date.slice(0, 7).replace('-', ''), text(d, 'reason'), on, ctx.env.msgid,
  );
  return { dfr_id: dfrId, status: 'pending' };
}

/** 3291 审核扣款意见 — a desk extension: the hospital accepts a deduction or disputes it with a note (004 第五十条). */
function tx3291(ctx: TxContext): JsonObject {
  const d = nodeOf(ctx.env, 'data');
  need(d, ['ddn_id', 'opinion'], 'data');
  const opinion = text(d, 'opinion');
  if (opinion !== 'accept' && opinion !== 'dispute') throw new Failure(`意见（opinion）应为 accept 或 dispute：${opinion}`);
  const memo = readText(d.memo);
  if (opinion === 'dispute' && memo === null) throw new Failure('提出异议须写明理由（memo）');
  const row = ctx.store.db.prepare('SELECT * FROM deductions WHERE ddn_id = ? AND fixmedins_code = ?').get(text(d, 'ddn_id'), ctx.inst.code) as AgencyDeductionRow | undefined;
  if (!row) throw new Failure(`审核扣款不存在：${text(d, 'ddn_id')}`);
  if (row.status !== 'issued') throw new Failure(`审核扣款 ${row.ddn_id} 已撤销`);
  ctx.store.db.prepare('UPDATE deductions SET opinion = ?, opinion_memo = ?, opinion_msgid = ? WHERE id = ?').run(opinion, memo, ctx.env.msgid, row.id);
  return { ddn_id: row.ddn_id, opinion };
}

/** The file transactions and 3202 (files.ts): their refusals are business refusals here. */
function viaFiles(fn: (ctx: FileTxContext) => JsonObject): (ctx: TxContext) => JsonObject {
  return (ctx) => {
    try {
      return fn(ctx);
    } catch (e) {
      if (e instanceof FileRefusal) throw new Failure(e.message);
      throw e;
    }
  };
}

const TRANSACTIONS: Record<string, (ctx: TxContext) => JsonObject> = {
  '9001': tx9001, '9002': tx9002, '2601': tx2601, '1101': tx1101,
  '2401': tx2401, '2402': tx2402, '2403': tx2403, '2404': tx2404, '2405': tx2405,
  '2301': tx2301, '2302': tx2302, '2303': tx2303, '2304': tx2304, '2305': tx2305,
  '3201': tx3201, '3203': tx3203, '3204': tx3204, '3290': tx3290, '3291': tx3291,
  '5206': tx5206, '5203': tx5203, '5204': tx5204, '5205': tx5205, '5303': tx5303,
  '5301': tx5301, '2201': tx2201, '2202': tx2202, '2203': tx2203, '2204': tx2204, '2205': tx2205, '2206': tx2206, '2207': tx2207, '2208': tx2208,
  '3202': viaFiles(tx3202), '9101': viaFiles(tx9101), '9102': viaFiles(tx9102),
  ...Object.fromEntries(Object.entries(CATALOGUE_TRANSACTIONS).map(([infno, fn]) => [infno, viaFiles(fn)])),
};

// ---------------------------------------------------------------------------------------------
// HTTP

export interface ReferenceAgencyOptions {
  /** 0 (default) = a free loopback port. */
  port?: number;
  dbFile?: string;
  institutions: Institution[];
  /** The gateway profile this agency speaks (gateway.ts); default tif. */
  profile?: AgencyProfile;
  /** A sign-in older than this is refused (签到); default one hour. */
  signInMaxAgeMs?: number;
  /** gm: lifetime of a bearer token; default one hour. */
  tokenTtlSeconds?: number;
  /**
   * The 1101 `registration` block, a desk extension (default on, as the demo has it). Off, 1101
   * answers as the real platform does and 2401 refuses a person without an active registration.
   */
  registrationExtension?: boolean;
  /** Clock for signature skew, message times and settlement dates; tests pin it. */
  now?: () => Date;
  /**
   * The business day only (settlement and refund dates a transaction records), when a test moves it
   * across months while the gateway keeps the real time its signatures are checked against. Default `now`.
   */
  businessNow?: () => Date;
  /**
   * The real-world shapes of issue 14 §3 in a share (0..1) of the 2303/2304 answers: extra fund
   * rows and null / "" amounts (realWorldShapes). Default 0; `agency.realShapes.set()` changes it.
   */
  realShapes?: { share: number };
}

export interface ReferenceAgency {
  url: string;
  port: number;
  profile: AgencyProfile;
  /** The desk extensions' base URL (roster, policies, clearing pages, 3290/3291). */
  extUrl: string;
  close(): Promise<void>;
  faults: FaultController;
  /** Which share of the 2303/2304 answers come in real-world shapes (ReferenceAgencyOptions.realShapes). */
  realShapes: RealShapes;
  store: AgencyStore;
}

/**
 * A share of answers, chosen deterministically (an accumulator, not a random draw): share 1 is
 * every answer, 0.5 every second one, 0 none — so a test knows which answers were reshaped.
 */
export class RealShapes {
  private carry = 0;
  /** How many answers were reshaped so far. */
  reshaped = 0;
  constructor(private share = 0) {
    this.set(share);
  }
  set(share: number): void {
    if (!Number.isFinite(share) || share < 0 || share > 1) throw new InputError('REAL_SHAPES', `真实报文形状比例应在 0 到 1 之间：${String(share)}`, 'share');
    this.share = share;
    this.carry = 0;
  }
  get value(): number {
    return this.share;
  }
  /** Whether the next answer is reshaped. */
  take(): boolean {
    this.carry += this.share;
    if (this.carry < 1 - 1e-9) return false;
    this.carry -= 1;
    this.reshaped += 1;
    return true;
  }
}

/** A regional variant of a national fund code, as Chongqing answers 330101 for 330100. */
function regionalVariant(code: unknown): unknown {
  return typeof code === 'string' && /^\d{5}0$/.test(code) ? `${code.slice(0, 5)}1` : code;
}

/**
 * A 2303/2304 answer in the shapes real platforms send (reference/samples/README.md, DOMAIN §6):
 * the first fund row under a regional variant of its code, extra rows the desk never computes
 * (310200 个人账户 0.00, 999996 医院垫付 and 999997 其他 without an amount, a Hunan-style row with
 * "" for code and amount), and null or "" for the amounts this agency does not compute. Totals,
 * fund sum and the person's share are untouched: a desk that reads these must see no difference.
 */
export function realWorldShapes(out: JsonObject): JsonObject {
  const setlinfo = out.setlinfo as JsonObject;
  const rows = (out.setldetail as JsonObject[]).map((r, n) => (n === 0 ? { ...r, fund_pay_type: regionalVariant(r.fund_pay_type), fund_pay_type_name: null } : r));
  const inscp = setlinfo.inscp_scp_amt ?? null;
  rows.push(
    { fund_pay_type: '310200', fund_pay_type_name: '职工基本医疗保险个人账户', fund_payamt: '0.00', inscp_scp_amt: inscp, crt_payb_lmt_amt: '', setl_proc_info: '' },
    { fund_pay_type: '999996', fund_pay_type_name: null, fund_payamt: null, inscp_scp_amt: inscp, crt_payb_lmt_amt: null, setl_proc_info: null },
    { fund_pay_type: '999997', fund_payamt: '', inscp_scp_amt: inscp },
    { fund_pay_type: '', fund_payamt: '', setl_proc_info: '', crt_payb_lmt_amt: '', inscp_scp_amt: inscp, fund_pay_type_name: '' },
  );
  return {
    ...out,
    setlinfo: { ...setlinfo, hifes_pay: null, maf_pay: '', oth_pay: null, hosp_part_amt: '', acct_mulaid_pay: null, hifdm_pay: '', pool_prop_selfpay: '' },
    setldetail: rows,
  };
}

export { AGENCY_PROFILES, type AgencyProfile } from './gateway.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const GARBAGE = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
/** The desk extensions live here; everything else is the platform. */
export const EXTENSION_PREFIX = '/desk-ext';

class HttpProblem extends GatewayProblem {}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, 'TOO_LARGE', `请求体超过 ${MAX_BODY_BYTES} 字节`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** How an answer leaves: whole, half then cut (drop), or not at all (the connection is cut). */
type Delivery = 'whole' | 'half' | 'none';

interface Processed {
  text: string;
  /** Nothing was kept (crashAfterAnswer): the answer must not leave either. */
  crashed: boolean;
}

export async function startReferenceAgency(options: ReferenceAgencyOptions): Promise<ReferenceAgency> {
  const now = options.now ?? (() => new Date());
  const profile = options.profile ?? 'tif';
  if (!AGENCY_PROFILES.includes(profile)) throw new InputError('PROFILE', `未知的接口方式：${String(profile)}`, 'profile');
  const signInMaxAgeMs = options.signInMaxAgeMs ?? 60 * 60 * 1000;
  const registrationExtension = options.registrationExtension ?? true;
  const gateway = makeGateway(profile, options.institutions, now, options.tokenTtlSeconds);
  const store = AgencyStore.open(options.dbFile ?? ':memory:');
  const faults = new FaultController();
  const realShapes = new RealShapes(options.realShapes?.share ?? 0);
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let refSerial = 0;

  function envelopeAnswer(msgid: string | null, infcode: 0 | -1, errMsg: string | null, output: JsonObject | null, inst: Institution, receivedAt: Date): string {
    refSerial += 1;
    const t = now();
    const answer: Record<string, unknown> = {
      ...(msgid !== null ? { msgid } : {}),
      infcode,
      inf_refmsgid: `${inst.admdvs}${compactTimeCST(t)}${serial(refSerial % 1e10, 10)}`,
      refmsg_time: compactMillisCST(receivedAt),
      respond_time: compactMillisCST(t),
      err_msg: errMsg,
      warn_msg: null,
      output,
    };
    return JSON.stringify(gateway.sealAnswer(inst, answer));
  }

  function signInProblem(inst: Institution, signNo: string): string | null {
    if (signNo === '') return '未签到：请先办理签到（9001）后再发送交易';
    const row = store.db.prepare('SELECT signed_at, ended_at FROM sign_ins WHERE sign_no = ? AND fixmedins_code = ?').get(signNo, inst.code) as { signed_at: string | null; ended_at: string | null } | undefined;
    if (!row) return `签到编号（sign_no）${signNo} 不存在，请重新签到`;
    if (row.ended_at !== null) return `签到编号（sign_no）${signNo} 已签退或已失效，请重新签到`;
    if (row.signed_at !== null && (options.businessNow ?? now)().getTime() - new Date(row.signed_at).getTime() > signInMaxAgeMs) return `签到已过期（sign_no ${signNo}），请重新签到`;
    return null;
  }

  /**
   * One envelope, start to answer. Validation failures, sign-in refusals, repeated msgids and
   * injected item failures are answered but not stored (nothing happened); a processed message —
   * success or business refusal — is stored with its answer in the same transaction as its
   * business rows (and their undo record), so the answer and its effects exist together.
   */
  function processItem(inst: Institution, raw: unknown, path: string, extension: boolean, pathInfno: string | null, crash: boolean, receivedAt: Date): Processed {
    const rawMsgid = typeof raw === 'object' && raw !== null && typeof (raw as JsonObject).msgid === 'string' ? ((raw as JsonObject).msgid as string) : null;
    const fail = (message: string): Processed => ({ text: envelopeAnswer(rawMsgid, -1, message, null, inst, receivedAt), crashed: false });
    if (faults.takeItem(path, rawMsgid, 0)) return fail('注入的故障：该报文被经办机构拒绝');
    const read = readRequest(raw);
    if (!read.ok) return fail(`报文校验失败：${read.problems.join('；')}`);
    const env = read.envelope;
    if (env.fixmedins_code !== inst.code) return fail(`定点医药机构编号（fixmedins_code）${env.fixmedins_code} 与调用机构 ${inst.code} 不一致`);
    if (!isNationalMsgid(env.msgid)) return fail(`报文ID（msgid）格式不正确：应为机构编号(12)+yyyyMMddHHmmss(14)+顺序号(4)，收到 ${env.msgid}`);
    if (env.msgid.slice(0, 12) !== inst.code) return fail(`报文ID（msgid）前 12 位应为本机构编号 ${inst.code}`);
    if (pathInfno !== null && pathInfno !== env.infno) return fail(`交易编号（infno）${env.infno} 与请求地址 ${path} 不一致`);
    if (extension !== isExtensionTransaction(env.infno)) {
      return fail(extension ? `交易 ${env.infno} 不是桌面扩展交易，请发往医保平台` : `交易 ${env.infno} 是桌面扩展交易，医保平台没有此交易`);
    }
    if (env.mdtrtarea_admvs !== inst.admdvs) return fail(`就医地医保区划（mdtrtarea_admvs）${env.mdtrtarea_admvs} 与本机构所在区划 ${inst.admdvs} 不一致`);
    if (!extension && env.infno !== SIGN_IN_INFNO) {
      const problem = signInProblem(inst, env.sign_no);
      if (problem) return fail(problem);
    }
    // okWithoutOutput: a real-world shape (issue 14 §3) — infcode 0 with an error text and no
    // output; the transaction did not run, nothing is stored.
    if (faults.take('okWithoutOutput', path, env.infno)) {
      return { text: envelopeAnswer(env.msgid, 0, '注入的故障：服务暂不可用，请稍后重试', null, inst, receivedAt), crashed: false };
    }

    const db = store.db;
    let answer = '';
    try {
      db.transaction(() => {
        const prior = db.prepare('SELECT infno, received_at FROM messages WHERE msgid = ?').get(env.msgid) as { infno: string; received_at: string } | undefined;
        if (prior) {
          // The platform does not replay answers (national-interface.md §0): a repeated msgid is refused.
          answer = fail(`报文ID重复：${env.msgid} 已于 ${prior.received_at} 收到（交易 ${prior.infno}），请使用新的报文ID`).text;
          return;
        }
        const handler = TRANSACTIONS[env.infno];
        const t = (options.businessNow ?? now)();
        let infcode: 0 | -1 = -1;
        if (!handler) {
          answer = envelopeAnswer(env.msgid, -1, `不支持的交易：${env.infno}`, null, inst, receivedAt);
        } else {
          try {
            // A savepoint: a refusal halfway through leaves none of its rows (or undo record) behind.
            let output = db.transaction(() => recordingAs(db, env.msgid, () => handler({ env, inst, store, now: t, registrationExtension })))();
            if ((env.infno === '2303' || env.infno === '2304') && realShapes.take()) output = realWorldShapes(output);
            answer = envelopeAnswer(env.msgid, 0, null, output, inst, receivedAt);
            infcode = 0;
          } catch (e) {
            if (!(e instanceof Failure)) throw e;
            answer = envelopeAnswer(env.msgid, -1, e.message, null, inst, receivedAt);
          }
        }
        db.prepare('INSERT INTO messages (msgid, infno, fixmedins_code, request, response, received_at, infcode) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          env.msgid, env.infno, inst.code, JSON.stringify(env), answer, receivedAt.toISOString(), infcode,
        );
        // crashAfterAnswer: the answer was computed, but the agency "dies" before its commit.
        if (crash) throw new RollbackAfterAnswer();
      })();
    } catch (e) {
      if (!(e instanceof RollbackAfterAnswer)) throw e;
      return { text: answer, crashed: true };
    }
    return { text: answer, crashed: false };
  }

  function send(res: http.ServerResponse, status: number, body: string, delivery: Delivery = 'whole'): void {
    if (delivery === 'none') {
      // Committed (or not), and then the line went dead before a byte of the answer left.
      res.socket?.destroy();
      res.destroy();
      return;
    }
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(buf.length) });
    if (delivery === 'half') {
      // Content-Length promises the whole body; half of it and a cut is a transfer that died.
      res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.destroy());
      return;
    }
    res.end(buf);
  }

  function sendProblem(res: http.ServerResponse, p: GatewayProblem): void {
    send(res, p.status, JSON.stringify({ error: p.code, message: p.message }));
  }

  function page(inst: Institution, kind: string, params: URLSearchParams): JsonObject {
    const limitText = params.get('limit') ?? '';
    const limit = limitText === '' ? 100 : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpProblem(400, 'BAD_LIMIT', 'limit 应为 1–1000 的整数');
    const cursor = params.get('cursor') ?? '';
    let after = 0;
    if (cursor !== '') {
      // Opaque to the client: base64url of the kind and the last row id it saw.
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        parsed = null;
      }
      const c = parsed as { k?: unknown; a?: unknown } | null;
      if (!c || c.k !== kind || typeof c.a !== 'number' || !Number.isInteger(c.a) || c.a < 0) throw new HttpProblem(400, 'BAD_CURSOR', '分页游标无效，请从第一页重新下载');
      after = c.a;
    }
    // The roster is the registrations whose destination covers this hospital's region: its
    // county, city or province (province-pooled regions register to the province).
    const [filter, args]: [string, unknown[]] = kind === 'roster'
      ? ['destination IN (?, ?, ?)', [inst.admdvs, `${inst.admdvs.slice(0, 4)}00`, `${inst.admdvs.slice(0, 2)}0000`]]
      : ['1 = 1', []];
    const [filter2, args2]: [string, unknown[]] = kind === 'clearing' ? ['fixmedins_code = ?', [inst.code]] : [filter, args];
    const table = kind === 'roster' ? 'registrations' : kind === 'catalogue' ? 'catalogue' : kind === 'policies' ? 'policies' : kind === 'clearing' ? 'clearing_feed' : null;
    if (!table) throw new HttpProblem(404, 'UNKNOWN_PAGE', `未知的下载类型：${kind}`);
    const db = store.db;
    const total = (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${filter2}`).get(...args2) as { n: number }).n;
    const rows = db.prepare(`SELECT * FROM ${table} WHERE ${filter2} AND id > ? ORDER BY id LIMIT ?`).all(...args2, after, limit + 1) as ({ id: number } & JsonObject)[];
    const more = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    const items = pageRows.map((r): JsonObject => {
      if (kind === 'roster') {
        const g = r as unknown as RegistrationRow;
        return { ...registrationJson(g), certno: g.certno, psnNo: g.psn_no, psnName: g.psn_name, insuplcAdmdvs: g.insuplc_admdvs, updatedAt: g.updated_at };
      }
      if (kind === 'policies') return { version: r.version, insuplc_admdvs: r.insuplc_admdvs, insutype: r.insutype, year: r.year, body: JSON.parse(String(r.body)) as unknown };
      // The clearing feed: each state of a claim, deferral or deduction, in the order it happened.
      if (kind === 'clearing') return { seq: r.id, ...(JSON.parse(String(r.item)) as JsonObject) };
      const { id: _id, ...rest } = r;
      return rest;
    });
    return { items, nextCursor: more && last ? Buffer.from(JSON.stringify({ k: kind, a: last.id })).toString('base64url') : null, total };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const receivedAt = now();
    const url = new URL(req.url ?? '/', 'http://agency.invalid');
    const path = url.pathname;

    if (path === '/__faults') {
      if (!isLoopback(req.socket.remoteAddress)) throw new HttpProblem(403, 'FORBIDDEN', '故障注入只允许本机访问');
      if (req.method === 'POST') {
        const spec = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { mode?: string; faults?: FaultSpec[] };
        try {
          if (spec.mode === 'none') faults.clear();
          else faults.set(spec.faults ?? (spec as FaultSpec));
        } catch (e) {
          if (e instanceof InputError) throw new HttpProblem(400, 'BAD_FAULT', e.message);
          throw e;
        }
      }
      send(res, 200, JSON.stringify({ faults: faults.list() }));
      return;
    }

    const body = await readBody(req);
    if (closed) return;
    let parsed: unknown = undefined;
    if (req.method === 'POST' && !path.endsWith('/oauth/token')) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = undefined;
      }
    }
    // Faults can aim at one transaction: its infno is in the clear even in a gm envelope.
    const infno = typeof parsed === 'object' && parsed !== null && typeof (parsed as JsonObject).infno === 'string' ? ((parsed as JsonObject).infno as string) : null;
    if (faults.take('refuse', path, infno)) {
      // As if the agency's process were not there: no status line, no body.
      req.socket.destroy();
      return;
    }
    const delay = faults.take('delay', path, infno);
    if (delay) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, delay.ms ?? 0);
        timers.add(t);
      });
      if (closed) return;
    }
    if (faults.take('status500', path, infno)) throw new HttpProblem(500, 'INTERNAL', '注入的故障：医保平台内部错误');
    if (faults.take('garbage', path, infno)) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(GARBAGE);
      return;
    }
    if (faults.take('tokenExpired', path, infno)) gateway.expireTokens();
    if (faults.take('signInExpired', path, infno)) store.db.prepare('UPDATE sign_ins SET ended_at = ? WHERE ended_at IS NULL').run(now().toISOString());
    const delivery: Delivery = faults.take('lostAfterCommit', path, infno) ? 'none' : faults.take('drop', path, infno) ? 'half' : 'whole';
    const crash = faults.take('crashAfterAnswer', path, infno) !== null;

    if (path.endsWith('/auth/oauth/token')) {
      if (req.method !== 'POST') throw new HttpProblem(405, 'METHOD', '请使用 POST');
      send(res, 200, JSON.stringify(gateway.issueToken(req, body.toString('utf8'))));
      return;
    }

    if (path === `${EXTENSION_PREFIX}/api/ping` || path.startsWith(`${EXTENSION_PREFIX}/api/`)) {
      const inst = gateway.authenticateExtension(req, body);
      if (path === `${EXTENSION_PREFIX}/api/ping`) {
        if (req.method !== 'GET') throw new HttpProblem(405, 'METHOD', '请使用 GET');
        send(res, 200, JSON.stringify({ ok: true, time: infTimeCST(now()) }), delivery);
        return;
      }
      const pageMatch = new RegExp(`^${EXTENSION_PREFIX}/api/pages/([a-z]+)$`).exec(path);
      if (pageMatch) {
        if (req.method !== 'GET') throw new HttpProblem(405, 'METHOD', '请使用 GET');
        send(res, 200, JSON.stringify(page(inst, pageMatch[1]!, url.searchParams)), delivery);
        return;
      }
      const txMatch = new RegExp(`^${EXTENSION_PREFIX}/api/([0-9A-Za-z]{4,5})$`).exec(path);
      if (!txMatch) throw new HttpProblem(404, 'NOT_FOUND', `没有这个地址：${path}`);
      if (req.method !== 'POST') throw new HttpProblem(405, 'METHOD', '请使用 POST');
      if (parsed === undefined) throw new HttpProblem(400, 'BAD_JSON', '请求体不是有效的 JSON');
      const out = processItem(inst, parsed, path, true, txMatch[1]!, crash, receivedAt);
      send(res, 200, out.text, out.crashed ? 'none' : delivery);
      return;
    }

    // The platform: any path under /fsi/api/ (one callService URL, or a path per infno).
    if (!path.startsWith('/fsi/api/')) throw new HttpProblem(404, 'NOT_FOUND', `没有这个地址：${path}`);
    if (req.method !== 'POST') throw new HttpProblem(405, 'METHOD', '请使用 POST');
    const inst = gateway.authenticate(req);
    if (parsed === undefined) throw new HttpProblem(400, 'BAD_JSON', '请求体不是有效的 JSON');
    const opened = gateway.openRequest(inst, parsed);
    const out = processItem(inst, opened, path, false, null, crash, receivedAt);
    if (!out.crashed && sendFileAnswer(req, res, profile, infno, out.text, delivery)) return;
    send(res, 200, out.text, out.crashed ? 'none' : delivery);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (e instanceof GatewayProblem) sendProblem(res, e);
      else if (e instanceof SyntaxError) sendProblem(res, new HttpProblem(400, 'BAD_JSON', '请求体不是有效的 JSON'));
      else sendProblem(res, new HttpProblem(500, 'INTERNAL', `医保平台内部错误：${e instanceof Error ? e.message : String(e)}`));
    });
  });
  // Keep-alive as a gateway has it; idle sockets are closed after 5 s (the desk's agent lets go at 4 s).
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    profile,
    extUrl: `http://127.0.0.1:${port}${EXTENSION_PREFIX}`,
    faults,
    realShapes,
    store,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}
