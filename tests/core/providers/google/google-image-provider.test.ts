import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import type { AspectRatio, ImageProvider, ImageRequest } from '#core/providers/ports';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const MODEL = 'gemini-2.5-flash-image';
const REQUEST: ImageRequest = {
  prompt: 'a lighthouse at dusk',
  model: MODEL,
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};

type GenerateBody = {
  contents: Array<{ parts: Array<{ text?: string }> }>;
  generationConfig: {
    responseModalities?: string[];
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    seed?: number;
  };
};

describe('createGoogleImageProvider over the real @google/genai SDK', () => {
  let fake: FakeGoogleGenAIApi;
  let provider: ImageProvider;

  beforeEach(async () => {
    fake = await FakeGoogleGenAIApi.start({ promptBlockTriggers: ['blockme'], imageSafetyTriggers: ['unsafeimg'] });
    provider = createGoogleImageProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  const generateCalls = () => fake.requests.filter((r) => r.path === `/v1beta/models/${MODEL}:generateContent`);

  it('presents itself as google with Gemini image as the default model, editing, up to 4 images', () => {
    expect(provider.name).toBe('google');
    expect(provider.capabilities).toEqual({ models: ['gemini-2.5-flash-image'], canEdit: true, maxCount: 4 });
    expect(
      createGoogleImageProvider({ apiKey: 'k', models: ['gemini-3-pro-image-preview', MODEL] }).capabilities.models[0],
    ).toBe('gemini-3-pro-image-preview');
  });

  it.each<[AspectRatio, number, number]>([
    ['1:1', 1024, 1024],
    ['16:9', 1344, 768],
    ['9:16', 768, 1344],
    ['3:4', 864, 1184],
    ['3:2', 1248, 832],
  ])('turns a prompt into a decodable %s PNG of %ix%i, reporting its size', async (aspectRatio, width, height) => {
    const [file, ...rest] = await provider.generateImages({ ...REQUEST, aspectRatio });

    expect(rest).toEqual([]);
    expect(file?.mime).toBe('image/png');
    expect([file?.width, file?.height]).toEqual([width, height]);
    const png = readPng(file?.bytes ?? Buffer.alloc(0));
    expect(png).toEqual({ width, height, topLeft: colorForText(REQUEST.prompt) });

    const [call] = generateCalls();
    expect(call?.headers['x-goog-api-key']).toBe(fake.apiKey);
    const body = call?.body as GenerateBody;
    expect(body.contents[0]?.parts).toEqual([{ text: REQUEST.prompt }]);
    expect(body.generationConfig.responseModalities).toEqual(['TEXT', 'IMAGE']);
    expect(body.generationConfig.imageConfig).toEqual({ aspectRatio });
  });

  it('makes count images with one request each, each with its own seed so they differ', async () => {
    const files = await provider.generateImages({ ...REQUEST, count: 3, seed: 40 });

    expect(files).toHaveLength(3);
    for (const file of files) expect(readPng(file.bytes).topLeft).toEqual(colorForText(REQUEST.prompt));
    const seeds = generateCalls().map((call) => (call.body as GenerateBody).generationConfig.seed ?? 0);
    expect(seeds.sort((a, b) => a - b)).toEqual([40, 41, 42]);
  });

  it('asks Gemini 3 image models for 2K when quality is hd, and Gemini 2.5 for its only size', async () => {
    const gemini3 = createGoogleImageProvider({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      models: ['gemini-3-pro-image-preview'],
    });
    const [big] = await gemini3.generateImages({ ...REQUEST, model: 'gemini-3-pro-image-preview', quality: 'hd' });
    expect([big?.width, big?.height]).toEqual([2048, 2048]);

    const [standard] = await provider.generateImages({ ...REQUEST, quality: 'hd' });
    expect([standard?.width, standard?.height]).toEqual([1024, 1024]);
  });

  it('sends the photo to edit as an inlineData part after the prompt', async () => {
    const photo = makePng(16, 12, [255, 0, 0, 255]);

    const [file] = await provider.generateImages({
      ...REQUEST,
      prompt: 'give it a hat',
      inputImage: { bytes: photo, mime: 'image/png' },
    });

    expect(file && readPng(file.bytes).topLeft).toEqual(colorForText('give it a hat'));
    const [call] = generateCalls();
    expect(call && FakeGoogleGenAIApi.inlineDataOf(call)).toEqual([{ mimeType: 'image/png', data: photo }]);
    expect((call?.body as GenerateBody).contents[0]?.parts[0]).toEqual({ text: 'give it a hat' });
  });

  it('a prompt blocked by promptFeedback is refused', async () => {
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, prompt: 'please blockme now' }));
    expect([error.provider, error.kind]).toEqual(['google', 'refused']);
    expect(error.message).toContain('SAFETY');
  });

  it('an image stopped with finishReason IMAGE_SAFETY is refused', async () => {
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, prompt: 'an unsafeimg scene' }));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('IMAGE_SAFETY');
  });

  it('a 500 and a 429 are transient, with the status and Google’s message kept for logs', async () => {
    fake.failNext(`POST /v1beta/models/${MODEL}:generateContent`, { status: 500 });
    const internal = await providerErrorOf(provider.generateImages(REQUEST));
    expect([internal.kind, internal.status]).toEqual(['transient', 500]);
    expect(internal.message).toContain('Injected failure (500)');

    fake.failNext(`POST /v1beta/models/${MODEL}:generateContent`, { status: 429 });
    const limited = await providerErrorOf(provider.generateImages(REQUEST));
    expect([limited.kind, limited.status]).toEqual(['transient', 429]);
  });

  it('makes one request per call on a 503 (no SDK retries under ours) and reads the wait Google asks for', async () => {
    fake.failNext(`POST /v1beta/models/${MODEL}:generateContent`, { status: 503, headers: { 'retry-after': '3' } });
    const unavailable = await providerErrorOf(provider.generateImages(REQUEST));
    expect([unavailable.kind, unavailable.reason, unavailable.status, unavailable.retryAfterMs]).toEqual([
      'transient',
      'server_error',
      503,
      3_000,
    ]);
    expect(generateCalls()).toHaveLength(1);

    fake.failNext(`POST /v1beta/models/${MODEL}:generateContent`, {
      status: 429,
      body: {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'Quota exceeded',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
        },
      },
    });
    const limited = await providerErrorOf(provider.generateImages(REQUEST));
    expect([limited.kind, limited.reason, limited.retryAfterMs]).toEqual(['transient', 'rate_limited', 7_000]);
    expect(generateCalls()).toHaveLength(2);
  });

  it('a reset connection is a transient network failure', async () => {
    fake.resetNext(`POST /v1beta/models/${MODEL}:generateContent`);
    const error = await providerErrorOf(provider.generateImages(REQUEST));
    expect([error.kind, error.reason]).toEqual(['transient', 'network']);
    expect(generateCalls()).toHaveLength(1);
  });

  it('a 400 that is not about the key is invalid', async () => {
    fake.failNext(`POST /v1beta/models/${MODEL}:generateContent`, { status: 400 });
    const error = await providerErrorOf(provider.generateImages(REQUEST));
    expect([error.kind, error.status]).toEqual(['invalid', 400]);
  });

  it('a hung request is cut by the timeout and is transient', async () => {
    const impatient = createGoogleImageProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 200 });
    fake.hangNext('/v1beta/models/*');

    const started = Date.now();
    const error = await providerErrorOf(impatient.generateImages(REQUEST));

    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(generateCalls()).toHaveLength(1);
  });

  it('a wrong key (400 API_KEY_INVALID) is auth', async () => {
    const wrong = createGoogleImageProvider({ apiKey: 'not-the-key', baseUrl: fake.baseUrl });
    const error = await providerErrorOf(wrong.generateImages(REQUEST));
    expect([error.kind, error.status]).toEqual(['auth', 400]);
    expect(error.message).toContain('API key not valid');
  });

  it('the caller’s abort ends a hung request at once', async () => {
    fake.hangNext('/v1beta/models/*');
    const controller = new AbortController();
    const pending = providerErrorOf(provider.generateImages({ ...REQUEST, signal: controller.signal }));
    await fake.waitForRequest((r) => r.path.endsWith(':generateContent'));

    controller.abort();
    const error = await pending;

    expect(error.kind).toBe('transient');
    expect(error.message).toContain('aborted by the caller');
  });

  it('rejects a count it cannot make without calling the API', async () => {
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, count: 5 }));
    expect(error.kind).toBe('invalid');
    expect(fake.requests).toEqual([]);
  });
});
