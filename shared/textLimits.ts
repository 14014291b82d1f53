/**
 * Text fields against the national interface's limits (issue 21 point 5, issue 17 point 3).
 *
 * Length is counted in Unicode characters (code points), as the national platform counts a
 * `字符型 50` field: 𠀾 (U+2003E, CJK Extension B, two UTF-16 units, four UTF-8 / GB18030 bytes)
 * is one character, like 张. Counting UTF-16 units (JavaScript's `length`) would refuse a
 * 50-character name with rare characters that the platform accepts; counting bytes would refuse
 * most Chinese names long before the limit. docs/fee-import.md says the same to the HIS side.
 */
export function platformLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * Characters free text may not carry: C0/C1 control characters (line breaks, tabs, NUL, ESC…),
 * the invisible format characters that reorder or hide text (zero-width, bidi overrides, BOM),
 * U+FFFD (text that was already garbled before it reached the file) and unpaired surrogates.
 * They are refused, not removed: the clerk sees the row, column and which character it was, and
 * the HIS export is corrected at its source (nothing is silently changed in a fee line).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const NAMES: Record<number, string> = {
  0x00: '空字符 NUL', 0x09: '制表符', 0x0a: '换行符', 0x0d: '回车符', 0x1b: 'ESC', 0x7f: 'DEL', 0x200b: '零宽空格', 0x200e: '从左到右标记', 0x200f: '从右到左标记',
  0x2028: '行分隔符', 0x2029: '段分隔符', 0x202e: '从右到左覆盖', 0xfeff: 'BOM/零宽不换行空格', 0xfffd: '替换字符（乱码）',
};

/** The first forbidden character of a text: its position (1-based, in characters) and a Chinese description. */
export function forbiddenCharacter(s: string): { position: number; description: string } | null {
  const m = FORBIDDEN.exec(s);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = code >= 0xd800 && code <= 0xdfff ? '不成对的代理项' : NAMES[code] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '控制字符' : '不可见的格式字符');
  return { position: platformLength(s.slice(0, m.index)) + 1, description: `${what} ${hex}` };
}

/** The Chinese refusal of a text cell, or null when it is within its limit and clean. */
export function textProblem(value: string, maxLength: number | undefined, source: string | undefined): string | null {
  if (maxLength !== undefined) {
    const n = platformLength(value);
    if (n > maxLength) {
      return `长度 ${n.toLocaleString('en-US')} 个字符，超过上限 ${maxLength} 个字符${source ? `（${source}）` : ''}；按字符计，一个汉字或生僻字算 1 个`;
    }
  }
  const bad = forbiddenCharacter(value);
  if (bad) return `第 ${bad.position} 个字符是${bad.description}：文本中不能有控制字符或不可见字符（换行、制表符等），未导入；请在医院系统中删除后重新导出`;
  return null;
}

/**
 * Text of an API request (issue 21 point 5): the same characters as a file cell are refused,
 * except the line break and tab that a multi-line note (pledge account, resolution note) may
 * carry. Nothing is removed silently: the field and the character are named.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_IN_REQUEST = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string anywhere in a request that carries a forbidden character: its dotted path and the Chinese reason. */
export function requestTextProblem(value: unknown, path: string[] = []): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const m = FORBIDDEN_IN_REQUEST.exec(value);
    if (!m) return null;
    const bad = forbiddenCharacter(value.slice(m.index)) ?? { position: 1, description: '控制字符' };
    const position = platformLength(value.slice(0, m.index)) + 1;
    return { path: path.join('.'), message: `第 ${position} 个字符是${bad.description}：不能含控制字符或不可见字符，未处理；请删除后重新输入` };
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = requestTextProblem(v, [...path, k]);
      if (p) return p;
    }
  }
  return null;
}
