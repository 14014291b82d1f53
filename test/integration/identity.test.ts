import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRows } from '../support/storeSql.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { ChangedCheck, CheckView, IdentityResult } from '../../shared/api/identity.ts';
import { checkCharacter } from '../../shared/citizenId.ts';
import { seedPerson, seedRegistration } from '../agency/server.ts';
import { startIdentityDesk } from '../support/identityDesk.ts';

/**
 * identity.check end to end: real desk (SQLite file), real host, real reference agency over HTTP.
 * Admission dates are explicit so the decisions do not depend on the day the test runs.
 */

const [ZHANG, LI, ZHAO, ZHOU] = DEMO_PATIENTS;
const DAY = '2026-11-20';
const card = (p: (typeof DEMO_PATIENTS)[number]) => `${p.cardNo}|${p.certno}`;
const id = (first17: string) => first17 + checkCharacter(first17);

let t: Awaited<ReturnType<typeof startIdentityDesk>>;
beforeEach(async () => {
  t = await startIdentityDesk();
});
afterEach(async () => t.stop());

async function check(credential: string, extra: Record<string, unknown> = {}): Promise<IdentityResult> {
  const r = await t.call<IdentityResult>('identity.check', { credential, admissionDate: DAY, ...extra });
  if (!r.ok) throw new Error(`${r.error?.code}: ${r.error?.message}`);
  return r.result!;
}

function personRow(certno: string) {
  return t.ctx.desk.db.$client.prepare('SELECT * FROM persons WHERE certno = ?').get(certno) as { id: number; confirmed_at: string | null; insutype: string; card_no: string | null; psn_no: string | null };
}

describe('online check (1101)', () => {
  it('social security card: person and registration cached with the time confirmed, decision by the engine, audit', async () => {
    const before = personRow(ZHANG.certno);
    expect(before.confirmed_at).toBeNull();
    const r = await check(card(ZHANG));
    expect(r.credentialType).toBe('03');
    expect(r.check).toMatchObject({ online: true, provisional: false, direct: true, reason: 'REGISTERED', rule: '004 第十三条', validUntil: null, reasonLabel: '已备案，可直接结算', clerkName: '王晓燕' });
    expect(r.check.message).toContain('可直接结算');
    expect(r.person).toMatchObject({ name: '张秀兰', sex: '女', birthDate: '1955-03-12', age: 71, insuredRegion: '420102', insuredRegionName: '湖北省武汉市江岸区', scope: 'cross', insutype: '310', statusName: '正常参保' });
    expect(r.person.certnoMasked).toBe(`${ZHANG.certno.slice(0, 6)}********${ZHANG.certno.slice(-4)}`);
    expect(r.registration).toMatchObject({ agencyId: 'DEMO-REG-1', group: 'resettledRetiree', destination: '340100', destinationName: '安徽省合肥市', status: 'active' });

    const after = personRow(ZHANG.certno);
    expect(after.confirmed_at).not.toBeNull();
    expect(after.card_no).toBe(ZHANG.cardNo);
    expect(after.psn_no).toBe('DEMO000001');
    const row = rawRows(t.ctx.desk.db, 'SELECT * FROM identity_checks WHERE id = ?', r.check.id)[0]!;
    expect(row).toMatchObject({ mdtrt_cert_type: '03', mdtrt_cert_no: ZHANG.cardNo, online: 1, provisional: 0, emergency: 0, admission_date: DAY });
    const audit = t.ctx.desk.db.$client.prepare(`SELECT * FROM audit_log WHERE action = 'identity.check'`).all() as { detail: string }[];
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).not.toContain(ZHANG.certno);
    // A read: nothing for the outbox, but the 1101 reached the agency in the national shape.
    expect(t.count('outbox')).toBe(0);
    const msg = t.agency.store.db.prepare(`SELECT request FROM messages WHERE infno = '1101'`).get() as { request: string };
    expect(JSON.parse(msg.request).input.data).toMatchObject({ mdtrt_cert_type: '03', mdtrt_cert_no: ZHANG.cardNo, certno: ZHANG.certno });
  });

  it('e-voucher token, ID card for an in-province resident, and each demo decision', async () => {
    expect((await check('DEMO000002')).check).toMatchObject({ reason: 'REGISTERED', validUntil: '2027-09-14', direct: true });
    // 341200 resident policy: temporary registrations are valid 6 months (2025-06-01 → 2025-11-30).
    expect((await check(ZHAO.certno)).check).toMatchObject({ certType: '02', reason: 'EXPIRED', validUntil: '2025-11-30', direct: false });
    const zhou = await check(card(ZHOU));
    expect(zhou.check).toMatchObject({ reason: 'NOT_REGISTERED', direct: false, rule: '004 第二十二条、第四十七条' });
    expect(zhou.check.message).toContain('补办');
    expect(zhou.registration).toBeNull();
    expect((await check(card(ZHOU), { emergency: true })).check).toMatchObject({ reason: 'EMERGENCY', direct: true, emergency: true });
  });

  it('the card identification code a reader adds goes to the agency as card_sn', async () => {
    await check(`${card(LI)}|0123456789ABCDEF`);
    const msg = t.agency.store.db.prepare(`SELECT request FROM messages WHERE infno = '1101'`).get() as { request: string };
    expect(JSON.parse(msg.request).input.data).toMatchObject({ mdtrt_cert_type: '03', mdtrt_cert_no: LI.cardNo, card_sn: '0123456789ABCDEF' });
  });

  it('history lists the person’s checks newest first', async () => {
    const a = await check(card(LI));
    const b = await check('DEMO000002');
    const h = await t.call<CheckView[]>('identity.history', { personId: a.person.id });
    expect(h.result!.map((c) => c.id)).toEqual([b.check.id, a.check.id]);
    expect(h.result![0]!.certTypeName).toBe('医保电子凭证');
  });

  it('the ID card alone is refused for a cross-province patient, naming the credentials to present; nothing stored', async () => {
    const r = await t.call('identity.check', { credential: LI.certno, admissionDate: DAY });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ code: 'CREDENTIAL_NOT_ACCEPTED', path: 'credential' });
    expect(r.error!.message).toContain('医保电子凭证');
    expect(r.error!.message).toContain('社会保障卡');
    expect(t.count('identity_checks')).toBe(0);
    expect(personRow(LI.certno).confirmed_at).toBeNull();
  });

  it('a card whose holder is someone else is a mismatch; an unknown person is the agency’s refusal', async () => {
    const wrongHolder = await t.call('identity.check', { credential: `${ZHANG.cardNo}|${LI.certno}` });
    expect(wrongHolder.error).toMatchObject({ code: 'IDENTITY_MISMATCH', path: 'cardNo' });
    const unknown = await t.call('identity.check', { credential: id('34010219900101123') });
    expect(unknown.error?.code).toBe('AGENCY_REFUSED');
    expect(unknown.error?.message).toContain('未查询到');
    expect(t.count('identity_checks')).toBe(0);
  });
});

describe('bad credentials store nothing', () => {
  const good = ZHAO.certno;
  const CASES: [string, string, string][] = [
    ['wrong check digit', `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`, '校验位'],
    ['17 characters', good.slice(0, 17), '18 位'],
    ['letters', `${good.slice(0, 8)}AB${good.slice(10)}`, '前 17 位应为数字'],
    ['future birth date', id('34120220991105282'), '出生日期'],
    ['empty scan', '', '就诊凭证为空'],
    ['10,000 characters of garbage', Array.from({ length: 10_000 }, (_, i) => '#$%&*'[i % 5]).join(''), '无法识别'],
  ];
  it.each(CASES)('%s → Chinese error naming the field', async (_name, credential, text) => {
    const persons = t.count('persons');
    const r = await t.call('identity.check', { credential });
    expect(r.ok).toBe(false);
    expect(r.error!.message).toContain(text);
    expect(r.error!.message).toMatch(/就诊凭证|身份证号码/);
    expect(['credential', 'certno']).toContain(r.error!.path);
    expect(t.count('identity_checks')).toBe(0);
    expect(t.count('persons')).toBe(persons);
    expect(t.count('audit_log WHERE action LIKE \'identity.%\'')).toBe(0);
    // Validated before anything else: the agency never saw it.
    expect(t.agency.store.count('messages')).toBe(0);
  });
});

describe('offline', () => {
  it('agency refusing connections: answered from the local roster, marked provisional', async () => {
    t.agency.faults.set({ mode: 'refuse' });
    const r = await check(card(ZHANG));
    expect(r.check).toMatchObject({ online: false, provisional: true, reason: 'REGISTERED', direct: true, confirmation: null });
    expect(r.person.confirmedAt).toBeNull();
    expect(t.ctx.desk.connectivity.online).toBe(false);
    expect(t.agency.store.count('messages')).toBe(0);
  });

  it('agency closed: unknown person and e-voucher get a clear message and store nothing', async () => {
    await t.agency.close();
    const unknown = await t.call('identity.check', { credential: id('34080219800101123'), admissionDate: DAY });
    expect(unknown.error?.code).toBe('OFFLINE_UNKNOWN');
    expect(unknown.error?.message).toContain('无法离线核验');
    expect(unknown.error?.message).toContain('重新核验');
    const token = await t.call('identity.check', { credential: 'DEMO000001', admissionDate: DAY });
    expect(token.error?.code).toBe('OFFLINE_EVOUCHER');
    expect(token.error?.message).toContain('社会保障卡');
    expect(t.count('identity_checks')).toBe(0);
    // Still offline: a manual re-check of an offline answer says so and keeps it.
    const offline = await check(ZHAO.certno);
    const again = await t.call('identity.recheck', { checkId: offline.check.id });
    expect(again.error?.code).toBe('OFFLINE');
    expect(t.count('identity_checks')).toBe(1);
  });

  it('a person known only from the roster is answered offline and completed by the re-check', async () => {
    const certno = id('34080219850505123');
    seedPerson(t.agency.store, { psnNo: 'P-AQ-1', certno, psnName: '孙立', gend: '1', brdy: '1985-05-05', insuinfo: [{ insutype: '390', psnType: '15', insuplcAdmdvs: '340802' }] });
    seedRegistration(t.agency.store, { agencyId: 'AQ-1', certno, psnNo: 'P-AQ-1', psnName: '孙立', insuplcAdmdvs: '340802', group: 'referral', destination: '340100', effectiveFrom: '2026-10-01' });
    expect((await t.ctx.desk.roster.download()).status).toBe('applied');
    t.agency.faults.set({ mode: 'refuse' });
    const r = await check(certno);
    expect(r.check).toMatchObject({ provisional: true, reason: 'REGISTERED' });
    expect(r.person).toMatchObject({ name: '孙立', sex: '男', insutype: null, insutypeName: '待联网确认', confirmedAt: null });
    t.agency.faults.clear();
    expect(await t.ctx.desk.rechecks.runOnce()).toMatchObject({ rechecked: 1, changed: 0, offline: false });
    const shown = await t.call<IdentityResult>('identity.show', { checkId: r.check.id });
    expect(shown.result!.check.confirmation).toMatchObject({ changed: false });
    const latest = await t.call<IdentityResult>('identity.show', { checkId: shown.result!.check.confirmation!.checkId });
    expect(latest.result!.person).toMatchObject({ insutype: '390', statusName: '正常参保' });
    expect(latest.result!.check).toMatchObject({ online: true, provisional: false, recheckOf: r.check.id, changed: false });
  });
});

describe('re-check when the connection returns', () => {
  it('a changed answer is a new row pointing at the old one, shown until acknowledged', async () => {
    t.agency.faults.set({ mode: 'refuse' });
    const offline = await check(card(ZHANG));
    expect(offline.check).toMatchObject({ provisional: true, reason: 'REGISTERED' });
    // Meanwhile the insured region cancelled the registration.
    seedRegistration(t.agency.store, { agencyId: 'DEMO-REG-1', certno: ZHANG.certno, psnNo: 'DEMO000001', psnName: ZHANG.name, insuplcAdmdvs: ZHANG.insuplcAdmdvs, group: 'resettledRetiree', destination: '340100', effectiveFrom: '2024-05-01', status: 'cancelled' });
    // Still down: the worker waits.
    expect(await t.ctx.desk.rechecks.runOnce()).toMatchObject({ rechecked: 0, offline: true });
    t.agency.faults.clear();
    expect(await t.ctx.desk.rechecks.runOnce()).toMatchObject({ rechecked: 1, changed: 1, offline: false });

    const rows = rawRows(t.ctx.desk.db, 'SELECT * FROM identity_checks ORDER BY id');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: offline.check.id, provisional: 1, reason: 'REGISTERED', changed: 0, recheck_of: null });
    expect(rows[1]).toMatchObject({ recheck_of: offline.check.id, provisional: 0, online: 1, reason: 'CANCELLED', changed: 1, acknowledged_at: null, admission_date: DAY, mdtrt_cert_type: '03' });

    const changes = await t.call<ChangedCheck[]>('identity.changes', {});
    expect(changes.result).toHaveLength(1);
    expect(changes.result![0]).toMatchObject({ name: '张秀兰', check: { reason: 'CANCELLED', changed: true }, previous: { id: offline.check.id, reason: 'REGISTERED' } });
    const old = await t.call<IdentityResult>('identity.show', { checkId: offline.check.id });
    expect(old.result!.check.confirmation).toMatchObject({ checkId: rows[1]!.id, changed: true });
    expect(old.result!.check.reason).toBe('REGISTERED');

    const ack = await t.call<CheckView>('identity.acknowledge', { checkId: rows[1]!.id as number });
    expect(ack.result!.acknowledgedAt).not.toBeNull();
    expect((await t.call<ChangedCheck[]>('identity.changes', {})).result).toHaveLength(0);
    expect((await t.call('identity.acknowledge', { checkId: rows[1]!.id as number })).error?.code).toBe('NOT_PENDING');
    // Nothing left to re-check.
    expect(await t.ctx.desk.rechecks.runOnce()).toMatchObject({ rechecked: 0 });
  });

  it('an online check confirms earlier offline answers by itself; a manual re-check is acknowledged by the clerk who asked', async () => {
    t.agency.faults.set({ mode: 'refuse' });
    const offline = await check(ZHAO.certno);
    t.agency.faults.clear();
    await check(card(LI));
    await t.ctx.desk.rechecks.idle();
    const shown = await t.call<IdentityResult>('identity.show', { checkId: offline.check.id });
    expect(shown.result!.check.confirmation).toMatchObject({ changed: false });

    // 补办: the patient registers again before discharge; the clerk re-checks by hand.
    seedRegistration(t.agency.store, { agencyId: 'ZHAO-NEW', certno: ZHAO.certno, psnNo: 'DEMO000003', psnName: ZHAO.name, insuplcAdmdvs: ZHAO.insuplcAdmdvs, group: 'otherTemporary', destination: '340100', effectiveFrom: '2026-11-19' });
    const manual = await t.call<IdentityResult>('identity.recheck', { checkId: offline.check.id });
    expect(manual.result!.check).toMatchObject({ reason: 'REGISTERED', validUntil: '2027-05-18', changed: true, recheckOf: offline.check.id, clerkName: '王晓燕' });
    expect(manual.result!.check.acknowledgedAt).not.toBeNull();
    expect(manual.result!.previous).toMatchObject({ reason: 'EXPIRED' });
    expect(manual.result!.registration).toMatchObject({ agencyId: 'ZHAO-NEW' });
    // The superseded registration row of the person is gone; the agency's answer is what decides offline next time.
    expect(t.count(`registrations WHERE certno = '${ZHAO.certno}'`)).toBe(1);
  });
});
