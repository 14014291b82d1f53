import { appendAudit } from '../../../db/repos/audit.ts';
import type { Tx } from '../../../db/repos/clerks.ts';
import { catalogueItemsFor, currentCatalogueVersion } from '../../../db/repos/catalogue.ts';
import { getInstitution } from '../../../db/repos/institution.ts';
import { enqueueMessage, personOrderKey } from '../../../db/repos/outbox.ts';
import {
  batchesOfVisit, insertFeeLines, insertVisit, visitByOtpNo, visitSubject, visitWithPerson, type OtpFeeLineRow, type OtpPersonRow, type VisitRow,
} from '../../../db/repos/outpatient.ts';
import { build2201, build2203, build2204, build5301, readChronicRegistrations, type Diagnosis } from '../../../shared/agency/outpatient.ts';
import { asObject } from '../../../shared/agency/envelope.ts';
import type { CatalogueItem } from '../../../shared/catalogue.ts';
import { dateTimeCST } from '../../../shared/dates.ts';
import { Decimal, parseAmount, parseDecimal, round2, toText } from '../../../shared/money.ts';
import { chronicProblem, visitProblem, wireMedType, type ChronicLimits } from '../../../shared/outpatient.ts';
import { scopeOf } from '../../../shared/regions.ts';
import { engineLine } from '../../../shared/settlementFlow.ts';
import { splitLine, type FeeLine } from '../../../shared/settlement.ts';
import { newEnvelope } from '../agencyLink.ts';
import type { Operator, ServiceContext } from '../context.ts';
import { ServiceError } from '../errors.ts';
import { findPersonById } from '../../../db/repos/personCache.ts';
import { refuseSelfPaid } from './selfPayGuard.ts';

/**
 * The visit (issue 16 §1): one transaction writes the visit with its diagnoses and queues 2201 门诊挂号
 * and 2203 就诊信息 (its mdtrt_id filled from the 2201 answer before it is sent: sync.ts); each charge
 * batch is one transaction of its lines and their 2204. Queued under the person's key, so a visit's
 * messages go in order behind the person's earlier ones; online, the clerk waits for the delivery.
 */

export const REGISTER_WAIT_MS = 10_000;

export interface RegisterVisitInput {
  personId: number;
  medType: '11' | '14';
  emergency: boolean;
  diseCodg?: string | undefined;
  diseName?: string | undefined;
  deptCode: string;
  deptName: string;
  doctorCode: string;
  doctorName: string;
  diagnoses: { diagType: '1' | '2' | '3'; code: string; name: string; main: boolean }[];
}

function who(o: Operator): { login: string; name: string } {
  return { login: o.login, name: o.name };
}

export function enqueueVisitMessage(tx: Tx, visitId: number, env: { msgid: string; infno: string }): void {
  enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey: visitSubject(visitId), payload: env });
}

/** 门诊号: the office's day and a running number (unique in outpatient_visits). */
function nextOtpNo(tx: Tx, now: Date): string {
  const day = dateTimeCST(now).slice(0, 10).replaceAll('-', '');
  for (let n = 1; n < 100_000; n++) {
    const no = `MZ${day}${String(n).padStart(4, '0')}`;
    if (!visitByOtpNo(tx, no)) return no;
  }
  throw new ServiceError('OTP_NO_EXHAUSTED', '今日门诊号已用尽', 'otpNo');
}

export async function registerVisit(desk: ServiceContext, input: RegisterVisitInput, opter: Operator, o: { waitMs?: number } = {}): Promise<number> {
  const problem = visitProblem(input);
  if (problem) throw new ServiceError('INVALID_VISIT', problem.message, problem.path);
  const person = findPersonById(desk.db, input.personId);
  if (!person) throw new ServiceError('NOT_FOUND', `参保人不存在：${input.personId}`, 'personId');
  const inst = getInstitution(desk.db);
  if (!inst) throw new ServiceError('NO_INSTITUTION', '尚未设置本机构信息，请主管在“设置”中填写');
  if (scopeOf(person.insuplcAdmdvs, inst.admdvs) === 'same') {
    throw new ServiceError('NOT_CROSS_REGION', `参保地 ${person.insuplcAdmdvs} 与就医地 ${inst.admdvs} 属同一统筹区，不属于异地就医直接结算`, 'personId');
  }
  const limits = input.medType === '14' ? await checkChronic(desk, person, input.diseCodg ?? '', opter) : null;
  const now = new Date();
  const begntime = dateTimeCST(now);
  const diagnoses: Diagnosis[] = input.diagnoses.map((d, i) => ({ ...d, main: d.main || i === 0 }));
  const visitId = desk.db.transaction((tx) => {
    const otpNo = nextOtpNo(tx, now);
    // The visit is identified by the person's ID number (mdtrt_cert_type 02): an e-voucher token
    // of the scan is single-use (UNVERIFIED how long a region accepts one for 2201…2207).
    const certType = '02';
    const reg = newEnvelope(tx, who(opter), '2201', build2201({
      psnNo: person.psnNo ?? '', insutype: person.insutype, begntime, certType, certNo: person.certno, otpNo,
      doctorCode: input.doctorCode, doctorName: input.doctorName, deptCode: input.deptCode, deptName: input.deptName, caty: input.deptCode,
    }), person.insuplcAdmdvs, now);
    const id = insertVisit(tx, {
      personId: person.id, otpNo, insutype: person.insutype, certType, certNo: person.certno, medType: input.medType, emergency: input.emergency,
      diseCodg: input.diseCodg || null, diseName: input.diseName || null, deptCode: input.deptCode, deptName: input.deptName,
      doctorCode: input.doctorCode, doctorName: input.doctorName, begntime, diagnoses: JSON.stringify(diagnoses), registerMsgid: reg.msgid, clerkId: opter.clerkId,
      chronicLimits: limits ? JSON.stringify(limits) : null,
    });
    const info = newEnvelope(tx, who(opter), '2203', build2203({ mdtrtId: '', psnNo: person.psnNo ?? '' }, {
      medType: wireMedType(input.medType, input.emergency), begntime, diseCodg: input.diseCodg || null, diseName: input.diseName || null,
      deptName: input.deptName, doctorCode: input.doctorCode, doctorName: input.doctorName,
    }, diagnoses), person.insuplcAdmdvs, now);
    enqueueVisitMessage(tx, id, reg);
    enqueueVisitMessage(tx, id, info);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.register', entity: 'outpatient_visit', entityId: id, detail: { otpNo, medType: input.medType, emergency: input.emergency, msgids: [reg.msgid, info.msgid] } });
    return id;
  });
  desk.notifySync();
  if (desk.connectivity.online === true) await desk.awaitDelivery(personOrderKey(person.id), o.waitMs ?? REGISTER_WAIT_MS);
  return visitId;
}

/**
 * 门诊慢特病: the person's registration of the disease, asked of the insured region (5301, a query);
 * returns the disease's limits where the answer carries them (kept with the visit), else null.
 */
async function checkChronic(desk: ServiceContext, person: OtpPersonRow, diseCodg: string, opter: Operator): Promise<ChronicLimits | null> {
  if (desk.connectivity.online !== true || !person.psnNo) {
    throw new ServiceError('CHRONIC_UNCHECKED', '离线（或尚无人员编号）：无法向参保地查询门诊慢特病备案（5301），本次可按普通门诊（11）办理', 'medType');
  }
  const env = desk.db.transaction((tx) => newEnvelope(tx, who(opter), '5301', build5301(person.psnNo!), person.insuplcAdmdvs));
  let regs;
  try {
    regs = readChronicRegistrations(asObject((await desk.agency().call(env)).output));
  } catch (e) {
    throw new ServiceError('CHRONIC_UNCHECKED', `未能查询门诊慢特病备案（5301）：${(e as Error).message}；本次可按普通门诊（11）办理`, 'medType');
  }
  const problem = chronicProblem(regs, diseCodg, desk.today());
  if (problem) throw new ServiceError('CHRONIC_NOT_REGISTERED', problem, 'diseCodg');
  const day = desk.today();
  const held = regs.find((r) => r.code === diseCodg && (r.begndate === null || r.begndate.slice(0, 10) <= day) && (r.enddate === null || r.enddate.slice(0, 10) >= day));
  return held && (held.limits.annual !== null || held.limits.perVisit !== null) ? { code: held.code, name: held.name, ...held.limits } : null;
}

export interface FeeLineInput {
  feedetlSn: string;
  medListCodg: string;
  medinsListCodg: string;
  name: string;
  cnt: string;
  pric: string;
  amount: string;
  selfPay: boolean;
  feeOcurTime?: string | undefined;
}

/** One charge batch (收费批次): its lines and their 2204, in one transaction. Returns the batch number. */
export function addFees(desk: ServiceContext, input: { visitId: number; lines: FeeLineInput[] }, opter: Operator): string {
  const found = visitWithPerson(desk.db, input.visitId);
  if (!found) throw new ServiceError('NOT_FOUND', `门诊就诊不存在：${input.visitId}`, 'visitId');
  const { visit, person } = found;
  refuseSelfPaid(desk.db, visit.id);
  const seen = new Set<string>();
  input.lines.forEach((l, i) => {
    if (seen.has(l.feedetlSn)) throw new ServiceError('DUPLICATE_SN', `第 ${i + 1} 行费用明细流水号 ${l.feedetlSn} 重复`, `lines[${i}].feedetlSn`);
    seen.add(l.feedetlSn);
    // The amount must be qty × price within 0.01 (DOMAIN §6a, as for a stay's lines).
    const expected = round2(parseDecimal(l.cnt, '数量').times(parseDecimal(l.pric, '单价')));
    if (parseAmount(l.amount.replace(/^-/, ''), '金额').times(l.amount.startsWith('-') ? -1 : 1).minus(expected).abs().gt('0.01')) {
      throw new ServiceError('AMOUNT_MISMATCH', `第 ${i + 1} 行金额 ${l.amount} 与数量 ${l.cnt} × 单价 ${l.pric} = ${toText(expected)} 不符`, `lines[${i}].amount`);
    }
  });
  const now = new Date();
  const batch = desk.db.transaction((tx) => {
    const chrgBchno = `${visit.otpNo}-${String(batchesOfVisit(tx, visit.id).length + 1).padStart(2, '0')}`;
    const time = dateTimeCST(now);
    const rows = input.lines.map((l) => ({
      feedetlSn: l.feedetlSn, initFeedetlSn: null, feeOcurTime: l.feeOcurTime ?? time, medListCodg: l.medListCodg, medinsListCodg: l.medinsListCodg,
      detItemFeeSumamt: toText(new Decimal(l.amount)), cnt: l.cnt, pric: l.pric, bilgDeptCodg: visit.deptCode, bilgDeptName: visit.deptName,
      bilgDrCodg: visit.doctorCode, bilgDrName: visit.doctorName, selfPay: l.selfPay, etipFlag: false, etipHospCode: null,
    }));
    const env = newEnvelope(tx, who(opter), '2204', build2204({ mdtrtId: visit.mdtrtId ?? '', psnNo: person.psnNo ?? '', medType: wireMedType(visit.medType, visit.emergency) }, chrgBchno, rows), person.insuplcAdmdvs, now);
    insertFeeLines(tx, rows.map((r, i) => ({
      visitId: visit.id, chrgBchno, feedetlSn: r.feedetlSn, feeOcurTime: r.feeOcurTime, medListCodg: r.medListCodg, medinsListCodg: r.medinsListCodg,
      name: input.lines[i]!.name, cnt: r.cnt, pric: r.pric, detItemFeeSumamt: r.detItemFeeSumamt, selfPay: r.selfPay,
      bilgDeptCodg: r.bilgDeptCodg, bilgDeptName: r.bilgDeptName, bilgDrCodg: r.bilgDrCodg, bilgDrName: r.bilgDrName, uploadMsgid: env.msgid,
    })));
    enqueueVisitMessage(tx, visit.id, env);
    appendAudit(tx, { clerkId: opter.clerkId, action: 'outpatient.fees', entity: 'outpatient_visit', entityId: visit.id, detail: { chrgBchno, lines: rows.length, msgid: env.msgid } });
    return chrgBchno;
  });
  desk.notifySync();
  return batch;
}

/** The desk's split of each line by the hospital region's catalogue (004 第三十六条(一)), with the engine's line rule. */
export function deskLines(db: Tx, lines: readonly OtpFeeLineRow[]): { line: OtpFeeLineRow; fee: FeeLine; split: ReturnType<typeof splitLine>; known: boolean }[] {
  const version = currentCatalogueVersion(db);
  const items: Map<string, CatalogueItem> = version ? catalogueItemsFor(db, version, lines.map((l) => l.medListCodg)) : new Map();
  return lines.map((l) => {
    const fee = engineLine({ feedetlSn: l.feedetlSn, medListCodg: l.medListCodg, name: l.name, cnt: l.cnt, pric: l.pric, amount: l.detItemFeeSumamt, selfPay: l.selfPay, item: items.get(l.medListCodg) ?? null });
    return { line: l, fee, split: splitLine(fee), known: items.has(l.medListCodg) };
  });
}

export function visitOrThrow(db: Tx, visitId: number): { visit: VisitRow; person: OtpPersonRow } {
  const found = visitWithPerson(db, visitId);
  if (!found) throw new ServiceError('NOT_FOUND', `门诊就诊不存在：${visitId}`, 'visitId');
  return found;
}
