import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The text of a PDF by pdftotext -layout; with `png`, its first page is also kept in test/artifacts to look at (pdftoppm). */
export function pdfText(pdf: Uint8Array | string, png?: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pdf-')), 'doc.pdf');
  writeFileSync(file, typeof pdf === 'string' ? Buffer.from(pdf, 'base64') : pdf);
  if (png) {
    mkdirSync('test/artifacts', { recursive: true });
    spawnSync('/usr/bin/pdftoppm', ['-png', '-r', '80', '-f', '1', '-singlefile', file, join('test/artifacts', png)]);
  }
  return spawnSync('/usr/bin/pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
}
