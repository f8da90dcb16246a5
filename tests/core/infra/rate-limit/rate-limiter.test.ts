import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { LimitsConfig } from '#core/infra/rate-limit/rate-limiter';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { ConcurrencyProbe, describeRateLimiterContract } from '#tests/core/infra/rate-limit/rate-limiter-contract';
import { TEST_REDIS_URL, deferred, deleteKeys, silentLogger, uniquePrefix } from '#tests/core/infra/test-kit';

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
  await deleteKeys(admin, `semaphore:${prefix}:*`);
  await closeRedisConnection(admin);
});

describeRateLimiterContract('local Bottleneck', (limits) =>
  createRateLimiter({ limits, redisUrl: undefined, keyPrefix: freshPrefix(), logger: silentLogger() }),
);

describeRateLimiterContract('clustered Bottleneck (Redis)', (limits) =>
  createRateLimiter({ limits, redisUrl: TEST_REDIS_URL, keyPrefix: freshPrefix(), logger: silentLogger() }),
);

describe('clustered limits across processes', () => {
  const pair = (limits: LimitsConfig, slotLeaseMs?: number) => {
    const keyPrefix = freshPrefix();
    // Two limiters with connections of their own stand for two worker processes.
    return [0, 1].map(() =>
      createRateLimiter({ limits, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger(), slotLeaseMs }),
    );
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

  it('lets another process take a freed slot while one process still has a backlog', async () => {
    const [busy, other] = pair({ 'provider:google': { maxConcurrent: 1 } });
    try {
      const order: string[] = [];
      const backlog = Array.from({ length: 20 }, (_, index) =>
        busy!.schedule('provider:google', async () => {
          order.push(`busy-${index}`);
          await new Promise((resolve) => setTimeout(resolve, 30));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await other!.schedule('provider:google', async () => void order.push('other'));
      await Promise.all(backlog);
      // The busy process does not hand its own freed slot straight to its next caller.
      expect(order.indexOf('other')).toBeLessThan(19);
    } finally {
      await Promise.all([busy, other].map((limiter) => limiter?.close()));
    }
  });

  it("frees a slot a dead process held after that call's own slot timeout, not the limit's", async () => {
    const [dead, alive] = pair({ 'provider:google': { maxConcurrent: 1, slotTimeoutMs: 60_000 } });
    let release = () => {};
    try {
      // The "dead" process took the only slot for an image call and never gives it back.
      const hung = dead!
        .schedule(
          'provider:google',
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
            }),
          { slotTimeoutMs: 400 },
        )
        .catch(() => undefined);
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

  it('frees the slots of a process killed while it held them, long before their slot timeout', {
    timeout: 60_000,
  }, async () => {
    const keyPrefix = freshPrefix();
    const childArgs = [
      path.join(import.meta.dirname, 'hold-slot-child.ts'),
      TEST_REDIS_URL,
      keyPrefix,
      'provider:google',
      '2000',
    ];
    const child = spawn(process.execPath, ['--import', 'tsx', ...childArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    const limits = { 'provider:google': { maxConcurrent: 1, slotTimeoutMs: 600_000 } };
    const alive = createRateLimiter({
      limits,
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
      slotLeaseMs: 2_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before holding the slot`)));
      });
      child.kill('SIGKILL');
      const started = Date.now();
      await alive.schedule('provider:google', async () => undefined);
      // Its lease is no longer renewed and lapses after slotLeaseMs (2 s), not after the 10-minute slot timeout.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      child.kill('SIGKILL');
      await alive.close();
    }
  });

  it('frees a tryHold of a process killed while it held it, after the lease', { timeout: 60_000 }, async () => {
    const keyPrefix = freshPrefix();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'hold-slot-child.ts'),
        TEST_REDIS_URL,
        keyPrefix,
        'sdapi:gpu1',
        '2000',
        'hold',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const alive = createRateLimiter({
      limits: {},
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
      slotLeaseMs: 2_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before holding`)));
      });
      // Held by a live process: renewed past its lease.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await alive.tryHold('sdapi:gpu1', 1)).toBeUndefined();
      child.kill('SIGKILL');
      const started = Date.now();
      let hold = await alive.tryHold('sdapi:gpu1', 1);
      while (!hold && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        hold = await alive.tryHold('sdapi:gpu1', 1);
      }
      expect(hold).toBeDefined();
      await hold?.release();
    } finally {
      child.kill('SIGKILL');
      await alive.close();
    }
  });

  it('keeps the slot of a live process that holds it longer than the lease lasts', async () => {
    const [holder, other] = pair({ 'provider:google': { maxConcurrent: 1 } }, 600);
    const holding = deferred<void>();
    const running = deferred<void>();
    try {
      const held = holder!.schedule('provider:google', () => {
        running.resolve();
        return holding.promise;
      });
      await running.promise;
      // Three lease lengths: the holder renews its lease, so the slot stays taken.
      await expect(
        other!.schedule('provider:google', async () => undefined, { maxWaitMs: 1_800 }),
      ).rejects.toMatchObject({ name: 'RateLimitError' });
      holding.resolve();
      await held;
      await expect(other!.schedule('provider:google', async () => 'after', { maxWaitMs: 2_000 })).resolves.toBe(
        'after',
      );
    } finally {
      holding.resolve();
      await Promise.all([holder, other].map((limiter) => limiter?.close()));
    }
  });

  it('shares one reservoir between two limiter instances', async () => {
    const limiters = pair({ 'provider:openai': { reservoir: { amount: 3, refreshIntervalMs: 60_000 } } });
    try {
      const [first, second] = limiters as [ReturnType<typeof createRateLimiter>, ReturnType<typeof createRateLimiter>];
      await first.schedule('provider:openai', async () => undefined);
      await first.schedule('provider:openai', async () => undefined);
      await second.schedule('provider:openai', async () => undefined);
      await expect(second.schedule('provider:openai', async () => undefined, { maxWaitMs: 300 })).rejects.toMatchObject(
        { name: 'RateLimitError' },
      );
      await expect(first.schedule('provider:openai', async () => undefined, { maxWaitMs: 0 })).rejects.toMatchObject({
        name: 'RateLimitError',
      });
    } finally {
      await Promise.all(limiters.map((limiter) => limiter.close()));
    }
  });

  it('announces a hold released in one limiter instance to the listeners of another within milliseconds', async () => {
    const [first, second] = pair({}) as [ReturnType<typeof createRateLimiter>, ReturnType<typeof createRateLimiter>];
    try {
      const heard: number[] = [];
      second.onHoldReleased('sdapi:a', () => heard.push(Date.now()));
      // The subscription is opened with the first listener; give it its round trip.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const hold = await first.tryHold('sdapi:a', 1);
      const releasedAt = Date.now();
      await hold?.release();
      await vi.waitFor(() => expect(heard).toHaveLength(1), { timeout: 1_000, interval: 5 });
      expect((heard[0] ?? Infinity) - releasedAt).toBeLessThan(250);
      const taken = await second.tryHold('sdapi:a', 1);
      expect(taken).toBeDefined();
      await taken?.release();
    } finally {
      await Promise.all([first.close(), second.close()]);
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
    const before = createRateLimiter({
      limits: { 'provider:x': { maxConcurrent: 1, reservoir: { amount: 2, refreshIntervalMs: 60_000 } } },
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
    });
    await before.schedule('provider:x', async () => undefined);
    await before.close();

    const after = createRateLimiter({
      limits: { 'provider:x': { maxConcurrent: 3, reservoir: { amount: 5, refreshIntervalMs: 60_000 } } },
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
    });
    try {
      const probe = new ConcurrencyProbe();
      // One unit is left from before the restart: the restart does not refill the reservoir.
      await after.schedule('provider:x', probe.task(10));
      await expect(after.schedule('provider:x', probe.task(10), { maxWaitMs: 300 })).rejects.toMatchObject({
        name: 'RateLimitError',
      });
    } finally {
      await after.close();
    }
  });

  it('applies changed concurrency, spacing and refill amount to state a previous deployment left in Redis', {
    timeout: 30_000,
  }, async () => {
    const keyPrefix = freshPrefix();
    const before = createRateLimiter({
      limits: {
        'provider:y': { maxConcurrent: 1, minTimeMs: 3_000 },
        'provider:z': { reservoir: { amount: 1, refreshIntervalMs: 1_500 } },
      },
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
    });
    await Promise.all([
      before.schedule('provider:y', async () => undefined),
      before.schedule('provider:z', async () => undefined),
    ]);
    await before.close();

    const after = createRateLimiter({
      limits: {
        'provider:y': { maxConcurrent: 3, minTimeMs: 10 },
        'provider:z': { reservoir: { amount: 3, refreshIntervalMs: 1_500 } },
      },
      redisUrl: TEST_REDIS_URL,
      keyPrefix,
      logger: silentLogger(),
    });
    try {
      // Three at once and no longer 3 s apart (the first may still wait out the gap after the last start before).
      const probe = new ConcurrencyProbe();
      const spacedStarts: number[] = [];
      const task = probe.task(300);
      const startAndWork = async (): Promise<void> => {
        spacedStarts.push(Date.now());
        await task();
      };
      await Promise.all(Array.from({ length: 3 }, () => after.schedule('provider:y', startAndWork)));
      expect(probe.max).toBe(3);
      expect(Math.max(...spacedStarts) - Math.min(...spacedStarts)).toBeLessThan(1_000);

      // The spent unit stays spent; the next refill brings 3, so three calls start close together.
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 3 }, () => after.schedule('provider:z', async () => void starts.push(Date.now()))),
      );
      expect(starts).toHaveLength(3);
      expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(1_000);
    } finally {
      await after.close();
    }
  });
});
