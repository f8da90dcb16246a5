import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import {
  createInstancePool,
  type InstancePoolOptions,
  type InstanceState,
  NoHealthyInstanceError,
} from '#core/providers/instance-pool';
import { TEST_REDIS_URL, silentLogger, uniquePrefix } from '#tests/core/infra/test-kit';

const URLS = ['http://gpu-a:7860', 'http://gpu-b:7860'];

/**
 * The shared instance pool on real Redis. Each "process" is a limiter with connections of its own
 * on the deployment's prefix, and a pool of its own; the instances are names whose state the test
 * sets (what `checkInstance` would find over HTTP).
 */
describe('the instance pool', () => {
  const limiters: RateLimiter[] = [];
  const states = new Map<string, InstanceState>();
  const looks: string[] = [];

  const processPool = (keyPrefix: string, options: Partial<InstancePoolOptions> = {}) => {
    const limiter = createRateLimiter({ limits: {}, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger() });
    limiters.push(limiter);
    return createInstancePool({
      name: 'gpu',
      urls: URLS,
      limiter: () => limiter,
      checkInstance: async (url) => {
        looks.push(url);
        return states.get(url) ?? 'idle';
      },
      ...options,
    });
  };

  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
    states.clear();
    looks.splice(0);
  });

  it('hands an instance released in one process to a job waiting in another within milliseconds', async () => {
    const keyPrefix = uniquePrefix('pool');
    // Without the announcement the waiter would look again only after 5 s.
    const [first, second] = [processPool(keyPrefix, { retryMs: 5_000 }), processPool(keyPrefix, { retryMs: 5_000 })];
    const heldA = await first.acquire();
    const heldB = await first.acquire();
    expect(new Set([heldA.url, heldB.url])).toEqual(new Set(URLS));
    const waiting = second.acquire();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const releasedAt = Date.now();
    await heldA.release(true);
    const handed = await waiting;
    expect(handed.url).toBe(heldA.url);
    expect(Date.now() - releasedAt).toBeLessThan(150);
    await Promise.all([handed.release(true), heldB.release(true)]);
  });

  it('holds a named instance only when its hold is free, without a look, and keeps it from other jobs', async () => {
    const keyPrefix = uniquePrefix('pool');
    const [first, second] = [processPool(keyPrefix), processPool(keyPrefix)];
    // Busy with the job being resumed there: a look would refuse it, the hold does not look.
    states.set(URLS[0]!, 'busy');
    const resumed = await first.holdIfFree(URLS[0]!);
    expect(resumed?.url).toBe(URLS[0]);
    expect(looks).toEqual([]);
    expect(await second.holdIfFree(URLS[0]!)).toBeUndefined();
    states.delete(URLS[0]!);
    const other = await second.acquire();
    expect(other.url).toBe(URLS[1]);
    await resumed?.release(true);
    const freed = await second.holdIfFree(URLS[0]!);
    expect(freed?.url).toBe(URLS[0]);
    await Promise.all([freed?.release(true), other.release(true)]);
    await expect(first.holdIfFree('http://elsewhere:7860')).rejects.toThrow(/not an instance/);
  });

  it('gives each instance to one job at a time across processes, and serves every job', async () => {
    const keyPrefix = uniquePrefix('pool');
    const pools = [processPool(keyPrefix), processPool(keyPrefix)];
    const running = new Map<string, number>();
    let overlaps = 0;
    const served: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, index) => {
        const held = await (pools[index % 2] ?? pools[0])?.acquire();
        if (!held) throw new Error('no pool');
        const now = (running.get(held.url) ?? 0) + 1;
        running.set(held.url, now);
        if (now > 1) overlaps += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        running.set(held.url, (running.get(held.url) ?? 1) - 1);
        served.push(index);
        await held.release(true);
      }),
    );
    expect(overlaps).toBe(0);
    expect(served.sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, index) => index));
  });

  it('skips an instance that is down until a look finds it up, and fails when every one is down', async () => {
    const pool = processPool(uniquePrefix('pool'), { maxDownMs: 200 });
    states.set(URLS[0] ?? '', 'down');
    for (let index = 0; index < 3; index += 1) {
      const held = await pool.acquire();
      expect(held.url).toBe(URLS[1]);
      await held.release(false);
    }
    states.set(URLS[0] ?? '', 'idle');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const [one, two] = [await pool.acquire(), await pool.acquire()];
    expect(new Set([one.url, two.url])).toEqual(new Set(URLS));
    // Given back without being known idle: the next job looks first.
    await Promise.all([one.release(false), two.release(false)]);

    states.set(URLS[0] ?? '', 'down');
    states.set(URLS[1] ?? '', 'down');
    await expect(pool.acquire()).rejects.toBeInstanceOf(NoHealthyInstanceError);
  });

  it('leaves a busy instance alone without looking at it over and over, and takes it once idle', async () => {
    const pool = processPool(uniquePrefix('pool'), { retryMs: 200 });
    const other = await pool.acquire();
    const busy = URLS.find((url) => url !== other.url) ?? '';
    states.set(busy, 'busy');
    const waiting = pool.acquire();
    await new Promise((resolve) => setTimeout(resolve, 600));
    // A quiet release of a busy instance wakes nobody: a look per retry, not a storm.
    expect(looks.filter((url) => url === busy).length).toBeLessThan(10);
    states.set(busy, 'idle');
    const held = await waiting;
    expect(held.url).toBe(busy);
    await Promise.all([held.release(true), other.release(true)]);
  });

  it('hands a freed instance to the next job of the same process, and still lets another process in', async () => {
    const keyPrefix = uniquePrefix('pool');
    const one = { urls: URLS.slice(0, 1), retryMs: 5_000 };
    const [busy, other] = [processPool(keyPrefix, one), processPool(keyPrefix, one)];
    const order: string[] = [];
    const job = async (pool: typeof busy, name: string) => {
      const held = await pool.acquire();
      order.push(name);
      await new Promise((resolve) => setTimeout(resolve, 10));
      await held.release(true);
    };
    const first = await busy.acquire();
    const jobs = Array.from({ length: 12 }, (_, index) => job(busy, `busy ${index}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waitingElsewhere = job(other, 'other');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.release(true);
    await Promise.all([...jobs, waitingElsewhere]);
    // Straight on to the busy process's own jobs a few times, then the other process's turn.
    expect(order.indexOf('other')).toBeGreaterThan(0);
    expect(order.indexOf('other')).toBeLessThanOrEqual(9);
    expect(order.filter((name) => name !== 'other')).toEqual(Array.from({ length: 12 }, (_, index) => `busy ${index}`));
  });

  it('gives up waiting when the signal fires, and serves the next job', async () => {
    const pool = processPool(uniquePrefix('pool'));
    const [one, two] = [await pool.acquire(), await pool.acquire()];
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    const next = pool.acquire();
    await one.release(true);
    expect((await next).url).toBe(one.url);
    await Promise.all([(await next).release(true), two.release(true)]);
  });
});
