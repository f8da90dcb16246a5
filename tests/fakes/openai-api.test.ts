import OpenAI, { type APIError, toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import type { OpenRouterChatCompletion } from '#tests/fakes/openai-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';

describe('FakeOpenAIApi with the real openai SDK', () => {
  let fake: FakeOpenAIApi;
  let client: OpenAI;

  beforeEach(async () => {
    fake = await FakeOpenAIApi.start({
      moderationWords: { knife: 'violence', nude: 'sexual' },
      imageRefusalTriggers: ['forbidden'],
      openrouterRefusalTriggers: ['gore'],
    });
    client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('images.generate returns a decodable PNG of the requested size, with usage', async () => {
    const result = await client.images.generate({
      model: 'gpt-image-1',
      prompt: 'a lighthouse at dusk',
      size: '1536x1024',
      quality: 'low',
      n: 2,
    });

    expect(result.data).toHaveLength(2);
    const png = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    const decoded = readPng(png);
    expect(decoded).toMatchObject({ width: 1536, height: 1024 });
    expect(decoded.topLeft).toEqual(colorForText('a lighthouse at dusk'));
    expect(result.size).toBe('1536x1024');
    expect(result.usage?.output_tokens).toBe(400 * 2);

    const request = await fake.waitForRequest((r) => r.path === '/v1/images/generations');
    expect(request.body).toMatchObject({ model: 'gpt-image-1', n: 2, size: '1536x1024', quality: 'low' });
    expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('images.edit uploads the input bytes as multipart (image and image[])', async () => {
    const first = makePng(8, 8, [255, 0, 0, 255]);
    const second = makePng(4, 4, [0, 255, 0, 255]);

    const single = await client.images.edit({
      model: 'gpt-image-1',
      prompt: 'add a hat',
      image: await toFile(first, 'photo.png', { type: 'image/png' }),
    });
    expect(readPng(Buffer.from(single.data?.[0]?.b64_json ?? '', 'base64')).width).toBe(1024);

    await client.images.edit({
      model: 'gpt-image-1',
      prompt: 'merge them',
      image: [
        await toFile(first, 'a.png', { type: 'image/png' }),
        await toFile(second, 'b.png', { type: 'image/png' }),
      ],
    });

    const [one, two] = fake.requests.filter((r) => r.path === '/v1/images/edits');
    expect(one && FakeOpenAIApi.editInputImages(one).map((f) => [f.field, f.filename, f.data])).toEqual([
      ['image', 'photo.png', first],
    ]);
    expect(two && FakeOpenAIApi.editInputImages(two).map((f) => [f.field, f.data])).toEqual([
      ['image[]', first],
      ['image[]', second],
    ]);
    expect(one?.body).toMatchObject({ fields: { prompt: 'add a hat', model: 'gpt-image-1' } });
  });

  it('moderations.create flags configured words with the omni-moderation shape', async () => {
    const result = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: ['a knife fight', 'a sunny day'],
    });
    expect(result.results.map((r) => r.flagged)).toEqual([true, false]);
    expect(result.results[0]?.categories.violence).toBe(true);
    expect(result.results[0]?.categories.sexual).toBe(false);
    expect(result.results[0]?.category_scores.violence).toBeGreaterThan(0.5);
    expect(result.results[0]?.category_applied_input_types.violence).toEqual(['text']);

    const multimodal = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: [
        { type: 'text', text: 'please look' },
        { type: 'image_url', image_url: { url: 'https://example.test/nude.png' } },
      ],
    });
    expect(multimodal.results).toHaveLength(1);
    expect(multimodal.results[0]?.categories.sexual).toBe(true);
    expect(multimodal.results[0]?.category_applied_input_types.sexual).toEqual(['text', 'image']);
    expect(multimodal.results[0]?.category_applied_input_types.hate).toEqual(['text']);
  });

  it('a safety refusal raises BadRequestError with code moderation_blocked', async () => {
    const error = await client.images
      .generate({ model: 'gpt-image-1', prompt: 'something forbidden here' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'moderation_blocked', type: 'image_generation_user_error' });
  });

  it('validation errors look like the API: response_format on gpt-image-1, bad size', async () => {
    await expect(
      client.images.generate({ model: 'gpt-image-1', prompt: 'x', response_format: 'b64_json' }),
    ).rejects.toMatchObject({ status: 400, param: 'response_format', code: 'unknown_parameter' });
    await expect(client.images.generate({ model: 'gpt-image-1', prompt: 'x', size: '512x512' })).rejects.toMatchObject({
      status: 400,
      param: 'size',
      code: 'invalid_value',
    });
  });

  it('an injected 500 raises InternalServerError, once', async () => {
    fake.failNext('POST /v1/images/generations', { status: 500 });
    const error = await client.images.generate({ model: 'gpt-image-1', prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: 'server_error' });

    await expect(client.images.generate({ model: 'gpt-image-1', prompt: 'x' })).resolves.toBeDefined();
  });

  it('a hung request plus the SDK timeout raises APIConnectionTimeoutError, and close releases it', async () => {
    fake.hangNext('/v1/images/generations');
    const error = await client.images
      .generate({ model: 'gpt-image-1', prompt: 'x' }, { timeout: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a hung request without a client timeout is released by close()', async () => {
    fake.hangNext('/v1/moderations');
    const pending = client.moderations.create({ input: 'hello' }).catch((e: unknown) => e);
    await fake.waitForRequest((r) => r.path === '/v1/moderations');
    await fake.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('a wrong key raises AuthenticationError with invalid_api_key', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123456', baseURL: fake.baseURL, maxRetries: 0 });
    await expect(wrong.moderations.create({ input: 'hi' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      constructor: OpenAI.AuthenticationError,
    });
  });

  describe('OpenRouter', () => {
    let openrouter: OpenAI;

    beforeEach(() => {
      openrouter = new OpenAI({
        apiKey: fake.openrouterApiKey,
        baseURL: fake.openrouterBaseURL,
        maxRetries: 0,
        defaultHeaders: { 'HTTP-Referer': 'https://imagine.example', 'X-Title': 'Imagine Bot' },
      });
    });

    it('returns the image as a data URL on message.images and records the attribution headers', async () => {
      const params = {
        model: 'google/gemini-2.5-flash-image',
        messages: [{ role: 'user' as const, content: 'a red fox' }],
        modalities: ['image', 'text'],
        image_config: { aspect_ratio: '16:9' },
      };
      const completion = (await openrouter.chat.completions.create(
        params as OpenAI.ChatCompletionCreateParamsNonStreaming,
      )) as unknown as OpenRouterChatCompletion;

      const message = completion.choices[0]?.message;
      expect(message?.content).toBeTruthy();
      const url = message?.images?.[0]?.image_url.url ?? '';
      expect(url.startsWith('data:image/png;base64,')).toBe(true);
      const png = readPng(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
      expect(png).toMatchObject({ width: 1344, height: 768, topLeft: colorForText('a red fox') });

      const request = await fake.waitForRequest((r) => r.path === '/api/v1/chat/completions');
      expect(request.headers['http-referer']).toBe('https://imagine.example');
      expect(request.headers['x-title']).toBe('Imagine Bot');
      expect(request.body).toMatchObject({ modalities: ['image', 'text'] });
    });

    it('refuses with finish_reason content_filter, or with a 403 moderation error', async () => {
      const params = {
        model: 'google/gemini-2.5-flash-image',
        messages: [{ role: 'user' as const, content: 'lots of gore' }],
        modalities: ['image', 'text'],
      } as OpenAI.ChatCompletionCreateParamsNonStreaming;

      const refused = (await openrouter.chat.completions.create(params)) as unknown as OpenRouterChatCompletion;
      expect(refused.choices[0]?.finish_reason).toBe('content_filter');
      expect(refused.choices[0]?.message.images).toBeUndefined();

      fake.openrouterRefusalMode = 'error';
      const error = await openrouter.chat.completions.create(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((error as APIError).error).toMatchObject({ code: 403, metadata: { reasons: ['gore'] } });
    });

    it('rejects the OpenAI key with an OpenRouter-shaped 401', async () => {
      const wrong = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.openrouterBaseURL, maxRetries: 0 });
      const error = await wrong.chat.completions
        .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as APIError).error).toEqual({ message: 'User not found.', code: 401 });
    });
  });
});
