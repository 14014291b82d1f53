import { addDays, addMonths, todayCST } from '../../../shared/dates.ts';
import { DEMO_INSTITUTION, DEMO_PATIENTS, DEMO_CATALOGUE_VERSION } from './demoData.ts';

/**
 * Last month's settled stays of the demo (issue 20 point 6): the supervisor can preview and submit
 * a claim on F6 the first day. They stand for stays settled and delivered before the desk was
 * installed, so both sides hold them: the desk (electron/services/demo/loadDemo.ts) and the local
 * reference agency (test/agency/demoSeed.ts `seedDemoAgencyHistory`), with the same 结算ID.
 * Only `npm start` and the Electron demo load them: the tests' demo desks stay empty of history,
 * so a test's amounts do not depend on the month it runs in.
 */
export interface DemoHistoryStay {
  patient: number;
  psnNo: string;
  iptNo: string;
  mdtrtId: string;
  setlId: string;
  msgid: string;
  admittedOn: string;
  dischargedOn: string;
  insutype: string;
  scope: 'cross' | 'in';
  medfee: string;
  fundType: string;
  fund: string;
  cash: string;
  diag: { code: string; name: string };
  dept: { code: string; name: string };
}

export function demoHistory(today: string = todayCST()): DemoHistoryStay[] {
  const first = addMonths(`${today.slice(0, 7)}-01`, -1);
  const ym = first.slice(0, 7).replace('-', '');
  const region = DEMO_INSTITUTION.admdvs;
  const stay = (patient: number, n: number, from: number, days: number, rest: Pick<DemoHistoryStay, 'scope' | 'medfee' | 'fundType' | 'fund' | 'cash' | 'diag' | 'dept'>): DemoHistoryStay => {
    const p = DEMO_PATIENTS[patient]!;
    const admittedOn = addDays(first, from);
    return {
      patient, psnNo: `DEMO${String(patient + 1).padStart(6, '0')}`, iptNo: `ZY${ym}DEMO${n}`, mdtrtId: `${region}DEMO${ym}${n}`, setlId: `${region}S${ym}DEMO${n}`,
      msgid: `${DEMO_INSTITUTION.fixmedinsCode}${ym}01000000${String(n).padStart(4, '0')}`, admittedOn, dischargedOn: addDays(admittedOn, days), insutype: p.insutype, ...rest,
    };
  };
  return [
    // 李建军 (江苏苏州, 职工, 转诊备案): cross-province.
    stay(1, 1, 2, 9, { scope: 'cross', medfee: '15236.40', fundType: '310100', fund: '10652.48', cash: '4583.92', diag: { code: 'K80.100', name: '胆囊结石伴慢性胆囊炎' }, dept: { code: 'A05', name: '普外科' } }),
    // 孙丽华 (安徽蚌埠怀远, 居民, 省内转诊): in-province.
    stay(4, 2, 4, 6, { scope: 'in', medfee: '6820.00', fundType: '390100', fund: '3954.00', cash: '2866.00', diag: { code: 'J18.900', name: '肺炎' }, dept: { code: 'A01', name: '呼吸内科' } }),
  ];
}

export const DEMO_HISTORY_POLICY = 'demo-history';
export const DEMO_HISTORY_CATALOGUE = DEMO_CATALOGUE_VERSION;
