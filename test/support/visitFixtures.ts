import type { Tx } from '../../db/repos/clerks.ts';
import { enqueueMessage, outboxResult } from '../../db/repos/outbox.ts';
import { type JsonObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readVisitRegistration } from '../../shared/agency/outpatient.ts';
import { readSettlement } from '../../shared/agency/settlement.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { NotReady, type SyncHooks } from '../../electron/sync/hooks.ts';
import { certno, INSUPLC, OPTER, psnNo } from './syncFixtures.ts';

/**
 * Synthetic outpatient visits for the chaos run (issue 16): 2201 门诊挂号 → 2203 就诊信息 → 2204 one
 * 收费批次 of two lines → 2207 结算, and for a refunded visit 2208 of that settlement; a partially
 * refunded visit (004 第四十五条, as electron/services/outpatient/partialRefund.ts writes it) goes on
 * 2208 of the settlement → 2205 of its batch (the refunded line with it) → 2204 of the kept line in a
 * new batch → a new 2207 of that batch — one transaction under one order key, as the outpatient
 * service writes them. The later messages learn
 * the mdtrt_id from the confirmed 2201 and the 2208 its setl_id from the confirmed 2207 through
 * prepare hooks (installVisitHooks), the way the outpatient module plugs into the worker. med_type 13
 * (急诊) counts as registered (004 第三十七条), so the seeded persons need no 备案.
 */

const VISIT_REF = '@otp:';
const SETL_REF = '@setl:';
export const VISIT_MEDFEE = '400.00';
/** What a partially refunded visit keeps: line 1 (2 × 50.00); line 2 (300.00) is refunded. */
export const KEPT_MEDFEE = '100.00';

/** Which visits the chaos run refunds whole (2208 after the 2207). */
export function visitRefunded(n: number): boolean {
  return n % 3 === 0;
}

/** Which visits the chaos run refunds in part (2208, 2205, 2204 of the kept line, a new 2207). */
export function visitPartlyRefunded(n: number): boolean {
  return n % 3 === 1;
}

/** The messages visit n writes: 2201, 2203, 2204, 2207, and 1 for a whole refund or 4 for a partial one. */
export function visitMessageCount(n: number): number {
  return 4 + (visitRefunded(n) ? 1 : 0) + (visitPartlyRefunded(n) ? 4 : 0);
}

/** Visit n of person `person` (its own 门诊号); returns the msgids in order. */
export function enqueueVisit(tx: Tx, n: number, person: number): string[] {
  const psn = psnNo(person);
  const orderKey = `OTP-${n}`;
  const begntime = '2026-03-01 10:00:00';
  const reg = newEnvelope(tx, OPTER, '2201', {
    data: { psn_no: psn, insutype: '310', begntime, mdtrt_cert_type: '02', mdtrt_cert_no: certno(person), ipt_otp_no: `MZCHAOS${String(n).padStart(6, '0')}`,
      atddr_no: 'D0002', dr_name: '陈医生', dept_code: 'M01', dept_name: '内科门诊', caty: 'M01' },
  }, INSUPLC);
  const ref = `${VISIT_REF}${reg.msgid}`;
  const info = newEnvelope(tx, OPTER, '2203', {
    mdtrtinfo: { mdtrt_id: ref, psn_no: psn, med_type: '13', begntime, main_cond_dscr: '', dise_codg: '', dise_name: '' },
    diseinfo: [{ diag_type: '1', diag_srt_no: '1', diag_code: 'J06.900', diag_name: '急性上呼吸道感染', maindiag_flag: '1', diag_dept: '内科门诊', dise_dor_no: 'D0002', dise_dor_name: '陈医生', diag_time: begntime }],
  }, INSUPLC);
  const line = (sn: string, code: string, cnt: string, pric: string, amount: string, batch = `MZCHAOS${n}-01`): JsonObject => ({
    feedetl_sn: sn, mdtrt_id: ref, psn_no: psn, chrg_bchno: batch, fee_ocur_time: '2026-03-01 10:10:00', med_list_codg: code, medins_list_codg: `H-${code}`,
    det_item_fee_sumamt: amount, cnt, pric, bilg_dept_codg: 'M01', bilg_dept_name: '内科门诊', bilg_dr_codg: 'D0002', bilg_dr_name: '陈医生',
  });
  const fees = newEnvelope(tx, OPTER, '2204', { feedetail: [line('1', '001102000010000', '2', '50.00', '100.00'), line('2', '002201000010000', '1', '300.00', '300.00')] }, INSUPLC);
  const setl = newEnvelope(tx, OPTER, '2207', {
    data: { psn_no: psn, mdtrt_cert_type: '02', mdtrt_cert_no: certno(person), med_type: '13', medfee_sumamt: VISIT_MEDFEE, psn_setlway: '01', mdtrt_id: ref, chrg_bchno: '', insutype: '310', acct_used_flag: '0' },
  }, INSUPLC);
  const envs: RequestEnvelope[] = [reg, info, fees, setl];
  if (visitRefunded(n) || visitPartlyRefunded(n)) envs.push(newEnvelope(tx, OPTER, '2208', { data: { setl_id: `${SETL_REF}${setl.msgid}`, mdtrt_id: ref, psn_no: psn } }, INSUPLC));
  if (visitPartlyRefunded(n)) {
    const kept = `MZCHAOS${n}-02`;
    envs.push(
      newEnvelope(tx, OPTER, '2205', { data: { mdtrt_id: ref, chrg_bchno: `MZCHAOS${n}-01`, psn_no: psn } }, INSUPLC),
      newEnvelope(tx, OPTER, '2204', { feedetail: [line('1', '001102000010000', '2', '50.00', '100.00', kept)] }, INSUPLC),
      newEnvelope(tx, OPTER, '2207', {
        data: { psn_no: psn, mdtrt_cert_type: '02', mdtrt_cert_no: certno(person), med_type: '13', medfee_sumamt: KEPT_MEDFEE, psn_setlway: '01', mdtrt_id: ref, chrg_bchno: kept, insutype: '310', acct_used_flag: '0' },
      }, INSUPLC),
    );
  }
  for (const env of envs) enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey, payload: env });
  return envs.map((e) => e.msgid);
}

function confirmed(tx: Tx, msgid: string, what: string): JsonObject {
  const r = outboxResult(tx, msgid);
  if (!r || r.infcode !== 0 || r.output === null) throw new NotReady(`${what}结果尚未确认：${msgid}`);
  return JSON.parse(r.output) as JsonObject;
}

function resolve(tx: Tx, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.startsWith(VISIT_REF)) return readVisitRegistration(confirmed(tx, value.slice(VISIT_REF.length), '门诊挂号（2201）')).mdtrtId;
  if (value.startsWith(SETL_REF)) return readSettlement(confirmed(tx, value.slice(SETL_REF.length), '门诊结算（2207）')).setlId;
  return value;
}

const patch = (tx: Tx, o: JsonObject): JsonObject => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(tx, v)])) as JsonObject;

/** The prepare hooks that fill in mdtrt_id (2203, 2204, 2205, 2207, 2208) and setl_id (2208); returns the unregister function. */
export function installVisitHooks(hooks: SyncHooks): () => void {
  const node = (name: string) => (tx: Tx, env: RequestEnvelope): RequestEnvelope => {
    const input = env.input as Record<string, unknown>;
    const v = input[name];
    return { ...env, input: { ...input, [name]: Array.isArray(v) ? (v as JsonObject[]).map((x) => patch(tx, x)) : patch(tx, v as JsonObject) } } as RequestEnvelope;
  };
  const off = [
    hooks.onPrepare('2203', node('mdtrtinfo')),
    hooks.onPrepare('2204', node('feedetail')),
    hooks.onPrepare('2205', node('data')),
    hooks.onPrepare('2207', node('data')),
    hooks.onPrepare('2208', node('data')),
  ];
  return () => off.forEach((f) => f());
}
