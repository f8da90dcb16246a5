import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '#tests/web/support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCreation } from '#tests/web/support/creations';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

/** Waits for the page as long as a loaded machine may need (the default is one second). */
const POLL = { timeout: 15_000 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

describe('in a real browser: the gallery on a phone and a desktop, deleting, publishing and unpublishing', () => {
  let h: WebHarness;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    h = await startWebHarness();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  /** A context whose script errors, CSP refusals and unexpected 404s are collected in `problems`. */
  async function watched(viewport: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'en-US', acceptDownloads: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.url().startsWith(h.baseUrl) && response.status() >= 400 && !response.url().includes('/s/'))
        problems.push(`${response.status()} ${response.url()}`);
    });
    return { context, page };
  }

  /** Every image on the page has loaded (a broken one has no natural width); lazy ones are asked for first. */
  async function imagesLoaded(page: Page): Promise<boolean> {
    return page.evaluate<boolean>(`(() => {
      for (const image of document.images) image.loading = 'eager';
      return [...document.images].every((image) => image.complete && image.naturalWidth > 0);
    })()`);
  }

  /** The page does not scroll sideways. */
  async function fitsWidth(page: Page): Promise<boolean> {
    return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
  }

  it('pages through, deletes one, publishes one, opens it signed out, unpublishes it and gets a 404', async () => {
    const { context, page } = await watched(DESKTOP);
    await page.goto(`${h.baseUrl}/register`);
    await page.getByLabel('Email').fill('gallery-browser@example.com');
    await page.getByLabel('Display name').fill('Gallery Person');
    await page.getByLabel('New password').fill('a very long password');
    await page.getByRole('checkbox').nth(0).check();
    await page.getByRole('checkbox').nth(1).check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account/);
    const { id: userId } = await h.t.database.prisma.user.findUniqueOrThrow({
      where: { email: 'gallery-browser@example.com' },
    });
    const start = h.t.clock.now().getTime() - 60 * 60_000;
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const { generationId } = await insertCreation(h.t, {
        userId,
        prompt: `a watercolour harbour, study ${index + 1}`,
        platform: (['telegram', 'discord', 'web'] as const)[index % 3],
        createdAt: new Date(start + index * 60_000),
        options: { seed: 100 + index },
      });
      ids.push(generationId);
    }

    await page.getByRole('link', { name: 'My creations' }).first().click();
    await page.waitForURL(`${h.baseUrl}/gallery`);
    await expect.poll(() => page.getByTestId('creation').count(), POLL).toBe(6);
    await expect.poll(() => imagesLoaded(page), POLL).toBe(true);
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'gallery-desktop');

    await page.getByLabel('Made in').selectOption('discord');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/source=discord/);
    await expect.poll(() => page.getByTestId('creation').count(), POLL).toBe(2);
    await page.goto(`${h.baseUrl}/gallery`);

    await page.getByRole('link', { name: 'a watercolour harbour, study 6' }).last().click();
    await page.waitForURL(`${h.baseUrl}/gallery/${ids[5]}`);
    await expect.poll(() => page.getByTestId('options').textContent(), POLL).toContain('105');
    await expect.poll(() => imagesLoaded(page), POLL).toBe(true);
    await shot(page, 'gallery-creation');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
    expect(download.suggestedFilename()).toMatch(/^creation-[0-9a-f-]+\.png$/);
    await page.getByRole('button', { name: 'Delete this creation' }).click();
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Delete this creation?');
    await shot(page, 'gallery-delete-confirm');
    await page.getByTestId('confirm-delete').click();
    await page.waitForURL(`${h.baseUrl}/gallery?deleted=1`);
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('Deleted');
    await expect.poll(() => page.getByTestId('creation').count(), POLL).toBe(5);
    expect(await page.locator('main').textContent()).not.toContain('study 6');
    await shot(page, 'gallery-after-delete');

    await page.getByRole('link', { name: 'a watercolour harbour, study 5' }).last().click();
    await page.getByLabel('Publish it on a public page').check();
    await page.getByLabel('Show the prompt and options there').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('The public page is up.');
    const shareUrl = (await page.getByTestId('share-link').getAttribute('href')) ?? '';
    expect(shareUrl).toMatch(new RegExp(`^${h.baseUrl}/s/[A-Za-z0-9_-]{16}$`));

    const visitor = await watched(PHONE);
    const opened = await visitor.page.goto(shareUrl);
    expect(opened?.status()).toBe(200);
    await expect
      .poll(() => visitor.page.getByTestId('shared-prompt').textContent())
      .toBe('a watercolour harbour, study 5');
    await expect.poll(() => imagesLoaded(visitor.page), POLL).toBe(true);
    expect(await fitsWidth(visitor.page)).toBe(true);
    expect(await visitor.page.locator('meta[property="og:image"]').getAttribute('content')).toBe(`${shareUrl}/media/1`);
    expect(await visitor.page.getByRole('link', { name: 'My creations' }).count()).toBe(0);
    await shot(visitor.page, 'share-page-phone');

    await page.getByLabel('Publish it on a public page').uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('its page is gone');
    const gone = await visitor.page.reload();
    expect(gone?.status()).toBe(404);
    await expect.poll(() => visitor.page.locator('main').textContent(), POLL).toContain('no longer published');
    await shot(visitor.page, 'share-page-gone-phone');
    await visitor.context.close();

    await context.close();
    expect(problems).toEqual([]);
  }, 120_000);

  it('lays the gallery out for a phone without sideways scrolling', async () => {
    const { context, page } = await watched(PHONE);
    await page.goto(`${h.baseUrl}/login`);
    await page.getByLabel('Email').fill('gallery-browser@example.com');
    await page.getByLabel('Password').fill('a very long password');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.waitForURL(/\/account/);
    await expect.poll(() => page.getByTestId('recent-creation').count(), POLL).toBe(4);
    await page.getByTestId('gallery-link').click();
    await page.waitForURL(`${h.baseUrl}/gallery`);
    await expect.poll(() => page.getByTestId('creation').count(), POLL).toBe(5);
    await expect.poll(() => imagesLoaded(page), POLL).toBe(true);
    expect(await fitsWidth(page)).toBe(true);
    const box = await page.getByTestId('creation').first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    await shot(page, 'gallery-phone');
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
