import { and, eq } from 'drizzle-orm';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { admissions, persons, settlementFunds, settlements } from '../../db/schema.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import type { Desk } from '../../electron/services/desk.ts';
import { FUND_PAY_TYPE, nameOf } from '../../shared/codes.ts';
import { Decimal, toText } from '../../shared/money.ts';
import { scopeOf } from '../../shared/regions.ts';
import type { AgencyStore } from '../agency/server.ts';

/**
 * Settled stays for the claim tests, written through the repositories (db/repos/admissions.ts
 * insertAdmission, db/repos/settlements.ts insertSettlement) as the settlement service leaves
 * them: a discharged admission, the settlement row with the desk's own fund rows, the agency's
 * 结算ID once it answered. `mirrorToAgency` gives the reference agency the same settlements,
 * as if their 2304 had reached it.
 */

let seq = 0;

export interface StayOptions {
  /** Index into DEMO_PATIENTS: 0 张秀兰 (湖北, 职工), 1 李建军 (江苏, 职工), 2 赵敏 (安徽阜阳, 居民, 省内), 3 周德福 (北京, 职工). */
  patient?: number;
  settledOn: string;
  medfee: string;
  /** [fund_pay_type, amount] */
  funds: [string, string][];
  acct?: string;
  /** The agency's 结算ID; null: not confirmed yet. Default: a generated one. */
  setlId?: string | null;
}

export interface Stay {
  admissionId: number;
  settlementId: number;
  setlId: string | null;
  insutype: string;
}

const HOSPITAL_REGION = '340104';

export function settleStay(desk: Desk, o: StayOptions): Stay {
  const p = DEMO_PATIENTS[o.patient ?? 0]!;
  const db = desk.db;
  const person = db.select().from(persons).where(eq(persons.certno, p.certno)).get()!;
  const n = ++seq;
  const fund = o.funds.reduce((a, [, v]) => a.plus(v), new Decimal(0));
  const acct = new Decimal(o.acct ?? '0');
  const cash = new Decimal(o.medfee).minus(fund).minus(acct);
  const scope = scopeOf(p.insuplcAdmdvs, HOSPITAL_REGION) === 'cross' ? 'cross' : 'in';
  const setlId = o.setlId === undefined ? `340104S${String(Date.now() % 1e6).padStart(6, '0')}${String(n).padStart(5, '0')}` : o.setlId;
  return db.transaction((tx) => {
    const admissionId = insertAdmission(tx, {
      iptNo: `ZYC${Date.now().toString(36).toUpperCase()}${n}`, personId: person.id, mdtrtId: `340104M${n}`, insutype: p.insutype, medType: '21', certType: '02', certNo: p.certno,
      grp: p.registration?.group ?? 'unregistered', admittedAt: `${o.settledOn} 08:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
      diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生', status: 'discharged', dischargedAt: `${o.settledOn} 09:00:00`,
    });
    const settlementId = insertSettlement(tx, {
      admissionId, kind: 'settlement', settledOn: o.settledOn, setlTime: `${o.settledOn} 10:00:00`, insutype: p.insutype, scope,
      medfeeSumamt: toText(new Decimal(o.medfee)), fundPaySumamt: toText(fund), hifpPay: toText(new Decimal(o.funds[0]?.[1] ?? '0')), psnPartAmt: toText(new Decimal(o.medfee).minus(fund)),
      acctPay: toText(acct), psnCashPay: toText(cash), policyVersion: 'test', catalogueVersion: 'test', msgid: `TESTCLAIM${process.pid}${Date.now()}${n}`, setlId,
    }, o.funds.map(([t, v]) => ({ source: 'local' as const, fundPayType: t, fundPayTypeName: nameOf(FUND_PAY_TYPE, t), fundPayamt: toText(new Decimal(v)) })));
    return { admissionId, settlementId, setlId, insutype: p.insutype };
  });
}

/** The reversal (结算撤销) of a stay on a later day: the same amounts negated, as the settlement service writes it. */
export function reverseStay(desk: Desk, stay: Stay, settledOn: string, setlId: string | null = `${stay.setlId ?? 'X'}R`): Stay {
  const db = desk.db;
  const s = db.select().from(settlements).where(eq(settlements.id, stay.settlementId)).get()!;
  const neg = (v: string) => toText(new Decimal(v).negated());
  const n = ++seq;
  return db.transaction((tx) => {
    const funds = tx.select().from(settlementFunds).where(and(eq(settlementFunds.settlementId, s.id), eq(settlementFunds.source, 'local'))).all();
    const id = insertSettlement(tx, {
      admissionId: s.admissionId, kind: 'reversal', reversalOf: s.id, settledOn, setlTime: `${settledOn} 11:00:00`, insutype: s.insutype, scope: s.scope,
      medfeeSumamt: neg(s.medfeeSumamt), fundPaySumamt: neg(s.fundPaySumamt), hifpPay: neg(s.hifpPay), psnPartAmt: neg(s.psnPartAmt), acctPay: neg(s.acctPay), psnCashPay: neg(s.psnCashPay),
      policyVersion: s.policyVersion, catalogueVersion: s.catalogueVersion, msgid: `TESTREV${process.pid}${Date.now()}${n}`, setlId, reason: '测试撤销',
    }, funds.map((f) => ({ source: 'local' as const, fundPayType: f.fundPayType, fundPayTypeName: f.fundPayTypeName, fundPayamt: neg(f.fundPayamt) })));
    return { admissionId: s.admissionId, settlementId: id, setlId, insutype: s.insutype };
  });
}

/** The reference agency learns every desk settlement that has a 结算ID (as if its 2304 / 2305 had arrived). */
export function mirrorToAgency(desk: Desk, store: AgencyStore, fixmedinsCode = 'H34010400001'): number {
  let n = 0;
  const rows = desk.db.select().from(settlements).all();
  const known = new Set((store.db.prepare('SELECT setl_id FROM settlements').all() as { setl_id: string }[]).map((r) => r.setl_id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) {
    if (!r.setlId || known.has(r.setlId)) continue;
    store.seedSettlement({
      setlId: r.setlId, fixmedinsCode, kind: r.kind === 'reversal' ? 'reversal' : 'settle', reverses: r.reversalOf === null ? null : (byId.get(r.reversalOf)?.setlId ?? null),
      insutype: r.insutype, setlDate: r.settledOn, medfeeSumamt: r.medfeeSumamt, fundPaySumamt: r.fundPaySumamt, acctPay: r.acctPay, psnCashPay: r.psnCashPay,
    });
    n++;
  }
  return n;
}

/**
 * Many stays at once (the 20,000-settlement month): the same rows as settleStay, written with
 * multi-row inserts in one transaction.
 */
export function settleMany(desk: Desk, specs: readonly StayOptions[]): Stay[] {
  const db = desk.db;
  const people = DEMO_PATIENTS.map((p) => ({ p, person: db.select().from(persons).where(eq(persons.certno, p.certno)).get()! }));
  const out: Stay[] = [];
  db.transaction((tx) => {
    for (let k = 0; k < specs.length; k += 400) {
      const chunk = specs.slice(k, k + 400).map((o) => {
        const { p, person } = people[o.patient ?? 0]!;
        const n = ++seq;
        const fund = o.funds.reduce((a, [, v]) => a.plus(v), new Decimal(0));
        const acct = new Decimal(o.acct ?? '0');
        return { o, p, person, n, fund, acct, cash: new Decimal(o.medfee).minus(fund).minus(acct), setlId: o.setlId === undefined ? `340104B${process.pid}${String(n).padStart(7, '0')}` : o.setlId };
      });
      const adm = tx.insert(admissions).values(chunk.map(({ o, p, person, n }) => ({
        iptNo: `ZYB${process.pid}${n}`, personId: person.id, mdtrtId: `340104M${n}`, insutype: p.insutype, medType: '21', certType: '02', certNo: p.certno,
        grp: p.registration?.group ?? 'unregistered', admittedAt: `${o.settledOn} 08:00:00`, way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '12',
        diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生', status: 'discharged' as const, dischargedAt: `${o.settledOn} 09:00:00`,
      }))).returning({ id: admissions.id }).all();
      const ids = tx.insert(settlements).values(chunk.map(({ o, p, n, fund, acct, cash, setlId }, i) => ({
        admissionId: adm[i]!.id, kind: 'settlement' as const, settledOn: o.settledOn, setlTime: `${o.settledOn} 10:00:00`, insutype: p.insutype,
        scope: (scopeOf(p.insuplcAdmdvs, HOSPITAL_REGION) === 'cross' ? 'cross' : 'in') as 'cross' | 'in',
        medfeeSumamt: toText(new Decimal(o.medfee)), fundPaySumamt: toText(fund), hifpPay: toText(new Decimal(o.funds[0]?.[1] ?? '0')), psnPartAmt: toText(new Decimal(o.medfee).minus(fund)),
        acctPay: toText(acct), psnCashPay: toText(cash), policyVersion: 'test', catalogueVersion: 'test', msgid: `TESTBULK${process.pid}${n}`, setlId,
      }))).returning({ id: settlements.id }).all();
      const funds = chunk.flatMap(({ o }, i) => o.funds.map(([t, v]) => ({ settlementId: ids[i]!.id, source: 'local' as const, fundPayType: t, fundPayTypeName: nameOf(FUND_PAY_TYPE, t), fundPayamt: toText(new Decimal(v)) })));
      if (funds.length > 0) tx.insert(settlementFunds).values(funds).run();
      chunk.forEach(({ p, setlId }, i) => out.push({ admissionId: adm[i]!.id, settlementId: ids[i]!.id, setlId, insutype: p.insutype }));
    }
  });
  return out;
}
