import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { Dashboard } from '../../shared/api/dashboard.ts';
import type { OutpatientAssistanceHit, OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { readZip } from '../../electron/agency/zip.ts';
import { countAudit } from '../../db/repos/audit.ts';
import { todayCST } from '../../shared/dates.ts';
import { pdfText } from '../support/pdfText.ts';
import { Decimal, sum, toText } from '../../shared/money.ts';
import { type Ctx, ok, setup } from '../support/settlementFixtures.ts';
import { LINES, personId, settledVisit, VISIT } from '../support/outpatientFixtures.ts';

/**
 * Outpatient downstream (issue 16 §5) against the reference agency: the home screen's visits,
 * settled amounts (a refund −1, amounts net) and the month's share of direct settlement; the 协查
 * search finding a visit and its documents exported (004 第六十六条).
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

describe('outpatient on the home screen', () => {
  it('counts the visits, nets a refund, and gives the share of direct settlement against 全额自付', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const before = await ok<Dashboard>(c, 'dashboard.get', {});
    expect(before.outpatient).toMatchObject({ visitsToday: 0, settlementsToday: 0, medfeeToday: '0.00', fundToday: '0.00' });
    expect(before.directShare.visits).toEqual({ direct: 0, selfPaid: 0, share: null });

    const a = await settledVisit(c);
    const b = await settledVisit(c);
    const refunded = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: b.visit.settlements[0]!.id, reason: '患者要求退费' });
    expect(refunded.outcome.state).toBe('settled');
    // A third visit paid in full: not a direct settlement.
    const v = await ok<OutpatientVisitView>(c, 'outpatient.register', { ...VISIT, personId: personId(c) });
    await ok(c, 'outpatient.addFees', { visitId: v.id, lines: LINES });
    await ok(c, 'outpatient.selfPay', { visitId: v.id, reason: '患者不愿等待' });

    const all = [...a.visit.settlements, ...refunded.visit.settlements];
    const net = (f: 'medfee_sumamt' | 'fund_pay_sumamt') => toText(sum(all.map((s) => new Decimal(s.amounts[f]))));
    expect(net('medfee_sumamt')).toBe('400.00');
    const d = await ok<Dashboard>(c, 'dashboard.get', {});
    expect(d.outpatient).toEqual({
      visitsToday: 3, settlementsToday: 1, medfeeToday: '400.00', fundToday: net('fund_pay_sumamt'),
      month: { visits: 3, settlements: 1, medfee: '400.00', fund: net('fund_pay_sumamt') },
    });
    expect(new Decimal(d.outpatient.fundToday).gt(0)).toBe(true);
    expect(d.directShare.visits).toEqual({ direct: 2, selfPaid: 1, share: '0.6667' });
    expect(d.directShare.stays).toEqual({ direct: 0, selfPaid: 0, share: null });
    // The stays' own figures do not count visits.
    expect(d.settlementsToday).toBe(0);
    expect(d.month.byFund).toEqual([]);
  });
});

describe('协查 of a visit (004 第六十六条)', () => {
  it('finds the visit from any field the request names and exports its records, receipts (copies) and source files', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const a = await settledVisit(c);
    const refund = await ok<OutpatientSettleOutcome>(c, 'outpatient.refund', { settlementId: a.visit.settlements[0]!.id, reason: '患者要求退费' });
    expect(refund.outcome.state).toBe('settled');
    const other = await settledVisit(c);
    const v = a.visit;
    const find = (q: Record<string, string>) => ok<OutpatientAssistanceHit[]>(c, 'outpatient.findForAssistance', q);
    const today = todayCST();
    const queries: Record<string, string>[] = [{ certno: DEMO_PATIENTS[0]!.certno }, { name: '张秀兰' }, { otpNo: v.otpNo }, { day: today }, { total: '400.00' }, { name: '张秀兰', otpNo: v.otpNo }];
    for (const q of queries) {
      expect((await find(q)).map((x) => x.visitId), JSON.stringify(q)).toContain(v.id);
    }
    expect((await find({ otpNo: v.otpNo })).map((x) => [x.visitId, x.settlements, x.refunds, x.selfPaid])).toEqual([[v.id, 1, 1, false]]);
    expect((await find({ name: '张秀兰', total: '400.01' }))).toEqual([]);
    expect(await find({ otpNo: 'MZ-NONE' })).toEqual([]);
    expect(await find({})).toEqual([]);
    // A stay search is not a visit search: the stays' 协查 finds no visit.
    expect(await ok<unknown[]>(c, 'settlement.findForAssistance', { iptNo: v.otpNo })).toEqual([]);

    const pack = await ok<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }>(c, 'outpatient.assistancePack', { visitId: v.id });
    expect(pack.fileName).toBe(`协查材料-${v.otpNo}.zip`);
    const entries = readZip(Buffer.from(pack.zipBase64, 'base64'), { maxEntryBytes: 20_000_000 });
    const settlementId = v.settlements[0]!.id;
    const refundId = refund.visit.settlements.find((s) => s.kind === 'refund')!.id;
    expect(entries.map((e) => e.name).sort()).toEqual(['协查材料汇编.pdf', '操作记录.csv', '经办机构应答.json', '经办机构拆分.json', '费用明细.csv', `门诊结算单-${settlementId}.pdf`, `门诊退费凭证-${refundId}.pdf`].sort());
    const at = (n: string): Uint8Array => entries.find((e) => e.name === n)!.data;
    const t = pdfText(at('协查材料汇编.pdf'), 'outpatient-assistance-pack').replace(/\s+/g, '');
    for (const s of ['协查材料：张秀兰', `门诊号${v.otpNo}`, '门诊信息', '急性上呼吸道感染', '费用明细（2条）', '头孢呋辛钠注射液', '结算与退费（参保地结算结果）', '退费', v.settlements[0]!.setlId!, '全额自付', '操作记录', 'outpatient.settleRequest']) {
      expect(t, s).toContain(s.replace(/\s+/g, ''));
    }
    expect(t).not.toContain(other.visit.otpNo);
    expect(pdfText(at(`门诊结算单-${settlementId}.pdf`))).toContain('400.00');
    expect(pdfText(at(`门诊结算单-${settlementId}.pdf`))).not.toContain('补打');
    const csv = Buffer.from(at('费用明细.csv')).toString('utf8');
    expect(csv.split('\r\n').filter((l) => l !== '')).toHaveLength(3);
    expect((JSON.parse(Buffer.from(at('经办机构应答.json')).toString('utf8')) as { kind: string }[]).map((x) => x.kind)).toEqual(['settlement', 'refund']);
    expect(JSON.parse(Buffer.from(at('经办机构拆分.json')).toString('utf8'))).toHaveLength(2);
    // The receipts in the pack are copies, not prints.
    expect(countAudit(c.desk.db, 'outpatient.receiptPrint', 'outpatient_settlement', settlementId)).toBe(0);
    expect(countAudit(c.desk.db, 'outpatient.assistancePack', 'outpatient_visit', v.id)).toBe(1);
  });
});
