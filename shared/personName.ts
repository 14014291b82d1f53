/**
 * Names as the agency sends them (issue 17 point 3). A person's record at the insured region may
 * hold a rare character (生僻字) that its system could not encode: some systems store it as a
 * private-use code point of their own font (自造字, U+E000–U+F8FF or the supplementary private-use
 * planes), others as a question mark, or the text was already garbled (U+FFFD) before it reached
 * the national platform. The desk shows and sends the name exactly as received — the agency
 * matches a person by ID number and 人员编号, not by name, so such a name never blocks the
 * patient — and the identity screen says what is odd about it, so the clerk checks it against the
 * ID card and tells the patient where it can be corrected.
 */

export interface NameOddity {
  /** 1-based position in characters (code points), as the clerk counts them. */
  position: number;
  codePoint: number;
  kind: 'private-use' | 'question-mark' | 'replacement';
}

function kindOf(cp: number): NameOddity['kind'] | null {
  if ((cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xf0000 && cp <= 0x10fffd)) return 'private-use';
  if (cp === 0x3f || cp === 0xff1f) return 'question-mark';
  if (cp === 0xfffd) return 'replacement';
  return null;
}

/** Every character of the name that stands where a rare character probably should. */
export function nameOddities(name: string): NameOddity[] {
  const found: NameOddity[] = [];
  let position = 0;
  for (const ch of name) {
    position++;
    const cp = ch.codePointAt(0)!;
    const kind = kindOf(cp);
    if (kind) found.push({ position, codePoint: cp, kind });
  }
  return found;
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
const WHAT: Record<NameOddity['kind'], (o: NameOddity) => string> = {
  'private-use': (o) => `第 ${o.position} 个字是私用区编码 ${hex(o.codePoint)}（参保地系统的自造字）`,
  'question-mark': (o) => `第 ${o.position} 个字是问号“${String.fromCodePoint(o.codePoint)}”`,
  replacement: (o) => `第 ${o.position} 个字是乱码替换符 ${hex(o.codePoint)}`,
};

/** The Chinese note the identity screen shows under such a name, or null for an ordinary name. */
export function nameNote(name: string): string | null {
  const odd = nameOddities(name);
  if (odd.length === 0) return null;
  return (
    `经办机构返回的姓名中${odd.map((o) => WHAT[o.kind](o)).join('，')}，` +
    '可能是参保地系统无法表示的生僻字。姓名按经办机构返回的原样显示和上传，不影响核验、入院和结算；' +
    '请核对患者身份证上的姓名，并告知患者可向参保地经办机构申请更正。'
  );
}
