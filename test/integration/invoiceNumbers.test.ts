import { afterEach, describe, expect, it } from 'vitest';
import { readZip } from '../../electron/agency/zip.ts';
import type { OutpatientAssistanceHit } from '../../shared/api/outpatient.ts';
import type { AdmissionForSettlement, FeeImportResult, InvoiceNumberView } from '../../shared/api/settlement.ts';
import { addDays } from '../../shared/dates.ts';
import { settledVisit } from '../support/outpatientFixtures.ts';
import { pdfText } from '../support/pdfText.ts';
import { admit, b64, type Ctx, fails, feeCsv, ITEM, ok, setup } from '../support/settlementFixtures.ts';

/**
 * 发票号 (issue 15; 004 第六十六条: a 协查 request may name the hospital's invoice number): it comes
 * with the fee file (column invono) or from the clerk, a correction is a new row, and 协查 finds the
 * stay or the visit by any number it had and shows them in the export.
 */
let ctx: Ctx | undefined;
afterEach(async () => {
  await ctx?.stop();
  ctx = undefined;
});

/** The fixture's CSV with an invono column, the value of each row in turn ('' = left empty). */
function withInvoice(csv: string, values: string[]): string {
  const [header, ...rows] = csv.split('\r\n').filter((l) => l !== '');
  return [`${header},invono`, ...rows.map((r, i) => `${r},${values[i] ?? ''}`)].join('\r\n') + '\r\n';
}
const pack = (c: Ctx, method: string, input: unknown) => ok<{ zipBase64: string }>(c, method, input);
const packPdfText = async (c: Ctx, method: string, input: unknown): Promise<string> => {
  const entries = readZip(Buffer.from((await pack(c, method, input)).zipBase64, 'base64'), { maxEntryBytes: 20_000_000 });
  return pdfText(entries.find((e) => e.name === '协查材料汇编.pdf')!.data, 'assistance-pack').replace(/\s+/g, '');
};

describe('发票号 of a stay', () => {
  it('comes with the fee file, is found by 协查, corrected by the clerk as a new row, and shown in the export', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const a = await admit(c);
    const day = addDays(a.admittedOn, 1);
    const rows = [{ sn: 'F1', ...ITEM.bed, cnt: '10', pric: '45', amount: '450.00' }, { sn: 'F2', ...ITEM.screw, cnt: '1', pric: '3000', amount: '3000.00' }];
    const fees = (values: string[]) => withInvoice(feeCsv(rows, day), values);
    const lines = () => (c.desk.db.$client.prepare('SELECT count(*) AS n FROM fee_lines WHERE admission_id = ?').get(a.id) as { n: number }).n;
    const invoiceRows = () => c.desk.db.$client.prepare('SELECT * FROM invoice_numbers ORDER BY id').all() as Record<string, unknown>[];

    // A bad value: the row (CSV line, header = 1) and the column are named, in Chinese; nothing is imported.
    const bad = await ok<FeeImportResult>(c, 'fees.import', { admissionId: a.id, fileName: 'bad.csv', contentBase64: b64(fees(['', '发票 12'])) });
    expect(bad.issues).toEqual([{ row: 3, column: 'invono', message: expect.stringMatching(/^第 3 行 invono 列：发票号只能包含字母、数字和“-”：发票 12/) }]);
    expect(lines()).toBe(0);
    // Two numbers in one file: the second row is named with the first.
    const two = await ok<FeeImportResult>(c, 'fees.import', { admissionId: a.id, fileName: 'two.csv', contentBase64: b64(fees(['3400001234', '3400009999'])) });
    expect(two.issues.map((i) => [i.row, i.column])).toEqual([[3, 'invono']]);
    expect(two.issues[0]!.message).toContain('与第 2 行的发票号 3400001234 不同');
    expect(invoiceRows()).toEqual([]);

    const imported = await ok<FeeImportResult>(c, 'fees.import', { admissionId: a.id, fileName: 'fees.csv', contentBase64: b64(fees(['3400001234', ''])) });
    expect(imported).toMatchObject({ imported: 2, issueCount: 0, invono: '3400001234' });
    const find = (q: Record<string, string>) => ok<AdmissionForSettlement[]>(c, 'settlement.findForAssistance', q);
    expect((await find({ invono: '3400001234' })).map((x) => [x.id, x.invono])).toEqual([[a.id, '3400001234']]);
    expect(await find({ invono: '3400001235' })).toEqual([]);
    // The search field is checked as the import is: a Chinese error naming the field.
    const badQuery = await fails(c, 'settlement.findForAssistance', { invono: '发票' });
    expect(badQuery).toMatchObject({ code: 'INVALID_INVONO', path: 'invono' });
    expect(badQuery.message).toContain('发票号只能包含字母、数字和“-”');

    // The same lines again with the column filled by a Chinese caption and another number: no line, a new number.
    const reexport = feeCsv(rows, day).replace(/\r\n$/, '').split('\r\n');
    const caption = [`${reexport[0]},发票号`, ...reexport.slice(1).map((r) => `${r},3400001235`)].join('\r\n') + '\r\n';
    expect(await ok<FeeImportResult>(c, 'fees.import', { admissionId: a.id, fileName: 'fees2.csv', contentBase64: b64(caption) })).toMatchObject({ imported: 0, unchanged: 2, invono: '3400001235' });
    expect(lines()).toBe(2);
    const first = invoiceRows()[0]!;

    // The clerk corrects it: a reason is required, and the correction is a new row; the old rows stay as they were.
    const noReason = await fails(c, 'settlement.setInvoice', { admissionId: a.id, invono: 'FP-2026-0001' });
    expect(noReason).toMatchObject({ code: 'REASON_REQUIRED', path: 'reason' });
    expect(noReason.message).toContain('已有发票号 3400001235');
    const v = await ok<InvoiceNumberView>(c, 'settlement.setInvoice', { admissionId: a.id, invono: 'FP-2026-0001', reason: 'HIS 重新开具发票' });
    expect(v.invono).toBe('FP-2026-0001');
    expect(v.history.map((h) => [h.invono, h.source])).toEqual([['3400001234', 'import'], ['3400001235', 'import'], ['FP-2026-0001', 'clerk']]);
    expect(v.history[2]!.supersedesId).toBe(v.history[1]!.id);
    expect(invoiceRows()[0]).toEqual(first);
    // The same number again writes nothing; a bad one is refused naming the field.
    expect((await ok<InvoiceNumberView>(c, 'settlement.setInvoice', { admissionId: a.id, invono: 'FP-2026-0001' })).history).toHaveLength(3);
    expect(await fails(c, 'settlement.setInvoice', { admissionId: a.id, invono: 'x'.repeat(21), reason: '测试' })).toMatchObject({ code: 'INVALID_INVONO', path: 'invono' });

    // 协查 finds the stay by the number now and by one it had before (the patient's paper may show it).
    for (const n of ['FP-2026-0001', '3400001234']) expect((await find({ invono: n })).map((x) => [x.id, x.invono])).toEqual([[a.id, 'FP-2026-0001']]);
    const t = await packPdfText(c, 'settlement.assistancePack', { admissionId: a.id });
    for (const s of ['发票号', 'FP-2026-0001', 'HIS重新开具发票', '此前：3400001235', '3400001234', 'invoice.set']) expect(t, s).toContain(s);
  });
});

describe('发票号 of a visit', () => {
  it('is entered by the clerk, found by the visits’ 协查 and shown in its export', async () => {
    ctx = await setup({ online: true });
    const c = ctx;
    const { visit } = await settledVisit(c);
    const other = await settledVisit(c);
    const find = (q: Record<string, string>) => ok<OutpatientAssistanceHit[]>(c, 'outpatient.findForAssistance', q);
    expect(await find({ invono: 'MZ3400000077' })).toEqual([]);
    await ok(c, 'outpatient.setInvoice', { visitId: visit.id, invono: 'MZ3400000077' });
    await ok(c, 'outpatient.setInvoice', { visitId: other.visit.id, invono: 'MZ3400000078' });
    expect((await find({ invono: 'MZ3400000077' })).map((x) => [x.visitId, x.invono])).toEqual([[visit.id, 'MZ3400000077']]);
    // A visit's number does not find a stay, nor a stay's a visit.
    expect(await ok<unknown[]>(c, 'settlement.findForAssistance', { invono: 'MZ3400000077' })).toEqual([]);
    expect((await ok<InvoiceNumberView>(c, 'outpatient.invoice', { visitId: visit.id })).invono).toBe('MZ3400000077');
    const t = await packPdfText(c, 'outpatient.assistancePack', { visitId: visit.id });
    expect(t).toContain('发票号：MZ3400000077');
  });
});
