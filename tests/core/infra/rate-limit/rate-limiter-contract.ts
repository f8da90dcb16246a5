import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitError, type LimitsConfig, type RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { deferred } from '#tests/core/infra/test-kit';

/** Builds a fresh limiter with these limits and no state left by another test. */
export type MakeLimiter = (limits: LimitsConfig) => RateLimiter;

/** Tracks how many tasks run at once. */
export class ConcurrencyProbe {
  running = 0;
  max = 0;
  ran = 0;

  /** A task that counts itself while it does `workMs` of (simulated) work. */
  task(workMs: number): () => Promise<void> {
    return async () => {
      this.running += 1;
      this.max = Math.max(this.max, this.running);
      await new Promise((resolve) => setTimeout(resolve, workMs));
      this.running -= 1;
      this.ran += 1;
    };
  }
}

/** The behaviour every {@link RateLimiter} must have, for the clustered and the local one. */
export function describeRateLimiterContract(label: string, makeLimiter: MakeLimiter): void {
  describe(`RateLimiter contract: ${label}`, () => {
    const opened: RateLimiter[] = [];
    const open = (limits: LimitsConfig): RateLimiter => {
      const limiter = makeLimiter(limits);
      opened.push(limiter);
      return limiter;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((limiter) => limiter.close()));
    });

    it('runs at most maxConcurrent tasks at once, and all of them', async () => {
      const limiter = open({ 'provider:test': { maxConcurrent: 2 } });
      const probe = new ConcurrencyProbe();
      await Promise.all(Array.from({ length: 8 }, () => limiter.schedule('provider:test', probe.task(100))));
      expect(probe.ran).toBe(8);
      expect(probe.max).toBe(2);
    });

    it('passes the task result and error through', async () => {
      const limiter = open({ 'provider:test': { maxConcurrent: 1 } });
      await expect(limiter.schedule('provider:test', async () => 'png')).resolves.toBe('png');
      await expect(
        limiter.schedule('provider:test', async () => Promise.reject(new Error('HTTP 500'))),
      ).rejects.toThrow('HTTP 500');
    });

    it('spaces task starts by minTimeMs', async () => {
      const limiter = open({ 'provider:test': { minTimeMs: 150 } });
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, () => limiter.schedule('provider:test', async () => void starts.push(Date.now()))),
      );
      expect(starts).toHaveLength(4);
      for (let index = 1; index < starts.length; index += 1)
        expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(100); // 150 apart when registered; a busy event loop can start the earlier one late
    });

    it('runs `amount` tasks per reservoir window and the rest after the refill', async () => {
      const createdAt = Date.now();
      const limiter = open({ 'provider:test': { reservoir: { amount: 2, refreshIntervalMs: 1_000 } } });
      const starts: number[] = [];
      await Promise.all(
        Array.from({ length: 3 }, () => limiter.schedule('provider:test', async () => void starts.push(Date.now()))),
      );
      expect(starts[0]! - createdAt).toBeLessThan(800);
      expect(starts[1]! - createdAt).toBeLessThan(800);
      expect(starts[2]! - createdAt).toBeGreaterThanOrEqual(990);
    });

    it('gives up after maxWaitMs with a RateLimitError, without running or spending a slot', async () => {
      const createdAt = Date.now();
      const limiter = open({ 'provider:test': { reservoir: { amount: 1, refreshIntervalMs: 1_500 } } });
      await limiter.schedule('provider:test', async () => undefined);

      let ranLate = false;
      const error = await limiter
        .schedule(
          'provider:test',
          async () => {
            ranLate = true;
          },
          { maxWaitMs: 100 },
        )
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).limit).toBe('provider:test');
      expect((error as RateLimitError).retryAfterMs).toBeGreaterThan(0);
      expect((error as RateLimitError).retryAfterMs).toBeLessThanOrEqual(1_500);

      // The next caller gets the refill at ~1.5 s; had the caller that gave up kept its place, this one would wait for ~3 s.
      let startedAt = 0;
      await limiter.schedule('provider:test', async () => {
        startedAt = Date.now();
      });
      expect(ranLate).toBe(false);
      expect(startedAt - createdAt).toBeGreaterThanOrEqual(1_490);
      expect(startedAt - createdAt).toBeLessThan(2_700);
    });

    it('with maxWaitMs 0 runs only when a slot is free now', async () => {
      const limiter = open({ 'provider:test': { maxConcurrent: 1 } });
      const holding = deferred<void>();
      const first = limiter.schedule('provider:test', () => holding.promise);
      await expect(limiter.schedule('provider:test', async () => 'late', { maxWaitMs: 0 })).rejects.toBeInstanceOf(
        RateLimitError,
      );
      holding.resolve();
      await first;
      await expect(limiter.schedule('provider:test', async () => 'now', { maxWaitMs: 0 })).resolves.toBe('now');
    });

    it('starts waiting calls by priority, then in arrival order', async () => {
      const limiter = open({ 'provider:test': { maxConcurrent: 1 } });
      const holding = deferred<void>();
      const order: string[] = [];
      const first = limiter.schedule('provider:test', () => holding.promise);
      const rest = [
        limiter.schedule('provider:test', async () => void order.push('free-1'), { priority: 9 }),
        limiter.schedule('provider:test', async () => void order.push('default')),
        limiter.schedule('provider:test', async () => void order.push('paid-1'), { priority: 0 }),
        limiter.schedule('provider:test', async () => void order.push('free-2'), { priority: 9 }),
        limiter.schedule('provider:test', async () => void order.push('paid-2'), { priority: 0 }),
      ];
      holding.resolve();
      await Promise.all([first, ...rest]);
      expect(order).toEqual(['paid-1', 'paid-2', 'default', 'free-1', 'free-2']);
    });

    it('refuses a limit that is not configured', async () => {
      const limiter = open({ 'provider:test': {} });
      await expect(limiter.schedule('provider:other', async () => 1)).rejects.toThrow(
        /Unknown rate limit "provider:other"/,
      );
    });

    it('tryTake allows `points` per window, then says how long to wait', async () => {
      const limiter = open({});
      const rule = { points: 2, perMs: 600 };
      expect(await limiter.tryTake('chat:tg:1', rule)).toEqual({ allowed: true });
      expect(await limiter.tryTake('chat:tg:1', rule)).toEqual({ allowed: true });
      const denied = await limiter.tryTake('chat:tg:1', rule);
      expect(denied.allowed).toBe(false);
      const retryAfterMs = denied.allowed ? 0 : denied.retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(600);
      expect(await limiter.tryTake('chat:tg:2', rule)).toEqual({ allowed: true });

      await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 5));
      expect(await limiter.tryTake('chat:tg:1', rule)).toEqual({ allowed: true });
    });

    it('tryHold gives at most `capacity` holds of a key at once, and one again after a release', async () => {
      const limiter = open({});
      const first = await limiter.tryHold('sdapi:a', 1);
      expect(first).toBeDefined();
      expect(await limiter.tryHold('sdapi:a', 1)).toBeUndefined();
      const other = await limiter.tryHold('sdapi:b', 1);
      expect(other).toBeDefined();
      await first?.release();
      await first?.release();
      const again = await limiter.tryHold('sdapi:a', 1);
      expect(again).toBeDefined();
      expect(await limiter.tryHold('sdapi:a', 1)).toBeUndefined();
      await Promise.all([again?.release(), other?.release()]);
      await expect(limiter.tryHold('sdapi:a', 0)).rejects.toThrow(/capacity/);
    });

    it('onHoldReleased tells the listeners of a key each time one of its holds is released', async () => {
      const limiter = open({});
      const heard: string[] = [];
      const stop = limiter.onHoldReleased('sdapi:a', () => heard.push('a'));
      limiter.onHoldReleased('sdapi:b', () => heard.push('b'));
      const hold = await limiter.tryHold('sdapi:a', 1);
      expect(heard).toEqual([]);
      await hold?.release();
      await hold?.release();
      // Once, also after Redis had time to echo a clustered limiter's own announcement back to it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toEqual(['a']);
      await (await limiter.tryHold('sdapi:a', 1))?.release(false);
      expect(heard).toEqual(['a']);
      stop();
      await (await limiter.tryHold('sdapi:a', 1))?.release();
      expect(heard).toEqual(['a']);
    });

    it('close rejects calls still waiting', async () => {
      const limiter = makeLimiter({ 'provider:test': { maxConcurrent: 1 } });
      const holding = deferred<void>();
      const running = deferred<void>();
      const first = limiter.schedule('provider:test', () => {
        running.resolve();
        return holding.promise;
      });
      await running.promise;
      let ran = false;
      const waiting = limiter.schedule('provider:test', async () => {
        ran = true;
      });
      const closed = limiter.close();
      await expect(waiting).rejects.toThrow(/closed/);
      holding.resolve();
      await first;
      await closed;
      expect(ran).toBe(false);
    });
  });
}
