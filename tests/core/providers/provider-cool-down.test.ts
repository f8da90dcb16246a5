import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import {
  createMemoryProviderCoolDown,
  createRedisProviderCoolDown,
  type ProviderCoolDown,
} from '#core/providers/provider-cool-down';

const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** One contract, run against both implementations. */
function coolDownContract(name: string, open: () => ProviderCoolDown) {
  describe(`${name} provider cool-down`, () => {
    it('has no pause for a provider that never asked for one', async () => {
      expect(await open().remainingMs('google')).toBe(0);
    });

    it('pauses only the provider that asked, for about as long as it asked', async () => {
      const coolDown = open();
      await coolDown.coolDown('google', 2_000);
      const left = await coolDown.remainingMs('google');
      expect(left).toBeGreaterThan(1_500);
      expect(left).toBeLessThanOrEqual(2_000);
      expect(await coolDown.remainingMs('openai')).toBe(0);
    });

    it('keeps the longer pause when a shorter one comes after it', async () => {
      const coolDown = open();
      await coolDown.coolDown('google', 3_000);
      await coolDown.coolDown('google', 100);
      expect(await coolDown.remainingMs('google')).toBeGreaterThan(2_000);
    });

    it('ends the pause when its time is up', async () => {
      const coolDown = open();
      await coolDown.coolDown('google', 150);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await coolDown.remainingMs('google')).toBe(0);
    });
  });
}

coolDownContract('in-memory', () => createMemoryProviderCoolDown());

describe('Redis provider cool-down across processes', () => {
  let redis: Redis;
  let other: Redis;
  const prefixes: string[] = [];

  beforeAll(() => {
    redis = createRedisConnection(TEST_REDIS_URL, { role: 'test-cool-down' });
    other = createRedisConnection(TEST_REDIS_URL, { role: 'test-cool-down-other' });
  });

  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await closeRedisConnection(redis);
    await closeRedisConnection(other);
  });

  function fresh(connection: () => Redis): () => ProviderCoolDown {
    return () => {
      const keyPrefix = `test:${randomBytes(4).toString('hex')}:cool-down:`;
      prefixes.push(keyPrefix);
      return createRedisProviderCoolDown({ redis: connection(), keyPrefix });
    };
  }

  coolDownContract(
    'Redis',
    fresh(() => redis),
  );

  it('shows a pause set by one process to another process', async () => {
    const keyPrefix = `test:${randomBytes(4).toString('hex')}:cool-down:`;
    prefixes.push(keyPrefix);
    await createRedisProviderCoolDown({ redis, keyPrefix }).coolDown('google', 2_000);
    expect(await createRedisProviderCoolDown({ redis: other, keyPrefix }).remainingMs('google')).toBeGreaterThan(1_500);
  });

  it('falls back to its own memory when Redis is unreachable', async () => {
    const dead = createRedisConnection('redis://127.0.0.1:1', { role: 'test-cool-down-dead', maxRetriesPerRequest: 0 });
    try {
      const coolDown = createRedisProviderCoolDown({ redis: dead, keyPrefix: 'test:dead:' });
      await coolDown.coolDown('google', 2_000);
      expect(await coolDown.remainingMs('google')).toBeGreaterThan(1_500);
    } finally {
      dead.disconnect();
    }
  });
});
