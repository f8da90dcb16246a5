import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core';
import { createPricingUrl, verifyPricingToken } from '#core/payments/stripe-pricing-link';
import { TestClock } from '#tests/support/test-clock';

const USER = '0190f0f0-0000-7000-8000-000000000001';

function depsWith(secret: string, clock: TestClock) {
  return { config: loadConfig({ SESSION_SECRET: secret, PUBLIC_URL: 'https://imagine.example' }), clock };
}

describe('signed pricing links for /buy in chats', () => {
  it('names the user for 30 minutes and no longer', () => {
    const clock = new TestClock();
    const deps = depsWith('s'.repeat(40), clock);
    const url = createPricingUrl(deps, USER);
    expect(url.startsWith('https://imagine.example/pricing?t=')).toBe(true);
    const token = new URL(url).searchParams.get('t') ?? '';
    expect(verifyPricingToken(deps, token)).toBe(USER);
    clock.advance(29 * 60 * 1000);
    expect(verifyPricingToken(deps, token)).toBe(USER);
    clock.advance(2 * 60 * 1000);
    expect(verifyPricingToken(deps, token)).toBeUndefined();
  });

  it('rejects another user id, a changed expiry, another secret and junk', () => {
    const clock = new TestClock();
    const deps = depsWith('s'.repeat(40), clock);
    const token = new URL(createPricingUrl(deps, USER)).searchParams.get('t') ?? '';
    const [, exp, sig] = token.split('.');
    expect(verifyPricingToken(deps, `0190f0f0-0000-7000-8000-000000000002.${exp}.${sig}`)).toBeUndefined();
    expect(verifyPricingToken(deps, `${USER}.${Number(exp) + 3600}.${sig}`)).toBeUndefined();
    expect(verifyPricingToken(depsWith('t'.repeat(40), clock), token)).toBeUndefined();
    expect(verifyPricingToken(deps, 'nonsense')).toBeUndefined();
  });
});
