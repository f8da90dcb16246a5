import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

/** Names every plain object answers to through its prototype. */
const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

describe('web: input that names a prototype property is refused like any unknown key', () => {
  let h: WebHarness;
  let buyer: WebClient;
  beforeAll(async () => {
    h = await startWebHarness({ stripe: true });
    buyer = h.client();
    await buyer.get('/register');
    expect(
      (
        await buyer.post('/register', {
          email: 'keys@example.com',
          password: 'correct horse battery',
          displayName: 'Keys',
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers /pricing?currency=<prototype key> with 400 and a clear message, still showing the prices', async () => {
    const client = h.client();
    for (const key of [...PROTOTYPE_KEYS, 'xyz']) {
      const page = await client.get(`/pricing?currency=${encodeURIComponent(key)}`);
      expect(page.status, key).toBe(400);
      const text = pageText(page.text);
      expect(text).toContain('That currency is not offered. Please choose one from the list.');
      expect(text).toContain('$4.99');
      expect(text).not.toMatch(/function|native code|NaN/);
    }
    const zh = await h.client({ 'accept-language': 'zh-CN' }).get('/pricing?currency=constructor');
    expect(zh.status).toBe(400);
    expect(pageText(zh.text)).toContain('不支持该币种，请从列表中选择。');
    expect((await client.get('/pricing?currency=eur')).status).toBe(200);
    expect((await client.get('/pricing')).status).toBe(200);
  });

  it('refuses a checkout for a prototype-key currency (400) or product (404) and creates no Stripe session', async () => {
    await buyer.get('/pricing');
    const before = h.stripe?.checkoutSessions.size ?? 0;
    for (const key of PROTOTYPE_KEYS) {
      const currency = await buyer.post('/checkout', { kind: 'pack', product: 'starter', currency: key });
      expect(currency.status, key).toBe(400);
      expect(pageText(currency.text)).toContain('That currency is not offered.');
      const plan = await buyer.post('/checkout', { kind: 'plan', product: 'plus', currency: key });
      expect(plan.status, key).toBe(400);
      const product = await buyer.post('/checkout', { kind: 'pack', product: key, currency: 'usd' });
      expect(product.status, key).toBe(404);
      expect(pageText(product.text)).toContain('That product does not exist.');
      const kind = await buyer.post('/checkout', { kind: key, product: 'starter', currency: 'usd' });
      expect(kind.status, key).toBe(404);
    }
    expect(h.stripe?.checkoutSessions.size ?? 0).toBe(before);
  });

  it('refuses a prototype-key language, data-request kind or language cookie without an error page', async () => {
    await buyer.get('/account/settings');
    for (const key of PROTOTYPE_KEYS) {
      const profile = await buyer.post('/account/profile', { displayName: 'Keys', locale: key });
      expect(profile.status, key).toBe(400);
      const lang = await h.client().get(`/lang/${encodeURIComponent(key)}`);
      expect(lang.status, key).toBe(303);
      const cookie = await h.client().get('/pricing', { cookie: `lang=${encodeURIComponent(key)}; ${key}=x` });
      expect(cookie.status, key).toBe(200);
      expect(cookie.text).toContain('lang="en"');
      const visitor = h.client();
      const request = await visitor.submit('/privacy/request', '/privacy/request', {
        email: 'keys@example.com',
        kind: key,
        message: '',
      });
      expect(request.status, key).toBe(400);
    }
  });

  it('shows a display name that looks like a message placeholder as typed', async () => {
    await buyer.get('/account/settings');
    for (const name of ['{constructor}', '{toString}', '{__proto__}']) {
      expect((await buyer.post('/account/profile', { displayName: name, locale: 'en' })).status).toBe(303);
      const account = await buyer.get('/account');
      expect(account.status).toBe(200);
      expect(pageText(account.text)).toContain(name);
      expect(pageText(account.text)).not.toMatch(/native code|function /);
    }
  });
});
