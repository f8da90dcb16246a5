import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '#tests/web/support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLinkTo } from '#tests/web/support/outbox';
import { readZip } from '#tests/web/support/read-zip';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

describe('in a real browser: register, buy on the hosted checkout, see the credits, download the data, delete the account', () => {
  let h: WebHarness;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ stripe: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  it('goes from registration to an erased account through the pages a person uses', async () => {
    const context = await browser.newContext({
      viewport: { width: 420, height: 860 },
      locale: 'en-US',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    // Script errors and CSP refusals; a 4xx answer the test asks for (a failed sign-in) is not one.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('response', (response) => {
      if (response.url().startsWith(h.baseUrl) && response.status() === 404)
        consoleErrors.push(`404 ${response.url()}`);
    });

    await page.goto(`${h.baseUrl}/`);
    await shot(page, 'home');
    await page.getByRole('link', { name: 'Create account' }).first().click();
    await page.getByLabel('Email').fill('browser@example.com');
    await page.getByLabel('Display name').fill('Browser Person');
    await page.getByLabel('New password').fill('a very long password');
    await page.getByRole('checkbox').nth(0).check();
    await page.getByRole('checkbox').nth(1).check();
    await shot(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account/);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('10 credits');

    await page.goto(`${h.baseUrl}/pricing`);
    await shot(page, 'pricing');
    await page.getByRole('button', { name: 'Buy 50 credits for $4.99' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${h.stripe?.url}/checkout/`));
    await expect.poll(() => page.locator('#total').textContent()).toContain('$4.99');
    await shot(page, 'stripe-checkout');
    await page.locator('#pay').click();
    await page.waitForURL(`${h.baseUrl}/checkout/done`);
    await shot(page, 'checkout-done');
    expect(h.stripe?.deliveries.map((delivery) => [delivery.event.type, delivery.status])).toEqual([
      ['checkout.session.completed', 200],
    ]);

    await page.getByRole('link', { name: 'My account' }).first().click();
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('60 credits');
    await expect.poll(() => page.locator('main').textContent()).toContain('$4.99');
    await shot(page, 'account');

    await page.getByRole('link', { name: 'Privacy and your data' }).click();
    await shot(page, 'privacy-center');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download my data' }).click(),
    ]);
    const saved = path.join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(saved);
    const files = readZip(await fs.readFile(saved));
    expect(JSON.parse(files.get('data.json')?.toString() ?? '{}')).toMatchObject({
      account: { email: 'browser@example.com', displayName: 'Browser Person' },
    });

    await page.goto(`${h.baseUrl}/account/privacy`);
    await page.getByLabel('Your password, to confirm').fill('a very long password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => page.locator('main').textContent()).toContain('Your account and data are deleted');
    await shot(page, 'account-deleted');
    expect(await h.t.database.prisma.user.count({ where: { email: 'browser@example.com' } })).toBe(0);

    await page.goto(`${h.baseUrl}/login`);
    await page.getByLabel('Email').fill('browser@example.com');
    await page.getByLabel('Password').fill('a very long password');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password.');
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 90_000);

  it('shows the legal pages and the sign-in page in Chinese, laid out for a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/privacy`);
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('我们如何处理你的数据');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'privacy-policy-zh');
    await page.goto(`${h.baseUrl}/login`);
    await shot(page, 'login-zh');
    await page.getByRole('link', { name: 'English' }).click();
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('Sign in');
    await context.close();
  }, 60_000);
});

describe('in a real browser: the admin dashboard draws its charts and a refund asks first', () => {
  const ADMIN_EMAIL = 'browser-admin@example.com';
  let h: WebHarness;
  let browser: Browser;

  beforeAll(async () => {
    await fs.mkdir(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ stripe: true, env: { ADMIN_EMAILS: ADMIN_EMAIL } });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows non-empty charts on a desktop and a phone, and refunds only after the confirmation page', async () => {
    const prisma = h.t.database.prisma;
    const errors: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${h.baseUrl}/register`);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Display name').fill('Browser Admin');
    await page.getByLabel('New password').fill('a very long password');
    await page.getByRole('checkbox').nth(0).check();
    await page.getByRole('checkbox').nth(1).check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account/);
    const { url } = await lastLinkTo(h.t.dataDir, ADMIN_EMAIL, '/verify-email/');
    await page.goto(url);
    await page.goto(`${h.baseUrl}/account`);
    const adminId = (await prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } })).id;
    const now = h.t.clock.now().getTime();
    for (const [days, status] of [
      [0, 'succeeded'],
      [1, 'succeeded'],
      [1, 'failed'],
      [5, 'succeeded'],
    ] as const) {
      const at = new Date(now - days * 86_400_000);
      await prisma.generation.create({
        data: {
          userId: adminId,
          kind: 'image',
          cost: 1,
          status,
          provider: 'demo',
          model: 'demo',
          createdAt: at,
          startedAt: at,
          finishedAt: new Date(at.getTime() + 1_800),
        },
      });
    }
    const payment = await prisma.payment.create({
      data: {
        userId: adminId,
        provider: 'stripe',
        externalId: 'pi_browser_refund',
        amount: 499,
        currency: 'usd',
        credits: 50,
        status: 'succeeded',
      },
    });

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/\/admin$/);
    const charts = page.locator('figure.chart svg');
    expect(await charts.count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(4);
    expect(
      await charts
        .first()
        .boundingBox()
        .then((box) => box?.width ?? 0),
    ).toBeGreaterThan(600);
    await shot(page, 'admin-dashboard');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(
      await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    ).toBeLessThanOrEqual(0);
    await shot(page, 'admin-dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.goto(`${h.baseUrl}/admin/users/${adminId}`);
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect
      .poll(() => page.getByTestId('effect').first().textContent())
      .toContain('Refund $4.99 (payment pi_browser_refund)');
    await shot(page, 'admin-refund-confirm');
    await page.getByRole('link', { name: 'Cancel and change nothing' }).click();
    await page.waitForURL(new RegExp(`/admin/users/${adminId}$`));
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('succeeded');
    expect(errors).toEqual([]);
    async function shot(target: Page, name: string): Promise<void> {
      await target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    }
    await context.close();
  }, 90_000);
});
