/**
 * Rebuilds `fonts/*-rare.ttf` (issue 17) from Debian's packages, so the shipped subsets can be
 * reproduced and checked: `apt-get install fonts-hanazono fonts-babelstone-han python3-fonttools`,
 * then `npx tsx scripts/subset-rare-fonts.ts`.
 *
 * For every code point of the CJK ideograph blocks that Noto Sans Hans (the desk's print font)
 * has no glyph for, the first font of the chain in `electron/pdf/fonts.ts` (FALLBACKS) that has
 * one gets it; each output holds exactly its share, so no glyph is shipped twice.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';
import { FALLBACKS, fontBuffer } from '../electron/pdf/fonts.ts';

interface Font { hasGlyphForCodePoint(cp: number): boolean }

/** Unicode 15 CJK ideograph blocks (URO, Ext A–G and the two compatibility blocks). */
const BLOCKS: Array<[number, number]> = [
  [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff],
  [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f], [0x2b820, 0x2ceaf],
  [0x2ceb0, 0x2ebef], [0x2f800, 0x2fa1f], [0x30000, 0x3134f],
];

/** Where Debian installs each source font. */
const SOURCES: Record<(typeof FALLBACKS)[number]['name'], string> = {
  'rare-hana-a': '/usr/share/fonts/truetype/hanazono/HanaMinA.ttf',
  'rare-hana-b': '/usr/share/fonts/truetype/hanazono/HanaMinB.ttf',
  'rare-babelstone': '/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf',
};

/**
 * A subset is a modified font: it gets its own family name (the OFL asks that a modified font not
 * carry the original's name), keeping the copyright (0) and version (5) records.
 */
const FAMILIES: Record<(typeof FALLBACKS)[number]['name'], string> = {
  'rare-hana-a': 'HanaA',
  'rare-hana-b': 'HanaB',
  'rare-babelstone': 'BabelStone',
};

const RENAME = `
import sys
from fontTools.ttLib import TTFont
path, short = sys.argv[1], sys.argv[2]
font = TTFont(path)
table = font['name']
keep = [n for n in table.names if n.nameID in (0, 5) and n.platformID == 3]
table.names = keep
for pid, eid, lang in ((1, 0, 0), (3, 1, 0x409)):
    table.setName('YidiRare ' + short, 1, pid, eid, lang)
    table.setName('Regular', 2, pid, eid, lang)
    table.setName('YidiRare' + short + '-Regular', 3, pid, eid, lang)
    table.setName('YidiRare ' + short + ' Regular', 4, pid, eid, lang)
    table.setName('YidiRare' + short + '-Regular', 6, pid, eid, lang)
font.save(path)
`;

const open = (bytes: Buffer): Font => fontkit.create(bytes) as unknown as Font;
const noto = open(fontBuffer('regular'));
const sources = FALLBACKS.map((f) => ({ ...f, font: open(readFileSync(SOURCES[f.name])), cps: [] as number[] }));

for (const [lo, hi] of BLOCKS) {
  for (let cp = lo; cp <= hi; cp++) {
    if (noto.hasGlyphForCodePoint(cp)) continue;
    const owner = sources.find((s) => s.font.hasGlyphForCodePoint(cp));
    owner?.cps.push(cp);
  }
}

const work = mkdtempSync(path.join(tmpdir(), 'rare-fonts-'));
const outDir = path.join(import.meta.dirname, '..', 'fonts');
for (const s of sources) {
  const list = path.join(work, `${s.name}.txt`);
  writeFileSync(list, s.cps.map((cp) => `U+${cp.toString(16).toUpperCase()}`).join('\n'));
  // Hinting and layout tables are dropped: the PDFs draw names at fixed sizes, one glyph each.
  execFileSync('/usr/bin/python3', ['-m', 'fontTools.subset', SOURCES[s.name], `--unicodes-file=${list}`,
    `--output-file=${path.join(outDir, s.file)}`, '--no-hinting', '--layout-features=', '--name-IDs=*', '--name-languages=*'], { stdio: 'inherit' });
  execFileSync('/usr/bin/python3', ['-c', RENAME, path.join(outDir, s.file), FAMILIES[s.name]], { stdio: 'inherit' });
  console.log(`${s.file}: ${s.cps.length} code points`);
}
