import { feeLinesOf } from '../../../db/repos/fees.ts';
import { uploadedFeeSns } from '../../../db/repos/settlementRequests.ts';
import { activeSettlementOf, admissionWithPerson, settlementsOfAdmission } from '../../../db/repos/settlements.ts';
import type { AgencyRecordView } from '../../../shared/api/settlement.ts';
import { asObject } from '../../../shared/agency/envelope.ts';
import { build5203, build5204, build5205, build5303, read5203, read5204, read5205, read5303 } from '../../../shared/agency/queries.ts';
import { dateTimeCST, todayCST } from '../../../shared/dates.ts';
import { Decimal, sum, toText } from '../../../shared/money.ts';
import { CHECKED_TOTALS, compareWithAgency } from '../../../shared/settlementFlow.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import type { Opter } from '../settlementService.ts';
import { specialDrugView, usesSpecialDrugs } from './specialDrugs.ts';

/**
 * The platform's record of a stay beside the desk's (issue 15 §4): in hospital there (5303), its
 * fee lines (5204), its settlement (5203), and where the insured region uses it the person's
 * special-drug records (5205, specialDrugs.ts). Queries asked directly — nothing changes at the
 * agency — each answered or failed on its own, so one refusal does not hide the others.
 */
export async function agencyRecord(desk: ServiceContext, admissionId: number, opter: Opter): Promise<AgencyRecordView> {
  const found = admissionWithPerson(desk.db, admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${admissionId}`, 'admissionId');
  const { admission: a, person: p } = found;
  if (!a.mdtrtId || !p.psnNo) throw new ServiceError('NOT_AT_AGENCY', '该住院尚未在经办机构登记（入院 2401 尚未返回就诊ID），无从查询', 'admissionId');
  const who = { login: opter.login, name: opter.name };
  const ask = async (infno: string, input: unknown) => {
    const env = desk.db.transaction((tx) => newEnvelope(tx, who, infno, input, p.insuplcAdmdvs));
    const answer = await desk.agency().call(env);
    return { output: asObject(answer.output), errMsg: answer.err_msg };
  };
  // Each part answers or fails on its own: a refusal, or an answer that cannot be read, is that part's error.
  const part = async <T>(run: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await run();
    } catch (e) {
      return { error: (e as Error).message };
    }
  };

  const inHospital: AgencyRecordView['inHospital'] = await part(async () => {
    const { output } = await ask('5303', build5303({ psnNo: p.psnNo! }));
    const rows = read5303(output);
    const here = rows.some((r) => r.mdtrtId === a.mdtrtId);
    const deskIn = a.status === 'admitted';
    return {
      rows: rows.map((r) => ({ mdtrtId: r.mdtrtId, iptNo: r.iptNo, begntime: r.begntime, hospital: r.fixmedinsName ?? r.fixmedinsCode })),
      agrees: here === deskIn,
      text: here === deskIn
        ? (deskIn ? '经办机构与本院一致：在院' : '经办机构与本院一致：不在院')
        : (deskIn ? '本院为在院，经办机构无此在院记录（入院或出院报文可能未送达）' : `本院为${a.status === 'cancelled' ? '已撤销' : '已出院'}，经办机构仍为在院（出院 2402 / 撤销 2404 可能未送达）`),
    };
  });

  const fees: AgencyRecordView['fees'] = await part(async () => {
    const { output } = await ask('5204', build5204({ psnNo: p.psnNo!, mdtrtId: a.mdtrtId! }));
    const theirs = read5204(output);
    const uploaded = uploadedFeeSns(desk.db, a.id);
    const ours = feeLinesOf(desk.db, a.id).filter((l) => uploaded.has(l.feedetlSn));
    const oursBySn = new Map(ours.map((l) => [l.feedetlSn, l]));
    const theirSns = new Set(theirs.map((l) => l.feedetlSn ?? ''));
    const differing = theirs.flatMap((l) => {
      const o = l.feedetlSn ? oursBySn.get(l.feedetlSn) : undefined;
      return o && l.amount !== null && !l.amount.eq(o.detItemFeeSumamt) ? [{ sn: o.feedetlSn, desk: toText(new Decimal(o.detItemFeeSumamt)), agency: toText(l.amount) }] : [];
    });
    return {
      agencyCount: theirs.length,
      agencyTotal: toText(sum(theirs.map((l) => l.amount ?? new Decimal(0)))),
      deskCount: ours.length,
      deskTotal: toText(sum(ours.map((l) => new Decimal(l.detItemFeeSumamt)))),
      onlyAtAgency: theirs.filter((l) => !l.feedetlSn || !oursBySn.has(l.feedetlSn)).map((l) => l.feedetlSn ?? '（无流水号）'),
      onlyAtDesk: ours.filter((l) => !theirSns.has(l.feedetlSn)).map((l) => l.feedetlSn),
      differing,
    };
  });

  // The standing settlement, or the latest one the agency numbered.
  const s = activeSettlementOf(desk.db, a.id) ?? [...settlementsOfAdmission(desk.db, a.id)].reverse().find((x) => x.setlId !== null);
  const settlement: AgencyRecordView['settlement'] = !s?.setlId ? null : await part(async () => {
    const { output, errMsg } = await ask('5203', build5203({ psnNo: p.psnNo!, setlId: s.setlId, mdtrtId: a.mdtrtId! }));
    const r = read5203(output, errMsg);
    const d = (t: string): Decimal => new Decimal(t);
    const local = {
      medfee_sumamt: d(s.medfeeSumamt), inscp_scp_amt: d(s.inscpScpAmt), preselfpay_amt: d(s.preselfpayAmt), overlmt_selfpay: d(s.overlmtSelfpay),
      fulamt_ownpay_amt: d(s.fulamtOwnpayAmt), fund_pay_sumamt: d(s.fundPaySumamt), psn_part_amt: d(s.psnPartAmt), psn_cash_pay: d(s.psnCashPay),
    };
    return {
      setlId: s.setlId!, settlementId: s.id, reversedAtAgency: r.reversedBy, deskReversed: s.kind === 'settlement' && activeSettlementOf(desk.db, a.id)?.id !== s.id,
      differences: compareWithAgency(local, r.info.amounts, CHECKED_TOTALS),
    };
  });

  // 5205 only where the insured region uses it (a desk option per region, off by default): the stay's days.
  const specialDrugs: AgencyRecordView['specialDrugs'] = !usesSpecialDrugs(desk.db, p.insuplcAdmdvs) ? null : await part(async () => {
    const { output } = await ask('5205', build5205({ psnNo: p.psnNo!, begndate: a.admittedAt.slice(0, 10), enddate: (a.dischargedAt ?? todayCST()).slice(0, 10) }));
    return specialDrugView(desk.db, a.id, a.mdtrtId!, read5205(output));
  });

  return { askedAt: dateTimeCST(), mdtrtId: a.mdtrtId, inHospital, fees, settlement, specialDrugs };
}
