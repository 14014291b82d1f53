import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasGlyph } from '../../electron/pdf/fonts.ts';
import { faceCodePoints, RARE_FONT_CSS, rareFontCss, SCREEN_FACES } from '../../scripts/rare-font-css.ts';

/**
 * Issue 17 point 2: the screens draw the rare characters the PDFs print, from local font files,
 * each fetched only for a character in its unicode-range (renderer/src/rareFonts.css).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const css = readFileSync(RARE_FONT_CSS, 'utf8');
const styles = readFileSync(path.join(ROOT, 'renderer/src/styles.css'), 'utf8');

interface Face { family: string; url: string; cps: Set<number> }

/** Parses the @font-face rules back: family, url and the code points of the unicode-range. */
function parseFaces(text: string): Face[] {
  const faces: Face[] = [];
  for (const m of text.matchAll(/@font-face\s*\{([^}]*)\}/g)) {
    const body = m[1]!;
    const family = /font-family:\s*"([^"]+)"/.exec(body)?.[1];
    const url = /src:\s*url\("([^"]+)"\)/.exec(body)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(body)?.[1];
    if (!family || !url || !range) throw new Error(`incomplete @font-face: ${body.slice(0, 200)}`);
    const cps = new Set<number>();
    for (const part of range.split(',')) {
      const r = /^U\+([0-9A-F]+)(?:-([0-9A-F]+))?$/.exec(part.trim());
      if (!r) throw new Error(`bad unicode-range part ${part}`);
      const lo = parseInt(r[1]!, 16);
      const hi = r[2] ? parseInt(r[2], 16) : lo;
      for (let cp = lo; cp <= hi; cp++) cps.add(cp);
    }
    faces.push({ family, url, cps });
  }
  return faces;
}

const faces = parseFaces(css);
const byFamily = (family: string) => faces.find((f) => f.family === family)!;

/** The journey name's characters (test/integration/rareNameJourney.test.ts) and the face that draws each on a machine without them. */
const JOURNEY: Array<[string, string]> = [
  ['\u{2A700}', 'Yidi Rare HanaB'], // Ext C
  ['\u{2B740}', 'Yidi Rare HanaB'], // Ext D
  ['\u{2B820}', 'Yidi Rare HanaB'], // Ext E
  ['\u{2CEB0}', 'Yidi Rare HanaB'], // Ext F
  ['\u{30000}', 'Yidi Rare BabelStone'], // Ext G
  ['\u{2003E}', 'Yidi Rare HanaA'], // Ext B 𠀾
  ['\u{FA0E}', 'Yidi Rare HanaA'], // compatibility block, unified (NFC-stable)
  ['\u{FA10}', 'Yidi Rare HanaA'], // compatibility ideograph (NFC would change it to U+585A)
  ['\u{3400}', 'Yidi Rare Noto'], // Ext A
];

describe('rareFonts.css', () => {
  it('is what scripts/rare-font-css.ts generates from the font files (regenerate after changing a font)', () => {
    expect(css).toBe(rareFontCss());
  });

  it('has one face per shipped font, each url a local file of the repository (no remote content)', () => {
    expect(faces.map((f) => f.family)).toEqual(SCREEN_FACES.map((f) => f.family));
    for (const f of faces) {
      expect(f.url).not.toMatch(/^[a-z]+:/i);
      const file = path.resolve(path.dirname(RARE_FONT_CSS), f.url);
      expect(existsSync(file), f.url).toBe(true);
      expect(path.relative(ROOT, file).startsWith('..')).toBe(false);
    }
  });

  it("each face's unicode-range is exactly the code points its file holds (so a file is fetched only for a glyph it has)", () => {
    for (const face of SCREEN_FACES) {
      const fromFont = faceCodePoints(face);
      const inCss = byFamily(face.family).cps;
      expect(inCss.size, face.family).toBe(fromFont.length);
      expect(fromFont.every((cp) => inCss.has(cp)), face.family).toBe(true);
    }
  });

  it('no face is fetched for ordinary Chinese text: U+4E00–U+9FA5, punctuation, Latin and digits are in none of them', () => {
    for (const f of faces) {
      for (const cp of f.cps) expect(cp >= 0x4e00 && cp <= 0x9fa5, `${f.family} U+${cp.toString(16)}`).toBe(false);
      for (const ch of '张王李欧阳明，。：0123456789ABCxyz （）') expect(f.cps.has(ch.codePointAt(0)!), `${f.family} ${ch}`).toBe(false);
    }
  });

  it('the three rare subsets are disjoint from each other and from the Noto face', () => {
    for (let i = 0; i < faces.length; i++) {
      for (let j = i + 1; j < faces.length; j++) {
        const shared = [...faces[i]!.cps].filter((cp) => faces[j]!.cps.has(cp));
        expect(shared, `${faces[i]!.family} ∩ ${faces[j]!.family}`).toEqual([]);
      }
    }
  });

  it('every rare ideograph the PDFs print, a screen face draws too (CJK URO additions, Ext A–G, compatibility blocks)', () => {
    const blocks: Array<[number, number]> = [[0x3400, 0x4dbf], [0x9fa6, 0x9fff], [0xf900, 0xfaff], [0x20000, 0x3134f]];
    const missing: number[] = [];
    let printed = 0;
    for (const [lo, hi] of blocks) {
      for (let cp = lo; cp <= hi; cp++) {
        if (!hasGlyph(cp)) continue;
        printed++;
        if (!faces.some((f) => f.cps.has(cp))) missing.push(cp);
      }
    }
    expect(printed).toBeGreaterThan(70_000);
    expect(missing.map((cp) => `U+${cp.toString(16).toUpperCase()}`)).toEqual([]);
  });

  it.each(JOURNEY)('%s is drawn by %s', (ch, family) => {
    const cp = ch.codePointAt(0)!;
    expect(faces.filter((f) => f.cps.has(cp)).map((f) => f.family)).toEqual([family]);
  });
});

describe('styles.css', () => {
  it('imports rareFonts.css and puts the rare faces after the system CJK fonts, before the generic family', () => {
    expect(styles.startsWith('@import "./rareFonts.css";')).toBe(true);
    const root = /:root\s*\{[^}]*?font-family:\s*([^;]+);/.exec(styles)?.[1];
    expect(root).toBeDefined();
    const stack = root!.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    const rare = SCREEN_FACES.map((f) => f.family);
    const at = rare.map((f) => stack.indexOf(f));
    expect(at.every((i) => i > stack.indexOf('Noto Sans CJK SC') && i > stack.indexOf('Microsoft YaHei'))).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(stack[stack.length - 1]).toBe('sans-serif');
    expect(at.every((i) => i >= 0 && i < stack.length - 1)).toBe(true);
  });
});
