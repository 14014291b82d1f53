import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAdmission } from '../../db/repos/admissions.ts';
import { insertSettlement } from '../../db/repos/settlements.ts';
import { todayCST } from '../../shared/dates.ts';
import { settleStay } from '../support/claimFixtures.ts';
import { api, startDeskHost } from '../support/deskHost.ts';

let ctx: Awaited<ReturnType<typeof startDeskHost>>;
beforeAll(async () => {
  ctx = await startDeskHost();
});
afterAll(async () => ctx.stop());

describe('home dashboard', () => {
  it('sums today and the month exactly, counting a reversal as −1, and lists what is due', async () => {
    const today = todayCST();
    const db = ctx.desk.db;
    const admissionId = insertAdmission(db, {
      iptNo: 'ZY-DASH-1', personId: 1, insutype: '310', medType: '21', certType: '02', certNo: 'x', grp: 'longTerm', admittedAt: `${today} 08:00:00`,
      way: '门诊', deptCode: 'A01', deptName: '骨科', bed: '1', diagCode: 'S72.000', diagName: '股骨颈骨折', doctor: '李医生',
    });
    const base = { admissionId, settledOn: today, setlTime: `${today} 10:00:00`, insutype: '310', scope: 'cross' as const, policyVersion: 'v', catalogueVersion: 'c' };
    const s1 = insertSettlement(db, { ...base, kind: 'settlement', medfeeSumamt: '1000.10', fundPaySumamt: '700.07', msgid: 'M1' }, [{ source: 'local', fundPayType: '310100', fundPayTypeName: '职工基本医疗保险统筹基金', fundPayamt: '700.07' }]);
    insertSettlement(db, { ...base, kind: 'settlement', medfeeSumamt: '0.20', fundPaySumamt: '0.10', msgid: 'M2' }, [{ source: 'local', fundPayType: '310100', fundPayTypeName: '职工基本医疗保险统筹基金', fundPayamt: '0.10' }]);
    insertSettlement(db, { ...base, kind: 'reversal', reversalOf: s1, medfeeSumamt: '-1000.10', fundPaySumamt: '-700.07', msgid: 'M3' }, [{ source: 'local', fundPayType: '310100', fundPayTypeName: '职工基本医疗保险统筹基金', fundPayamt: '-700.07' }]);

    const token = ((await api(ctx.host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.result as { token: string }).token;
    const d = (await api(ctx.host, 'dashboard.get', {}, token)).body.result as {
      admissionsToday: number; inHospital: number; settlementsToday: number; medfeeToday: string; fundToday: string;
      deadlines: { text: string }[]; month: { days: { day: string; settlements: number }[]; byFund: { fundPayType: string; amount: string }[] };
    };
    expect(d.admissionsToday).toBe(1);
    expect(d.inHospital).toBe(1);
    expect(d.settlementsToday).toBe(1);
    expect(d.medfeeToday).toBe('0.20');
    expect(d.fundToday).toBe('0.10');
    expect(d.month.byFund).toEqual([{ fundPayType: '310100', name: '职工基本医疗保险统筹基金', amount: '0.10' }]);
    expect(d.month.days.find((x) => x.day === today)?.settlements).toBe(1);
    expect(d.month.days.length).toBeGreaterThanOrEqual(28);
    expect(d.deadlines.some((n) => n.text.includes('清算'))).toBe(true);
  });
});

describe('claim deadlines on the home screen: one message per problem, no red alarm with nothing to claim (issue 20 point 7)', () => {
  it('the last day of the window', async () => {
    const h = await startDeskHost();
    try {
      h.desk.setClock(() => '2026-11-05');
      const token = ((await api(h.host, 'auth.login', { login: 'clerk01', password: 'demo1234' })).body.result as { token: string }).token;
      const deadlines = async () => ((await api(h.host, 'dashboard.get', {}, token)).body.result as { deadlines: { text: string; level: string }[] }).deadlines.filter((n) => n.text.includes('2026-10 期清算申报'));

      // Nothing settled in October: the closing window is information.
      const none = await deadlines();
      expect(none).toEqual([{ text: expect.stringContaining('本期已没有待申报的结算'), level: 'info', date: '2026-11-05', daysLeft: 0 }]);

      // One October stay not declared: the loud alarm, once.
      settleStay(h.desk, { settledOn: '2026-10-12', medfee: '1000.00', funds: [['310100', '600.00']] });
      const some = await deadlines();
      expect(some).toHaveLength(1);
      expect(some[0]).toMatchObject({ level: 'danger', text: expect.stringContaining('【今日截止】') });
      expect(some[0]!.text).toContain('还有 1 笔结算');
    } finally {
      await h.stop();
    }
  });
});
