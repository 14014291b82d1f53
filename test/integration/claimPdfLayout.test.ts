import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSheetPdf } from '../../electron/pdf/claimPdf.ts';
import { buildSheet } from '../../electron/services/claim/export.ts';
import type { TableItem } from '../../shared/claimTables.ts';
import { Decimal } from '../../shared/money.ts';

/** Issue 20 point 7: the detail list's 姓名 column holds a long name on one line (pdftotext -layout). */
describe('claim detail list PDF layout', () => {
  it('a six-character name and a rare-character name print whole, each on its row', async () => {
    const item = (n: number, psnName: string): TableItem => ({
      id: String(n), kind: 'settlement', settledOn: '2026-10-12', scheme: '310', scope: 'cross', insuredRegion: '420102', iptNo: `ZY2026100${n}`, psnName,
      setlId: `340104S2026100000${n}`, medfee: new Decimal('12345.67'), fund: new Decimal('8000.00'), acct: new Decimal('0'), cash: new Decimal('4345.67'),
      funds: [{ fund_pay_type: '310100', amount: new Decimal('8000.00') }], deduction: new Decimal('0'),
    });
    const sheet = buildSheet('detail', { period: '2026-10', preview: false, items: [item(1, '欧阳娜仁托雅'), item(2, '司马𠀾青')], paidByAgency: null, notes: new Map(), refunds: [] }, { code: 'H34010400001', gbCode: 'H34010400001', name: '合肥市第一人民医院' });
    const { pdf } = await renderSheetPdf(sheet);
    const file = join(mkdtempSync(join(tmpdir(), 'yidi-claimpdf-')), 'detail.pdf');
    writeFileSync(file, pdf);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
    const rowOf = (ipt: string) => text.split('\n').find((l) => l.includes(ipt)) ?? '';
    expect(rowOf('ZY20261001')).toContain('欧阳娜仁托雅');
    expect(rowOf('ZY20261002')).toContain('司马𠀾青');
  });
});
