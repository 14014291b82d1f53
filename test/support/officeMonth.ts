import { dirname } from 'node:path';
import { eq } from 'drizzle-orm';
import { insertFeeImport } from '../../db/repos/fees.ts';
import { confirmDeliveredMany, parkRejected, recordReversal, setWireMsgid } from '../../db/repos/outbox.ts';
import { persons } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { Desk } from '../../electron/services/desk.ts';
import type { ClaimPreview } from '../../shared/api/claim.ts';
import type { OutpatientSettleOutcome, OutpatientVisitView } from '../../shared/api/outpatient.ts';
import { addDays, addMonths, todayCST } from '../../shared/dates.ts';
import { Decimal, toText } from '../../shared/money.ts';
import { reverseStay, settleMany, type StayOptions } from './claimFixtures.ts';
import type { SettlementPreview } from '../../shared/api/settlement.ts';
import { api } from './deskHost.ts';
import { admit, b64, feeCsv, ok, setup, SHORT_STAY, type Ctx } from './settlementFixtures.ts';
import { enqueueSignIns } from './syncFixtures.ts';

/**
 * "A realistic month" of one desk, for the office move test (issue 18 point 3), in a demo desk's
 * data directory: three stays settled the whole way through against the reference agency
 * (2401, HIS file, 2303, 2301/2304 with the agency's answer, a 2305 reversal, a slip printed)
 * and an outpatient visit settled twice with the first refunded (2201–2208);
 * `stays` settled stays spread over last month (claimFixtures settleMany: admissions,
 * settlements, fund rows, amounts with cents, some with account pay and supplementary funds), a
 * reversal of every 20th, HIS fee files for some (fee_imports, fee_lines); last month's claim
 * previewed and submitted through the API on the 3rd (claims, claim_items, its 3201 waiting);
 * then the outbox in every state (pending, rejected, delivered → outbox_results, a 2601 →
 * outbox_reversals, a wire msgid) under the persons' order keys. The sync worker is not
 * started, so what waits stays waiting.
 */
export interface OfficeMonth {
  dataDir: string;
  dbFile: string;
  month: string;
}

/** A deterministic spread of amounts (no Math.random: a failure must reproduce). */
function amount(n: number, min: number, span: number): Decimal {
  const cents = (n * 7_919 + 13) % (span * 100);
  return new Decimal(min).plus(new Decimal(cents).div(100));
}

export async function buildOfficeMonth(o: { stays?: number; dataDir?: string; claim?: boolean } = {}): Promise<OfficeMonth> {
  const month = addMonths(`${todayCST().slice(0, 7)}-01`, -1).slice(0, 7);
  const ctx = await setup({ online: true, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const { desk, host } = ctx;
  const dataDir = dirname(desk.dbFile);
  try {
    await settledOnline(ctx);
    const specs: StayOptions[] = [];
    const stays = o.stays ?? 300;
    for (let n = 1; n <= stays; n++) {
      const medfee = amount(n, 800, 30_000);
      const pool = medfee.mul(new Decimal('0.6').plus(new Decimal(n % 17).div(100))).toDecimalPlaces(2);
      const funds: [string, string][] = [['310100', toText(pool)]];
      if (n % 9 === 0) funds.push(['330100', toText(medfee.minus(pool).mul('0.3').toDecimalPlaces(2))]);
      specs.push({ patient: n % 4, settledOn: addDays(`${month}-01`, n % 28), medfee: toText(medfee), funds, acct: n % 5 === 0 ? '123.45' : '0.00' });
    }
    const settled = settleMany(desk, specs);
    settled.forEach((s, i) => {
      if (i % 20 === 19) reverseStay(desk, s, addDays(specs[i]!.settledOn, (i + 1) % 28 < 27 ? 1 : 0));
    });
    feeFiles(desk, settled.filter((_, i) => i % 10 === 0).map((s) => s.admissionId), month);
    desk.setClock(() => `${addMonths(`${month}-01`, 1).slice(0, 7)}-03`);
    if (o.claim !== false) await submitClaim(host, month);
    outboxStates(desk);
    return { dataDir, dbFile: desk.dbFile, month };
  } finally {
    await ctx.stop();
  }
}

/**
 * Three stays the whole way through the desk, against the reference agency: 2401, the HIS file,
 * 2303 preview, 2301/2304 settlement with the agency's answer; the second reversed (2305) by
 * the supervisor, the third's slip printed; and an outpatient visit with a refund.
 */
async function settledOnline(ctx: Ctx): Promise<void> {
  const settled: number[] = [];
  for (let i = 0; i < 3; i++) {
    const a = await admit(ctx, { patient: i === 1 ? 1 : 0, admittedOn: addDays(todayCST(), -12 + 3 * i) });
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv(SHORT_STAY, addDays(a.admittedOn, 1))) });
    const p = await ok<SettlementPreview>(ctx, 'settlement.preview', { admissionId: a.id });
    const done = await ok<{ settlementId: number | null }>(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });
    if (done.settlementId === null) throw new Error('online settlement did not settle');
    settled.push(done.settlementId);
  }
  await ok(ctx, 'settlement.reverse', { settlementId: settled[1], reason: '收费项目错误，撤销重结' }, ctx.supervisor);
  await ok(ctx, 'settlement.slipPdf', { settlementId: settled[2] });
  await outpatientVisit(ctx);
}

const OTP_LINE = { medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', cnt: '10', pric: '30', amount: '300.00' };

/**
 * An outpatient visit (2201/2203, 2204, 2206, 2207) settled twice and the first settlement
 * refunded (2208): outpatient_requests.refunds and outpatient_settlements.refunds point at each
 * other's rows, the cycle the move breaks.
 */
async function outpatientVisit(ctx: Ctx): Promise<void> {
  const personId = ctx.desk.db.select({ id: persons.id }).from(persons).where(eq(persons.certno, DEMO_PATIENTS[0]!.certno)).get()!.id;
  const v = await ok<OutpatientVisitView>(ctx, 'outpatient.register', {
    medType: '11', emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', personId,
    diagnoses: [{ diagType: '1', code: 'J06.900', name: '急性上呼吸道感染', main: true }],
  });
  await ok(ctx, 'outpatient.addFees', { visitId: v.id, lines: [{ feedetlSn: '1', ...OTP_LINE }] });
  await ok(ctx, 'outpatient.preview', { visitId: v.id });
  const first = await ok<OutpatientSettleOutcome>(ctx, 'outpatient.settle', { visitId: v.id, expectedTotal: '300.00' });
  await ok(ctx, 'outpatient.addFees', { visitId: v.id, lines: [{ feedetlSn: '2', ...OTP_LINE, cnt: '5', amount: '150.00' }] });
  await ok(ctx, 'outpatient.settle', { visitId: v.id, expectedTotal: '150.00' });
  await ok(ctx, 'outpatient.refund', { settlementId: first.visit.settlements[0]!.id, reason: '患者退药' });
}

function feeFiles(desk: Desk, admissionIds: number[], month: string): void {
  desk.db.transaction((tx) => {
    for (const [k, admissionId] of admissionIds.entries()) {
      const lines = Array.from({ length: 25 }, (_, j) => {
        const cnt = new Decimal(1 + (j % 4));
        const pric = amount(k * 31 + j, 3, 400);
        return {
          feedetlSn: `F${j + 1}`, initFeedetlSn: null, feeOcurTime: `${month}-0${1 + (j % 9)} 10:00:00`, medListCodg: '001102000010000', medinsListCodg: 'FW0001', name: '床位费',
          cnt, pric, amount: cnt.mul(pric), bilgDeptCodg: 'A03', bilgDeptName: '骨科', bilgDrCodg: 'D0001', bilgDrName: '李医生', etipFlag: '0', etipHospCode: null, selfPay: j % 7 === 0,
        };
      });
      insertFeeImport(tx, { admissionId, fileName: `his-${admissionId}.csv`, sha256: `sha-${admissionId}`, rows: lines.length, clerkId: null }, lines as never);
    }
  });
}

/** Items under the demo persons' keys: some delivered, some refused, one after a 2601, the rest waiting. */
function outboxStates(desk: Desk): void {
  const ids = DEMO_PATIENTS.slice(0, 4).map((p) => desk.db.select({ id: persons.id }).from(persons).where(eq(persons.certno, p.certno)).get()!.id);
  desk.db.transaction((tx) => {
    const msgids = enqueueSignIns(tx, 60, (i) => `psn:${ids[i % ids.length]!}`);
    confirmDeliveredMany(tx, msgids.slice(0, 12).map((msgid) => ({ msgid, infno: '9001', infcode: 0, errMsg: null, output: { signinoutb: { sign_no: `S${msgid.slice(-6)}` } } })));
    for (const msgid of msgids.slice(12, 20)) parkRejected(tx, msgid, '经办机构拒绝：测试', '<html>refused</html>');
    const unknown = msgids[20]!;
    recordReversal(tx, { itemMsgid: unknown, infno: '9001', omsgid: unknown, reversalMsgid: `${unknown}R`, outcome: 'reversed', reason: '超时', errMsg: null, nextMsgid: `${unknown}N` });
    setWireMsgid(tx, unknown, `${unknown}N`);
  });
}

async function submitClaim(host: Ctx['host'], month: string): Promise<void> {
  const login = await api(host, 'auth.login', { login: 'super01', password: 'demo1234' });
  const token = (login.body.result as { token: string }).token;
  const preview = await api(host, 'claim.preview', { period: month }, token);
  if (!preview.body.ok) throw new Error(`claim.preview: ${JSON.stringify(preview.body.error)}`);
  const submit = await api(host, 'claim.submit', { period: month, fingerprint: (preview.body.result as ClaimPreview).fingerprint }, token);
  if (!submit.body.ok) throw new Error(`claim.submit: ${JSON.stringify(submit.body.error)}`);
}
