import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TELEGRAM_SEND_LIMIT, type Logger } from '#core';
import { loadConfig } from '#core/config/load-config';
import { buildLimits } from '#core/infra/build-limits';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createTelegramApi } from '#bots/telegram/index';
import { startFakeTelegram, type FakeTelegram } from '#tests/fakes/telegram-bot-api';
import { BOT_TOKEN } from '#tests/bots/telegram/support/telegram-harness';
import { silentLogger, TEST_REDIS_URL, uniquePrefix } from '#tests/core/infra/test-kit';

/**
 * Telegram allows a bot about 30 messages a second in all. The bot and each worker send from
 * processes of their own, so each process's throttler alone would let N processes send N × 30:
 * the shared pace (core's TELEGRAM_SEND_LIMIT, clustered through Redis) keeps their sum under it.
 */
describe('the shared pace of Telegram calls across processes', () => {
  let fake: FakeTelegram;
  let limiters: RateLimiter[] = [];

  beforeAll(async () => {
    fake = await startFakeTelegram({ token: BOT_TOKEN, floodLimit: { globalPerSecond: 30 } });
  });
  afterAll(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await fake?.close();
  });

  it('leaves a sixth of the 30 a second for calls that reach Telegram later than the pace let them go', () => {
    // A loaded process sends a granted call late, next to the ones granted after it: at ~28 a
    // second a delay of 100 ms already puts 31 calls into one second at Telegram.
    const pace = buildLimits(loadConfig({ TELEGRAM_BOT_TOKEN: BOT_TOKEN }), [])[TELEGRAM_SEND_LIMIT];
    expect(1000 / (pace?.minTimeMs ?? 0)).toBeLessThanOrEqual(25);
  });

  it('keeps two sending processes together under 30 messages a second: no 429', { timeout: 60_000 }, async () => {
    const keyPrefix = `${uniquePrefix('telegram-pace')}:`;
    const logger: Logger = silentLogger();
    // Two limiters with connections of their own stand for the bot process and a worker.
    limiters = [0, 1].map(() =>
      createRateLimiter({
        limits: { [TELEGRAM_SEND_LIMIT]: { minTimeMs: 35 } },
        redisUrl: TEST_REDIS_URL,
        keyPrefix,
        logger,
      }),
    );
    const apis = limiters.map((limiter) =>
      createTelegramApi({
        token: BOT_TOKEN,
        apiRoot: fake.apiRoot,
        sharedPace: (call) => limiter.schedule(TELEGRAM_SEND_LIMIT, call),
      }),
    );

    const started = Date.now();
    await Promise.all(
      apis.flatMap((api, process) =>
        Array.from({ length: 40 }, (_, index) =>
          api.sendMessage(700_000 + process * 100 + index, 'Your picture is ready'),
        ),
      ),
    );
    const tookMs = Date.now() - started;

    expect(fake.callsOf('sendMessage').filter((call) => call.status === 200)).toHaveLength(80);
    expect(fake.tooManyRequests).toBe(0);
    // 80 messages at ~28 a second take ~2.8 s in all; alone, each process would have sent its 40 in ~1.3 s.
    expect(tookMs).toBeGreaterThanOrEqual(2_500);
  });
});
