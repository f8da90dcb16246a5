import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '#core';
import { closeRedisConnection, createRedisConnection, type Redis } from '#core/infra/redis';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import {
  DEFAULT_TXT2IMG_WORKFLOW,
  fillComfyWorkflow,
  loadComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';
import type { ImageRequest } from '#core/providers/ports';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WORKFLOW = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' });
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

  /** The Redis set of an instance's hold, as a limiter of this deployment keeps it. */
  function holdKey(url: string): string {
    return `semaphore:${prefix}slots:hold:comfyui:${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
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
    for (const fake of [a, b]) await redis.zadd(holdKey(fake.url), Date.now(), 'dead');

    const started = Date.now();
    const [file] = await worker(limiter(1_000)).generateImages(REQUEST);
    expect(file?.bytes.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  /** Submits a prompt to `fake` as a worker that then died would have, and its stored handle. */
  async function submittedByADeadWorker(fake: FakeComfyUiApi): Promise<{ id: string; handle: string }> {
    const graph = fillComfyWorkflow(WORKFLOW, {
      prompt: 'left behind',
      negative_prompt: '',
      seed: 9,
      width: 64,
      height: 64,
      batch_size: 1,
    });
    const response = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: 'dead' }),
    });
    const { prompt_id: id } = (await response.json()) as { prompt_id: string };
    return { id, handle: JSON.stringify({ url: fake.url, seed: 9, prompts: [id] }) };
  }

  it("a resumed job follows its prompt on its instance without waiting for the dead worker's hold", async () => {
    a.stepMs = 200;
    const { handle } = await submittedByADeadWorker(a);
    const redis = createRedisConnection(REDIS_URL, { role: 'test-dead-worker' });
    connections.push(redis);
    await redis.zadd(holdKey(a.url), Date.now(), 'dead');

    const started = Date.now();
    const [file] = await worker(limiter(10_000)).generateImages({ ...REQUEST, resume: handle });
    expect(file?.bytes.length).toBeGreaterThan(0);
    // Done when the prompt is (3 steps of 200 ms), long before the dead lease's 10 s lapse.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(a.requests.filter((request) => request.method === 'POST' && request.path === '/prompt')).toHaveLength(1);
  });

  it('a resumed job holds its free instance, so a new job goes to the other one', async () => {
    a.stepMs = 200;
    const { handle } = await submittedByADeadWorker(a);
    const following = worker().generateImages({ ...REQUEST, resume: handle });
    await a.waitForRequest((request) => request.path.startsWith('/history/'));
    await worker().generateImages({ ...REQUEST, prompt: 'a new job' });
    await following;
    expect(a.prompts.size).toBe(1);
    expect(b.prompts.size).toBe(1);
    expect(a.peakQueued).toBe(1);
  });

  it('a resumed job whose prompt its instance lost submits anew on a free instance, not beside the holder', async () => {
    const redis = createRedisConnection(REDIS_URL, { role: 'test-dead-worker' });
    connections.push(redis);
    await redis.zadd(holdKey(a.url), Date.now(), 'other');
    const lost = JSON.stringify({ url: a.url, seed: 4, prompts: ['5b2c0c1e-0000-4000-8000-000000000000'] });

    const [file] = await worker(limiter(10_000)).generateImages({ ...REQUEST, resume: lost });
    expect(file?.seed).toBe(4);
    expect(a.prompts.size).toBe(0);
    expect(b.prompts.size).toBe(1);
  });
});
