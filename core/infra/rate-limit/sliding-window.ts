import { randomUUID } from 'node:crypto';
import type { Redis } from '#core/infra/redis';
import { assertValidTakeRule, type TakeResult, type TakeRule } from '#core/infra/rate-limit/rate-limiter';

/**
 * A sliding-window log: a take is allowed when fewer than `points` takes fall in the last `perMs`.
 * Exact (no burst at a window edge, unlike a fixed window) and cheap for the small `points` of
 * per-user rules, since it keeps one entry per take.
 */
export interface SlidingWindow {
  take(key: string, rule: TakeRule): Promise<TakeResult>;
  close(): void;
}

// One atomic step, on Redis's clock so that processes with skewed clocks agree.
// Entries older than the window are dropped; a take at time t counts until t + perMs.
const TAKE_SCRIPT = `
local points = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - perMs)
local count = redis.call('ZCARD', KEYS[1])
if count < points then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], perMs)
  return {1, 0}
end
-- A take is allowed again once this many of the oldest entries have left the window.
local freeing = redis.call('ZRANGE', KEYS[1], count - points, count - points, 'WITHSCORES')
return {0, tonumber(freeing[2]) + perMs - now}
`;

/** The client with {@link TAKE_SCRIPT} defined on it as a command. */
type WindowRedis = Redis & {
  slidingWindowTake(key: string, points: number, perMs: number, member: string): Promise<[number, number]>;
};

/**
 * The window in Redis, under `<keyPrefix>window:<key>`; keys expire with their window. The script
 * is an ioredis command (https://github.com/redis/ioredis#lua-scripting): each take sends only its
 * SHA (EVALSHA), and the script itself only when Redis does not have it yet (after a restart).
 */
export function createRedisSlidingWindow(redis: Redis, keyPrefix: string): SlidingWindow {
  redis.defineCommand('slidingWindowTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const client = redis as WindowRedis;
  return {
    async take(key, rule) {
      assertValidTakeRule(rule);
      const [allowed, retryAfterMs] = await client.slidingWindowTake(
        `${keyPrefix}window:${key}`,
        rule.points,
        rule.perMs,
        randomUUID(),
      );
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
    close() {},
  };
}

const SWEEP_INTERVAL_MS = 60_000;

/** The window in memory, for the embedded mode; idle keys are swept every minute. */
export function createMemorySlidingWindow(now: () => number = Date.now): SlidingWindow {
  const windows = new Map<string, { hits: number[]; perMs: number }>();
  const sweeper = setInterval(() => {
    const time = now();
    for (const [key, window] of windows) {
      const last = window.hits[window.hits.length - 1];
      if (last === undefined || last + window.perMs <= time) windows.delete(key);
    }
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    async take(key, rule) {
      assertValidTakeRule(rule);
      const time = now();
      let window = windows.get(key);
      if (!window) {
        window = { hits: [], perMs: rule.perMs };
        windows.set(key, window);
      }
      window.perMs = rule.perMs;
      while (window.hits.length > 0 && (window.hits[0] as number) <= time - rule.perMs) window.hits.shift();
      if (window.hits.length < rule.points) {
        window.hits.push(time);
        return { allowed: true };
      }
      // Allowed again once enough of the oldest takes have left the window (the rule may have shrunk).
      return {
        allowed: false,
        retryAfterMs: (window.hits[window.hits.length - rule.points] as number) + rule.perMs - time,
      };
    },
    close() {
      clearInterval(sweeper);
      windows.clear();
    },
  };
}
