import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { persons } from '../../db/schema.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { DEMO_AGENCY_KEY, DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { outpatientReceipt } from '../../electron/services/outpatient/receipt.ts';
import { previewVisit, settleVisit } from '../../electron/services/outpatient/settle.ts';
import { visitState } from '../../electron/services/outpatient/state.ts';
import { addFees, registerVisit, type FeeLineInput } from '../../electron/services/outpatient/visit.ts';
import { build2201, build2203, build2204, build2206, build2207, readVisitRegistration } from '../../shared/agency/outpatient.ts';
import { dateTimeCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { timeFigure, type Figure } from './harness.ts';

/**
 * `outpatient.visit` (issue 16): one visit of 20 lines from 2201 to the receipt PDF through the
 * desk's services against the loopback reference agency — register (2201 + 2203, waited for), one
 * batch (2204), preview (delivery + 2206), settle (2207, waited for), A4 receipt — p50 and p99 of
 * VISITS visits; the baseline is the bare round trips of the same five transactions (client.call).
 */
const VISITS = 40;
const OPTER = { clerkId: 1, login: 'clerk01', name: '王晓燕' };
const ITEMS = [
  ['XJ01DCC028A001010101445', 'YP0001', '头孢呋辛钠注射液', '50'],
  ['XA02BCA211A001010104321', 'YP0002', '奥美拉唑肠溶胶囊', '30'],
  ['ZZ0000000000001', 'ZF0001', '单人病房差价', '80'],
  ['002201000010000', 'FW0004', '血常规（五分类）', '25'],
] as const;

function lines(): FeeLineInput[] {
  return Array.from({ length: 20 }, (_, i) => {
    const [code, hosp, name, pric] = ITEMS[i % ITEMS.length]!;
    return { feedetlSn: String(i + 1), medListCodg: code, medinsListCodg: hosp, name, cnt: '1', pric, amount: `${pric}.00`, selfPay: false };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchOutpatientVisit(): Promise<Figure[]> {
  const agency = await startReferenceAgency({ port: 0, institutions: [{ code: 'H34010400001', name: '合肥市第一人民医院（演示）', key: DEMO_AGENCY_KEY, admdvs: '340104', level: 3 }] });
  seedDemoAgency(agency.store);
  const desk = await Desk.open({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-bench-otp-')), demo: true, agencyUrl: agency.url });
  try {
    await desk.connectivity.check();
    desk.startSync();
    const p = DEMO_PATIENTS[0];
    const person = desk.db.select().from(persons).where(eq(persons.certno, p.certno)).get()!;
    const visit = { medType: '11' as const, emergency: false, deptCode: 'M01', deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生', diagnoses: [{ diagType: '1' as const, code: 'J06.900', name: '急性上呼吸道感染', main: true }] };
    const full: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < VISITS + 2; i++) {
      const t0 = process.hrtime.bigint();
      const id = await registerVisit(desk, { ...visit, personId: person.id }, OPTER);
      addFees(desk, { visitId: id, lines: lines() }, OPTER);
      const pre = await previewVisit(desk, id, false, OPTER);
      if (!pre.agency.available) throw new Error(`预结算未成功：${pre.agency.note}`);
      const req = await settleVisit(desk, { visitId: id, useAccount: false, expectedTotal: pre.estimate.amounts.medfee_sumamt }, OPTER);
      const s = visitState(desk.db, id).settlements.find((x) => x.requestId === req);
      if (!s) throw new Error('结算未在等待时间内得到参保地应答');
      await outpatientReceipt(desk, { settlementId: s.id, format: 'a4' }, OPTER);
      if (i >= 2) full.push(Number(process.hrtime.bigint() - t0) / 1e6); // two warm-up visits

      // The baseline: the same five transactions, bare, one after the other.
      const b0 = process.hrtime.bigint();
      const send = async (infno: string, input: unknown) => desk.agency().call(desk.db.transaction((tx) => newEnvelope(tx, OPTER, infno, input, person.insuplcAdmdvs)));
      const begntime = dateTimeCST(new Date());
      const mdtrtId = readVisitRegistration((await send('2201', build2201({ psnNo: person.psnNo!, insutype: p.insutype, begntime, certType: '02', certNo: p.certno, otpNo: `BARE${i}${Date.now()}`, doctorCode: 'D0002', doctorName: '陈医生', deptCode: 'M01', deptName: '内科门诊', caty: 'M01' }))).output).mdtrtId!;
      const ref = { mdtrtId, psnNo: person.psnNo! };
      await send('2203', build2203(ref, { medType: '11', begntime, diseCodg: null, diseName: null, deptName: '内科门诊', doctorCode: 'D0002', doctorName: '陈医生' }, visit.diagnoses));
      await send('2204', build2204({ ...ref, medType: '11' }, 'B1', lines().map((l) => ({ ...l, initFeedetlSn: null, feeOcurTime: begntime, detItemFeeSumamt: l.amount, bilgDeptCodg: 'M01', bilgDeptName: '内科门诊', bilgDrCodg: 'D0002', bilgDrName: '陈医生', etipFlag: false, etipHospCode: null }))));
      const settleRef = { ...ref, certType: '02', certNo: p.certno, insutype: p.insutype, medType: '11' };
      await send('2206', build2206(settleRef, pre.estimate.amounts, false));
      await send('2207', build2207(settleRef, pre.estimate.amounts, false));
      if (i >= 2) bare.push(Number(process.hrtime.bigint() - b0) / 1e6);
    }
    full.sort((a, b) => a - b);
    bare.sort((a, b) => a - b);
    return [
      timeFigure('outpatient.visit.p50', percentile(full, 50), percentile(bare, 50)),
      timeFigure('outpatient.visit.p99', percentile(full, 99), percentile(bare, 99)),
    ];
  } finally {
    await desk.syncWorker.stop().catch(() => undefined);
    desk.close();
    await agency.close();
  }
}
