import { FUND, SCHEME, SCHEME_SHORT, type Scheme, nationalFundOf } from './codes.ts';
import { isRegionCode, poolingRegionOf, regionName } from './regions.ts';
import { toText, ZERO } from './money.ts';
import type { Decimal } from './money.ts';

/**
 * The tables of the monthly clearing (004 第五十一条): the hospital's 拨付表 (附件11), the fund
 * detail tables by scheme (附件13 职工, 附件14 城乡居民), and the desk's per-settlement detail list.
 * Pure: the service gathers the settlements of the period's claims, these functions lay them out,
 * and the PDF and Excel writers only draw what they get — so both files show the same sums.
 */

/** One declared settlement or reversal (reversals carry negative amounts). */
export interface TableItem {
  id: string;
  kind: 'settlement' | 'reversal';
  settledOn: string;
  scheme: string;
  scope: 'cross' | 'in';
  /** The patient's insured region (参保地), 6 digits. */
  insuredRegion: string;
  iptNo: string;
  psnName: string;
  setlId: string | null;
  medfee: Decimal;
  fund: Decimal;
  acct: Decimal;
  cash: Decimal;
  funds: { fund_pay_type: string; amount: Decimal }[];
  /** 审核扣款 standing against it (not revoked by the agency). */
  deduction: Decimal;
}

/**
 * A deduction of the period before, revoked by the agency after that period's review cutoff:
 * paid back in this period's clearing (004 第五十条; shared/reviewDisputes.ts). `amount` is positive.
 */
export type TableRefund = Pick<TableItem, 'settledOn' | 'scheme' | 'scope' | 'insuredRegion' | 'iptNo' | 'psnName' | 'setlId'> & {
  ddnId: string;
  /** The period of the claim it was deducted from. */
  fromPeriod: string;
  settlementId: string | null;
  amount: Decimal;
};

export interface HospitalInfo {
  /** 定点医疗机构编码 (the regional code; the national code where the region has none). */
  code: string;
  /** 贯标码: the national 12-character code (fixmedins_code). */
  gbCode: string;
  name: string;
}

export const TABLE_TITLES = {
  hospital: '异地就医费用直接结算清算费用医院拨付表',
  employees: '异地就医直接结算清算费用职工医保应付基金明细表',
  residents: '异地就医直接结算清算费用城乡居民医保应付基金明细表',
  detail: '异地就医直接结算清算结算明细表',
} as const;

export type TableKind = keyof typeof TABLE_TITLES;

/** Which attachment of 004 a table reproduces (shown on the table, cited in the UI). */
export const TABLE_SOURCES: Record<TableKind, string> = {
  hospital: '004 附件11',
  employees: '004 附件13',
  residents: '004 附件14',
  detail: '本院明细（004 第四十九条 申报清单）',
};

// ─── 附件11 医院拨付表 ───────────────────────────────────────────────────────────────────────

export const HOSPITAL_COLUMNS = ['序号', '定点医疗机构编码', '贯标码', '定点医疗机构名称', '申请金额', '审核扣款', '实付金额'] as const;

export interface HospitalRow {
  seq: number;
  code: string;
  gbCode: string;
  name: string;
  applied: Decimal;
  deducted: Decimal;
  paid: Decimal;
}

export interface HospitalTable {
  period: string;
  rows: HospitalRow[];
  total: { applied: Decimal; deducted: Decimal; paid: Decimal };
  /** Of 审核扣款: the earlier period's deductions paid back in this one (positive; 审核扣款 is net of them). */
  refunded: Decimal;
}

/**
 * The hospital's row: 申请金额 is what the clearing pays the hospital for the period — the funds
 * (Σ fund_pay_sumamt) and the personal accounts the insured regions pay through it (Σ acct_pay),
 * the same as the 合计 columns of 附件13 and 附件14 together; 审核扣款 the deductions that stand;
 * 实付金额 the amount the agency reported as paid when it has, else 申请 − 扣款 (004 第五十条).
 */
export function hospitalTable(period: string, items: readonly TableItem[], hospital: HospitalInfo, paidByAgency: Decimal | null, refunds: readonly TableRefund[] = []): HospitalTable {
  let applied = ZERO;
  let deducted = ZERO;
  for (const i of items) {
    applied = applied.plus(i.fund).plus(i.acct);
    deducted = deducted.plus(i.deduction);
  }
  // A dispute of the period before agreed after its cutoff enters this period (004 第五十条): the
  // form has no column for it, so it lowers 审核扣款 and the table says so in a note.
  const refunded = refunds.reduce((a, r) => a.plus(r.amount), ZERO);
  deducted = deducted.minus(refunded);
  const paid = paidByAgency ?? applied.minus(deducted);
  const rows: HospitalRow[] = items.length === 0 && refunds.length === 0 ? [] : [{ seq: 1, code: hospital.code, gbCode: hospital.gbCode, name: hospital.name, applied, deducted, paid }];
  return { period, rows, total: { applied, deducted, paid }, refunded };
}

// ─── 附件13 / 附件14 fund detail by scheme ─────────────────────────────────────────────────

type FundColumn = 'pool' | 'major' | 'civil' | 'other' | 'account' | 'assistance' | 'enterprise' | 'disabled' | 'fiscal';

const COLUMN_LABEL: Record<FundColumn, string> = {
  pool: '统筹支付',
  major: '医疗救助(大病)支付',
  civil: '公务员补助',
  other: '其他基金',
  account: '帐户支付',
  assistance: '民政补助支付',
  enterprise: '企业补充医保支付',
  disabled: '伤残医保支付',
  fiscal: '财政兜底支付',
};

/** 附件13 columns 1–9 (职工) and 附件14 columns 1–8 (城乡居民: no 公务员补助). */
const EMPLOYEE_FUNDS: FundColumn[] = ['pool', 'major', 'civil', 'other', 'account', 'assistance', 'enterprise', 'disabled', 'fiscal'];
const RESIDENT_FUNDS: FundColumn[] = ['pool', 'major', 'other', 'account', 'assistance', 'enterprise', 'disabled', 'fiscal'];

/**
 * The column a fund payment belongs in. 大额医疗费用补助 (330100) and 城乡居民大病保险 (390200)
 * are the "(大病)" column; 医疗救助 (610100) is paid through civil affairs (民政补助); 残疾军人
 * 医疗补助 (350100) is the 伤残 column; anything without a column of its own is 其他基金.
 */
export function fundColumnOf(fundPayType: string, scheme: string): FundColumn {
  switch (nationalFundOf(fundPayType)) {
    case FUND.employeePool:
    case FUND.residentPool:
      return 'pool';
    case FUND.employeeLarge:
    case FUND.residentSerious:
      return 'major';
    case FUND.civilServant:
      return scheme === SCHEME.resident ? 'other' : 'civil';
    case FUND.employeeAccount:
      return 'account';
    case '610100':
      return 'assistance';
    case '370100':
      return 'enterprise';
    case '350100':
      return 'disabled';
    case '640100':
      return 'fiscal';
    default:
      return 'other';
  }
}

export interface FundDetailRow {
  region: string;
  regionName: string;
  values: Decimal[];
}

export interface FundDetailTable {
  scheme: Scheme;
  period: string;
  /** Column headings after 地区, in order. */
  columns: string[];
  /** The column numbers the form prints under the headings (甲栏 1 2 … 10（=1 至 9 之和）…). */
  numbers: string[];
  rows: FundDetailRow[];
  total: Decimal[];
}

/** The region a settlement is counted under: the insured pooling region (统筹区). */
function regionOf(code: string): { region: string; name: string } {
  if (!isRegionCode(code)) return { region: code, name: code };
  const region = poolingRegionOf(code);
  return { region, name: regionName(region) ?? region };
}

/**
 * 附件13 (310) or 附件14 (390) for the items of that scheme: one row per insured pooling region,
 * 合计 = the sum of the fund columns (account included), and for employees 审核扣款 and
 * 应付 = 合计 − 审核扣款, as the forms define them.
 */
export function fundDetailTable(period: string, items: readonly TableItem[], scheme: Scheme, refunds: readonly TableRefund[] = []): FundDetailTable {
  const funds = scheme === SCHEME.employee ? EMPLOYEE_FUNDS : RESIDENT_FUNDS;
  const withDeduction = scheme === SCHEME.employee;
  const width = funds.length + 1 + (withDeduction ? 2 : 0);
  const byRegion = new Map<string, FundDetailRow>();
  const rowOf = (insuredRegion: string): FundDetailRow => {
    const { region, name } = regionOf(insuredRegion);
    let row = byRegion.get(region);
    if (!row) byRegion.set(region, (row = { region, regionName: name, values: Array.from({ length: width }, () => ZERO) }));
    return row;
  };
  // 附件13 has a 审核扣款 column: an earlier deduction paid back this period lowers it (004 第五十条).
  if (withDeduction) {
    for (const r of refunds) {
      if (r.scheme !== scheme) continue;
      const row = rowOf(r.insuredRegion);
      row.values[funds.length + 1] = row.values[funds.length + 1]!.minus(r.amount);
    }
  }
  for (const item of items) {
    if (item.scheme !== scheme) continue;
    const row = rowOf(item.insuredRegion);
    const add = (col: number, v: Decimal): void => {
      row.values[col] = row.values[col]!.plus(v);
    };
    let accountInFunds = false;
    for (const f of item.funds) {
      const col = fundColumnOf(f.fund_pay_type, scheme);
      if (col === 'account') accountInFunds = true;
      add(funds.indexOf(col), f.amount);
    }
    if (!accountInFunds) add(funds.indexOf('account'), item.acct);
    if (withDeduction) add(funds.length + 1, item.deduction);
  }
  const rows = [...byRegion.values()].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
  for (const row of rows) {
    const sum = row.values.slice(0, funds.length).reduce((a, v) => a.plus(v), ZERO);
    row.values[funds.length] = sum;
    if (withDeduction) row.values[funds.length + 2] = sum.minus(row.values[funds.length + 1]!);
  }
  const total = Array.from({ length: width }, (_, c) => rows.reduce((a, r) => a.plus(r.values[c]!), ZERO));
  const n = funds.length;
  const columns = [...funds.map((f) => COLUMN_LABEL[f]), '合计', ...(withDeduction ? ['审核扣款', '应付'] : [])];
  const numbers = [
    ...funds.map((_, i) => String(i + 1)),
    `${n + 1}（=1至${n}之和）`,
    ...(withDeduction ? [String(n + 2), `${n + 3}（=${n + 1}-${n + 2}）`] : []),
  ];
  return { scheme, period, columns, numbers, rows, total };
}

// ─── Per-settlement detail list ─────────────────────────────────────────────────────────────

export const DETAIL_COLUMNS = ['序号', '结算日期', '结算ID', '住院号', '姓名', '险种', '范围', '参保地', '医疗费总额', '基金支付', '个人账户', '个人现金', '审核扣款', '备注'] as const;

export interface DetailRow {
  seq: number;
  settledOn: string;
  setlId: string;
  iptNo: string;
  psnName: string;
  scheme: string;
  scope: string;
  region: string;
  medfee: Decimal;
  fund: Decimal;
  acct: Decimal;
  cash: Decimal;
  deduction: Decimal;
  note: string;
}

export interface DetailList {
  period: string;
  rows: DetailRow[];
  total: { count: number; medfee: Decimal; fund: Decimal; acct: Decimal; cash: Decimal; deduction: Decimal };
}

/** The columns that say which settlement a detail row is about. */
function whoColumns(x: Pick<TableItem, 'settledOn' | 'setlId' | 'iptNo' | 'psnName' | 'scheme' | 'scope' | 'insuredRegion'>): Pick<DetailRow, 'settledOn' | 'setlId' | 'iptNo' | 'psnName' | 'scheme' | 'scope' | 'region'> {
  return {
    settledOn: x.settledOn,
    setlId: x.setlId ?? '（待确认）',
    iptNo: x.iptNo,
    psnName: x.psnName,
    scheme: SCHEME_SHORT[x.scheme as Scheme] ?? x.scheme,
    scope: x.scope === 'cross' ? '跨省' : '省内',
    region: regionName(x.insuredRegion) ?? x.insuredRegion,
  };
}

export function detailList(period: string, items: readonly TableItem[], notes: ReadonlyMap<string, string> = new Map(), refunds: readonly TableRefund[] = []): DetailList {
  const sorted = [...items].sort((a, b) => (a.settledOn !== b.settledOn ? (a.settledOn < b.settledOn ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const refundRows = refunds.map((r): DetailRow => ({
    seq: 0,
    ...whoColumns(r),
    medfee: ZERO,
    fund: ZERO,
    acct: ZERO,
    cash: ZERO,
    deduction: r.amount.negated(),
    // Short: the column is narrow; the note under the table names the deduction (004 第五十条).
    note: `${r.fromPeriod} 期扣款退还`,
  }));
  const rows = sorted.map((i, k): DetailRow => ({
    seq: k + 1,
    ...whoColumns(i),
    medfee: i.medfee,
    fund: i.fund,
    acct: i.acct,
    cash: i.cash,
    deduction: i.deduction,
    note: [i.kind === 'reversal' ? '结算撤销' : '', notes.get(i.id) ?? ''].filter((x) => x !== '').join('；'),
  }));
  refundRows.forEach((r, k) => rows.push({ ...r, seq: sorted.length + k + 1 }));
  const sum = (f: (r: DetailRow) => Decimal): Decimal => rows.reduce((a, r) => a.plus(f(r)), ZERO);
  return {
    period,
    rows,
    total: { count: sorted.length, medfee: sum((r) => r.medfee), fund: sum((r) => r.fund), acct: sum((r) => r.acct), cash: sum((r) => r.cash), deduction: sum((r) => r.deduction) },
  };
}

/** '2026-10' → '2026年10月' (清算所属月份 on the forms). */
export function periodLabel(period: string): string {
  return `${period.slice(0, 4)}年${period.slice(5, 7)}月`;
}

/** Two-decimal text of every value (for the Excel cells and the API). */
export function amountTexts(values: readonly Decimal[]): string[] {
  return values.map((v) => toText(v));
}
