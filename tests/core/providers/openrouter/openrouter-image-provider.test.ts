import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenRouterImageProvider } from '#core/providers/openrouter/openrouter-image-provider';
import type { AspectRatio, ImageProvider, ImageRequest } from '#core/providers/ports';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const MODEL = 'google/gemini-2.5-flash-image';
const REQUEST: ImageRequest = {
  prompt: 'a red fox in snow',
  model: MODEL,
  aspectRatio: '1:1',
  count: 1,
  quality: 'standard',
};
const CHAT = '/api/v1/chat/completions';

type ChatBody = {
  model: string;
  messages: Array<{ role: string; content: Array<{ type: string; text?: string; image_url?: { url: string } }> }>;
  modalities: string[];
  image_config: { aspect_ratio: string };
  seed?: number;
};

describe('createOpenRouterImageProvider over the real openai SDK', () => {
  let fake: FakeOpenAIApi;
  let provider: ImageProvider;

  beforeEach(async () => {
    fake = await FakeOpenAIApi.start({ openrouterRefusalTriggers: ['gore'] });
    provider = createOpenRouterImageProvider({
      apiKey: fake.openrouterApiKey,
      baseUrl: fake.openrouterBaseURL,
      referer: 'https://imagine.example',
      title: 'Imagine',
    });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  const chatCalls = () => fake.requests.filter((r) => r.path === CHAT);

  it('presents itself as openrouter with Gemini image as the default model, editing, up to 4 images', () => {
    expect(provider.name).toBe('openrouter');
    expect(provider.capabilities).toEqual({ models: ['google/gemini-2.5-flash-image'], canEdit: true, maxCount: 4 });
  });

  it.each<[AspectRatio, number, number]>([
    ['1:1', 1024, 1024],
    ['16:9', 1344, 768],
    ['2:3', 832, 1248],
  ])(
    'turns a prompt into a decodable %s PNG of %ix%i with the attribution headers',
    async (aspectRatio, width, height) => {
      const [file, ...rest] = await provider.generateImages({ ...REQUEST, aspectRatio });

      expect(rest).toEqual([]);
      expect(file && { ...readPng(file.bytes), mime: file.mime, reported: [file.width, file.height] }).toEqual({
        width,
        height,
        topLeft: colorForText(REQUEST.prompt),
        mime: 'image/png',
        reported: [width, height],
      });
      const [call] = chatCalls();
      expect(call?.headers).toMatchObject({
        authorization: `Bearer ${fake.openrouterApiKey}`,
        'http-referer': 'https://imagine.example',
        'x-title': 'Imagine',
      });
      expect(call?.body).toEqual({
        model: MODEL,
        messages: [{ role: 'user', content: [{ type: 'text', text: REQUEST.prompt }] }],
        modalities: ['image', 'text'],
        image_config: { aspect_ratio: aspectRatio },
      });
    },
  );

  it('makes count images with one request each, each with its own seed', async () => {
    const files = await provider.generateImages({ ...REQUEST, count: 2, seed: 9 });

    expect(files).toHaveLength(2);
    expect(
      chatCalls()
        .map((call) => (call.body as ChatBody).seed ?? 0)
        .sort((a, b) => a - b),
    ).toEqual([9, 10]);
  });

  it('edits by sending the photo as an image_url part holding a data URL of its bytes', async () => {
    const photo = makePng(10, 10, [0, 255, 0, 255]);

    const [file] = await provider.generateImages({
      ...REQUEST,
      prompt: 'make it winter',
      inputImage: { bytes: photo, mime: 'image/png' },
    });

    expect(file && readPng(file.bytes).topLeft).toEqual(colorForText('make it winter'));
    const content = (chatCalls()[0]?.body as ChatBody).messages[0]?.content ?? [];
    expect(content[0]).toEqual({ type: 'text', text: 'make it winter' });
    const url = content[1]?.image_url?.url ?? '';
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64').equals(photo)).toBe(true);
  });

  it('a 200 that ends with finish_reason content_filter and no image is refused', async () => {
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, prompt: 'lots of gore' }));
    expect([error.provider, error.kind]).toEqual(['openrouter', 'refused']);
    expect(error.message).toContain('content_filter');
  });

  it('a 403 moderation error is refused', async () => {
    fake.openrouterRefusalMode = 'error';
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, prompt: 'lots of gore' }));
    expect([error.kind, error.status]).toEqual(['refused', 403]);
    expect(error.message).toContain('flagged');
  });

  it('a 403 without moderation metadata and a 402 (no credits) are auth', async () => {
    fake.failNext(`POST ${CHAT}`, { status: 403 });
    const forbidden = await providerErrorOf(provider.generateImages(REQUEST));
    expect([forbidden.kind, forbidden.status]).toEqual(['auth', 403]);

    fake.failNext(`POST ${CHAT}`, { status: 402 });
    const broke = await providerErrorOf(provider.generateImages(REQUEST));
    expect([broke.kind, broke.status]).toEqual(['auth', 402]);
  });

  it('a 500 and a 429 are transient', async () => {
    fake.failNext(`POST ${CHAT}`, { status: 500 });
    const internal = await providerErrorOf(provider.generateImages(REQUEST));
    expect([internal.kind, internal.status]).toEqual(['transient', 500]);

    fake.failNext(`POST ${CHAT}`, { status: 429 });
    const limited = await providerErrorOf(provider.generateImages(REQUEST));
    expect([limited.kind, limited.status]).toEqual(['transient', 429]);
  });

  it('one failed request of a batch fails the batch', async () => {
    fake.failNext(`POST ${CHAT}`, { status: 500 });
    const error = await providerErrorOf(provider.generateImages({ ...REQUEST, count: 3 }));
    expect(error.kind).toBe('transient');
  });

  it('a hung request is cut by the timeout and is transient', async () => {
    const impatient = createOpenRouterImageProvider({
      apiKey: fake.openrouterApiKey,
      baseUrl: fake.openrouterBaseURL,
      referer: 'https://imagine.example',
      title: 'Imagine',
      timeoutMs: 200,
    });
    fake.hangNext(CHAT);

    const error = await providerErrorOf(impatient.generateImages(REQUEST));
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
    expect(chatCalls()).toHaveLength(1);
  });

  it('a wrong key is auth', async () => {
    const wrong = createOpenRouterImageProvider({
      apiKey: 'sk-or-v1-wrong',
      baseUrl: fake.openrouterBaseURL,
      referer: 'https://imagine.example',
      title: 'Imagine',
    });
    const error = await providerErrorOf(wrong.generateImages(REQUEST));
    expect([error.kind, error.status]).toEqual(['auth', 401]);
  });

  it('the caller’s abort ends a hung request at once', async () => {
    fake.hangNext(CHAT);
    const controller = new AbortController();
    const pending = providerErrorOf(provider.generateImages({ ...REQUEST, signal: controller.signal }));
    await fake.waitForRequest((r) => r.path === CHAT);

    controller.abort();
    const error = await pending;
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('aborted by the caller');
  });
});
