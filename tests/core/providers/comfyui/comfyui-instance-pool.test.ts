import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '#core';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import { DEFAULT_TXT2IMG_WORKFLOW, loadComfyWorkflow } from '#core/providers/comfyui/comfyui-workflow';
import type { ImageRequest } from '#core/providers/ports';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WORKFLOW = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { forEdits: false });
const REQUEST: ImageRequest = {
  prompt: 'a lighthouse',
  model: 'comfyui',
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};
const logger = createLogger({ level: 'silent', name: 'test' });

/**
 * Two ComfyUI instances shared by two "worker processes" (two providers, each with its own Redis
 * connection and the same lease prefix, as two processes of one deployment have).
 */
describe('ComfyUI instances across worker processes', () => {
  let a: FakeComfyUiApi;
  let b: FakeComfyUiApi;
  const connections: Redis[] = [];
  let prefix: string;

  const limiters: RateLimiter[] = [];

  /** One worker process's limiter: its own Redis connections, the deployment's prefix. */
  /** The product's lease by default: a shorter one can lapse under a loaded machine while its job runs. */
  function limiter(slotLeaseMs = 6_000): RateLimiter {
    const opened = createRateLimiter({ limits: {}, redisUrl: REDIS_URL, keyPrefix: prefix, logger, slotLeaseMs });
    limiters.push(opened);
    return opened;
  }

  function worker(own = limiter()) {
    return createComfyUiImageProvider({
      urls: [a.url, b.url],
      models: [{ name: 'comfyui', workflow: WORKFLOW }],
      limiter: () => own,
      maxDownMs: 200,
    });
  }

  beforeEach(async () => {
    prefix = `test:${randomBytes(4).toString('hex')}:instances:`;
    a = await FakeComfyUiApi.start({ steps: 3, stepMs: 40 });
    b = await FakeComfyUiApi.start({ steps: 3, stepMs: 40 });
  });

  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((opened) => opened.close()));
    await a.close();
    await b.close();
    await Promise.all(connections.splice(0).map((redis) => closeRedisConnection(redis)));
  });

  it('runs one job at a time per instance and spreads jobs over both', async () => {
    const first = worker();
    const second = worker();
    const files = await Promise.all(
      [first, second, first, second, first, second].map((provider, index) =>
        provider.generateImages({ ...REQUEST, prompt: `job ${index}` }),
      ),
    );
    expect(files.flat()).toHaveLength(6);
    expect(a.peakQueued).toBe(1);
    expect(b.peakQueued).toBe(1);
    expect(a.prompts.size).toBeGreaterThan(0);
    expect(b.prompts.size).toBeGreaterThan(0);
    expect(a.prompts.size + b.prompts.size).toBe(6);
  });

  it('skips an unhealthy instance until it answers again', async () => {
    const provider = worker();
    a.setHealthy(false);
    for (let index = 0; index < 3; index += 1) await provider.generateImages(REQUEST);
    expect(a.prompts.size).toBe(0);
    expect(b.prompts.size).toBe(3);

    a.setHealthy(true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (let index = 0; index < 4; index += 1) await provider.generateImages(REQUEST);
    expect(a.prompts.size).toBeGreaterThan(0);
    expect(a.requests.some((request) => request.path === '/queue')).toBe(true);
  });

  it('moves a job to the other instance when its instance dies mid-job', async () => {
    a.stepMs = 200;
    const provider = worker();
    const running = provider.generateImages(REQUEST);
    await a.waitForRequest((request) => request.path === '/prompt');
    await a.close();
    const [file] = await running;
    expect(file?.bytes.length).toBeGreaterThan(0);
    expect(b.prompts.size).toBe(1);
  });

  it('with every instance down fails transient, so routing moves on to the next provider', async () => {
    a.setHealthy(false);
    b.setHealthy(false);
    const provider = worker();
    // The first call learns both are down; the next finds no healthy instance without calling them.
    await providerErrorOf(provider.generateImages(REQUEST));
    await providerErrorOf(provider.generateImages(REQUEST));
    const error = await providerErrorOf(provider.generateImages(REQUEST));
    expect(error.kind).toBe('transient');
  });

  it("a dead process's hold on an instance lapses with its lease", async () => {
    // A worker that died holding both instances left its entries in the lease sets and renews them no more.
    const redis = createRedisConnection(REDIS_URL, { role: 'test-dead-worker' });
    connections.push(redis);
    for (const fake of [a, b]) {
      const key = `comfyui:${createHash('sha256').update(fake.url).digest('hex').slice(0, 16)}`;
      await redis.zadd(`semaphore:${prefix}slots:hold:${key}`, Date.now(), 'dead');
    }

    const started = Date.now();
    const [file] = await worker(limiter(1_000)).generateImages(REQUEST);
    expect(file?.bytes.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
