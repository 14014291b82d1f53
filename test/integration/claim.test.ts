// Over 400 lines: the monthly claim on a desk with the agency: calendar, submission, deferrals, deductions, tables, disputes.
import { failInserts, UNIQUE_REFUSAL } from '../support/storeSql.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, isNull, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { claimItems, claims, outbox, reviewDeductions, settlements } from '../../db/schema.ts';
import { setSetting } from '../../db/repos/institution.ts';
import { insertDictionaryVersion } from '../../db/repos/nationalLists.ts';
import { insertAgencyResult, recordSetlId } from '../../db/repos/settlements.ts';

import { DEMO_AGENCY_KEY, DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import type { ClaimExportFile, ClaimOverview, ClaimPreview, ClearingRefresh, DeferralItem, ReviewDeduction, SubmittedClaim } from '../../shared/api/claim.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import { Decimal, formatYuan, toText, ZERO } from '../../shared/money.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { mirrorToAgency, reverseStay, settleMany, settleStay, type Stay } from '../support/claimFixtures.ts';
import { api, startDeskHost } from '../support/deskHost.ts';

/**
 * Issue 7 through the services: the claim of a period from the desk's settlements (the engine of
 * shared/claim.ts), submission in one transaction, withdrawal, deferrals at the window's edge,
 * the 2-period limit, reversals, review deductions and the tables as PDF and .xlsx — against the
 * reference agency where the agency has a say.
 */

interface Ctx {
  desk: Awaited<ReturnType<typeof startDeskHost>>['desk'];
  host: Awaited<ReturnType<typeof startDeskHost>>['host'];
  agency: ReferenceAgency | null;
  clerk: string;
  supervisor: string;
  stop: () => Promise<void>;
}

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

async function setup(online = false): Promise<Ctx> {
  const agency = online
    ? await startReferenceAgency({ institutions: [{ code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_AGENCY_KEY, admdvs: DEMO_INSTITUTION.admdvs }] })
    : null;
  const h = await startDeskHost({ agencyUrl: agency?.url ?? 'http://127.0.0.1:9', sync: { backoffBaseMs: 5, backoffMaxMs: 20, idleMs: 20 } });
  const login = async (name: string): Promise<string> => ((await api(h.host, 'auth.login', { login: name, password: 'demo1234' })).body.result as { token: string }).token;
  return {
    desk: h.desk,
    host: h.host,
    agency,
    clerk: await login('clerk01'),
    supervisor: await login('super01'),
    stop: async () => {
      await h.desk.syncWorker.stop().catch(() => undefined);
      await h.stop();
      await agency?.close();
    },
  };
}

async function ok<T>(c: Ctx, method: string, input: unknown, token = c.clerk): Promise<T> {
  const r = await api(c.host, method, input, token);
  if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message}`);
  return r.body.result as T;
}

async function fails(c: Ctx, method: string, input: unknown, token = c.clerk): Promise<{ code: string; message: string; path: string }> {
  const r = await api(c.host, method, input, token);
  if (r.body.ok) throw new Error(`${method} should have failed`);
  return r.body.error!;
}

function today(c: Ctx, day: string): void {
  c.desk.setClock(() => day);
}

/** Delivers the outbox to the agency (bounded). */
async function deliver(c: Ctx): Promise<void> {
  await c.desk.syncWorker.drain(40);
}

const count = (c: Ctx, t: typeof claims | typeof claimItems | typeof outbox | typeof reviewDeductions): number => c.desk.db.select({ n: sql<number>`count(*)` }).from(t).get()!.n;
/** Settlements held by a claim now (a withdrawn or refused claim's rows stay, released). */
const liveItems = (c: Ctx): number => c.desk.db.select({ n: sql<number>`count(*)` }).from(claimItems).where(isNull(claimItems.releasedAt)).get()!.n;

/** Stays of October 2026: employees cross-province (张秀兰, 李建军) and a resident in-province (赵敏). */
function october(c: Ctx): Stay[] {
  return [
    settleStay(c.desk, { patient: 0, settledOn: '2026-10-08', medfee: '12000.00', funds: [['310100', '7800.00'], ['330100', '600.50']], acct: '200.00' }),
    settleStay(c.desk, { patient: 1, settledOn: '2026-10-15', medfee: '5432.10', funds: [['310100', '3100.33']] }),
    settleStay(c.desk, { patient: 2, settledOn: '2026-10-21', medfee: '8000.00', funds: [['390100', '4200.00'], ['390200', '150.25']] }),
    settleStay(c.desk, { patient: 3, settledOn: '2026-10-30', medfee: '999.99', funds: [['310100', '0.01']] }),
  ];
}

/** Σ of the stored settlement rows (by id), the reference the claim totals must equal to the fen. */
function sums(c: Ctx, ids: number[]): { medfee: string; fund: string; acct: string; cash: string } {
  const rows = c.desk.db.select().from(settlements).all().filter((r) => ids.includes(r.id));
  const s = (f: (r: (typeof rows)[number]) => string) => toText(rows.reduce((a, r) => a.plus(f(r)), ZERO));
  return { medfee: s((r) => r.medfeeSumamt), fund: s((r) => r.fundPaySumamt), acct: s((r) => r.acctPay), cash: s((r) => r.psnCashPay) };
}

describe('claim window and calendar', () => {
  it('a period without settlements: nothing to declare, window days 1–5 and the calendar of the next month', async () => {
    ctx = await setup();
    today(ctx, '2026-11-02');
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', {});
    expect(o.period).toBe('2026-10');
    expect(o.calendar).toEqual({ period: '2026-10', windowOpens: '2026-11-01', windowCloses: '2026-11-05', reviewCutoff: '2026-11-20', confirmationBy: '2026-11-25' });
    expect(o.windowOpen).toBe(true);
    expect(o.windowDaysLeft).toBe(3);
    expect(o.preview.lines).toEqual([]);
    expect(o.preview.canSubmit).toBe(false);
    expect(o.preview.blockers).toContain('没有可申报的结算');
    expect(o.lastDayAlarm).toBeNull();
    const e = await fails(ctx, 'claim.submit', { period: '2026-10', fingerprint: o.preview.fingerprint }, ctx.supervisor);
    expect(e.code).toBe('NOTHING_TO_CLAIM');
  });

  it('day 5 is inside the window and warns loudly on the home screen; day 6 is outside and refuses the submission', async () => {
    ctx = await setup();
    october(ctx);
    today(ctx, '2026-11-05');
    const o5 = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o5.windowOpen).toBe(true);
    expect(o5.windowDaysLeft).toBe(0);
    expect(o5.lastDayAlarm).toMatch(/^【今日截止】.*2026-10 期清算申报的最后一天，还有 4 笔结算/);
    expect(o5.preview.warnings.join('\n')).toContain('最后一天');
    const home = await ok<Dashboard>(ctx, 'dashboard.get', {});
    expect(home.deadlines[0]).toMatchObject({ level: 'danger' });
    expect(home.deadlines[0]!.text).toContain('【今日截止】');

    today(ctx, '2026-11-06');
    const o6 = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o6.windowOpen).toBe(false);
    expect(o6.lastDayAlarm).toBeNull();
    expect(o6.preview.blockers[0]).toContain('不在 2026-10 期申报窗口内（2026-11-01 至 2026-11-05');
    const e = await fails(ctx, 'claim.submit', { period: '2026-10', fingerprint: o6.preview.fingerprint }, ctx.supervisor);
    expect(e.code).toBe('WINDOW_CLOSED');
    expect((await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.some((d) => d.text.includes('【今日截止】'))).toBe(false);
    expect(count(ctx, claims)).toBe(0);
  });

  it('December is declared in January of the next year (setlym 202612, 2026-12-01 … 2026-12-31)', async () => {
    ctx = await setup();
    settleStay(ctx.desk, { patient: 0, settledOn: '2026-12-31', medfee: '3000.00', funds: [['310100', '2000.00']] });
    today(ctx, '2027-01-05');
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', {});
    expect(o.period).toBe('2026-12');
    expect(o.windowOpen).toBe(true);
    expect(o.preview.lines).toHaveLength(1);
    expect(o.preview.lines[0]!.national).toMatchObject({ setlym: '202612', begndate: '2026-12-01', enddate: '2026-12-31', psntime: 1, medfee_sumamt: '3000.00', fund_appy_sum: '2000.00' });
    await ok(ctx, 'claim.submit', { period: '2026-12', fingerprint: o.preview.fingerprint }, ctx.supervisor);
    today(ctx, '2027-01-06');
    expect((await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-12' })).windowOpen).toBe(false);
  });
});

describe("the agency's settlement figures", () => {
  it('where the agency computed a settlement differently, the claim, its 3203 and its tables carry the agency\'s figures, and the agency takes it', async () => {
    ctx = await setup(true);
    const stays = october(ctx);
    const store = ctx.agency!.store;
    // 李建军's stay: the agency paid 225.00 less from the pool than the desk computed (kept beside ours as a mismatch).
    const s1 = stays[1]!;
    insertAgencyResult(ctx.desk.db, {
      settlementId: s1.settlementId,
      body: { setlinfo: { setl_id: s1.setlId, medfee_sumamt: '5432.10', fund_pay_sumamt: '2875.33', acct_pay: '0.00', psn_cash_pay: '2556.77', hifp_pay: '2875.33' }, setldetail: [{ fund_pay_type: '310100', fund_pay_type_name: '统筹基金', fund_payamt: '2875.33' }] },
      mismatch: [{ field: 'fund_pay_sumamt', ours: '3100.33', theirs: '2875.33' }],
      funds: [{ fundPayType: '310100', fundPayTypeName: '统筹基金', fundPayamt: '2875.33' }],
    });
    store.seedSettlement({ setlId: s1.setlId!, fixmedinsCode: 'H34010400001', insutype: '310', setlDate: '2026-10-15', medfeeSumamt: '5432.10', fundPaySumamt: '2875.33', acctPay: '0.00', psnCashPay: '2556.77' });
    mirrorToAgency(ctx.desk, store);
    today(ctx, '2026-11-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    const emp = p.lines.find((l) => l.scheme === '310')!;
    // 7800.00 + 600.50 (张秀兰) + 2875.33 (the agency's) + 0.01 (周德福)
    expect(emp.fund_appy_sum).toBe('11275.84');
    expect(emp.byFund).toEqual([{ fund_pay_type: '310100', amount: '10675.34', name: expect.any(String) }, { fund_pay_type: '330100', amount: '600.50', name: expect.any(String) }]);
    expect(p.warnings.some((w) => w.startsWith('1 笔结算经办机构的结算结果与本机计算不一致'))).toBe(true);
    expect(p.items.find((i) => i.settlementId === s1.settlementId)).toMatchObject({ fund: '2875.33', cash: '2556.77' });

    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims.map((c) => [c.status, c.fund_appy_sum])).toEqual([['applied', '11275.84'], ['applied', '4350.25']]);
    const ex = rowOf(await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'employees', format: 'xlsx' })).base64), '合计');
    expect(money(ex[1])).toBe('10675.34');
    const dt = rowOf(await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'detail', format: 'xlsx' })).base64), '合计');
    expect(money(dt[9])).toBe(toText(new Decimal('11275.84').plus('4350.25')));
  });
});

describe('answers that arrive after the preview', () => {
  it("a settlement confirmed after submission with different figures: the 3203 is not sent, the claim is refused with the reason and its items are free to be declared anew", async () => {
    ctx = await setup(true);
    const stays = october(ctx);
    const late = settleStay(ctx.desk, { patient: 1, settledOn: '2026-10-20', medfee: '2000.00', funds: [['310100', '1200.00']], setlId: null });
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(p.unconfirmed).toBe(1);
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    // Its 2304 answer: a 结算ID and the agency's own figures (100.00 less from the pool).
    ctx.desk.db.transaction((tx) => {
      recordSetlId(tx, late.settlementId, '340104SLATE0001');
      insertAgencyResult(tx, {
        settlementId: late.settlementId,
        body: { setlinfo: { setl_id: '340104SLATE0001', medfee_sumamt: '2000.00', fund_pay_sumamt: '1100.00', acct_pay: '0.00', psn_cash_pay: '900.00' }, setldetail: [{ fund_pay_type: '310100', fund_payamt: '1100.00' }] },
        mismatch: [{ field: 'fund_pay_sumamt' }],
        funds: [{ fundPayType: '310100', fundPayTypeName: '统筹基金', fundPayamt: '1100.00' }],
      });
    });
    ctx.agency!.store.seedSettlement({ setlId: '340104SLATE0001', fixmedinsCode: 'H34010400001', insutype: '310', setlDate: '2026-10-20', medfeeSumamt: '2000.00', fundPaySumamt: '1100.00', acctPay: '0.00', psnCashPay: '900.00' });
    await deliver(ctx);
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    const emp = o.claims.find((c) => c.insutype === '310')!;
    expect(emp.status).toBe('refused');
    expect(emp.agencyMessage).toContain('基金申报总额');
    expect(emp.agencyMessage).toContain('请重新预览后提交');
    expect(ctx.agency!.store.claimRows().map((c) => c.insutype)).toEqual(['390']);
    // Previewed again: the agency's figures, and the agency takes it.
    const again = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(again.lines.find((l) => l.scheme === '310')!.fund_appy_sum).toBe(toText(new Decimal('7800.00').plus('600.50').plus('3100.33').plus('0.01').plus('1100.00')));
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: again.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    expect((await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' })).claims.map((c) => c.status)).toEqual(['refused', 'applied', 'applied']);
    expect(stays).toHaveLength(4);
  });

  it('a reversal whose original, months older, was never declared is claimed by its own date with a warning', async () => {
    ctx = await setup();
    const old = settleStay(ctx.desk, { patient: 0, settledOn: '2026-06-10', medfee: '1000.00', funds: [['310100', '600.00']] });
    reverseStay(ctx.desk, old, '2026-10-05');
    today(ctx, '2026-11-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(p.lines[0]).toMatchObject({ psntime: -1, fund_appy_sum: '-600.00' });
    expect(p.warnings.some((w) => w.includes(`（撤销 ${old.settlementId}）`) && w.includes('原结算已过申报期限'))).toBe(true);
  });

  it('a revocation the agency sent without its day is dated the day it arrived, and keeps that day on later downloads', async () => {
    ctx = await setup(true);
    const { stays, store } = await octoberAccepted(ctx);
    const ddn = store.issueDeduction({ setlId: stays[0]!.setlId!, amount: '10.00', reason: '超标准收费' });
    await ctx.desk.clearing.runOnce();
    // The agency's feed item of the revocation carries no decided_on.
    store.feed('H34010400001', { type: 'deduction', ddn_id: ddn, clr_appy_evt_id: store.deductionRows()[0]!.clr_appy_evt_id, setl_id: stays[0]!.setlId!, amount: '10.00', reason: '超标准收费', issued_on: '2026-11-05', status: 'revoked', memo: null });
    await ctx.desk.clearing.runOnce();
    const row = () => ctx!.desk.db.select().from(reviewDeductions).all()[0]!;
    const arrived = row().decidedOn;
    expect(arrived).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(row().agencyStatus).toBe('revoked');
    ctx.desk.db.update(reviewDeductions).set({ decidedOn: '2026-11-10' }).run();
    await ctx.desk.clearing.runOnce();
    expect(row().decidedOn).toBe('2026-11-10');
  });
});

describe('home screen calendar notices', () => {
  it('from the 25th the next window is announced; the review cutoff and confirmation days follow the settings; a bad setting is said, not fatal', async () => {
    ctx = await setup();
    today(ctx, '2026-11-24');
    let texts = (await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.map((d) => d.text);
    expect(texts.some((t) => t.includes('2026-11 期清算申报窗口'))).toBe(false);
    expect(texts.some((t) => t.includes('2026-10 期清算数据确认于 2026-11-25 截止（还有 1 天）'))).toBe(true);

    today(ctx, '2026-11-25');
    texts = (await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.map((d) => d.text);
    expect(texts.some((t) => t.includes('2026-11 期清算申报窗口 2026-12-01 开启（还有 6 天）'))).toBe(true);
    expect(texts.some((t) => t.includes('2026-11 期清算申报 2026-12-05 截止（还有 10 天）'))).toBe(true);
    // December → January.
    today(ctx, '2026-12-26');
    texts = (await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.map((d) => d.text);
    expect(texts.some((t) => t.includes('2026-12 期清算申报窗口 2027-01-01 开启'))).toBe(true);

    const policy = { claimWindowEndDay: 5, maxDeferralMonths: 2, reviewCutoffDay: 18, confirmationDay: 24, directShareTarget: 75 };
    expect((await fails(ctx, 'settings.update', { claimPolicy: policy })).code).toBe('FORBIDDEN');
    const bad = await fails(ctx, 'settings.update', { claimPolicy: { ...policy, reviewCutoffDay: 4 } }, ctx.supervisor);
    expect(bad).toMatchObject({ code: 'INVALID_POLICY', path: 'claimPolicy.reviewCutoffDay' });
    expect(bad.message).toContain('审核截止日');
    const range = await fails(ctx, 'settings.update', { claimPolicy: { ...policy, claimWindowEndDay: 31 } }, ctx.supervisor);
    expect(range.message).toContain('申报截止日应在 1 到 28 之间');
    expect((await ok<{ claimPolicy: unknown }>(ctx, 'settings.update', { claimPolicy: policy }, ctx.supervisor)).claimPolicy).toEqual(policy);
    today(ctx, '2026-12-10');
    texts = (await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.map((d) => d.text);
    expect(texts.some((t) => t.includes('2026-11 期审核扣款有异议的，须在 2026-12-18 前'))).toBe(true);
    expect(texts.some((t) => t.includes('2026-11 期清算数据确认于 2026-12-24 截止'))).toBe(true);
    expect((await ok<{ target: number }>(ctx, 'claim.history', { months: 3 })).target).toBe(75);

    // A value broken outside the screen (an old import, a hand edit) is said on the home screen, which still opens.
    setSetting(ctx.desk.db, 'claim.reviewCutoffDay', '3');
    const home = await ok<Dashboard>(ctx, 'dashboard.get', {});
    expect(home.deadlines.some((d) => d.text.includes('清算期限无法计算') && d.text.includes('审核截止日'))).toBe(true);
  });
});

describe('submission', () => {
  it('writes the claims, their items and one 3203 per scheme × scope in one transaction; totals equal the items to the fen', async () => {
    ctx = await setup();
    const stays = october(ctx);
    settleStay(ctx.desk, { patient: 0, settledOn: '2026-11-01', medfee: '100.00', funds: [['310100', '50.00']] }); // after the period
    today(ctx, '2026-11-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(p.lines.map((l) => `${l.scheme}/${l.scope}`)).toEqual(['310/cross', '390/in']);
    const employees = stays.filter((s) => s.insutype === '310').map((s) => s.settlementId);
    expect(p.lines[0]!.settlementIds).toEqual(employees);
    expect(p.lines[0]).toMatchObject({ psntime: 3, ...(({ medfee, fund, acct, cash }) => ({ medfee_sumamt: medfee, fund_appy_sum: fund, acct_pay: acct, cash_payamt: cash }))(sums(ctx, employees)) });
    expect(p.lines[0]!.byFund).toEqual([{ fund_pay_type: '310100', name: '职工基本医疗保险统筹基金', amount: '10900.34' }, { fund_pay_type: '330100', name: '大额医疗费用补助基金', amount: '600.50' }]);
    expect(p.lines[1]).toMatchObject({ psntime: 1, medfee_sumamt: '8000.00', fund_appy_sum: '4350.25' });
    // With the region's 1901 dictionary the lines name the 险种 and the fund by its labels (codeLabel); without, the built-in tables.
    ctx.desk.db.transaction((tx) => insertDictionaryVersion(tx, 'D-test', [{ type: 'insutype', value: '310', label: '职工医保（字典）' }, { type: 'fund_pay_type', value: '330100', label: '大额补助（字典）' }]));
    const labelled = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect([labelled.lines[0]!.schemeLabel, labelled.lines[0]!.byFund.map((f) => f.name)]).toEqual(['职工医保（字典）', ['职工基本医疗保险统筹基金', '大额补助（字典）']]);

    // A clerk cannot submit; a stale preview is refused.
    expect((await fails(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint })).code).toBe('FORBIDDEN');
    expect((await fails(ctx, 'claim.submit', { period: '2026-10', fingerprint: 'x' }, ctx.supervisor)).code).toBe('PREVIEW_STALE');

    // One transaction: a failure at the last write (the outbox) leaves no claim row and no item behind.
    const heal = failInserts(ctx.desk.db, { name: 'fail_claim_outbox', table: 'outbox', when: "NEW.infno = '3203' AND (SELECT count(*) FROM claims) > 1", message: 'disk full' });
    const broken = await api(ctx.host, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    expect(broken.body.ok).toBe(false);
    expect([count(ctx, claims), liveItems(ctx), count(ctx, outbox)]).toEqual([0, 0, 0]);
    heal();

    const r = await ok<{ claimIds: number[]; claims: SubmittedClaim[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    expect(r.claims.map((c) => [c.schemeLabel, c.scopeLabel, c.status, c.itemCount, c.outbox])).toEqual([['职工医保（字典）', '跨省', 'submitted', 3, 'pending'], ['城乡居民基本医疗保险', '省内异地', 'submitted', 1, 'pending']]);
    expect(liveItems(ctx)).toBe(4);
    const msgs = ctx.desk.db.select().from(outbox).where(eq(outbox.infno, '3203')).all();
    expect(msgs.map((m) => m.orderKey)).toEqual(r.claimIds.map((id) => `claim:${id}`));
    const data = (JSON.parse(msgs[0]!.payload) as { input: { data: Record<string, unknown> } }).input.data;
    expect(data).toMatchObject({ clr_type: '21', clr_way: '01', setlym: '202610', psntime: 3, medfee_sumamt: sums(ctx, employees).medfee, insutype: '310', clr_scope: 'cross', begndate: '2026-10-01', enddate: '2026-10-31' });
    for (const c of ctx.desk.db.select().from(claims).all()) {
      const ids = ctx.desk.db.select().from(claimItems).where(eq(claimItems.claimId, c.id)).all().map((i) => i.settlementId);
      const s = sums(ctx, ids);
      expect([c.medfeeSumamt, c.fundAppySum, c.acctPay, c.cashPayamt]).toEqual([s.medfee, s.fund, s.acct, s.cash]);
    }
    // Submitted: the preview has nothing left; a second submission is refused.
    const after = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(after.preview.lines).toEqual([]);
    expect(after.declared).toEqual({ count: 4, medfee: '26432.09', fund: '15851.09' });
  });

  it('a submitted claim freezes its settlements: the settlement service refuses to reverse them; once withdrawn it may', async () => {
    ctx = await setup(true);
    const [a] = october(ctx);
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-02');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    const { claimIds } = await ok<{ claimIds: number[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    const e = await fails(ctx, 'settlement.reverse', { settlementId: a!.settlementId, reason: '费用录入有误' }, ctx.supervisor);
    expect(e.code).toBe('ALREADY_CLAIMED');
    await deliver(ctx);
    await ok(ctx, 'claim.withdraw', { claimId: claimIds[0], reason: '需更正后重报' }, ctx.supervisor);
    // Still frozen until the agency confirmed the withdrawal …
    expect((await fails(ctx, 'settlement.reverse', { settlementId: a!.settlementId, reason: '费用录入有误' }, ctx.supervisor)).code).toBe('ALREADY_CLAIMED');
    await deliver(ctx);
    // … then the correction can be made (and goes into a later claim).
    const r = await ok<{ reversalId: number }>(ctx, 'settlement.reverse', { settlementId: a!.settlementId, reason: '费用录入有误' }, ctx.supervisor);
    expect(r.reversalId).toBeGreaterThan(0);
  });

  it('a settlement is never claimed twice: the later period leaves it out, and claim_items refuses a second row', async () => {
    ctx = await setup();
    const [a] = october(ctx);
    today(ctx, '2026-11-02');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    const nov = settleStay(ctx.desk, { patient: 1, settledOn: '2026-11-10', medfee: '700.00', funds: [['310100', '500.00']] });
    today(ctx, '2026-12-02');
    const q = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-11' });
    expect(q.lines.flatMap((l) => l.settlementIds)).toEqual([nov.settlementId]);
    expect(q.lapsed).toEqual([]);
    const claimId = ctx.desk.db.select().from(claims).all()[0]!.id;
    expect(() => ctx!.desk.db.insert(claimItems).values({ claimId, settlementId: a!.settlementId }).run()).toThrow(UNIQUE_REFUSAL);
  });

  it('reversals net a period, and a reversal after the month goes into the later period', async () => {
    ctx = await setup();
    const s1 = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-10', medfee: '5000.00', funds: [['310100', '3000.00']], acct: '100.00' });
    const r1 = reverseStay(ctx.desk, s1, '2026-10-12');
    const s2 = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-20', medfee: '4800.00', funds: [['310100', '2900.00']] });
    const s3 = settleStay(ctx.desk, { patient: 1, settledOn: '2026-10-30', medfee: '1000.00', funds: [['310100', '600.00']] });
    const r3 = reverseStay(ctx.desk, s3, '2026-11-02');
    today(ctx, '2026-11-03');
    const oct = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(oct.lines).toHaveLength(1);
    expect(oct.lines[0]).toMatchObject({ settlementIds: [s1.settlementId, r1.settlementId, s2.settlementId, s3.settlementId], psntime: 2, medfee_sumamt: '5800.00', fund_appy_sum: '3500.00', acct_pay: '0.00' });
    expect(oct.lines[0]!.byFund).toEqual([{ fund_pay_type: '310100', name: '职工基本医疗保险统筹基金', amount: '3500.00' }]);
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: oct.fingerprint }, ctx.supervisor);
    today(ctx, '2026-12-01');
    const nov = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-11' });
    expect(nov.lines[0]).toMatchObject({ settlementIds: [r3.settlementId], psntime: -1, medfee_sumamt: '-1000.00', fund_appy_sum: '-600.00' });
  });

  it('totals equal the sum of the items for a 20,000-settlement month', async () => {
    ctx = await setup();
    const db = ctx.desk.db;
    const expected = new Map<string, { n: number; medfee: Decimal; fund: Decimal; acct: Decimal }>();
    // Amounts with awkward fen, across two schemes and both scopes, written in one transaction.
    const specs = Array.from({ length: 20_000 }, (_, i) => {
      const patient = i % 4;
      const medfee = new Decimal(1000 + (i % 997)).plus(new Decimal(i % 100).dividedBy(100));
      const fund = new Decimal(500 + (i % 313)).plus(new Decimal((i * 7) % 100).dividedBy(100));
      const acct = patient === 2 ? ZERO : new Decimal(i % 3);
      return { patient, settledOn: `2026-10-${String(1 + (i % 31)).padStart(2, '0')}`, medfee: toText(medfee), funds: [[patient === 2 ? '390100' : '310100', toText(fund)]] as [string, string][], acct: toText(acct) };
    });
    expect(settleMany(ctx.desk, specs)).toHaveLength(20_000);
    for (const o of specs) {
      const key = o.patient === 2 ? '390' : '310';
      const e = expected.get(key) ?? { n: 0, medfee: ZERO, fund: ZERO, acct: ZERO };
      expected.set(key, { n: e.n + 1, medfee: e.medfee.plus(o.medfee), fund: e.fund.plus(o.funds[0]![1]), acct: e.acct.plus(o.acct) });
    }
    // The insert held the event loop for seconds: let the host close the idle keep-alive
    // connection first, or fetch would reuse it and see ECONNRESET.
    await new Promise((resolve) => setTimeout(resolve, 200));
    today(ctx, '2026-11-04');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(p.itemCount).toBe(20_000);
    for (const l of p.lines) {
      const e = expected.get(l.scheme)!;
      expect([l.psntime, l.medfee_sumamt, l.fund_appy_sum, l.acct_pay]).toEqual([e.n, toText(e.medfee), toText(e.fund), toText(e.acct)]);
    }
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    expect(liveItems(ctx)).toBe(20_000);
    for (const c of db.select().from(claims).all()) {
      const e = expected.get(c.insutype)!;
      expect([c.psntime, c.medfeeSumamt, c.fundAppySum]).toEqual([e.n, toText(e.medfee), toText(e.fund)]);
    }
  }, 120_000);
});

describe('with the agency: delivery, acceptance, withdrawal, deferrals, deductions', () => {
  it('submitted → 3203 delivered (clr_appy_evt_id) → accepted → deduction arrives → disputed → cleared with the paid amount', async () => {
    ctx = await setup(true);
    const stays = october(ctx);
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    const { claimIds } = await ok<{ claimIds: number[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    let o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims.map((c) => [c.status, c.outbox])).toEqual([['applied', null], ['applied', null]]);
    const evt = o.claims[0]!.clrAppyEvtId!;
    const held = ctx.agency!.store.claim(evt)!;
    expect(JSON.parse(held.setl_ids)).toEqual(stays.filter((s) => s.insutype === '310').map((s) => s.setlId));
    expect([held.scope, held.insutype, held.status]).toEqual(['cross', '310', '10']);

    ctx.agency!.store.acceptClaim(evt);
    const ddn = ctx.agency!.store.issueDeduction({ setlId: stays[1]!.setlId!, amount: '123.45', reason: '超出限定支付范围用药（头孢呋辛钠）' });
    const refreshed = await ok<ClearingRefresh>(ctx, 'claim.refresh', {});
    expect(refreshed.status).toBe('applied');
    o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims[0]).toMatchObject({ status: 'accepted', statusLabel: '已受理', deducted: '123.45', canWithdraw: false });
    expect(o.unansweredDeductions).toBe(1);
    const list = await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ amount: '123.45', settlementId: stays[1]!.settlementId, status: 'received', statusLabel: '待处理' });
    expect((await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.some((d) => d.text.includes('1 笔审核扣款待处理'))).toBe(true);
    // A second download changes nothing (idempotent).
    await ok(ctx, 'claim.refresh', {});
    expect(count(ctx, reviewDeductions)).toBe(1);

    expect((await fails(ctx, 'review.dispute', { deductionId: list[0]!.id, note: '' }, ctx.supervisor)).code).toBe('INVALID_INPUT');
    expect((await fails(ctx, 'review.dispute', { deductionId: list[0]!.id, note: '有病历' })).code).toBe('FORBIDDEN');
    const disputed = await ok<ReviewDeduction>(ctx, 'review.dispute', { deductionId: list[0]!.id, note: '病历记载细菌培养阳性，符合限定支付条件' }, ctx.supervisor);
    expect(disputed).toMatchObject({ status: 'disputed', statusLabel: '已提出异议', answerPending: true });
    await deliver(ctx);
    expect(ctx.agency!.store.deductionRows()[0]).toMatchObject({ ddn_id: ddn, opinion: 'dispute', opinion_memo: '病历记载细菌培养阳性，符合限定支付条件' });
    expect((await fails(ctx, 'review.accept', { deductionId: list[0]!.id }, ctx.supervisor)).code).toBe('ALREADY_ANSWERED');

    const paid = ctx.agency!.store.clearClaim(evt);
    await ok(ctx, 'claim.refresh', {});
    o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    const applied = new Decimal(o.claims[0]!.fund_appy_sum).plus(o.claims[0]!.acct_pay);
    expect(paid).toBe(toText(applied.minus('123.45')));
    expect(o.claims[0]).toMatchObject({ status: 'cleared', paid, paidByAgency: true });
    expect(claimIds).toHaveLength(2);
  });

  it('withdraws before the agency accepted (3204): the items are free again and can be declared anew; not after acceptance', async () => {
    ctx = await setup(true);
    october(ctx);
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-02');
    let p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    const { claimIds } = await ok<{ claimIds: number[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    // Withdrawn while its 3203 has not even left the desk: taken back here, nothing goes to the agency.
    const w = await ok<SubmittedClaim>(ctx, 'claim.withdraw', { claimId: claimIds[0], reason: '漏报一笔结算，撤销后重新申报' }, ctx.supervisor);
    expect(w).toMatchObject({ status: 'withdrawn', statusLabel: '已撤销', canWithdraw: false, agencyMessage: '申报尚未发送，已在本机撤回' });
    expect(liveItems(ctx)).toBe(1);
    expect(ctx.desk.db.select().from(outbox).all().map((r) => r.infno)).toEqual(['3203']);
    await deliver(ctx);
    expect(ctx.agency!.store.claimRows().map((c) => c.insutype)).toEqual(['390']);

    // Declared again and delivered; now a withdrawal goes to the agency as 3204.
    p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(p.lines.map((l) => l.scheme)).toEqual(['310']);
    const second = await ok<{ claimIds: number[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const w2 = await ok<SubmittedClaim>(ctx, 'claim.withdraw', { claimId: second.claimIds[0], reason: '金额有误，撤销后重新申报' }, ctx.supervisor);
    expect(w2).toMatchObject({ status: 'withdrawing', statusLabel: '撤销中', canWithdraw: false });
    expect(liveItems(ctx)).toBe(4);
    await deliver(ctx);
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims.map((c) => c.status)).toEqual(['withdrawn', 'applied', 'withdrawn']);
    // The withdrawn claims still say what they held (one record: claim_items, released).
    expect(o.claims.map((c) => c.itemCount)).toEqual([3, 1, 3]);
    expect(ctx.agency!.store.claim(o.claims[2]!.clrAppyEvtId!)!.status).toBe('00');
    expect(liveItems(ctx)).toBe(1);

    // A third time; accepted: too late to withdraw.
    p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    const again = await ok<{ claimIds: number[] }>(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const o2 = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o2.claims.map((c) => c.status)).toEqual(['withdrawn', 'applied', 'withdrawn', 'applied']);
    ctx.agency!.store.acceptClaim(o2.claims[3]!.clrAppyEvtId!);
    await ok(ctx, 'claim.refresh', {});
    const e = await fails(ctx, 'claim.withdraw', { claimId: again.claimIds[0], reason: '再撤销' }, ctx.supervisor);
    expect(e.code).toBe('ALREADY_ACCEPTED');
    expect(e.message).toContain('不能撤销');
  });


  it('the agency refuses a claim whose totals differ from its records; the items are free again', async () => {
    ctx = await setup(true);
    const stays = october(ctx);
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    ctx.agency!.store.db.prepare(`UPDATE settlements SET medfee_sumamt = '5432.11' WHERE setl_id = ?`).run(stays[1]!.setlId);
    today(ctx, '2026-11-02');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims[0]).toMatchObject({ status: 'refused', statusLabel: '被退回', outbox: 'rejected' });
    expect(o.claims[0]!.agencyMessage).toContain('申报数据与经办机构结算记录不符：医疗费总额');
    expect(o.preview.lines.map((l) => l.scheme)).toEqual(['310']);
  });

  it('a deferral is accepted on the last window day and refused the day after; the approval arrives through sync and the item joins the next claim', async () => {
    ctx = await setup(true);
    const late = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-28', medfee: '6000.00', funds: [['310100', '4000.00']] });
    const other = settleStay(ctx.desk, { patient: 1, settledOn: '2026-10-29', medfee: '3000.00', funds: [['310100', '2000.00']] });
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-05');
    const d = await ok<{ deferralId: number; requestedOn: string }>(ctx, 'deferral.request', { settlementId: late.settlementId, reason: '病案首页待质控，当期无法完成上传核对' });
    expect(d.requestedOn).toBe('2026-11-05');
    expect((await fails(ctx, 'deferral.request', { settlementId: late.settlementId, reason: '再次' })).code).toBe('DEFERRAL_PENDING');
    // Asked to defer: it stays out of October's claim, which carries the other item.
    const oct = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    expect(oct.lines.flatMap((l) => l.settlementIds)).toEqual([other.settlementId]);
    expect(oct.deferred.map((i) => [i.settlementId, i.reasonLabel])).toEqual([[late.settlementId, '已申请延期，不纳入本期']]);
    expect(oct.warnings.join('\n')).toContain('1 笔本期结算已申请延期申报');
    today(ctx, '2026-11-06');
    const tooLate = await fails(ctx, 'deferral.request', { settlementId: other.settlementId, reason: '病案未归档' });
    expect(tooLate.code).toBe('DEFERRAL_TOO_LATE');
    expect(tooLate.message).toContain('2026-11-05');
    expect(tooLate.message).toContain('004 第四十九条');

    await deliver(ctx);
    expect(ctx.agency!.store.deferralRows()).toMatchObject([{ setl_id: late.setlId, requested_on: '2026-11-05', status: 'pending' }]);
    let list = await ok<DeferralItem[]>(ctx, 'deferral.list', { period: '2026-11' });
    expect(list[0]).toMatchObject({ settlementId: late.settlementId, state: 'pending', stateLabel: '待经办机构答复', lastPeriod: '2026-12' });
    ctx.agency!.store.decideDeferral(late.setlId!, true, '同意延期');
    await ok(ctx, 'claim.refresh', {});
    list = await ok<DeferralItem[]>(ctx, 'deferral.list', { period: '2026-11' });
    expect(list[0]).toMatchObject({ state: 'approved', decisionNote: '同意延期' });

    // November's claim carries the deferred October item; the one without a deferral has lapsed.
    settleStay(ctx.desk, { patient: 2, settledOn: '2026-11-12', medfee: '800.00', funds: [['390100', '500.00']] });
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-12-03');
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-11' });
    expect(p.lines.find((l) => l.scheme === '310')!.settlementIds).toEqual([late.settlementId]);
    expect(p.lines.find((l) => l.scheme === '310')!.national.begndate).toBe('2026-10-28');
    expect(p.items.find((i) => i.settlementId === late.settlementId)!.reasonLabel).toBe('往期结算（延期获准）');
    expect(p.lapsed.map((i) => [i.settlementId, i.reasonLabel])).toEqual([[other.settlementId, '未按时申报，未提交延期说明']]);
    await ok(ctx, 'claim.submit', { period: '2026-11', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-11' });
    expect(o.claims.map((c) => c.status)).toEqual(['applied', 'applied']);
  });

  it('the agency refuses a deferral filed after the window (its own check), and the desk shows the refusal', async () => {
    ctx = await setup(true);
    const s = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-28', medfee: '6000.00', funds: [['310100', '4000.00']] });
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-05');
    await ok(ctx, 'deferral.request', { settlementId: s.settlementId, reason: '病案待质控' });
    ctx.agency!.store.claimWindowEndDay = 4; // the agency's calendar says the window closed on the 4th
    await deliver(ctx);
    const list = await ok<DeferralItem[]>(ctx, 'deferral.list', { period: '2026-11' });
    expect(list[0]).toMatchObject({ state: 'refused', stateLabel: '未认可' });
    expect(list[0]!.decisionNote).toContain('经办机构未受理：');
    expect(list[0]!.decisionNote).toContain('2026-11-04');
  });
});

describe('the 2-period limit and lapsed items', () => {
  it('an approved deferral carries an October item into November or December, not January', async () => {
    ctx = await setup();
    const s = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-18', medfee: '2000.00', funds: [['310100', '1500.00']] });
    today(ctx, '2026-11-04');
    const d = await ok<{ deferralId: number }>(ctx, 'deferral.request', { settlementId: s.settlementId, reason: '跨年病案待补' });
    // The agency's approval, as the clearing download records it.
    ctx.desk.db.run(sql`UPDATE deferrals SET approved = ${1}, decided_at = '2026-11-10' WHERE id = ${d.deferralId}`);
    today(ctx, '2026-12-02');
    expect((await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-11' })).lines[0]!.settlementIds).toEqual([s.settlementId]);
    today(ctx, '2027-01-02');
    const dec = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-12' });
    expect(dec.lines[0]!.settlementIds).toEqual([s.settlementId]);
    today(ctx, '2027-02-02');
    const jan = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2027-01' });
    expect(jan.lines).toEqual([]);
    expect(jan.lapsed.map((i) => [i.settlementId, i.reason, i.reasonLabel])).toEqual([[s.settlementId, 'DEFERRAL_LIMIT', '已超过最长延期期限']]);
    expect(jan.warnings.join('\n')).toContain('已超过最长延期 2 个月');
    today(ctx, '2027-01-06');
    const decLate = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-12' });
    expect(decLate.windowOpen).toBe(false);
  });

  it('the limit is a policy value: with 1 month, the same October item has lapsed by December', async () => {
    ctx = await setup();
    const s = settleStay(ctx.desk, { patient: 0, settledOn: '2026-10-18', medfee: '2000.00', funds: [['310100', '1500.00']] });
    today(ctx, '2026-11-04');
    const d = await ok<{ deferralId: number }>(ctx, 'deferral.request', { settlementId: s.settlementId, reason: '病案待补' });
    ctx.desk.db.run(sql`UPDATE deferrals SET approved = ${1} WHERE id = ${d.deferralId}`);
    // maxDeferralMonths 2: in the December claim (2 periods later) it is in …
    today(ctx, '2027-01-03');
    expect((await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-12' })).lines[0]!.settlementIds).toEqual([s.settlementId]);
    // … and with the policy set to 1 month the same item has lapsed by December (DEFERRAL_LIMIT).
    ctx.desk.db.run(sql`INSERT INTO settings (key, value) VALUES ('claim.maxDeferralMonths', '1')`);
    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-12' });
    expect(p.lines).toEqual([]);
    expect(p.lapsed.map((i) => [i.settlementId, i.reason])).toEqual([[s.settlementId, 'DEFERRAL_LIMIT']]);
    expect(p.warnings.join('\n')).toContain('由医院自行承担');
  });
});

function pdftotext(base64: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'yidi-claim-pdf-'));
  const file = join(dir, 't.pdf');
  writeFileSync(file, Buffer.from(base64, 'base64'));
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdftotext: ${r.stderr}`);
  return r.stdout;
}

function pdfinfo(base64: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'yidi-claim-pdf-'));
  const file = join(dir, 't.pdf');
  writeFileSync(file, Buffer.from(base64, 'base64'));
  const r = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdfinfo: ${r.stderr}`);
  return r.stdout;
}

async function readXlsx(base64: string): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
  return wb.worksheets[0]!;
}

/** The row whose first cell starts with `label`, as text cells. */
function rowOf(ws: ExcelJS.Worksheet, label: string): string[] {
  let found: string[] | null = null;
  ws.eachRow((row) => {
    const first = String(row.getCell(1).value ?? '');
    if (found === null && first.startsWith(label)) found = (row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)));
  });
  if (!found) throw new Error(`no row ${label}`);
  return found;
}

const money = (v: string | undefined) => toText(new Decimal(v ?? '0'));

describe('tables: 医院拨付表 (附件11), 附件13 / 附件14 and the detail list as PDF and .xlsx', () => {
  it('open with the right sums (pdftotext, exceljs re-read), preview first and declared after submission with a deduction', async () => {
    ctx = await setup(true);
    const stays = october(ctx);
    mirrorToAgency(ctx.desk, ctx.agency!.store);
    today(ctx, '2026-11-03');
    // Before submission: the tables of the preview, marked as such.
    const pre = await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'hospital', format: 'pdf' });
    expect(pre.preview).toBe(true);
    expect(pdftotext(pre.base64)).toContain('预览（尚未申报）');

    const p = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-10' });
    await ok(ctx, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    ctx.agency!.store.acceptClaim(ctx.desk.db.select().from(claims).all()[0]!.clrAppyEvtId!);
    ctx.agency!.store.issueDeduction({ setlId: stays[0]!.setlId!, amount: '88.80', reason: '超标准收费' });
    await ok(ctx, 'claim.refresh', {});

    // Expected figures from the stored rows.
    const all = sums(ctx, stays.map((s) => s.settlementId));
    const applied = new Decimal(all.fund).plus(all.acct);
    const paid = applied.minus('88.80');

    const hospitalPdf = await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'hospital', format: 'pdf' });
    expect(hospitalPdf).toMatchObject({ preview: false, mime: 'application/pdf', fileName: '2026-10-医院拨付表.pdf' });
    // A4 landscape, every table.
    for (const table of ['hospital', 'employees', 'residents', 'detail']) {
      const f = (await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table, format: 'pdf' })).base64;
      expect(pdfinfo(f), table).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/);
    }
    const ht = pdftotext(hospitalPdf.base64);
    expect(ht).toContain('异地就医费用直接结算清算费用医院拨付表');
    expect(ht).toContain('清算所属月份：2026年10月');
    for (const h of ['序号', '定点医疗机构编码', '贯标码', '定点医疗机构名称', '申请金额', '审核扣款', '实付金额']) expect(ht).toContain(h);
    expect(ht).toContain('H34010400001');
    expect(ht).toContain(formatYuan(applied));
    expect(ht).toContain('88.80');
    expect(ht).toContain(formatYuan(paid));

    const hx = await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'hospital', format: 'xlsx' })).base64);
    expect(String(hx.getCell('A1').value)).toBe('异地就医费用直接结算清算费用医院拨付表');
    const total = rowOf(hx, '合计');
    expect([money(total[4]), money(total[5]), money(total[6])]).toEqual([toText(applied), '88.80', toText(paid)]);
    expect(rowOf(hx, '1').slice(1, 4)).toEqual(['H34010400001', 'H34010400001', DEMO_INSTITUTION.fixmedinsName]);

    // 附件13 employees: regions 湖北武汉, 江苏苏州, 北京; 合计 = funds + accounts; 应付 = 合计 − 审核扣款.
    const emp = stays.filter((s) => s.insutype === '310').map((s) => s.settlementId);
    const e = sums(ctx, emp);
    const empTotal = new Decimal(e.fund).plus(e.acct);
    const et = pdftotext((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'employees', format: 'pdf' })).base64);
    expect(et).toContain('异地就医直接结算清算费用职工医保应付基金明细表');
    for (const h of ['统筹支付', '公务员补助', '帐户支付', '财政兜底支付', '合计', '审核扣款', '应付']) expect(et).toContain(h);
    expect(et).toContain('湖北省武汉市');
    expect(et).toContain(formatYuan(empTotal));
    expect(et).toContain(formatYuan(empTotal.minus('88.80')));
    const ex = await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'employees', format: 'xlsx' })).base64);
    const et2 = rowOf(ex, '合计');
    // 地区, 统筹, 大病, 公务员, 其他, 帐户, 民政, 企业补充, 伤残, 财政兜底, 合计, 审核扣款, 应付
    expect(money(et2[1])).toBe('10900.34');
    expect(money(et2[2])).toBe('600.50');
    expect(money(et2[5])).toBe('200.00');
    expect([money(et2[10]), money(et2[11]), money(et2[12])]).toEqual([toText(empTotal), '88.80', toText(empTotal.minus('88.80'))]);
    const wuhan = rowOf(ex, '湖北省武汉市');
    expect([money(wuhan[1]), money(wuhan[2]), money(wuhan[5]), money(wuhan[10])]).toEqual(['7800.00', '600.50', '200.00', '8600.50']);
    // The regions add up to 合计 in every column.
    const regionRows: string[][] = [];
    ex.eachRow((row, n) => {
      if (n > 4 && !String(row.getCell(1).value ?? '').startsWith('合计') && row.getCell(2).value !== null && typeof row.getCell(2).value === 'number') {
        regionRows.push((row.values as unknown[]).slice(1).map((v) => String(v ?? '')));
      }
    });
    expect(regionRows).toHaveLength(3);
    for (let col = 1; col <= 12; col++) expect(toText(regionRows.reduce((a, r) => a.plus(r[col] || '0'), ZERO))).toBe(money(et2[col]));

    // 附件14 residents: 安徽省阜阳市 (in-province), no 公务员补助, 合计 = 1..8.
    const rx = await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'residents', format: 'xlsx' })).base64);
    expect(rowOf(rx, '地区')).toEqual(['地区', '统筹支付', '医疗救助(大病)支付', '其他基金', '帐户支付', '民政补助支付', '企业补充医保支付', '伤残医保支付', '财政兜底支付', '合计']);
    const rt = rowOf(rx, '合计');
    expect([money(rt[1]), money(rt[2]), money(rt[9])]).toEqual(['4200.00', '150.25', '4350.25']);
    expect(pdftotext((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'residents', format: 'pdf' })).base64)).toContain('安徽省阜阳市');

    // The detail list: every settlement, with the deduction on its row.
    const dl = await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'detail', format: 'xlsx' });
    expect(dl.rows).toBe(4);
    const dx = await readXlsx(dl.base64);
    const dt = rowOf(dx, '合计');
    expect(dt.slice(0, 2)).toEqual(['合计', '4 笔']);
    expect([money(dt[8]), money(dt[9]), money(dt[10]), money(dt[11]), money(dt[12])]).toEqual([all.medfee, all.fund, all.acct, all.cash, '88.80']);
    const dp = pdftotext((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'detail', format: 'pdf' })).base64);
    expect(dp).toContain(stays[0]!.setlId!);
    expect(dp).toContain(formatYuan(new Decimal(all.medfee)));
    expect(dp).toMatch(/第\s*1\s*页\s*共\s*1\s*页/);
  });
});

/** October's stays declared on 2026-11-03, delivered, and the employees' claim accepted by the agency. */
async function octoberAccepted(c: Ctx): Promise<{ stays: Stay[]; store: ReferenceAgency['store']; octEmp: typeof claims.$inferSelect }> {
  const stays = october(c);
  const store = c.agency!.store;
  mirrorToAgency(c.desk, store);
  today(c, '2026-11-03');
  const p = await ok<ClaimPreview>(c, 'claim.preview', { period: '2026-10' });
  await ok(c, 'claim.submit', { period: '2026-10', fingerprint: p.fingerprint }, c.supervisor);
  await deliver(c);
  const octEmp = c.desk.db.select().from(claims).all().find((x) => x.insutype === '310')!;
  store.acceptClaim(octEmp.clrAppyEvtId!);
  return { stays, store, octEmp };
}

describe('review disputes (004 第五十条): agreed by the 20th enter the period, later ones the next at most', () => {
  it('the background clearing download brings the decisions; a timely revocation is not deducted, a late one is refunded in the next period by desk and agency alike', async () => {
    ctx = await setup(true);
    const { stays, store, octEmp } = await octoberAccepted(ctx);
    const d1 = store.issueDeduction({ setlId: stays[0]!.setlId!, amount: '88.80', reason: '超标准收费', issuedOn: '2026-11-10' });
    const d2 = store.issueDeduction({ setlId: stays[1]!.setlId!, amount: '123.45', reason: '超出限定支付范围用药', issuedOn: '2026-11-10' });

    // The background job, not the screen's button, fetches them.
    ctx.desk.clearing.start(40, 0);
    await expect.poll(() => count(ctx!, reviewDeductions), { timeout: 10_000 }).toBe(2);
    ctx.desk.clearing.stop();
    await ctx.desk.clearing.idle();

    today(ctx, '2026-11-12');
    for (const d of await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' })) {
      expect(d).toMatchObject({ outcome: 'stands', deductedInOwn: true });
      const disputed = await ok<ReviewDeduction>(ctx, 'review.dispute', { deductionId: d.id, note: '病历记载符合支付条件' }, ctx.supervisor);
      expect(disputed).toMatchObject({ outcome: 'open', deductedInOwn: true });
      expect(disputed.outcomeLabel).toContain('2026-11-20 前达成一致的纳入本期清算');
    }
    await deliver(ctx);
    // The home screen reminds the office of the open disputes and their day.
    const home = (await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.map((d) => d.text).join('\n');
    expect(home).toContain('2026-10 期有 2 笔审核扣款（212.25 元）已提出异议');
    expect(home).toContain('004 第五十条');

    // D1 agreed on the 18th (by the 20th), D2 only on the 25th.
    store.revokeDeduction(d1, '同意医院意见', '2026-11-18');
    store.revokeDeduction(d2, '补充材料后同意', '2026-11-25');
    const background = await ctx.desk.clearing.runOnce();
    expect(background?.status).toBe('applied');
    today(ctx, '2026-11-26');
    const decided = await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' });
    const byAgency = new Map(decided.map((d) => [d.amount, d]));
    expect(byAgency.get('88.80')).toMatchObject({ agencyStatus: 'revoked', decidedOn: '2026-11-18', agencyMemo: '同意医院意见', outcome: 'revoked', deductedInOwn: false, statusLabel: '经办机构已撤销扣款' });
    expect(byAgency.get('123.45')).toMatchObject({ agencyStatus: 'revoked', decidedOn: '2026-11-25', outcome: 'refundNext', deductedInOwn: true });
    expect(byAgency.get('123.45')!.outcomeLabel).toContain('在 2026-11 期清算中退还');

    // October: only the late one is deducted, by the desk and by the agency when it clears.
    let o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    const octView = o.claims.find((c) => c.insutype === '310')!;
    expect(octView.deducted).toBe('123.45');
    const octPaid = store.clearClaim(octEmp.clrAppyEvtId!);
    expect(octPaid).toBe(toText(new Decimal(octView.applied).minus('123.45')));
    const octHospital = rowOf(await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-10', table: 'hospital', format: 'xlsx' })).base64), '合计');
    expect(money(octHospital[5])).toBe('123.45');

    // November: one employee stay; its tables pay D2 back.
    const nov = settleStay(ctx.desk, { patient: 1, settledOn: '2026-11-16', medfee: '3000.00', funds: [['310100', '2000.00']] });
    mirrorToAgency(ctx.desk, store);
    today(ctx, '2026-12-02');
    const np = await ok<ClaimPreview>(ctx, 'claim.preview', { period: '2026-11' });
    expect(np.itemCount).toBe(1);
    await ok(ctx, 'claim.submit', { period: '2026-11', fingerprint: np.fingerprint }, ctx.supervisor);
    await deliver(ctx);
    const hx = await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-11', table: 'hospital', format: 'xlsx' })).base64);
    const total = rowOf(hx, '合计');
    expect([money(total[4]), money(total[5]), money(total[6])]).toEqual(['2000.00', '-123.45', '2123.45']);
    expect(rowOf(hx, '注：')[0]).toContain('123.45');
    const hp = pdftotext((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-11', table: 'hospital', format: 'pdf' })).base64);
    expect(hp).toContain('2,123.45');
    expect(hp).toContain('004 第五十条');
    const ex = rowOf(await readXlsx((await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-11', table: 'employees', format: 'xlsx' })).base64), '合计');
    expect([money(ex[10]), money(ex[11]), money(ex[12])]).toEqual(['2000.00', '-123.45', '2123.45']);
    const dl = await ok<ClaimExportFile>(ctx, 'claim.export', { period: '2026-11', table: 'detail', format: 'xlsx' });
    const dt = rowOf(await readXlsx(dl.base64), '合计');
    expect(dt.slice(0, 2)).toEqual(['合计', '1 笔']);
    expect(money(dt[12])).toBe('-123.45');
    expect(dl.rows).toBe(2);

    const novClaim = ctx.desk.db.select().from(claims).all().find((c) => c.setlym === '2026-11')!;
    store.acceptClaim(novClaim.clrAppyEvtId!);
    expect(store.clearClaim(novClaim.clrAppyEvtId!)).toBe('2123.45');
    await ctx.desk.clearing.runOnce();
    o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-11' });
    expect(o.claims[0]).toMatchObject({ status: 'cleared', paid: '2123.45', paidByAgency: true, deducted: '-123.45' });
    expect(o.claims[0]!.itemCount).toBe(1);
    expect(ctx.desk.db.select().from(claimItems).all().some((i) => i.settlementId === nov.settlementId && i.claimId === o.claims[0]!.id)).toBe(true);
  });

  it('an accepted deduction: the answer goes to the agency (3291 accept), the deduction counts, no reminder is left', async () => {
    ctx = await setup(true);
    const { stays, store } = await octoberAccepted(ctx);
    store.issueDeduction({ setlId: stays[0]!.setlId!, amount: '30.00', reason: '超标准收费' });
    await ctx.desk.clearing.runOnce();
    const [d] = await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' });
    expect((await fails(ctx, 'review.accept', { deductionId: d!.id })).code).toBe('FORBIDDEN');
    const accepted = await ok<ReviewDeduction>(ctx, 'review.accept', { deductionId: d!.id, note: '同意扣款' }, ctx.supervisor);
    expect(accepted).toMatchObject({ status: 'accepted', statusLabel: '已认可', note: '同意扣款', answerPending: true, outcome: 'stands', deductedInOwn: true });
    await deliver(ctx);
    expect(store.deductionRows()[0]).toMatchObject({ opinion: 'accept', opinion_memo: '同意扣款' });
    expect((await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' }))[0]).toMatchObject({ answerPending: false });
    expect((await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' })).unansweredDeductions).toBe(0);
    expect((await fails(ctx, 'review.dispute', { deductionId: d!.id, note: '改主意' }, ctx.supervisor)).code).toBe('ALREADY_ANSWERED');
  });

  it('an upheld dispute stands and cannot be answered again; nothing is refunded later', async () => {
    ctx = await setup(true);
    const { stays, store } = await octoberAccepted(ctx);
    const ddn = store.issueDeduction({ setlId: stays[1]!.setlId!, amount: '50.00', reason: '重复收费' });
    await ctx.desk.clearing.runOnce();
    const [d] = await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' });
    await ok(ctx, 'review.dispute', { deductionId: d!.id, note: '非重复，两次检查' }, ctx.supervisor);
    await deliver(ctx);
    store.upholdDeduction(ddn, '复核后维持', '2026-11-19');
    await ctx.desk.clearing.runOnce();
    today(ctx, '2026-12-21');
    const [after] = await ok<ReviewDeduction[]>(ctx, 'review.list', { period: '2026-10' });
    expect(after).toMatchObject({ agencyStatus: 'upheld', statusLabel: '经办机构维持扣款', outcome: 'stands', deductedInOwn: true, agencyMemo: '复核后维持' });
    expect((await fails(ctx, 'review.accept', { deductionId: d!.id }, ctx.supervisor)).code).toBe('UPHELD');
    const o = await ok<ClaimOverview>(ctx, 'claim.overview', { period: '2026-10' });
    expect(o.claims.find((c) => c.insutype === '310')!.deducted).toBe('50.00');
    // No open dispute is left to remind of.
    expect((await ok<Dashboard>(ctx, 'dashboard.get', {})).deadlines.some((x) => x.text.includes('已提出异议'))).toBe(false);
  });
});
