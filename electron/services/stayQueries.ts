import { feeLinesOf } from '../../db/repos/fees.ts';
import { activeSettlementOf, admissionWithPerson } from '../../db/repos/settlements.ts';
import { AgencyMessageError } from '../../shared/agency/envelope.ts';
import { read5203, read5204, read5303, STAY_QUERY_LABEL, stayQueryInput, type StayQueryInfno } from '../../shared/agency/queries.ts';
import type { StayQueryView, StayQueryDifference } from '../../shared/api/stayQuery.ts';
import { Decimal } from '../../shared/money.ts';
import { AgencyError, BusinessError } from '../agency/client.ts';
import { newEnvelope } from './agencyLink.ts';
import type { ServiceContext } from './context.ts';
import { ServiceError } from './errors.ts';

/**
 * 5203 / 5204 / 5303 for one stay (issue 15 §4): asked while the clerk waits (none changes state,
 * so no outbox), the platform's answer shown beside the desk's own record with what differs.
 * Read-only on both sides: nothing is written but the msgid counter.
 */

function same(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return new Decimal(a).eq(new Decimal(b));
}

export async function queryStay(ctx: Pick<ServiceContext, 'db' | 'agency'>, input: { admissionId: number; infno: StayQueryInfno }, opter: { login: string; name: string }): Promise<StayQueryView> {
  const found = admissionWithPerson(ctx.db, input.admissionId);
  if (!found) throw new ServiceError('NOT_FOUND', `住院登记不存在：${input.admissionId}`, 'admissionId');
  const { admission, person } = found;
  if (!person.psnNo) throw new ServiceError('NO_PSN_NO', '该患者尚无医保人员编号（psn_no），请先完成身份核验', 'admissionId');
  const settlement = activeSettlementOf(ctx.db, admission.id) ?? null;
  const label = STAY_QUERY_LABEL[input.infno];
  if (input.infno !== '5303' && !admission.mdtrtId) throw new ServiceError('NOT_ON_PLATFORM', `该住院尚未在医保平台登记（无就诊 ID mdtrt_id），不能${label}`, 'admissionId');
  if (input.infno === '5203' && (!settlement || !settlement.setlId)) throw new ServiceError('NOT_SETTLED', `该住院尚无平台结算编号（setl_id），不能${label}`, 'admissionId');
  const env = ctx.db.transaction((tx) => newEnvelope(tx, opter, input.infno, stayQueryInput(input.infno, { psnNo: person.psnNo!, mdtrtId: admission.mdtrtId, setlId: settlement?.setlId ?? null })));
  let output;
  try {
    output = (await ctx.agency().call(env)).output;
  } catch (e) {
    if (e instanceof BusinessError) throw new ServiceError('AGENCY_REFUSED', `${label}（${input.infno}）被医保平台拒绝：${e.errMsg}`, 'admissionId');
    if (e instanceof AgencyError) throw new ServiceError('AGENCY_UNAVAILABLE', `${label}（${input.infno}）未能完成：${e.message}`, 'admissionId');
    throw e;
  }
  const differences: StayQueryDifference[] = [];
  const base = { label, admissionId: admission.id, msgid: env.msgid };
  try {
    if (input.infno === '5203') {
      const p = read5203(output);
      const s = settlement!;
      const fields: [string, string, string | null, string | null][] = [
        ['medfee_sumamt', '医疗费总额', s.medfeeSumamt, p.medfeeSumamt], ['fund_pay_sumamt', '基金支付总额', s.fundPaySumamt, p.fundPaySumamt],
        ['acct_pay', '个人账户支出', s.acctPay, p.acctPay], ['psn_cash_pay', '个人现金支出', s.psnCashPay, p.psnCashPay],
      ];
      for (const [field, l, desk, platform] of fields) if (!same(desk, platform)) differences.push({ field, label: l, desk, platform });
      if (p.reversed) differences.push({ field: 'refd_setl_flag', label: '结算状态', desk: '有效', platform: '已撤销' });
      return { ...base, infno: '5203', desk: { setlId: s.setlId, medfeeSumamt: s.medfeeSumamt, fundPaySumamt: s.fundPaySumamt, acctPay: s.acctPay, psnCashPay: s.psnCashPay }, platform: p, differences };
    }
    if (input.infno === '5204') {
      const lines = read5204(output);
      const theirs = new Map(lines.map((l) => [l.feedetlSn, l]));
      const ours = feeLinesOf(ctx.db, admission.id);
      for (const l of ours) {
        const t = theirs.get(l.feedetlSn);
        if (!t) differences.push({ field: `feedetl_sn:${l.feedetlSn}`, label: `明细 ${l.feedetlSn}`, desk: l.detItemFeeSumamt, platform: null });
        else if (!same(l.detItemFeeSumamt, t.detItemFeeSumamt) || t.medListCodg !== l.medListCodg) differences.push({ field: `feedetl_sn:${l.feedetlSn}`, label: `明细 ${l.feedetlSn}`, desk: `${l.medListCodg} ${l.detItemFeeSumamt}`, platform: `${t.medListCodg ?? ''} ${t.detItemFeeSumamt ?? ''}` });
      }
      const mine = new Set(ours.map((l) => l.feedetlSn));
      for (const t of lines) if (!mine.has(t.feedetlSn)) differences.push({ field: `feedetl_sn:${t.feedetlSn}`, label: `明细 ${t.feedetlSn}`, desk: null, platform: t.detItemFeeSumamt });
      return { ...base, infno: '5204', desk: { lines: ours.length }, platform: { lines: lines.length }, differences };
    }
    const stays = read5303(output);
    const inHospital = admission.status === 'admitted';
    const listed = admission.mdtrtId !== null && stays.some((s) => s.mdtrtId === admission.mdtrtId);
    if (inHospital !== listed) differences.push({ field: 'in_hosp', label: '在院状态', desk: inHospital ? '在院' : '不在院', platform: listed ? '在院' : '不在院' });
    return { ...base, infno: '5303', desk: { status: admission.status, mdtrtId: admission.mdtrtId }, platform: { stays }, differences };
  } catch (e) {
    if (e instanceof AgencyMessageError) throw new ServiceError('AGENCY_MALFORMED', e.message, 'admissionId');
    throw e;
  }
}
