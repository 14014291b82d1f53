import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Dialog } from '../../renderer/src/screens/claim/kit.tsx';
import { Confirm } from '../../renderer/src/screens/settlement/parts.tsx';

/** Issue 20 p7: 取消 stays enabled in dialogs while a request runs (the confirm button is the one disabled). */
function cancelButton(html: string): string {
  const m = /<button[^>]*>取消（Esc）<\/button>/.exec(html);
  if (!m) throw new Error(`no 取消 button in ${html}`);
  return m[0];
}

describe('dialogs keep 取消 enabled while busy', () => {
  const noop = () => undefined;
  it('claim Dialog', () => {
    const html = renderToStaticMarkup(createElement(Dialog, { title: '提交申报', confirmLabel: '提交', onConfirm: noop, onCancel: noop, busy: true, children: '内容' }));
    expect(html).toContain('处理中…');
    expect(cancelButton(html)).not.toContain('disabled');
  });
  it('settlement Confirm', () => {
    const html = renderToStaticMarkup(createElement(Confirm, { title: '确认结算', confirmLabel: '出院结算', onConfirm: noop, onCancel: noop, busy: true, children: '内容' }));
    expect(html).toMatch(/<button class="primary"[^>]*disabled/);
    expect(cancelButton(html)).not.toContain('disabled');
  });
});
