/**
 * National code tables (national-interface.md §3). Regions confirm them with 1901; these are
 * the values the desk understands and the names it shows.
 */
function table<T extends Record<string, string>>(t: T): Readonly<T> {
  return Object.freeze(t);
}

export const INSUTYPE = table({
  '310': '职工基本医疗保险', '320': '公务员医疗补助', '330': '大额医疗费用补助', '340': '离休人员医疗保障',
  '350': '一至六级残废军人医疗补助', '360': '老红军医疗保障', '370': '企业补充医疗保险',
  '380': '新型农村合作医疗', '390': '城乡居民基本医疗保险', '391': '城镇居民基本医疗保险',
  '392': '城乡居民大病医疗保险', '399': '其他特殊人员医疗保障', '410': '长期照护保险', '510': '生育保险',
});

/** The two schemes the desk settles (DOMAIN §1); 380/391 are legacy values kept for old data. */
export const SCHEMES = ['310', '390'] as const;
export type Scheme = (typeof SCHEMES)[number];
export const SCHEME_SHORT: Record<Scheme, string> = { '310': '职工医保', '390': '居民医保' };
/** The schemes by name, so code says which one it means instead of a bare '310'. */
export const SCHEME = { employee: '310', resident: '390' } as const satisfies Record<string, Scheme>;

export const MDTRT_CERT_TYPE = table({ '01': '医保电子凭证', '02': '居民身份证', '03': '社会保障卡' });
export type CertType = keyof typeof MDTRT_CERT_TYPE;

export const PSN_CERT_TYPE = table({
  '01': '居民身份证（户口簿）', '02': '军官证', '03': '武警警官证', '04': '港澳通行证', '05': '港澳通行证',
  '06': '台湾居民来往大陆通行证', '07': '外国人永久居留证', '08': '外国人护照', '09': '残疾人证',
  '16': '中国护照', '17': '港澳台居民居住证', '90': '社会保障卡', '99': '其他',
});

export const PSN_TYPE = table({ '11': '在职', '12': '退休', '13': '离休', '14': '居民（未成年）', '15': '居民（成年）', '16': '居民（老年）' });

export const PSN_INSU_STAS = table({ '0': '未参保', '1': '正常参保', '2': '暂停参保', '3': '无效参保', '4': '终止参保' });

export const GEND = table({ '0': '未知', '1': '男', '2': '女', '9': '未说明' });

export const MED_TYPE = table({
  '11': '普通门诊', '12': '门诊挂号', '13': '急诊', '14': '门诊慢特病', '21': '普通住院', '22': '外伤住院',
  '23': '转外诊治住院', '24': '急诊转住院', '41': '定点药店购药', '51': '生育门诊', '52': '生育住院', '53': '计划生育手术费',
});

export const DIAG_TYPE = table({ '1': '西医诊断', '2': '中医主病诊断', '3': '中医主证诊断' });

export const MED_CHRGITM_TYPE = table({
  '01': '床位费', '02': '诊察费', '03': '检查费', '04': '化验费', '05': '治疗费', '06': '手术费', '07': '护理费',
  '08': '卫生材料费', '09': '西药费', '10': '中药饮片费', '11': '中成药费', '12': '一般诊疗费', '13': '挂号费', '14': '其他费',
});

export const CHRGITM_LV = table({ '01': '甲类', '02': '乙类', '03': '丙类/自费' });
/** The settle command's class letters and the national chrgitm_lv. One region sends 1/2/3. */
export const CLASS_OF_CHRGITM_LV: Record<string, 'A' | 'B' | 'C'> = { '01': 'A', '02': 'B', '03': 'C', '1': 'A', '2': 'B', '3': 'C' };

export const LIST_TYPE = table({ '101': '西药中成药', '102': '中药饮片', '103': '自制剂', '104': '民族药', '201': '医疗服务项目', '301': '医用耗材' });

export const FUND_PAY_TYPE = table({
  '310100': '职工基本医疗保险统筹基金', '310200': '职工基本医疗保险个人账户基金', '320100': '公务员医疗补助基金',
  '330100': '大额医疗费用补助基金', '340100': '离休人员医疗保障基金', '350100': '一至六级残疾军人医疗补助基金',
  '370100': '企业补充医疗保险基金', '390100': '城乡居民基本医疗保险基金', '390200': '城乡居民大病医疗保险基金',
  '510100': '生育基金', '610100': '医疗救助基金', '640100': '政府兜底基金', '999996': '医院垫付', '999997': '其他基金',
});

/** The fund codes the desk's own engine computes, by name (FUND_PAY_TYPE above has the rest). */
export const FUND = {
  employeePool: '310100', employeeAccount: '310200', civilServant: '320100', employeeLarge: '330100',
  residentPool: '390100', residentSerious: '390200',
} as const satisfies Record<string, keyof typeof FUND_PAY_TYPE>;
/**
 * The national fund a row's code belongs to. Real answers carry regional variants of the national
 * codes (330101 for 330100, 310101 for 310100 — DOMAIN §6): a six-digit code whose family
 * (the first four digits and 00) is a national fund counts as that fund for the claim tables and
 * the year's sums; the row itself keeps its code and name as returned (004 附件10 注1).
 */
export function nationalFundOf(code: string): string {
  if (code in FUND_PAY_TYPE || !/^\d{6}$/.test(code)) return code;
  const family = `${code.slice(0, 4)}00`;
  return family in FUND_PAY_TYPE ? family : code;
}
export type PoolFund = typeof FUND.employeePool | typeof FUND.residentPool;
export type SupplementaryFund = typeof FUND.employeeLarge | typeof FUND.residentSerious;
/** 统筹基金 and 大额/大病 fund of each scheme. */
export const POOL_FUND: Readonly<Record<Scheme, PoolFund>> = { '310': FUND.employeePool, '390': FUND.residentPool };
export const SUPPLEMENTARY_FUND: Readonly<Record<Scheme, SupplementaryFund>> = { '310': FUND.employeeLarge, '390': FUND.residentSerious };

export const CLR_TYPE = table({ '11': '门诊', '21': '住院', '41': '药店购药', '99': '其他' });
export const CLR_WAY = table({ '01': '按项目', '02': '单病种', '03': '按床日', '04': '按人头', '05': 'DRGs点数法', '99': '其他' });
export const PSN_SETLWAY = table({ '01': '按项目结算', '02': '按定额结算' });
export const DSCG_WAY = table({ '1': '医嘱离院', '2': '医嘱转院', '3': '转社区', '4': '非医嘱离院', '5': '死亡', '9': '其他' });
export const STMT_RSLT = table({ '0': '平', '1': '不平' });

/** Admission ways on the slip (004 附件10 入院方式). */
export const ADMISSION_WAYS = ['门诊', '急诊', '转院'] as const;

export function nameOf(t: Readonly<Record<string, string>>, code: string): string {
  return t[code] ?? `未知代码 ${code}`;
}

// ---------------------------------------------------------------------------------------------
// Labels: the platform's 1901 dictionaries first, these tables second (docs/catalogue.md).

/** The 1901 dictionaries the desk holds: type (the national field name) → value → label. */
export type Dictionaries = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** The built-in table of each 1901 type the desk shows (the type is the national field name). */
export const BUILT_IN_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  insutype: INSUTYPE, mdtrt_cert_type: MDTRT_CERT_TYPE, psn_cert_type: PSN_CERT_TYPE, psn_type: PSN_TYPE,
  psn_insu_stas: PSN_INSU_STAS, gend: GEND, med_type: MED_TYPE, diag_type: DIAG_TYPE, med_chrgitm_type: MED_CHRGITM_TYPE,
  chrgitm_lv: CHRGITM_LV, list_type: LIST_TYPE, fund_pay_type: FUND_PAY_TYPE, clr_type: CLR_TYPE, clr_way: CLR_WAY,
  psn_setlway: PSN_SETLWAY, dscg_way: DSCG_WAY, stmt_rslt: STMT_RSLT,
};

/**
 * The label of a national code: the region's 1901 dictionary when the desk has one for the type
 * (national-interface.md: 1901 字典表查询 gives each code's label), else the built-in table, else
 * `fallback` (default "未知代码 X"). The one lookup every view uses.
 */
export function codeLabel(type: string, code: string, dicts?: Dictionaries | null, fallback?: string): string {
  return dicts?.get(type)?.get(code) ?? BUILT_IN_LABELS[type]?.[code] ?? fallback ?? `未知代码 ${code}`;
}
