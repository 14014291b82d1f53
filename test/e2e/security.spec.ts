import { expect, test } from '@playwright/test';
import { startDeskHost } from '../support/deskHost.ts';

let ctx: Awaited<ReturnType<typeof startDeskHost>>;
test.beforeAll(async () => {
  ctx = await startDeskHost();
});
test.afterAll(async () => ctx.stop());

test('the Content-Security-Policy blocks inline script', async ({ page }) => {
  await page.goto(ctx.host.openUrl);
  await expect(page.getByLabel('工号')).toBeVisible();
  const result = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 200));
    return { injected: (window as unknown as { __injected?: boolean }).__injected === true, violations };
  });
  expect(result.injected).toBe(false);
  expect(result.violations.join(' ')).toContain('script-src');
});

test('a page without the per-start secret cannot call the services', async ({ page }) => {
  // Opening the app without the fragment: the API refuses, the clerk sees a clear message.
  await page.goto(ctx.host.url);
  await page.getByLabel('工号').fill('clerk01');
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('拒绝了未授权的调用');
});
