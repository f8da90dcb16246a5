import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '#tests/web/support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const VIEWPORTS = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
] as const;

describe('in a real browser: create a picture on the website and watch it arrive', () => {
  let h: WebHarness;
  let browser: Browser;

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    // A demo provider that takes a moment, so the job page is open before the result exists.
    h = await startWebHarness({
      startWorker: true,
      providers: { image: [createDemoImageProvider({ latencyMs: 2_500 })], video: [createDemoVideoProvider()] },
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  for (const { name, viewport } of VIEWPORTS) {
    it(`on a ${name}: the price follows the options, and the result is pushed to the job page`, async () => {
      const context = await browser.newContext({ viewport, locale: 'en-US' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      await page.goto(`${h.baseUrl}/register`);
      await page.getByLabel('Email').fill(`browser-create-${name}@example.com`);
      await page.getByLabel('Display name').fill('Browser Creator');
      await page.getByLabel('New password').fill('a very long password');
      await page.getByRole('checkbox').nth(0).check();
      await page.getByRole('checkbox').nth(1).check();
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/account/);

      await page.getByRole('link', { name: 'Create', exact: true }).first().click();
      await page.waitForURL(`${h.baseUrl}/create`);
      await expect.poll(() => page.getByTestId('cost').textContent()).toBe('Cost in credits: 1');
      await page.getByRole('textbox', { name: /^Prompt/ }).fill('a lighthouse on a cliff at dusk');
      await page.getByLabel('Number of pictures').selectOption('2');
      await page.getByLabel('HD: higher quality, costs more').check();
      await expect.poll(() => page.getByTestId('cost').textContent()).toBe('Cost in credits: 4');
      const overflow = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, `create-form-${name}`);

      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.waitForURL(/\/create\/jobs\/[0-9a-f-]{36}$/);
      await expect.poll(() => page.getByTestId('job-status').textContent()).not.toBe('Done.');
      await page.evaluate('window.stillTheSamePage = true');
      await shot(page, `create-job-waiting-${name}`);

      await expect.poll(() => page.getByTestId('job-status').textContent(), { timeout: 20_000 }).toBe('Done.');
      await expect.poll(() => page.locator('#job-images img').count()).toBe(2);
      // Arrived through the live events, not by a reload.
      expect(await page.evaluate('window.stillTheSamePage')).toBe(true);
      await expect
        .poll(() =>
          page
            .locator('#job-images img')
            .first()
            .evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBeGreaterThan(0);
      expect(await page.getByTestId('job-balance').textContent()).toBe('Your balance in credits after this: 6');
      await expect.poll(() => page.getByRole('link', { name: 'Make again' }).count()).toBe(1);
      await shot(page, `create-job-done-${name}`);
      expect(problems).toEqual([]);
      await context.close();
    }, 90_000);
  }
});
