import type { Db } from '../../../db/open.ts';
import { countClerks, insertClerk } from '../../../db/repos/clerks.ts';
import { insertCatalogueItem, insertPerson, insertPolicy, insertRegistration } from '../../../db/repos/demo.ts';
import { saveInstitution, setSetting } from '../../../db/repos/institution.ts';
import { appendAudit } from '../../../db/repos/audit.ts';
import { hashPassword } from '../passwords.ts';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_VERSION, DEMO_CLERKS, DEMO_INSTITUTION, DEMO_PATIENTS, DEMO_POLICIES } from './demoData.ts';

/** Loads the demo set into an empty database, all in one transaction. Returns false if it already had clerks. */
export async function loadDemoData(db: Db, agency: { url: string; key: string }): Promise<boolean> {
  if (countClerks(db) > 0) return false;
  const hashes = await Promise.all(DEMO_CLERKS.map((c) => hashPassword(c.password)));
  db.transaction((tx) => {
    saveInstitution(tx, DEMO_INSTITUTION);
    setSetting(tx, 'agency.url', agency.url);
    setSetting(tx, 'agency.key', agency.key);
    setSetting(tx, 'catalogue.version', DEMO_CATALOGUE_VERSION);
    DEMO_CLERKS.forEach((c, i) => insertClerk(tx, { login: c.login, name: c.name, role: c.role, passwordHash: hashes[i]! }));
    for (const p of DEMO_POLICIES) insertPolicy(tx, { version: p.body.version, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, year: p.year, body: p.body });
    for (const item of DEMO_CATALOGUE) insertCatalogueItem(tx, { ...item, version: DEMO_CATALOGUE_VERSION, begndate: '2026-01-01', enddate: null });
    DEMO_PATIENTS.forEach((p, i) => {
      insertPerson(tx, { certno: p.certno, psnName: p.name, gend: p.gend, brdy: p.brdy, insuplcAdmdvs: p.insuplcAdmdvs, insutype: p.insutype, psnType: p.psnType, psnNo: `DEMO${String(i + 1).padStart(6, '0')}` });
      if (p.registration) {
        insertRegistration(tx, { agencyId: `DEMO-REG-${i + 1}`, certno: p.certno, psnName: p.name, insuplcAdmdvs: p.insuplcAdmdvs, grp: p.registration.group, basis: p.registration.basis, destination: p.registration.destination, effectiveFrom: p.registration.effectiveFrom, proofSuppliedOn: p.registration.proofSuppliedOn, status: p.registration.status, rosterVersion: 'demo' });
      }
    });
    appendAudit(tx, { clerkId: null, action: 'demo.load', entity: 'database', detail: { institution: DEMO_INSTITUTION.fixmedinsCode } });
  });
  return true;
}
