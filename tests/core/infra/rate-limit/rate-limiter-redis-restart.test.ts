import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { silentLogger } from '#tests/core/infra/test-kit';
import { startOwnRedis, type OwnRedis } from '#tests/ops/scale-out/own-redis';

/**
 * Bottleneck recovers from a Redis that lost a limit's state only when the error text matches
 * exactly, and Redis 7 prefixes script errors with "ERR ": our limiter opens the limit again.
 * Concurrency leases simply start again from an empty Redis.
 */
describe('clustered limits across a Redis restart that lost their state', () => {
  let redis: OwnRedis;
  let limiter: RateLimiter;

  beforeAll(async () => {
    redis = await startOwnRedis();
    limiter = createRateLimiter({
      limits: {
        'provider:google': { maxConcurrent: 2 },
        'provider:openai': { minTimeMs: 50, reservoir: { amount: 100, refreshIntervalMs: 60_000 } },
      },
      redisUrl: redis.url,
      keyPrefix: 'restart:',
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await limiter?.close();
    await redis?.stop().catch(() => undefined);
  });

  it('runs calls again once Redis is back empty, without a restart of the process', { timeout: 60_000 }, async () => {
    expect(await limiter.schedule('provider:google', async () => 'before')).toBe('before');
    expect(await limiter.schedule('provider:openai', async () => 'before')).toBe('before');

    await redis.stop();
    await redis.start();
    // The first calls may meet the reconnection itself; one within 10 s must run, for each kind of limit.
    for (const limit of ['provider:google', 'provider:openai']) {
      const deadline = Date.now() + 10_000;
      let result: string | undefined;
      let lastError: unknown;
      while (result === undefined && Date.now() < deadline) {
        result = await limiter
          .schedule(limit, async () => 'after', { maxWaitMs: 5_000 })
          .catch((error: unknown) => {
            lastError = error;
            return undefined;
          });
        if (result === undefined) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(result, `${limit}, last error: ${String(lastError)}`).toBe('after');
    }
    // And it still limits: two at once, the third waits.
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        limiter.schedule('provider:google', async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 100));
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('runs a call that was waiting for a slot when Redis restarted empty, instead of leaving it waiting for ever', {
    timeout: 60_000,
  }, async () => {
    const waiting = createRateLimiter({
      limits: { 'provider:google': { maxConcurrent: 1 } },
      redisUrl: redis.url,
      keyPrefix: 'restart-waiting:',
      logger: silentLogger(),
    });
    try {
      let release: () => void = () => undefined;
      const holding = waiting.schedule(
        'provider:google',
        () =>
          new Promise<string>((resolve) => {
            release = () => resolve('held');
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Queued behind the only slot: its ticket waits in the limiter when Redis loses the state.
      const queued = waiting.schedule('provider:google', async () => 'queued');
      await new Promise((resolve) => setTimeout(resolve, 300));

      await redis.stop();
      await redis.start();
      release();
      await holding.catch(() => undefined);
      const outcome = await Promise.race([
        queued,
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 15 s'), 15_000)),
      ]);
      expect(outcome).toBe('queued');
    } finally {
      await waiting.close();
    }
  });
});
