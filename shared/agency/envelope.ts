// Over 400 lines: the envelope and every field reader the message readers share, with the quirks of real answers.
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { Decimal, parseDecimal } from '../money.ts';

/**
 * The national envelope (reference/national-interface.md §1) and the readers for what real
 * platforms answer. Pure: no Node API, so the same parsing can run wherever a message is read
 * (the client, the reference agency, a sample-driven test). Field names are the national ones so
 * the desk can later be pointed at a real endpoint unchanged.
 */

// ---------------------------------------------------------------------------------------------
// Request

export type OpterType = '1' | '2' | '3';

export interface RequestEnvelope<I = Record<string, unknown>> {
  infno: string;
  msgid: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  recer_sys_code: string;
  infver: string;
  opter_type: OpterType;
  opter: string;
  opter_name: string;
  inf_time: string;
  fixmedins_code: string;
  fixmedins_name: string;
  sign_no: string;
  input: I;
}

/** What stays the same for every message a desk sends (institution, operator, receiver). */
export interface EnvelopeContext {
  fixmedinsCode: string;
  fixmedinsName: string;
  /** The hospital's own region (就医地医保区划). */
  mdtrtareaAdmvs: string;
  recerSysCode: string;
  infver?: string;
  opterType?: OpterType;
  opter: string;
  opterName: string;
  /** From 9001; empty on 9001 itself and before sign-in. */
  signNo?: string;
}

export interface BuildOptions {
  /** The msgid: built once when the outbox entry is written, and reused on every retry. */
  msgid: string;
  now: Date;
  /** Patient's insured region; the spec requires it whenever the input carries a psn_no. */
  insuplcAdmdvs?: string;
}

const CST_OFFSET_MS = 8 * 3600 * 1000;

function cstParts(now: Date): { y: string; mo: string; d: string; h: string; mi: string; s: string; ms: string } {
  if (Number.isNaN(now.getTime())) throw new InputError('INVALID_TIME', '时间无效', 'now');
  // National timestamps are China Standard Time whatever the machine's zone (DOMAIN §3).
  const t = new Date(now.getTime() + CST_OFFSET_MS);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return {
    y: p(t.getUTCFullYear(), 4), mo: p(t.getUTCMonth() + 1), d: p(t.getUTCDate()),
    h: p(t.getUTCHours()), mi: p(t.getUTCMinutes()), s: p(t.getUTCSeconds()), ms: p(t.getUTCMilliseconds(), 3),
  };
}

/** yyyyMMddHHmmss in China Standard Time. */
export function compactTimeCST(now: Date): string {
  const c = cstParts(now);
  return `${c.y}${c.mo}${c.d}${c.h}${c.mi}${c.s}`;
}

/** yyyyMMddHHmmssSSS (refmsg_time / respond_time) in China Standard Time. */
export function compactMillisCST(now: Date): string {
  return `${compactTimeCST(now)}${cstParts(now).ms}`;
}

/** yyyy-MM-dd HH:mm:ss (the national DT format) in China Standard Time. */
export function infTimeCST(now: Date): string {
  const c = cstParts(now);
  return `${c.y}-${c.mo}-${c.d} ${c.h}:${c.mi}:${c.s}`;
}

export const FIXMEDINS_CODE_RE = /^[A-Z0-9]{12}$/;
export const MSGID_RE = /^[A-Z0-9]{12}\d{18}$/;

/**
 * National msgid: institution code (12) + yyyyMMddHHmmss CST (14) + sequence (4) = 30 chars.
 * The sequence keeps several messages built in the same second apart.
 */
export function makeMsgid(fixmedinsCode12: string, now: Date, seq: number): string {
  if (!FIXMEDINS_CODE_RE.test(fixmedinsCode12)) {
    throw new InputError('INVALID_FIXMEDINS_CODE', `定点医药机构编号应为 12 位大写字母或数字：${fixmedinsCode12}`, 'fixmedins_code');
  }
  if (!Number.isInteger(seq) || seq < 0 || seq > 9999) {
    throw new InputError('INVALID_SEQUENCE', `报文顺序号应为 0–9999 的整数：${seq}`, 'seq');
  }
  return `${fixmedinsCode12}${compactTimeCST(now)}${String(seq).padStart(4, '0')}`;
}

/** Where the msgid serial stands: the last (second, serial) handed out, as `yyyyMMddHHmmss:NNNN`. */
export interface MsgidSlot {
  /** The instant whose CST second goes into the msgid: now, or a later second when now's is used up. */
  at: Date;
  seq: number;
  /** What to store for the next allocation. */
  stored: string;
}

const SLOT_RE = /^(\d{14}):(\d{1,4})$/;

function fromCompactCST(t: string): Date {
  const [y, mo, d, h, mi, s] = [t.slice(0, 4), t.slice(4, 6), t.slice(6, 8), t.slice(8, 10), t.slice(10, 12), t.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) - CST_OFFSET_MS);
}

/**
 * The next msgid slot after `stored` (national-interface.md §1.1: the 4-digit 顺序号 keeps the
 * messages of one second apart). The serial starts at 0001 in each new second; the pairs
 * (second, serial) only ever go up, so no msgid repeats: the 10,000th message of one second takes
 * serial 0001 of the next second, and a clock set back keeps counting on from the last second
 * used until the clock has caught up. `stored` in the older form — a bare serial that ran on
 * across seconds — continues that serial in now's second.
 */
export function nextMsgidSlot(stored: string | null | undefined, now: Date): MsgidSlot {
  const second = compactTimeCST(now);
  const slot = (at: Date, seq: number): MsgidSlot => ({ at, seq, stored: `${compactTimeCST(at)}:${String(seq).padStart(4, '0')}` });
  const m = SLOT_RE.exec(stored ?? '');
  if (!m) {
    const old = Number(stored ?? '0');
    return slot(now, ((Number.isInteger(old) && old >= 0 ? old : 0) + 1) % 10_000);
  }
  const [, lastSecond, lastSeq] = m as unknown as [string, string, string];
  if (second > lastSecond) return slot(now, 1);
  const last = fromCompactCST(lastSecond);
  const n = Number(lastSeq);
  return n < 9999 ? slot(last, n + 1) : slot(new Date(last.getTime() + 1000), 1);
}

/**
 * A stored slot (`msgid.seq`, "YYYYMMDDhhmmss:NNNN" in CST) as one number, second × 10,000 + serial
 * (the office's `msgid_slot` sequence, db/pg: a desk moved into the office must go on from its last
 * msgid, never repeat one). Null for a desk that never sent or stored the older bare serial.
 */
export function msgidSlotNumber(stored: string | null | undefined): bigint | null {
  const m = SLOT_RE.exec(stored ?? '');
  if (!m) return null;
  const seconds = BigInt(Math.floor(fromCompactCST(m[1]!).getTime() / 1000));
  return seconds * 10_000n + BigInt(Number(m[2]));
}

/** True when the msgid has the national shape and a real date-time in its middle part. */
export function isNationalMsgid(msgid: string): boolean {
  if (!MSGID_RE.test(msgid)) return false;
  const t = msgid.slice(12, 26);
  const [y, mo, d, h, mi, s] = [t.slice(0, 4), t.slice(4, 6), t.slice(6, 8), t.slice(8, 10), t.slice(10, 12), t.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

export function buildRequest<I>(ctx: EnvelopeContext, infno: string, input: I, options: BuildOptions): RequestEnvelope<I> {
  return {
    infno,
    msgid: options.msgid,
    mdtrtarea_admvs: ctx.mdtrtareaAdmvs,
    insuplc_admdvs: options.insuplcAdmdvs ?? '',
    recer_sys_code: ctx.recerSysCode,
    infver: ctx.infver ?? 'V1.0',
    opter_type: ctx.opterType ?? '1',
    opter: ctx.opter,
    opter_name: ctx.opterName,
    inf_time: infTimeCST(options.now),
    fixmedins_code: ctx.fixmedinsCode,
    fixmedins_name: ctx.fixmedinsName,
    // 9001 itself is sent without a sign_no; everything after carries the one it returned.
    sign_no: infno === '9001' ? '' : (ctx.signNo ?? ''),
    input,
  };
}

// Real requests send opter_type as 1 or "1" (Jinhua vs Liaoning samples); read both.
const textOrNumber = z.union([z.string(), z.number().transform((n) => String(n))]);
const optionalText = z.union([z.string(), z.null(), z.undefined()]).transform((v) => v ?? '');

const requestSchema = z.looseObject({
  infno: z.string().regex(/^[0-9A-Z]{4,5}$/, '交易编号（infno）应为 4–5 位'),
  msgid: z.string().min(1, '报文ID（msgid）不能为空').max(30, '报文ID（msgid）不得超过 30 位'),
  mdtrtarea_admvs: z.string().regex(/^\d{6}$/, '就医地医保区划（mdtrtarea_admvs）应为 6 位数字'),
  insuplc_admdvs: optionalText.refine((v) => v === '' || /^\d{6}$/.test(v), '参保地医保区划（insuplc_admdvs）应为 6 位数字'),
  recer_sys_code: z.string().min(1, '接收方系统代码（recer_sys_code）不能为空').max(10, '接收方系统代码（recer_sys_code）不得超过 10 位'),
  infver: z.string().min(1, '接口版本号（infver）不能为空').max(6, '接口版本号（infver）不得超过 6 位'),
  opter_type: textOrNumber.pipe(z.enum(['1', '2', '3'], '经办人类别（opter_type）应为 1、2 或 3')),
  opter: z.string().min(1, '经办人（opter）不能为空').max(30, '经办人（opter）不得超过 30 位'),
  opter_name: z.string().min(1, '经办人姓名（opter_name）不能为空').max(50, '经办人姓名（opter_name）不得超过 50 位'),
  inf_time: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, '交易时间（inf_time）应为 yyyy-MM-dd HH:mm:ss'),
  fixmedins_code: z.string().min(1, '定点医药机构编号（fixmedins_code）不能为空'),
  fixmedins_name: z.string().min(1, '定点医药机构名称（fixmedins_name）不能为空'),
  sign_no: optionalText.refine((v) => v.length <= 30, '签到流水号（sign_no）不得超过 30 位'),
  input: z.record(z.string(), z.unknown(), '交易输入（input）应为对象'),
});

const FIELD_NAMES: Record<string, string> = {
  infno: '交易编号（infno）', msgid: '报文ID（msgid）', mdtrtarea_admvs: '就医地医保区划（mdtrtarea_admvs）',
  recer_sys_code: '接收方系统代码（recer_sys_code）', infver: '接口版本号（infver）', opter_type: '经办人类别（opter_type）',
  opter: '经办人（opter）', opter_name: '经办人姓名（opter_name）', inf_time: '交易时间（inf_time）',
  fixmedins_code: '定点医药机构编号（fixmedins_code）', fixmedins_name: '定点医药机构名称（fixmedins_name）', input: '交易输入（input）',
};

export type RequestReadResult = { ok: true; envelope: RequestEnvelope } | { ok: false; problems: string[] };

/**
 * Reads a request envelope the way real systems write them (opter_type as number or string,
 * null/absent optional fields). It checks types and required fields only: the msgid format and
 * whose msgid it is are the receiver's checks (isNationalMsgid), because real requests in the
 * samples carry non-standard ids that must still be readable.
 */
export function readRequest(raw: unknown): RequestReadResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problems: ['报文不是 JSON 对象'] };
  const parsed = requestSchema.safeParse(raw);
  if (parsed.success) return { ok: true, envelope: parsed.data as RequestEnvelope };
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    // A missing field comes back as a type error; say "缺少" with the Chinese field name instead.
    if (key && !(key in (raw as Record<string, unknown>))) return `缺少必填字段：${FIELD_NAMES[key] ?? key}`;
    return issue.message.startsWith('Invalid') ? `${FIELD_NAMES[key] ?? key} 格式不正确` : issue.message;
  });
  return { ok: false, problems: [...new Set(problems)] };
}

// ---------------------------------------------------------------------------------------------
// Response

export type JsonObject = Record<string, unknown>;

export interface ResponseEnvelope<O = JsonObject> {
  infcode: number;
  inf_refmsgid: string | null;
  refmsg_time: string | null;
  respond_time: string | null;
  err_msg: string | null;
  warn_msg: string | null;
  output: O | null;
  /** Reference-agency extension: echoes the request msgid so batch results can be matched. */
  msgid?: string;
}

/** A response read into one normal shape, whatever quirks it arrived with. */
export interface AgencyResponse extends ResponseEnvelope<JsonObject> {
  ok: boolean;
  msgid?: string;
}

export type MessageErrorCode = 'NOT_OBJECT' | 'ENCRYPTED' | 'GATEWAY_ERROR' | 'NONSTANDARD' | 'MALFORMED';

/**
 * A message that is JSON but cannot be read as a national response. The message is Chinese and
 * tells the clerk what kind of problem it is; `detail` carries the platform's own text.
 */
export class AgencyMessageError extends Error {
  constructor(
    readonly code: MessageErrorCode,
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'AgencyMessageError';
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value as a JSON object, or null when it is anything else (a list, text, null). */
export function asObject(v: unknown): JsonObject | null {
  return isObject(v) ? v : null;
}

function textOrNull(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function readInfcode(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v.trim());
  return null;
}

/**
 * Reads one response envelope. Succeeds for every standard envelope seen in real code (infcode
 * as number or string, `message` instead of err_msg, warn_msg absent or null, output first or
 * last); throws AgencyMessageError for an encrypted output, a gateway error, the e-voucher
 * service's shape, or anything else that is not an envelope. A failure (infcode ≠ 0) is a
 * normal result with `ok: false`, not an exception: whether to throw is the caller's decision.
 */
export function parseResponse(raw: unknown): AgencyResponse {
  if (!isObject(raw)) throw new AgencyMessageError('NOT_OBJECT', '医保平台返回的不是 JSON 对象，无法解析');
  const errText = textOrNull(raw.err_msg) || textOrNull(raw.message) || null;
  // Gateway errors ({"type":"error","infcode":-1,"err_msg":…}) come from the front gateway, not
  // the business system: the message never reached the transaction, so it is not a -1 result.
  if (raw.type === 'error' && !('output' in raw) && !('inf_refmsgid' in raw)) {
    throw new AgencyMessageError('GATEWAY_ERROR', `医保平台网关拒绝了报文：${errText ?? '(无说明)'}`, errText);
  }
  if (!('infcode' in raw)) {
    // The e-voucher service answers {"message","success","code"}; other shapes are unknown.
    if ('success' in raw && 'code' in raw) {
      const detail = textOrNull(raw.message);
      throw new AgencyMessageError('NONSTANDARD', `医保平台返回非标准报文（代码 ${textOrNull(raw.code) ?? '无'}）：${detail ?? '(无说明)'}`, detail);
    }
    throw new AgencyMessageError('MALFORMED', '医保平台返回的报文缺少交易结果代码（infcode），无法解析');
  }
  const infcode = readInfcode(raw.infcode);
  if (infcode === null) throw new AgencyMessageError('MALFORMED', `交易结果代码（infcode）无法识别：${JSON.stringify(raw.infcode)}`);
  const ok = infcode === 0;
  let output: JsonObject | null = null;
  const out = raw.output;
  if (isObject(out)) output = out;
  else if (typeof out === 'string' && out.trim() !== '') {
    // Some provinces SM4-encrypt `output` (Jilin sample). Without the regional key the content
    // is unreadable; a success must not be treated as an empty one.
    if (ok) throw new AgencyMessageError('ENCRYPTED', '报文已加密，无法解析', null);
  } else if (Array.isArray(out) && ok) {
    throw new AgencyMessageError('MALFORMED', '交易输出（output）不是对象，无法解析');
  }
  const result: AgencyResponse = {
    ok,
    infcode,
    inf_refmsgid: textOrNull(raw.inf_refmsgid) || null,
    refmsg_time: textOrNull(raw.refmsg_time) || null,
    respond_time: textOrNull(raw.respond_time) || null,
    err_msg: errText,
    warn_msg: textOrNull(raw.warn_msg) || null,
    output,
  };
  if (typeof raw.msgid === 'string') result.msgid = raw.msgid;
  return result;
}

/**
 * A reader's complaint about a missing output, with the platform's own text when it gave one
 * (an infcode-0 answer with err_msg and no output is a failure, issue 14 §3). The success words
 * some platforms put in err_msg ("success", "成功") are not shown as a reason.
 */
export function withPlatformText(what: string, errMsg: string | null | undefined): string {
  const t = errMsg?.trim();
  if (!t || /^(success|成功|ok)$/i.test(t)) return what;
  return `${what}：医保平台返回成功代码（infcode 0）但说明“${t}”，按交易失败处理`;
}

// ---------------------------------------------------------------------------------------------
// Field readers: amounts, decimals, dates, codes as real platforms send them.

/** A yuan amount as number, string or "" (→ null). More than two decimals is an error. */
export function readAmount(value: unknown, field = '金额'): Decimal | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  const d = parseDecimal(value, field);
  // Trailing zeros ("41509.00", 2.000000) are fine; a third significant decimal is not money.
  if (d.decimalPlaces() > 2) throw new InputError('INVALID_AMOUNT', `${field} 最多两位小数：${d.toString()}`, field);
  return d;
}

/** Quantities, prices with more decimals and ratios; "" → null. */
export function readDecimal(value: unknown, field = '数值'): Decimal | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  return parseDecimal(value, field);
}

/** A code or text field; numbers become text, "" and null become null. */
export function readText(value: unknown): string | null {
  const t = textOrNull(value);
  return t === null || t.trim() === '' ? null : t.trim();
}

/**
 * A calendar date from the forms seen in real answers: "1984-06-28", "1983-02-27 00:00:00",
 * "2019 - 04 - 08". Anything else → null (the caller keeps the raw text if it needs it).
 */
export function readDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec(value.replace(/\s*-\s*/g, '-').trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

export function firstOf(o: JsonObject, ...keys: string[]): unknown {
  for (const k of keys) {
    const v = o[k];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

export function objectAt(o: JsonObject | null, key: string): JsonObject | null {
  const v = o?.[key];
  return isObject(v) ? v : null;
}

export function listAt(o: JsonObject | null, key: string): JsonObject[] {
  const v = o?.[key];
  if (Array.isArray(v)) return v.filter(isObject);
  // Some regions send a single object where the spec has a list.
  return isObject(v) ? [v] : [];
}

// 9001
export interface SignInResult {
  signNo: string;
  signTime: string | null;
}

export function readSignIn(output: JsonObject | null): SignInResult {
  const s = objectAt(output, 'signinoutb');
  const signNo = readText(s?.sign_no);
  if (!s || signNo === null) throw new AgencyMessageError('MALFORMED', '签到结果缺少签到流水号（sign_no）');
  return { signNo, signTime: readText(s.sign_time) };
}

// 1101
export interface InsuInfo {
  insutype: string | null;
  psnType: string | null;
  psnInsuStas: string | null;
  psnInsuDate: string | null;
  pausInsuDate: string | null;
  cvlservFlag: string | null;
  insuplcAdmdvs: string | null;
  empName: string | null;
  balc: Decimal | null;
}

export interface RegistrationInfo {
  agencyId: string | null;
  group: string | null;
  basis: string | null;
  destination: string | null;
  effectiveFrom: string | null;
  proofSuppliedOn: string | null;
  status: string | null;
}

export interface PersonInfo {
  psnNo: string;
  psnCertType: string | null;
  certno: string | null;
  psnName: string | null;
  gend: string | null;
  naty: string | null;
  /** Normalised yyyy-MM-dd, or null when the platform sent something unreadable. */
  brdy: string | null;
  brdyRaw: string | null;
  age: Decimal | null;
  insuinfo: InsuInfo[];
  idetinfo: { psnIdetType: string | null; psnTypeLv: string | null; memo: string | null; begntime: string | null; endtime: string | null }[];
  /** Reference-agency extension: the person's cross-region registration, when there is one. */
  registration: RegistrationInfo | null;
  /**
   * Whether the answer carries the extension at all. A real 1101 has no `registration` key: then
   * "none" is not known, and the insured region checks the registration at 2401 (004 第二十二条).
   */
  registrationKnown: boolean;
}

export function readPersonInfo(output: JsonObject | null): PersonInfo {
  const base = objectAt(output, 'baseinfo');
  const psnNo = readText(base?.psn_no);
  if (!base || psnNo === null) throw new AgencyMessageError('MALFORMED', '人员信息缺少人员编号（baseinfo.psn_no）');
  const reg = objectAt(output, 'registration');
  return {
    registrationKnown: output !== null && Object.prototype.hasOwnProperty.call(output, 'registration'),
    psnNo,
    psnCertType: readText(base.psn_cert_type),
    certno: readText(firstOf(base, 'certno', 'cert_no')),
    psnName: readText(base.psn_name),
    gend: readText(base.gend),
    naty: readText(base.naty),
    brdy: readDate(base.brdy),
    brdyRaw: readText(base.brdy),
    age: readDecimal(base.age, 'baseinfo.age'),
    insuinfo: listAt(output, 'insuinfo').map((i, n) => ({
      insutype: readText(i.insutype),
      psnType: readText(i.psn_type),
      psnInsuStas: readText(i.psn_insu_stas),
      psnInsuDate: readDate(i.psn_insu_date),
      pausInsuDate: readDate(i.paus_insu_date),
      cvlservFlag: readText(i.cvlserv_flag),
      insuplcAdmdvs: readText(i.insuplc_admdvs),
      empName: readText(i.emp_name),
      balc: readAmount(i.balc, `insuinfo[${n}].balc`),
    })),
    idetinfo: listAt(output, 'idetinfo').map((i) => ({
      psnIdetType: readText(i.psn_idet_type),
      psnTypeLv: readText(i.psn_type_lv),
      memo: readText(i.memo),
      begntime: readText(i.begntime),
      endtime: readText(i.endtime),
    })),
    registration: reg
      ? {
          agencyId: readText(reg.agencyId),
          group: readText(reg.group),
          basis: readText(reg.basis),
          destination: readText(reg.destination),
          effectiveFrom: readDate(reg.effectiveFrom),
          proofSuppliedOn: readDate(reg.proofSuppliedOn),
          status: readText(reg.status),
        }
      : null,
  };
}
