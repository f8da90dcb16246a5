import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import type { TestCore } from '#tests/support/test-core';
import { isPng } from '#tests/fakes/test-png';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import {
  admit,
  eventually,
  ledgerOf,
  mediaDeliveriesOf,
  sha256,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

/**
 * Generation workers in processes of their own on one BullMQ queue and one set of clustered
 * limits (Redis), as deployed: a worker killed mid-job, and a provider limit shared by two workers.
 */
describe('worker processes', () => {
  // One cluster (database and Redis prefix) per test: a killed worker leaves its provider slot
  // taken in the shared limits until its lease lapses, which would skew the next test.
  let cluster: TestCluster;
  let front: TestCore;

  beforeEach(async () => {
    cluster = await createTestCluster();
    front = await cluster.openCore();
  });

  afterEach(async () => {
    await cluster?.close();
  });

  it('recovers the job of a worker killed mid-call: it completes once elsewhere, charged and delivered once', async () => {
    const doomed = await cluster.startWorkerProcess({ concurrency: 1, env: { DEMO_PROVIDER_LATENCY_MS: '60000' } });
    const user = new ChatUser(front, '7001');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a lighthouse keeper at work');
    await doomed.waitForLine((line) => line === 'provider-start demo');
    expect(await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'running',
      attempts: 1,
    });

    await doomed.kill();
    const survivor = await cluster.openCore({ startWorker: { concurrency: 1 } });
    const media = await waitForMedia(survivor.notifier, id, 20_000);
    const bytes = await media.items[0]!.load();
    expect(isPng(bytes)).toBe(true);

    const generation = await cluster.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      include: { media: true },
    });
    expect(generation).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The picture once, and its gallery thumbnail beside it.
    expect(generation.media.filter((asset) => asset.role === 'output').map((asset) => asset.sha256)).toEqual([
      sha256(bytes),
    ]);
    expect(generation.media.filter((asset) => asset.role === 'thumbnail')).toHaveLength(1);
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(mediaDeliveriesOf(survivor.notifier, id)).toHaveLength(1);
    expect(doomed.linesOf('media')).toEqual([]);
    expect(doomed.linesOf('provider-end')).toEqual([]);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
    await survivor.close();
  });

  it("hands a killed worker's job and its provider slot to another worker within 10 s, with the product's settings", async () => {
    const limits = JSON.stringify({ demo: { maxConcurrent: 1 } });
    const doomed = await cluster.startWorkerProcess({
      concurrency: 1,
      recovery: 'production',
      env: { DEMO_PROVIDER_LATENCY_MS: '60000', PROVIDER_LIMITS: limits },
    });
    const user = new ChatUser(front, '7301');
    await user.onboard();
    const id = await admit(user, 'imagine', 'a ferry leaving the quay');
    await doomed.waitForLine((line) => line === 'provider-start demo');
    const survivor = await cluster.startWorkerProcess({
      concurrency: 1,
      recovery: 'production',
      env: { DEMO_PROVIDER_LATENCY_MS: '200', PROVIDER_LIMITS: limits },
    });

    const killedAt = Date.now();
    await doomed.kill();
    // The job comes back once the dead worker's lock ran out, and its provider call waits for the
    // only demo slot, which the dead worker held until its heartbeat was missed.
    await survivor.waitForLine((line) => line === 'provider-start demo', 20_000);
    const handOffMs = Date.now() - killedAt;
    await survivor.waitForLine((line) => line.startsWith(`media ${id}`), 20_000);
    expect(handOffMs).toBeLessThan(10_000);

    expect(await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    expect(survivor.linesOf(`media ${id}`)).toHaveLength(1);
    expect(doomed.linesOf('media')).toEqual([]);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
  });

  it('holds a provider limit of K concurrent calls across two worker processes, and both serve jobs', async () => {
    const limit = 2;
    const concurrencyKey = `${cluster.prefix}:demo-calls`;
    const env = {
      DEMO_PROVIDER_LATENCY_MS: '300',
      PROVIDER_LIMITS: JSON.stringify({ demo: { maxConcurrent: limit } }),
    };
    const workers = await Promise.all([
      cluster.startWorkerProcess({ concurrency: 3, env, concurrencyKey }),
      cluster.startWorkerProcess({ concurrency: 3, env, concurrencyKey }),
    ]);

    const ids: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const user = new ChatUser(front, String(7100 + index));
      await user.onboard();
      ids.push(await admit(user, 'imagine', `a lighthouse number ${index}`));
    }
    const succeeded = () =>
      cluster.database.prisma.generation.count({ where: { id: { in: ids }, status: 'succeeded' } });
    await eventually(async () => (await succeeded()) === ids.length, 'every job to succeed', 30_000);
    await eventually(
      async () => workers.reduce((sum, worker) => sum + worker.linesOf('media').length, 0) === ids.length,
      'every result to be delivered',
    );

    const highest = Number(await cluster.redis.get(`${concurrencyKey}:max`));
    expect(highest).toBeLessThanOrEqual(limit);
    expect(highest).toBe(limit);
    expect(Number(await cluster.redis.get(`${concurrencyKey}:now`))).toBe(0);
    for (const worker of workers) expect(worker.linesOf('media').length).toBeGreaterThan(0);
    const delivered = workers.flatMap((worker) => worker.linesOf('media').map((line) => line.split(' ')[0]));
    expect(delivered.sort()).toEqual([...ids].sort());
    for (const id of ids)
      expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
        ['reserve', -1],
        ['capture', 0],
      ]);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
  });

  it('gives the provider slot of a killed worker back when its lease lapses: that job is refunded once, the next one is served', {
    timeout: 60_000,
  }, async () => {
    const openai = await FakeOpenAIApi.start();
    try {
      const env = {
        OPENAI_API_KEY: openai.apiKey,
        OPENAI_BASE_URL: openai.baseURL,
        PROVIDER_LIMITS: JSON.stringify({ openai: { maxConcurrent: 1 } }),
        IMAGE_JOB_TIMEOUT_SECONDS: '6',
      };
      const admitting = await cluster.openCore({ env });
      const doomed = await cluster.startWorkerProcess({ concurrency: 1, env });
      openai.hangNext('POST /v1/images/generations');
      const first = new ChatUser(admitting, '7201');
      await first.onboard();
      const admittedAt = Date.now();
      const lost = await admit(first, 'imagine', 'a harbour crane at dusk');
      await openai.waitForRequest((request) => request.path === '/v1/images/generations', 10_000);
      await doomed.kill();

      // The only openai slot stays with the dead worker until its lease lapses (6 s). The survivor
      // starts once the lost job's deadline (6 s after admission) has passed, so that job comes back
      // to it too late to be served, whichever of the slot and the job is recovered first: it ends
      // refunded.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, admittedAt + 6_500 - Date.now())));
      const survivor = await cluster.openCore({ env, startWorker: { concurrency: 2 } });
      await waitForStatus(survivor.notifier, lost, 'job.timed_out', 20_000);
      expect(
        await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id: lost }, include: { media: true } }),
      ).toMatchObject({ status: 'failed', errorCode: 'generation_timeout', media: [] });
      expect(await ledgerOf(cluster.database.prisma, lost)).toEqual([
        ['reserve', -1],
        ['release', 1],
      ]);

      const second = new ChatUser(admitting, '7202');
      await second.onboard();
      const served = await admit(second, 'imagine', 'a harbour crane at dawn');
      // Served once the dead worker's lease has lapsed: up to 6 s after the kill.
      await waitForMedia(survivor.notifier, served, 20_000);
      expect(await ledgerOf(cluster.database.prisma, served)).toEqual([
        ['reserve', -1],
        ['capture', 0],
      ]);
      expect(mediaDeliveriesOf(survivor.notifier, lost)).toHaveLength(0);
      expect(openai.requests.filter((request) => request.path === '/v1/images/generations')).toHaveLength(2);
      expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
    } finally {
      await openai.close();
    }
  });
});
