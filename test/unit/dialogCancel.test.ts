import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Dialog } from '../../renderer/src/ui/Dialog.tsx';

/** Issue 20 p7: 取消 stays enabled in dialogs while a request runs (the confirm button is the one disabled). */
function cancelButton(html: string): string {
  const m = /<button[^>]*>取消（Esc）<\/button>/.exec(html);
  if (!m) throw new Error(`no 取消 button in ${html}`);
  return m[0];
}

describe('dialogs keep 取消 enabled while busy', () => {
  const noop = () => undefined;
  it('busy: the confirm button says 处理中… and is disabled, 取消 is not', () => {
    const html = renderToStaticMarkup(createElement(Dialog, { title: '提交申报', confirmLabel: '提交', onConfirm: noop, onCancel: noop, busy: true, children: '内容' }));
    expect(html).toContain('处理中…');
    expect(cancelButton(html)).not.toContain('disabled');
  });
  it('disabled (a reason still missing): the confirm button keeps its label and is disabled, 取消 is not', () => {
    const html = renderToStaticMarkup(createElement(Dialog, { title: '撤销结算（主管）', confirmLabel: '确认撤销', onConfirm: noop, onCancel: noop, disabled: true, children: '内容' }));
    expect(html).toMatch(/<button class="primary"[^>]*disabled[^>]*>确认撤销（Enter）<\/button>/);
    expect(cancelButton(html)).not.toContain('disabled');
  });
});
