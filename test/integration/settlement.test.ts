// Over 400 lines: the settlement flow offline, online and its slip, on one desk fixture.
import { failInserts } from '../support/storeSql.ts';
import { eq, sql } from 'drizzle-orm';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { pdfText } from '../support/pdfText.ts';
import { insertPolicy } from '../../db/repos/demo.ts';
import { admissionEvents, admissions, agencySettlementResults, auditLog, claimItems, claims, feeImports, feeLineSplits, feeUploads, feeLines, outbox, outboxReversals, settlementFunds, settlementRequests, settlements, settings, slipPrints } from '../../db/schema.ts';
import { DEMO_POLICIES } from '../../electron/services/demo/demoData.ts';
import { gatherSettlement } from '../../electron/services/settlementService.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { importFees } from '../../electron/services/feeImportService.ts';
import type { ClaimPreview } from '../../shared/api/claim.ts';
import type { FeeImportResult, FeeList, ImportProgress, SettleOutcome, SettlementPreview, SettlementState, SlipDocument } from '../../shared/api/settlement.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { admit, b64, type Ctx, fails, feeCsv, type FeeRow, ITEM, ok, setup } from '../support/settlementFixtures.ts';

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

/** The standard stay of 张秀兰 (Wuhan employees, long-term, level-3 hospital, first stay of the year). */
function standardRows(): FeeRow[] {
  return [
    { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
    { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
    { sn: 'F3', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00' },
    { sn: 'F4', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00' },
    { sn: 'F5', ...ITEM.room, cnt: '5', pric: '80', amount: '400.00' },
  ];
}

type Counts = { settlements: number; requests: number; funds: number; outbox: number; audit: number; feeLines: number; feeImports: number; agencyResults: number; prints: number };

function rows(c: Ctx): Counts {
  const db = c.desk.db;
  const n = (t: typeof settlements | typeof settlementRequests | typeof settlementFunds | typeof outbox | typeof auditLog | typeof feeLines | typeof feeImports | typeof agencySettlementResults | typeof slipPrints): number =>
    db.select({ n: sql<number>`count(*)` }).from(t).get()!.n;
  return {
    settlements: n(settlements), requests: n(settlementRequests), funds: n(settlementFunds), outbox: n(outbox), audit: n(auditLog), feeLines: n(feeLines), feeImports: n(feeImports),
    agencyResults: n(agencySettlementResults), prints: n(slipPrints),
  };
}

async function importCsv(c: Ctx, admissionId: number, text: string | Buffer, fileName = 'fees.csv'): Promise<FeeImportResult> {
  return ok<FeeImportResult>(c, 'fees.import', { admissionId, fileName, contentBase64: b64(text) });
}

async function preview(c: Ctx, admissionId: number, extra: Record<string, unknown> = {}): Promise<SettlementPreview> {
  return ok<SettlementPreview>(c, 'settlement.preview', { admissionId, ...extra });
}

function settlementRowOf(c: Ctx, id: number) {
  return c.desk.db.select().from(settlements).where(eq(settlements.id, id)).get()!;
}

async function commit(c: Ctx, admissionId: number, p: SettlementPreview, extra: Record<string, unknown> = {}): Promise<{ settlementId: number | null; outcome: SettleOutcome; state: SettlementState }> {
  return ok(c, 'settlement.commit', { admissionId, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint, ...extra });
}

describe('settlement flow (offline desk)', () => {
  it('fees.list of a stay that does not exist is NOT_FOUND naming admissionId, not an empty list', async () => {
    ctx = await setup();
    const err = await fails(ctx, 'fees.list', { admissionId: 999999 });
    expect(err).toMatchObject({ code: 'NOT_FOUND', path: 'admissionId' });
    expect(err.message).toContain('住院登记不存在');
  });

  it('offline, import → preview → 结算 is 出院待结算: the request, 2301/2402/2304 in the outbox and the discharge in one go — no settlement, no slip (issue 14 §2)', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const imp = await importCsv(ctx, a.id, feeCsv(standardRows(), day));
    expect(imp).toMatchObject({ rows: 5, imported: 5, unchanged: 0, issueCount: 0, encoding: 'utf-8', format: 'csv' });

    const list = await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id });
    expect(list.totals).toEqual({ amount: '8300.00', in: '7115.00', pre: '585.00', over: '200.00', full: '400.00' });
    expect(list.lines.find((l) => l.sn === 'F3')).toMatchObject({ class: 'B', classLabel: '乙类', in: '2240.00', pre: '560.00', over: '200.00', full: '0.00' });

    const p = await preview(ctx, a.id);
    expect(p.amounts).toEqual({
      medfee_sumamt: '8300.00', inscp_scp_amt: '7115.00', preselfpay_amt: '585.00', overlmt_selfpay: '200.00', fulamt_ownpay_amt: '400.00',
      act_pay_dedc: '900.00', hifp_pay: '4972.00', hifob_pay: '0.00', hifmi_pay: '0.00', cvlserv_pay: '0.00', fund_pay_sumamt: '4972.00',
      psn_part_amt: '3328.00', acct_pay: '0.00', psn_cash_pay: '3328.00',
    });
    expect(p).toMatchObject({ policyVersion: '420100-310-2026-1', catalogueVersion: '340100-2026-11', scope: 'cross', group: 'longTerm', cumSource: 'local', estimate: true, priorAdmissionsThisYear: 0, block: null });
    expect(p.funds).toEqual([{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '4972.00' }]);
    expect(p.assistance).toEqual({ flagged: false, threshold: '30000.00', rule: '004 第六十六条' });
    expect(p.agency).toMatchObject({ available: false, note: expect.stringContaining('离线') });

    const before = rows(ctx);
    const { settlementId, outcome, state } = await commit(ctx, a.id, p);
    const after = rows(ctx);
    expect(settlementId).toBeNull();
    expect(after.settlements - before.settlements).toBe(0);
    expect(after.funds - before.funds).toBe(0);
    expect(after.requests - before.requests).toBe(1);
    expect(after.outbox - before.outbox).toBe(3);
    const req = ctx.desk.db.select().from(settlementRequests).get()!;
    expect(req).toMatchObject({ admissionId: a.id, mode: 'deferred' });
    expect(outcome).toEqual({ kind: 'pending', requestId: req.id, msgid: req.msgid, mode: 'deferred', message: expect.stringContaining('出院待结算') });
    const queued = ctx.desk.db.select().from(outbox).orderBy(outbox.id).all();
    expect(queued.map((q) => [q.infno, q.subject, q.orderKey])).toEqual([['2301', `adm:${a.id}`, `psn:${a.personId}`], ['2402', `adm:${a.id}`, `psn:${a.personId}`], ['2304', `adm:${a.id}`, `psn:${a.personId}`]]);
    expect(queued[2]!.msgid).toBe(req.msgid);
    const env2304 = JSON.parse(queued[2]!.payload) as { input: { data: Record<string, string> }; insuplc_admdvs: string };
    expect(env2304.insuplc_admdvs).toBe('420102');
    expect(env2304.input.data).toMatchObject({ medfee_sumamt: '8300.00', inscp_scp_amt: '7115.00', preselfpay_amt: '585.00', overlmt_selfpay: '200.00', fulamt_ownpay_amt: '400.00', psn_setlway: '01', acct_used_flag: '0' });
    const env2301 = JSON.parse(queued[0]!.payload) as { input: { feedetail: Record<string, string>[] } };
    expect(env2301.input.feedetail.map((f) => f.feedetl_sn)).toEqual(['F1', 'F2', 'F3', 'F4', 'F5']);
    expect(ctx.desk.db.select().from(admissions).where(eq(admissions.id, a.id)).get()).toMatchObject({ status: 'discharged' });
    // The estimate is shown as such, never as a slip.
    expect(state.active).toBeNull();
    expect(state.request).toMatchObject({ id: req.id, mode: 'deferred', status: 'pending', estimate: { medfee_sumamt: '8300.00', fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' } });

    // Asked: no second request, no more fees while it waits.
    expect((await fails(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: '8300.00', fingerprint: p.fingerprint })).code).toBe('SETTLEMENT_PENDING');
    expect((await fails(ctx, 'fees.import', { admissionId: a.id, fileName: 'more.csv', contentBase64: b64(feeCsv([{ sn: 'F9', ...ITEM.bed, cnt: '1', pric: '45', amount: '45.00' }], day)) })).code).toBe('SETTLEMENT_PENDING');
  });

  it('a failure half-way through the commit leaves nothing written (one transaction)', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    const seq = ctx.desk.db.select().from(settings).where(eq(settings.key, 'msgid.seq')).get()?.value;
    const before = rows(ctx);
    // The request and the 2301 are written by then; the 2402 insert fails.
    const heal = failInserts(ctx.desk.db, { name: 'fail_discharge', table: 'outbox', when: "NEW.infno = '2402'", message: 'injected failure' });
    const err = await fails(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    expect(err.code).toBe('INTERNAL');
    expect(rows(ctx)).toEqual(before);
    expect(ctx.desk.db.select().from(admissions).where(eq(admissions.id, a.id)).get()).toMatchObject({ status: 'admitted', dischargedAt: null });
    expect(ctx.desk.db.select().from(settings).where(eq(settings.key, 'msgid.seq')).get()?.value).toBe(seq);
    heal();
    const done = await commit(ctx, a.id, p);
    expect(done.state.request?.estimate.medfee_sumamt).toBe('8300.00');
  });

  it('the clerk confirms the total seen: fees imported after the preview stop the commit', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    await importCsv(ctx, a.id, feeCsv(standardRows().slice(0, 2), day));
    const p = await preview(ctx, a.id);
    await importCsv(ctx, a.id, feeCsv(standardRows().slice(2), day), 'more.csv');
    const err = await fails(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    expect(err).toMatchObject({ code: 'FEES_CHANGED', path: 'expectedTotal' });
    expect(err.message).toContain('确认时总费用为 700.00，现在为 8300.00');
  });

  it('re-importing the same file, or the same lines in another file, changes nothing; a bad file imports nothing', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const text = feeCsv(standardRows(), day);
    await importCsv(ctx, a.id, text);
    const before = rows(ctx);
    expect(await importCsv(ctx, a.id, text)).toMatchObject({ alreadyImported: true, imported: 0 });
    // Same lines, other bytes (reordered, LF endings, JSON): recognised line by line.
    const reordered = feeCsv([...standardRows()].reverse(), day).replace(/\r\n/g, '\n');
    expect(await importCsv(ctx, a.id, reordered, 'again.csv')).toMatchObject({ alreadyImported: false, imported: 0, unchanged: 5, issueCount: 0 });
    expect(rows(ctx)).toEqual(before);

    const bad = feeCsv([{ sn: 'G1', ...ITEM.bed, cnt: '1', pric: '45', amount: '45.00' }, { sn: 'G2', ...ITEM.bed, cnt: '2', pric: '45', amount: '45.00' }, { sn: 'F1', ...ITEM.bed, cnt: '9', pric: '45', amount: '405.00' }], day);
    const r = await importCsv(ctx, a.id, bad, 'bad.csv');
    expect(r.imported).toBe(0);
    expect(r.issues.map((i) => i.message)).toEqual([
      '第 3 行 det_item_fee_sumamt 列：金额 45.00 与 数量 2 × 单价 45 = 90.00 不符（允许误差 0.01）',
      '第 4 行 feedetl_sn 列：费用明细流水号 F1 已导入过，但内容不同（已导入：三级医院床位费（普通病房） 数量 10 金额 450.00）；已导入的明细不能修改，更正请导入退费行（负数量并填写 init_feedetl_sn）',
    ]);
    expect(rows(ctx)).toEqual(before);
  });

  it('a GBK file from the HIS and a refund line', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const gbk = iconv.encode(feeCsv([...standardRows(), { sn: 'R1', initSn: 'F2', ...ITEM.drug, cnt: '-4', pric: '12.5', amount: '-50.00', time: `${day} 16:00:00` }], day), 'gbk');
    const r = await importCsv(ctx, a.id, gbk, 'his-export.csv');
    expect(r).toMatchObject({ encoding: 'gbk', imported: 6, issueCount: 0 });
    const list = await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id });
    expect(list.lines.find((l) => l.sn === 'R1')).toMatchObject({ name: '头孢呋辛钠注射液', amount: '-50.00', in: '-45.00', pre: '-5.00', initSn: 'F2' });
    expect((await preview(ctx, a.id)).amounts).toMatchObject({ medfee_sumamt: '8250.00', inscp_scp_amt: '7070.00', preselfpay_amt: '580.00' });
  });

  it('reversal: supervisor only, with a reason, once, and not after the claim; then the stay can be settled again', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    await importCsv(ctx, a.id, feeCsv(standardRows(), day));
    const { settlementId } = await commit(ctx, a.id, await preview(ctx, a.id));

    expect((await fails(ctx, 'settlement.reverse', { settlementId, reason: '收费项目错误' }, ctx.clerk)).code).toBe('FORBIDDEN');
    expect((await fails(ctx, 'settlement.reverse', { settlementId, reason: ' ' }, ctx.supervisor)).message).toContain('请填写撤销原因');
    const { reversalId, state } = await ok<{ reversalId: number; state: SettlementState }>(ctx, 'settlement.reverse', { settlementId, reason: '收费项目错误，撤销重结' }, ctx.supervisor);
    const rev = ctx.desk.db.select().from(settlements).where(eq(settlements.id, reversalId)).get()!;
    expect(rev).toMatchObject({ kind: 'reversal', reversalOf: settlementId, medfeeSumamt: '-8300.00', hifpPay: '-4972.00', psnCashPay: '-3328.00', reason: '收费项目错误，撤销重结' });
    expect(ctx.desk.db.select().from(settlementFunds).where(eq(settlementFunds.settlementId, reversalId)).all()).toEqual([expect.objectContaining({ fundPayType: '310100', fundPayamt: '-4972.00' })]);
    expect(ctx.desk.db.select().from(outbox).where(eq(outbox.msgid, rev.msgid)).get()).toMatchObject({ infno: '2305', subject: `adm:${a.id}`, orderKey: `psn:${a.personId}` });
    expect(state.active).toBeNull();
    // The original is untouched.
    expect(ctx.desk.db.select().from(settlements).where(eq(settlements.id, settlementId!)).get()).toMatchObject({ kind: 'settlement', medfeeSumamt: '8300.00' });
    expect((await fails(ctx, 'settlement.reverse', { settlementId, reason: '再撤销一次' }, ctx.supervisor)).code).toBe('ALREADY_REVERSED');
    expect((await fails(ctx, 'settlement.slipPdf', { settlementId })).code).toBe('REVERSED');

    // Corrected: a refund line, then a new settlement uploads only the new line and no second discharge.
    await importCsv(ctx, a.id, feeCsv([{ sn: 'R1', initSn: 'F5', ...ITEM.room, cnt: '-5', pric: '80', amount: '-400.00' }], day), 'refund.csv');
    const p2 = await preview(ctx, a.id);
    expect(p2.amounts.medfee_sumamt).toBe('7900.00');
    const second = await commit(ctx, a.id, p2);
    expect(second.outcome.kind).toBe('settled');
    // Only the new line went up again (the 2305 first, in the person's order), and no second discharge.
    expect(ctx.desk.db.select().from(feeUploads).where(eq(feeUploads.feedetlSn, 'R1')).all()).toHaveLength(1);
    expect(ctx.agency!.store.count('fee_details')).toBe(6);
    expect(settlementRowOf(ctx, second.settlementId!)).toMatchObject({ medfeeSumamt: '7900.00', basis: 'agency' });

    // Part of a monthly claim on its way to the agency: frozen until it answered.
    const claimId = ctx.desk.db.insert(claims).values({ setlym: todayCST().slice(0, 7), insutype: '310', scope: 'cross', psntime: 1, byFund: '[]', msgid: 'H34010400001202611300000009999' }).returning({ id: claims.id }).get().id;
    ctx.desk.db.insert(claimItems).values({ claimId, settlementId: second.settlementId! }).run();
    const frozen = await fails(ctx, 'settlement.reverse', { settlementId: second.settlementId, reason: '申报后撤销' }, ctx.supervisor);
    expect(frozen.code).toBe('ALREADY_CLAIMED');
    expect(frozen.message).toContain('尚待经办机构受理');
    // Cleared (清算后): the reversal is allowed, a supervisor's, and is a record of its own date (a negative line of its own period).
    ctx.desk.db.update(claims).set({ status: 'cleared' }).where(eq(claims.id, claimId)).run();
    const late = await ok<{ reversalId: number }>(ctx, 'settlement.reverse', { settlementId: second.settlementId, reason: '清算后发现收费错误' }, ctx.supervisor);
    expect(settlementRowOf(ctx, late.reversalId)).toMatchObject({ kind: 'reversal', reversalOf: second.settlementId, settledOn: todayCST(), medfeeSumamt: '-7900.00' });
    expect(ctx.desk.db.select().from(auditLog).where(eq(auditLog.action, 'settlement.reverse')).all().at(-1)?.detail).toContain(`"claimedIn":"${todayCST().slice(0, 7)}"`);
    expect((await ctx.desk.syncWorker.drain(50)).pending).toBe(0);
    expect(ctx.agency!.store.db.prepare(`SELECT count(*) AS n FROM settlements WHERE kind = 'reversal'`).get()).toEqual({ n: 2 });
    const next = await ok<ClaimPreview>(ctx, 'claim.preview', { period: todayCST().slice(0, 7) });
    expect(next.items.find((i) => i.settlementId === late.reversalId)).toMatchObject({ kind: 'reversal', reversalOf: second.settlementId, medfee: '-7900.00' });
    expect(next.items.some((i) => i.settlementId === second.settlementId)).toBe(false);
  });

  it('协查: a stay reaching 30,000 cross-province (20,000 in-province) is flagged and listed; one fen less is not', async () => {
    ctx = await setup({ online: true });
    const stay = async (patient: number, amount: string): Promise<{ id: number; p: SettlementPreview }> => {
      const a = await admit(ctx!, { patient });
      await importCsv(ctx!, a.id, feeCsv([{ sn: 'S1', ...ITEM.surgery, cnt: '1', pric: amount, amount }], addDays(a.admittedOn, 1)));
      return { id: a.id, p: await preview(ctx!, a.id) };
    };
    const cross = await stay(0, '30000.00');
    expect(cross.p.assistance).toEqual({ flagged: true, threshold: '30000.00', rule: '004 第六十六条' });
    const below = await stay(1, '29999.99');
    expect(below.p.assistance.flagged).toBe(false);
    const inProvince = await stay(2, '20000.00');
    expect(inProvince.p).toMatchObject({ scope: 'in', assistance: { flagged: true, threshold: '20000.00' } });
    for (const s of [cross, below, inProvince]) await commit(ctx, s.id, s.p);
    const listed = await ok<{ iptNo: string; medfee_sumamt: string; scope: string; certnoMasked: string }[]>(ctx, 'settlement.assistance', {});
    expect(listed.map((l) => [l.medfee_sumamt, l.scope])).toEqual([['20000.00', 'in'], ['30000.00', 'cross']]);
    expect(listed[0]!.certnoMasked).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
  });

  it('a stay across New Year settles once, under the policy of the discharge year (004 第四十四条)', async () => {
    ctx = await setup();
    const base = DEMO_POLICIES[0]!.body;
    // Last year's policy differs (deductible 1,200): it must not be used for a January discharge.
    insertPolicy(ctx.desk.db, { version: '420100-310-2025-1', insuplcAdmdvs: '420100', insutype: '310', year: 2025, body: { ...base, version: '420100-310-2025-1', deductible: { '1': '400.00', '2': '800.00', '3': '1200.00' } } });
    const thisYear = Number(todayCST().slice(0, 4));
    // The demo catalogue starts on 1 January; a supervisor imports a version valid since last year.
    const cat = [
      'med_list_codg,medins_list_codg,name,med_chrgitm_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt,begndate,enddate',
      `${ITEM.surgery.code},${ITEM.surgery.hosp},${ITEM.surgery.name},06,01,0,,${thisYear - 1}-01-01,`,
      `${ITEM.bed.code},${ITEM.bed.hosp},${ITEM.bed.name},01,01,0,45,${thisYear - 1}-01-01,`,
    ].join('\n');
    expect((await fails(ctx, 'catalogue.import', { fileName: 'cat.csv', version: `340100-${thisYear}-T`, contentBase64: b64(cat) })).code).toBe('FORBIDDEN');
    expect(await ok(ctx, 'catalogue.import', { fileName: 'cat.csv', version: `340100-${thisYear}-T`, contentBase64: b64(cat) }, ctx.supervisor)).toMatchObject({ items: 2, issueCount: 0, unchanged: false });
    expect(await ok(ctx, 'catalogue.import', { fileName: 'cat.csv', version: `340100-${thisYear}-T`, contentBase64: b64(cat) }, ctx.supervisor)).toMatchObject({ items: 2, unchanged: true });
    expect((await fails(ctx, 'catalogue.import', { fileName: 'cat.csv', version: `340100-${thisYear}-T`, contentBase64: b64(cat.replace(',45,', ',46,')) }, ctx.supervisor)).code).toBe('VERSION_EXISTS');
    expect(await ok(ctx, 'catalogue.info', {})).toMatchObject({ current: `340100-${thisYear}-T` });
    const a = await admit(ctx, { admittedOn: `${thisYear - 1}-12-28` });
    await importCsv(ctx, a.id, feeCsv([
      { sn: 'D1', ...ITEM.surgery, cnt: '1', pric: '4200', amount: '4200.00', time: `${thisYear - 1}-12-29 10:00:00` },
      { sn: 'J1', ...ITEM.bed, cnt: '3', pric: '45', amount: '135.00', time: `${thisYear}-01-02 10:00:00` },
    ], ''));
    const p = await preview(ctx, a.id, { dischargedOn: `${thisYear}-01-03` });
    expect(p).toMatchObject({ policyVersion: `420100-310-${thisYear}-1`, catalogueVersion: `340100-${thisYear}-T` });
    expect(p.amounts.medfee_sumamt).toBe('4335.00');
    expect(p.amounts.act_pay_dedc).toBe('900.00');
    const { state } = await commit(ctx, a.id, p);
    expect(state.request?.estimate.medfee_sumamt).toBe('4335.00');
    expect(ctx.desk.db.select().from(admissions).where(eq(admissions.id, a.id)).get()?.dischargedAt).toBe(`${thisYear}-01-03 23:59:59`);
  });

  it('the trauma gate blocks direct settlement with its reason until the pledge is signed', async () => {
    ctx = await setup();
    const third = await admit(ctx, { trauma: true, thirdParty: true });
    await importCsv(ctx, third.id, feeCsv(standardRows(), addDays(third.admittedOn, 1)));
    const p1 = await preview(ctx, third.id);
    expect(p1.block?.reason).toContain('外伤涉及第三方责任，不能异地就医直接结算');
    expect(p1.block?.rule).toContain('004 第三十八条');
    const err = await fails(ctx, 'settlement.commit', { admissionId: third.id, dischargedOn: p1.dischargedOn, expectedTotal: p1.amounts.medfee_sumamt, fingerprint: p1.fingerprint });
    expect(err.code).toBe('DIRECT_SETTLEMENT_BLOCKED');

    const noPledge = await admit(ctx, { patient: 1, trauma: true });
    await importCsv(ctx, noPledge.id, feeCsv(standardRows(), addDays(noPledge.admittedOn, 1)));
    expect((await preview(ctx, noPledge.id)).block?.reason).toContain('外伤无第三方责任承诺书');
    ctx.desk.db.$client.prepare(`INSERT INTO trauma_pledges (admission_id, pledger_name, cert_type, cert_no, phone, trum_time, trum_site, trum_rea, signed_at)
      VALUES (?, '李建军', '01', '320506198007223512', '13800000000', '2026-10-01T14', '合肥市蜀山区', '骑车摔倒', '2026-10-02T10:00:00Z')`).run(noPledge.id);
    const p2 = await preview(ctx, noPledge.id);
    expect(p2.block).toBeNull();

    // A third party found after admission is recorded as a change (2403): the gate follows the change.
    await ok(ctx, 'admission.change', { admissionId: noPledge.id, changes: { thirdParty: true }, reason: '经查涉及第三方' });
    expect((await preview(ctx, noPledge.id)).block?.reason).toContain('第三方');
    await ok(ctx, 'admission.change', { admissionId: noPledge.id, changes: { thirdParty: false }, reason: '经核实不涉及第三方' });
    const p3 = await preview(ctx, noPledge.id);
    expect(p3.block).toBeNull();
    await commit(ctx, noPledge.id, p3);
  });

  it('a 50,000-line file imports with progress reported along the way', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    const big: FeeRow[] = Array.from({ length: 50_000 }, (_, i) => ({ sn: `B${i + 1}`, ...ITEM.drug, cnt: '1', pric: '12.5', amount: '12.50' }));
    const progress: ImportProgress[] = [];
    const r = await importFees(ctx.desk.db, { admissionId: a.id, fileName: 'big.csv', content: Buffer.from(feeCsv(big, day)) }, { clerkId: 1 }, (pr) => progress.push(pr));
    expect(r).toMatchObject({ rows: 50_000, imported: 50_000, issueCount: 0 });
    const validate = progress.filter((x) => x.phase === 'validate');
    expect(validate.length).toBeGreaterThanOrEqual(25);
    expect(validate.map((x) => x.done)).toEqual([...validate.map((x) => x.done)].sort((x, y) => x - y));
    expect(validate.at(-1)).toEqual({ phase: 'validate', done: 50_000, total: 50_000 });
    expect(progress.map((x) => x.phase)).toContain('write');
    expect(progress.at(-1)?.phase).toBe('done');
    const list = await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id, limit: 100 });
    expect(list).toMatchObject({ totalLines: 50_000, totals: { amount: '625000.00', in: '562500.00', pre: '62500.00' } });
    expect(list.lines).toHaveLength(100);
  });
});

describe('settlement with the agency online (the insured region computes, issue 14 §1)', () => {
  function settlementRow(c: Ctx, id: number) {
    return c.desk.db.select().from(settlements).where(eq(settlements.id, id)).get()!;
  }

  it('预结算 is the agency\'s 2303 beside the estimate; 结算 waits for the 2304; its answer is the settlement and the slip prints it', async () => {
    ctx = await setup({ online: true });
    expect(ctx.desk.connectivity.online).toBe(true);
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    expect(p).toMatchObject({ cumSource: 'agency', estimate: false, priorAdmissionsThisYear: 0 });
    // The lines went up first (2301, exactly once), then the agency previewed.
    expect(ctx.agency!.store.count('fee_details')).toBe(5);
    expect(p.agency).toMatchObject({ available: true, amounts: { medfee_sumamt: '8300.00', fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' } });
    expect(p.agency!.funds).toEqual([{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '4972.00' }]);
    // The agency's split of each line is stored beside the desk's own and agrees with it.
    const splits = ctx.desk.db.select().from(feeLineSplits).where(eq(feeLineSplits.admissionId, a.id)).all();
    expect(splits.map((x) => x.feedetlSn).sort()).toEqual(['F1', 'F2', 'F3', 'F4', 'F5']);
    expect(splits.find((x) => x.feedetlSn === 'F3')).toMatchObject({ inscpScpAmt: '2240.00', preselfpayAmt: '560.00', overlmtAmt: '200.00', fulamtOwnpayAmt: '0.00' });
    expect((await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id })).lines.every((l) => l.agencyDiff === null)).toBe(true);
    // A second preview does not upload the lines again.
    await preview(ctx, a.id);
    expect(ctx.agency!.store.count('fee_details')).toBe(5);

    const done = await commit(ctx, a.id, p);
    expect(done.outcome).toMatchObject({ kind: 'settled' });
    const s = settlementRow(ctx, done.settlementId!);
    expect(s).toMatchObject({ basis: 'agency', medfeeSumamt: '8300.00', fundPaySumamt: '4972.00', psnCashPay: '3328.00', estimate: false });
    expect(s.setlId).toMatch(/^340104S/);
    expect(ctx.desk.db.select().from(outbox).all()).toEqual([]);
    const view = done.state.active!;
    expect(view).toMatchObject({ basis: 'agency', setlId: s.setlId, derived: [], estimateAmounts: { fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' } });
    expect(view.agency[0]!.mismatch).toBeNull();
    expect(view.funds).toEqual([{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '4972.00' }]);
    expect(done.state.request).toBeNull();

    const slip = pdfText((await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId: done.settlementId })).pdfBase64, 'settle-agency-slip');
    for (const t of ['8,300.00', '4,972.00', '3,328.00', '职工基本医疗保险统筹基金', `参保地结算结果（结算ID ${s.setlId}）`]) expect(slip).toContain(t);

    // A second stay this year: the agency's 5206 knows the first, so the repeat deductible applies (§6a step 4).
    const b = await admit(ctx);
    await importCsv(ctx, b.id, feeCsv(standardRows(), addDays(b.admittedOn, 1)));
    const p2 = await preview(ctx, b.id);
    expect(p2).toMatchObject({ cumSource: 'agency', priorAdmissionsThisYear: 1, poolPaidThisYear: '4972.00' });
    expect(p2.amounts.act_pay_dedc).toBe('450.00');
    expect(p2.agency?.amounts?.act_pay_dedc).toBe('450.00');
  });

  it('no parameters of the insured region at the desk (as on a real platform): the preview shows the split only and says the funds need the agency; online the 2303/2304 settles as usual, offline it is 出院待结算', async () => {
    ctx = await setup({ online: true });
    ctx.desk.db.$client.exec('DELETE FROM policies');
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    expect(p).toMatchObject({ fundsEstimated: false, policyVersion: null, deductible: null, funds: [] });
    expect(p.amounts).toMatchObject({ medfee_sumamt: '8300.00', inscp_scp_amt: '7115.00', preselfpay_amt: '585.00', overlmt_selfpay: '200.00', fulamt_ownpay_amt: '400.00', fund_pay_sumamt: null, psn_cash_pay: null });
    expect(p.warnings.some((w) => w.includes('只显示就医地拆分，基金支付须由参保地计算'))).toBe(true);
    expect(p.agency).toMatchObject({ available: true, amounts: { fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' } });
    const done = await commit(ctx, a.id, p);
    expect(settlementRowOf(ctx, done.settlementId!)).toMatchObject({ basis: 'agency', fundPaySumamt: '4972.00', psnCashPay: '3328.00', policyVersion: '' });
    expect(done.state.active!.estimateAmounts).toEqual({ fund_pay_sumamt: null, psn_cash_pay: null });

    // Offline, without parameters: 出院待结算 with the split only.
    const b = await admit(ctx, { patient: 1 });
    await importCsv(ctx, b.id, feeCsv(standardRows(), addDays(b.admittedOn, 1)));
    ctx.agency!.faults.set({ mode: 'refuse' });
    await ctx.desk.connectivity.check();
    const pb = await preview(ctx, b.id);
    expect(pb).toMatchObject({ fundsEstimated: false, agency: { available: false } });
    const deferred = await commit(ctx, b.id, pb);
    expect(deferred.outcome).toMatchObject({ kind: 'pending', mode: 'deferred' });
    expect(deferred.state.request?.estimate).toEqual({ medfee_sumamt: '8300.00', fund_pay_sumamt: null, psn_cash_pay: null });
    ctx.agency!.faults.clear();
    await ctx.desk.connectivity.check();
    await ctx.desk.syncWorker.drain(50);
    const later = await ok<SettlementState>(ctx, 'settlement.state', { admissionId: b.id });
    expect(later.active).toMatchObject({ basis: 'agency' });
    // The clerk is told on the home screen: the patient is to be called back.
    const home = await ok<{ deadlines: { text: string }[] }>(ctx, 'dashboard.get', {});
    expect(home.deadlines.some((d) => d.text.includes('已在联网后完成参保地结算') && d.text.includes(b.iptNo))).toBe(true);
  });

  it('a supervisor imports the insured region\'s parameters with their source and date: the estimate uses them and says where they come from; bad files are refused by field', async () => {
    ctx = await setup();
    ctx.desk.db.$client.exec('DELETE FROM policies');
    const body = { ...DEMO_POLICIES[0]!.body, deductible: { '1': '300.00', '2': '600.00', '3': '1200.00' } };
    const file = (o: Record<string, unknown>) => b64(JSON.stringify({ version: '420100-310-2026-武汉医保局2号', insuplcAdmdvs: '420100', insutype: '310', year: 2026, body, ...o }));
    const input = { fileName: '武汉2026.json', source: '武汉市医疗保障局 2026 年第 2 号文', sourceDate: '2026-03-01' };
    expect((await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({}) }, ctx.clerk)).code).toBe('FORBIDDEN');
    expect((await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: b64('{not json') }, ctx.supervisor)).message).toContain('不是有效的 JSON');
    expect(await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({ insuplcAdmdvs: '4201' }) }, ctx.supervisor)).toMatchObject({ path: 'insuplcAdmdvs' });
    expect((await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({ insutype: '390' }) }, ctx.supervisor)).code).toBe('SCHEME_MISMATCH');
    expect((await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({ body: { ...body, deductible: { '1': 'x' } } }) }, ctx.supervisor)).path).toMatch(/^body\.deductible/);
    const imported = await ok<{ version: string; source: string; sourceDate: string }>(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({}) }, ctx.supervisor);
    expect(imported).toMatchObject({ version: '420100-310-2026-武汉医保局2号', source: '武汉市医疗保障局 2026 年第 2 号文', sourceDate: '2026-03-01' });
    expect((await fails(ctx, 'settlement.importPolicy', { ...input, contentBase64: file({}) }, ctx.supervisor)).code).toBe('VERSION_EXISTS');
    expect(await ok<unknown[]>(ctx, 'settlement.policies', {})).toHaveLength(1);

    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    expect(p).toMatchObject({ fundsEstimated: true, policyVersion: '420100-310-2026-武汉医保局2号', policySource: { source: '武汉市医疗保障局 2026 年第 2 号文', date: '2026-03-01' } });
    expect(p.amounts).toMatchObject({ act_pay_dedc: '1200.00', fund_pay_sumamt: '4732.00' });
  });

  it('the insured region\'s policy differs from the desk\'s estimate: the preview shows both, the settlement, slip and claim carry the agency\'s figures', async () => {
    ctx = await setup({ online: true });
    // The agency's own parameters for Wuhan employees: a deductible of 1,200 at a level-3 hospital (the desk's estimate uses 900).
    const row = ctx.agency!.store.db.prepare(`SELECT id, body FROM policies WHERE insuplc_admdvs = '420100' AND insutype = '310'`).get() as { id: number; body: string };
    const body = JSON.parse(row.body) as { deductible: Record<string, string> };
    body.deductible['3'] = '1200.00';
    ctx.agency!.store.db.prepare('UPDATE policies SET body = ? WHERE id = ?').run(JSON.stringify(body), row.id);
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    expect(p.amounts).toMatchObject({ act_pay_dedc: '900.00', fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' });
    // 300 more under the deductible, at the 80 % ratio of that band: 240 less from the fund.
    expect(p.agency?.amounts).toMatchObject({ medfee_sumamt: '8300.00', act_pay_dedc: '1200.00', fund_pay_sumamt: '4732.00', psn_cash_pay: '3568.00' });
    const done = await commit(ctx, a.id, p);
    const s = settlementRow(ctx, done.settlementId!);
    expect(s).toMatchObject({ basis: 'agency', actPayDedc: '1200.00', fundPaySumamt: '4732.00', psnCashPay: '3568.00' });
    // Not a mismatch: the funds' share is the insured region's to compute.
    expect(done.state.active!.agency[0]!.mismatch).toBeNull();
    expect(done.state.active!.estimateAmounts).toEqual({ fund_pay_sumamt: '4972.00', psn_cash_pay: '3328.00' });
    const slip = pdfText((await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId: done.settlementId })).pdfBase64);
    expect(slip).toContain('4,732.00');
    expect(slip).toContain('3,568.00');
    expect(slip).not.toContain('4,972.00');
    const claim = await ok<ClaimPreview>(ctx, 'claim.preview', { period: todayCST().slice(0, 7) });
    expect(claim.items.find((i) => i.settlementId === done.settlementId)).toMatchObject({ medfee: '8300.00', fund: '4732.00', cash: '3568.00', setlId: s.setlId });
    expect(claim.lines.find((l) => l.settlementIds.includes(done.settlementId!))).toMatchObject({ medfee_sumamt: '8300.00', fund_appy_sum: '4732.00' });
  });

  it('a real difference in the hospital region\'s split (one line\'s limit price) is caught on the line and on the settlement; a supervisor resolves it', async () => {
    ctx = await setup({ online: true });
    // The agency's catalogue has the screw at a limit of 2,799.99: 0.01 more over the limit than the desk's catalogue says.
    ctx.agency!.store.db.prepare(`UPDATE catalogue SET pric_uplmt_amt = '2799.99' WHERE med_list_codg = ?`).run(ITEM.screw.code);
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    const line = (await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id })).lines.find((l) => l.sn === 'F3')!;
    expect(line.agencyDiff).toMatch(/超限价.*200\.00.*200\.01/);
    // And the catalogue fact behind it: the limit price.
    expect(line.agencyDiff).toContain('限价 本院 2800 / 经办机构 2799.99');
    const done = await commit(ctx, a.id, p);
    const mism = await ok<{ resultId: number; settlementId: number; differences: { field: string; local: string; agency: string; diff: string }[] }[]>(ctx, 'settlement.mismatches', {});
    expect(mism).toHaveLength(1);
    expect(mism[0]!.settlementId).toBe(done.settlementId);
    expect(mism[0]!.differences.map((d) => [d.field, d.local, d.agency, d.diff])).toEqual([
      ['inscp_scp_amt', '7115.00', '7114.99', '-0.01'],
      ['overlmt_selfpay', '200.00', '200.01', '0.01'],
    ]);
    // The settlement is the agency's, as it answered.
    expect(settlementRow(ctx, done.settlementId!)).toMatchObject({ inscpScpAmt: '7114.99', overlmtSelfpay: '200.01' });
    expect(ctx.desk.db.select().from(auditLog).where(eq(auditLog.action, 'settlement.mismatch')).all()).toHaveLength(1);

    const resultId = mism[0]!.resultId;
    expect((await fails(ctx, 'settlement.resolveMismatch', { resultId, note: '已核对' }, ctx.clerk)).code).toBe('FORBIDDEN');
    expect((await fails(ctx, 'settlement.resolveMismatch', { resultId, note: '' }, ctx.supervisor)).message).toContain('请填写处理说明');
    const resolved = await ok<{ state: SettlementState }>(ctx, 'settlement.resolveMismatch', { resultId, note: '就医地目录限价版本不一致，已通知信息科更新' }, ctx.supervisor);
    expect(resolved.state.active!.agency[0]).toMatchObject({ resolutionNote: '就医地目录限价版本不一致，已通知信息科更新' });
    expect(await ok<unknown[]>(ctx, 'settlement.mismatches', {})).toEqual([]);
    expect((await fails(ctx, 'settlement.resolveMismatch', { resultId, note: '再处理一次' }, ctx.supervisor)).code).toBe('ALREADY_RESOLVED');
  });

  it('the account balance is the agency\'s: the card read 1,199.99, the agency\'s books 1,200.00 — the patient pays what the agency says, and that is no mismatch', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id, { useAccount: true, accountBalance: '1199.99' });
    expect(p.amounts).toMatchObject({ acct_pay: '1199.99', psn_cash_pay: '2128.01' });
    expect(p.agency?.amounts).toMatchObject({ acct_pay: '1200.00', psn_cash_pay: '2128.00' });
    const done = await commit(ctx, a.id, p, { useAccount: true, accountBalance: '1199.99' });
    expect(settlementRow(ctx, done.settlementId!)).toMatchObject({ acctPay: '1200.00', psnCashPay: '2128.00' });
    expect(await ok<unknown[]>(ctx, 'settlement.mismatches', {})).toEqual([]);
  });

  it('real-world answer shapes (extra fund rows, a regional code, null and "" amounts) in every 2303/2304: the settlement keeps the rows as returned, no mismatch (issue 14 §3)', async () => {
    ctx = await setup({ online: true, realShapes: { share: 1 } });
    for (const opts of [{}, { patient: 1 }]) {
      const a = await admit(ctx, opts);
      await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
      const p = await preview(ctx, a.id);
      expect(p.agency?.available).toBe(true);
      const { settlementId, state } = await commit(ctx, a.id, p);
      const result = ctx.desk.db.select().from(agencySettlementResults).where(eq(agencySettlementResults.settlementId, settlementId!)).get()!;
      expect(result.mismatch).toBeNull();
      const answer = JSON.parse(result.body) as { setlinfo: Record<string, unknown>; setldetail: { fund_pay_type: string }[] };
      expect(answer.setlinfo).toMatchObject({ hosp_part_amt: '', hifes_pay: null });
      expect(answer.setldetail.map((r) => r.fund_pay_type)).toEqual(expect.arrayContaining(['310200', '999996', '999997', '']));
      // The settlement's rows as returned: the regional code and the 0.00 account row; rows without an amount are not turned into 0.00.
      const codes = state.active!.funds.map((f) => [f.fund_pay_type, f.fund_payamt]);
      expect(codes).toContainEqual(['310200', '0.00']);
      expect(codes.some(([c]) => c === '310101' || c === '390101')).toBe(true);
      expect(codes.map(([c]) => c)).not.toContain('999996');
      const slip = pdfText((await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId })).pdfBase64, `settle-agency-slip-real-shapes-${opts.patient ?? 0}`);
      expect(slip).toContain('职工基本医疗保险个人账户');
    }
    expect(ctx.agency!.realShapes.reshaped).toBeGreaterThanOrEqual(4);
    expect(await ok<unknown[]>(ctx, 'settlement.mismatches', {})).toEqual([]);
  });

  it('a reversal of an agency settlement reaches the agency with its setl_id; the next preview no longer counts the stay', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const { settlementId } = await commit(ctx, a.id, await preview(ctx, a.id));
    const { reversalId } = await ok<{ reversalId: number }>(ctx, 'settlement.reverse', { settlementId, reason: '患者要求撤销' }, ctx.supervisor);
    expect(settlementRow(ctx, reversalId)).toMatchObject({ kind: 'reversal', basis: 'agency', medfeeSumamt: '-8300.00', fundPaySumamt: '-4972.00' });
    const b = await admit(ctx);
    await importCsv(ctx, b.id, feeCsv(standardRows(), addDays(b.admittedOn, 1)));
    // The second stay's preview first delivers the person's queue (the 2305), then asks.
    expect(await preview(ctx, b.id)).toMatchObject({ cumSource: 'agency', priorAdmissionsThisYear: 0, poolPaidThisYear: '0.00' });
    expect(ctx.desk.db.select().from(agencySettlementResults).where(eq(agencySettlementResults.settlementId, reversalId)).get()?.mismatch).toBeNull();
    expect(ctx.agency!.store.count('settlements')).toBe(2);
  });

  it('correction: lines whose split the agency computed differently are withdrawn (2302) and go up again (2301) once its catalogue is right; then the stay settles without a mismatch', async () => {
    ctx = await setup({ online: true });
    ctx.agency!.store.db.prepare(`UPDATE catalogue SET pric_uplmt_amt = '2799.99' WHERE med_list_codg = ?`).run(ITEM.screw.code);
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    await preview(ctx, a.id);
    expect((await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id })).lines.find((l) => l.sn === 'F3')!.agencyDiff).toContain('超限价');
    expect((await fails(ctx, 'fees.withdraw', { admissionId: a.id, feedetlSns: ['F3'], reason: '限价不一致' }, ctx.clerk)).code).toBe('FORBIDDEN');
    const bad = await fails(ctx, 'fees.withdraw', { admissionId: a.id, feedetlSns: ['F3', 'NOPE'], reason: '限价不一致' }, ctx.supervisor);
    expect(bad).toMatchObject({ code: 'NOT_FOUND', path: 'feedetlSns[1]' });
    const w = await ok<{ withdrawn: string[] }>(ctx, 'fees.withdraw', { admissionId: a.id, feedetlSns: ['F3'], reason: '就医地目录限价与经办机构不一致，撤销后重传' }, ctx.supervisor);
    expect(w.withdrawn).toEqual(['F3']);
    expect((await fails(ctx, 'fees.withdraw', { admissionId: a.id, feedetlSns: ['F3'], reason: '再撤' }, ctx.supervisor)).code).toBe('NOT_UPLOADED');
    // The agency corrects its catalogue; the next preview delivers the 2302, then uploads F3 again.
    ctx.agency!.store.db.prepare(`UPDATE catalogue SET pric_uplmt_amt = '2800' WHERE med_list_codg = ?`).run(ITEM.screw.code);
    const p = await preview(ctx, a.id);
    expect(ctx.agency!.store.count('fee_details')).toBe(5);
    expect(ctx.desk.db.select().from(feeUploads).where(eq(feeUploads.feedetlSn, 'F3')).all()).toHaveLength(2);
    expect((await ok<FeeList>(ctx, 'fees.list', { admissionId: a.id })).lines.every((l) => l.agencyDiff === null)).toBe(true);
    const done = await commit(ctx, a.id, p);
    expect(done.outcome.kind).toBe('settled');
    expect(done.state.active!.agency[0]!.mismatch).toBeNull();
    // All lines at once (0000) is also possible — but not once settled.
    expect((await fails(ctx, 'fees.withdraw', { admissionId: a.id, reason: '全部撤销' }, ctx.supervisor)).code).toBe('ALREADY_SETTLED');
  });

  it('correction: reverse (2305) → undo the discharge (2405) → a refund line → settled again with a new discharge; the agency has one settlement in effect', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    const day = addDays(a.admittedOn, 1);
    await importCsv(ctx, a.id, feeCsv(standardRows(), day));
    const first = await commit(ctx, a.id, await preview(ctx, a.id));
    expect((await fails(ctx, 'settlement.undoDischarge', { admissionId: a.id, reason: '出院日期有误' }, ctx.supervisor)).code).toBe('ALREADY_SETTLED');
    await ok(ctx, 'settlement.reverse', { settlementId: first.settlementId, reason: '出院日期有误，撤销重结' }, ctx.supervisor);
    expect((await fails(ctx, 'settlement.undoDischarge', { admissionId: a.id, reason: '出院日期有误' }, ctx.clerk)).code).toBe('FORBIDDEN');
    const undone = await ok<{ state: SettlementState }>(ctx, 'settlement.undoDischarge', { admissionId: a.id, reason: '出院日期有误' }, ctx.supervisor);
    expect(undone.state.admission).toMatchObject({ status: 'admitted', dischargedAt: null });
    expect((await fails(ctx, 'settlement.undoDischarge', { admissionId: a.id, reason: '再撤一次' }, ctx.supervisor)).code).toBe('NOT_DISCHARGED');
    await importCsv(ctx, a.id, feeCsv([{ sn: 'R1', initSn: 'F5', ...ITEM.room, cnt: '-5', pric: '80', amount: '-400.00' }], day), 'refund.csv');
    const again = await commit(ctx, a.id, await preview(ctx, a.id));
    expect(again.outcome.kind).toBe('settled');
    expect(settlementRowOf(ctx, again.settlementId!)).toMatchObject({ medfeeSumamt: '7900.00', basis: 'agency' });
    // The agency saw 2304, 2305, 2405, 2301 (R1), 2402, 2304: one settlement in effect, the stay discharged again.
    const agencyRows = ctx.agency!.store.db.prepare(`SELECT kind FROM settlements ORDER BY rowid`).all();
    expect(agencyRows).toEqual([{ kind: 'settle' }, { kind: 'reversal' }, { kind: 'settle' }]);
    expect(ctx.agency!.store.db.prepare('SELECT status FROM admissions').all()).toEqual([{ status: 'discharged' }]);
    const events = ctx.desk.db.select().from(admissionEvents).where(eq(admissionEvents.admissionId, a.id)).all().map((e) => e.kind);
    expect(events).toEqual(['discharge', 'undoDischarge', 'discharge']);
  });

  it('the 2304 answer is lost after the agency settled: the desk reverses it (2601), sends again under a new msgid, and settles once', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    const p = await preview(ctx, a.id);
    ctx.agency!.faults.set({ mode: 'lostAfterCommit', infno: '2304', times: 1 });
    const done = await commit(ctx, a.id, p);
    expect(done.outcome.kind).toBe('settled');
    const reversals = ctx.desk.db.select().from(outboxReversals).all();
    expect(reversals.map((r) => [r.infno, r.outcome])).toEqual([['2304', 'reversed']]);
    // One settlement at the agency in effect, one at the desk.
    expect(ctx.agency!.store.db.prepare(`SELECT count(*) AS n FROM settlements WHERE kind = 'settle'`).get()).toEqual({ n: 1 });
    expect(ctx.desk.db.select().from(settlements).all()).toHaveLength(1);
  });
});


describe('the settlement slip', () => {
  it('a settlement of an earlier version (the desk\'s own figures) still prints its stored amounts (pdftotext), says 补打 on a reprint, and counts prints', async () => {
    ctx = await setup();
    const a = await admit(ctx);
    await importCsv(ctx, a.id, feeCsv(standardRows(), addDays(a.admittedOn, 1)));
    // As versions before issue 14 wrote it at commit: the engine's amounts, its fund rows, the input snapshot.
    const g = await gatherSettlement(ctx.desk, { admissionId: a.id, useAccount: false, accountBalance: '0.00' }, { clerkId: 1, login: 'clerk01', name: '王敏' });
    const r = g.result;
    const settlementId = insertSettlement(ctx.desk.db, {
      admissionId: a.id, kind: 'settlement', settledOn: g.dischargedOn, setlTime: `${g.dischargedOn} 10:00:00`, insutype: '310', scope: 'cross',
      medfeeSumamt: '8300.00', inscpScpAmt: '7115.00', preselfpayAmt: '585.00', overlmtSelfpay: '200.00', fulamtOwnpayAmt: '400.00', actPayDedc: '900.00',
      hifpPay: '4972.00', fundPaySumamt: '4972.00', psnPartAmt: '3328.00', acctPay: '0.00', psnCashPay: '3328.00', policyVersion: r!.policyVersion,
      catalogueVersion: g.catalogueVersion, msgid: 'H34010400001202611051000000077', settleInput: JSON.stringify({ settle: g.settleJson, meta: { dischargedOn: g.dischargedOn } }),
    }, [{ source: 'local', fundPayType: '310100', fundPayTypeName: '职工基本医疗保险统筹基金', fundPayamt: '4972.00' }]);
    const first = await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId });
    expect(first).toMatchObject({ reprint: false, printCount: 1 });
    const text = (doc: SlipDocument): string => pdfText(doc.pdfBase64);
    const t1 = text(first);
    expect(t1).toContain('安徽省跨省异地就医住院结算单');
    for (const s of ['张秀兰', '湖北省武汉市江岸区', '职工基本医疗保险', '8,300.00', '7,115.00', '585.00', '200.00', '400.00', '4,972.00', '3,328.00', '900.00', '职工基本医疗保险统筹基金', a.iptNo]) expect(t1).toContain(s);
    expect(t1.replace(/\s+/g, '')).toContain('总费用8,300.00=统筹基金支付范围内费用7,115.00+乙类先行自付费用585.00+超限价自付费用200.00+自费费用400.00');
    expect(t1).not.toContain('补打');
    const second = await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId });
    expect(second).toMatchObject({ reprint: true, printCount: 2 });
    expect(text(second)).toContain('补打');
    expect(ctx.desk.db.select().from(slipPrints).where(eq(slipPrints.settlementId, settlementId)).all().map((x) => x.reprint)).toEqual([false, true]);
    expect(ctx.desk.db.select().from(auditLog).where(eq(auditLog.action, 'settlement.slipReprint')).all()).toHaveLength(1);

    // Once the insured region answered, its own fund name is what the slip prints (附件10 注1).
    ctx.desk.db.$client.prepare(`INSERT INTO settlement_funds (settlement_id, source, fund_pay_type, fund_pay_type_name, fund_payamt) VALUES (?, 'agency', '310100', '武汉市职工医保统筹基金', '4972.00')`).run(settlementId);
    const third = text(await ok<SlipDocument>(ctx, 'settlement.slipPdf', { settlementId }));
    expect(third).toContain('武汉市职工医保统筹基金');
    expect(third).not.toContain('职工基本医疗保险统筹基金');
  });
});
