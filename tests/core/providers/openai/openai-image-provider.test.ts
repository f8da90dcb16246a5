import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import type { AspectRatio, ImageProvider, ImageRequest } from '#core/providers/ports';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import type { MultipartBody } from '#tests/fakes/http-recorder';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const REQUEST: ImageRequest = {
  prompt: 'a lighthouse at dusk',
  model: 'gpt-image-1',
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};

describe('createOpenAiImageProvider over the real openai SDK', () => {
  let fake: FakeOpenAIApi;
  let provider: ImageProvider;

  beforeEach(async () => {
    fake = await FakeOpenAIApi.start({ imageRefusalTriggers: ['forbidden'] });
    provider = createOpenAiImageProvider({ apiKey: fake.apiKey, baseUrl: fake.baseURL });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('presents itself as openai with gpt-image-1, editing, up to 4 images', () => {
    expect(provider.name).toBe('openai');
    expect(provider.capabilities).toEqual({ models: ['gpt-image-1'], canEdit: true, maxCount: 4 });
  });

  it.each<[AspectRatio, string]>([
    ['1:1', '1024x1024'],
    ['9:16', '1024x1536'],
    ['3:4', '1024x1536'],
    ['16:9', '1536x1024'],
    ['4:3', '1536x1024'],
  ])('maps %s to %s and decodes the PNG of that size', async (aspectRatio, size) => {
    const [width, height] = size.split('x').map(Number);

    const [file, ...rest] = await provider.generateImages({ ...REQUEST, aspectRatio });

    expect(rest).toEqual([]);
    expect(file && { ...readPng(file.bytes), mime: file.mime, reported: [file.width, file.height] }).toEqual({
      width,
      height,
      topLeft: colorForText(REQUEST.prompt),
      mime: 'image/png',
      reported: [width, height],
    });
    const call = await fake.waitForRequest((r) => r.path === '/v1/images/generations');
    expect(call.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(call.body).toEqual({ model: 'gpt-image-1', prompt: REQUEST.prompt, n: 1, size, quality: 'medium' });
  });

  it('asks for count images in one request, at quality high for hd', async () => {
    const files = await provider.generateImages({ ...REQUEST, count: 3, quality: 'hd' });

    expect(files).toHaveLength(3);
    const calls = fake.requests.filter((r) => r.path === '/v1/images/generations');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ n: 3, quality: 'high' });
  });

  it('edits by uploading the input bytes as the multipart field image', async () => {
    const photo = makePng(12, 8, [255, 0, 0, 255]);

    const [file] = await provider.generateImages({
      ...REQUEST,
      prompt: 'add a hat',
      aspectRatio: '16:9',
      inputImage: { bytes: photo, mime: 'image/png' },
    });

    expect(file && readPng(file.bytes)).toEqual({ width: 1536, height: 1024, topLeft: colorForText('add a hat') });
    const call = await fake.waitForRequest((r) => r.path === '/v1/images/edits');
    expect(FakeOpenAIApi.editInputImages(call).map((f) => [f.field, f.mimeType, f.data])).toEqual([
      ['image', 'image/png', photo],
    ]);
    expect((call.body as MultipartBody).fields).toMatchObject({
      model: 'gpt-image-1',
      prompt: 'add a hat',
      size: '1536x1024',
      quality: 'medium',
      n: '1',
    });
  });

  it('the safety system’s 400 moderation_blocked is refused, with OpenAI’s message kept for logs', async () => {
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, prompt: 'something forbidden here' }));
    expect([error.provider, error.kind, error.status]).toEqual(['openai', 'refused', 400]);
    expect(error.message).toContain('moderation_blocked');
    expect(error.message).toContain('safety system');
  });

  it('a 500 and a 429 are transient; a 429 for exhausted quota is auth', async () => {
    fake.failNext('POST /v1/images/generations', { status: 500 });
    const internal = await providerErrorOf(provider.generateImages(REQUEST));
    expect([internal.kind, internal.status]).toEqual(['transient', 500]);

    fake.failNext('POST /v1/images/generations', { status: 429 });
    const limited = await providerErrorOf(provider.generateImages(REQUEST));
    expect([limited.kind, limited.status]).toEqual(['transient', 429]);

    fake.failNext('POST /v1/images/generations', {
      status: 429,
      body: {
        error: {
          message: 'You exceeded your current quota.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      },
    });
    const quota = await providerErrorOf(provider.generateImages(REQUEST));
    expect([quota.kind, quota.status]).toEqual(['auth', 429]);
  });

  it('makes one request per call on a 429 (no SDK retries under ours) and reads Retry-After and the rate-limit reset', async () => {
    fake.failNext('POST /v1/images/generations', { status: 429, headers: { 'retry-after': '2' } });
    const limited = await providerErrorOf(provider.generateImages(REQUEST));
    expect([limited.kind, limited.reason, limited.retryAfterMs]).toEqual(['transient', 'rate_limited', 2_000]);

    fake.failNext('POST /v1/images/generations', { status: 429, headers: { 'x-ratelimit-reset-requests': '1m3s' } });
    const reset = await providerErrorOf(provider.generateImages(REQUEST));
    expect(reset.retryAfterMs).toBe(63_000);

    fake.failNext('POST /v1/images/generations', { status: 503 });
    const unavailable = await providerErrorOf(provider.generateImages(REQUEST));
    expect([unavailable.reason, unavailable.retryAfterMs]).toEqual(['server_error', undefined]);
    expect(fake.requests.filter((request) => request.path === '/v1/images/generations')).toHaveLength(3);
  });

  it('a 400 about the request is invalid', async () => {
    fake.failNext('POST /v1/images/generations', { status: 400 });
    const error = await providerErrorOf(provider.generateImages(REQUEST));
    expect([error.kind, error.status]).toEqual(['invalid', 400]);
  });

  it('a hung request is cut by the timeout and is transient, without retries', async () => {
    const impatient = createOpenAiImageProvider({ apiKey: fake.apiKey, baseUrl: fake.baseURL, timeoutMs: 200 });
    fake.hangNext('/v1/images/generations');

    const error = await providerErrorOf(impatient.generateImages(REQUEST));

    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
    expect(fake.requests).toHaveLength(1);
  });

  it('a dropped connection is transient', async () => {
    fake.hangNext('/v1/images/generations');
    const pending = providerErrorOf(provider.generateImages(REQUEST));
    await fake.waitForRequest((r) => r.path === '/v1/images/generations');
    await fake.close();

    const error = await pending;
    expect(error.kind).toBe('transient');
  });

  it('a wrong key is auth', async () => {
    const wrong = createOpenAiImageProvider({ apiKey: 'sk-wrong-key-123456', baseUrl: fake.baseURL });
    const error = await providerErrorOf(wrong.generateImages(REQUEST));
    expect([error.kind, error.status]).toEqual(['auth', 401]);
    expect(error.message).toContain('invalid_api_key');
  });

  it('the caller’s abort ends a hung request at once', async () => {
    fake.hangNext('/v1/images/generations');
    const controller = new AbortController();
    const pending = providerErrorOf(provider.generateImages({ ...REQUEST, signal: controller.signal }));
    await fake.waitForRequest((r) => r.path === '/v1/images/generations');

    controller.abort();
    const error = await pending;
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('aborted by the caller');
  });
});
