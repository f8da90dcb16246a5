import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '#core';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import type { ProviderRegistry } from '#core/providers/route-model';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import type { TestCore } from '#tests/support/test-core';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import {
  admit,
  balanceOf,
  eventually,
  ledgerOf,
  mediaDeliveriesOf,
  statusKeysOf,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

const mentions = (text: string) => (request: RecordedRequest) =>
  request.path.endsWith(':generateContent') && request.rawBody.toString('utf8').includes(text);

/** Cancelling a job on the BullMQ queue: waiting (never run) and running (result dropped), refunded once either way. */
describe('cancelling a generation', () => {
  let cluster: TestCluster;
  let google: FakeGoogleGenAIApi;
  let front: TestCore;
  const providers = (_config: AppConfig): ProviderRegistry => ({
    image: [createGoogleImageProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
    video: [createGoogleVideoProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
  });

  beforeAll(async () => {
    cluster = await createTestCluster();
    google = await FakeGoogleGenAIApi.start();
    front = await cluster.openCore({ providers });
  });

  afterAll(async () => {
    await cluster?.close();
    await google?.close();
  });

  async function newUser(id: string): Promise<ChatUser> {
    const user = new ChatUser(front, id);
    await user.onboard();
    return user;
  }

  it('takes a waiting job off the queue and refunds it; a worker started later never runs it', async () => {
    const user = await newUser('4001');
    const id = await admit(user, 'imagine', 'a quiet harbour at dusk');
    expect(await front.deps.queue.positionOf(id)).toBe(0);
    expect(await balanceOf(front, '4001')).toBe(9);

    expect(await user.press('cancel_job', id)).toEqual([]);
    await waitForStatus(front.notifier, id, 'job.cancelled');
    expect(await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'cancelled',
      attempts: 0,
    });
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await balanceOf(front, '4001')).toBe(10);
    expect(await front.deps.queue.positionOf(id)).toBeUndefined();
    expect((await front.deps.queue.counts()).waiting).toBe(0);

    // A worker starts and serves a later job; the cancelled one, queued first, would have run before it.
    const worker = await cluster.openCore({ providers, startWorker: { concurrency: 1 } });
    const other = await newUser('4002');
    const later = await admit(other, 'imagine', 'a busy harbour at noon');
    await waitForMedia(worker.notifier, later);
    expect(google.requests.filter(mentions('a quiet harbour'))).toHaveLength(0);
    expect(statusKeysOf(worker.notifier, id)).toEqual([]);
    expect(
      await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id }, include: { media: true } }),
    ).toMatchObject({ status: 'cancelled', attempts: 0, media: [] });
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    await worker.close();
  });

  it('drops the result of a running job that was cancelled: refunded once, nothing stored or delivered', async () => {
    const worker = await cluster.openCore({ providers, startWorker: { concurrency: 1 } });
    const user = await newUser('4003');
    google.delayMs = 1_500;
    const id = await admit(user, 'imagine', 'a stormy harbour at night');
    await google.waitForRequest(mentions('a stormy harbour'));
    google.delayMs = 0;
    await waitForStatus(worker.notifier, id, 'job.running');

    expect(await user.press('cancel_job', id)).toEqual([]);
    await waitForStatus(front.notifier, id, 'job.cancelled');
    expect(await balanceOf(front, '4003')).toBe(10);

    // The provider answers after the cancel; the worker finishes the job without using the picture.
    await eventually(async () => (await worker.deps.queue.counts()).active === 0, 'the worker to finish the job');
    const generation = await cluster.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      include: { media: true },
    });
    expect(generation).toMatchObject({ status: 'cancelled', media: [] });
    expect(generation.deliveredAt).not.toBeNull(); // the cancel notice, the job's final message
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(mediaDeliveriesOf(worker.notifier, id)).toHaveLength(0);
    expect(statusKeysOf(worker.notifier, id)).toEqual(['job.running']);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
    await worker.close();
  });

  it('stops polling a running video once it is cancelled, freeing the worker', async () => {
    const worker = await cluster.openCore({ providers, startWorker: { concurrency: 1 } });
    google.videoPollsUntilDone = 1_000;
    const user = await newUser('4004');
    const id = await admit(user, 'video', 'a slow tide at night --seconds 4');
    const isPoll = (request: RecordedRequest) => request.method === 'GET' && request.path.includes('/operations/');
    await google.waitForRequest(isPoll, 10_000);
    expect(await balanceOf(front, '4004')).toBe(2);

    expect(await user.press('cancel_job', id)).toEqual([]);
    await waitForStatus(front.notifier, id, 'job.cancelled');
    expect(await balanceOf(front, '4004')).toBe(10);
    await eventually(
      async () => (await worker.deps.queue.counts()).active === 0,
      'the worker to let go of the cancelled video',
      10_000,
    );
    const polls = google.requests.filter(isPoll).length;
    expect(polls).toBe(1);
    expect(
      await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id }, include: { media: true } }),
    ).toMatchObject({ status: 'cancelled', media: [] });
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -8],
      ['release', 8],
    ]);
    expect(mediaDeliveriesOf(worker.notifier, id)).toHaveLength(0);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
    await worker.close();
  });

  it('never calls the provider for a job cancelled while it waited for a provider slot', async () => {
    const worker = await cluster.openCore({
      providers,
      env: { PROVIDER_LIMITS: JSON.stringify({ google: { maxConcurrent: 1 } }) },
      startWorker: { concurrency: 2 },
    });
    const first = await newUser('4005');
    const second = await newUser('4006');
    google.delayMs = 1_500;
    const busy = await admit(first, 'imagine', 'a crowded pier');
    await google.waitForRequest(mentions('a crowded pier'));
    google.delayMs = 0;
    const waiting = await admit(second, 'imagine', 'an empty pier');
    await waitForStatus(worker.notifier, waiting, 'job.running');

    expect(await second.press('cancel_job', waiting)).toEqual([]);
    await waitForStatus(front.notifier, waiting, 'job.cancelled');
    await waitForMedia(worker.notifier, busy);
    await eventually(async () => (await worker.deps.queue.counts()).active === 0, 'the worker to finish both jobs');
    expect(google.requests.filter(mentions('an empty pier'))).toHaveLength(0);
    expect(
      await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id: waiting }, include: { media: true } }),
    ).toMatchObject({ status: 'cancelled', media: [] });
    expect(await ledgerOf(cluster.database.prisma, waiting)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await ledgerOf(cluster.database.prisma, busy)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    await worker.close();
  });
});
