import { checkCharacter } from '../../../shared/citizenId.ts';
import { POOL_FUND, SUPPLEMENTARY_FUND } from '../../../shared/codes.ts';
import { addMonths, todayCST } from '../../../shared/dates.ts';

/**
 * Demo data for a newcomer's first start: one hospital in Hefei (340104), two clerks, policies
 * of a few insured regions, a small catalogue and a few patients registered to Hefei.
 * Names and numbers are made up; ID numbers carry a correct check character and agree with the
 * patient's sex and birth date (the identity check rejects a mismatch, DOMAIN §2). `cardNo` is the
 * 社会保障卡 number the reference agency knows (1101 with mdtrt_cert_type 03).
 */
/**
 * The demo's shared secret: the desk extensions' key and the tif token of the reference agency
 * that `npm start` / `npm run agency` run, and the key the demo settings hold. It has the shape
 * the connection screen requires of a secret (8–512 printable characters with letters and digits,
 * shared/api/agencyConnection.ts), so a supervisor can type it there. Never a real credential.
 */
export const DEMO_AGENCY_KEY = 'demo-key-2026-change-me';
/** The demo secret before (no digit: the screen refused it); a demo database that still holds it is moved on (upgradeDemoSecret). */
export const LEGACY_DEMO_AGENCY_KEY = 'demo-key-change-me';

export const DEMO_INSTITUTION = {
  fixmedinsCode: 'H34010400001',
  fixmedinsName: '合肥市第一人民医院（演示）',
  level: 3,
  admdvs: '340104',
  networked: true,
  provinceName: '安徽省',
  regionName: '安徽省合肥市',
};

export const DEMO_CLERKS = [
  { login: 'clerk01', name: '王晓燕', role: 'clerk' as const, password: 'demo1234' },
  { login: 'super01', name: '陈建国', role: 'supervisor' as const, password: 'demo1234' },
];

function id(first17: string): string {
  return first17 + checkCharacter(first17);
}

/**
 * The first day of last month (CST) when the demo is loaded: the in-province resident's referral
 * starts there, so her registration is valid on the newcomer's first day whatever the date
 * (341200/340300 resident policy: temporary registrations are valid 6 months).
 */
export function demoRelativeStart(now: Date = new Date()): string {
  return addMonths(`${todayCST(now).slice(0, 7)}-01`, -1);
}

export const DEMO_PATIENTS = [
  { certno: id('42010219550312402'), cardNo: 'A42010001', name: '张秀兰', gend: '2', brdy: '1955-03-12', insuplcAdmdvs: '420102', insutype: '310', psnType: '12',
    registration: { group: 'resettledRetiree', basis: 'proof', destination: '340100', effectiveFrom: '2024-05-01', proofSuppliedOn: null, status: 'active' } },
  { certno: id('32050619800722351'), cardNo: 'B32050002', name: '李建军', gend: '1', brdy: '1980-07-22', insuplcAdmdvs: '320506', insutype: '310', psnType: '11',
    registration: { group: 'referral', basis: 'proof', destination: '340100', effectiveFrom: '2026-09-15', proofSuppliedOn: null, status: 'active' } },
  { certno: id('34120219921105282'), cardNo: 'C34120003', name: '赵敏', gend: '2', brdy: '1992-11-05', insuplcAdmdvs: '341202', insutype: '390', psnType: '15',
    registration: { group: 'otherTemporary', basis: 'proof', destination: '340100', effectiveFrom: '2025-06-01', proofSuppliedOn: null, status: 'active' } },
  { certno: id('11010519491231002'), cardNo: 'D11010004', name: '周德福', gend: '2', brdy: '1949-12-31', insuplcAdmdvs: '110105', insutype: '310', psnType: '12',
    registration: null },
  // In-province resident (蚌埠市怀远县, 城乡居民) referred to Hefei: registration valid today.
  { certno: id('34032119680418262'), cardNo: 'E34030005', name: '孙丽华', gend: '2', brdy: '1968-04-18', insuplcAdmdvs: '340321', insutype: '390', psnType: '15',
    registration: { group: 'referral', basis: 'proof', destination: '340100', effectiveFrom: demoRelativeStart(), proofSuppliedOn: null, status: 'active' } },
] as const;

/** One demo policy of the standard model (DOMAIN §6a): the two schemes differ only in these terms. */
const demoPolicy = (scheme: '310' | '390', region: string, version: string) => ({
  version, scheme,
  ...(scheme === '310'
    ? { deductible: { '1': '300.00', '2': '600.00', '3': '900.00' }, bands: { '1': [{ upTo: null, ratio: '0.90' }], '2': [{ upTo: null, ratio: '0.85' }], '3': [{ upTo: '10000.00', ratio: '0.80' }, { upTo: null, ratio: '0.85' }] } }
    : { deductible: { '1': '200.00', '2': '500.00', '3': '1000.00' }, bands: { '1': [{ upTo: null, ratio: '0.85' }], '2': [{ upTo: null, ratio: '0.75' }], '3': [{ upTo: null, ratio: '0.65' }] } }),
  repeatDeductibleFactor: '0.5',
  reduction: { longTerm: '0', referral: '0.10', emergency: '0.10', otherTemporary: '0.20', unregistered: '0.30' },
  ...(scheme === '310'
    ? { annualCap: '300000.00', poolFundType: POOL_FUND[scheme], supplementary: { fundType: SUPPLEMENTARY_FUND[scheme], ratio: '0.85', annualCap: '400000.00' }, civilServantRatio: '0.50', tempValidityMonths: 12 }
    : { annualCap: '200000.00', poolFundType: POOL_FUND[scheme], supplementary: { fundType: SUPPLEMENTARY_FUND[scheme], ratio: '0.60', annualCap: '400000.00' }, civilServantRatio: '0', tempValidityMonths: 6 }),
  pledgeValidityMonths: 3, region,
  // Outpatient terms (issue 16; shared/outpatient.ts): annual deductible, ratio, annual cap; 门诊慢特病 its own. UNVERIFIED figures.
  outpatient: scheme === '310'
    ? { deductible: '200.00', ratio: '0.60', annualCap: '3000.00', chronic: { ratio: '0.70', annualCap: '10000.00' } }
    : { deductible: '100.00', ratio: '0.50', annualCap: '1500.00', chronic: { ratio: '0.60', annualCap: '8000.00' } },
  // 协查 thresholds (004 第六十六条): a stay reaching them is flagged at settlement.
  assistanceThresholds: { cross: '30000.00', in: '20000.00' },
});
const employeePolicy = (region: string, version: string) => demoPolicy('310', region, version);
const residentPolicy = (region: string, version: string) => demoPolicy('390', region, version);

export const DEMO_POLICIES = [
  { insuplcAdmdvs: '420100', insutype: '310', year: 2026, body: employeePolicy('420100', '420100-310-2026-1') },
  { insuplcAdmdvs: '320500', insutype: '310', year: 2026, body: employeePolicy('320500', '320500-310-2026-1') },
  { insuplcAdmdvs: '110000', insutype: '310', year: 2026, body: employeePolicy('110000', '110000-310-2026-1') },
  { insuplcAdmdvs: '341200', insutype: '390', year: 2026, body: residentPolicy('341200', '341200-390-2026-1') },
  { insuplcAdmdvs: '340300', insutype: '390', year: 2026, body: residentPolicy('340300', '340300-390-2026-1') },
];

export const DEMO_CATALOGUE_VERSION = '340100-2026-11';

export const DEMO_CATALOGUE = [
  { medListCodg: 'XJ01DCC028A001010101445', medinsListCodg: 'YP0001', name: '头孢呋辛钠注射液', medChrgitmType: '09', chrgitmLv: '02', selfpayProp: '0.10', pricUplmtAmt: null },
  { medListCodg: 'XA02BCA211A001010104321', medinsListCodg: 'YP0002', name: '奥美拉唑肠溶胶囊', medChrgitmType: '09', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: null },
  { medListCodg: 'ZA09BAA0027010105102', medinsListCodg: 'YP0003', name: '复方丹参滴丸', medChrgitmType: '11', chrgitmLv: '02', selfpayProp: '0.05', pricUplmtAmt: null },
  { medListCodg: '001102000010000', medinsListCodg: 'FW0001', name: '三级医院床位费（普通病房）', medChrgitmType: '01', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: '45.00' },
  { medListCodg: '001101000010000', medinsListCodg: 'FW0002', name: '住院诊查费', medChrgitmType: '02', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: '20.00' },
  { medListCodg: '002100000010000', medinsListCodg: 'FW0003', name: 'X线摄影（DR）', medChrgitmType: '03', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: null },
  { medListCodg: '002201000010000', medinsListCodg: 'FW0004', name: '血常规（五分类）', medChrgitmType: '04', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: null },
  { medListCodg: '003310000010000', medinsListCodg: 'FW0005', name: '股骨颈骨折闭合复位内固定术', medChrgitmType: '06', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: null },
  { medListCodg: 'C03030100100000000', medinsListCodg: 'HC0001', name: '空心加压螺钉（钛合金）', medChrgitmType: '08', chrgitmLv: '02', selfpayProp: '0.20', pricUplmtAmt: '2800.00' },
  { medListCodg: '001201000010000', medinsListCodg: 'FW0006', name: '一级护理', medChrgitmType: '07', chrgitmLv: '01', selfpayProp: '0', pricUplmtAmt: null },
  { medListCodg: 'ZZ0000000000001', medinsListCodg: 'ZF0001', name: '单人病房差价', medChrgitmType: '14', chrgitmLv: '03', selfpayProp: '1', pricUplmtAmt: null },
];
