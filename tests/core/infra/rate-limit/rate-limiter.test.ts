import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { LimitsConfig } from '#core/infra/rate-limit/rate-limiter';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { ConcurrencyProbe, describeRateLimiterContract } from '#tests/core/infra/rate-limit/rate-limiter-contract';
import { TEST_REDIS_URL, deleteKeys, silentLogger, uniquePrefix } from '#tests/core/infra/test-kit';

const prefix = uniquePrefix('rate-limit');
let admin: Redis;
let counter = 0;

/** A key prefix of its own per test, since Bottleneck keeps a limit's state in Redis. */
const freshPrefix = (): string => `${prefix}:${++counter}:`;

beforeAll(() => {
  admin = createRedisConnection(TEST_REDIS_URL, { role: 'test-admin' });
});

afterAll(async () => {
  await deleteKeys(admin, `${prefix}:*`);
  await deleteKeys(admin, `b_${prefix}:*`);
  await closeRedisConnection(admin);
});

describeRateLimiterContract('local Bottleneck', (limits) => createRateLimiter({ limits, redisUrl: undefined, keyPrefix: freshPrefix(), logger: silentLogger() }));

describeRateLimiterContract('clustered Bottleneck (Redis)', (limits) =>
  createRateLimiter({ limits, redisUrl: TEST_REDIS_URL, keyPrefix: freshPrefix(), logger: silentLogger() }),
);

describe('clustered limits across processes', () => {
  const pair = (limits: LimitsConfig) => {
    const keyPrefix = freshPrefix();
    // Two limiters with connections of their own stand for two worker processes.
    return [0, 1].map(() => createRateLimiter({ limits, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger() }));
  };

  it('holds maxConcurrent across two limiter instances', async () => {
    const limiters = pair({ 'provider:google:key1': { maxConcurrent: 2 } });
    try {
      const probe = new ConcurrencyProbe();
      const ranBy = [0, 0];
      await Promise.all(
        limiters.flatMap((limiter, instance) =>
          Array.from({ length: 6 }, () => {
            const task = probe.task(150);
            return limiter.schedule('provider:google:key1', async () => {
              ranBy[instance]! += 1;
              await task();
            });
          }),
        ),
      );
      expect(probe.ran).toBe(12);
      expect(ranBy).toEqual([6, 6]);
      expect(probe.max).toBe(2);
    } finally {
      await Promise.all(limiters.map((limiter) => limiter.close()));
    }
  });

  it("frees a slot a dead process held after that call's own slot timeout, not the limit's", async () => {
    const [dead, alive] = pair({ 'provider:google': { maxConcurrent: 1, slotTimeoutMs: 60_000 } });
    let release = () => {};
    try {
      // The "dead" process took the only slot for an image call and never gives it back.
      const hung = dead!.schedule('provider:google', () => new Promise<void>((resolve) => { release = resolve; }), { slotTimeoutMs: 400 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await alive!.schedule('provider:google', async () => undefined, { slotTimeoutMs: 400 });
      const waitedMs = Date.now() - started;
      expect(waitedMs).toBeGreaterThanOrEqual(200);
      expect(waitedMs).toBeLessThan(10_000);
      release();
      await hung;
    } finally {
      release();
      await Promise.all([dead, alive].map((limiter) => limiter?.close()));
    }
  });

  it('frees the slots of a process killed while it held them, long before their slot timeout', { timeout: 60_000 }, async () => {
    const keyPrefix = freshPrefix();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'hold-slot-child.ts'), TEST_REDIS_URL, keyPrefix, 'provider:google'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const alive = createRateLimiter({ limits: { 'provider:google': { maxConcurrent: 1, slotTimeoutMs: 600_000 } }, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger(), deadClientMs: 2_000 });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before holding the slot`)));
      });
      child.kill('SIGKILL');
      const started = Date.now();
      await alive.schedule('provider:google', async () => undefined);
      // Its heartbeat stops; after deadClientMs (2 s) and a reaper tick the slot is free again.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      child.kill('SIGKILL');
      await alive.close();
    }
  });

  it('shares one reservoir between two limiter instances', async () => {
    const limiters = pair({ 'provider:openai': { reservoir: { amount: 3, refreshIntervalMs: 60_000 } } });
    try {
      const [first, second] = limiters as [ReturnType<typeof createRateLimiter>, ReturnType<typeof createRateLimiter>];
      await first.schedule('provider:openai', async () => undefined);
      await first.schedule('provider:openai', async () => undefined);
      await second.schedule('provider:openai', async () => undefined);
      await expect(second.schedule('provider:openai', async () => undefined, { maxWaitMs: 300 })).rejects.toMatchObject({ name: 'RateLimitError' });
      await expect(first.schedule('provider:openai', async () => undefined, { maxWaitMs: 0 })).rejects.toMatchObject({ name: 'RateLimitError' });
    } finally {
      await Promise.all(limiters.map((limiter) => limiter.close()));
    }
  });

  it('shares tryTake windows between two limiter instances', async () => {
    const [first, second] = pair({}) as [ReturnType<typeof createRateLimiter>, ReturnType<typeof createRateLimiter>];
    try {
      const rule = { points: 2, perMs: 10_000 };
      expect(await first.tryTake('generate:user-1', rule)).toEqual({ allowed: true });
      expect(await second.tryTake('generate:user-1', rule)).toEqual({ allowed: true });
      const denied = await first.tryTake('generate:user-1', rule);
      expect(denied).toMatchObject({ allowed: false });
      expect(denied.allowed ? 0 : denied.retryAfterMs).toBeGreaterThan(9_000);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('applies a changed limit to state a previous deployment left in Redis, keeping the spent reservoir', async () => {
    const keyPrefix = freshPrefix();
    const before = createRateLimiter({ limits: { 'provider:x': { maxConcurrent: 1, reservoir: { amount: 2, refreshIntervalMs: 60_000 } } }, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger() });
    await before.schedule('provider:x', async () => undefined);
    await before.close();

    const after = createRateLimiter({ limits: { 'provider:x': { maxConcurrent: 3, reservoir: { amount: 5, refreshIntervalMs: 60_000 } } }, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger() });
    try {
      const probe = new ConcurrencyProbe();
      // One unit is left from before the restart: the restart does not refill the reservoir.
      await after.schedule('provider:x', probe.task(10));
      await expect(after.schedule('provider:x', probe.task(10), { maxWaitMs: 300 })).rejects.toMatchObject({ name: 'RateLimitError' });
      const settings = await admin.hgetall(`b_${keyPrefix}provider:x_settings`);
      expect(settings).toMatchObject({ maxConcurrent: '3', reservoirRefreshAmount: '5' });
    } finally {
      await after.close();
    }
  });
});
