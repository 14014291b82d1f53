import { expect, type Page } from '@playwright/test';

/** Logs a demo clerk in at the desk's URL and waits for the home screen. */
export async function loginAt(page: Page, openUrl: string, login = 'clerk01'): Promise<void> {
  await page.goto(openUrl);
  await page.getByLabel('工号').fill(login);
  await page.getByLabel('密码').fill('demo1234');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /您好/ })).toBeVisible();
}
