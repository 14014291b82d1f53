import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tx } from '../../db/repos/clerks.ts';
import { enqueueMessage, outboxResult } from '../../db/repos/outbox.ts';
import { type JsonObject, type RequestEnvelope } from '../../shared/agency/envelope.ts';
import { readAdmission } from '../../shared/agency/admission.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import { DEMO_AGENCY_KEY, DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION, DEMO_INSTITUTION, DEMO_POLICIES } from '../../electron/services/demo/demoData.ts';
import { NotReady, syncHooks, type SyncHooks } from '../../electron/sync/hooks.ts';
import type { AgencyStore, Institution } from '../agency/server.ts';

/**
 * Messages for the sync tests, the chaos child and the bench, shaped so the reference agency
 * accepts them: 9001 sign-ins (one sign_ins row each) and whole admissions 2401 → 2402 → 2304
 * under one order_key, where the later two learn the mdtrt_id from the confirmed 2401 result
 * through a prepare hook — the same way the admission module plugs into the worker.
 */
export const INST: Institution = { code: DEMO_INSTITUTION.fixmedinsCode, name: DEMO_INSTITUTION.fixmedinsName, key: DEMO_AGENCY_KEY, admdvs: DEMO_INSTITUTION.admdvs };
export const OPTER = { login: 'clerk01', name: '王晓燕' };
export const INSUPLC = '420102';

export function tmpDir(prefix = 'yidi-sync-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function psnNo(n: number): string {
  return `CH${String(n).padStart(10, '0')}`;
}

export function certno(n: number): string {
  return `4201021950${String(n).padStart(7, '0')}X`;
}

/**
 * Persons 1..count at the agency, one per admission so no two admissions of the same person
 * overlap, plus the demo policies and catalogue the agency settles with.
 */
export function seedPatients(store: AgencyStore, count: number, from = 1): void {
  if (store.count('policies') === 0) {
    for (const p of DEMO_POLICIES) store.seedPolicy({ version: p.body.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body });
    store.seedCatalogue(DEMO_CATALOGUE.map((c) => ({ ...c, begndate: '2026-01-01', enddate: null, version: DEMO_CATALOGUE_VERSION })));
  }
  store.db.transaction(() => {
    for (let n = from; n < from + count; n++) {
      store.seedPerson({ psnNo: psnNo(n), certno: certno(n), psnName: `患者${n}`, gend: n % 2 ? '1' : '2', brdy: '1950-01-01', insuinfo: [{ insutype: '310', psnType: '12', insuplcAdmdvs: INSUPLC, balc: '0.00' }] });
    }
  })();
}

export function signInInput(): JsonObject {
  return { signIn: { opter_no: OPTER.login, ip: '127.0.0.1' } };
}

/** `count` 9001 envelopes in the caller's transaction; each its own order_key unless one is given. */
export function enqueueSignIns(tx: Tx, count: number, orderKey?: (i: number) => string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const env = newEnvelope(tx, OPTER, '9001', signInInput());
    enqueueMessage(tx, { msgid: env.msgid, infno: '9001', orderKey: orderKey ? orderKey(i) : `SIGN-${env.msgid}`, payload: env });
    ids.push(env.msgid);
  }
  return ids;
}

const REF = '@result:';

/** The 2401 of person n's stay (alone: the bench sends admissions of many persons side by side). */
export function admitEnvelope(tx: Tx, n: number, psn: string = psnNo(n)): RequestEnvelope {
  return newEnvelope(tx, OPTER, '2401', {
    mdtrtinfo: {
      psn_no: psn, insutype: '310', begntime: '2026-03-01 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: certno(n), med_type: '21',
      ipt_no: `ZY${String(n).padStart(8, '0')}`, atddr_no: 'D0001', chfpdr_name: '李医生', adm_diag_dscr: '股骨颈骨折', adm_dept_codg: 'A03', adm_dept_name: '骨科',
      adm_bed: String(n % 60), dscg_maindiag_code: 'S72.000', dscg_maindiag_name: '股骨颈骨折',
    },
    diseinfo: [{ psn_no: psn, diag_type: '1', maindiag_flag: '1', diag_srt_no: '1', diag_code: 'S72.000', diag_name: '股骨颈骨折', diag_dept: '骨科', dise_dor_no: 'D0001', dise_dor_name: '李医生', diag_time: '2026-03-01 09:00:00' }],
  }, INSUPLC);
}

/** One whole stay of person n — admission, fee details, discharge, settlement — in one transaction under one order_key. */
export function enqueueAdmission(tx: Tx, n: number, options: { psn?: string } = {}): { orderKey: string; msgids: [string, string, string, string] } {
  const psn = options.psn ?? psnNo(n);
  const orderKey = `ADM-${n}`;
  const adm = admitEnvelope(tx, n, psn);
  const line = (sn: string, code: string, cnt: string, pric: string, amount: string): JsonObject => ({
    feedetl_sn: sn, mdtrt_id: `${REF}${adm.msgid}`, psn_no: psn, med_type: '21', fee_ocur_time: '2026-03-02 10:00:00', med_list_codg: code, medins_list_codg: `H-${code}`,
    det_item_fee_sumamt: amount, cnt, pric, bilg_dept_codg: 'A03', bilg_dept_name: '骨科', bilg_dr_codg: 'D0001', bilg_dr_name: '李医生',
  });
  const fees = newEnvelope(tx, OPTER, '2301', { feedetail: [line('1', '001102000010000', '8', '45.00', '360.00'), line('2', '002201000010000', '1', '640.00', '640.00')] }, INSUPLC);
  const dscg = newEnvelope(tx, OPTER, '2402', { dscginfo: { mdtrt_id: `${REF}${adm.msgid}`, psn_no: psn, insutype: '310', endtime: '2026-03-09 10:00:00', dscg_way: '1' } }, INSUPLC);
  const medfee = '1000.00';
  const setl = newEnvelope(tx, OPTER, '2304', {
    data: {
      psn_no: psn, mdtrt_cert_type: '02', mdtrt_cert_no: certno(n), medfee_sumamt: medfee, psn_setlway: '01', mdtrt_id: `${REF}${adm.msgid}`, insutype: '310',
      acct_used_flag: '0', fund_pay_sumamt: '600.00', acct_pay: '0.00', psn_cash_pay: '400.00', hifp_pay: '600.00',
      setldetail: [{ fund_pay_type: '310100', fund_pay_type_name: '职工基本医疗保险统筹基金', fund_payamt: '600.00' }],
    },
  }, INSUPLC);
  for (const env of [adm, fees, dscg, setl]) enqueueMessage(tx, { msgid: env.msgid, infno: env.infno, orderKey, payload: env });
  return { orderKey, msgids: [adm.msgid, fees.msgid, dscg.msgid, setl.msgid] };
}

function resolveRef(tx: Tx, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith(REF)) return String(value);
  const r = outboxResult(tx, value.slice(REF.length));
  if (!r || r.infcode !== 0 || r.output === null) throw new NotReady(`入院办理（2401）结果尚未确认：${value.slice(REF.length)}`);
  return readAdmission(JSON.parse(r.output) as JsonObject).mdtrtId;
}

/** The prepare hooks that fill in mdtrt_id (2301, 2402, 2304) from the confirmed 2401; returns the unregister function. */
export function installAdmissionHooks(hooks: SyncHooks = syncHooks): () => void {
  const off = [
    hooks.onPrepare('2301', (tx, env) => {
      const input = env.input as { feedetail: JsonObject[] };
      return { ...env, input: { ...input, feedetail: input.feedetail.map((l) => ({ ...l, mdtrt_id: resolveRef(tx, l.mdtrt_id) })) } } as RequestEnvelope;
    }),
    hooks.onPrepare('2402', (tx, env) => {
      const input = env.input as { dscginfo: JsonObject };
      return { ...env, input: { ...input, dscginfo: { ...input.dscginfo, mdtrt_id: resolveRef(tx, input.dscginfo.mdtrt_id) } } } as RequestEnvelope;
    }),
    hooks.onPrepare('2304', (tx, env) => {
      const input = env.input as { data: JsonObject };
      return { ...env, input: { ...input, data: { ...input.data, mdtrt_id: resolveRef(tx, input.data.mdtrt_id) } } } as RequestEnvelope;
    }),
  ];
  return () => off.forEach((f) => f());
}
