import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config/load-config';
import { createRateLimiter } from '#core/infra/rate-limit/bottleneck-rate-limiter';
import type { RateLimiter } from '#core/infra/rate-limit/rate-limiter';
import { createSdApiImageProvider, type SdApiImageProvider } from '#core/providers/sdapi/sdapi-image-provider';
import { sizeForAspectRatio } from '#core/providers/sdapi/sdapi-dimensions';
import { silentLogger, uniquePrefix, waitFor } from '#tests/core/infra/test-kit';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { makePng, readPng } from '#tests/fakes/test-png';

describe('createSdApiImageProvider against the fake A1111 over HTTP', () => {
  let fake: FakeSdApi;
  let limiter: RateLimiter;
  let provider: SdApiImageProvider;

  const build = (url: string, models?: Parameters<typeof createSdApiImageProvider>[0]['models']) => {
    const config = loadConfig({ SDAPI_URLS: url });
    return createSdApiImageProvider({
      servers: config.providers.sdapi?.servers ?? [],
      limiter: () => limiter,
      ...(models ? { models } : {}),
      checkTimeoutMs: 1_000,
    });
  };

  beforeEach(async () => {
    fake = await FakeSdApi.start({ auth: { username: 'painter', password: 'p@ss:word' } });
    limiter = createRateLimiter({
      limits: {},
      redisUrl: undefined,
      keyPrefix: uniquePrefix('sd'),
      logger: silentLogger(),
    });
    provider = build(fake.urlWithAuth, {
      'sdxl-base': { checkpoint: 'sd_xl_base_1.0', upscaler: 'R-ESRGAN 4x+' },
      sd15: { baseEdge: 512, upscaler: 'Lanczos' },
    });
  });

  afterEach(async () => {
    await limiter.close();
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('makes `count` PNGs of about a megapixel in the asked aspect ratio, on the model’s checkpoint', async () => {
    const files = await provider.generateImages({
      prompt: 'a fox in the snow',
      model: 'sdxl-base',
      aspectRatio: '16:9',
      count: 3,
      quality: 'standard',
    });
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect(file.mime).toBe('image/png');
      expect(readPng(file.bytes)).toMatchObject({ width: 1344, height: 768 });
      expect(file).toMatchObject({ width: 1344, height: 768 });
    }
    const request = await fake.waitForRequest((r) => r.path === '/sdapi/v1/txt2img');
    expect(request.body).toMatchObject({
      prompt: 'a fox in the snow',
      width: 1344,
      height: 768,
      batch_size: 3,
      n_iter: 1,
      seed: -1,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0' },
      override_settings_restore_afterwards: false,
    });
    expect(fake.jobs[0]?.checkpoint).toBe('sd_xl_base_1.0.safetensors [31e35c80fc]');
    // The credentials of the URL went as basic auth.
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('painter:p@ss:word').toString('base64')}`);
  });

  it('sends the seed and returns the seed each picture was made with', async () => {
    const files = await provider.generateImages({
      prompt: 'a lighthouse',
      model: 'sdxl-base',
      aspectRatio: '1:1',
      count: 2,
      quality: 'standard',
      seed: 1234,
    });
    expect(files.map((file) => file.seed)).toEqual([1234, 1235]);
    const again = await provider.generateImages({
      prompt: 'a lighthouse',
      model: 'sdxl-base',
      aspectRatio: '1:1',
      count: 1,
      quality: 'standard',
      seed: 1235,
    });
    expect(again[0]?.bytes.equals(files[1]?.bytes ?? Buffer.alloc(0))).toBe(true);
  });

  it('edits through img2img with the photo in init_images, keeping its shape', async () => {
    const photo = makePng(300, 600, [200, 10, 10, 255]);
    const files = await provider.generateImages({
      prompt: 'add a hat',
      model: 'sd15',
      aspectRatio: '1:1',
      count: 1,
      quality: 'standard',
      inputImage: { bytes: photo, mime: 'image/png' },
    });
    const request = await fake.waitForRequest((r) => r.path === '/sdapi/v1/img2img');
    const body = request.body as { init_images: string[]; width: number; height: number };
    expect(Buffer.from(body.init_images[0] ?? '', 'base64').equals(photo)).toBe(true);
    expect({ width: body.width, height: body.height }).toEqual({ width: 384, height: 704 });
    expect(readPng(files[0]?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: 384, height: 704 });
  });

  it('upscales with the model’s upscaler: twice the size', async () => {
    const image = makePng(320, 200, [1, 2, 3, 255]);
    const upscaled = await provider.upscaleImage({
      image: { bytes: image, mime: 'image/png' },
      scale: 2,
      model: 'sdxl-base',
    });
    expect(readPng(upscaled.bytes)).toMatchObject({ width: 640, height: 400, topLeft: [1, 2, 3, 255] });
    expect(upscaled).toMatchObject({ width: 640, height: 400, mime: 'image/png' });
    const request = await fake.waitForRequest((r) => r.path === '/sdapi/v1/extra-single-image');
    expect(request.body).toMatchObject({ upscaling_resize: 2, upscaler_1: 'R-ESRGAN 4x+' });
    await provider.upscaleImage({ image: { bytes: image, mime: 'image/png' }, scale: 2, model: 'sd15' });
    expect(fake.requests.at(-1)?.body).toMatchObject({ upscaler_1: 'Lanczos' });
  });

  it('interrupts the server when the signal fires, and gives it back only once it is idle', async () => {
    fake.msPerImage = 2_000;
    const controller = new AbortController();
    const call = provider.generateImages({
      prompt: 'slow',
      model: 'sdxl-base',
      aspectRatio: '1:1',
      count: 2,
      quality: 'standard',
      signal: controller.signal,
    });
    await fake.waitForRequest((r) => r.path === '/sdapi/v1/txt2img');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const progress = await provider.readProgress({ signal: controller.signal, jobKey: 'job-1' });
    expect(progress?.fraction).toBeGreaterThan(0);
    expect(progress?.fraction).toBeLessThan(1);
    controller.abort();
    const error = await providerErrorOf(call);
    expect(error.kind).toBe('transient');
    await waitFor(() => fake.interrupts === 1, 'the interrupt', 3_000);
    expect(await provider.readProgress({ signal: controller.signal, jobKey: 'job-1' })).toBeUndefined();
    // The next job waits for the interrupted one to stop: never two at once.
    fake.msPerImage = 10;
    await provider.generateImages({
      prompt: 'next',
      model: 'sdxl-base',
      aspectRatio: '1:1',
      count: 1,
      quality: 'standard',
    });
    expect(fake.overlaps).toBe(0);
    expect(fake.jobs[0]?.interrupted).toBe(true);
  });

  it('names its server through onStarted, and a cancel by that handle from another process interrupts it', async () => {
    fake.msPerImage = 2_000;
    const handles: string[] = [];
    const call = provider.generateImages({
      prompt: 'slow',
      model: 'sdxl-base',
      aspectRatio: '1:1',
      count: 1,
      quality: 'standard',
      onStarted: async (handle) => {
        handles.push(handle);
      },
    });
    await fake.waitForRequest((r) => r.path === '/sdapi/v1/txt2img');
    expect(handles).toHaveLength(1);
    // The handle names the server, never its credentials.
    expect(handles[0]).not.toContain('p@ss');
    const other = build(fake.urlWithAuth);
    await other.cancelImages!('not json');
    expect(fake.interrupts).toBe(0);
    await other.cancelImages!(handles[0]!);
    expect(fake.interrupts).toBe(1);
    await call.catch(() => undefined);
    expect(fake.jobs[0]?.interrupted).toBe(true);
  });

  it('interrupts the server when a call times out, too', async () => {
    fake.msPerImage = 2_000;
    const config = loadConfig({ SDAPI_URLS: fake.urlWithAuth });
    const hasty = createSdApiImageProvider({
      servers: config.providers.sdapi?.servers ?? [],
      limiter: () => limiter,
      timeoutMs: 300,
    });
    const error = await providerErrorOf(
      hasty.generateImages({
        prompt: 'slow',
        model: 'stable-diffusion',
        aspectRatio: '1:1',
        count: 1,
        quality: 'standard',
      }),
    );
    expect(error).toMatchObject({ kind: 'transient', reason: 'timeout' });
    await waitFor(() => fake.interrupts === 1, 'the interrupt', 3_000);
    await waitFor(() => fake.jobs[0]?.endedAt !== undefined, 'the job to stop', 3_000);
    expect(fake.jobs[0]?.interrupted).toBe(true);
  });

  it('maps failures: refused connection transient, 5xx transient, 4xx invalid, wrong password auth', async () => {
    fake.failNext('POST /sdapi/v1/txt2img', { status: 500 });
    const request = { prompt: 'x', model: 'sdxl-base', aspectRatio: '1:1', count: 1, quality: 'standard' } as const;
    expect((await providerErrorOf(provider.generateImages(request))).kind).toBe('transient');

    fake.failNext('POST /sdapi/v1/txt2img', { status: 422, body: { detail: [{ msg: 'bad' }] } });
    expect((await providerErrorOf(provider.generateImages(request))).kind).toBe('invalid');

    const wrong = build(fake.url.replace('http://', 'http://painter:nope@'));
    const denied = await providerErrorOf(wrong.generateImages(request));
    // Refused at the health check already: an operator's problem, not an outage.
    expect(denied).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests.at(-1)?.path).toBe('/sdapi/v1/progress');

    const url = fake.urlWithAuth;
    await fake.close();
    const gone = build(url);
    const refused = await providerErrorOf(gone.generateImages(request));
    expect(refused).toMatchObject({ kind: 'transient', reason: 'network' });
    expect(refused.message).not.toContain('p@ss');
  });

  it('refuses counts it cannot make', async () => {
    const error = await providerErrorOf(
      provider.generateImages({ prompt: 'x', model: 'sdxl-base', aspectRatio: '1:1', count: 5, quality: 'standard' }),
    );
    expect(error.kind).toBe('invalid');
  });
});

describe('sizeForAspectRatio', () => {
  it('keeps about base² pixels in multiples of 64', () => {
    expect(sizeForAspectRatio('1:1', 1024)).toEqual({ width: 1024, height: 1024 });
    expect(sizeForAspectRatio('16:9', 1024)).toEqual({ width: 1344, height: 768 });
    expect(sizeForAspectRatio('9:16', 1024)).toEqual({ width: 768, height: 1344 });
    expect(sizeForAspectRatio('3:2', 1024)).toEqual({ width: 1280, height: 832 });
    expect(sizeForAspectRatio('4:3', 1024)).toEqual({ width: 1152, height: 896 });
    expect(sizeForAspectRatio('1:1', 512)).toEqual({ width: 512, height: 512 });
  });
});
