import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { startOwnRedis, type OwnRedis } from '#tests/ops/scale-out/own-redis';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import {
  admit,
  eventually,
  ledgerOf,
  mediaDeliveriesOf,
  userIdOf,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

/**
 * A Redis that restarts empty loses every BullMQ job. A running worker offers the open
 * generations to the queue again as soon as Redis answers (start-generation-worker.ts), so a job
 * that was waiting still runs, once, instead of waiting for its deadline and a refund, and keeps
 * the priority of its user's plan, so a paying user's job that was ahead in line is still ahead.
 * Each test has a cluster (database and queue prefix) of its own on one redis-server.
 */
describe('a worker across a Redis restart that lost every job', () => {
  let redis: OwnRedis;
  const clusters: TestCluster[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    for (const cluster of clusters) await cluster.close();
    await redis?.stop().catch(() => undefined);
  });

  async function openCluster(): Promise<TestCluster> {
    const cluster = await createTestCluster();
    clusters.push(cluster);
    return cluster;
  }

  it('runs the job that was waiting once Redis is back, charged and delivered once', { timeout: 60_000 }, async () => {
    const cluster = await openCluster();
    const env = {
      REDIS_URL: redis.url,
      DEMO_PROVIDER_LATENCY_MS: '1500',
      PROVIDER_LIMITS: JSON.stringify({ demo: { maxConcurrent: 1 } }),
    };
    const worker = await cluster.openCore({ env, startWorker: { concurrency: 1 } });
    const first = new ChatUser(worker, '9101');
    const second = new ChatUser(worker, '9102');
    await first.onboard();
    await second.onboard();
    const running = await admit(first, 'imagine', 'a lantern on a pier');
    await waitForStatus(worker.notifier, running, 'job.running');
    const waiting = await admit(second, 'imagine', 'a boat in the fog');
    expect(await worker.deps.queue.positionOf(waiting)).toBe(0);

    await redis.stop();
    await redis.start();

    const media = await waitForMedia(worker.notifier, waiting, 30_000);
    expect(media.items).toHaveLength(1);
    await eventually(
      async () =>
        (await cluster.database.prisma.generation.count({
          where: { id: { in: [running, waiting] }, finishedAt: null },
        })) === 0,
      'both jobs to end',
      30_000,
    );
    expect(mediaDeliveriesOf(worker.notifier, waiting)).toHaveLength(1);
    expect(await ledgerOf(cluster.database.prisma, waiting)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
  });

  it('keeps a pro user’s waiting job ahead of a free user’s that was admitted before it', {
    timeout: 60_000,
  }, async () => {
    // One job at a time, each long enough that the first still runs while Redis restarts.
    const cluster = await openCluster();
    const env = {
      REDIS_URL: redis.url,
      DEMO_PROVIDER_LATENCY_MS: '5000',
      PROVIDER_LIMITS: JSON.stringify({ demo: { maxConcurrent: 1 } }),
    };
    const worker = await cluster.openCore({ env, startWorker: { concurrency: 1 } });
    const [busy, free, pro] = [
      new ChatUser(worker, '9201'),
      new ChatUser(worker, '9202'),
      new ChatUser(worker, '9203'),
    ];
    for (const user of [busy, free, pro]) await user.onboard();
    await cluster.database.prisma.subscription.create({
      data: {
        userId: await userIdOf(cluster.database.prisma, '9203'),
        stripeSubscriptionId: 'sub_requeue_pro',
        planId: 'pro',
        status: 'active',
        currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000),
      },
    });
    const running = await admit(busy, 'imagine', 'a lantern on a pier');
    await waitForStatus(worker.notifier, running, 'job.running');
    const freeJob = await admit(free, 'imagine', 'a boat in the fog');
    const proJob = await admit(pro, 'imagine', 'a gull over the harbour');
    expect([await worker.deps.queue.positionOf(proJob), await worker.deps.queue.positionOf(freeJob)]).toEqual([0, 1]);

    await redis.stop();
    await redis.start();

    // The worker loses the running job's lock with the rest of Redis within a few seconds and may
    // then take the next job at once: a requeued job is either waiting again or already started.
    const statusOf = async (id: string) =>
      (await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;
    const isBack = async (id: string) =>
      (await worker.deps.queue.positionOf(id)) !== undefined || (await statusOf(id)) !== 'queued';
    await eventually(
      async () => (await isBack(freeJob)) && (await isBack(proJob)),
      'both waiting jobs to be queued again',
      10_000,
    );
    // The job that was running is not lost (its BullMQ job went with the rest and is offered again).
    expect(['running', 'uploading', 'succeeded']).toContain(await statusOf(running));
    // The free user's job, admitted first, never starts before the pro user's.
    const [proPosition, freePosition] = [
      await worker.deps.queue.positionOf(proJob),
      await worker.deps.queue.positionOf(freeJob),
    ];
    if (freePosition === undefined) expect(await statusOf(proJob)).not.toBe('queued');
    if (proPosition !== undefined && freePosition !== undefined) expect(proPosition).toBeLessThan(freePosition);
    await waitForMedia(worker.notifier, freeJob, 40_000);
    const deliveredOrder = worker.notifier
      .allReplies()
      .filter((reply) => reply.type === 'media')
      .map((reply) => (reply.type === 'media' ? reply.generationId : ''));
    expect(deliveredOrder.filter((id) => id === proJob || id === freeJob)).toEqual([proJob, freeJob]);
    await waitForMedia(worker.notifier, running, 40_000);
    expect(mediaDeliveriesOf(worker.notifier, running)).toHaveLength(1);
  });
});
