import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { silentLogger } from '#tests/core/infra/test-kit';
import { createComfyUiImageProvider, type ComfyUiImageProvider } from '#core/providers/comfyui/comfyui-image-provider';
import {
  DEFAULT_IMG2IMG_WORKFLOW,
  DEFAULT_TXT2IMG_WORKFLOW,
  DEFAULT_UPSCALE_WORKFLOW,
  loadComfyWorkflow,
  type ComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';
import type { ImageRequest } from '#core/providers/ports';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const TXT2IMG = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' });
const IMG2IMG = loadComfyWorkflow(DEFAULT_IMG2IMG_WORKFLOW, { purpose: 'edit' });
const UPSCALE = loadComfyWorkflow(DEFAULT_UPSCALE_WORKFLOW, { purpose: 'upscale' });
/** The default workflow without `{{batch_size}}`, so `count` > 1 runs the graph once per image. */
const UNBATCHED: ComfyWorkflow = {
  ...TXT2IMG,
  graph: {
    ...TXT2IMG.graph,
    '5': { class_type: 'EmptyLatentImage', inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 } },
  },
  placeholders: new Set([...TXT2IMG.placeholders].filter((name) => name !== 'batch_size')),
};

const REQUEST: ImageRequest = {
  prompt: 'a fox in the snow',
  model: 'comfyui',
  aspectRatio: '16:9',
  count: 1,
  quality: 'standard',
};

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
const nodeOf = (graph: Graph, classType: string) =>
  Object.values(graph).find((node) => node.class_type === classType)?.inputs ?? {};

describe('ComfyUI image provider', () => {
  let fake: FakeComfyUiApi;
  let provider: ComfyUiImageProvider;
  let limiter: RateLimiter;

  function build(workflow: ComfyWorkflow = TXT2IMG, urls = [fake.url]) {
    return createComfyUiImageProvider({
      urls,
      models: [{ name: 'comfyui', workflow, editWorkflow: IMG2IMG, upscaleWorkflow: UPSCALE }],
      limiter: () => limiter,
      negativePrompt: 'blurry',
    });
  }

  beforeEach(async () => {
    fake = await FakeComfyUiApi.start({ steps: 4, stepMs: 15 });
    limiter = createRateLimiter({
      limits: {},
      redisUrl: undefined,
      keyPrefix: 'comfyui-test:',
      logger: silentLogger(),
    });
    provider = build();
  });

  afterEach(async () => {
    await limiter.close();
    await fake.close();
  });

  it('fills the workflow, follows the socket and returns the PNG the instance saved, at the size of the ratio', async () => {
    const [file, ...rest] = await provider.generateImages({ ...REQUEST, seed: 42 });
    expect(rest).toHaveLength(0);
    expect(file).toMatchObject({ mime: 'image/png', width: 1344, height: 768, seed: 42 });
    expect(readPng(file!.bytes)).toEqual({ width: 1344, height: 768, topLeft: colorForText(REQUEST.prompt) });

    const [prompt] = [...fake.prompts.values()];
    const graph = prompt!.graph as Graph;
    expect(nodeOf(graph, 'KSampler').seed).toBe(42);
    expect(nodeOf(graph, 'EmptyLatentImage')).toMatchObject({ width: 1344, height: 768, batch_size: 1 });
    expect(graph['6']?.inputs.text).toBe(REQUEST.prompt);
    expect(graph['7']?.inputs.text).toBe('blurry');
    expect(JSON.stringify(graph)).not.toContain('{{');
    expect(prompt!.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /queue',
      'POST /prompt',
      `GET /history/${prompt!.id}`,
      'GET /view',
    ]);
    await vi.waitFor(() => expect(fake.socketCount).toBe(0));
  });

  it('reports progress by job key while the prompt runs, and forgets it after', async () => {
    fake.stepMs = 40;
    const seen = new Set<number>();
    const running = provider.generateImages({ ...REQUEST, jobKey: 'job-1' });
    const query = { signal: new AbortController().signal, jobKey: 'job-1' };
    const watcher = setInterval(() => {
      void provider.readProgress(query).then((value) => {
        if (value !== undefined) seen.add(Math.round(value.fraction * 100));
      });
    }, 5);
    await running.finally(() => clearInterval(watcher));
    // Each of the 4 sampler steps is 40 ms, so the watcher sees each step's percent.
    expect([...seen]).toEqual(expect.arrayContaining([25, 50, 75]));
    expect([...seen].every((value) => value >= 0 && value <= 100)).toBe(true);
    expect(await provider.readProgress(query)).toBeUndefined();
  });

  it('makes count images in one batch when the workflow has {{batch_size}}, each with the seed', async () => {
    const files = await provider.generateImages({ ...REQUEST, count: 3, seed: 7 });
    expect(files.map((file) => file.seed)).toEqual([7, 7, 7]);
    expect(fake.prompts.size).toBe(1);
    expect(nodeOf([...fake.prompts.values()][0]!.graph as Graph, 'EmptyLatentImage').batch_size).toBe(3);
  });

  it('without {{batch_size}} runs the graph count times with seeds seed, seed + 1, …', async () => {
    const files = await build(UNBATCHED).generateImages({ ...REQUEST, count: 3, seed: 100 });
    expect(files.map((file) => file.seed)).toEqual([100, 101, 102]);
    expect([...fake.prompts.values()].map((p) => nodeOf(p.graph as Graph, 'KSampler').seed)).toEqual([100, 101, 102]);
  });

  it('uploads the photo of an edit and names it in the edit workflow', async () => {
    const photo = makePng(96, 64, [10, 20, 30, 255]);
    const [file] = await provider.generateImages({
      ...REQUEST,
      prompt: 'make it winter',
      inputImage: { bytes: photo, mime: 'image/png' },
    });
    const upload = fake.requests.find((r) => r.path === '/upload/image');
    expect(upload?.method).toBe('POST');
    const [name] = [...fake.uploads.keys()];
    expect(fake.uploads.get(name!)?.equals(photo)).toBe(true);
    const graph = [...fake.prompts.values()][0]!.graph as Graph;
    expect(nodeOf(graph, 'LoadImage').image).toBe(name);
    expect(file).toMatchObject({ width: 96, height: 64 });
    expect(readPng(file!.bytes).topLeft).toEqual(colorForText('make it winter'));
  });

  it('interrupts its running prompt when the signal fires', async () => {
    fake.stepMs = 200;
    const controller = new AbortController();
    const pending = providerErrorOf(provider.generateImages({ ...REQUEST, signal: controller.signal }));
    await fake.waitForRequest((r) => r.path === '/prompt');
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('deadline'));
    const error = await pending;
    expect(error.kind).toBe('transient');
    await fake.waitForRequest((r) => r.path === '/interrupt');
    const [prompt] = [...fake.prompts.values()];
    expect(fake.interrupts).toEqual([{ running: prompt!.id }]);
    expect((await fake.waitForEnd(prompt!.id)).state).toBe('interrupted');
  });

  it('deletes its prompt from the queue when the signal fires while another prompt runs', async () => {
    fake.stepMs = 100;
    const controller = new AbortController();
    const pending = providerErrorOf(provider.generateImages({ ...REQUEST, signal: controller.signal }));
    // Someone on the instance's web UI queues a prompt just after our look found it idle.
    await fake.waitForRequest((r) => r.method === 'GET' && r.path === '/queue');
    const other = await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: { ...TXT2IMG.graph, ...filledLatent() } }),
    });
    const otherId = ((await other.json()) as { prompt_id: string }).prompt_id;
    await vi.waitFor(() => expect(fake.prompts.size).toBe(2));
    controller.abort(new Error('cancelled'));
    await pending;
    await fake.waitForRequest((r) => r.method === 'POST' && r.path === '/queue');
    expect(fake.deleted).toHaveLength(1);
    expect(fake.deleted[0]).not.toBe(otherId);
    expect(fake.interrupts).toEqual([]);
  });

  it('finds the result through /history when the socket closes mid-job', async () => {
    fake.stepMs = 30;
    fake.dropSocketsDuringNextRun();
    const [file] = await provider.generateImages({ ...REQUEST, aspectRatio: '1:1' });
    expect(readPng(file!.bytes)).toMatchObject({ width: 1024, height: 1024 });
    expect(fake.requests.filter((r) => r.path.startsWith('/history/')).length).toBeGreaterThanOrEqual(2);
  });

  it('gives up on a prompt the instance lost in a restart instead of waiting for the deadline', async () => {
    fake.stepMs = 100;
    const pending = providerErrorOf(provider.generateImages(REQUEST));
    await fake.waitForRequest((r) => r.path === '/prompt');
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.restart();
    const error = await pending;
    expect(error).toMatchObject({ kind: 'transient', reason: 'operation_failed' });
    expect(error.message).toContain('neither queued nor in the history');
  });

  it('maps failures: node_errors are invalid, an execution error and a 5xx are transient, 401 is auth', async () => {
    const broken: ComfyWorkflow = {
      ...TXT2IMG,
      graph: { ...TXT2IMG.graph, '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ['99', 0] } } },
    };
    const invalid = await providerErrorOf(build(broken).generateImages(REQUEST));
    expect(invalid.kind).toBe('invalid');
    expect(invalid.message).toContain('node 4');

    fake.failNextRun('CUDA out of memory');
    const failed = await providerErrorOf(provider.generateImages(REQUEST));
    expect(failed).toMatchObject({ kind: 'transient', reason: 'operation_failed' });
    expect(failed.message).toContain('CUDA out of memory');

    fake.failNext('POST /prompt', { status: 500 });
    expect(await providerErrorOf(provider.generateImages(REQUEST))).toMatchObject({ kind: 'transient', status: 500 });

    fake.failNext('POST /prompt', { status: 401 });
    expect((await providerErrorOf(provider.generateImages(REQUEST))).kind).toBe('auth');

    expect((await providerErrorOf(provider.generateImages({ ...REQUEST, count: 5 }))).kind).toBe('invalid');
  });

  it('upscales by uploading the picture and running the upscale workflow to twice its size', async () => {
    const picture = makePng(100, 60, [50, 60, 70, 255]);
    const file = await provider.upscaleImage({
      image: { bytes: picture, mime: 'image/png' },
      scale: 2,
      model: 'comfyui',
    });
    expect(file).toMatchObject({ mime: 'image/png', width: 200, height: 120 });
    expect(readPng(file.bytes)).toEqual({ width: 200, height: 120, topLeft: [50, 60, 70, 255] });
    const [name] = [...fake.uploads.keys()];
    expect(fake.uploads.get(name!)?.equals(picture)).toBe(true);
    const graph = [...fake.prompts.values()][0]!.graph as Graph;
    expect(nodeOf(graph, 'LoadImage').image).toBe(name);
    expect(nodeOf(graph, 'ImageScale')).toMatchObject({ width: 200, height: 120 });
    // The look before use first: nothing runs there.
    expect(fake.requests.map((r) => `${r.method} ${r.path.split('/').slice(0, 2).join('/')}`)).toEqual([
      'GET /queue',
      'POST /upload',
      'POST /prompt',
      'GET /history',
      'GET /view',
    ]);

    // An instance without the upscale model refuses the graph: invalid, nothing to retry.
    const bare = await FakeComfyUiApi.start({ stepMs: 1, upscaleModels: [] });
    try {
      const error = await providerErrorOf(
        build(TXT2IMG, [bare.url]).upscaleImage({ image: { bytes: picture, mime: 'image/png' }, scale: 2 }),
      );
      expect(error.kind).toBe('invalid');
      expect(error.message).toContain('model_name');
    } finally {
      await bare.close();
    }
    // A model with no upscale workflow, and bytes that are no picture.
    const noUpscale = createComfyUiImageProvider({
      urls: [fake.url],
      models: [{ name: 'comfyui', workflow: TXT2IMG }],
      limiter: () => limiter,
    });
    expect(
      (await providerErrorOf(noUpscale.upscaleImage({ image: { bytes: picture, mime: 'image/png' }, scale: 2 }))).kind,
    ).toBe('invalid');
    expect(
      (
        await providerErrorOf(
          provider.upscaleImage({ image: { bytes: Buffer.from('nope'), mime: 'image/png' }, scale: 2 }),
        )
      ).kind,
    ).toBe('invalid');
  });

  it('sends credentials in the URL as Basic auth, on HTTP and the socket, and keeps them out of hold names', async () => {
    const names: string[] = [];
    const withAuth = createComfyUiImageProvider({
      urls: [fake.url.replace('http://', 'http://gpu:s3cret@')],
      models: [{ name: 'comfyui', workflow: TXT2IMG }],
      limiter: () => ({
        ...limiter,
        tryHold(key, capacity) {
          names.push(key);
          return limiter.tryHold(key, capacity);
        },
      }),
    });
    await withAuth.generateImages(REQUEST);
    const basic = `Basic ${Buffer.from('gpu:s3cret').toString('base64')}`;
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(fake.requests.map(() => basic));
    expect(fake.socketAuthorizations).toEqual([basic]);
    expect(names).toEqual([`comfyui:${createHash('sha256').update(fake.url).digest('hex').slice(0, 16)}`]);
  });

  it('leaves an instance busy with a prompt it did not send until its queue is empty', async () => {
    fake.stepMs = 60;
    await fetch(`${fake.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: { ...TXT2IMG.graph, ...filledLatent() } }),
    });
    const [file] = await provider.generateImages(REQUEST);
    expect(file?.bytes.length).toBeGreaterThan(0);
    expect(fake.peakQueued).toBe(1);
  });

  it('gives an interrupted instance to the next job only once it has stopped', async () => {
    fake.stepMs = 150;
    const controller = new AbortController();
    const first = providerErrorOf(
      provider.generateImages({ ...REQUEST, signal: controller.signal, jobKey: 'interrupted' }),
    );
    // Sampling: the instance stops only at its next step.
    const query = { signal: new AbortController().signal, jobKey: 'interrupted' };
    await vi.waitFor(async () => expect((await provider.readProgress(query))?.fraction).toBeGreaterThan(0), {
      timeout: 5_000,
    });
    controller.abort(new Error('cancelled'));
    await first;
    const [file] = await provider.generateImages({ ...REQUEST, prompt: 'the next job' });
    expect(file?.bytes.length).toBeGreaterThan(0);
    expect(fake.interrupts).toHaveLength(1);
    expect(fake.peakQueued).toBe(1);
  });

  it('an unreachable instance is a transient network failure', async () => {
    const dead = build(TXT2IMG, ['http://127.0.0.1:9']);
    expect(await providerErrorOf(dead.generateImages(REQUEST))).toMatchObject({ kind: 'transient' });
  });
});

function filledLatent() {
  return {
    '3': { class_type: 'KSampler', inputs: { ...TXT2IMG.graph['3']!.inputs, seed: 1 } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'other', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
  };
}
