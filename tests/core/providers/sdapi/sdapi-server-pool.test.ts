import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config/load-config';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import type { ImageRequest } from '#core/providers/ports';
import { createSdApiImageProvider } from '#core/providers/sdapi/sdapi-image-provider';
import { TEST_REDIS_URL, silentLogger, uniquePrefix } from '#tests/core/infra/test-kit';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';
import { FakeSdApi } from '#tests/fakes/sdapi-api';

const REQUEST: ImageRequest = {
  prompt: 'a fox',
  model: 'stable-diffusion',
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};

describe('the SD server pool', () => {
  let fakes: FakeSdApi[];
  let limiters: RateLimiter[];

  /** One worker process: its own limiter on the shared Redis, its own provider. */
  const worker = (keyPrefix: string) => {
    const limiter = createRateLimiter({ limits: {}, redisUrl: TEST_REDIS_URL, keyPrefix, logger: silentLogger() });
    limiters.push(limiter);
    const config = loadConfig({ SDAPI_URLS: fakes.map((fake) => fake.url).join(',') });
    return createSdApiImageProvider({
      servers: config.providers.sdapi?.servers ?? [],
      limiter: () => limiter,
      // Small pictures: the fake's PNG encoding is not what these tests measure.
      models: { 'stable-diffusion': { baseEdge: 256 } },
      checkTimeoutMs: 500,
    });
  };

  beforeEach(async () => {
    limiters = [];
    fakes = await Promise.all([1, 2, 3].map(() => FakeSdApi.start({ msPerImage: 150 })));
  });

  afterEach(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    await Promise.all(fakes.map((fake) => fake.close()));
    for (const fake of fakes) expect(fake.handlerErrors).toEqual([]);
  });

  it('runs 12 jobs of 2 processes on 3 servers, never two at once on one, each job once', async () => {
    const keyPrefix = uniquePrefix('sdpool');
    const [first, second] = [worker(keyPrefix), worker(keyPrefix)];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? first : second).generateImages({ ...REQUEST, prompt: `job ${index}`, seed: index }),
      ),
    );
    expect(results.map((files) => files.length)).toEqual(Array(12).fill(1));
    expect(results.map((files) => files[0]?.seed)).toEqual(Array.from({ length: 12 }, (_, index) => index));
    expect(fakes.map((fake) => fake.overlaps)).toEqual([0, 0, 0]);
    // Each job ran once, every server worked, and the servers worked side by side.
    expect(fakes.map((fake) => fake.jobs.length).reduce((a, b) => a + b)).toBe(12);
    for (const fake of fakes) expect(fake.jobs.length).toBeGreaterThan(0);
    const spans = fakes.flatMap((fake) => fake.jobs.map((job) => [job.startedAt, job.endedAt ?? 0] as const));
    const mostAtOnce = Math.max(...spans.map(([at]) => spans.filter(([from, to]) => from <= at && at < to).length));
    expect(mostAtOnce).toBeGreaterThanOrEqual(2);
  });

  it('skips a server that fails its health check and uses it again once it answers', async () => {
    const provider = worker(uniquePrefix('sdpool'));
    const [sick] = fakes as [FakeSdApi, FakeSdApi, FakeSdApi];
    sick.healthy = false;
    for (let round = 0; round < 6; round++) await provider.generateImages(REQUEST);
    expect(sick.jobs).toHaveLength(0);
    expect(fakes[1]?.jobs.length).toBeGreaterThan(0);
    expect(fakes[2]?.jobs.length).toBeGreaterThan(0);

    sick.healthy = true;
    // Down for a second after its first failed check; then its next check passes and it takes jobs again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (let round = 0; round < 6; round++) await provider.generateImages(REQUEST);
    expect(sick.jobs.length).toBeGreaterThan(0);
  });

  it('leaves alone a server busy with a job it did not send (a killed worker’s, its web UI’s)', async () => {
    const provider = worker(uniquePrefix('sdpool'));
    const [busy] = fakes as [FakeSdApi, FakeSdApi, FakeSdApi];
    busy.msPerImage = 1_500;
    const outside = fetch(`${busy.url}/sdapi/v1/txt2img`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'from the web UI', width: 64, height: 64 }),
    });
    await busy.waitForRequest((request) => request.path === '/sdapi/v1/txt2img');
    for (let round = 0; round < 4; round++) await provider.generateImages(REQUEST);
    expect(busy.overlaps).toBe(0);
    expect(busy.jobs).toHaveLength(1);
    await outside;
  });

  it('fails transient, for failover, when every server is down', async () => {
    const provider = worker(uniquePrefix('sdpool'));
    for (const fake of fakes) fake.healthy = false;
    const error = await providerErrorOf(provider.generateImages(REQUEST));
    expect(error).toMatchObject({ kind: 'transient', reason: 'network' });
    expect(error.message).toContain('no Stable Diffusion server answers');
  });

  it('waits for a free server within the signal, and gives up when it fires', async () => {
    const provider = worker(uniquePrefix('sdpool'));
    for (const fake of fakes) fake.msPerImage = 1_000;
    const busy = [1, 2, 3].map(() => provider.generateImages(REQUEST));
    await Promise.all(fakes.map((fake) => fake.waitForRequest((request) => request.path === '/sdapi/v1/txt2img')));
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, signal: AbortSignal.timeout(200) }));
    expect(error.kind).toBe('transient');
    await Promise.all(busy);
    expect(fakes.map((fake) => fake.jobs.length)).toEqual([1, 1, 1]);
  });
});
