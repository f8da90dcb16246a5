import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closeRedisConnection, createRedisConnection, reconnectDelayMs } from '#core/infra/redis';
import { TEST_REDIS_URL } from '#tests/core/infra/test-kit';

describe('redis connections', () => {
  it('connects under a name that shows its role in CLIENT LIST, and closes twice without error', async () => {
    const redis = createRedisConnection(TEST_REDIS_URL, { role: 'test-role' });
    expect(await redis.client('GETNAME')).toBe('imagine:test-role');
    expect(redis.options.maxRetriesPerRequest).toBe(20);
    await closeRedisConnection(redis);
    expect(redis.status).toBe('end');
    await closeRedisConnection(redis);
  });

  it('lets BullMQ workers retry for ever', async () => {
    const redis = createRedisConnection(TEST_REDIS_URL, { role: 'worker', maxRetriesPerRequest: null });
    expect(redis.options.maxRetriesPerRequest).toBeNull();
    await closeRedisConnection(redis);
  });

  it('closes promptly when Redis is unreachable', async () => {
    // A port that accepts nothing: reserve one, then free it.
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const redis = createRedisConnection(`redis://127.0.0.1:${port}`, { role: 'unreachable' });
    await once(redis, 'error');
    const startedAt = Date.now();
    await closeRedisConnection(redis, 500);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(redis.status).toBe('end');
  });

  it('backs off exponentially to at most about 5 s', () => {
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      const delay = reconnectDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(Math.min(100 * 2 ** (attempt - 1), 5_000) * 0.8 - 1);
      expect(delay).toBeLessThanOrEqual(Math.min(100 * 2 ** (attempt - 1), 5_000) * 1.2 + 1);
    }
  });
});
