import { DEMO_INSTITUTION } from '../../electron/services/demo/demoData.ts';
import { demoHistory } from '../../electron/services/demo/demoHistory.ts';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION, DEMO_PATIENTS, DEMO_POLICIES } from '../../electron/services/demo/demoData.ts';
import { seedChronicRegistration } from './outpatient.ts';
import { seedCatalogue, seedPerson, seedPolicy, seedRegistration, type AgencyStore, type RegistrationGroup } from './server.ts';

/** The reference agency's side of the demo: the same patients, registrations, policies and catalogue. */
export function seedDemoAgency(store: AgencyStore): boolean {
  if (store.count('persons') > 0) return false;
  DEMO_PATIENTS.forEach((p, i) => {
    const psnNo = `DEMO${String(i + 1).padStart(6, '0')}`;
    seedPerson(store, {
      psnNo, certno: p.certno, psnName: p.name, gend: p.gend, brdy: p.brdy, cardNo: p.cardNo,
      insuinfo: [{ insutype: p.insutype, psnType: p.psnType, insuplcAdmdvs: p.insuplcAdmdvs, balc: '1200.00', psnInsuStas: '1', cvlservFlag: '0' }],
    });
    if (p.registration) {
      seedRegistration(store, {
        agencyId: `DEMO-REG-${i + 1}`, certno: p.certno, psnNo, psnName: p.name, insuplcAdmdvs: p.insuplcAdmdvs,
        group: p.registration.group as RegistrationGroup, basis: p.registration.basis as 'proof' | 'pledge', destination: p.registration.destination,
        effectiveFrom: p.registration.effectiveFrom, proofSuppliedOn: p.registration.proofSuppliedOn, status: p.registration.status as 'active' | 'cancelled',
      });
    }
  });
  // 门诊慢特病 (5301): 张秀兰 is registered for 高血压 (code as the 医保 disease list writes it; UNVERIFIED).
  seedChronicRegistration(store.db, { psnNo: 'DEMO000001', code: 'M03900', name: '高血压', begndate: '2024-05-01' });
  for (const p of DEMO_POLICIES) seedPolicy(store, { version: p.body.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body });
  seedCatalogue(store, DEMO_CATALOGUE.map((c) => ({ ...c, begndate: '2026-01-01', enddate: null, version: DEMO_CATALOGUE_VERSION })));
  return true;
}

/**
 * Last month's demo settlements as the agency holds them (the desk loads the same, same 结算ID:
 * electron/services/demo/demoHistory.ts). Idempotent: a settlement already there is left alone.
 */
export function seedDemoAgencyHistory(store: AgencyStore, fixmedinsCode = DEMO_INSTITUTION.fixmedinsCode): number {
  let n = 0;
  for (const h of demoHistory()) {
    if (store.db.prepare('SELECT 1 FROM settlements WHERE setl_id = ?').get(h.setlId)) continue;
    store.seedSettlement({
      setlId: h.setlId, fixmedinsCode, kind: 'settle', insutype: h.insutype, setlDate: h.dischargedOn, medfeeSumamt: h.medfee, fundPaySumamt: h.fund,
      acctPay: '0.00', psnCashPay: h.cash, mdtrtId: h.mdtrtId, psnNo: h.psnNo, msgid: h.msgid,
    });
    n++;
  }
  return n;
}
