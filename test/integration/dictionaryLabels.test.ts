import { describe, expect, it, onTestFinished } from 'vitest';
import type { AdmissionDetail, AdmissionSummary } from '../../shared/api/admission.ts';
import { MED_TYPE } from '../../shared/codes.ts';
import { clearCataloguePage, seedCataloguePage, seedDemoNational } from '../agency/catalogues.ts';
import { admit, ok, setup } from '../support/settlementFixtures.ts';

/**
 * The 1901 dictionaries in the desk's views (shared/codes.ts codeLabel): once the national
 * download brought a region's labels, the stay's 医疗类别 and 性别 show them; without a dictionary
 * (or for a value it lacks) the built-in label stays.
 */
describe('1901 labels shown', () => {
  it('the stay list and detail show the 1901 label of med_type and gend once downloaded, the built-in one before', async () => {
    const ctx = await setup({ online: true });
    onTestFinished(() => ctx.stop());
    const a = await admit(ctx);
    const before = (await ok<AdmissionSummary[]>(ctx, 'admission.list', { scope: 'in' })).find((s) => s.id === a.id)!;
    expect(before.medTypeLabel).toBe(MED_TYPE['21']);
    const builtInGend = before.gend;

    seedDemoNational(ctx.agency!.store.db);
    clearCataloguePage(ctx.agency!.store.db, '1901');
    seedCataloguePage(ctx.agency!.store.db, '1901', [
      { type: 'med_type', value: '21', label: '普通住院（统筹区）', vali_flag: '1' },
      { type: 'gend', value: '1', label: '男性', vali_flag: '1' },
      { type: 'gend', value: '2', label: '女性', vali_flag: '1' },
    ]);
    await ok(ctx, 'sync.downloadNational', { wait: true, full: true }, ctx.supervisor);
    const after = (await ok<AdmissionSummary[]>(ctx, 'admission.list', { scope: 'in' })).find((s) => s.id === a.id)!;
    expect(after.medTypeLabel).toBe('普通住院（统筹区）');
    expect(after.gend).toBe(`${builtInGend}性`);
    const detail = await ok<AdmissionDetail>(ctx, 'admission.get', { id: a.id });
    expect(detail.medTypeLabel).toBe('普通住院（统筹区）');
    expect(detail.patient.gend).toBe(`${builtInGend}性`);
  });
});
