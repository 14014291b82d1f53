import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { persons } from '../../db/schema.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { JsonObject } from '../../shared/agency/envelope.ts';
import { build2201, build2203, build2204, build2205, build2206, build2207, build2208, readVisitRegistration, type Diagnosis } from '../../shared/agency/outpatient.ts';
import { readFeeResults, readSettlement, type FeeLineForUpload } from '../../shared/agency/settlement.ts';
import { todayCST } from '../../shared/dates.ts';
import { toText } from '../../shared/money.ts';
import { type Ctx, setup } from '../support/settlementFixtures.ts';

/**
 * The reference agency's outpatient transactions over real HTTP (issue 16 §6): 2201 → 2203 →
 * 2204 → 2206 → 2207, 2208 of an earlier settlement (隔笔), 2205 and a new 2207 (partial refund),
 * and 2601 冲正 of a 2207. Figures by hand from the demo policy's outpatient terms for 张秀兰
 * (Wuhan employees 310, resettled retiree: no reduction): deductible 200.00 a year, ratio 0.60.
 */

let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

const p = DEMO_PATIENTS[0]!;
const WHO = { login: 'clerk01', name: '王晓燕' };

function person(c: Ctx) {
  return c.desk.db.select().from(persons).where(eq(persons.certno, p.certno)).get()!;
}

async function call(c: Ctx, infno: string, input: unknown): Promise<{ msgid: string; output: JsonObject | null }> {
  const env = c.desk.db.transaction((tx) => newEnvelope(tx, WHO, infno, input, p.insuplcAdmdvs));
  const answer = await c.desk.agency().call(env);
  return { msgid: env.msgid, output: answer.output ?? null };
}

function line(sn: string, code: string, hosp: string, cnt: string, pric: string, amount: string): FeeLineForUpload {
  return {
    feedetlSn: sn, initFeedetlSn: null, feeOcurTime: `${todayCST()} 09:10:00`, medListCodg: code, medinsListCodg: hosp, detItemFeeSumamt: amount, cnt, pric,
    bilgDeptCodg: 'M01', bilgDeptName: '内科门诊', bilgDrCodg: 'D0002', bilgDrName: '陈医生', selfPay: false, etipFlag: false, etipHospCode: null,
  };
}

const DRUG_B = ['XJ01DCC028A001010101445', 'YP0001'] as const; // 乙类 10 %
const DRUG_A = ['XA02BCA211A001010104321', 'YP0002'] as const; // 甲类
const ROOM = ['ZZ0000000000001', 'ZF0001'] as const; // 丙类
const WESTERN: Diagnosis = { diagType: '1', code: 'J06.900', name: '急性上呼吸道感染', main: true };

async function visit(c: Ctx): Promise<{ mdtrtId: string; psnNo: string }> {
  const psnNo = person(c).psnNo!;
  const reg = await call(c, '2201', build2201({
    psnNo, insutype: p.insutype, begntime: `${todayCST()} 09:00:00`, certType: '02', certNo: p.certno, otpNo: `MZ${Date.now()}`,
    doctorCode: 'D0002', doctorName: '陈医生', deptCode: 'M01', deptName: '内科门诊', caty: 'A03',
  }));
  const mdtrtId = readVisitRegistration(reg.output).mdtrtId;
  expect(mdtrtId).toMatch(/^340104M\d{11}$/);
  return { mdtrtId: mdtrtId!, psnNo };
}

const info = { medType: '11', begntime: `${todayCST()} 09:00:00`, diseCodg: null, diseName: null, deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生' };
const ref = (v: { mdtrtId: string; psnNo: string }) => ({ ...v, certType: '02', certNo: p.certno, insutype: p.insutype, medType: '11' });
const amounts = (total: string) => ({ medfee_sumamt: total, fulamt_ownpay_amt: '0.00', overlmt_selfpay: '0.00', preselfpay_amt: '0.00', inscp_scp_amt: '0.00' });

describe('reference agency: outpatient 2201–2208', () => {
  it('registers, takes the diagnoses and fee lines, previews and settles with the outpatient policy', async () => {
    ctx = await setup({ online: true });
    const v = await visit(ctx);
    // A 西医 diagnosis is required (national-interface.md diag_type 1).
    await expect(call(ctx, '2203', build2203(v, info, [{ diagType: '2', code: 'BNW010', name: '感冒', main: true }]))).rejects.toThrow(/西医诊断/);
    // Fees before the visit's information are refused.
    await expect(call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B1', [line('1', ...DRUG_A, '1', '30', '30.00')]))).rejects.toThrow(/2203/);
    await call(ctx, '2203', build2203(v, info, [WESTERN]));
    const up = await call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B1', [
      line('1', ...DRUG_B, '2', '50', '100.00'), line('2', ...DRUG_A, '10', '30', '300.00'), line('3', ...ROOM, '1', '80', '80.00'),
    ]));
    const split = readFeeResults(up.output);
    expect(split.map((s) => [s.feedetlSn, toText(s.inscpScpAmt!), toText(s.preselfpayAmt!), toText(s.fulamtOwnpayAmt!)])).toEqual([
      ['1', '90.00', '10.00', '0.00'], ['2', '300.00', '0.00', '0.00'], ['3', '0.00', '0.00', '80.00'],
    ]);
    // A total that is not the lines' is refused: the insured region computes from what it received.
    await expect(call(ctx, '2206', build2206(ref(v), amounts('470.00'), false))).rejects.toThrow(/480\.00/);
    const pre = readSettlement((await call(ctx, '2206', build2206(ref(v), amounts('480.00'), false))).output);
    expect(pre.setlId).toBeNull();
    const settled = readSettlement((await call(ctx, '2207', build2207(ref(v), amounts('480.00'), false))).output);
    // in scope 390.00, deductible 200.00, (390 − 200) × 0.60 = 114.00; person 480 − 114 = 366.00.
    for (const s of [pre, settled]) {
      expect(toText(s.amounts.inscp_scp_amt!)).toBe('390.00');
      expect(toText(s.amounts.act_pay_dedc!)).toBe('200.00');
      expect(toText(s.amounts.hifp_pay!)).toBe('114.00');
      expect(toText(s.amounts.psn_cash_pay!)).toBe('366.00');
    }
    expect(settled.setlId).toMatch(/^340104S/);
    // Nothing left to settle, and the settled batch takes no more lines.
    await expect(call(ctx, '2207', build2207(ref(v), amounts('0.00'), false))).rejects.toThrow(/没有未结算/);
    await expect(call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B1', [line('9', ...DRUG_A, '1', '30', '30.00')]))).rejects.toThrow(/已结算/);
    // 2305 is for stays: an outpatient settlement is taken back with 2208 only.
    await expect(call(ctx, '2305', { data: { mdtrt_id: v.mdtrtId, setl_id: settled.setlId, psn_no: v.psnNo } })).rejects.toThrow(/结算ID不存在/);
    // 3201 per 清算类别: the stays' (21) reconciliation does not see the outpatient settlement; outpatient (11) does.
    const day = todayCST();
    const stmt = async (clrType: string, medfee: string, fund: string, cnt: string) => (await call(ctx!, '3201', { data: {
      insutype: p.insutype, clr_type: clrType, setl_optins: '340104', stmt_begndate: day, stmt_enddate: day, medfee_sumamt: medfee, fund_pay_sumamt: fund, acct_pay: '0.00', fixmedins_setl_cnt: cnt,
    } })).output?.stmtinfo as { stmt_rslt: string };
    expect((await stmt('21', '0.00', '0.00', '0')).stmt_rslt).toBe('0');
    expect((await stmt('11', '480.00', '114.00', '1')).stmt_rslt).toBe('0');
  });

  it('refunds an earlier settlement (隔笔), then a partial refund: 2205 and a new 2207 of the lines kept', async () => {
    ctx = await setup({ online: true });
    const v = await visit(ctx);
    await call(ctx, '2203', build2203(v, info, [WESTERN]));
    await call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B1', [line('1', ...DRUG_B, '2', '50', '100.00'), line('2', ...DRUG_A, '10', '30', '300.00'), line('3', ...ROOM, '1', '80', '80.00')]));
    const first = readSettlement((await call(ctx, '2207', build2207(ref(v), amounts('480.00'), false))).output);
    await call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B2', [line('4', ...DRUG_A, '5', '30', '150.00')]));
    const second = readSettlement((await call(ctx, '2207', build2207(ref(v), amounts('150.00'), false))).output);
    // The deductible was met by the first: 150 × 0.60 = 90.00.
    expect(toText(second.amounts.act_pay_dedc!)).toBe('0.00');
    expect(toText(second.amounts.hifp_pay!)).toBe('90.00');
    // A settled batch cannot be withdrawn before its 2208.
    await expect(call(ctx, '2205', build2205(v, 'B1'))).rejects.toThrow(/2208/);
    // 隔笔: the first settlement, not the last, is refunded; the second is not recomputed (004 第四十五条).
    const refund = readSettlement((await call(ctx, '2208', build2208(v, first.setlId!))).output);
    expect(toText(refund.amounts.hifp_pay!)).toBe('-114.00');
    expect(toText(refund.amounts.medfee_sumamt!)).toBe('-480.00');
    await expect(call(ctx, '2208', build2208(v, first.setlId!))).rejects.toThrow(/已撤销/);
    // Partial: the room line is refunded; the kept lines go up again as a new batch and settle anew.
    await call(ctx, '2205', build2205(v, 'B1'));
    await call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B3', [line('1', ...DRUG_B, '2', '50', '100.00'), line('2', ...DRUG_A, '10', '30', '300.00')]));
    const kept = readSettlement((await call(ctx, '2207', build2207(ref(v), amounts('400.00'), false))).output);
    // The refund gave the deductible back: (390 − 200) × 0.60 = 114.00 again; the person pays 286.00.
    expect(toText(kept.amounts.act_pay_dedc!)).toBe('200.00');
    expect(toText(kept.amounts.hifp_pay!)).toBe('114.00');
    expect(toText(kept.amounts.psn_cash_pay!)).toBe('286.00');
    const rows = ctx.agency!.store.db.prepare(`SELECT kind FROM settlements WHERE mdtrt_id = ? ORDER BY id`).all(v.mdtrtId) as { kind: string }[];
    expect(rows.map((r) => r.kind)).toEqual(['settle', 'settle', 'reversal', 'settle']);
  });

  it('takes a 2207 back with 2601 冲正: the batch can be settled again under a new msgid', async () => {
    ctx = await setup({ online: true });
    const v = await visit(ctx);
    await call(ctx, '2203', build2203(v, info, [WESTERN]));
    await call(ctx, '2204', build2204({ ...v, medType: '11' }, 'B1', [line('1', ...DRUG_A, '10', '30', '300.00')]));
    const s = await call(ctx, '2207', build2207(ref(v), amounts('300.00'), false));
    await call(ctx, '2601', { data: { psn_no: v.psnNo, omsgid: s.msgid, oinfno: '2207' } });
    const count = () => (ctx!.agency!.store.db.prepare(`SELECT count(*) AS n FROM settlements WHERE mdtrt_id = ?`).get(v.mdtrtId) as { n: number }).n;
    expect(count()).toBe(0);
    const again = readSettlement((await call(ctx, '2207', build2207(ref(v), amounts('300.00'), false))).output);
    // (300 − 200) × 0.60: the reversed settlement used none of the year's deductible.
    expect(toText(again.amounts.hifp_pay!)).toBe('60.00');
    expect(count()).toBe(1);
  });
});
