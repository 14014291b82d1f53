import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/repos/audit.ts';
import { maskIdsInText } from '../../shared/privacy.ts';
import { api, startDeskHost } from '../support/deskHost.ts';
import { DEMO_AGENCY_KEY } from '../../electron/services/demo/demoData.ts';

let ctx: Awaited<ReturnType<typeof startDeskHost>>;
beforeAll(async () => {
  ctx = await startDeskHost();
});
afterAll(async () => ctx.stop());

async function login(name: string): Promise<string> {
  const r = await api(ctx.host, 'auth.login', { login: name, password: 'demo1234' });
  return (r.body.result as { token: string }).token;
}

describe('settings', () => {
  it('a clerk reads the settings but cannot change them; the key is never returned', async () => {
    const token = await login('clerk01');
    const r = await api(ctx.host, 'settings.get', {}, token);
    expect(r.body.result).toMatchObject({ institution: { fixmedinsCode: 'H34010400001', admdvs: '340104' }, agencyKeySet: true });
    expect(JSON.stringify(r.body.result)).not.toContain(DEMO_AGENCY_KEY);
    const u = await api(ctx.host, 'settings.update', { agencyUrl: 'http://127.0.0.1:1' }, token);
    expect(u.body.error?.code).toBe('FORBIDDEN');
  });

  it('a supervisor changes the institution and agency; invalid fields are named in Chinese', async () => {
    const token = await login('super01');
    const bad = await api(ctx.host, 'settings.update', { institution: { fixmedinsCode: 'h1', fixmedinsName: '某医院', level: 3, admdvs: '340104', networked: true } }, token);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_INPUT', path: 'institution.fixmedinsCode' });
    expect(bad.body.error?.message).toContain('12 位');
    const badRegion = await api(ctx.host, 'settings.update', { institution: { fixmedinsCode: 'H34010400001', fixmedinsName: '某医院', level: 3, admdvs: '999999', networked: true } }, token);
    expect(badRegion.body.error?.path).toBe('institution.admdvs');
    const ok = await api(ctx.host, 'settings.update', { institution: { fixmedinsCode: 'H34010400001', fixmedinsName: '合肥市第一人民医院', level: 2, admdvs: '340181', networked: false }, agencyKey: 'new-secret-key-123' }, token);
    expect(ok.body.result).toMatchObject({ institution: { level: 2, admdvs: '340181', regionName: '安徽省合肥市巢湖市', provinceName: '安徽省', networked: false }, agencyKeySet: true });
    const audit = (await api(ctx.host, 'audit.list', { limit: 5 }, token)).body.result as { action: string; detail: string }[];
    const entry = audit.find((a) => a.action === 'settings.update');
    expect(entry?.detail).toContain('agency.key');
    expect(entry?.detail).not.toContain('new-secret-key-123');
  });

  it('exports the audit log as CSV with ID numbers masked', async () => {
    appendAudit(ctx.desk.db, { clerkId: null, action: 'test.write', entity: 'person', detail: { certno: '11010519491231002X', formula: '=1+1' } });
    const token = await login('super01');
    const r = await api(ctx.host, 'audit.export', {}, token);
    const { csvBase64, rows, fileName } = r.body.result as { csvBase64: string; rows: number; fileName: string };
    const csv = Buffer.from(csvBase64, 'base64').toString('utf8');
    expect(fileName).toMatch(/^审计日志-\d{4}-\d{2}-\d{2}至\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.startsWith('\uFEFF序号,时间,工号,姓名,操作,对象,对象编号,详情')).toBe(true);
    expect(csv).toContain('110105********002X');
    expect(csv).not.toContain('11010519491231002X');
    expect(rows).toBeGreaterThan(3);
    const clerk = await login('clerk01');
    expect((await api(ctx.host, 'audit.export', {}, clerk)).body.error?.code).toBe('FORBIDDEN');
    const badRange = await api(ctx.host, 'audit.export', { from: '2026-11-30', to: '2026-11-01' }, token);
    expect(badRange.body.error?.code).toBe('INVALID_RANGE');
  });

  it('maskIdsInText masks only whole 18-character ID numbers', () => {
    expect(maskIdsInText('患者 11010519491231002X 入院')).toBe('患者 110105********002X 入院');
    expect(maskIdsInText('msgid H34010400001202611231200000001')).toBe('msgid H34010400001202611231200000001');
  });
});
