import { register as globalRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '#core/metrics/create-metrics';
import type { ImageProvider, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import type { JobCounts } from '#core/infra/queue/job-queue';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser } from '#tests/support/chat-driver';

/** The value of one sample line of a Prometheus text scrape, or undefined when it is absent. */
function sample(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of scrape.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]),
    );
    if (wanted.every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

function brokenProvider(): ImageProvider {
  return {
    name: 'broken',
    capabilities: { models: ['broken-model'], canEdit: false, maxCount: 4 },
    async generateImages(): Promise<MediaFile[]> {
      throw new ProviderError('broken', 'transient', 'upstream 500', { status: 500 });
    },
  };
}

describe('metrics recorded by a generation running through core', () => {
  let t: TestCore;
  let metrics: Metrics;

  beforeAll(async () => {
    t = await createTestCore({
      // Short retries and deadline, and a breaker that opens after 3 failures: the broken provider is called exactly 3 times.
      env: {
        IMAGE_JOB_TIMEOUT_SECONDS: '5',
        PROVIDER_RETRY_BASE_MS: '50',
        PROVIDER_RETRY_MAX_MS: '100',
        PROVIDER_BREAKER_FAILURES: '3',
      },
      providers: {
        image: [createDemoImageProvider(), brokenProvider()],
        video: [createDemoVideoProvider({ pollsBeforeDone: 1 })],
      },
    });
    metrics = createMetrics({ queue: t.deps.queue, logger: t.deps.logger });
    t.deps.metrics = metrics;
  });
  afterAll(async () => {
    await t.close();
  });

  it('records latency by provider and kind, spent credits and queue depth after a successful image', async () => {
    const user = new ChatUser(t, '5001');
    await user.onboard();
    const replies = await user.command('imagine', 'a red kite over the sea');
    const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
    await t.notifier.waitFor((delivery) =>
      delivery.replies.some((reply) => reply.type === 'media' && reply.generationId === generationId),
    );
    // The handler returns just after the delivery; the job leaves `active` then.
    await expect.poll(async () => (await t.deps.queue.counts()).active).toBe(0);

    const scrape = await metrics.registry.metrics();
    expect(
      sample(scrape, 'imagine_provider_call_duration_seconds_count', {
        provider: 'demo',
        kind: 'image',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      sample(scrape, 'imagine_generation_duration_seconds_count', {
        kind: 'image',
        provider: 'demo',
        status: 'succeeded',
      }),
    ).toBe(1);
    expect(
      sample(scrape, 'imagine_generation_duration_seconds_bucket', {
        kind: 'image',
        provider: 'demo',
        status: 'succeeded',
        le: '+Inf',
      }),
    ).toBe(1);
    expect(sample(scrape, 'imagine_credits_spent_total', { kind: 'image' })).toBe(1);
    expect(sample(scrape, 'imagine_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(scrape, 'imagine_queue_jobs', { state: 'active' })).toBe(0);
    expect(sample(scrape, 'imagine_provider_errors_total', { provider: 'demo' })).toBeUndefined();
    expect(scrape).toContain('# TYPE imagine_generation_duration_seconds histogram');
    expect(sample(scrape, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(scrape, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts every failed attempt, the retries by cause, the skips and the credits returned when the only provider stays down', async () => {
    const user = new ChatUser(t, '5002');
    await user.onboard();
    const replies = await user.command('imagine', 'a lighthouse --model broken-model --n 2');
    const generationId = replies[0]?.type === 'status' ? replies[0].generationId : '';
    await t.notifier.waitFor(
      (delivery) =>
        delivery.replies.some(
          (reply) => reply.type === 'status' && reply.generationId === generationId && reply.text.key === 'job.failed',
        ),
      15_000,
    );

    const scrape = await metrics.registry.metrics();
    expect(
      sample(scrape, 'imagine_provider_errors_total', { provider: 'broken', kind: 'image', error: 'transient' }),
    ).toBe(3);
    expect(
      sample(scrape, 'imagine_provider_call_duration_seconds_count', {
        provider: 'broken',
        kind: 'image',
        outcome: 'transient',
      }),
    ).toBe(3);
    expect(sample(scrape, 'imagine_provider_retries_total', { provider: 'broken', cause: 'server_error' })).toBe(3);
    expect(
      sample(scrape, 'imagine_provider_skips_total', { provider: 'broken', reason: 'breaker_open' }),
    ).toBeGreaterThan(0);
    expect(
      sample(scrape, 'imagine_generation_duration_seconds_count', {
        kind: 'image',
        provider: 'broken',
        status: 'failed',
      }),
    ).toBe(1);
    expect(sample(scrape, 'imagine_credits_refunded_total', { reason: 'generation_failed' })).toBe(2);
    expect(sample(scrape, 'imagine_credits_spent_total', { kind: 'image' })).toBe(1);
  });
});

describe('createMetrics', () => {
  function queueWith(counts: () => Promise<JobCounts>) {
    return { counts };
  }

  it('reads the queue depth at each scrape, and leaves it out when the queue cannot answer', async () => {
    let counts: JobCounts = { waiting: 3, active: 1, delayed: 2, failed: 5 };
    let isDown = false;
    const metrics = createMetrics({
      queue: queueWith(async () => {
        if (isDown) throw new Error('redis down');
        return counts;
      }),
    });
    let scrape = await metrics.registry.metrics();
    expect([
      sample(scrape, 'imagine_queue_jobs', { state: 'waiting' }),
      sample(scrape, 'imagine_queue_jobs', { state: 'active' }),
      sample(scrape, 'imagine_queue_jobs', { state: 'delayed' }),
      sample(scrape, 'imagine_queue_jobs', { state: 'failed' }),
    ]).toEqual([3, 1, 2, 5]);

    counts = { waiting: 0, active: 4, delayed: 0, failed: 5 };
    scrape = await metrics.registry.metrics();
    expect(sample(scrape, 'imagine_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(scrape, 'imagine_queue_jobs', { state: 'active' })).toBe(4);

    isDown = true;
    scrape = await metrics.registry.metrics();
    expect(sample(scrape, 'imagine_queue_jobs', { state: 'active' })).toBeUndefined();
    expect(sample(scrape, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('observes webhook lag into seconds buckets, clamping clock skew to zero', async () => {
    const metrics = createMetrics({ queue: queueWith(async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 })) });
    metrics.observeWebhookLag('stripe', 3);
    metrics.observeWebhookLag('stripe', -2);
    metrics.observeWebhookLag('telegram', 0.05);
    const scrape = await metrics.registry.metrics();
    expect(sample(scrape, 'imagine_webhook_lag_seconds_bucket', { provider: 'stripe', le: '0.1' })).toBe(1);
    expect(sample(scrape, 'imagine_webhook_lag_seconds_bucket', { provider: 'stripe', le: '2' })).toBe(1);
    expect(sample(scrape, 'imagine_webhook_lag_seconds_bucket', { provider: 'stripe', le: '5' })).toBe(2);
    expect(sample(scrape, 'imagine_webhook_lag_seconds_sum', { provider: 'stripe' })).toBe(3);
    expect(sample(scrape, 'imagine_webhook_lag_seconds_count', { provider: 'telegram' })).toBe(1);
  });

  it('counts granted credits by source and ignores non-positive amounts', async () => {
    const metrics = createMetrics({ queue: queueWith(async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 })) });
    metrics.countCreditsGranted(50, 'pack');
    metrics.countCreditsGranted(10, 'signup_bonus');
    metrics.countCreditsGranted(150, 'pack');
    metrics.countCreditsGranted(0, 'pack');
    const scrape = await metrics.registry.metrics();
    expect(sample(scrape, 'imagine_credits_granted_total', { source: 'pack' })).toBe(200);
    expect(sample(scrape, 'imagine_credits_granted_total', { source: 'signup_bonus' })).toBe(10);
  });

  it("keeps a registry per process: nothing lands in prom-client's global registry or in another instance", async () => {
    const queue = queueWith(async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }));
    const first = createMetrics({ queue }, { defaultLabels: { role: 'worker' } });
    const second = createMetrics({ queue });
    first.countCreditsSpent(7, 'video');
    const firstScrape = await first.registry.metrics();
    expect(sample(firstScrape, 'imagine_credits_spent_total', { kind: 'video', role: 'worker' })).toBe(7);
    expect(sample(await second.registry.metrics(), 'imagine_credits_spent_total', { kind: 'video' })).toBeUndefined();
    expect(await globalRegistry.metrics()).not.toContain('imagine_');
  });
});
