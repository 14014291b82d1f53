// Over 400 lines: the admission service (2401/2403/2404, pledge, outside exam, 72 hours, recheck) on one desk fixture.
import { failInserts, rawRows } from '../support/storeSql.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertRegistration } from '../../db/repos/demo.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { admissionState } from '../../electron/services/admissionState.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { AdmissionDetail, AdmissionSummary, EmergencyFeesResult, OutsideExamView, PdfFile } from '../../shared/api/admission.ts';
import type { IdentityResult } from '../../shared/api/identity.ts';
import type { SyncResendView, SyncStatus } from '../../shared/api/sync.ts';
import { checkCharacter } from '../../shared/citizenId.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { seedPerson, seedRegistration } from '../agency/server.ts';
import { startIdentityDesk } from '../support/identityDesk.ts';

/**
 * Admission services end to end: real desk (SQLite file), real host over HTTP, real reference
 * agency answering the identity checks (1101) and, where the sync worker runs, 2401/2403/2404.
 */

const [ZHANG, LI, ZHAO, ZHOU] = DEMO_PATIENTS;
const TODAY = todayCST();
const ADMITTED = `${TODAY} 00:00:00`;
const card = (p: (typeof DEMO_PATIENTS)[number]) => `${p.cardNo}|${p.certno}`;
const idNo = (first17: string) => first17 + checkCharacter(first17);

const work = mkdtempSync(path.join(tmpdir(), 'adm-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let t: Awaited<ReturnType<typeof startIdentityDesk>>;
beforeEach(async () => {
  t = await startIdentityDesk();
});
afterEach(async () => t.stop());

const sql = <T = Record<string, unknown>>(q: string, ...args: unknown[]): T[] => rawRows<T>(t.ctx.desk.db, q, ...args);

async function ok<T>(method: string, input: unknown): Promise<T> {
  const r = await t.call<T>(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error?.code} ${r.error?.message} (${r.error?.path})`);
  return r.result!;
}

async function checkOf(credential: string, emergency = false): Promise<number> {
  return (await ok<IdentityResult>('identity.check', { credential, admissionDate: TODAY, emergency })).check.id;
}

function fields(over: Record<string, unknown> = {}) {
  return {
    iptNo: `ZY${Math.random().toString().slice(2, 10)}`,
    admittedAt: ADMITTED,
    way: '门诊',
    deptCode: 'A03',
    deptName: '骨科',
    bed: '12',
    diagCode: 'S72.000',
    diagName: '股骨颈骨折',
    doctorCode: 'D0012',
    doctorName: '李明',
    medType: '22',
    emergency: false,
    trauma: true,
    thirdParty: false,
    ...over,
  };
}

async function admit(credential: string, over: Record<string, unknown> = {}, emergency = false): Promise<AdmissionDetail> {
  const checkId = await checkOf(credential, emergency);
  return ok<AdmissionDetail>('admission.create', { checkId, ...fields(over) });
}

const selfPledge = { pledger: { relationship: null, phone: '13800001111' }, injury: { time: `${addDays(TODAY, -1)}T14`, place: '合肥市蜀山区长江西路与潜山路交口', account: '骑自行车自行摔倒致右髋部受伤' } };

/** The text as an auditor extracts it; also checks A4 and that every font is an embedded subset (CJK). */
function pdfText(file: PdfFile, name: string): string {
  const f = path.join(work, name);
  writeFileSync(f, Buffer.from(file.base64, 'base64'));
  const info = spawnSync('/usr/bin/pdfinfo', [f], { encoding: 'utf8' }).stdout;
  expect(info).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
  expect(info).toMatch(/Pages:\s+1\n/);
  const fonts = spawnSync('/usr/bin/pdffonts', [f], { encoding: 'utf8' }).stdout.split('\n').slice(2).filter((l) => l.trim() !== '');
  expect(fonts.length).toBeGreaterThan(0);
  for (const l of fonts) {
    const cols = l.trim().split(/\s+/);
    expect(cols[0]).toMatch(/^[A-Z]{6}\+NotoSansHans/);
    expect([cols.at(-5), cols.at(-4)]).toEqual(['yes', 'yes']);
  }
  const r = spawnSync('/usr/bin/pdftotext', ['-layout', f, '-'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  mkdirSync('test/artifacts', { recursive: true });
  spawnSync('/usr/bin/pdftoppm', ['-png', '-r', '60', '-singlefile', f, path.join('test/artifacts', name.replace(/\.pdf$/, ''))]);
  return r.stdout;
}
const flat = (s: string) => s.replace(/\s+/g, '');

describe('admission.create', () => {
  it('records the admission with the eligibility decision and group, writes 2401 in the national shape, audits', async () => {
    const a = await admit(card(ZHANG), { trauma: false, medType: '21', diagCode: 'I63.900', diagName: '脑梗死' });
    expect(a).toMatchObject({ status: 'admitted', group: 'resettledRetiree', settle: { direct: true, label: '可直接结算' }, gate: null, agency: { pending: ['2401'], rejected: [] } });
    expect(a.eligibility).toMatchObject({ direct: true, reason: 'REGISTERED', rule: '004 第十三条', source: 'admission' });
    expect(a.certNoMasked).toBe(`${ZHANG.certno.slice(0, 6)}********${ZHANG.certno.slice(-4)}`);
    expect(JSON.stringify(a)).not.toContain(ZHANG.certno);

    const [row] = sql<Record<string, unknown>>('SELECT * FROM admissions WHERE id = ?', a.id);
    expect(row).toMatchObject({ elig_direct: 1, elig_reason: 'REGISTERED', grp: 'resettledRetiree', mdtrt_cert_type: '03', mdtrt_cert_no: ZHANG.cardNo, trum_flag: 0, rel_ttp_flag: 0, atddr_no: 'D0012' });

    const out = sql<{ infno: string; order_key: string; payload: string; msgid: string }>('SELECT * FROM outbox WHERE subject = ?', `adm:${a.id}`);
    expect(out).toHaveLength(1);
    // Queued under the person, so a later stay's 2401 cannot overtake this one's 2404 (issue 21 point 2).
    expect(out[0]!.order_key).toMatch(/^psn:\d+$/);
    const env = JSON.parse(out[0]!.payload);
    expect(env).toMatchObject({ infno: '2401', msgid: out[0]!.msgid, insuplc_admdvs: '420102', mdtrtarea_admvs: '340104', fixmedins_code: 'H34010400001', opter: 'clerk01' });
    expect(env.input.mdtrtinfo).toMatchObject({
      psn_no: 'DEMO000001', insutype: '310', begntime: ADMITTED, mdtrt_cert_type: '03', mdtrt_cert_no: ZHANG.cardNo, med_type: '21', ipt_no: a.iptNo,
      atddr_no: 'D0012', chfpdr_name: '李明', adm_diag_dscr: '脑梗死', adm_dept_codg: 'A03', adm_dept_name: '骨科', adm_bed: '12',
      dscg_maindiag_code: 'I63.900', dscg_maindiag_name: '脑梗死', insuplc_admdvs: '420102', mdtrtarea_admvs: '340104', trum_flag: '0', rel_ttp_flag: '0', adm_way: '2',
    });
    expect(env.input.diseinfo).toEqual([expect.objectContaining({ psn_no: 'DEMO000001', diag_type: '1', maindiag_flag: '1', diag_code: 'I63.900', diag_name: '脑梗死', dise_dor_no: 'D0012' })]);

    const audit = sql<{ detail: string; clerk_id: number }>(`SELECT * FROM audit_log WHERE action = 'admission.create'`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).not.toContain(ZHANG.certno);
  });

  it('the inpatient number is unique in the hospital, also after a cancellation', async () => {
    const a = await admit(card(ZHANG), { iptNo: 'ZY-UNIQ-1' });
    const checkId = await checkOf(card(LI));
    const r = await t.call('admission.create', { checkId, ...fields({ iptNo: 'ZY-UNIQ-1' }) });
    expect(r.error).toMatchObject({ code: 'DUPLICATE_IPT_NO', path: 'iptNo' });
    await ok('admission.cancel', { admissionId: a.id, reason: '登记错误，重新办理' });
    const again = await t.call('admission.create', { checkId, ...fields({ iptNo: 'ZY-UNIQ-1' }) });
    expect(again.error).toMatchObject({ code: 'DUPLICATE_IPT_NO', message: expect.stringContaining('已撤销') });
    expect(sql('SELECT id FROM admissions')).toHaveLength(1);
  });

  it('validation errors are Chinese and name the field; nothing is written', async () => {
    const checkId = await checkOf(card(ZHANG));
    const { bed: _bed, ...noBed } = fields();
    expect((await t.call('admission.create', { checkId, ...noBed })).error).toMatchObject({ code: 'INVALID_INPUT', path: 'bed', message: expect.stringContaining('请填写床位号') });
    expect((await t.call('admission.create', { checkId, ...fields({ diagCode: '股骨' }) })).error).toMatchObject({ path: 'diagCode', message: expect.stringContaining('ICD-10') });
    expect((await t.call('admission.create', { checkId, ...fields({ thirdParty: true, trauma: false, medType: '21' }) })).error).toMatchObject({ path: 'thirdParty' });
    expect((await t.call('admission.create', { checkId, ...fields({ admittedAt: `${addDays(TODAY, 2)} 09:00` }) })).error).toMatchObject({ path: 'admittedAt' });
    expect((await t.call('admission.create', { checkId: 9999, ...fields() })).error).toMatchObject({ code: 'NOT_FOUND', path: 'checkId' });
    expect(sql('SELECT id FROM admissions')).toHaveLength(0);
    expect(sql('SELECT id FROM outbox')).toHaveLength(0);
  });

  it('one open admission per patient; the check must be for the admission day', async () => {
    await admit(card(ZHANG));
    const again = await t.call('admission.create', { checkId: await checkOf(card(ZHANG)), ...fields() });
    expect(again.error).toMatchObject({ code: 'ALREADY_ADMITTED' });
    const c = await ok<IdentityResult>('identity.check', { credential: card(LI), admissionDate: addDays(TODAY, -3) });
    expect((await t.call('admission.create', { checkId: c.check.id, ...fields() })).error).toMatchObject({ code: 'CHECK_DATE_MISMATCH', path: 'admittedAt' });
  });

  it('the outbox row is written in the same transaction: a failure in between leaves neither', async () => {
    const checkId = await checkOf(card(ZHANG));
    const healOutbox = failInserts(t.ctx.desk.db, { name: 'fail_outbox', table: 'outbox', message: 'injected outbox failure' });
    const r = await t.call('admission.create', { checkId, ...fields() });
    expect(r.error?.code).toBe('INTERNAL');
    expect(sql('SELECT id FROM admissions')).toHaveLength(0);
    expect(sql(`SELECT id FROM audit_log WHERE action = 'admission.create'`)).toHaveLength(0);
    healOutbox();

    const healAudit = failInserts(t.ctx.desk.db, { name: 'fail_audit', table: 'audit_log', when: "NEW.action = 'admission.create'", message: 'injected audit failure' });
    expect((await t.call('admission.create', { checkId, ...fields() })).error?.code).toBe('INTERNAL');
    expect(sql('SELECT id FROM admissions')).toHaveLength(0);
    expect(sql('SELECT id FROM outbox')).toHaveLength(0);
    healAudit();

    await ok('admission.create', { checkId, ...fields() });
    expect(sql('SELECT id FROM admissions')).toHaveLength(1);
    expect(sql('SELECT id FROM outbox')).toHaveLength(1);
  });

  it('an emergency admission of an unregistered patient is treated as registered (004 第三十七条)', async () => {
    const a = await admit(card(ZHOU), { way: '急诊', medType: '24', emergency: true, trauma: false, diagCode: 'I21.900', diagName: '急性心肌梗死' }, true);
    expect(a.eligibility).toMatchObject({ direct: true, reason: 'EMERGENCY' });
    expect(a.group).toBe('emergency');
    const plain = await admit(card(LI), { trauma: false, medType: '21', diagCode: 'J18.900', diagName: '肺炎' });
    expect(plain.eligibility?.reason).toBe('REGISTERED');
    expect(plain.group).toBe('referral');
  });
});

describe('admission.change (2403) and admission.cancel (2404)', () => {
  it('a change is an event: the row keeps the original, current = original + changes, 2403 queued in order', async () => {
    const a = await admit(card(ZHANG));
    const d = await ok<AdmissionDetail>('admission.change', { admissionId: a.id, changes: { bed: '21', deptName: '创伤外科', deptCode: 'A09' }, reason: '转科' });
    expect(d.current).toMatchObject({ bed: '21', deptName: '创伤外科', deptCode: 'A09' });
    expect(d.original).toMatchObject({ bed: '12', deptName: '骨科' });
    expect(sql('SELECT adm_bed, adm_dept_name FROM admissions WHERE id = ?', a.id)[0]).toEqual({ adm_bed: '12', adm_dept_name: '骨科' });
    expect(d.events).toEqual([expect.objectContaining({ kind: 'change', reason: '转科', clerk: '王晓燕', fields: expect.objectContaining({ changes: { bed: '21', deptName: '创伤外科', deptCode: 'A09' } }) })]);

    const rows = sql<{ infno: string; payload: string }>('SELECT infno, payload FROM outbox WHERE subject = ? ORDER BY id', `adm:${a.id}`);
    expect(rows.map((r) => r.infno)).toEqual(['2401', '2403']);
    const env = JSON.parse(rows[1]!.payload);
    expect(env.insuplc_admdvs).toBe('420102');
    expect(env.input.adminfo).toMatchObject({ mdtrt_id: '', psn_no: 'DEMO000001', ipt_no: a.iptNo, adm_bed: '21', adm_dept_name: '创伤外科', trum_flag: '1', rel_ttp_flag: '0', insuplc_admdvs: '420102' });
    expect(env.input.diseinfo[0]).toMatchObject({ diag_code: 'S72.000', diag_dept: '创伤外科' });

    expect((await t.call('admission.change', { admissionId: a.id, changes: { bed: '21' } })).error).toMatchObject({ code: 'NO_CHANGE' });
    expect((await t.call('admission.change', { admissionId: a.id, changes: { trauma: false } })).error).toMatchObject({ code: 'INVALID_FLAGS', path: 'changes.trauma' });
    expect((await t.call('admission.change', { admissionId: a.id, changes: { diagCode: 'bad' } })).error).toMatchObject({ code: 'INVALID_INPUT', path: 'changes.diagCode' });
  });

  it('cancel needs a reason and is refused once a settlement exists; nothing is written then', async () => {
    const a = await admit(card(ZHANG));
    expect((await t.call('admission.cancel', { admissionId: a.id, reason: '' })).error).toMatchObject({ code: 'INVALID_INPUT', path: 'reason' });
    t.ctx.desk.db.transaction((tx) => {
      insertSettlement(tx, { admissionId: a.id, kind: 'settlement', settledOn: TODAY, setlTime: `${TODAY} 10:00:00`, insutype: '310', scope: 'cross', policyVersion: 'P', catalogueVersion: 'C', msgid: 'H34010400001202611240000009999' }, []);
    });
    const r = await t.call('admission.cancel', { admissionId: a.id, reason: '患者放弃住院' });
    expect(r.error).toMatchObject({ code: 'SETTLED', message: expect.stringContaining('先撤销结算') });
    expect(sql(`SELECT id FROM admission_events WHERE kind = 'cancel'`)).toHaveLength(0);
    expect(sql(`SELECT id FROM outbox WHERE infno = '2404'`)).toHaveLength(0);
    expect(sql('SELECT status FROM admissions WHERE id = ?', a.id)[0]).toEqual({ status: 'admitted' });
    expect((await ok<AdmissionDetail>('admission.get', { id: a.id })).cancellable).toMatchObject({ ok: false });
    expect((await t.call('admission.change', { admissionId: a.id, changes: { bed: '3' } })).error).toMatchObject({ code: 'SETTLED' });
  });

  it('cancel before settlement: event, status, 2404 with the national fields, gone from the in-hospital list', async () => {
    const a = await admit(card(LI), { trauma: false, medType: '21', diagCode: 'K35.800', diagName: '急性阑尾炎' });
    const d = await ok<AdmissionDetail>('admission.cancel', { admissionId: a.id, reason: '患者转往他院' });
    expect(d.status).toBe('cancelled');
    expect(d.events.at(-1)).toMatchObject({ kind: 'cancel', reason: '患者转往他院' });
    const rows = sql<{ infno: string; payload: string }>('SELECT infno, payload FROM outbox WHERE subject = ? ORDER BY id', `adm:${a.id}`);
    expect(rows.map((r) => r.infno)).toEqual(['2401', '2404']);
    expect(JSON.parse(rows[1]!.payload)).toMatchObject({ infno: '2404', insuplc_admdvs: '320506', input: { data: { mdtrt_id: '', psn_no: 'DEMO000002' } } });
    expect(await ok<AdmissionSummary[]>('admission.list', { scope: 'in' })).toEqual([]);
    expect((await ok<AdmissionSummary[]>('admission.list', { scope: 'all' })).map((x) => x.status)).toEqual(['cancelled']);
    expect((await t.call('admission.cancel', { admissionId: a.id, reason: '再次撤销' })).error).toMatchObject({ code: 'CANCELLED' });
  });

  it('the sync worker delivers 2401 → 2403 → 2404 in order and fills the agency mdtrt_id', async () => {
    const a = await admit(card(ZHANG));
    await ok('admission.change', { admissionId: a.id, changes: { bed: '30' } });
    await ok('admission.cancel', { admissionId: a.id, reason: '测试撤销' });
    const r = await t.ctx.desk.syncWorker.drain(50);
    expect(r.pending).toBe(0);
    const mdtrtId = sql<{ mdtrt_id: string }>('SELECT mdtrt_id FROM admissions WHERE id = ?', a.id)[0]!.mdtrt_id;
    expect(mdtrtId).toMatch(/^340104\d{12}$/);
    expect(await ok<AdmissionDetail>('admission.get', { id: a.id })).toMatchObject({ mdtrtId, agency: { pending: [], rejected: [] } });
    const results = sql<{ infno: string; infcode: number }>('SELECT infno, infcode FROM outbox_results ORDER BY received_at, msgid');
    expect(results).toEqual([{ infno: '2401', infcode: 0 }, { infno: '2403', infcode: 0 }, { infno: '2404', infcode: 0 }]);
    const agencyRow = t.agency.store.db.prepare('SELECT status, detail FROM admissions WHERE mdtrt_id = ?').get(mdtrtId) as { status: string; detail: string };
    expect(agencyRow.status).toBe('cancelled');
    expect(JSON.parse(agencyRow.detail).mdtrtinfo).toMatchObject({ adm_bed: '30', trum_flag: '1', rel_ttp_flag: '0' });
  });
});

describe('an admission the agency refuses', () => {
  it('shows the refusal on the admission; the change queued behind it waits', async () => {
    const a = await admit(card(ZHANG));
    await ok('admission.change', { admissionId: a.id, changes: { bed: '8' } });
    const msgid = sql<{ msgid: string }>(`SELECT msgid FROM outbox WHERE infno = '2401'`)[0]!.msgid;
    t.agency.faults.set({ mode: 'failItem', msgid, times: 1 });
    await t.ctx.desk.syncWorker.drain(20);
    const d = await ok<AdmissionDetail>('admission.get', { id: a.id });
    expect(d.agency.rejected).toEqual([{ infno: '2401', message: expect.any(String) }]);
    expect(d.agency.pending).toEqual(['2403']);
    expect(d.mdtrtId).toBeNull();
  });

  it('重新发送 after the cause is corrected is a new message from the corrected state, and the sync screen says what changed (issue 21 point 3)', async () => {
    const a = await admit(card(ZHANG));
    const msgid = sql<{ msgid: string }>(`SELECT msgid FROM outbox WHERE infno = '2401'`)[0]!.msgid;
    t.agency.faults.set({ mode: 'failItem', msgid, times: 1 });
    await t.ctx.desk.syncWorker.drain(20);
    // The clerk corrects the bed; the 2403 of the change waits behind the refused 2401.
    await ok('admission.change', { admissionId: a.id, changes: { bed: '9' } });
    const st = await ok<SyncStatus>('sync.status', {});
    expect(st.rejectedItems).toEqual([expect.objectContaining({ msgid, infno: '2401', rebuilds: true, waitingBehind: 1 })]);

    const r = await ok<{ resent: string[]; replaced: SyncResendView[] }>('sync.resend', { msgid });
    expect(r.resent).toEqual([msgid]);
    const rep = r.replaced[0]!;
    expect(rep.oldMsgid).toBe(msgid);
    expect(rep.newMsgid).not.toBe(msgid);
    expect(rep.refusal).toContain('注入的故障');
    expect(rep.changes).toEqual([{ path: 'mdtrtinfo.adm_bed', before: '12', after: '9' }]);
    expect((rep.sent as { mdtrtinfo: { adm_bed: string } }).mdtrtinfo.adm_bed).toBe('9');

    const drained = await t.ctx.desk.syncWorker.drain(20);
    expect(drained.pending).toBe(0);
    // The agency received the corrected 2401 (new msgid) and then the 2403; the refused msgid never came again.
    const d = await ok<AdmissionDetail>('admission.get', { id: a.id });
    expect(d.agency).toMatchObject({ pending: [], rejected: [] });
    const agencyRow = t.agency.store.db.prepare('SELECT detail FROM admissions WHERE mdtrt_id = ?').get(d.mdtrtId) as { detail: string };
    expect(JSON.parse(agencyRow.detail).mdtrtinfo.adm_bed).toBe('9');
    // The refused message stays as history with the agency's refusal, not as a delivery.
    expect(sql(`SELECT infcode FROM outbox_results WHERE msgid = ?`, msgid)).toEqual([{ infcode: -1 }]);
    expect(sql(`SELECT infcode FROM outbox_results WHERE msgid = ?`, rep.newMsgid)).toEqual([{ infcode: 0 }]);
    const after = await ok<SyncStatus>('sync.status', {});
    expect(after.rejectedItems).toEqual([]);
    expect(after.resends).toEqual([expect.objectContaining({ oldMsgid: msgid, newMsgid: rep.newMsgid, state: 'delivered', label: expect.stringContaining('入院') })]);
  });
});

describe('trauma pledge and the settle gate (004 第三十八条)', () => {
  it('trauma + third party: not direct, with the reason and the rule; no pledge can be taken', async () => {
    const a = await admit(card(ZHANG), { thirdParty: true });
    expect(a.settle).toMatchObject({ direct: false, label: '不能直接结算' });
    expect(a.gate).toMatchObject({ code: 'TRAUMA_THIRD_PARTY', rule: '004 第三十八条' });
    expect(a.settle.reasons.map((r) => r.rule)).toContain('004 第三十八条');
    const out = JSON.parse(sql<{ payload: string }>('SELECT payload FROM outbox')[0]!.payload);
    expect(out.input.mdtrtinfo).toMatchObject({ trum_flag: '1', rel_ttp_flag: '1', med_type: '22' });
    expect((await t.call('pledge.record', { admissionId: a.id, form: selfPledge })).error).toMatchObject({ code: 'THIRD_PARTY' });
    expect((await t.call('pledge.pdf', { admissionId: a.id, form: selfPledge })).error).toMatchObject({ code: 'THIRD_PARTY' });
  });

  it('trauma without a pledge is blocked until the signed pledge is recorded; the clerk witnesses', async () => {
    const a = await admit(card(ZHANG));
    expect(a.gate).toMatchObject({ code: 'TRAUMA_PLEDGE_MISSING', rule: '004 第三十八条' });
    expect(a.settle).toMatchObject({ direct: false, label: '待签承诺书，暂不能直接结算' });
    const d = await ok<AdmissionDetail>('pledge.record', { admissionId: a.id, form: selfPledge });
    expect(d.gate).toBeNull();
    expect(d.settle).toMatchObject({ direct: true, label: '可直接结算' });
    expect(d.pledges).toEqual([expect.objectContaining({ pledgerName: ZHANG.name, relationship: null, witness: '王晓燕', inForce: true, injuryTime: selfPledge.injury.time })]);
    const [row] = sql<Record<string, unknown>>('SELECT * FROM trauma_pledges');
    expect(row).toMatchObject({ admission_id: a.id, cert_no: ZHANG.certno, cert_type: '居民身份证', phone: '13800001111', witness_clerk_id: 1, supersedes_id: null });
    expect(String(row!.signed_at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(sql(`SELECT id FROM audit_log WHERE action = 'pledge.record'`)).toHaveLength(1);
  });

  it('a pledge is never edited: a correction is a new row that supersedes it', async () => {
    const a = await admit(card(ZHANG));
    await ok('pledge.record', { admissionId: a.id, form: selfPledge });
    const before = sql('SELECT * FROM trauma_pledges WHERE id = 1')[0];
    expect((await t.call('pledge.record', { admissionId: a.id, form: selfPledge })).error).toMatchObject({ code: 'PLEDGE_EXISTS' });
    const corrected = { ...selfPledge, injury: { ...selfPledge.injury, place: '合肥市蜀山区黄山路' } };
    expect((await t.call('pledge.supersede', { pledgeId: 1, form: corrected })).error).toMatchObject({ path: 'reason' });
    const d = await ok<AdmissionDetail>('pledge.supersede', { pledgeId: 1, form: corrected, reason: '受伤地点记录有误' });
    expect(sql('SELECT * FROM trauma_pledges WHERE id = 1')[0]).toEqual(before);
    expect(sql('SELECT id, supersedes_id, trum_site FROM trauma_pledges ORDER BY id')).toEqual([
      { id: 1, supersedes_id: null, trum_site: selfPledge.injury.place },
      { id: 2, supersedes_id: 1, trum_site: '合肥市蜀山区黄山路' },
    ]);
    expect(d.pledges.map((p) => [p.id, p.inForce, p.supersededBy])).toEqual([[1, false, 2], [2, true, null]]);
    expect(d.gate).toBeNull();
    expect((await t.call('pledge.supersede', { pledgeId: 1, form: corrected, reason: '再改一次' })).error).toMatchObject({ code: 'ALREADY_SUPERSEDED' });
  });

  it('a relative signs for the patient: name, relationship, ID and phone required; injury before admission', async () => {
    const a = await admit(card(ZHANG));
    const relative = { pledger: { relationship: '子女', name: '禤䶮', certType: '居民身份证', phone: '0551-62345678' }, injury: selfPledge.injury };
    expect((await t.call('pledge.record', { admissionId: a.id, form: relative })).error).toMatchObject({ code: 'MISSING_FIELD', path: 'form.pledger.certNo' });
    const withId = { ...relative, pledger: { ...relative.pledger, certNo: idNo('34010419800101123') } };
    expect((await t.call('pledge.record', { admissionId: a.id, form: { ...withId, pledger: { ...withId.pledger, phone: '123' } } })).error).toMatchObject({ path: 'form.pledger.phone' });
    expect((await t.call('pledge.record', { admissionId: a.id, form: { ...withId, injury: { ...withId.injury, time: `${TODAY}T23` } } })).error?.path).toBe('form.injury.time');
    const d = await ok<AdmissionDetail>('pledge.record', { admissionId: a.id, form: withId });
    expect(d.pledges[0]).toMatchObject({ pledgerName: '禤䶮', relationship: '子女', certNoMasked: '340104********' + withId.pledger.certNo.slice(-4) });
  });

  it('the pledge PDF is pre-filled: labels, values (a rare character too), the statement, refund, consent, legal warning', async () => {
    const a = await admit(card(ZHANG));
    const relative = { pledger: { relationship: '子女', name: '禤䶮', certType: '居民身份证', certNo: idNo('34010419800101123'), phone: '13912345678' }, injury: selfPledge.injury };
    const pdf = await ok<PdfFile>('pledge.pdf', { admissionId: a.id, form: relative });
    expect(pdf).toMatchObject({ mime: 'application/pdf', pages: 1, fileName: expect.stringContaining(a.iptNo) });
    const text = pdfText(pdf, 'admission-pledge-relative.pdf');
    const f = flat(text);
    for (const label of ['外伤无第三方责任承诺书', '承诺人', '联系电话', '证件类型', '证件号码', '承诺事项', '与患者关系', '患者姓名', '承诺内容', '承诺人（签名）', '日期']) expect(f, label).toContain(label);
    for (const value of ['禤䶮', '13912345678', relative.pledger.certNo, '子女', ZHANG.name, ZHANG.certno, '外伤无第三方责任', flat(selfPledge.injury.place), flat(selfPledge.injury.account), `${addDays(TODAY, -1).slice(0, 4)}年`, '14时', '武汉市医疗保障局']) {
      expect(f, value).toContain(value);
    }
    expect(f).toContain('本次意外受伤与第三方责任或工伤责任无关');
    expect(f).toContain('将已享受的医保待遇全额退回医保');
    expect(f).toContain('通过信息共享方式查询');
    expect(f).toContain('纳入信用管理体系');
    expect(f).toContain('刑法第二百六十六条');
    // The printed pledge is not a record: nothing but the audit entry is written.
    expect(sql('SELECT id FROM trauma_pledges')).toHaveLength(0);
    expect(sql(`SELECT id FROM audit_log WHERE action = 'pledge.print'`)).toHaveLength(1);

    await ok('pledge.record', { admissionId: a.id, form: selfPledge });
    const reprint = flat(pdfText(await ok<PdfFile>('pledge.pdf', { admissionId: a.id, pledgeId: 1 }), 'admission-pledge-self.pdf'));
    expect(reprint).toContain(ZHANG.name);
    expect(reprint).not.toContain('与患者关系');
    expect((await t.call('pledge.pdf', { admissionId: a.id })).error).toMatchObject({ path: 'form' });
  });

  it('a non-trauma admission needs no pledge', async () => {
    const a = await admit(card(ZHANG), { trauma: false, medType: '21', diagCode: 'I63.900', diagName: '脑梗死' });
    expect((await t.call('pledge.record', { admissionId: a.id, form: selfPledge })).error).toMatchObject({ code: 'NOT_TRAUMA' });
  });

  it('a third party found later: the change blocks direct settlement although the row keeps the original flag', async () => {
    const a = await admit(card(ZHANG));
    await ok('pledge.record', { admissionId: a.id, form: selfPledge });
    const d = await ok<AdmissionDetail>('admission.change', { admissionId: a.id, changes: { thirdParty: true }, reason: '交警认定涉及第三方' });
    expect(d.gate?.code).toBe('TRAUMA_THIRD_PARTY');
    expect(sql('SELECT rel_ttp_flag FROM admissions WHERE id = ?', a.id)[0]).toEqual({ rel_ttp_flag: 0 });
    // What the settlement reads: the admission now, not the row's first values.
    const state = admissionState(t.ctx.desk.db, a.id);
    expect(state.current.thirdParty).toBe(true);
    expect(state.gate?.code).toBe('TRAUMA_THIRD_PARTY');
    expect(state.settle.direct).toBe(false);
  });

  it('clearing the third-party flag by a change lifts that block; the pledge then lifts the other', async () => {
    const a = await admit(card(ZHANG), { thirdParty: true });
    const d = await ok<AdmissionDetail>('admission.change', { admissionId: a.id, changes: { thirdParty: false }, reason: '交警认定无第三方' });
    expect(d.gate?.code).toBe('TRAUMA_PLEDGE_MISSING');
    expect((await ok<AdmissionDetail>('pledge.record', { admissionId: a.id, form: selfPledge })).settle.direct).toBe(true);
  });
});

describe('outside-exam slip (004 第三十九条, 附件9)', () => {
  const slip = {
    kind: 'hospital',
    diagnosis: 'S72.000 股骨颈骨折',
    hospital: { code: 'H34010400002', name: '安徽医科大学第一附属医院' },
    items: [
      { code: '002100000030000', name: '磁共振成像（MRI）平扫', qty: '1', price: '580' },
      { code: '002201000020000', name: 'CT 增强扫描', qty: '2', price: '325.5', amount: '651.00' },
    ],
    reason: '本院磁共振设备检修，病情需要尽快明确损伤范围',
    doctor: '李明',
  };

  it('its fee lines join the admission with etip_flag and etip_hosp_code; the PDF shows every field', async () => {
    // A patient with a rare character in the name, known to the agency (1101 fills the desk).
    const certno = idNo('34010219700101123');
    seedPerson(t.agency.store, { psnNo: 'P-RARE-1', certno, cardNo: 'R34010001', psnName: '禤䶮', gend: '1', brdy: '1970-01-01', insuinfo: [{ insutype: '310', psnType: '12', insuplcAdmdvs: '420102' }] });
    seedRegistration(t.agency.store, { agencyId: 'RARE-1', certno, psnNo: 'P-RARE-1', psnName: '禤䶮', insuplcAdmdvs: '420102', group: 'resettledRetiree', destination: '340100', effectiveFrom: '2025-01-01' });
    const a = await admit(`R34010001|${certno}`);
    const r = await ok<{ slip: OutsideExamView; admission: AdmissionDetail }>('outsideExam.create', { admissionId: a.id, ...slip });
    expect(r.slip).toMatchObject({ total: '1231.00', hospitalCode: 'H34010400002', items: [expect.objectContaining({ sn: `WJ${r.slip.id}-1`, amount: '580.00' }), expect.objectContaining({ amount: '651.00' })] });
    const lines = sql('SELECT feedetl_sn, med_list_codg, cnt, pric, det_item_fee_sumamt, etip_flag, etip_hosp_code, bilg_dept_name, bilg_dr_name FROM fee_lines WHERE admission_id = ? ORDER BY id', a.id);
    expect(lines).toEqual([
      { feedetl_sn: `WJ${r.slip.id}-1`, med_list_codg: '002100000030000', cnt: '1', pric: '580', det_item_fee_sumamt: '580.00', etip_flag: 1, etip_hosp_code: 'H34010400002', bilg_dept_name: '骨科', bilg_dr_name: '李明' },
      { feedetl_sn: `WJ${r.slip.id}-2`, med_list_codg: '002201000020000', cnt: '2', pric: '325.5', det_item_fee_sumamt: '651.00', etip_flag: 1, etip_hosp_code: 'H34010400002', bilg_dept_name: '骨科', bilg_dr_name: '李明' },
    ]);
    expect(r.admission.feeLines.map((l) => [l.source, l.etipFlag])).toEqual([['outsideExam', true], ['outsideExam', true]]);

    const text = pdfText(await ok<PdfFile>('outsideExam.pdf', { slipId: r.slip.id }), 'admission-outside-exam.pdf');
    const f = flat(text);
    for (const label of ['住院期间外院检查治疗或定点药店购药单', '姓名', '性别', '年龄', '科别', '证件类型', '证件号码', '诊断', '外检定点医院或外购定点药店名称', '外检项目或外购药品', '外检或外购药原因', '医师签字', '定点医疗机构医疗保险办公室盖章', '日期']) {
      expect(f, label).toContain(label);
    }
    for (const value of ['禤䶮', '男', certno, '骨科', 'S72.000股骨颈骨折', '安徽医科大学第一附属医院', 'H34010400002', '磁共振成像', 'CT增强扫描', '580.00', '651.00', '1,231.00', flat(slip.reason), '李明', a.iptNo, '合肥市第一人民医院']) {
      expect(f, value).toContain(value);
    }
  });

  it('refuses the own hospital, a wrong amount, a time before admission', async () => {
    const a = await admit(card(ZHANG));
    expect((await t.call('outsideExam.create', { admissionId: a.id, ...slip, hospital: { code: 'H34010400001', name: '本院' } })).error).toMatchObject({ code: 'OWN_HOSPITAL', path: 'hospital.code' });
    expect((await t.call('outsideExam.create', { admissionId: a.id, ...slip, items: [{ ...slip.items[0], amount: '58.00' }] })).error).toMatchObject({ code: 'AMOUNT_MISMATCH', path: 'items.0.amount' });
    expect((await t.call('outsideExam.create', { admissionId: a.id, ...slip, at: `${addDays(TODAY, -1)} 10:00` })).error).toMatchObject({ code: 'BEFORE_ADMISSION' });
    expect((await t.call('outsideExam.create', { admissionId: a.id, ...slip, hospital: { code: 'X1', name: '某院' } })).error).toMatchObject({ code: 'INVALID_INPUT', path: 'hospital.code' });
    expect(sql('SELECT id FROM fee_lines')).toHaveLength(0);
    expect(sql('SELECT id FROM outside_exam_slips')).toHaveLength(0);
  });
});

describe('72-hour rule (000 第十七条 1)', () => {
  it('attaches emergency fees within 72 hours before an emergency admission, refuses the rest with reasons', async () => {
    const a = await admit(card(ZHOU), { way: '急诊', medType: '24', emergency: true, trauma: false, diagCode: 'I21.900', diagName: '急性心肌梗死', admittedAt: `${TODAY} 00:00` }, true);
    const d0 = addDays(TODAY, -3);
    const r = await ok<EmergencyFeesResult>('admission.attachEmergencyFees', {
      admissionId: a.id,
      visit: { emergency: true },
      lines: [
        { feeOcurTime: `${d0} 00:01`, code: '003101000010000', name: '急诊抢救费', qty: '1', price: '150' }, // 71:59 before
        { feeOcurTime: `${d0} 00:00`, code: '002201000020000', name: '急诊心电图', qty: '1', price: '25' }, // 72:00
        { feeOcurTime: `${addDays(d0, -1)} 23:59`, code: '002201000030000', name: '急诊血常规', qty: '1', price: '20' }, // 72:01
      ],
    });
    expect(r.rule).toBe('000 第十七条 1');
    expect(r.attached.map((x) => x.sn)).toEqual([`JZ${a.id}-1-1`, `JZ${a.id}-1-2`]);
    expect(r.refused).toEqual([{ sn: `JZ${a.id}-1-3`, reason: expect.stringContaining('超过 72 小时') }]);
    expect(sql('SELECT feedetl_sn, det_item_fee_sumamt, etip_flag FROM fee_lines WHERE admission_id = ? ORDER BY id', a.id)).toEqual([
      { feedetl_sn: `JZ${a.id}-1-1`, det_item_fee_sumamt: '150.00', etip_flag: 0 },
      { feedetl_sn: `JZ${a.id}-1-2`, det_item_fee_sumamt: '25.00', etip_flag: 0 },
    ]);
    const again = await t.call('admission.attachEmergencyFees', {
      admissionId: a.id,
      visit: { emergency: true },
      lines: [
        { feeOcurTime: `${d0} 00:01`, code: '003101000010000', name: '急诊抢救费', qty: '1', price: '150' },
        { feeOcurTime: `${d0} 00:00`, code: '002201000020000', name: '急诊心电图', qty: '1', price: '25' },
        { feeOcurTime: `${addDays(d0, -1)} 23:59`, code: '002201000030000', name: '急诊血常规', qty: '1', price: '20' },
      ],
    });
    expect(again.error).toMatchObject({ code: 'DUPLICATE' });
    const other = await t.call('admission.attachEmergencyFees', { admissionId: a.id, visit: { emergency: true, certNo: ZHANG.certno }, lines: [{ feeOcurTime: `${TODAY} 00:00`, code: 'X', name: '急诊费', qty: '1', price: '1' }] });
    expect(other.error).toMatchObject({ code: 'NONE_QUALIFY', message: expect.stringContaining('不属于本患者') });
  });

  it('a planned admission takes no outpatient fees', async () => {
    const a = await admit(card(ZHANG), { trauma: false, medType: '21', diagCode: 'I63.900', diagName: '脑梗死' });
    const r = await t.call('admission.attachEmergencyFees', { admissionId: a.id, visit: { emergency: true }, lines: [{ feeOcurTime: `${addDays(TODAY, -1)} 08:00`, code: 'X', name: '急诊费', qty: '1', price: '10' }] });
    expect(r.error).toMatchObject({ code: 'NONE_QUALIFY', message: expect.stringContaining('不是急诊入院') });
    expect(sql('SELECT id FROM fee_lines')).toHaveLength(0);
  });
});

describe('补办: re-check before discharge (004 第二十二条)', () => {
  it('an unregistered admission becomes direct once the registration is in the roster', async () => {
    const a = await admit(card(ZHOU), { trauma: false, medType: '21', diagCode: 'I63.900', diagName: '脑梗死' });
    expect(a.eligibility).toMatchObject({ direct: false, reason: 'NOT_REGISTERED' });
    expect(a.settle).toMatchObject({ direct: false, label: '不能直接结算' });
    t.ctx.desk.db.transaction((tx) => insertRegistration(tx, { agencyId: 'ZHOU-NEW', certno: ZHOU.certno, insuplcAdmdvs: ZHOU.insuplcAdmdvs, grp: 'otherTemporary', basis: 'proof', destination: '340100', effectiveFrom: TODAY, status: 'active' }));
    const d = await ok<AdmissionDetail>('admission.recheckEligibility', { admissionId: a.id });
    expect(d.eligibility).toMatchObject({ direct: true, reason: 'REGISTERED', source: 'recheck' });
    expect(d.group).toBe('otherTemporary');
    expect(d.settle.label).toBe('可直接结算');
    expect(sql('SELECT elig_reason FROM admissions WHERE id = ?', a.id)[0]).toEqual({ elig_reason: 'NOT_REGISTERED' });
    expect(d.events.at(-1)).toMatchObject({ kind: 'recheck', fields: expect.objectContaining({ reason: 'REGISTERED', source: 'roster' }) });
  });

  it('or from a new identity check of the same patient', async () => {
    const a = await admit(card(ZHOU), { trauma: false, medType: '21', diagCode: 'I63.900', diagName: '脑梗死' });
    seedRegistration(t.agency.store, { agencyId: 'ZHOU-AG', certno: ZHOU.certno, psnNo: 'DEMO000004', psnName: ZHOU.name, insuplcAdmdvs: ZHOU.insuplcAdmdvs, group: 'referral', destination: '340100', effectiveFrom: TODAY });
    const checkId = await checkOf(card(ZHOU));
    const d = await ok<AdmissionDetail>('admission.recheckEligibility', { admissionId: a.id, checkId });
    expect(d.eligibility).toMatchObject({ direct: true, reason: 'REGISTERED' });
    expect(d.group).toBe('referral');
    expect((await t.call('admission.recheckEligibility', { admissionId: a.id, checkId: await checkOf(card(ZHANG)) })).error).toMatchObject({ code: 'OTHER_PERSON' });
  });
});

describe('admission.list', () => {
  it('lists patients in hospital with masked IDs, current values and the settle status', async () => {
    const a = await admit(card(ZHANG));
    await ok('admission.change', { admissionId: a.id, changes: { bed: '7' } });
    await admit(card(ZHAO), { trauma: false, medType: '21', diagCode: 'J18.900', diagName: '肺炎' });
    const list = await ok<AdmissionSummary[]>('admission.list', {});
    expect(list).toHaveLength(2);
    const z = list.find((x) => x.id === a.id)!;
    expect(z).toMatchObject({ bed: '7', patientName: ZHANG.name, trauma: true, settle: { direct: false } });
    expect(JSON.stringify(list)).not.toContain(ZHANG.certno);
    expect(JSON.stringify(list)).not.toContain(ZHAO.certno);
    expect(await ok<AdmissionSummary[]>('admission.list', { query: ZHAO.name })).toHaveLength(1);
  });
});
