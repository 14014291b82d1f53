import { checkCitizenId, ID_REASON_TEXT, maskId, maskMiddle } from './citizenId.ts';
import { todayCST, type CalendarDate } from './dates.ts';
import { InputError } from './errors.ts';
import { poolingRegionOf, sameProvince } from './regions.ts';

/**
 * What a scanner or the clerk typed into the identity screen, recognised and validated before
 * anything else (DOMAIN §2; 004 第八条; 002 六(二)). Pure, so the screen can show the recognised
 * credential while the clerk types and the service validates with the very same rules.
 *
 * Accepted forms (after trimming and folding full-width characters, NFKC):
 *  - 居民身份证 (02): the 18-character GB 11643 number, e.g. `34120219921105282X`.
 *  - 社会保障卡 (03): card number and the holder's ID number in one line, separated by `|`
 *    (also `,` `;` `^`, a tab or spaces, as card readers emit them), either order:
 *    `A12345678|34120219921105282X`. The card number (社会保障卡卡号) is 9 letters or digits.
 *    A card reader may add the card's identification code (卡识别码, 1101 card_sn, required by
 *    some platforms for 跨省) as a third field: `A12345678|34120219921105282X|<up to 32 letters/digits>`.
 *  - 医保电子凭证 (01): the token the QR code carries — 10 to 512 characters of
 *    `A–Z a–z 0–9 - _ . = + /` with at least one letter and not starting with six digits (so a
 *    mistyped ID number is never taken for a token). The agency resolves it (1101 with
 *    mdtrt_cert_type 01); the reference agency resolves a person's psn_no, e.g. `DEMO000003`.
 */

export type CredentialType = '01' | '02' | '03';

export const CREDENTIAL_LABEL: Readonly<Record<CredentialType, string>> = {
  '01': '医保电子凭证',
  '02': '居民身份证',
  '03': '社会保障卡',
};

export interface HolderId {
  /** The holder's 18-character citizen ID number, normalised. */
  certno: string;
  birthDate: CalendarDate;
  sex: 'M' | 'F';
}

export type Credential =
  | { type: '01'; token: string }
  | ({ type: '02' } & HolderId)
  | ({ type: '03'; cardNo: string; /** 卡识别码 (1101 card_sn), when the reader gave it. */ cardSn?: string } & HolderId);

export const MAX_SCAN_LENGTH = 512;
const SEPARATORS = /[|,;^\t ]+/;
const TOKEN_RE = /^[A-Za-z0-9\-_.=+/]{10,512}$/;
const CARD_RE = /^[A-Z0-9]{9}$/;
const CARD_SN_RE = /^[A-Za-z0-9]{1,32}$/;

/** Fold what scanners and pasted text bring (full-width forms, stray spaces, a trailing newline). */
export function normaliseScan(raw: string): string {
  return raw.normalize('NFKC').replace(/[\r\n]+$/g, '').trim();
}

function idField(raw: string, field: string, label: string, today: CalendarDate): HolderId {
  const r = checkCitizenId(raw, today);
  if (!r.valid) {
    const hint = r.reason === 'LENGTH' ? `（读到 ${[...raw].length} 位）` : '';
    throw new InputError(`ID_${r.reason}`, `${label}有误：${ID_REASON_TEXT[r.reason]}${hint}`, field);
  }
  return { certno: r.number, birthDate: r.birthDate, sex: r.sex };
}

function looksLikeId(s: string): boolean {
  // Starts with a region code, or is made of ID characters only: an attempt at an ID number.
  return (/^\d{6}/.test(s) || /^[\dXx]+$/.test(s)) && s.length <= 24;
}

function looksLikeCard(s: string): boolean {
  return CARD_RE.test(s.toUpperCase()) && !/^\d+$/.test(s);
}

/**
 * Recognises and validates one scan. Throws InputError with a Chinese message naming the
 * field (`credential`, `cardNo`, `certno`) when nothing valid was read; nothing is stored then.
 */
export function parseCredential(raw: string, today: CalendarDate = todayCST()): Credential {
  const s = normaliseScan(raw);
  if (s === '') {
    throw new InputError('EMPTY', '就诊凭证为空：请扫描医保电子凭证二维码、读取社会保障卡，或输入 18 位居民身份证号码后按回车', 'credential');
  }
  if (s.length > MAX_SCAN_LENGTH) {
    throw new InputError('TOO_LONG', `就诊凭证无法识别：读到 ${s.length} 个字符，超过任何凭证的长度（最多 ${MAX_SCAN_LENGTH} 个）。请清空输入框后重新扫描`, 'credential');
  }
  const parts = s.split(SEPARATORS).filter((p) => p !== '');
  if (parts.length === 2 || parts.length === 3) {
    // 社会保障卡: card number and holder's ID number, in either order; then the optional 卡识别码.
    let [cardNo, idNo] = parts as [string, string];
    const cardSn = parts[2];
    if (cardSn !== undefined && !CARD_SN_RE.test(cardSn)) {
      throw new InputError('CARD_SN_FORMAT', `社会保障卡卡识别码有误：应为不超过 32 位的字母或数字，读到 ${cardSn.length} 位`, 'cardSn');
    }
    if (looksLikeId(cardNo) && !looksLikeId(idNo)) [cardNo, idNo] = [idNo, cardNo];
    cardNo = cardNo.toUpperCase();
    if (!CARD_RE.test(cardNo)) {
      throw new InputError('CARD_FORMAT', `社会保障卡卡号有误：应为 9 位字母或数字，读到“${cardNo.slice(0, 20)}”（${cardNo.length} 位）`, 'cardNo');
    }
    return { type: '03', cardNo, ...(cardSn !== undefined ? { cardSn } : {}), ...idField(idNo, 'certno', '社会保障卡持卡人身份证号码', today) };
  }
  if (parts.length > 3) {
    throw new InputError('UNRECOGNISED', '就诊凭证无法识别：社会保障卡应为“卡号|身份证号码”（读卡器可另附卡识别码），身份证号码或电子凭证中不应有空格或分隔符', 'credential');
  }
  if (looksLikeId(s)) return { type: '02', ...idField(s, 'certno', '居民身份证号码', today) };
  if (looksLikeCard(s)) {
    throw new InputError('CARD_WITHOUT_ID', '读到的是社会保障卡卡号：请同时输入持卡人身份证号码，格式为“卡号|身份证号码”', 'certno');
  }
  if (TOKEN_RE.test(s) && /[A-Za-z]/.test(s)) return { type: '01', token: s };
  throw new InputError('UNRECOGNISED', '就诊凭证无法识别：不是医保电子凭证、社会保障卡或 18 位居民身份证号码。请重新扫描，或手工输入身份证号码', 'credential');
}

/** What the screen shows while the clerk types: the credential it would be, without throwing. */
export function recogniseCredential(raw: string, today: CalendarDate = todayCST()): { ok: true; credential: Credential } | { ok: false; code: string; message: string; field: string } {
  try {
    return { ok: true, credential: parseCredential(raw, today) };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, code: e.code, message: e.message, field: e.path };
    throw e;
  }
}

/** The number sent as 1101 mdtrt_cert_no. */
export function credentialNumber(c: Credential): string {
  return c.type === '01' ? c.token : c.type === '02' ? c.certno : c.cardNo;
}

/** For screens and logs: never a full ID number (ARCHITECTURE: personal data). */
export function describeCredential(c: Credential): string {
  if (c.type === '01') return `${CREDENTIAL_LABEL['01']}（${c.token.slice(0, 4)}…${c.token.slice(-4)}）`;
  if (c.type === '02') return `${CREDENTIAL_LABEL['02']} ${maskId(c.certno)}`;
  return `${CREDENTIAL_LABEL['03']} ${maskMiddle(c.cardNo, 2, 2, 5)}，持卡人 ${maskId(c.certno)}`;
}

// ---------------------------------------------------------------------------------------------
// Which credential the policy accepts (DOMAIN §2)

/** Resident schemes, current and legacy (DOMAIN §1): 390 城乡居民, 391 城镇居民, 380 新农合. */
const RESIDENT_SCHEMES: ReadonlySet<string> = new Set(['390', '391', '380']);

export interface CredentialPolicy {
  /** 004 第八条: the ID card alone only for in-province resident-scheme patients. Default true. */
  idCardOnlyInProvince: boolean;
}

export const DEFAULT_CREDENTIAL_POLICY: CredentialPolicy = { idCardOnlyInProvince: true };

/**
 * Whether the presented credential may be used for this person at this hospital; null when
 * yes, else the Chinese sentence telling the clerk which credential to ask for. `insutype`
 * null means not yet known (offline, person only in the roster): accepted provisionally when
 * the region alone allows it.
 */
export function credentialRefusal(
  type: CredentialType,
  person: { insuredRegion: string; insutype: string | null },
  hospitalAdmdvs: string,
  policy: CredentialPolicy = DEFAULT_CREDENTIAL_POLICY,
): string | null {
  if (type !== '02' || !policy.idCardOnlyInProvince) return null;
  // 004 第二条(三): a patient of this pooling region is not a cross-region case at all.
  if (poolingRegionOf(person.insuredRegion) === poolingRegionOf(hospitalAdmdvs)) return null;
  const inProvince = sameProvince(person.insuredRegion, hospitalAdmdvs);
  if (inProvince && (person.insutype === null || RESIDENT_SCHEMES.has(person.insutype))) return null;
  const who = inProvince ? '该患者参加的是职工医保' : '该患者为跨省异地就医';
  return `仅凭居民身份证只能为省内异地就医的居民医保参保人办理（004 第八条）。${who}，请患者出示医保电子凭证（国家医保服务平台 APP、微信或支付宝中的“医保电子凭证”二维码）或社会保障卡后重新核验。`;
}
