import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from '#core/infra/queue/bullmq-queue';
import type { JobQueue } from '#core/infra/queue/job-queue';
import { silentLogger, uniquePrefix, waitFor } from '#tests/core/infra/test-kit';
import { startOwnRedis, type OwnRedis } from '#tests/ops/scale-out/own-redis';

/**
 * A Redis that restarts empty loses every BullMQ job. The queue tells its owner when Redis answers
 * again, and the owner offers its open work again (start-generation-worker.ts); adding a job
 * that the restarted Redis lost then queues it anew.
 */
describe('BullMQ queue across a Redis restart', () => {
  let redis: OwnRedis;
  let queue: JobQueue;

  beforeAll(async () => {
    redis = await startOwnRedis();
    queue = createBullmqQueue({
      redisUrl: redis.url,
      prefix: uniquePrefix('reconnect'),
      queueName: 'generations',
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await queue?.close(1_000);
    await redis?.stop().catch(() => undefined);
  });

  it('reports the reconnection once Redis is back, and takes a lost job again', { timeout: 60_000 }, async () => {
    let reconnects = 0;
    queue.onReconnect?.(() => {
      reconnects += 1;
    });
    const generationId = '01a20de4-0dc1-7533-94c4-4e2f51fcfd01';
    await queue.enqueue({ name: 'image', generationId });
    expect(await queue.positionOf(generationId)).toBe(0);
    expect(reconnects).toBe(0);

    await redis.stop();
    await redis.start();
    await waitFor(() => reconnects > 0, 'the queue to report the reconnection', 30_000);
    expect(await queue.positionOf(generationId)).toBeUndefined(); // lost with Redis's data

    await queue.enqueue({ name: 'image', generationId });
    expect(await queue.positionOf(generationId)).toBe(0);
    expect(reconnects).toBe(1);
  });
});
