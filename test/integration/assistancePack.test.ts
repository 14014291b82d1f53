import { afterEach, describe, expect, it } from 'vitest';
import { pdfText } from '../support/pdfText.ts';
import { readZip } from '../../electron/agency/zip.ts';
import type { AdmissionForSettlement, SettlementPreview } from '../../shared/api/settlement.ts';
import { addDays } from '../../shared/dates.ts';
import { admit, b64, type Ctx, feeCsv, ITEM, ok, setup } from '../support/settlementFixtures.ts';
import { DEMO_PATIENTS } from '../../electron/services/demo/demoData.ts';

/** 协查 (004 第六十六条; issue 15 §5): the stay is found from what the request names, and its documents go out in one ZIP. */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});


describe('协查 export', () => {
  it('finds the stay by ID number, name, 住院号, a day of the stay or its total; the ZIP holds one PDF of every record, the slip and the source files', async () => {
    ctx = await setup({ online: true });
    const a = await admit(ctx);
    await ok(ctx, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(feeCsv([
      { sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' },
      { sn: 'F3', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00' },
    ], addDays(a.admittedOn, 1))) });
    const p = await ok<SettlementPreview>(ctx, 'settlement.preview', { admissionId: a.id });
    await ok(ctx, 'settlement.commit', { admissionId: a.id, dischargedOn: p.dischargedOn, expectedTotal: p.amounts.medfee_sumamt, fingerprint: p.fingerprint });

    const find = (q: { certno?: string; name?: string; iptNo?: string; day?: string; total?: string }) => ok<AdmissionForSettlement[]>(ctx!, 'settlement.findForAssistance', q);
    for (const q of [{ certno: DEMO_PATIENTS[0].certno }, { name: '张秀兰' }, { iptNo: a.iptNo }, { day: addDays(a.admittedOn, 1) }, { total: '3450.00' }, { name: '张秀兰', total: '3450.00' }]) {
      expect((await find(q)).map((x) => x.id), JSON.stringify(q)).toContain(a.id);
    }
    expect(await find({ name: '张秀兰', total: '3450.01' })).toEqual([]);
    expect(await find({})).toEqual([]);

    const pack = await ok<{ fileName: string; zipBase64: string; pdfPages: number; files: string[] }>(ctx, 'settlement.assistancePack', { admissionId: a.id });
    expect(pack.fileName).toBe(`协查材料-${a.iptNo}.zip`);
    const entries = readZip(Buffer.from(pack.zipBase64, 'base64'), { maxEntryBytes: 20_000_000 });
    expect(entries.map((e) => e.name).sort()).toEqual(['协查材料汇编.pdf', '操作记录.csv', '结算单.pdf', '经办机构应答.json', '经办机构拆分.json', '费用明细.csv'].sort());
    const at = (n: string): Uint8Array => entries.find((e) => e.name === n)!.data;
    const t = pdfText(at('协查材料汇编.pdf'), 'assistance-pack').replace(/\s+/g, '');
    for (const s of ['协查材料：张秀兰', a.iptNo, '住院信息', '外伤无第三方责任承诺书', '外院检查单', '费用明细（2条，总费用3,450.00元', '空心加压螺钉', '结算', '参保地结算结果', '经办机构应答', '操作记录', 'settlement.request']) {
      expect(t, s).toContain(s.replace(/\s+/g, ''));
    }
    expect(pdfText(at('结算单.pdf'))).toContain('3,450.00');
    const csv = Buffer.from(at('费用明细.csv')).toString('utf8');
    expect(csv.split('\r\n').filter((l) => l !== '')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(at('经办机构应答.json')).toString('utf8'))).toHaveLength(1);
    expect(JSON.parse(Buffer.from(at('经办机构拆分.json')).toString('utf8'))).toHaveLength(2);
    // The copy of the slip is not a print.
    const state = await ok<{ active: { prints: number } }>(ctx, 'settlement.state', { admissionId: a.id });
    expect(state.active.prints).toBe(0);
  });
});
