import { describe, expect, it } from 'vitest';
import { deadlineWindow, syncDeadlines } from '../../shared/syncDeadlines.ts';

describe('sync deadlines (DOMAIN §8)', () => {
  it('nothing to say when every settlement day is reconciled and no fee upload is waiting', () => {
    expect(syncDeadlines({ today: '2026-11-02', settlementDays: ['2026-10-30', '2026-11-01'], reconciled: { '2026-10-30': 'balanced', '2026-11-01': 'balanced' }, feeUploads: [] })).toEqual([]);
  });

  it('the previous month must be reconciled by the 3rd: a warning with the days left, then overdue', () => {
    const input = { settlementDays: ['2026-10-05', '2026-10-30', '2026-10-31'], reconciled: { '2026-10-05': 'balanced' as const }, feeUploads: [] };
    const before = syncDeadlines({ ...input, today: '2026-11-01' });
    expect(before).toEqual([expect.objectContaining({ level: 'warning', code: 'RECONCILE_PREVIOUS_MONTH', due: '2026-11-03', items: ['2026-10-30', '2026-10-31'], rule: expect.stringContaining('第四十一条') })]);
    expect(before[0]!.message).toBe('上月（2026年10月）须于 11月3日 前完成对账，尚有 10月30日、10月31日 未对平（还剩 2 天）');
    expect(syncDeadlines({ ...input, today: '2026-11-03' })[0]).toMatchObject({ level: 'warning' });
    const after = syncDeadlines({ ...input, today: '2026-11-04' });
    expect(after[0]).toMatchObject({ level: 'overdue', code: 'RECONCILE_PREVIOUS_MONTH' });
    expect(after[0]!.message).toContain('已逾期');
  });

  it('an unbalanced day is its own warning and does not count as reconciled', () => {
    const w = syncDeadlines({ today: '2026-11-02', settlementDays: ['2026-10-31'], reconciled: { '2026-10-31': 'unbalanced' }, feeUploads: [] });
    expect(w.map((x) => x.code)).toEqual(['RECONCILE_UNBALANCED', 'RECONCILE_PREVIOUS_MONTH']);
  });

  it('days of this month not yet reconciled are listed (today itself is not due yet), across a year end', () => {
    const w = syncDeadlines({ today: '2027-01-10', settlementDays: ['2027-01-08', '2027-01-10', '2026-12-31'], reconciled: { '2026-12-31': 'balanced' }, feeUploads: [] });
    expect(w).toEqual([expect.objectContaining({ level: 'info', code: 'RECONCILE_DAILY', items: ['2027-01-08'] })]);
    expect(deadlineWindow('2027-01-10')).toEqual({ from: '2026-12-01', to: '2027-01-09' });
  });

  it('fee details: due within the policy days (2); the last day warns, later is overdue, a rejection says so', () => {
    const w = syncDeadlines({
      today: '2026-11-10', settlementDays: [], reconciled: {},
      feeUploads: [
        { msgid: 'A', createdOn: '2026-11-07', status: 'rejected', uploadDays: 2 },
        { msgid: 'B', createdOn: '2026-11-08', status: 'pending', uploadDays: 2 },
        { msgid: 'C', createdOn: '2026-11-09', status: 'pending', uploadDays: 2 },
        { msgid: 'D', createdOn: '2026-11-10', status: 'pending', uploadDays: 5 },
      ],
    });
    expect(w.map((x) => [x.level, x.code, x.items])).toEqual([['overdue', 'FEE_UPLOAD_OVERDUE', ['A']], ['warning', 'FEE_UPLOAD_DUE', ['B', 'C']]]);
    expect(w[0]!.message).toContain('被经办机构拒绝');
    expect(w[1]!.message).toBe('有 2 批费用明细最迟须于 11月10日 上传（跨省异地就医费用明细应在 2 日内上传）');
  });
});
