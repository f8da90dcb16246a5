import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '#core';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import {
  DEFAULT_TXT2IMG_WORKFLOW,
  loadComfyWorkflow,
  type ComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';
import type { ImageRequest } from '#core/providers/ports';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';
import { sha256 } from '#tests/core/generation/generation-helpers';

const TXT2IMG = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' });
/** The default workflow without `{{batch_size}}`, so `count` > 1 runs the graph once per image. */
const UNBATCHED: ComfyWorkflow = {
  ...TXT2IMG,
  graph: {
    ...TXT2IMG.graph,
    '5': { class_type: 'EmptyLatentImage', inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 } },
  },
  placeholders: new Set([...TXT2IMG.placeholders].filter((name) => name !== 'batch_size')),
};

const logger = createLogger({ level: 'silent', name: 'test' });
const REQUEST: ImageRequest = {
  prompt: 'a heron in the reeds',
  model: 'comfyui',
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};

type Handle = { url: string; seed: number; prompts: string[] };

/**
 * Start-then-poll on ComfyUI: each submitted prompt is handed to `onStarted`; a provider of
 * another process given that handle follows the prompt instead of submitting it again, and can
 * cancel it.
 */
describe('ComfyUI backend jobs', () => {
  let fake: FakeComfyUiApi;

  const limiters: RateLimiter[] = [];

  /** A provider as one worker process builds it (its own in-process limiter and view of the instances). */
  const build = (workflow: ComfyWorkflow = TXT2IMG, urls = [fake.url]) => {
    const limiter = createRateLimiter({ limits: {}, redisUrl: undefined, keyPrefix: 'comfyui-resume:', logger });
    limiters.push(limiter);
    return createComfyUiImageProvider({ urls, models: [{ name: 'comfyui', workflow }], limiter: () => limiter });
  };
  const submits = () => fake.requests.filter((request) => request.method === 'POST' && request.path === '/prompt');

  beforeEach(async () => {
    fake = await FakeComfyUiApi.start({ steps: 4, stepMs: 30 });
  });

  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
    await fake.close();
  });

  it('hands the prompt to onStarted once queued; another process resumes it without submitting', async () => {
    const handles: string[] = [];
    const first = build().generateImages({
      ...REQUEST,
      onStarted: async (handle) => {
        handles.push(handle);
      },
    });
    await fake.waitForRequest((request) => request.path === '/prompt');
    await expect.poll(() => handles.length).toBe(1);
    const handle = JSON.parse(handles[0]!) as Handle;
    expect(handle).toMatchObject({ url: fake.url, prompts: [[...fake.prompts.keys()][0]] });

    const resumed = await build().generateImages({ ...REQUEST, resume: handles[0]! });
    const [original] = await first;
    // Buffers compared by hash: a deep equality of megabyte PNGs takes seconds.
    expect(resumed.map((file) => sha256(file.bytes))).toEqual([sha256(original!.bytes)]);
    expect(resumed[0]!.seed).toBe(handle.seed);
    expect(submits()).toHaveLength(1);
    // A prompt that has ended is collected from the history, still without a new submit.
    expect(sha256((await build().generateImages({ ...REQUEST, resume: handles[0]! }))[0]!.bytes)).toBe(
      sha256(original!.bytes),
    );
    expect(submits()).toHaveLength(1);
  });

  it('resumes a job of several runs: ended runs are collected, the rest submitted with the stored seed', async () => {
    const handles: string[] = [];
    await build(UNBATCHED).generateImages({
      ...REQUEST,
      count: 3,
      onStarted: async (handle) => {
        handles.push(handle);
      },
    });
    expect(handles).toHaveLength(3);
    const all = JSON.parse(handles[2]!) as Handle;
    expect(all.prompts).toHaveLength(3);
    const afterFirst = JSON.stringify({ ...all, prompts: all.prompts.slice(0, 1) });

    const files = await build(UNBATCHED).generateImages({ ...REQUEST, count: 3, resume: afterFirst });
    expect(files.map((file) => file.seed)).toEqual([all.seed, all.seed + 1, all.seed + 2]);
    expect(submits()).toHaveLength(5);
    const seeds = [...fake.prompts.values()]
      .slice(3)
      .map((prompt) => (prompt.graph as Record<string, { inputs: { seed?: number } }>)['3']?.inputs.seed);
    expect(seeds).toEqual([all.seed + 1, all.seed + 2]);
  });

  it('submits anew for a handle it cannot follow: garbage, an instance no longer configured, a prompt lost in a restart', async () => {
    const lost = JSON.stringify({ url: fake.url, seed: 3, prompts: ['5b2c0c1e-0000-4000-8000-000000000000'] });
    for (const resume of ['not json', JSON.stringify({ url: 'http://127.0.0.1:1', seed: 1, prompts: ['x'] }), lost]) {
      const [file] = await build().generateImages({ ...REQUEST, resume });
      expect(file!.mime).toBe('image/png');
    }
    expect(submits()).toHaveLength(3);
  });

  it('cancels by handle from another process: interrupts the running prompt, deletes a queued one', async () => {
    fake.stepMs = 200;
    const handles: string[] = [];
    const onStarted = async (handle: string) => {
      handles.push(handle);
    };
    const running = providerErrorOf(build().generateImages({ ...REQUEST, onStarted }));
    const queued = providerErrorOf(build().generateImages({ ...REQUEST, prompt: 'a second heron', onStarted }));
    await expect.poll(() => handles.length).toBe(2);
    const [runningId, queuedId] = [...fake.prompts.keys()];
    const canceller = build();
    for (const handle of handles) await canceller.cancelImages!(handle);
    expect(fake.interrupts).toEqual([{ running: runningId }]);
    expect(fake.deleted).toEqual([queuedId]);
    expect((await running).kind).toBe('transient');
    expect((await queued).kind).toBe('transient');
    // Garbage cancels nothing and does not throw.
    await canceller.cancelImages!('not json');
  });

  it('cancels the prompt when its handle cannot be stored, so nothing runs that nobody can find', async () => {
    fake.stepMs = 200;
    const error = await providerErrorOf(
      build().generateImages({
        ...REQUEST,
        onStarted: async () => {
          throw new Error('database unreachable');
        },
      }),
    );
    expect(error.kind).toBe('transient');
    const [id] = [...fake.prompts.keys()];
    expect([...fake.interrupts.map((entry) => entry.running), ...fake.deleted]).toEqual([id]);
  });

  it('leaves its prompt running when the worker lets the job go, for the attempt that resumes it', async () => {
    fake.stepMs = 100;
    const handles: string[] = [];
    const detach = new AbortController();
    const deadline = new AbortController();
    const letGo = providerErrorOf(
      build().generateImages({
        ...REQUEST,
        signal: AbortSignal.any([detach.signal, deadline.signal]),
        detach: detach.signal,
        onStarted: async (handle) => {
          handles.push(handle);
        },
      }),
    );
    await expect.poll(() => handles.length).toBe(1);
    detach.abort(new Error('worker shutting down'));
    await letGo;
    const [file] = await build().generateImages({ ...REQUEST, resume: handles[0]! });
    expect(file!.mime).toBe('image/png');
    expect(fake.interrupts).toEqual([]);
    expect(fake.deleted).toEqual([]);
    expect(submits()).toHaveLength(1);
    expect([...fake.prompts.values()][0]!.state).toBe('success');
  });
});
