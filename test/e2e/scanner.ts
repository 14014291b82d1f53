import { expect, type Locator } from '@playwright/test';

/**
 * What a barcode / QR scanner or a card reader does: the whole text arrives at once and Enter
 * follows with no delay — no wait for a search, a list or a re-render in between (issue 20 §1).
 * Every test that scans (identity F2, admission F3, settlement F4) types through this helper, so a
 * screen that acts on the previous list or the previous text on Enter fails its test.
 */
export async function scan(field: Locator, text: string): Promise<void> {
  await field.focus();
  // One input event with the whole text, then Enter at once, both from inside the page, so
  // nothing (not even Playwright's own actionability waits) runs in between.
  await field.evaluate((el, value) => {
    const input = el as HTMLInputElement;
    input.select();
    document.execCommand('insertText', false, value);
    const key = { key: 'Enter', code: 'Enter', keyCode: 13, which: 13, bubbles: true, cancelable: true } as KeyboardEventInit;
    input.dispatchEvent(new KeyboardEvent('keydown', key));
    input.dispatchEvent(new KeyboardEvent('keypress', key));
    input.dispatchEvent(new KeyboardEvent('keyup', key));
  }, text);
}

/** The scan field has the focus and all its text selected, ready for the next scan (issue 20 §3). */
export async function expectReadyForNextScan(field: Locator, text: string): Promise<void> {
  await expect(field).toBeFocused();
  await expect(field).toHaveValue(text);
  await expect.poll(() => field.evaluate((el) => {
    const input = el as HTMLInputElement;
    return { active: document.activeElement === input, start: input.selectionStart, end: input.selectionEnd, length: input.value.length };
  })).toEqual({ active: true, start: 0, end: text.length, length: text.length });
}
