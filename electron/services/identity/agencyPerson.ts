import type { PersonFacts } from '../../../db/repos/personCache.ts';
import type { RosterItem } from '../../../db/repos/registrations.ts';
import { checkCitizenId } from '../../../shared/citizenId.ts';
import type { Credential } from '../../../shared/credentials.ts';
import { InputError } from '../../../shared/errors.ts';
import { SCHEMES } from '../../../shared/codes.ts';
import type { PersonInfo } from '../../../shared/agency/envelope.ts';
import { parseRosterItem } from '../../sync/rosterDownload.ts';
import { ServiceError } from '../errors.ts';

/**
 * From a credential to the national 1101 input, and from the 1101 answer to what the desk keeps
 * (person facts and the registration), checking that the answer is about the person whose
 * credential was read (DOMAIN §2: "reject mismatches against what the agency returns").
 */

/** The credential as it goes to the agency: 1101 `data` (national-interface.md §2). */
export interface Query1101 {
  mdtrt_cert_type: string;
  mdtrt_cert_no: string;
  card_sn: string;
  begntime: string;
  psn_cert_type: string;
  certno: string;
  psn_name: string;
}

export function query1101(c: Credential): Query1101 {
  if (c.type === '01') return { mdtrt_cert_type: '01', mdtrt_cert_no: c.token, card_sn: '', begntime: '', psn_cert_type: '', certno: '', psn_name: '' };
  if (c.type === '02') return { mdtrt_cert_type: '02', mdtrt_cert_no: c.certno, card_sn: '', begntime: '', psn_cert_type: '01', certno: c.certno, psn_name: '' };
  return { mdtrt_cert_type: '03', mdtrt_cert_no: c.cardNo, card_sn: c.cardSn ?? '', begntime: '', psn_cert_type: '01', certno: c.certno, psn_name: '' };
}

const agencyData = (what: string) => new ServiceError('AGENCY_DATA', `经办机构返回的人员信息不完整或有误：${what}。请稍后重新核验；如反复出现请联系信息科`, 'credential');

/** Scheme priority when a person has several insuinfo rows: a normal 310/390 first. */
function pickInsurance(info: PersonInfo): PersonInfo['insuinfo'][number] {
  const rows = info.insuinfo;
  const main = (r: (typeof rows)[number]) => r.insutype !== null && (SCHEMES as readonly string[]).includes(r.insutype);
  const chosen = rows.find((r) => r.psnInsuStas === '1' && main(r)) ?? rows.find((r) => r.psnInsuStas === '1') ?? rows.find(main) ?? rows[0];
  if (!chosen) throw agencyData('没有参保信息（insuinfo）');
  return chosen;
}

export interface AgencyAnswer {
  facts: PersonFacts;
  registration: RosterItem | null;
  /** false: a real 1101 without the registration extension — "none" is not known (docs/agency.md). */
  registrationKnown: boolean;
}

/** Reads the 1101 answer into what the desk stores; throws ServiceError on a mismatch or bad data. */
export function fromPersonInfo(info: PersonInfo, credential: Credential, today: string): AgencyAnswer {
  const certno = info.certno?.toUpperCase() ?? null;
  if (certno === null) throw agencyData('缺少证件号码（certno）');
  if (credential.type !== '01' && certno !== credential.certno) {
    throw new ServiceError(
      'IDENTITY_MISMATCH',
      credential.type === '03'
        ? '社会保障卡卡号与持卡人身份证号码不属于同一人（经办机构登记的持卡人不同）。请核对患者本人的社会保障卡和身份证后重新核验'
        : '经办机构返回的人员证件号码与所录身份证号码不一致。请核对患者证件后重新核验',
      credential.type === '03' ? 'cardNo' : 'certno',
    );
  }
  const insurance = pickInsurance(info);
  const region = insurance.insuplcAdmdvs;
  if (region === null || !/^\d{6}$/.test(region)) throw agencyData('参保地区划（insuplc_admdvs）无效');
  const name = info.psnName;
  if (name === null) throw agencyData('缺少姓名（psn_name）');

  // The ID number carries birth date and sex (GB 11643): they must agree with the agency's record.
  const id = checkCitizenId(certno, today);
  let gend = info.gend;
  let brdy = info.brdy;
  if (id.valid) {
    const sexCode = id.sex === 'M' ? '1' : '2';
    if (brdy !== null && brdy !== id.birthDate) {
      throw new ServiceError('IDENTITY_MISMATCH', `身份证号码中的出生日期 ${id.birthDate} 与经办机构登记的 ${brdy} 不一致，不能确认身份。请核对患者证件，并请患者联系参保地经办机构更正信息`, 'certno');
    }
    if (gend === '1' || gend === '2') {
      if (gend !== sexCode) throw new ServiceError('IDENTITY_MISMATCH', `身份证号码显示性别为${id.sex === 'M' ? '男' : '女'}，与经办机构登记的性别不一致，不能确认身份。请核对患者证件，并请患者联系参保地经办机构更正信息`, 'certno');
    } else {
      gend = sexCode;
    }
    brdy = brdy ?? id.birthDate;
  }
  if (brdy === null) throw agencyData('缺少出生日期（brdy）');

  const facts: PersonFacts = {
    psnNo: info.psnNo,
    certno,
    psnName: name,
    gend: gend ?? '0',
    brdy,
    insuplcAdmdvs: region,
    insutype: insurance.insutype ?? '',
    psnType: insurance.psnType,
    psnInsuStas: insurance.psnInsuStas ?? '1',
    cvlservFlag: insurance.cvlservFlag === '1',
    cardNo: credential.type === '03' ? credential.cardNo : null,
  };

  let registration: RosterItem | null = null;
  const reg = info.registration;
  if (reg) {
    try {
      registration = parseRosterItem({
        agencyId: reg.agencyId ?? `1101-${certno}-${reg.effectiveFrom ?? ''}`,
        certno,
        psnNo: info.psnNo,
        psnName: name,
        insuplcAdmdvs: region,
        group: reg.group,
        basis: reg.basis,
        destination: reg.destination,
        effectiveFrom: reg.effectiveFrom,
        proofSuppliedOn: reg.proofSuppliedOn,
        status: reg.status,
      });
    } catch (e) {
      if (e instanceof InputError) throw agencyData(`备案信息 ${e.message}`);
      throw e;
    }
  }
  return { facts, registration, registrationKnown: info.registrationKnown };
}
