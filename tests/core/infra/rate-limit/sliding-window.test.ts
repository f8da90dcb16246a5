import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSlidingWindow } from '#core/infra/rate-limit/sliding-window';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { startOwnRedis, type OwnRedis } from '#tests/ops/scale-out/own-redis';

/** How often Redis ran `command`, from `INFO commandstats` (`cmdstat_evalsha:calls=4,...`). */
async function callsOf(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats);
  return match ? Number(match[1]) : 0;
}

/**
 * `tryTake` runs on every chat command, so its Lua script must not travel with each call: the
 * script is sent once and then run by its SHA. A server of its own makes the counts exact.
 */
describe('the Redis sliding window', () => {
  let server: OwnRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await startOwnRedis();
    redis = createRedisConnection(server.url, { role: 'test-window' });
  });
  afterAll(async () => {
    if (redis) await closeRedisConnection(redis);
    await server?.stop();
  });

  it('sends its script once, then runs it by SHA (EVALSHA)', async () => {
    const window = createRedisSlidingWindow(redis, 'window-test:');
    const rule = { points: 3, perMs: 60_000 };
    const answers = [];
    for (let take = 0; take < 5; take += 1) answers.push(await window.take('generate:user-1', rule));
    expect(answers.map((answer) => answer.allowed)).toEqual([true, true, true, false, false]);
    expect(await callsOf(redis, 'eval')).toBeLessThanOrEqual(1);
    expect(await callsOf(redis, 'evalsha')).toBeGreaterThanOrEqual(4);
  });
});
