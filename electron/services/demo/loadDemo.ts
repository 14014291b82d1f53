import type { Db } from '../../../db/open.ts';
import { countClerks, insertClerk } from '../../../db/repos/clerks.ts';
import { insertCatalogueItem, insertPerson, insertPolicy, insertRegistration } from '../../../db/repos/demo.ts';
import { getSetting, saveInstitution, setSetting } from '../../../db/repos/institution.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { insertAdmission } from '../../../db/repos/admissions.ts';
import { insertSettlement } from '../../../db/repos/settlements.ts';
import { FUND_PAY_TYPE, nameOf } from '../../../shared/codes.ts';
import { todayCST } from '../../../shared/dates.ts';
import { Decimal, toText } from '../../../shared/money.ts';
import { DEMO_HISTORY_CATALOGUE, DEMO_HISTORY_POLICY, demoHistory } from './demoHistory.ts';
import { hashPassword } from '../passwords.ts';
import { DEMO_AGENCY_KEY, DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION, DEMO_CLERKS, DEMO_INSTITUTION, DEMO_PATIENTS, DEMO_POLICIES, LEGACY_DEMO_AGENCY_KEY } from './demoData.ts';

/**
 * A demo database made before the demo secret changed holds the old one as agency.key, which the
 * reference agency no longer takes: it gets the current one. Only that exact value is replaced.
 */
export function upgradeDemoSecret(db: Db): boolean {
  if (getSetting(db, 'agency.key') !== LEGACY_DEMO_AGENCY_KEY) return false;
  db.transaction((tx) => setSetting(tx, 'agency.key', DEMO_AGENCY_KEY));
  return true;
}

/** Loads the demo set into an empty database, all in one transaction. Returns false if it already had clerks. */
export async function loadDemoData(db: Db, agency: { url: string; key: string }, options: { history?: boolean } = {}): Promise<boolean> {
  if (countClerks(db) > 0) return false;
  const hashes = await Promise.all(DEMO_CLERKS.map((c) => hashPassword(c.password)));
  db.transaction((tx) => {
    saveInstitution(tx, DEMO_INSTITUTION);
    setSetting(tx, 'agency.url', agency.url);
    setSetting(tx, 'agency.key', agency.key);
    // The reference agency serves the desk extensions (roster, policies, clearing) beside the platform.
    setSetting(tx, 'agency.extUrl', `${agency.url.replace(/\/+$/, '')}/desk-ext`);
    setSetting(tx, 'catalogue.version', DEMO_CATALOGUE_VERSION);
    DEMO_CLERKS.forEach((c, i) => insertClerk(tx, { login: c.login, name: c.name, role: c.role, passwordHash: hashes[i]! }));
    for (const p of DEMO_POLICIES) insertPolicy(tx, { version: p.body.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body });
    for (const item of DEMO_CATALOGUE) insertCatalogueItem(tx, { ...item, version: DEMO_CATALOGUE_VERSION, begndate: '2026-01-01', enddate: null });
    const personIds: number[] = [];
    DEMO_PATIENTS.forEach((p, i) => {
      personIds[i] = insertPerson(tx, { certno: p.certno, psnName: p.name, gend: p.gend, brdy: p.brdy, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, psnType: p.psnType, psnNo: `DEMO${String(i + 1).padStart(6, '0')}` });
      if (p.registration) {
        insertRegistration(tx, { agencyId: `DEMO-REG-${i + 1}`, certno: p.certno, psnName: p.name, insuplcAdmdvs: p.insuplcAdmdvs, grp: p.registration.group, basis: p.registration.basis, destination: p.registration.destination, effectiveFrom: p.registration.effectiveFrom, proofSuppliedOn: p.registration.proofSuppliedOn, status: p.registration.status, rosterVersion: 'demo' });
      }
    });
    if (options.history) {
      // Last month's claim window is days 1–5 (DOMAIN §12 default); a newcomer starting later in the
      // month could not submit the demo claim. The demo's own settings then run the window to the
      // 26th, review to the 27th, confirmation to the 28th (the steps must follow one another, ≤ 28;
      // visible in 设置 → 清算政策, README says so); a real office sets its agency's days.
      const today = todayCST();
      if (Number(today.slice(8, 10)) > 5) {
        setSetting(tx, 'claim.windowEndDay', '26');
        setSetting(tx, 'claim.reviewCutoffDay', '27');
        setSetting(tx, 'claim.confirmationDay', '28');
      }
      for (const h of demoHistory(today)) {
        const p = DEMO_PATIENTS[h.patient]!;
        const admissionId = insertAdmission(tx, {
          iptNo: h.iptNo, personId: personIds[h.patient]!, mdtrtId: h.mdtrtId, insutype: h.insutype, medType: '21', certType: '02', certNo: p.certno,
          grp: p.registration?.group ?? 'unregistered', admittedAt: `${h.admittedOn} 09:00:00`, way: '门诊', deptCode: h.dept.code, deptName: h.dept.name, bed: '3',
          diagCode: h.diag.code, diagName: h.diag.name, doctor: '演示医生', status: 'discharged', dischargedAt: `${h.dischargedOn} 10:00:00`,
        });
        const medfee = new Decimal(h.medfee);
        insertSettlement(tx, {
          admissionId, kind: 'settlement', settledOn: h.dischargedOn, setlTime: `${h.dischargedOn} 10:30:00`, insutype: h.insutype, scope: h.scope,
          medfeeSumamt: toText(medfee), fundPaySumamt: h.fund, hifpPay: h.fund, psnPartAmt: toText(medfee.minus(h.fund)), acctPay: '0.00', psnCashPay: h.cash,
          policyVersion: DEMO_HISTORY_POLICY, catalogueVersion: DEMO_HISTORY_CATALOGUE, msgid: h.msgid, setlId: h.setlId,
        }, [{ source: 'local', fundPayType: h.fundType, fundPayTypeName: nameOf(FUND_PAY_TYPE, h.fundType), fundPayamt: h.fund }]);
      }
    }
    appendAudit(tx, { clerkId: null, action: 'demo.load', entity: 'database', detail: { institution: DEMO_INSTITUTION.fixmedinsCode } });
  });
  return true;
}
