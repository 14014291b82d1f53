/**
 * Issue 17 point 2. The rare-character faces (rareFonts.css) are fetched only when such a
 * character is on screen; meanwhile Chromium draws the fallback (a box). When the face arrives,
 * Chromium (as in Electron and the Debian build the e2e tests use) redraws some text but keeps the
 * box in text that was laid out while the face was loading — seen on the identity card's name
 * and in an <input> holding the same name later (test/e2e/rareNames.spec.ts).
 *
 * So when a "Yidi Rare" face finishes loading, the root's font description changes by a feature
 * tag no font has ("yidi", a new value each time): every text is shaped again with the faces now
 * loaded. The tag changes nothing drawn, and an ordinary page never loads a face, so never does this.
 */
export function reflowWhenRareFontsLoad(doc: Document = document): void {
  if (!doc.fonts || typeof doc.fonts.addEventListener !== 'function') return;
  let generation = 0;
  doc.fonts.addEventListener('loadingdone', (event) => {
    const faces = (event as FontFaceSetLoadEvent).fontfaces ?? [];
    if (!faces.some((f) => f.family.replace(/^["']|["']$/g, '').startsWith('Yidi Rare'))) return;
    generation += 1;
    doc.documentElement.style.setProperty('font-feature-settings', `"yidi" ${generation}`);
  });
}
