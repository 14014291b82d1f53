import { z } from 'zod';
import { calendarDate } from '../dates.ts';
import { isRegionCode } from '../regions.ts';
import { empty, method } from './contract.ts';

export interface DeskSettings {
  institution: { fixmedinsCode: string; fixmedinsName: string; level: number; admdvs: string; networked: boolean; provinceName: string; regionName: string } | null;
  /** The gateway in effect (read-only here; 设置 → 经办机构连接 edits it through agency.connection.*). */
  agencyUrl: string;
  /** Whether the desk extensions' key is set; the key itself never leaves the services. */
  agencyKeySet: boolean;
  printerName: string;
  idleMinutes: number;
  /** The region's clearing policy (DOMAIN §12, 004 第四十九条–第五十一条; 003 的直接结算率目标). */
  claimPolicy: ClaimPolicySettings;
  /** Insured regions (admdvs) whose 5205 special-drug records the stay screen asks (off for every region by default). */
  specialDrugRegions: string[];
}

export interface ClaimPolicySettings {
  claimWindowEndDay: number;
  maxDeferralMonths: number;
  reviewCutoffDay: number;
  confirmationDay: number;
  /** Target share of discharges settled directly, in percent (003: 70). */
  directShareTarget: number;
}

const day = (label: string, min: number, max: number) =>
  z.number({ error: `${label}应为整数` }).int(`${label}应为整数`).min(min, `${label}应在 ${min} 到 ${max} 之间`).max(max, `${label}应在 ${min} 到 ${max} 之间`);

const claimPolicyInput = z.strictObject({
  claimWindowEndDay: day('申报截止日', 1, 28),
  maxDeferralMonths: day('最长延期月数', 0, 12),
  reviewCutoffDay: day('审核截止日', 2, 28),
  confirmationDay: day('确认截止日', 3, 28),
  directShareTarget: day('直接结算率目标（%）', 1, 100),
});

const institutionInput = z.strictObject({
  fixmedinsCode: z.string().trim().regex(/^[A-Z0-9]{12}$/, '定点医疗机构编号应为 12 位大写字母或数字'),
  fixmedinsName: z.string().trim().min(2, '请填写医疗机构名称').max(100, '医疗机构名称过长'),
  level: z.number().int().min(1, '医院等级应为 1、2 或 3').max(3, '医院等级应为 1、2 或 3'),
  admdvs: z.string().trim().refine(isRegionCode, '就医地医保区划应为 6 位有效行政区划代码'),
  networked: z.boolean(),
});

export const settingsApi = {
  'settings.get': method<DeskSettings>()(empty, 'clerk'),
  'settings.update': method<DeskSettings>()(
    z.strictObject({
      institution: institutionInput.optional(),
      // Kept for compatibility (scripts, tests): the same as agency.connection.update { url } / { extKey }.
      agencyUrl: z.string().trim().url('经办机构地址应为完整网址，如 https://…').refine((u) => /^https?:\/\//.test(u), '经办机构地址应以 http:// 或 https:// 开头').optional(),
      agencyKey: z.string().min(8, '机构密钥至少 8 位').max(200, '机构密钥过长').optional(),
      printerName: z.string().max(100, '打印机名称过长').optional(),
      claimPolicy: claimPolicyInput.optional(),
      specialDrugRegions: z.array(z.string().trim().refine(isRegionCode, '参保地区划应为 6 位有效行政区划代码')).max(400, '参保地过多').optional(),
    }),
    'supervisor',
  ),
  'audit.export': method<{ fileName: string; csvBase64: string; rows: number }>()(
    z.strictObject({ from: calendarDate.optional(), to: calendarDate.optional() }),
    'supervisor',
  ),
} as const;
