import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations, appliedMigrations, DatabaseTooNewError, knownMigrations, MIGRATIONS_DIR, pendingMigrations } from '../../db/migrate.ts';
import { openDatabase } from '../../db/open.ts';
import { listBackups } from '../../db/backup.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'yidi-mig-'));
const known = knownMigrations();

/** The tables and columns drizzle-kit says each migration leaves behind. */
/** The snapshot of a migration by the number in its tag (numbers may skip while branches wait to be merged and renumbered). */
function snapshotTables(idx: number): Record<string, string[]> {
  const snap = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', `${known[idx]!.tag.slice(0, 4)}_snapshot.json`), 'utf8')) as { tables: Record<string, { columns: Record<string, unknown> }> };
  return Object.fromEntries(Object.entries(snap.tables).map(([name, t]) => [name, Object.keys(t.columns).sort()]));
}

function actualTables(db: Database.Database): Record<string, string[]> {
  const names = (db.prepare(`SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  return Object.fromEntries(names.map((n) => [n, (db.pragma(`table_info(${n})`) as { name: string }[]).map((c) => c.name).sort()]));
}

/** Rows a previous schema could hold, keyed by the migration after which they can be written. */
const SAMPLE_DATA: Record<string, (db: Database.Database) => void> = {
  '0000_initial': (db) => {
    db.prepare(`INSERT INTO clerks (login, name, role, password_hash) VALUES ('c1', '测试', 'clerk', 'x')`).run();
    db.prepare(`INSERT INTO persons (certno, psn_name, gend, brdy, insuplc_admdvs, insutype) VALUES ('11010519491231002X', '张三', '2', '1949-12-31', '110105', '310')`).run();
    db.prepare(`INSERT INTO outbox (msgid, infno, order_key, payload) VALUES ('H34010400001202611231200000001', '2401', 'A1', '{}')`).run();
  },
  '0001_admission_fields': (db) => {
    db.prepare(`INSERT INTO admissions (ipt_no, person_id, insutype, med_type, mdtrt_cert_type, mdtrt_cert_no, grp, begntime, adm_way, adm_dept_codg, adm_dept_name, adm_bed, adm_diag_code, adm_diag_name, chfpdr_name, atddr_no)
      VALUES ('ZY0001', 1, '310', '21', '02', '11010519491231002X', 'resettledRetiree', '2026-11-01 09:00:00', '门诊', 'A03', '骨科', '12', 'S72.000', '股骨颈骨折', '李医生', 'D001')`).run();
    db.prepare(`INSERT INTO outside_exam_slips (admission_id, etip_hosp_code, etip_hosp_name, items, reason, doctor, diagnosis, clerk_id) VALUES (1, 'H34010400002', '外院', '[]', '设备', '李医生', '股骨颈骨折', 1)`).run();
  },
  '0002_sync_outbox_answer_staging': (db) => {
    db.prepare(`INSERT INTO outbox (msgid, infno, order_key, payload, answer) VALUES ('H34010400001202611231200000002', '2304', 'A1', '{}', '{"infcode":0}')`).run();
    db.prepare(`INSERT INTO outbox_results (msgid, infno, infcode, err_msg, resolution) VALUES ('H34010400001202611231200000003', '2301', -1, '拒绝', '{"by":1,"note":"已线下处理"}')`).run();
    db.prepare(`INSERT INTO sync_staging (name, seq, items) VALUES ('catalogue', 1, '[]')`).run();
    db.prepare(`INSERT INTO policies (version, insuplc_admdvs, insutype, year, body, retired_at) VALUES ('P-2', '110000', '310', 2026, '{}', '2026-11-01T00:00:00Z')`).run();
  },
  '0003_admission_eligibility': (db) => {
    db.prepare(`INSERT INTO admissions (ipt_no, person_id, insutype, med_type, mdtrt_cert_type, mdtrt_cert_no, grp, begntime, adm_way, adm_dept_codg, adm_dept_name, adm_bed, adm_diag_code, adm_diag_name, chfpdr_name, elig_direct, elig_reason, elig_rule, elig_message)
      VALUES ('ZY0003', 1, '310', '21', '02', '11010519491231002X', 'resettledRetiree', '2026-11-02 09:00:00', '门诊', 'A03', '骨科', '13', 'S72.000', '股骨颈骨折', '李医生', 1, 'REGISTERED', '004 第十三条', '已备案')`).run();
  },
  '0004_settlement_flow': (db) => {
    db.prepare(`INSERT INTO fee_lines (admission_id, feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, name, cnt, pric, det_item_fee_sumamt, bilg_dept_codg, bilg_dept_name, bilg_dr_codg, bilg_dr_name)
      VALUES (1, 'F1', '2026-11-02 10:00:00', '001102000010000', 'FW0001', '床位费', '1', '45', '45.00', 'A03', '骨科', 'D001', '李医生')`).run();
    db.prepare(`INSERT INTO settlements (admission_id, kind, settled_on, setl_time, insutype, scope, policy_version, catalogue_version, msgid, settle_input)
      VALUES (1, 'settlement', '2026-11-05', '2026-11-05 10:00:00', '310', 'cross', '420100-310-2026-1', '340100-2026-11', 'H34010400001202611051000000001', '{}')`).run();
    db.prepare(`INSERT INTO agency_settlement_results (settlement_id, body, mismatch, resolution_note) VALUES (1, '{}', '[]', '已核对')`).run();
    db.prepare(`INSERT INTO slip_prints (settlement_id, reprint, clerk_id) VALUES (1, 0, 1)`).run();
  },
  '0005_identity_check_credential': (db) => {
    db.prepare(`INSERT INTO identity_checks (person_id, mdtrt_cert_type, mdtrt_cert_no, emergency, online, provisional, admission_date, direct, reason, rule, message)
      VALUES (1, '02', '11010519491231002X', 1, 0, 1, '2026-11-23', 1, 'EMERGENCY', '004 第十一条(五)、第三十七条', '离线核验')`).run();
  },
  '0006_claim_flow': (db) => {
    db.prepare(`INSERT INTO claims (setlym, insutype, scope, psntime, by_fund, msgid, status, item_ids, withdraw_msgid, paid_amount)
      VALUES ('2026-11', '310', 'cross', 1, '[]', 'H34010400001202612011000000001', 'cleared', '[1]', NULL, '700.00')`).run();
    db.prepare(`INSERT INTO claim_items (claim_id, settlement_id) VALUES (1, 1)`).run();
    db.prepare(`INSERT INTO deferrals (settlement_id, reason, requested_on, approved, msgid, clerk_id, decision_note) VALUES (1, '病历待补', '2026-12-03', 1, 'H34010400001202612031000000001', 1, '同意')`).run();
    db.prepare(`INSERT INTO review_deductions (claim_id, settlement_id, amount, reason, agency_id, setl_id, agency_status, note, answered_by)
      VALUES (1, 1, '12.30', '超限价', 'DDN1', '340104S00000000001', 'issued', '有异议', 1)`).run();
  },
  '0007_review_dispute_decision': (db) => {
    db.prepare(`UPDATE review_deductions SET agency_status = 'revoked', decided_on = '2026-12-22', agency_memo = '同意医院意见' WHERE agency_id = 'DDN1'`).run();
  },
  '0008_outbox_person_order': (db) => {
    db.prepare(`INSERT INTO outbox (msgid, infno, order_key, subject, payload, status, last_error, refusal_raw) VALUES ('H34010400001202612041000000001', '2401', 'psn:1', 'adm:1', '{}', 'rejected', '医保平台返回了网页', '<html>502</html>')`).run();
    db.prepare(`INSERT INTO outbox_resends (old_msgid, new_msgid, infno, subject, refusal, changes, payload, by) VALUES ('H34010400001202612041000000001', 'H34010400001202612041000000002', '2401', 'adm:1', '诊断代码无效', '[]', '{}', 1)`).run();
  },
  '0009_outbox_reversal': (db) => {
    db.prepare(`UPDATE outbox SET wire_msgid = 'H34010400001202612041000000003', renew_msgid = 0, reversal = NULL WHERE msgid = 'H34010400001202612041000000001'`).run();
    db.prepare(`INSERT INTO outbox_reversals (item_msgid, infno, omsgid, reversal_msgid, outcome, reason, err_msg, next_msgid) VALUES ('H34010400001202612041000000001', '2401', 'H34010400001202612041000000001', 'H34010400001202612041000000004', 'reversed', '应答超时', NULL, 'H34010400001202612041000000003')`).run();
  },
  '0010_claim_items_one_source': (db) => {
    db.prepare(`UPDATE claim_items SET released_at = '2026-12-05T08:00:00.000Z' WHERE claim_id = 1`).run();
  },
  '0011_agency_settlement': (db) => {
    db.prepare(`INSERT INTO settlement_requests (admission_id, msgid, mode, estimate, clerk_id) VALUES (1, 'H34010400001202612071000000001', 'deferred', '{}', 1)`).run();
    db.prepare(`INSERT INTO fee_uploads (admission_id, feedetl_sn, msgid) VALUES (1, 'F2', 'H34010400001202612071000000002')`).run();
  },
  '0013_corrections_policy_source': (db) => {
    db.prepare(`INSERT INTO fee_withdrawals (admission_id, feedetl_sn, msgid, reason, clerk_id) VALUES (1, 'F2', 'H34010400001202612071000000003', '目录对照更正', 1)`).run();
  },
  '0012_detail_reconciliation': (db) => {
    db.prepare(`INSERT INTO reconciliation_details (day, msgid, upload_file_qury_no, result_file_qury_no, sent_count, matched, differences, trigger)
      VALUES ('2026-12-06', 'H34010400001202612070900000001', 'F1', 'F2', 2, 1, '[]', 'unbalanced')`).run();
    db.prepare(`INSERT INTO reconciliation_details (day, sent_count, error, trigger) VALUES ('2026-12-06', 0, '无法连接医保平台', 'request')`).run();
    db.prepare(`INSERT INTO reconciliation_resolutions (detail_id, setl_id, action, msgid, omsgid, outcome, clerk_id) VALUES (1, 'S1', 'reversal', 'H34010400001202612070900000002', 'H34010400001202612060900000009', 'reversed', 1)`).run();
    db.prepare(`INSERT INTO reconciliation_resolutions (detail_id, setl_id, action, note, clerk_id) VALUES (1, 'S2', 'note', '已与经办机构核对，以其金额为准', 1)`).run();
  },
  '0014_national_catalogues': (db) => {
    db.prepare(`INSERT INTO medins_item_matches (version, medins_list_codg, medins_list_name, med_list_codg, begndate) VALUES ('N1', 'YN0001', '院内床位费', '001102000010000', '2026-01-01')`).run();
    db.prepare(`INSERT INTO dictionary_entries (version, type, value, label) VALUES ('N1', 'med_type', '21', '普通住院')`).run();
  },
  '0015_outpatient': (db) => {
    db.prepare(`INSERT INTO outpatient_visits (person_id, otp_no, insutype, cert_type, cert_no, med_type, emergency, dept_code, dept_name, doctor_code, doctor_name, begntime, diagnoses, mdtrt_id, register_msgid, clerk_id)
      VALUES (1, 'MZ0001', '310', '02', '11010519491231002X', '11', 0, 'M01', '内科门诊', 'D01', '陈医生', '2026-12-07 09:00:00', '[]', '340104M00000000001', 'H34010400001202612070900000003', 1)`).run();
    db.prepare(`INSERT INTO outpatient_fee_lines (visit_id, chrg_bchno, feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, name, cnt, pric, det_item_fee_sumamt, upload_msgid)
      VALUES (1, 'B1', '1', '2026-12-07 09:10:00', 'XA02', 'YP0002', '奥美拉唑肠溶胶囊', '10', '30', '300.00', 'H34010400001202612070900000004')`).run();
    db.prepare(`INSERT INTO outpatient_requests (visit_id, infno, msgid, mode, batches, estimate, clerk_id) VALUES (1, '2207', 'H34010400001202612070900000005', 'online', '["B1"]', '{}', 1)`).run();
    db.prepare(`INSERT INTO outpatient_settlements (visit_id, request_id, kind, setl_id, setl_time, settled_on, insutype, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, funds, answer, msgid)
      VALUES (1, 1, 'settlement', '340104S1', '2026-12-07 09:20:00', '2026-12-07', '310', '300.00', '60.00', '240.00', '[]', '{}', 'H34010400001202612070900000005')`).run();
    db.prepare(`INSERT INTO outpatient_requests (visit_id, infno, msgid, mode, refunds, reason, clerk_id) VALUES (1, '2208', 'H34010400001202612070900000006', 'online', 1, '患者退药', 1)`).run();
    db.prepare(`INSERT INTO outpatient_batch_withdrawals (visit_id, chrg_bchno, msgid, clerk_id) VALUES (1, 'B1', 'H34010400001202612070900000007', 1)`).run();
    db.prepare(`INSERT INTO outpatient_fee_splits (visit_id, feedetl_sn, msgid, inscp_scp_amt) VALUES (1, '1', 'H34010400001202612070900000004', '300.00')`).run();
  },
  '0016_national_lists': (db) => {
    db.prepare(`INSERT INTO national_list_entries (infno, version, code, name, begndate) VALUES ('1307', 'N1', 'A00.000', '霍乱，未特指', '2026-01-01')`).run();
  },
  '0017_outpatient_claim': (db) => {
    db.prepare(`INSERT INTO claims (setlym, insutype, scope, clr_type, psntime, medfee_sumamt, fund_appy_sum, acct_pay, cash_payamt, by_fund, msgid) VALUES ('2026-12', '310', 'cross', '11', 1, '300.00', '60.00', '0.00', '240.00', '[]', 'H34010400001202701020900000001')`).run();
    db.prepare(`INSERT INTO outpatient_claim_items (claim_id, otp_settlement_id) VALUES (last_insert_rowid(), 1)`).run();
    db.prepare(`INSERT INTO reconciliation_runs (day, insutype, clr_type, local_count, local_medfee, local_fund, local_acct, stmt_rslt) VALUES ('2026-12-07', '', '11', 1, '300.00', '60.00', '0.00', '0')`).run();
  },
  '0018_outpatient_self_pay_limits': (db) => {
    // A visit registered after it carries the 5301 limits; an earlier visit keeps null.
    db.prepare(`INSERT INTO outpatient_visits (person_id, otp_no, insutype, cert_type, cert_no, med_type, emergency, dise_codg, dise_name, dept_code, dept_name, doctor_code, doctor_name, begntime, diagnoses, register_msgid, chronic_limits, clerk_id)
      VALUES (1, 'MZ0002', '310', '02', '11010519491231002X', '14', 0, 'M03900', '高血压', 'M01', '内科门诊', 'D01', '陈医生', '2026-12-07 10:00:00', '[]', 'H34010400001202612071000000001', '{"annual":"3000.00","perVisit":null}', 1)`).run();
    db.prepare(`INSERT INTO outpatient_full_self_pays (visit_id, paid_on, upload_by, claim_by, reason, medfee_sumamt, batches, clerk_id) VALUES (2, '2026-12-07', '2026-12-09', '2027-03-07', '医保平台网络故障', '120.00', '["MZ0002-01"]', 1)`).run();
  },
  '0019_settlement_voids': (db) => {
    db.prepare(`INSERT INTO settlement_voids (settlement_id, detail_id, reason, request_id, clerk_id) VALUES (1, 1, '经办机构无此结算记录（明细对账）', 1, 1)`).run();
  },
  '0020_invoice_numbers': (db) => {
    // A stay's number from its fee file, then the clerk's correction of it (a new row); a visit's number.
    db.prepare(`INSERT INTO invoice_numbers (admission_id, invono, source, clerk_id) VALUES (1, '3400001234', 'import', 1)`).run();
    db.prepare(`INSERT INTO invoice_numbers (admission_id, invono, source, supersedes_id, reason, clerk_id) VALUES (1, '3400001235', 'clerk', 1, 'HIS 发票号录错', 1)`).run();
    db.prepare(`INSERT INTO invoice_numbers (visit_id, invono, source, clerk_id) VALUES (2, 'MZ3400009', 'clerk', 1)`).run();
  },
  '0021_outpatient_voids': (db) => {
    // The visit's settlement the platform lost, voided by 重新结算 with the new 2207 request.
    db.prepare(`INSERT INTO outpatient_requests (visit_id, infno, msgid, mode, batches, estimate, clerk_id) VALUES (1, '2207', 'H34010400001202612070900000099', 'online', '["B1"]', '{}', 1)`).run();
    db.prepare(`INSERT INTO outpatient_voids (otp_settlement_id, detail_id, reason, request_id, clerk_id) VALUES (1, 1, '经办机构无此结算记录（明细对账）', last_insert_rowid(), 1)`).run();
  },
  '0022_outpatient_deferrals': (db) => {
    db.prepare(`INSERT INTO outpatient_deferrals (otp_settlement_id, reason, requested_on, msgid, clerk_id) VALUES (1, '门诊病历待补录，当期无法核对', '2027-01-05', 'H34010400001202701050900000001', 1)`).run();
  },
};

/** Migrations before `idx`, each followed by its sample rows (a later migration may drop a column an earlier sample used). */
function withSampleData(db: Database.Database, idx: number): void {
  for (const m of known.slice(0, idx)) {
    applyMigrations(db, [m]);
    SAMPLE_DATA[m.tag]?.(db);
  }
}

describe('migrations', () => {
  it('the journal, the SQL files and the snapshots agree', () => {
    const sqlFiles = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(sqlFiles).toEqual(known.map((m) => `${m.tag}.sql`));
    expect(Object.keys(SAMPLE_DATA).sort()).toEqual(known.map((m) => m.tag).sort());
  });

  // One test per migration: a fresh database up to it, and an upgrade from the schema before it with data in.
  known.forEach((migration, idx) => {
    it(`${migration.tag}: fresh database gets exactly the snapshot's schema`, () => {
      const db = new Database(':memory:');
      applyMigrations(db, known.slice(0, idx + 1));
      expect(actualTables(db)).toEqual(snapshotTables(idx));
      expect(appliedMigrations(db)).toEqual(known.slice(0, idx + 1).map((m) => m.tag));
      db.close();
    });

    it(`${migration.tag}: upgrade from the previous schema keeps existing rows`, () => {
      const db = new Database(':memory:');
      withSampleData(db, idx);
      const before = Object.fromEntries(Object.keys(actualTables(db)).map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
      applyMigrations(db, pendingMigrations(db, known.slice(0, idx + 1)));
      for (const [t, n] of Object.entries(before)) expect((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, t).toBe(n);
      SAMPLE_DATA[migration.tag]?.(db);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    });
  });

  it('0009_outbox_reversal: items queued before keep their msgid on the wire and owe no 冲正 (issue 13 point 4)', () => {
    const db = new Database(':memory:');
    const idx = known.findIndex((m) => m.tag === '0009_outbox_reversal');
    withSampleData(db, idx);
    db.prepare(`INSERT INTO outbox (msgid, infno, order_key, payload) VALUES ('M9', '2304', 'psn:1', '{}')`).run();
    applyMigrations(db, pendingMigrations(db, known.slice(0, idx + 1)));
    expect(db.prepare(`SELECT wire_msgid AS w, reversal AS r, renew_msgid AS n FROM outbox WHERE msgid = 'M9'`).get()).toEqual({ w: null, r: null, n: 0 });
    expect(db.prepare(`SELECT count(*) AS n FROM outbox_reversals`).get()).toEqual({ n: 0 });
  });

  it('0010_claim_items_one_source: what a withdrawn claim held (only in claims.item_ids before) becomes released claim_items rows; one live row per settlement (issue 12 point 6)', () => {
    const db = new Database(':memory:');
    const idx = known.findIndex((m) => m.tag === '0010_claim_items_one_source');
    withSampleData(db, idx);
    // Claim 2 was withdrawn: its item went (claim_items row deleted), item_ids kept [1].
    db.prepare(`INSERT INTO claims (setlym, insutype, scope, psntime, by_fund, msgid, status, item_ids, status_at)
      VALUES ('2026-10', '310', 'cross', 1, '[]', 'H34010400001202611011000000009', 'withdrawn', '[1]', '2026-11-03T09:00:00.000Z')`).run();
    applyMigrations(db, pendingMigrations(db, known.slice(0, idx + 1)));
    expect(db.prepare(`SELECT claim_id AS c, settlement_id AS s, released_at AS r FROM claim_items ORDER BY id`).all()).toEqual([
      { c: 1, s: 1, r: null },
      { c: 2, s: 1, r: '2026-11-03T09:00:00.000Z' },
    ]);
    expect((db.prepare(`SELECT name FROM pragma_table_info('claims')`).all() as { name: string }[]).map((c) => c.name)).not.toContain('item_ids');
    // A second live row for settlement 1 is refused; a released one is not.
    expect(() => db.prepare(`INSERT INTO claim_items (claim_id, settlement_id) VALUES (2, 1)`).run()).toThrow(/UNIQUE/);
    db.prepare(`INSERT INTO claim_items (claim_id, settlement_id, released_at) VALUES (2, 1, '2026-11-04T00:00:00.000Z')`).run();
    db.close();
  });

  it('0011_agency_settlement: settlements of earlier versions stay desk-basis and their uploaded lines become fee_uploads rows (issue 14 point 2)', () => {
    const db = new Database(':memory:');
    const idx = known.findIndex((m) => m.tag === '0011_agency_settlement');
    withSampleData(db, idx);
    db.prepare(`INSERT INTO settlements (admission_id, kind, settled_on, setl_time, insutype, scope, policy_version, catalogue_version, msgid, settle_input)
      VALUES (1, 'settlement', '2026-11-06', '2026-11-06 10:00:00', '310', 'cross', 'P', 'C', 'H34010400001202611061000000001', '{"meta":{"uploadedSns":["F1","F2"]}}'),
             (1, 'settlement', '2026-11-07', '2026-11-07 10:00:00', '310', 'cross', 'P', 'C', 'H34010400001202611071000000001', 'not json')`).run();
    applyMigrations(db, pendingMigrations(db, known.slice(0, idx + 1)));
    expect(db.prepare(`SELECT DISTINCT basis FROM settlements`).all()).toEqual([{ basis: 'desk' }]);
    expect(db.prepare(`SELECT admission_id AS a, feedetl_sn AS sn, msgid FROM fee_uploads ORDER BY id`).all()).toEqual([
      { a: 1, sn: 'F1', msgid: 'H34010400001202611061000000001' },
      { a: 1, sn: 'F2', msgid: 'H34010400001202611061000000001' },
    ]);
    db.close();
  });

  it('0008_outbox_person_order: queued messages of a stay are ordered by the person (issue 21 point 2)', () => {
    const db = new Database(':memory:');
    const idx = known.findIndex((m) => m.tag === '0008_outbox_person_order');
    withSampleData(db, idx);
    // Two stays of person 1 (ZY0001 and ZY0003), a claim message, a key of no admission.
    db.prepare(`INSERT INTO outbox (msgid, infno, order_key, payload) VALUES ('M1', '2404', 'adm:1', '{}'), ('M2', '2401', 'adm:2', '{}'), ('M3', '3203', 'claim:1', '{}'), ('M4', '2301', 'adm:99', '{}')`).run();
    applyMigrations(db, pendingMigrations(db, known.slice(0, idx + 1)));
    const rows = db.prepare(`SELECT msgid, order_key AS orderKey, subject FROM outbox WHERE msgid LIKE 'M%' ORDER BY id`).all();
    expect(rows).toEqual([
      { msgid: 'M1', orderKey: 'psn:1', subject: 'adm:1' },
      { msgid: 'M2', orderKey: 'psn:1', subject: 'adm:2' },
      { msgid: 'M3', orderKey: 'claim:1', subject: 'claim:1' },
      { msgid: 'M4', orderKey: 'adm:99', subject: 'adm:99' },
    ]);
    db.close();
  });

  it('a failing migration leaves nothing half-applied', () => {
    const db = new Database(':memory:');
    const broken = [...known, { tag: '9999_broken', sql: 'CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;' }];
    expect(() => applyMigrations(db, broken)).toThrow();
    expect(appliedMigrations(db)).toEqual([]);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name IN ('half_done', 'clerks')`).get()).toEqual({ n: 0 });
  });

  it('refuses a database written by a newer build', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    const db = await openDatabase(file);
    db.$client.prepare(`INSERT INTO schema_migrations (tag, applied_at) VALUES ('0099_future', 'now')`).run();
    db.$client.close();
    await expect(openDatabase(file)).rejects.toBeInstanceOf(DatabaseTooNewError);
    await expect(openDatabase(file)).rejects.toThrow(/更新版本/);
  });

  it('backs up an existing database before applying new migrations, and sets the pragmas', async () => {
    const dir = tmp();
    const file = join(dir, 'desk.sqlite');
    const first = await openDatabase(file, { migrations: known.slice(0, 0) });
    first.$client.exec('CREATE TABLE legacy (x INTEGER); INSERT INTO legacy VALUES (1);');
    first.$client.close();
    const db = await openDatabase(file);
    const backups = listBackups(join(dir, 'backups'));
    expect(backups.map((b) => b.reason)).toEqual(['premigrate']);
    const copy = new Database(backups[0]!.file, { readonly: true });
    expect(copy.prepare('SELECT x FROM legacy').get()).toEqual({ x: 1 });
    copy.close();
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.$client.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
    db.$client.close();
  });

  it('a brand-new database is not backed up (nothing to lose)', async () => {
    const dir = tmp();
    const db = await openDatabase(join(dir, 'desk.sqlite'));
    expect(listBackups(join(dir, 'backups'))).toEqual([]);
    db.$client.close();
  });
});
