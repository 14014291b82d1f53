import type { z } from 'zod';
import { InputError } from './errors.ts';

/**
 * The one zod → Chinese InputError translator (issue 12 point 4), for the API contract
 * (shared/api, via describeZodError) and the CLI's PDF commands (electron/pdf). It names the
 * field by its Chinese label and its key, and tells apart what the clerk must do:
 * - a missing value: "缺少…" (or the schema's own "请填写…" message);
 * - a value of the wrong type: "应为数字 / 文本 …" — never "请填写…", which would be untrue;
 * - an unknown field (strict objects): "不认识的字段：dischargeOn", so a typo is not silently
 *   replaced by a default;
 * - everything else: zod's English default in Chinese, or the schema's own Chinese message.
 */

type Issue = z.core.$ZodIssue;

export interface ZodErrorOptions {
  /** Chinese names: by dotted path (`admission.admittedOn`), by generic path (`fees.*.price`) or by the last key (`admittedAt`). */
  labels?: Readonly<Record<string, string>>;
  /** What a well-formed value looks like, by the same keys (for fields checked by pattern). */
  hints?: Readonly<Record<string, string>>;
  /**
   * `api`: "标签（key）：说明", code INVALID_INPUT except where the schema set its own code (the
   * contract's error shape). `cli`: "标签说明" with a code per kind (MISSING_FIELD, INVALID_TYPE…), CLI.md.
   */
  style?: 'api' | 'cli';
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: '文本', number: '数字', int: '整数', boolean: '是或否（true/false）', object: '对象', array: '列表', null: '空值（null）',
  date: '日期', bigint: '整数',
};

const HAN = /[\u4e00-\u9fff]/;

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function lookup(table: Readonly<Record<string, string>>, issuePath: readonly PropertyKey[]): string | undefined {
  const path = issuePath.map(String).join('.');
  const generic = issuePath.map((k) => (typeof k === 'number' ? '*' : String(k))).join('.');
  const last = [...issuePath].reverse().find((k): k is string => typeof k === 'string');
  return (Object.hasOwn(table, path) ? table[path] : undefined)
    ?? (Object.hasOwn(table, generic) ? table[generic] : undefined)
    ?? (last !== undefined && Object.hasOwn(table, last) ? table[last] : undefined);
}

interface Parts {
  code: string;
  /** The sentence after the field's name. */
  text: string;
}

function partsOf(issue: Issue, value: unknown, hint: string | undefined, style: 'api' | 'cli'): Parts {
  const own = HAN.test(issue.message) ? issue.message : null;
  switch (issue.code) {
    case 'invalid_type': {
      // A missing value may keep the schema's "请填写…"; a present one of the wrong type never does.
      if (value === undefined) return { code: 'MISSING_FIELD', text: own ?? '缺少必填字段' };
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return { code: 'INVALID_TYPE', text: `应为${expected}` };
    }
    case 'unrecognized_keys':
      return { code: 'UNKNOWN_FIELD', text: `不认识的字段：${issue.keys.join('、')}（请检查字段名的拼写；未知字段不会被忽略）` };
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? { code: 'EMPTY_FIELD', text: own ?? '不能为空' } : { code: 'TOO_SHORT', text: own ?? `至少 ${String(issue.minimum)} 个字` };
      if (own) return { code: 'TOO_SMALL', text: own };
      if (issue.origin === 'array') return { code: 'TOO_SMALL', text: `至少 ${String(issue.minimum)} 项` };
      return { code: 'TOO_SMALL', text: `不能小于 ${String(issue.minimum)}` };
    case 'too_big':
      if (own) return { code: 'TOO_LONG', text: own };
      if (issue.origin === 'string') return { code: 'TOO_LONG', text: `过长（最多 ${String(issue.maximum)} 个字）` };
      if (issue.origin === 'array') return { code: 'TOO_BIG', text: `最多 ${String(issue.maximum)} 项` };
      return { code: 'TOO_BIG', text: `不能大于 ${String(issue.maximum)}` };
    case 'invalid_value':
      return { code: 'INVALID_VALUE', text: own ?? `应为 ${issue.values.map((v) => (style === 'api' ? JSON.stringify(v) : String(v))).join(style === 'api' ? ' 或 ' : '、')}${style === 'cli' ? ' 之一' : ''}` };
    case 'invalid_format': {
      const shown = typeof value === 'string' && value.length > 40 ? `${value.slice(0, 40)}…` : String(value);
      return { code: 'INVALID_FORMAT', text: own ?? `格式不正确${hint ? `，${hint}` : ''}：${shown}` };
    }
    case 'custom': {
      const code = typeof issue.params?.code === 'string' ? issue.params.code : 'INVALID_FIELD';
      return { code, text: own ?? `无效${hint ? `，${hint}` : ''}` };
    }
    default:
      return { code: 'INVALID_FIELD', text: own ?? `无效${hint ? `，${hint}` : ''}` };
  }
}

/**
 * The first issue as an InputError whose message names the field. `input` is what was parsed,
 * so that a missing value can be told from a wrong one.
 */
export function zodInputError(issues: readonly Issue[], input: unknown, options: ZodErrorOptions = {}): InputError {
  const style = options.style ?? 'api';
  const issue = issues[0];
  if (!issue) return new InputError('INVALID_INPUT', '输入无效', '');
  const path = issue.path.map(String).join('.');
  const label = lookup(options.labels ?? {}, issue.path);
  const hint = lookup(options.hints ?? {}, issue.path);
  const { code, text } = partsOf(issue, valueAt(input, issue.path), hint, style);
  if (style === 'api') {
    const where = path === '' ? '' : label ? `${label}（${path}）：` : `字段 ${path}：`;
    // The contract's refusals keep one code, except what a schema marked (INVALID_DATE) and unknown fields.
    const apiCode = code === 'UNKNOWN_FIELD' || (issue.code === 'custom' && code !== 'INVALID_FIELD') ? code : 'INVALID_INPUT';
    return new InputError(apiCode, `${where}${text}`, path);
  }
  const name = label ?? (path === '' ? '输入' : path);
  if (code === 'MISSING_FIELD') return new InputError(code, `缺少${name}`, path);
  // The schema's own Chinese sentence usually names the field already; otherwise prefix it.
  return new InputError(code, text.startsWith(name) ? text : `${name}${text}`, path);
}
