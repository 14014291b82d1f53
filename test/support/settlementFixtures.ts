import { eq } from 'drizzle-orm';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { persons } from '../../db/schema.ts';
import { readAdmission } from '../../shared/agency/admission.ts';
import { DEMO_AGENCY_KEY, DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';
import { newEnvelope } from '../../electron/services/agencyLink.ts';
import type { Desk } from '../../electron/services/desk.ts';
import { addDays, todayCST } from '../../shared/dates.ts';
import { seedDemoAgency } from '../agency/demoSeed.ts';
import { startReferenceAgency, type ReferenceAgency } from '../agency/server.ts';
import { api, startDeskHost } from './deskHost.ts';

/**
 * Fixtures for the settlement tests: a demo desk behind its host, optionally with the seeded
 * reference agency, logged-in tokens, admissions and HIS fee files.
 * Admissions are written with db/repos/admissions.ts `insertAdmission` (and, online, a real 2401
 * at the agency for the mdtrt_id) rather than through `admission.*`, so these tests do not depend
 * on the admission screen's flow.
 */
export const FEE_HEADER = 'feedetl_sn,init_feedetl_sn,fee_ocur_time,med_list_codg,medins_list_codg,name,cnt,pric,det_item_fee_sumamt,bilg_dept_codg,bilg_dept_name,bilg_dr_codg,bilg_dr_name,etip_flag,etip_hosp_code,selfpay_flag';

export interface FeeRow {
  sn: string;
  code: string;
  hosp: string;
  name: string;
  cnt: string;
  pric: string;
  amount: string;
  time?: string;
  initSn?: string;
  selfPay?: boolean;
}

/** Demo catalogue items: 甲 bed (limit 45), 乙 drug (10 %), 乙 screw (20 %, limit 2800), 丙 room. */
export const ITEM = {
  bed: { code: '001102000010000', hosp: 'FW0001', name: '三级医院床位费（普通病房）' },
  drug: { code: 'XJ01DCC028A001010101445', hosp: 'YP0001', name: '头孢呋辛钠注射液' },
  screw: { code: 'C03030100100000000', hosp: 'HC0001', name: '空心加压螺钉（钛合金）' },
  surgery: { code: '003310000010000', hosp: 'FW0005', name: '股骨颈骨折闭合复位内固定术' },
  room: { code: 'ZZ0000000000001', hosp: 'ZF0001', name: '单人病房差价' },
} as const;

/** A short stay of three lines (甲 bed, 乙 drug, 丙 room): 1,100.00 in all. */
export const SHORT_STAY: FeeRow[] = [
  { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
  { sn: 'F2', ...ITEM.drug, cnt: '20', pric: '12.5', amount: '250.00' },
  { sn: 'F5', ...ITEM.room, cnt: '5', pric: '80', amount: '400.00' },
];

export function feeCsv(rows: FeeRow[], day: string): string {
  const lines = rows.map((r) => [
    r.sn, r.initSn ?? '', r.time ?? `${day} 10:00:00`, r.code, r.hosp, r.name, r.cnt, r.pric, r.amount, 'A03', '骨科', 'D0001', '李医生', '0', '', r.selfPay ? '1' : '0',
  ].join(','));
  return [FEE_HEADER, ...lines].join('\r\n') + '\r\n';
}

export const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

export interface Ctx {
  desk: Desk;
  host: Awaited<ReturnType<typeof startDeskHost>>['host'];
  agency: ReferenceAgency | null;
  clerk: string;
  supervisor: string;
  stop: () => Promise<void>;
}

export async function login(host: Ctx['host'], loginName: string): Promise<string> {
  const r = await api(host, 'auth.login', { login: loginName, password: 'demo1234' });
  if (!r.body.ok) throw new Error(`login ${loginName}: ${JSON.stringify(r.body.error)}`);
  return (r.body.result as { token: string }).token;
}

/** A demo desk; `online` adds the seeded reference agency and tells the desk it answers. */
/** `realShapes`: the share of the agency's 2303/2304 answers in real-world shapes (test/agency/server.ts). */
/** `agencyNow`: the reference agency's business day (its settlement dates), for tests that cross months. */
export async function setup(options: { online?: boolean; dataDir?: string; realShapes?: { share: number }; agencyNow?: () => Date } = {}): Promise<Ctx> {
  let agency: ReferenceAgency | null = null;
  if (options.online) {
    agency = await startReferenceAgency({
      port: 0, institutions: [{ code: 'H34010400001', name: '合肥市第一人民医院（演示）', key: DEMO_AGENCY_KEY, admdvs: '340104', level: 3 }],
      ...(options.realShapes ? { realShapes: options.realShapes } : {}),
      ...(options.agencyNow ? { businessNow: options.agencyNow } : {}),
    });
    seedDemoAgency(agency.store);
  }
  const ctx = await startDeskHost({ agencyUrl: agency?.url ?? 'http://127.0.0.1:9', ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  await ctx.desk.connectivity.check();
  const clerk = await login(ctx.host, 'clerk01');
  const supervisor = await login(ctx.host, 'super01');
  return {
    desk: ctx.desk, host: ctx.host, agency, clerk, supervisor,
    stop: async () => {
      await ctx.desk.syncWorker.stop().catch(() => undefined);
      await ctx.stop();
      await agency?.close();
    },
  };
}

let iptSeq = 0;

export interface AdmitOptions {
  patient?: number;
  admittedOn?: string;
  grp?: string;
  trauma?: boolean;
  thirdParty?: boolean;
  emergency?: boolean;
  iptNo?: string;
  /** Online: skip the 2401 at the agency (as if it had not been delivered yet). */
  register?: boolean;
}

/** An in-hospital admission of a demo patient; online, registered at the agency first (2401) for its mdtrt_id. */
export async function admit(ctx: Ctx, o: AdmitOptions = {}): Promise<{ id: number; iptNo: string; admittedOn: string; personId: number }> {
  const p = DEMO_PATIENTS[o.patient ?? 0]!;
  const person = ctx.desk.db.select().from(persons).where(eq(persons.certno, p.certno)).get()!;
  const admittedOn = o.admittedOn ?? addDays(todayCST(), -10);
  const iptNo = o.iptNo ?? `ZY${Date.now().toString(36).toUpperCase()}${++iptSeq}`;
  const grp = o.grp ?? (p.registration?.group ?? 'unregistered');
  const begntime = `${admittedOn} 09:30:00`;
  let mdtrtId: string | null = null;
  if (ctx.agency && o.register !== false) {
    const env = ctx.desk.db.transaction((tx) => newEnvelope(tx, { login: 'clerk01', name: '王晓燕' }, '2401', {
      mdtrtinfo: {
        psn_no: person.psnNo, insutype: p.insutype, begntime, mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, med_type: o.emergency ? '24' : '21', ipt_no: iptNo,
        atddr_no: 'D0001', chfpdr_name: '李医生', adm_diag_dscr: '股骨颈骨折', adm_dept_codg: 'A03', adm_dept_name: '骨科', adm_bed: '12',
        dscg_maindiag_code: 'S72.000', dscg_maindiag_name: '股骨颈骨折', trum_flag: o.trauma ? '1' : '0', rel_ttp_flag: o.thirdParty ? '1' : '0',
      },
      diseinfo: [],
    }, p.insuplcAdmdvs));
    mdtrtId = readAdmission((await ctx.desk.agency().call(env)).output).mdtrtId;
  }
  const id = insertAdmission(ctx.desk.db, {
    iptNo, personId: person.id, mdtrtId, insutype: p.insutype, medType: o.emergency ? '24' : '21', certType: '02', certNo: p.certno, grp, admittedAt: begntime,
    way: o.emergency ? '急诊' : '门诊', deptCode: 'A03', deptName: '骨科', bed: '12', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
    emergency: o.emergency ?? false, traumaFlag: o.trauma ?? false, thirdPartyFlag: o.thirdParty ?? false,
  });
  return { id, iptNo, admittedOn, personId: person.id };
}

/** Calls the API and returns the result, or throws with the API error. */
export async function ok<T>(ctx: Ctx, method: string, input: unknown, token: string = ctx.clerk): Promise<T> {
  const r = await api(ctx.host, method, input, token);
  if (!r.body.ok) throw new Error(`${method}: ${r.body.error?.code} ${r.body.error?.message}`);
  return r.body.result as T;
}

/** Calls the API expecting an error; returns it. */
export async function fails(ctx: Ctx, method: string, input: unknown, token: string = ctx.clerk): Promise<{ code: string; message: string; path: string }> {
  const r = await api(ctx.host, method, input, token);
  if (r.body.ok) throw new Error(`${method} should have failed`);
  return r.body.error!;
}
