import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import type { ProviderRegistry } from '#core/providers/route-model';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCluster, type TestCluster } from '#tests/core/generation/test-cluster';
import { admit, ledgerOf, mediaDeliveriesOf, sha256, waitForMedia } from '#tests/core/generation/generation-helpers';

const isPoll = (request: RecordedRequest) => request.method === 'GET' && request.path.includes('/operations/');
const isStart = (request: RecordedRequest) => request.method === 'POST' && request.path.endsWith(':predictLongRunning');

/**
 * A worker restarted while it polled a Veo operation: the next worker (another process as far as
 * core can tell: its own client, queue and provider instance, on the same database and BullMQ
 * queue) continues the stored operation instead of starting and paying for a second one.
 */
describe('a video job resumed by another worker', () => {
  let cluster: TestCluster;
  let google: FakeGoogleGenAIApi;

  beforeAll(async () => {
    cluster = await createTestCluster();
    google = await FakeGoogleGenAIApi.start({ videoPollsUntilDone: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
    await google?.close();
  });

  const providers = (): ProviderRegistry => ({
    image: [createDemoImageProvider()],
    video: [createGoogleVideoProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
  });

  it('polls the stored operation to done once, with one predictLongRunning call and one delivery', async () => {
    const first = await cluster.openCore({
      providers,
      env: { SHUTDOWN_TIMEOUT_SECONDS: '1' },
      startWorker: { concurrency: 1 },
    });
    const user = new ChatUser(first, '3001');
    await user.onboard();
    google.hangNext(isPoll);
    const id = await admit(user, 'video', 'a comet over a quiet sea --seconds 4');
    const hungPoll = await google.waitForRequest(isPoll, 10_000);
    const running = await cluster.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(running).toMatchObject({
      status: 'running',
      attempts: 1,
      providerOperation: hungPoll.path.replace('/v1beta/', ''),
    });

    // The first worker stops while its poll hangs: the job goes back to the queue.
    await first.close();
    const second = await cluster.openCore({ providers, startWorker: { concurrency: 1 } });
    const media = await waitForMedia(second.notifier, id, 20_000);

    expect(google.requests.filter(isStart)).toHaveLength(1);
    const polls = google.requests.filter(isPoll);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(polls.map((request) => request.path))).toEqual(new Set([`/v1beta/${running.providerOperation}`]));
    const video = [...google.videos.values()][0];
    expect(google.videos.size).toBe(1);
    expect(sha256(await media.items[0]!.load())).toBe(sha256(video ?? Buffer.alloc(0)));

    const done = await cluster.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      include: { media: true },
    });
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, providerOperation: running.providerOperation });
    expect(done.media.map((asset) => asset.sha256)).toEqual([sha256(video ?? Buffer.alloc(0))]);
    expect(await ledgerOf(cluster.database.prisma, id)).toEqual([
      ['reserve', -8],
      ['capture', 0],
    ]);
    expect(mediaDeliveriesOf(first.notifier, id)).toHaveLength(0);
    expect(mediaDeliveriesOf(second.notifier, id)).toHaveLength(1);
    expect(await findLedgerViolations(cluster.database.prisma)).toEqual([]);
  });
});
