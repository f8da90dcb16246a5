import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RESET_RULES } from '#core/accounts/throttle';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText } from '#tests/web/support/web-client';
import { lastLinkTo } from '#tests/web/support/outbox';

const PASSWORD = 'correct horse battery';

/** Counts scrypt derivations in this process (the app runs in it) without changing what they do. */
function countScrypt(): { calls: () => number } {
  const spy = vi.spyOn(crypto, 'scrypt');
  syncBuiltinESMExports();
  return { calls: () => spy.mock.calls.length };
}

describe('web: password reset checks the link before hashing and is throttled per IP and per link', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  });

  it('answers garbage tokens as invalid links without deriving a single password hash', async () => {
    const client = h.client();
    await client.get('/forgot-password');
    const scrypt = countScrypt();
    for (const token of ['garbage', 'A'.repeat(43), 'constructor', '__proto__']) {
      const response = await client.post(`/reset-password/${token}`, { password: 'a brand new passphrase' });
      expect(response.status).toBe(400);
      expect(pageText(response.text)).toContain('That link is invalid or expired.');
    }
    // The link is checked before the password: a bad link with a short password is still a bad link.
    const short = await client.post(`/reset-password/${'B'.repeat(43)}`, { password: 'short' });
    expect(pageText(short.text)).toContain('That link is invalid or expired.');
    expect(scrypt.calls()).toBe(0);
  });

  it("answers the attempt after the per-IP allowance with a 429 page in the visitor's language", async () => {
    const client = h.client({ 'x-forwarded-for': '198.51.100.200' });
    await client.get('/forgot-password');
    for (let attempt = 1; attempt <= RESET_RULES.perIp.points; attempt += 1) {
      expect(
        (await client.post(`/reset-password/${'C'.repeat(40)}${attempt}aa`, { password: 'a brand new passphrase' }))
          .status,
      ).toBe(400);
    }
    const throttled = await client.post(`/reset-password/${'D'.repeat(43)}`, { password: 'a brand new passphrase' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(pageText(throttled.text)).toMatch(/Too many attempts\. Try again in (1 second|(?!1 )\d+ seconds)\./);

    const zh = h.client({ 'x-forwarded-for': '198.51.100.200', 'accept-language': 'zh-CN' });
    await zh.get('/forgot-password');
    const zhThrottled = await zh.post(`/reset-password/${'E'.repeat(43)}`, { password: 'a brand new passphrase' });
    expect(zhThrottled.status).toBe(429);
    expect(pageText(zhThrottled.text)).toMatch(/尝试次数过多，请 \d+ 秒后再试。/);
  });

  it('throttles one link across addresses, and a good link still works from another address', async () => {
    const owner = h.client();
    await owner.get('/register');
    expect(
      (
        await owner.post('/register', {
          email: 'reset-me@example.com',
          password: PASSWORD,
          displayName: 'R',
          age: 'yes',
          terms: 'yes',
        })
      ).status,
    ).toBe(303);
    await owner.submit('/forgot-password', '/forgot-password', { email: 'reset-me@example.com' });
    const path = new URL((await lastLinkTo(h.t.dataDir, 'reset-me@example.com', '/reset-password/')).url).pathname;
    const other = h.client();
    await other.get(path);
    const scrypt = countScrypt();
    expect((await other.post(path, { password: 'a brand new passphrase' })).status).toBe(303);
    // The counter sees real work: a good link costs one derivation.
    expect(scrypt.calls()).toBe(1);

    const guessed = `/reset-password/${'F'.repeat(43)}`;
    for (let attempt = 1; attempt <= RESET_RULES.perToken.points; attempt += 1) {
      const from = h.client();
      await from.get('/forgot-password');
      expect((await from.post(guessed, { password: 'a brand new passphrase' })).status).toBe(400);
    }
    const last = h.client();
    await last.get('/forgot-password');
    expect((await last.post(guessed, { password: 'a brand new passphrase' })).status).toBe(429);
  });
});
