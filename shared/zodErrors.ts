import type { z } from 'zod';
import { InputError } from './errors.ts';

/**
 * The one zod → Chinese InputError translator (issue 12 point 4): the API contract (shared/api,
 * via describeZodError), and every CLI.md command (settle, eligibility, claim: shared/; slip and
 * pledge: electron/pdf). It names the field by its Chinese label and tells apart what to fix:
 * - a missing value: "缺少…" (or the schema's own "请填写…" message);
 * - a value of the wrong type: "应为数字 / 文本 …" — never "请填写…", which would be untrue;
 * - an unknown field (strict objects): "不认识的字段：dischargeOn", so a typo is not silently
 *   replaced by a default;
 * - a check the schema wrote itself (a `custom` issue): its own Chinese sentence and its own code
 *   (`params.code`);
 * - everything else: zod's English default in Chinese, or the schema's own Chinese message.
 * What differs between commands is options, not another translator: how paths are written, the
 * command's names for the generic codes (CLI.md leaves them to each command), fields whose every
 * problem is one sentence, and whether the path is shown beside the label.
 */

type Issue = z.core.$ZodIssue;

/** The generic codes; a command may rename them (`codes`). */
export type GenericCode =
  | 'MISSING_FIELD' | 'INVALID_INPUT' | 'INVALID_TYPE' | 'UNKNOWN_FIELD' | 'EMPTY_FIELD' | 'TOO_SHORT' | 'TOO_SMALL'
  | 'TOO_LONG' | 'TOO_BIG' | 'INVALID_VALUE' | 'INVALID_FORMAT' | 'INVALID_FIELD';

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
  /** Where the parsed value sits in a larger input (`['policy']`): put before every path. */
  prefix?: readonly PropertyKey[];
  /** `dots`: `fees.0.price` (the API, slip, pledge); `brackets`: `fees[0].price` (CLI.md settle and claim). */
  pathStyle?: 'dots' | 'brackets';
  /** cli: the path in brackets after the sentence ("缺少政策版本（policy.version）"), for inputs of many rows. */
  showPath?: boolean;
  /** cli: the command's names for generic codes (`{ INVALID_TYPE: 'INVALID_FIELD' }`); `'*'` renames every one not listed but MISSING_FIELD. */
  codes?: Readonly<Partial<Record<GenericCode | '*', string>>>;
  /** cli: fields (keyed as labels) whose every problem but absence is one code and sentence (a date, a region code). */
  fields?: Readonly<Record<string, { code: string; text: string }>>;
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

/** A path as the error names it: `settlements[2].settledOn` (brackets) or `settlements.2.settledOn` (dots). */
export function pathText(path: readonly PropertyKey[], style: 'dots' | 'brackets' = 'dots'): string {
  if (style === 'dots') return path.map(String).join('.');
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out;
}

function lookup<T>(table: Readonly<Record<string, T>>, issuePath: readonly PropertyKey[]): T | undefined {
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

function isMissing(issue: Issue, value: unknown): boolean {
  // zod 4 reports an absent enum as invalid_value.
  if (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union') return value === undefined;
  // A schema's own leaf check may report absence itself (z.unknown().transform, shared/settlement.ts).
  return issue.code === 'custom' && issue.params?.code === 'MISSING_FIELD';
}

/**
 * The first issue as an InputError whose message names the field. `input` is what was parsed,
 * so that a missing value can be told from a wrong one.
 */
export function zodInputError(issues: readonly Issue[], input: unknown, options: ZodErrorOptions = {}): InputError {
  const style = options.style ?? 'api';
  const prefix = options.prefix ?? [];
  const issue = issues[0];
  if (!issue) return new InputError('INVALID_INPUT', '输入无效', pathText(prefix, options.pathStyle));
  const keys = [...prefix, ...issue.path];
  const path = pathText(keys, options.pathStyle);
  const label = lookup(options.labels ?? {}, keys);
  const hint = lookup(options.hints ?? {}, keys);
  const value = valueAt(input, issue.path);
  const missing = isMissing(issue, value);
  const parts = partsOf(issue, value, hint, style);
  if (style === 'api') {
    const where = path === '' ? '' : label ? `${label}（${path}）：` : `字段 ${path}：`;
    // The contract's refusals keep one code, except what a schema marked (INVALID_DATE) and unknown fields.
    const code = parts.code === 'UNKNOWN_FIELD' || (issue.code === 'custom' && parts.code !== 'INVALID_FIELD') ? parts.code : 'INVALID_INPUT';
    return new InputError(code, `${where}${parts.text}`, path);
  }
  const field = missing ? undefined : lookup(options.fields ?? {}, keys);
  const root = !missing && keys.length === 0 && issue.code === 'invalid_type';
  const { code, text } = field ?? (root ? { code: 'INVALID_INPUT', text: '应为 JSON 对象' } : parts);
  // A code the schema or `fields` set is the command's own: kept, never renamed.
  const ownCode = field === undefined && issue.code === 'custom' && typeof issue.params?.code === 'string';
  const named = missing ? 'MISSING_FIELD' : ownCode || field ? code : (options.codes?.[code as GenericCode] ?? options.codes?.['*'] ?? code);
  const name = label ?? (path === '' ? '输入' : path);
  const ownText = field === undefined && issue.code === 'custom' && HAN.test(issue.message) ? issue.message : null;
  // The schema's own Chinese sentence often names the field already; otherwise the label goes first.
  const sentence = missing
    ? (label === undefined && ownText ? ownText : `缺少${name}`)
    : ownText && (label === undefined || ownText.includes(label)) ? ownText
      : text.startsWith(name) ? text : `${name}${text}`;
  return new InputError(named, options.showPath && path !== '' ? `${sentence}（${path}）` : sentence, path);
}
