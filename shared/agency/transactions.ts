/**
 * Which national transactions change state at the agency, and how the desk resolves one whose
 * outcome it does not know (docs/agency.md). The platform does not deduplicate a repeated msgid
 * (national-interface.md §0), so "send it again" is only safe for what changes nothing; whatever
 * changes state is first reversed with 2601 冲正 (omsgid, oinfno) and then sent under a new msgid.
 */

export type UnknownOutcomeRule = 'reverse-then-resend' | 'resend';

export interface TransactionRule {
  infno: string;
  label: string;
  unknownOutcome: UnknownOutcomeRule;
  /** The input carries no psn_no (an institution-level transaction): 2601 goes with psn_no ''. */
  institutionLevel?: boolean;
}

export const STATE_CHANGING: readonly TransactionRule[] = [
  { infno: '2401', label: '入院办理', unknownOutcome: 'reverse-then-resend' },
  { infno: '2402', label: '出院办理', unknownOutcome: 'reverse-then-resend' },
  { infno: '2403', label: '入院信息变更', unknownOutcome: 'reverse-then-resend' },
  { infno: '2404', label: '入院撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2405', label: '出院撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2301', label: '住院费用明细上传', unknownOutcome: 'reverse-then-resend' },
  { infno: '2302', label: '住院费用明细撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2304', label: '住院结算', unknownOutcome: 'reverse-then-resend' },
  { infno: '2305', label: '住院结算撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2201', label: '门诊挂号', unknownOutcome: 'reverse-then-resend' },
  { infno: '2202', label: '门诊挂号撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2203', label: '门诊就诊信息上传', unknownOutcome: 'reverse-then-resend' },
  { infno: '2204', label: '门诊费用明细上传', unknownOutcome: 'reverse-then-resend' },
  { infno: '2205', label: '门诊费用明细撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '2207', label: '门诊结算', unknownOutcome: 'reverse-then-resend' },
  { infno: '2208', label: '门诊结算撤销', unknownOutcome: 'reverse-then-resend' },
  { infno: '3203', label: '清算申请', unknownOutcome: 'reverse-then-resend', institutionLevel: true },
  { infno: '3204', label: '清算申请撤销', unknownOutcome: 'reverse-then-resend', institutionLevel: true },
];

const BY_INFNO = new Map(STATE_CHANGING.map((r) => [r.infno, r]));

export function isStateChanging(infno: string): boolean {
  return BY_INFNO.has(infno);
}

export function transactionRule(infno: string): TransactionRule | undefined {
  return BY_INFNO.get(infno);
}

/**
 * Desk extensions: transactions no real platform has (the reference agency's appeal flow). They
 * go to the extension URL, never to the gateway.
 */
export const EXTENSION_INFNOS: readonly string[] = ['3290', '3291'];

export function isExtensionTransaction(infno: string): boolean {
  return EXTENSION_INFNOS.includes(infno);
}

export const REVERSAL_INFNO = '2601';
export const SIGN_IN_INFNO = '9001';
export const SIGN_OUT_INFNO = '9002';

/** An answer saying the operator's sign-in is missing or expired: sign in again, retry once. */
export function isSignInRefusal(errMsg: string | null | undefined): boolean {
  return typeof errMsg === 'string' && /签到/.test(errMsg);
}

/** The agency already holds a message with this msgid: what became of the first is unknown. */
export function isDuplicateMsgid(errMsg: string | null | undefined): boolean {
  return typeof errMsg === 'string' && /报文\s*ID\s*重复|msgid\s*重复|重复的?报文/i.test(errMsg);
}

/**
 * A 2601 refusal that still means the original is not in effect: it never arrived, failed, or
 * was reversed already. Any other refusal needs a person.
 */
export function isReversalNotInEffect(errMsg: string | null | undefined): boolean {
  return typeof errMsg === 'string' && /原交易(信息)?(不存在|未找到|已冲正|已被冲正|未成功|失败)|未找到原交易|无原交易|不存在原交易|已冲正/.test(errMsg);
}

/**
 * Of those, the refusals that say the agency has not (yet) seen the original at all — 原交易不存在
 * and the like. Unlike 已冲正 / 未成功 (the original reached the books, and is not in effect there)
 * this is not final: a gateway may still hold the original and book it later, so the outbox worker
 * trusts it only once the in-flight grace has passed (docs/agency.md "A late original").
 */
export function isReversalOriginalMissing(errMsg: string | null | undefined): boolean {
  return typeof errMsg === 'string' && /原交易(信息)?(不存在|未找到)|未找到原交易|无原交易|不存在原交易/.test(errMsg);
}

/** The psn_no a 2601 names: wherever the original input carries it. */
export function psnNoOf(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  for (const node of Object.values(input as Record<string, unknown>)) {
    const rows = Array.isArray(node) ? node : [node];
    for (const row of rows) {
      if (typeof row === 'object' && row !== null) {
        const p = (row as Record<string, unknown>).psn_no;
        if (typeof p === 'string' && p !== '') return p;
      }
    }
  }
  return '';
}
