import { describe, expect, it } from 'vitest';
import { agencyTextSummary } from '../../electron/sync/agencyText.ts';

// Issue 21 point 8: agency garbage is never pasted raw into the sync screen.
describe('agencyTextSummary', () => {
  it('keeps a short Chinese refusal as it is', () => {
    expect(agencyTextSummary('医保平台业务失败（2401）：该人员是在院状态不能办理入院')).toBe('医保平台业务失败（2401）：该人员是在院状态不能办理入院');
  });
  it('says an HTML error page is a page, with its title, not its markup', () => {
    const s = agencyTextSummary(`医保平台拒绝请求（HTTP 400）：<!DOCTYPE html><html><head><title>400 Bad Request</title></head><body>${'<p>x</p>'.repeat(500)}</body></html>`);
    expect(s).toBe('医保平台拒绝请求（HTTP 400）：医保平台返回了网页而不是应答（网页标题：400 Bad Request），原文已存档');
    expect(s).not.toContain('<');
  });
  it('says binary is binary, with its size', () => {
    const s = agencyTextSummary('\u0000\u0001\u0002\ufffd\ufffdPK\u0003\u0004');
    expect(s).toMatch(/^医保平台返回了无法识别的内容（乱码或二进制数据，\d+ 字节），原文已存档$/);
  });
  it('cuts a huge text and says how long it was', () => {
    const s = agencyTextSummary('错'.repeat(100_000));
    expect(s.length).toBeLessThan(250);
    expect(s).toContain('共 100000 字，全文已存档');
  });
});
