import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogueRowsOf, currentCatalogueVersionName } from '../../db/repos/referenceData.ts';
import { Desk } from '../../electron/services/desk.ts';
import { seedCatalogueFile, seedDemoNational } from '../agency/catalogues.ts';
import { startReferenceAgency } from '../agency/server.ts';
import { INST } from '../support/syncFixtures.ts';
import { rateFigure, type Figure } from './harness.ts';

/**
 * catalogue.1301: rows/s of a 100,000-row 1301 file through the whole national download against
 * the reference agency over HTTP (1301 answer, 9102 of the ZIP, slices validated and staged, the
 * catalogue version built and written in one transaction — docs/catalogue.md), against a bare
 * prepared insert of the same rows into catalogue_items in one transaction.
 */

const ROWS = 100_000;

const code = (i: number) => `XB${String(i).padStart(14, '0')}`;

export async function benchCatalogue1301(): Promise<Figure> {
  const agency = await startReferenceAgency({ port: 0, institutions: [INST] });
  const desk = await Desk.open({ dataDir: mkdtempSync(join(tmpdir(), 'yidi-bench-cat-')), demo: true, agencyUrl: agency.url, agencyTimeoutMs: 30_000 });
  try {
    seedDemoNational(agency.store.db);
    seedCatalogueFile(agency.store.db, '1301', '1', Array.from({ length: ROWS }, (_, i) => ({ med_list_codg: code(i), drug_genname: `药品${i}`, drug_spec: '0.25g', begndate: '2026-01-01' })));

    // Baseline: the same rows, bare prepared inserts, one transaction.
    const db = desk.db.$client;
    const bare = db.prepare(`INSERT INTO catalogue_items (version, med_list_codg, name, med_chrgitm_type, chrgitm_lv, selfpay_prop, begndate) VALUES ('bench', ?, ?, '09', '03', '0', '2026-01-01')`);
    const b0 = process.hrtime.bigint();
    db.transaction(() => {
      for (let i = 0; i < ROWS; i++) bare.run(code(i), `药品${i}`);
    })();
    const bareMs = Number(process.hrtime.bigint() - b0) / 1e6;
    db.prepare(`DELETE FROM catalogue_items WHERE version = 'bench'`).run();

    const t0 = process.hrtime.bigint();
    const out = await desk.reference.download('national');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (out.status !== 'applied') throw new Error(`下载未应用：${out.status}`);
    const size = catalogueRowsOf(desk.db, currentCatalogueVersionName(desk.db)!).size;
    if (size < ROWS) throw new Error(`目录只有 ${size} 条`);
    return rateFigure('catalogue.1301', ROWS / (ms / 1000), ROWS / (bareMs / 1000), 'rows/s');
  } finally {
    desk.close();
    await agency.close();
  }
}
