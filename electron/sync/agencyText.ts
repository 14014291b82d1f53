/**
 * What the agency said, fit for the sync screen (issue 21 point 8): an HTML error page, binary or
 * a huge text is never shown as it came. The raw text is stored beside the summary for audit
 * (outbox.refusal_raw); the clerk sees a short Chinese summary.
 */

/** Longest agency text shown as it is; longer text is cut with a note. */
export const AGENCY_TEXT_SHOWN = 200;

const HTML = /<\s*(!doctype|html|head|body|title|h1|div|p|pre|center)\b/i;

function stripTags(s: string): string {
  return s.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function squeeze(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Share of characters that are no text at all: control characters (other than tab/newline) and U+FFFD. */
function noise(s: string): number {
  if (s.length === 0) return 0;
  let bad = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd || (c >= 0x80 && c < 0xa0)) bad++;
  }
  return bad / s.length;
}

function summarizeBody(body: string): string {
  const size = Buffer.byteLength(body, 'utf8');
  if (body.includes('\u0000') || noise(body) > 0.05) return `医保平台返回了无法识别的内容（乱码或二进制数据，${size} 字节），原文已存档`;
  if (HTML.test(body)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1] ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(body)?.[1] ?? '';
    const t = squeeze(stripTags(title)).slice(0, 60);
    return `医保平台返回了网页而不是应答${t ? `（网页标题：${t}）` : ''}，原文已存档`;
  }
  const text = squeeze([...body].map((ch) => { const c = ch.codePointAt(0)!; return c < 0x20 || c === 0x7f ? ' ' : ch; }).join(''));
  if (text.length <= AGENCY_TEXT_SHOWN) return text;
  return `${text.slice(0, AGENCY_TEXT_SHOWN - 40)}…（共 ${text.length} 字，全文已存档）`;
}

/**
 * The short Chinese form of an agency message. A desk prefix such as "医保平台拒绝请求（HTTP 400）："
 * is kept and only what follows it is summarized. Plain, short Chinese refusals come out unchanged.
 */
export function agencyTextSummary(raw: string): string {
  const cut = raw.indexOf('：');
  if (cut > 0 && cut < 40 && /[\u4e00-\u9fff]/.test(raw.slice(0, cut)) && !HTML.test(raw.slice(0, cut))) {
    return `${raw.slice(0, cut)}：${summarizeBody(raw.slice(cut + 1))}`;
  }
  return summarizeBody(raw);
}

/** Whether the summary differs from the raw text (then the raw text is worth keeping for audit). */
export function needsRawKept(raw: string): boolean {
  return agencyTextSummary(raw) !== raw;
}
