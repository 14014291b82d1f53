// Over 400 lines: font loading, the per-run fallback and the code-point tables of the rare-character subsets belong together.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type PDFDocumentClass from 'pdfkit';
import type { core } from 'zod';
import type { InputError } from '../../shared/errors.ts';
import { zodInputError } from '../../shared/zodErrors.ts';

/**
 * The CJK font of every PDF the desk prints: Noto Sans Hans (OFL) from the npm package
 * `@embedpdf/fonts-sc` (ARCHITECTURE.md, platform choice "PDF"). Each file is about 8 MB, so it
 * is read once per process and the same bytes serve every document; pdfkit embeds only the
 * glyphs a document uses (a subset), so a form stays small.
 */
export type FontWeight = 'regular' | 'bold';

/** pdfkit font names registered by `useCjkFonts`. */
export const FONT = { regular: 'cjk', bold: 'cjk-bold' } as const satisfies Record<FontWeight, string>;

const FILES: Record<FontWeight, string> = {
  regular: 'NotoSansHans-Regular.otf',
  bold: 'NotoSansHans-Bold.otf',
};

const buffers = new Map<FontWeight, Buffer>();
const reads: Record<FontWeight, number> = { regular: 0, bold: 0 };
let fontDir: string | null = null;

/**
 * The package exports only its main entry (`@embedpdf/fonts-sc/package.json` is not exported and
 * cannot be resolved), so resolve the entry and walk up to the folder that holds `fonts/`.
 */
function locateFontDir(): string {
  if (fontDir !== null) return fontDir;
  const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
  let dir = path.dirname(entry);
  for (;;) {
    if (existsSync(path.join(dir, 'fonts', FILES.regular))) {
      fontDir = path.join(dir, 'fonts');
      return fontDir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`找不到中文字体文件 ${FILES.regular}（@embedpdf/fonts-sc 安装不完整）`);
    dir = parent;
  }
}

/** The font file's bytes, read on first use and kept for the life of the process. */
export function fontBuffer(weight: FontWeight): Buffer {
  const hit = buffers.get(weight);
  if (hit) return hit;
  const buf = readFileSync(path.join(locateFontDir(), FILES[weight]));
  reads[weight] += 1;
  buffers.set(weight, buf);
  return buf;
}

/** How many times each font file has been read from disk (tests check it stays at 1). */
export function fontReadCount(): Readonly<Record<FontWeight, number>> {
  return { ...reads };
}

/** The part of a fontkit `Font` pdfkit looks for when it is given a parsed font. */
interface ParsedFont {
  layout: (text: string) => unknown;
}

/**
 * pdfkit (≥ 0.20, see its changelog) accepts an already-parsed fontkit Font as well as bytes.
 * Given bytes it parses the font again for every document, and the CFF tables and glyph
 * outlines it decodes to subset this 30 000-glyph font are lost with the document; given one
 * parsed Font they are decoded once per process (ARCHITECTURE: "parse the font once per process,
 * not per document"), which measured 2–3× faster per warm slip. The fontkit used is the one
 * pdfkit itself depends on, resolved from pdfkit's folder; if that ever fails, the cached bytes
 * are handed over instead, which is slower but prints the same document.
 */
const parsed = new Map<FontWeight, ParsedFont | Buffer>();
let fontkitCreate: ((data: Uint8Array) => unknown) | null | undefined;

function pdfkitsFontkit(): ((data: Uint8Array) => unknown) | null {
  if (fontkitCreate !== undefined) return fontkitCreate;
  try {
    const fromPdfkit = createRequire(createRequire(import.meta.url).resolve('pdfkit'));
    const fontkit = fromPdfkit('fontkit') as { create?: unknown };
    fontkitCreate = typeof fontkit.create === 'function' ? (fontkit.create as (data: Uint8Array) => unknown) : null;
  } catch {
    fontkitCreate = null;
  }
  return fontkitCreate;
}

/** What `registerFont` receives: the process-wide parsed font, or the cached bytes. */
export function fontSource(weight: FontWeight): ParsedFont | Buffer {
  const hit = parsed.get(weight);
  if (hit) return hit;
  const bytes = fontBuffer(weight);
  const create = pdfkitsFontkit();
  let source: ParsedFont | Buffer = bytes;
  if (create) {
    const font = create(bytes) as Partial<ParsedFont> | null;
    if (font && typeof font.layout === 'function') source = font as ParsedFont;
  }
  parsed.set(weight, source);
  return source;
}

/**
 * Rare characters (生僻字, issue 17). Noto Sans Hans has no glyph for most of CJK Extensions B–G
 * and many compatibility ideographs, so a name such as 欧阳𠀾明 printed as a box. The fonts under
 * `fonts/` (licences: build/FONTS.md) hold exactly the code points of those blocks that Noto lacks,
 * each code point in the first font of this chain that has it: Hanazono Mincho A (BMP: URO
 * additions, compatibility ideographs), Hanazono Mincho B (Ext B–F, compatibility supplement) and
 * BabelStone Han (Ext G and what Hanazono lacks). Text is split into runs by the font that has
 * each character (`fontRuns`); every file is read and parsed once per process and pdfkit embeds
 * only the glyphs a document uses. They have one weight: a bold run of a rare character prints
 * in the regular weight.
 */
export const FALLBACKS = [
  { name: 'rare-hana-a', file: 'hanazono-a-rare.ttf' },
  { name: 'rare-hana-b', file: 'hanazono-b-rare.ttf' },
  { name: 'rare-babelstone', file: 'babelstone-han-rare.ttf' },
] as const;
export type FallbackName = (typeof FALLBACKS)[number]['name'];

interface GlyphFont extends ParsedFont {
  hasGlyphForCodePoint: (cp: number) => boolean;
}

let rareDir: string | null = null;
const rareFonts = new Map<FallbackName, GlyphFont>();
let rareReadCount = 0;

/** The `fonts/` folder shipped with the app, found by walking up from this module. */
function locateRareDir(): string {
  if (rareDir !== null) return rareDir;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'fonts', FALLBACKS[0].file))) {
      rareDir = path.join(dir, 'fonts');
      return rareDir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`找不到生僻字字体文件 fonts/${FALLBACKS[0].file}（安装不完整）`);
    dir = parent;
  }
}

function rareFont(name: FallbackName): GlyphFont | null {
  const hit = rareFonts.get(name);
  if (hit) return hit;
  const create = pdfkitsFontkit();
  if (!create) return null;
  const entry = FALLBACKS.find((f) => f.name === name);
  if (!entry) return null;
  const font = create(readFileSync(path.join(locateRareDir(), entry.file))) as GlyphFont;
  rareReadCount += 1;
  rareFonts.set(name, font);
  return font;
}

/** How many rare-character font files have been read from disk (at most one per file). */
export function rareFontReadCount(): number {
  return rareReadCount;
}

function notoHas(cp: number): boolean {
  const noto = fontSource('regular');
  if (Buffer.isBuffer(noto)) return true;
  return (noto as GlyphFont).hasGlyphForCodePoint(cp);
}

/** The fallback font that has a glyph for `cp`, or null when Noto has it (or nothing does). */
export function fallbackFor(cp: number): FallbackName | null {
  if (cp < 0x2e80 || notoHas(cp)) return null;
  for (const f of FALLBACKS) {
    const font = rareFont(f.name);
    if (font?.hasGlyphForCodePoint(cp)) return f.name;
  }
  return null;
}

/** Whether some font the desk embeds (Noto or a fallback) draws `cp` with a real glyph. */
export function hasGlyph(cp: number): boolean {
  const noto = fontSource('regular');
  if (!Buffer.isBuffer(noto) && (noto as GlyphFont).hasGlyphForCodePoint(cp)) return true;
  return fallbackFor(cp) !== null;
}

/** A piece of text and the pdfkit font name that draws it. */
export interface FontRun {
  text: string;
  font: string;
}

/** Splits `text` (by code point, never inside a surrogate pair) into runs by font. */
export function fontRuns(text: string, bold = false): FontRun[] {
  const base = bold ? FONT.bold : FONT.regular;
  const runs: FontRun[] = [];
  for (const ch of text) {
    const font = fallbackFor(ch.codePointAt(0) ?? 0) ?? base;
    const last = runs[runs.length - 1];
    if (last && last.font === font) last.text += ch;
    else runs.push({ text: ch, font });
  }
  return runs;
}

/** Whether any character of `text` needs a fallback font. */
export function needsFallback(text: string): boolean {
  for (const ch of text) if (fallbackFor(ch.codePointAt(0) ?? 0) !== null) return true;
  return false;
}

/** Width of `text` at the current size, each run measured in its own font; restores `base`. */
export function mixedWidth(doc: PDFKit.PDFDocument, text: string, bold = false): number {
  let w = 0;
  for (const r of fontRuns(text, bold)) w += doc.font(r.font).widthOfString(r.text);
  doc.font(bold ? FONT.bold : FONT.regular);
  return w;
}

/**
 * One line of text with font fallback, placed like pdfkit's `text` with `lineBreak: false`
 * (`align` within `width`). Each run is drawn at its own x, so centring counts every run.
 */
export function mixedLine(doc: PDFKit.PDFDocument, text: string, x: number, y: number, o: { width?: number; align?: 'left' | 'center' | 'right'; bold?: boolean } = {}): void {
  const total = mixedWidth(doc, text, o.bold);
  let at = x;
  if (o.width !== undefined && o.align === 'center') at = x + (o.width - total) / 2;
  if (o.width !== undefined && o.align === 'right') at = x + o.width - total;
  for (const r of fontRuns(text, o.bold)) {
    doc.font(r.font).text(r.text, at, y, { lineBreak: false });
    at += doc.widthOfString(r.text);
  }
  doc.font(o.bold ? FONT.bold : FONT.regular);
}

/** Registers both weights on a document under the names of `FONT`, and the rare-character fonts. */
export function useCjkFonts(doc: PDFKit.PDFDocument): void {
  // @types/pdfkit does not list fontkit Fonts among the sources pdfkit 0.20 accepts.
  doc.registerFont(FONT.regular, fontSource('regular') as Buffer);
  doc.registerFont(FONT.bold, fontSource('bold') as Buffer);
  for (const f of FALLBACKS) {
    const font = rareFont(f.name);
    if (font) doc.registerFont(f.name, font as unknown as Buffer);
  }
}

/**
 * pdfkit (with fontkit, its Unicode tables and compressors) costs 0.1–0.2 s of CPU to load, and
 * nothing at start-up prints: it is required on the first document instead of being imported by
 * every module that reaches this one (issue 19, start.interactive). Its CommonJS build is the same
 * source as the ES one, and the fonts it draws with are the parsed ones of `fontSource` either way.
 */
let pdfkitClass: typeof PDFDocumentClass | null = null;

export function newPdfDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  pdfkitClass ??= createRequire(import.meta.url)('pdfkit') as typeof PDFDocumentClass;
  return new pdfkitClass(options);
}

/**
 * An A4 portrait document with the CJK fonts registered. Pages are buffered so the caller can
 * count them (the CLI reports `pages`, and a form that spills onto a second page is a bug).
 */
export function newA4Document(title: string): PDFKit.PDFDocument {
  const doc = newPdfDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true,
    autoFirstPage: true,
    // A fixed creation date would make output reproducible, but a printed form should carry
    // when it was produced; pdfkit's default (now) is what we want.
    info: { Title: title, Producer: 'yidi-desk', Creator: 'yidi-desk' },
  });
  useCjkFonts(doc);
  doc.font(FONT.regular);
  return doc;
}

/** Ends the document and collects its bytes; `pages` is counted before the stream closes. */
export function finishDocument(doc: PDFKit.PDFDocument): Promise<{ pdf: Buffer; pages: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const pages = doc.bufferedPageRange().count;
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve({ pdf: Buffer.concat(chunks), pages }));
    doc.on('error', reject);
    doc.end();
  });
}

/** A4 in PDF points (portrait: w × h). */
export const A4 = { w: 595.28, h: 841.89 } as const;

/**
 * One table row of bordered cells at `y`, as tall as its tallest cell (at least `minH`); returns
 * the y below it. The forms with long lists (claim tables, the 全额自付 fee list) draw with it.
 */
export function drawRow(doc: PDFKit.PDFDocument, cells: readonly string[], widths: readonly number[], left: number, y: number, options: (i: number) => CellOptions, minH: number): number {
  const h = Math.max(minH, ...cells.map((t, i) => cellHeight(doc, t, widths[i]!, options(i))));
  let x = left;
  cells.forEach((t, i) => {
    drawCell(doc, t, x, y, widths[i]!, h, options(i));
    x += widths[i]!;
  });
  return y + h;
}

/** The grey foot of every page of a buffered document: what it is on the left, "第 n 页 共 m 页" on the right. */
export function stampPageFooters(doc: PDFKit.PDFDocument, text: string, o: { left: number; width: number; y: number }): void {
  const range = doc.bufferedPageRange();
  for (let p = 0; p < range.count; p++) {
    doc.switchToPage(range.start + p);
    doc.font(FONT.regular).fontSize(8).fillColor('#555555');
    doc.text(text, o.left, o.y, { width: o.width / 2, lineBreak: false });
    doc.text(`第 ${p + 1} 页 共 ${range.count} 页`, o.left, o.y, { width: o.width, align: 'right', lineBreak: false });
    doc.fillColor('black');
  }
}

// ---------------------------------------------------------------------------------------------
// The small drawing kit both forms share (bordered cells, paragraphs with filled-in blanks) and
// the zod → InputError mapping of their inputs. It lives beside the font cache because every
// helper here draws with those fonts.

export interface CellOptions {
  /** A label cell: centred, on a light grey ground, like the printed forms' captions. */
  label?: boolean;
  bold?: boolean;
  align?: 'left' | 'center' | 'right';
  size?: number;
  fill?: string;
  /** Never wrap (amounts): shrink to one line instead, a broken number is misread. */
  nowrap?: boolean;
}

const CELL_PAD = 5;
const CELL_VPAD = 4;
const BASE_SIZE = 10.5;
const MIN_SIZE = 7;

/** Height of the ink of `text` wrapped to `width` at the current font and size. */
function inkHeight(doc: PDFKit.PDFDocument, text: string, width: number): number {
  const lineH = doc.currentLineHeight(true);
  const lines = Math.max(1, Math.round(doc.heightOfString(text, { width, lineGap: 0 }) / lineH));
  return (lines - 1) * lineH + doc.currentLineHeight(false);
}

/**
 * The height a cell needs to show all of its text at its normal size. Rows take the largest of
 * their cells, so a long hospital name or diagnosis makes its row taller instead of being cut.
 */
export function cellHeight(doc: PDFKit.PDFDocument, text: string, w: number, o: CellOptions = {}): number {
  if (text === '') return 0;
  doc.font(o.bold ? FONT.bold : FONT.regular).fontSize(o.size ?? BASE_SIZE);
  if (o.nowrap) return doc.currentLineHeight(false) + 2 * CELL_VPAD;
  return inkHeight(doc, text, w - 2 * CELL_PAD) + 2 * CELL_VPAD;
}

/**
 * A bordered cell with its text centred vertically. Text that does not fit the cell as sized
 * wraps, then shrinks, so nothing spills into the next cell or onto a second page.
 */
export function drawCell(doc: PDFKit.PDFDocument, text: string, x: number, y: number, w: number, h: number, o: CellOptions = {}): void {
  const fill = o.fill ?? (o.label ? '#f0f0f0' : null);
  if (fill) doc.rect(x, y, w, h).fill(fill);
  doc.lineWidth(0.6).strokeColor('black').rect(x, y, w, h).stroke();
  if (text === '') return;
  const align = o.align ?? (o.label ? 'center' : 'left');
  const innerW = w - 2 * CELL_PAD;
  let size = o.size ?? BASE_SIZE;
  doc.font(o.bold ? FONT.bold : FONT.regular).fillColor('black');
  for (;;) {
    doc.fontSize(size);
    const rare = needsFallback(text);
    const widthOf = (line: string): number => (rare ? mixedWidth(doc, line, o.bold) : doc.widthOfString(line));
    const oneLine = (o.nowrap === true || rare) && !text.includes('\n') && widthOf(text) <= innerW;
    const fits = o.nowrap || (rare && oneLine) ? oneLine : inkHeight(doc, text, innerW) <= h - 2 * CELL_VPAD + 0.01;
    if (fits || size <= MIN_SIZE) {
      // Centre the ink, not the line boxes: pdfkit's line height carries the font's line gap
      // below each line, which would lift one-line text visibly above the middle of the cell.
      // A no-wrap value still too wide at the smallest size wraps rather than run out of its cell.
      const ink = oneLine ? doc.currentLineHeight(false) : inkHeight(doc, text, innerW);
      const top = Math.max(y + 1, y + (h - ink) / 2);
      // pdfkit wants a whole line box (ink + gap) for the last line; allow the gap below the
      // cell's ink so a line that fits is not dropped, while text beyond that is still cut.
      const gap = doc.currentLineHeight(true) - doc.currentLineHeight(false);
      if (rare) {
        // A rare character (issue 17) is drawn in its own font, run by run.
        if (oneLine) mixedLine(doc, text, x + CELL_PAD, top, { width: innerW, align, bold: o.bold });
        else mixedParagraph(doc, text, x + CELL_PAD, top, innerW, o.bold === true, y + h - top + gap + 0.5);
        return;
      }
      doc.text(text, x + CELL_PAD, top, { width: innerW, align, lineGap: 0, height: y + h - top + gap + 0.5, ellipsis: true, lineBreak: !oneLine });
      return;
    }
    size -= 0.5;
  }
}

/** Where a form's label/value rows sit: its left edge, width, label column and least row height. */
export interface FormGrid {
  left: number;
  width: number;
  labelW: number;
  rowH: number;
}

/**
 * One row of label/value pairs across the form's width (two for 姓名 | 证件号码, one for a wide
 * field); the row grows so a long value shows whole rather than cut. Returns the y below it.
 */
export function labelValueRow(doc: PDFKit.PDFDocument, grid: FormGrid, y: number, pairs: readonly (readonly [string, string])[], o: { minH?: number; labelW?: number } = {}): number {
  const labelW = o.labelW ?? grid.labelW;
  const valueW = grid.width / pairs.length - labelW;
  const h = Math.max(o.minH ?? grid.rowH, ...pairs.map(([, v]) => cellHeight(doc, v, valueW)));
  pairs.forEach(([label, value], i) => {
    const x = grid.left + i * (labelW + valueW);
    drawCell(doc, label, x, y, labelW, h, { label: true });
    drawCell(doc, value, x + labelW, y, valueW, h);
  });
  return y + h;
}

/** Text that wraps, drawn run by run (pdfkit `continued`), left-aligned, clipped to `height`. */
function mixedParagraph(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, bold: boolean, height: number): void {
  const runs = fontRuns(text, bold);
  runs.forEach((r, i) => {
    doc.font(r.font);
    const options: PDFKit.Mixins.TextOptions = { width, lineGap: 0, height, continued: i < runs.length - 1 };
    if (i === 0) doc.text(r.text, x, y, options);
    else doc.text(r.text, options);
  });
  doc.font(bold ? FONT.bold : FONT.regular);
}

/**
 * `doc.text(text, x, y, { width })` for a free-standing value that may carry a rare character (a
 * doctor's or pledger's name outside a cell): plain pdfkit when Noto has every glyph, run by run
 * otherwise, so no caller has to know which fonts exist.
 */
export function fallbackText(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number): void {
  if (!needsFallback(text)) {
    doc.text(text, x, y, { width });
    return;
  }
  mixedParagraph(doc, text, x, y, width, false, Number.POSITIVE_INFINITY);
}

/** One run of a paragraph: plain form text, or a value filled into a blank (underlined). */
export interface Segment {
  text: string;
  fill?: boolean;
  bold?: boolean;
}

export interface ParagraphStyle {
  size: number;
  lineGap: number;
  /** First-line indent in points (two characters on Chinese forms). */
  indent?: number;
}

/**
 * A paragraph of runs wrapped as one text (pdfkit `continued`), so filled-in values sit in the
 * sentence where the form's blanks are. Returns the y below the paragraph.
 */
export function richParagraph(doc: PDFKit.PDFDocument, segments: Segment[], x: number, y: number, width: number, style: ParagraphStyle): number {
  // Each segment is split further by the font that has each character (rare characters, issue 17).
  const runs = segments
    .filter((s) => s.text !== '')
    .flatMap((s) => fontRuns(s.text, s.bold === true).map((r) => ({ ...s, text: r.text, font: r.font })));
  runs.forEach((s, i) => {
    doc.font(s.font).fontSize(style.size).fillColor('black');
    const options: PDFKit.Mixins.TextOptions = {
      width,
      lineGap: style.lineGap,
      continued: i < runs.length - 1,
      underline: s.fill === true,
    };
    if (i === 0) doc.text(s.text, x, y, { ...options, indent: style.indent ?? 0 });
    else doc.text(s.text, options);
  });
  return doc.y;
}

/**
 * The first zod issue as the InputError of CLI.md: a code, a Chinese message naming the field
 * (from `labels`, keyed by the dotted path), and the dotted path itself (e.g. `pledger.phone`).
 * `hints` say what a well-formed value looks like, for fields checked by pattern. The one
 * translator of shared/zodErrors.ts, in its CLI style.
 */
export function issueToInputError(
  issues: readonly core.$ZodIssue[],
  input: unknown,
  labels: Readonly<Record<string, string>>,
  hints: Readonly<Record<string, string>> = {},
): InputError {
  return zodInputError(issues, input, { labels, hints, style: 'cli' });
}
