// Over 400 lines: the settlement engine (DOMAIN §5) with its policy schema: bands, caps and funds read as one computation.
import { z } from 'zod';
import { pathText, zodInputError } from './zodErrors.ts';
import { FUND, FUND_PAY_TYPE, POOL_FUND, SCHEME, SCHEMES, SUPPLEMENTARY_FUND, type PoolFund, type Scheme, type SupplementaryFund } from './codes.ts';
import { InputError } from './errors.ts';
import { Decimal, ZERO, max, min, parseAmount, parseDecimal, parseRatio, round2, sum, toText } from './money.ts';

/**
 * The standard policy model v1 (DOMAIN.md §6a): the one settlement computation that the desk,
 * the reference agency and the tests share, so that all of them arrive at the same cents.
 *
 * What is covered follows the hospital region's catalogue (class A/B/C, price limit); how much
 * the funds pay follows the insured region's policy — "就医地目录、参保地政策" (003 第三部分;
 * 004 第九条; 001 规程 第二十六条; 001 通知 (九)). Every yuan is a Decimal; rounding is half-up
 * to the fen (away from zero for refund lines) at each step named in §6a, never elsewhere.
 */

export type Level = 1 | 2 | 3;
export const LEVELS: readonly Level[] = [1, 2, 3];
export const GROUPS = ['longTerm', 'referral', 'emergency', 'otherTemporary', 'unregistered'] as const;
export type Group = (typeof GROUPS)[number];
export type FeeClass = 'A' | 'B' | 'C';

/** Pool and supplementary fund of each scheme (§6a "the fund types of the pool"). */

/** One band over X, the in-scope amount above the deductible; `upTo: null` = no upper bound. */
export interface Band {
  upTo: Decimal | null;
  ratio: Decimal;
}

export interface Policy {
  version: string;
  scheme: Scheme;
  deductible: Record<Level, Decimal>;
  repeatDeductibleFactor: Decimal;
  bands: Record<Level, Band[]>;
  /** Ratio points subtracted from every band's ratio for the person's group (003 第三部分). */
  reduction: Record<Group, Decimal>;
  annualCap: Decimal;
  poolFundType: PoolFund;
  supplementary: { fundType: SupplementaryFund; ratio: Decimal; annualCap: Decimal };
  civilServantRatio: Decimal;
}

export interface FeeLine {
  sn: string;
  code: string;
  name: string;
  class: FeeClass;
  qty: Decimal;
  price: Decimal;
  amount: Decimal;
  /** Required for class B; ignored otherwise. */
  selfPayRatio: Decimal | null;
  limitPrice: Decimal | null;
}

export interface SettleInput {
  policy: Policy;
  hospitalLevel: Level;
  group: Group;
  priorAdmissionsThisYear: number;
  poolPaidThisYear: Decimal;
  supplementaryPaidThisYear: Decimal;
  civilServant: boolean;
  useAccount: boolean;
  accountBalance: Decimal;
  fees: FeeLine[];
}

/** The four parts of one fee line (004 附件10 注2); kept for the slip and the fee upload. */
export interface LineSplit {
  sn: string;
  in: Decimal;
  pre: Decimal;
  over: Decimal;
  full: Decimal;
}

export interface FundPayment {
  fund_pay_type: string;
  fund_pay_type_name: string;
  fund_payamt: Decimal;
}

/** How the pool's part was found: one row per band of the hospital's level. */
export interface BandStep {
  from: Decimal;
  upTo: Decimal | null;
  /** max(0, ratio − reduction[group]) */
  ratio: Decimal;
  portion: Decimal;
  /** portion × ratio, unrounded */
  pay: Decimal;
}

export interface SettleResult {
  policyVersion: string;
  scheme: Scheme;
  medfee_sumamt: Decimal;
  inscp_scp_amt: Decimal;
  preselfpay_amt: Decimal;
  overlmt_selfpay: Decimal;
  fulamt_ownpay_amt: Decimal;
  act_pay_dedc: Decimal;
  hifp_pay: Decimal;
  /** 职工大额医疗费用补助 (330100): the supplementary fund when the scheme is 310. */
  hifob_pay: Decimal;
  /** 城乡居民大病保险 (390200): the supplementary fund when the scheme is 390. */
  hifmi_pay: Decimal;
  cvlserv_pay: Decimal;
  fund_pay_sumamt: Decimal;
  psn_part_amt: Decimal;
  acct_pay: Decimal;
  psn_cash_pay: Decimal;
  setldetail: FundPayment[];
  lines: LineSplit[];
  /** Working values, for the preview screen and for explaining a difference with the agency. */
  work: {
    /** 本次起付标准 (printed on the slip, 004 附件10). */
    deductible: Decimal;
    /** X = inScope − act_pay_dedc */
    aboveDeductible: Decimal;
    bands: BandStep[];
    poolRaw: Decimal;
    capLeft: Decimal;
    /** x*, where the pool's payment reached capLeft; null when the cap did not bind. Exact to 40 digits. */
    capReachedAt: Decimal | null;
    /** X − x*; 0 when the cap did not bind. Exact to 40 digits (supp is computed without it, see step 6). */
    uncovered: Decimal;
    supplementaryLeft: Decimal;
  };
}

// ---------------------------------------------------------------------------------------------
// Validation. zod gives the structure and the paths; every leaf goes through money.ts so the
// amount rules (≤ 2 decimals, no binary floats) are the project's one definition.

const LABELS: Record<string, string> = {
  policy: '政策参数', version: '政策版本', scheme: '险种', deductible: '起付标准',
  repeatDeductibleFactor: '再次住院起付标准系数', bands: '支付比例分段', upTo: '分段上限', ratio: '比例',
  reduction: '支付比例降幅', annualCap: '年度最高支付限额', poolFundType: '统筹基金类型',
  supplementary: '大额/大病保险参数', fundType: '基金类型', civilServantRatio: '公务员医疗补助比例',
  hospitalLevel: '医院等级', group: '人员类别', priorAdmissionsThisYear: '本年度此前住院次数',
  poolPaidThisYear: '本年度统筹基金已支付', supplementaryPaidThisYear: '本年度大额/大病保险已支付',
  civilServant: '公务员标志', useAccount: '使用个人账户标志', accountBalance: '个人账户余额',
  fees: '费用明细', sn: '明细序号', code: '项目编码', name: '项目名称', class: '甲乙丙类别', qty: '数量',
  price: '单价', amount: '金额', selfPayRatio: '乙类先行自付比例', limitPrice: '限价',
};

function rowPrefix(path: readonly PropertyKey[]): string {
  // A clerk finds a fee line by its row in the HIS export, so name it the way they count.
  return path[0] === 'fees' && typeof path[1] === 'number' ? `第 ${path[1] + 1} 行费用：` : '';
}

function inputError(code: string, message: string, path: readonly PropertyKey[]): InputError {
  const where = pathText(path, 'brackets');
  return new InputError(code, `${rowPrefix(path)}${message}${where ? `（${where}）` : ''}`, where);
}

/** A required leaf converted by `conv`; missing is MISSING_FIELD, a thrown InputError keeps its code. */
function leaf<T>(label: string, conv: (v: unknown, label: string) => T) {
  return z.unknown().transform((v, ctx): T => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: `缺少${label}`, params: { code: 'MISSING_FIELD' } });
      return z.NEVER;
    }
    return convert(v, label, conv, ctx);
  });
}

/** A leaf that may be missing or null, both meaning "none". */
function optionalLeaf<T>(label: string, conv: (v: unknown, label: string) => T) {
  return z.unknown().transform((v, ctx): T | null => (v === undefined || v === null ? null : convert(v, label, conv, ctx)));
}

function convert<T>(v: unknown, label: string, conv: (v: unknown, label: string) => T, ctx: z.RefinementCtx): T {
  try {
    return conv(v, label);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message, params: { code: e.code } });
    return z.NEVER;
  }
}

function bad(label: string, what: string): InputError {
  return new InputError('INVALID_FIELD', `${label} ${what}`);
}

const amountNN = (v: unknown, label: string): Decimal => {
  const d = parseAmount(v, label);
  if (d.lt(0)) throw new InputError('INVALID_AMOUNT', `${label} 不能为负数：${d.toFixed()}`);
  return d;
};
const amountPositive = (v: unknown, label: string): Decimal => {
  const d = parseAmount(v, label);
  if (!d.gt(0)) throw new InputError('INVALID_AMOUNT', `${label} 应大于 0：${d.toFixed()}`);
  return d;
};
const decimalNN = (v: unknown, label: string): Decimal => {
  const d = parseDecimal(v, label);
  if (d.lt(0)) throw new InputError('INVALID_NUMBER', `${label} 不能为负数：${d.toFixed()}`);
  return d;
};
const text = (v: unknown, label: string): string => {
  if (typeof v !== 'string' || v.trim() === '') throw bad(label, '应为非空文本');
  return v.trim();
};
/** HIS exports send the line number as text or as a number; both name the same line. */
const serial = (v: unknown, label: string): string => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return text(v, label);
};
const oneOf = <T extends string>(values: readonly T[]) => (v: unknown, label: string): T => {
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  throw bad(label, `取值无效：${JSON.stringify(v) ?? String(v)}，应为 ${values.join(' / ')}`);
};
const level = (v: unknown, label: string): Level => {
  const n = typeof v === 'string' && /^\d$/.test(v) ? Number(v) : v;
  if (n === 1 || n === 2 || n === 3) return n;
  throw bad(label, `应为 1、2 或 3：${JSON.stringify(v) ?? String(v)}`);
};
const count = (v: unknown, label: string): number => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  throw bad(label, `应为非负整数：${JSON.stringify(v) ?? String(v)}`);
};
const bool = (v: unknown, label: string): boolean => {
  if (typeof v === 'boolean') return v;
  throw bad(label, `应为 true 或 false：${JSON.stringify(v) ?? String(v)}`);
};

function byLevel<T extends z.ZodType>(s: T) {
  return z.object({ '1': s, '2': s, '3': s });
}

const bandSchema = z.object({
  upTo: optionalLeaf('分段上限', amountPositive),
  ratio: leaf('支付比例', parseRatio),
});

const policySchema = z.object({
  version: leaf('政策版本', text),
  scheme: leaf('险种', oneOf(SCHEMES)),
  deductible: byLevel(leaf('起付标准', amountNN)),
  repeatDeductibleFactor: leaf('再次住院起付标准系数', parseRatio),
  bands: byLevel(z.array(bandSchema)),
  reduction: z.object({
    longTerm: leaf('支付比例降幅（异地长期居住）', parseRatio),
    referral: leaf('支付比例降幅（转诊）', parseRatio),
    emergency: leaf('支付比例降幅（急诊抢救）', parseRatio),
    otherTemporary: leaf('支付比例降幅（其他临时外出）', parseRatio),
    unregistered: leaf('支付比例降幅（未备案）', parseRatio),
  }),
  annualCap: leaf('年度最高支付限额', amountNN),
  poolFundType: leaf('统筹基金类型', oneOf([FUND.employeePool, FUND.residentPool] as const)),
  supplementary: z.object({
    fundType: leaf('大额/大病保险基金类型', oneOf([FUND.employeeLarge, FUND.residentSerious] as const)),
    ratio: leaf('大额/大病保险支付比例', parseRatio),
    annualCap: leaf('大额/大病保险年度最高支付限额', amountNN),
  }),
  civilServantRatio: leaf('公务员医疗补助比例', parseRatio),
});

const feeSchema = z.object({
  sn: leaf('明细序号', serial),
  code: leaf('项目编码', text),
  name: leaf('项目名称', text),
  class: leaf('甲乙丙类别', oneOf(['A', 'B', 'C'] as const)),
  qty: leaf('数量', parseDecimal),
  price: leaf('单价', decimalNN),
  amount: leaf('金额', parseAmount),
  selfPayRatio: optionalLeaf('乙类先行自付比例', parseRatio),
  limitPrice: optionalLeaf('限价', decimalNN),
});

const inputSchema = z.object({
  policy: policySchema,
  hospitalLevel: leaf('医院等级', level),
  group: leaf('人员类别', oneOf(GROUPS)),
  priorAdmissionsThisYear: leaf('本年度此前住院次数', count),
  poolPaidThisYear: leaf('本年度统筹基金已支付', amountNN),
  supplementaryPaidThisYear: leaf('本年度大额/大病保险已支付', amountNN),
  civilServant: leaf('公务员标志', bool),
  useAccount: leaf('使用个人账户标志', bool),
  accountBalance: leaf('个人账户余额', amountNN),
  fees: z.array(feeSchema),
});

/** The first zod issue in CLI.md's settle shape: `fees[0].qty`, the path after the sentence, a fee line named by its row. */
function fromZod(error: z.ZodError, json: unknown, prefix: PropertyKey[]): InputError {
  const e = zodInputError(error.issues, json, { style: 'cli', labels: LABELS, prefix, pathStyle: 'brackets', showPath: true, codes: { '*': 'INVALID_FIELD' } });
  return new InputError(e.code, `${rowPrefix([...prefix, ...(error.issues[0]?.path ?? [])])}${e.message}`, e.path);
}

type PolicyOut = z.output<typeof policySchema>;

/** Checks zod cannot express per leaf: band order, and funds that belong to the scheme. */
function buildPolicy(p: PolicyOut, prefix: PropertyKey[]): Policy {
  const scheme = p.scheme;
  const bands = {} as Record<Level, Band[]>;
  for (const lv of LEVELS) {
    const list = p.bands[lv];
    const at = [...prefix, 'bands', String(lv)];
    if (list.length === 0) throw inputError('INVALID_FIELD', `支付比例分段（${lv} 级医院）至少需要一段`, at);
    let prev: Decimal = ZERO;
    list.forEach((b, i) => {
      const last = i === list.length - 1;
      if (b.upTo === null && !last) throw inputError('INVALID_FIELD', '只有最后一段的分段上限可以为 null（无上限）', [...at, i, 'upTo']);
      if (b.upTo !== null && last) throw inputError('INVALID_FIELD', '最后一段的分段上限应为 null（无上限），否则超出部分无比例可依', [...at, i, 'upTo']);
      if (b.upTo !== null) {
        if (!b.upTo.gt(prev)) throw inputError('INVALID_FIELD', `分段上限应逐段递增：${b.upTo.toFixed(2)} 不大于 ${prev.toFixed(2)}`, [...at, i, 'upTo']);
        prev = b.upTo;
      }
    });
    bands[lv] = list.map((b) => ({ upTo: b.upTo, ratio: b.ratio }));
  }
  if (p.poolFundType !== POOL_FUND[scheme]) {
    throw inputError('INVALID_FIELD', `统筹基金类型 ${p.poolFundType} 与险种 ${scheme} 不符，应为 ${POOL_FUND[scheme]}`, [...prefix, 'poolFundType']);
  }
  if (p.supplementary.fundType !== SUPPLEMENTARY_FUND[scheme]) {
    throw inputError('INVALID_FIELD', `大额/大病保险基金类型 ${p.supplementary.fundType} 与险种 ${scheme} 不符，应为 ${SUPPLEMENTARY_FUND[scheme]}`, [...prefix, 'supplementary', 'fundType']);
  }
  return {
    version: p.version,
    scheme,
    deductible: { 1: p.deductible[1], 2: p.deductible[2], 3: p.deductible[3] },
    repeatDeductibleFactor: p.repeatDeductibleFactor,
    bands,
    reduction: Object.fromEntries(GROUPS.map((g) => [g, p.reduction[g]])) as Record<Group, Decimal>,
    annualCap: p.annualCap,
    poolFundType: p.poolFundType,
    supplementary: { fundType: p.supplementary.fundType, ratio: p.supplementary.ratio, annualCap: p.supplementary.annualCap },
    civilServantRatio: p.civilServantRatio,
  };
}

/** Parses one policy of the standard model; `path` is where it sits in the input ("policy"). */
export function parsePolicy(json: unknown, path = 'policy'): Policy {
  const prefix: PropertyKey[] = path === '' ? [] : [path];
  const r = policySchema.safeParse(json);
  if (!r.success) throw fromZod(r.error, json, prefix);
  return buildPolicy(r.data, prefix);
}

/** §6a: amount vs round(qty × price); one Decimal, not one parsed from '0.01' per line. */
const AMOUNT_TOLERANCE = new Decimal('0.01');

/** Parses the `settle` input of CLI.md; throws InputError naming the first bad field and its path. */
export function parseSettleInput(json: unknown): SettleInput {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError('INVALID_INPUT', '输入应为 JSON 对象', '');
  const r = inputSchema.safeParse(json);
  if (!r.success) throw fromZod(r.error, json, []);
  const d = r.data;
  const policy = buildPolicy(d.policy, ['policy']);
  if (d.fees.length === 0) throw inputError('INVALID_FIELD', '费用明细为空，没有可结算的费用', ['fees']);
  const seen = new Map<string, number>();
  const fees: FeeLine[] = d.fees.map((f, i) => {
    const line: FeeLine = {
      sn: f.sn, code: f.code, name: f.name, class: f.class, qty: f.qty, price: f.price, amount: f.amount,
      selfPayRatio: f.selfPayRatio, limitPrice: f.limitPrice,
    };
    const first = seen.get(line.sn);
    if (first !== undefined) throw inputError('DUPLICATE_SN', `明细序号 ${line.sn} 与第 ${first + 1} 行重复`, ['fees', i, 'sn']);
    seen.set(line.sn, i);
    // §6a: the amount must equal round(qty × price) within 0.01, else the line is rejected.
    const expected = round2(line.qty.times(line.price));
    if (line.amount.minus(expected).abs().gt(AMOUNT_TOLERANCE)) {
      throw new InputError('AMOUNT_MISMATCH',
        `第 ${i + 1} 行费用金额与数量×单价不符：金额 ${line.amount.toFixed(2)}，数量 ${line.qty.toFixed()} × 单价 ${line.price.toFixed()} = ${expected.toFixed(2)}（允许误差 0.01）（fees[${i}].amount）`,
        `fees[${i}].amount`);
    }
    if (line.class === 'B' && line.selfPayRatio === null) {
      throw inputError('MISSING_FIELD', '乙类项目缺少乙类先行自付比例', ['fees', i, 'selfPayRatio']);
    }
    return line;
  });
  // Refund lines (negative qty) belong to the admission they correct; an admission whose lines
  // net to less than nothing is a data error, not something the funds can settle.
  const total = sum(fees.map((f) => f.amount));
  if (total.lt(0)) throw inputError('NEGATIVE_TOTAL', `费用合计为负数（${total.toFixed(2)}），请核对退费明细`, ['fees']);
  return {
    policy,
    hospitalLevel: d.hospitalLevel,
    group: d.group,
    priorAdmissionsThisYear: d.priorAdmissionsThisYear,
    poolPaidThisYear: d.poolPaidThisYear,
    supplementaryPaidThisYear: d.supplementaryPaidThisYear,
    civilServant: d.civilServant,
    useAccount: d.useAccount,
    accountBalance: d.accountBalance,
    fees,
  };
}

// ---------------------------------------------------------------------------------------------
// Computation (DOMAIN.md §6a, steps 1–9).

/** Steps 1–2: one fee line split into in-scope, B-class first share, over-limit and self-paid. */
export function splitLine(f: FeeLine): LineSplit {
  // Class and price limit come from the hospital region's catalogue (003 第三部分; 001 规程 第二十六条).
  if (f.class === 'C') {
    // 丙类 / not in the catalogue: all self-paid (自费费用, 004 附件10 注2).
    return { sn: f.sn, in: ZERO, pre: ZERO, over: ZERO, full: f.amount };
  }
  // 超限价自付: only the part of the price above the catalogue limit (004 附件10 注2); signed qty
  // makes a refund line give back its own excess.
  const over = f.limitPrice !== null && f.price.gt(f.limitPrice) ? round2(f.price.minus(f.limitPrice).times(f.qty)) : ZERO;
  const base = f.amount.minus(over);
  // 乙类先行自付 = the amount within the price limit × the item's self-pay ratio (DOMAIN §6).
  const pre = f.class === 'B' ? round2(base.times(f.selfPayRatio ?? ZERO)) : ZERO;
  return { sn: f.sn, in: base.minus(pre), pre, over, full: ZERO };
}

function fundName(code: string): string {
  return (FUND_PAY_TYPE as Record<string, string>)[code] ?? `未知基金 ${code}`;
}

export function computeSettlement(input: SettleInput): SettleResult {
  const { policy } = input;

  // Steps 1–3: per-line split, then the admission's totals; 总费用 = 范围内 + 乙类先行自付 +
  // 超限价自付 + 自费 holds exactly because every line's parts sum to its amount (004 附件10 注2).
  const lines = input.fees.map(splitLine);
  // One pass for the five sums (five mapped arrays of 2,000 Decimals before; settle.2000).
  let total: Decimal = ZERO;
  let inScope: Decimal = ZERO;
  let pre: Decimal = ZERO;
  let over: Decimal = ZERO;
  let full: Decimal = ZERO;
  lines.forEach((l, i) => {
    total = total.plus(input.fees[i]!.amount);
    inScope = inScope.plus(l.in);
    pre = pre.plus(l.pre);
    over = over.plus(l.over);
    full = full.plus(l.full);
  });

  // Step 4: deductible of the hospital level, lower from the 2nd admission of the calendar year
  // (001 规程 第二十六条: 起付标准 follows the insured region). It cannot take more than the
  // in-scope amount, nor go negative when refunds leave the in-scope sum below zero.
  const level = input.hospitalLevel;
  const D = round2(policy.deductible[level].times(input.priorAdmissionsThisYear >= 1 ? policy.repeatDeductibleFactor : 1));
  const dedc = max(ZERO, min(D, inScope));
  const X = inScope.minus(dedc);

  // Step 5: the pool pays by bands over X at the insured region's ratio for this level (001 规程
  // 第二十六条; 001 通知 (九)), less the group's reduction (003 第三部分: ≤10 points referral /
  // emergency, ≤20 other temporary); a reduction larger than the ratio leaves 0, never a negative
  // ratio (DOMAIN §6a). Rounded once, on the sum, not per band (§6a).
  const reduction = policy.reduction[input.group];
  const bands: BandStep[] = [];
  let from: Decimal = ZERO;
  for (const b of policy.bands[level]) {
    const ratio = max(ZERO, b.ratio.minus(reduction));
    const top = b.upTo === null ? X : min(X, b.upTo);
    const portion = max(ZERO, top.minus(from));
    bands.push({ from, upTo: b.upTo, ratio, portion, pay: portion.times(ratio) });
    if (b.upTo !== null) from = b.upTo;
  }
  const poolRaw = round2(sum(bands.map((s) => s.pay)));
  // 最高支付限额 is per calendar year (001 规程 第二十六条): only what is left of it can be paid.
  const capLeft = max(ZERO, policy.annualCap.minus(input.poolPaidThisYear));

  const s = policy.supplementary;
  let pool = poolRaw;
  let capReachedAt: Decimal | null = null;
  let uncovered: Decimal = ZERO;
  let suppRaw: Decimal = ZERO;
  if (poolRaw.gt(capLeft)) {
    pool = capLeft;
    // x*: walk the same bands until the unrounded payment passes capLeft. A band of ratio 0 adds
    // nothing, so x* is the last point where the payment is still ≤ capLeft: the stretch the pool
    // left uncovered "because of its cap" excludes a stretch where it would pay nothing anyway.
    let paid: Decimal = ZERO;
    for (const step of bands) {
      if (step.ratio.gt(0) && paid.plus(step.pay).gt(capLeft)) {
        const need = capLeft.minus(paid);
        capReachedAt = step.from.plus(need.dividedBy(step.ratio));
        uncovered = X.minus(capReachedAt);
        // Step 6 on the exact x*: uncovered × s.ratio = ((X − from) × r − need) × s.ratio / r, one
        // correctly rounded division instead of a rounded x* carried through two more operations,
        // which could land a hair below a .xx5 tie and lose the half-up cent.
        suppRaw = round2(X.minus(step.from).times(step.ratio).minus(need).times(s.ratio).dividedBy(step.ratio));
        break;
      }
      paid = paid.plus(step.pay);
    }
    // poolRaw > capLeft means the unrounded sum passed capLeft (rounding to the fen is monotone
    // and capLeft is whole fen), so the walk always finds x*.
    if (capReachedAt === null) throw new Error('结算计算内部错误：统筹基金封顶点未找到');
  }

  // Step 6: the supplementary fund (大额医疗费用补助 330100 / 城乡居民大病保险 390200) pays on the
  // in-scope amount the pool left uncovered because of its cap, within its own yearly cap
  // (DOMAIN §6; the §6a simplification of its deductible and tiers).
  const supplementaryLeft = max(ZERO, s.annualCap.minus(input.supplementaryPaidThisYear));
  const supp = min(suppRaw, supplementaryLeft);

  // Step 7: 公务员医疗补助 (320100) on the person's in-scope share (DOMAIN §6 "other funds where the
  // person qualifies"). The share is ≥ 0 whenever inScope ≥ 0; the floor only guards refunds.
  const cvl = input.civilServant ? round2(max(ZERO, inScope.minus(pool).minus(supp)).times(policy.civilServantRatio)) : ZERO;

  // Step 8: 总费用 = 基金支付合计 + 个人负担 (004 附件10 注3).
  const fundSum = pool.plus(supp).plus(cvl);
  const psnPart = total.minus(fundSum);

  // Step 9: only the employee scheme has a personal account (DOMAIN §6), used when chosen, up to
  // its balance; never a negative payment out of it.
  const acct = policy.scheme === SCHEME.employee && input.useAccount ? max(ZERO, min(input.accountBalance, psnPart)) : ZERO;
  const cash = psnPart.minus(acct);

  // Fund rows as the national 2304 setldetail: only funds that paid, pool → supplementary → civil servant.
  const setldetail: FundPayment[] = [];
  for (const [code, amt] of [[policy.poolFundType, pool], [s.fundType, supp], [FUND.civilServant, cvl]] as const) {
    if (amt.gt(0)) setldetail.push({ fund_pay_type: code, fund_pay_type_name: fundName(code), fund_payamt: amt });
  }

  const result: SettleResult = {
    policyVersion: policy.version,
    scheme: policy.scheme,
    medfee_sumamt: total,
    inscp_scp_amt: inScope,
    preselfpay_amt: pre,
    overlmt_selfpay: over,
    fulamt_ownpay_amt: full,
    act_pay_dedc: dedc,
    hifp_pay: pool,
    hifob_pay: s.fundType === FUND.employeeLarge ? supp : ZERO,
    hifmi_pay: s.fundType === FUND.residentSerious ? supp : ZERO,
    cvlserv_pay: cvl,
    fund_pay_sumamt: fundSum,
    psn_part_amt: psnPart,
    acct_pay: acct,
    psn_cash_pay: cash,
    setldetail,
    lines,
    work: { deductible: D, aboveDeductible: X, bands, poolRaw, capLeft, capReachedAt, uncovered, supplementaryLeft },
  };
  assertIdentities(result, input.fees);
  return result;
}

/** The identities the slip prints (004 附件10 注2, 注3); a broken one is a bug, never shown to a patient. */
function assertIdentities(r: SettleResult, fees: readonly FeeLine[]): void {
  const broken: string[] = [];
  const check = (name: string, left: Decimal, right: Decimal): void => {
    if (!left.eq(right)) broken.push(`${name}: ${left.toFixed()} ≠ ${right.toFixed()}`);
  };
  check('总费用 = 范围内 + 乙类先行自付 + 超限价自付 + 自费', r.medfee_sumamt, r.inscp_scp_amt.plus(r.preselfpay_amt).plus(r.overlmt_selfpay).plus(r.fulamt_ownpay_amt));
  check('总费用 = 基金支付合计 + 个人负担', r.medfee_sumamt, r.fund_pay_sumamt.plus(r.psn_part_amt));
  check('个人负担 = 个人账户 + 个人现金', r.psn_part_amt, r.acct_pay.plus(r.psn_cash_pay));
  check('基金支付合计 = Σ 基金明细', r.fund_pay_sumamt, sum(r.setldetail.map((f) => f.fund_payamt)));
  // Per line without building arrays or names first: a 2,000-line stay made 8,000 tuples with
  // their label texts just to find none broken (settle.2000 profile, issue 19). A label is made
  // only for an amount that fails.
  const places = (name: () => string, v: Decimal): void => {
    if (v.decimalPlaces() > 2) broken.push(`${name()} 超过两位小数: ${v.toFixed()}`);
  };
  fees.forEach((f, i) => {
    const l = r.lines[i];
    if (!l || !f.amount.eq(l.in.plus(l.pre).plus(l.over).plus(l.full))) broken.push(`第 ${i + 1} 行四项之和 ≠ 金额 ${f.amount.toFixed(2)}`);
  });
  for (const [key, v] of Object.entries(r)) if (v instanceof Decimal) places(() => key, v);
  for (const f of r.setldetail) places(() => `setldetail ${f.fund_pay_type}`, f.fund_payamt);
  for (const l of r.lines) {
    places(() => `${l.sn}.in`, l.in);
    places(() => `${l.sn}.pre`, l.pre);
    places(() => `${l.sn}.over`, l.over);
    places(() => `${l.sn}.full`, l.full);
  }
  if (broken.length > 0) throw new Error(`结算恒等式不成立：${broken.join('；')}`);
}

// ---------------------------------------------------------------------------------------------
// Wire form (CLI.md `settle`).

export interface SettleJson {
  medfee_sumamt: string;
  inscp_scp_amt: string;
  preselfpay_amt: string;
  overlmt_selfpay: string;
  fulamt_ownpay_amt: string;
  act_pay_dedc: string;
  hifp_pay: string;
  fund_pay_sumamt: string;
  psn_part_amt: string;
  acct_pay: string;
  psn_cash_pay: string;
  setldetail: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: string }[];
  policyVersion: string;
}

/** The CLI.md output object, keys in its order; the supplementary and civil-servant amounts are in setldetail. */
export function settleToJson(r: SettleResult): SettleJson {
  return {
    medfee_sumamt: toText(r.medfee_sumamt),
    inscp_scp_amt: toText(r.inscp_scp_amt),
    preselfpay_amt: toText(r.preselfpay_amt),
    overlmt_selfpay: toText(r.overlmt_selfpay),
    fulamt_ownpay_amt: toText(r.fulamt_ownpay_amt),
    act_pay_dedc: toText(r.act_pay_dedc),
    hifp_pay: toText(r.hifp_pay),
    fund_pay_sumamt: toText(r.fund_pay_sumamt),
    psn_part_amt: toText(r.psn_part_amt),
    acct_pay: toText(r.acct_pay),
    psn_cash_pay: toText(r.psn_cash_pay),
    setldetail: r.setldetail.map((f) => ({ fund_pay_type: f.fund_pay_type, fund_pay_type_name: f.fund_pay_type_name, fund_payamt: toText(f.fund_payamt) })),
    policyVersion: r.policyVersion,
  };
}

export function settleFromJson(json: unknown): SettleJson {
  return settleToJson(computeSettlement(parseSettleInput(json)));
}
