import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertPerson } from '../../db/repos/demo.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { todayCST } from '../../shared/dates.ts';
import type { ReferenceAgency } from '../agency/server.ts';
import type { startDeskHost } from './deskHost.ts';
import { enqueueAdmission } from './syncFixtures.ts';

/**
 * A day on which the desk and the reference agency disagree in each of the three ways of a 3202
 * (docs/reconciliation.md), for the integration test and the e2e spec. The desk's worker must have
 * the admission hooks installed (installAdmissionHooks) and the agency seedPatients(…, ≥ 4).
 */

type Host = Awaited<ReturnType<typeof startDeskHost>>;

export interface AgencySettlement { setl_id: string; mdtrt_id: string; psn_no: string; medfee_sumamt: string; fund_pay_sumamt: string; acct_pay: string; psn_cash_pay: string; msgid: string }

/** Stays 1..n settled at the agency through the outbox; the agency's rows by person, in order. */
export async function settleAtAgency(ctx: Host, agency: ReferenceAgency, n: number): Promise<Map<string, AgencySettlement>> {
  for (let i = 1; i <= n; i++) ctx.desk.db.transaction((tx) => enqueueAdmission(tx, i));
  await ctx.desk.syncWorker.drain(400);
  const rows = agency.store.db.prepare('SELECT * FROM settlements ORDER BY id').all() as AgencySettlement[];
  if (rows.length !== n) throw new Error(`经办机构应有 ${n} 笔结算，实有 ${rows.length} 笔`);
  return new Map(rows.map((r) => [r.psn_no, r]));
}

/** The desk's own record of a settlement the agency confirmed (as the settlement module keeps it). */
export function recordOnDesk(ctx: Host, s: AgencySettlement, ipt: string): number {
  const today = todayCST();
  return ctx.desk.db.transaction((tx) => {
    const personId = insertPerson(tx, { psnNo: s.psn_no, certno: `42010219500${ipt.slice(-6)}X`, psnName: `患者${ipt.slice(-1)}`, gend: '1', brdy: '1950-01-01', insuplcAdmdvs: '420102', insutype: '310' });
    const admissionId = insertAdmission(tx, {
      iptNo: ipt, personId, mdtrtId: s.mdtrt_id, insutype: '310', medType: '21', certType: '02', certNo: '11010519491231002X', grp: 'longTerm', admittedAt: '2026-03-01 09:00:00',
      way: '门诊', deptCode: 'A03', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
    });
    return insertSettlement(tx, {
      admissionId, kind: 'settlement', settledOn: today, setlTime: `${today} 10:00:00`, insutype: '310', scope: 'cross', setlId: s.setl_id,
      medfeeSumamt: s.medfee_sumamt, fundPaySumamt: s.fund_pay_sumamt, acctPay: s.acct_pay, psnCashPay: s.psn_cash_pay, policyVersion: '420100-310-2026-1', catalogueVersion: 'x', msgid: s.msgid,
    }, []);
  });
}

/**
 * Four stays settled at the agency. The desk keeps 1, 2 and 3; stay 4's settlement never reached
 * its books (单边账). The agency then loses stay 2's settlement and books stay 3 at 900.00 / 1.00.
 * `byPsn` keeps the agency's figures from before, which are the desk's.
 */
export async function disagreeingDay(ctx: Host, agency: ReferenceAgency): Promise<{ byPsn: Map<string, AgencySettlement>; deskIds: number[] }> {
  const byPsn = await settleAtAgency(ctx, agency, 4);
  const [s1, s2, s3] = [...byPsn.values()];
  const deskIds = [recordOnDesk(ctx, s1!, 'ZY-000001'), recordOnDesk(ctx, s2!, 'ZY-000002'), recordOnDesk(ctx, s3!, 'ZY-000003')];
  agency.store.db.prepare('DELETE FROM settlements WHERE setl_id = ?').run(s2!.setl_id);
  agency.store.db.prepare("UPDATE settlements SET medfee_sumamt = '900.00', fund_pay_sumamt = '1.00' WHERE setl_id = ?").run(s3!.setl_id);
  return { byPsn, deskIds };
}
