import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATIENTS, demoRelativeStart } from '../../electron/services/demo/demoData.ts';
import { SAMPLE_FILES, samplesDay, writeDemoSamples } from '../../electron/services/demo/samples.ts';
import { todayCST } from '../../shared/dates.ts';
import type { FeeImportResult } from '../../shared/api/settlement.ts';
import { admit, b64, ok, setup, type Ctx } from '../support/settlementFixtures.ts';

/** Issue 20 point 6: the newcomer's sample fee files import cleanly into a stay admitted today, and the in-province resident is registered today. */
describe('demo samples and patients', () => {
  let ctx: Ctx;
  const dir = mkdtempSync(join(tmpdir(), 'yidi-samples-'));
  beforeAll(async () => {
    ctx = await setup({ online: true });
  }, 60_000);
  afterAll(async () => {
    await ctx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the samples dated today, once', () => {
    expect(writeDemoSamples(dir)).toBe(true);
    expect(samplesDay(dir)).toBe(todayCST());
    expect(writeDemoSamples(dir)).toBe(false);
    // GBK: not valid UTF-8, Chinese headers.
    const csv = readFileSync(join(dir, SAMPLE_FILES.csv));
    expect(csv.toString('utf8')).not.toContain('费用明细流水号');
    expect(csv.includes(Buffer.from([0xb7, 0xd1, 0xd3, 0xc3]))).toBe(true); // 费用 in GBK
  });

  it('the GBK CSV and the JSON both import without a problem into a stay admitted today', async () => {
    writeDemoSamples(dir);
    const a = await admit(ctx, { patient: 0, admittedOn: todayCST() });
    for (const file of [SAMPLE_FILES.csv, SAMPLE_FILES.json]) {
      const r = await ok<FeeImportResult>(ctx, 'fees.import', { admissionId: a.id, fileName: file, contentBase64: b64(readFileSync(join(dir, file))) });
      expect(r.issues).toEqual([]);
      expect(r.imported).toBe(10);
    }
  });

  it('the samples shipped in samples/ are the generator’s output for their day', () => {
    const shipped = resolve(import.meta.dirname, '..', '..', 'samples');
    const day = samplesDay(shipped);
    expect(day).not.toBeNull();
    const again = mkdtempSync(join(tmpdir(), 'yidi-samples-'));
    try {
      writeDemoSamples(again, day!);
      for (const f of Object.values(SAMPLE_FILES)) expect(readFileSync(join(again, f)).equals(readFileSync(join(shipped, f)))).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('the in-province resident’s registration is valid today (REGISTERED)', async () => {
    const sun = DEMO_PATIENTS[4];
    expect(sun.registration.effectiveFrom).toBe(demoRelativeStart());
    const r = await ok<{ check: { reason: string; direct: boolean } }>(ctx, 'identity.check', { credential: `${sun.cardNo}|${sun.certno}`, admissionDate: todayCST() });
    expect(r.check).toMatchObject({ reason: 'REGISTERED', direct: true });
  });
});
