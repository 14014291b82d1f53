import { z } from 'zod';

/**
 * 发票号 of a stay or a visit (issue 15). An insured region's 协查 request may name the hospital's
 * invoice number (004 第六十六条), so the desk keeps it — it comes from the HIS (the fee file's
 * `invono` column, docs/fee-import.md) or the clerk types it in. The field name is the national one
 * (national-interface.md, 2304 input `invono`); its length is UNVERIFIED: 字符型 20 as in the common
 * regional editions of the interface. Letters, digits and "-" only, since 票据代码 + 票据号码 and
 * the HIS's own numbers are written that way; a space or a Chinese character is a typing slip.
 */
export const INVONO_MAX = 20;
const INVONO_RE = /^[0-9A-Za-z-]+$/;

/** What is wrong with a 发票号 as the clerk or the HIS wrote it (Chinese, with the value), or null. */
export function invoiceNumberProblem(text: string): string | null {
  if (text.length === 0) return '发票号不能为空';
  if ([...text].length > INVONO_MAX) return `发票号最长 ${INVONO_MAX} 个字符（2304 invono）：${text}`;
  if (!INVONO_RE.test(text)) return `发票号只能包含字母、数字和“-”：${text}`;
  return null;
}

/** The API's 发票号 field: trimmed, then checked as above (a custom issue with its code, worded here). */
export const invoiceNumberField = z.string().max(100).transform((v, ctx) => {
  const t = v.trim();
  const problem = invoiceNumberProblem(t);
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem, params: { code: 'INVALID_INVONO' } });
    return z.NEVER;
  }
  return t;
});
