import { z } from 'zod';
import { calendarDate } from '../dates.ts';
import { method } from './contract.ts';

/**
 * 协查 (004 第六十六条): an agency's request names the person, the hospital's numbers, dates and a
 * total; the desk finds the stay from any of them. Stays over the thresholds (cross-province
 * 30,000 / in-province 20,000, policy values) are flagged at settlement and listed here.
 */

export interface AssistStayView {
  admissionId: number;
  iptNo: string;
  certno: string;
  psnName: string;
  admittedAt: string;
  dischargedAt: string | null;
  mdtrtId: string | null;
  settlementId: number | null;
  setlId: string | null;
  settledOn: string | null;
  medfeeSumamt: string | null;
  scope: 'cross' | 'in' | null;
  assistanceFlag: boolean;
}

const text = (label: string, max: number) => z.string({ error: `${label}应为文本` }).trim().min(1, `${label}不能为空`).max(max, `${label}最多 ${max} 个字符`).optional();

export const assistanceApi = {
  'assist.find': method<AssistStayView[]>()(z.strictObject({
    certno: text('证件号码', 18), psnName: text('姓名', 50), iptNo: text('住院号', 30), platformId: text('结算编号或就诊 ID', 40),
    from: calendarDate.optional(), to: calendarDate.optional(),
    total: z.string().regex(/^\d+(\.\d{1,2})?$/, '医疗费总额应为最多两位小数的非负数').optional(),
  }).refine((v) => Object.values(v).some((x) => x !== undefined), { message: '请至少填写一项协查条件', path: ['certno'], params: { code: 'NO_CRITERIA' } }), 'clerk'),
  'assist.flagged': method<AssistStayView[]>()(z.strictObject({ from: calendarDate, to: calendarDate }), 'clerk'),
} as const;
