import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '#core/providers/provider-resilience';
import { readGoogleRetryInfo, readRetryAfterHeaders } from '#core/providers/read-retry-hint';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('readRetryAfterHeaders', () => {
  it('reads retry-after-ms, Retry-After in seconds and as an HTTP date', () => {
    expect(readRetryAfterHeaders(new Headers({ 'retry-after-ms': '1500' }), 429, NOW)).toBe(1_500);
    expect(readRetryAfterHeaders(new Headers({ 'Retry-After': '2' }), 503, NOW)).toBe(2_000);
    expect(readRetryAfterHeaders({ 'retry-after': 'Mon, 07 Dec 2026 12:00:05 GMT' }, 429, NOW)).toBe(5_000);
  });

  it('reads the rate-limit reset headers on a 429 only', () => {
    expect(
      readRetryAfterHeaders(
        new Headers({ 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '20ms' }),
        429,
        NOW,
      ),
    ).toBe(360_000);
    expect(readRetryAfterHeaders(new Headers({ 'x-ratelimit-reset': String(NOW + 4_000) }), 429, NOW)).toBe(4_000);
    expect(readRetryAfterHeaders(new Headers({ 'x-ratelimit-reset-requests': '1s' }), 200, NOW)).toBeUndefined();
  });

  it('says nothing for missing or unreadable headers, and bounds absurd waits', () => {
    expect(readRetryAfterHeaders(undefined, 429, NOW)).toBeUndefined();
    expect(readRetryAfterHeaders(new Headers({ 'retry-after': 'soon' }), 429, NOW)).toBeUndefined();
    expect(readRetryAfterHeaders(new Headers({ 'retry-after': '86400' }), 429, NOW)).toBe(600_000);
  });
});

describe('readGoogleRetryInfo', () => {
  it('reads retryDelay from a google.rpc.RetryInfo detail', () => {
    expect(
      readGoogleRetryInfo({
        error: {
          details: [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure' },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' },
          ],
        },
      }),
    ).toBe(1_500);
    expect(readGoogleRetryInfo({ error: { message: 'no details' } })).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const settings = { baseDelayMs: 1_000, maxDelayMs: 20_000 };

  it('doubles from the base with half of it jittered, up to the cap', () => {
    expect([1, 2, 3].map((attempt) => backoffDelayMs(settings, attempt, undefined, () => 0))).toEqual([
      500, 1_000, 2_000,
    ]);
    expect([1, 2, 3].map((attempt) => backoffDelayMs(settings, attempt, undefined, () => 1))).toEqual([
      1_000, 2_000, 4_000,
    ]);
    expect(backoffDelayMs(settings, 12, undefined, () => 1)).toBe(20_000);
  });

  it('never waits less than the provider asked for', () => {
    expect(backoffDelayMs(settings, 1, 7_000, () => 0)).toBe(7_000);
  });
});
