import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import { createOpenRouterImageProvider } from '#core/providers/openrouter/openrouter-image-provider';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { colorForText, makePng } from '#tests/fakes/test-png';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import {
  admit,
  balanceOf,
  ledgerOf,
  mediaDeliveriesOf,
  sha256,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';

/** Per-request timeout of the Google image adapter here: long for a local fake, short enough to wait out a hang. */
const GOOGLE_TIMEOUT_MS = 1_000;

const isGenerateContent = (request: RecordedRequest) =>
  request.method === 'POST' && request.path.endsWith(':generateContent');
const isOpenRouterCompletion = (request: RecordedRequest) =>
  request.method === 'POST' && request.path === '/api/v1/chat/completions';
const isOpenAiImage = (request: RecordedRequest) => request.method === 'POST' && request.path.startsWith('/v1/images/');
const mentions = (text: string) => (request: RecordedRequest) => request.rawBody.toString('utf8').includes(text);

/**
 * A generation from chat to chat through each real provider adapter and SDK, against the local
 * fakes of Google's and OpenAI's APIs: images from Google, OpenRouter and OpenAI (the registry's
 * fallback order), a Veo video, failover when the first stays down, a retry after a hang, and a refusal.
 */
describe('generation through the provider SDKs', () => {
  let google: FakeGoogleGenAIApi;
  let openai: FakeOpenAIApi;
  let t: TestCore;
  let nextUser = 2000;

  beforeAll(async () => {
    google = await FakeGoogleGenAIApi.start();
    openai = await FakeOpenAIApi.start();
    t = await createTestCore({
      env: { PROVIDER_RETRY_BASE_MS: '50', PROVIDER_RETRY_MAX_MS: '200' },
      providers: {
        image: [
          createGoogleImageProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl, timeoutMs: GOOGLE_TIMEOUT_MS }),
          createOpenRouterImageProvider({
            apiKey: openai.openrouterApiKey,
            baseUrl: openai.openrouterBaseURL,
            referer: 'http://127.0.0.1:3999',
            title: 'Imagine',
          }),
          createOpenAiImageProvider({ apiKey: openai.apiKey, baseUrl: openai.baseURL }),
        ],
        video: [createGoogleVideoProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await google?.close();
    await openai?.close();
  });

  async function newUser(): Promise<ChatUser> {
    nextUser += 1;
    const user = new ChatUser(t, String(nextUser));
    await user.onboard();
    return user;
  }

  /** Checks that the delivered file is `expected`, stored once with its sha256, and that the job was charged once. */
  async function expectDeliveredOnce(
    generationId: string,
    expected: {
      bytes: Buffer;
      mime: string;
      width?: number;
      height?: number;
      provider: string;
      model: string;
      cost: number;
    },
  ) {
    const media = await waitForMedia(t.notifier, generationId);
    const delivered = await media.items[0]!.load();
    expect(sha256(delivered)).toBe(sha256(expected.bytes));
    const assets = await t.database.prisma.mediaAsset.findMany({ where: { generationId, role: 'output' } });
    expect(assets).toHaveLength(1);
    const asset = assets[0]!;
    // An image's gallery thumbnail is stored beside it (videos have none).
    expect(await t.database.prisma.mediaAsset.count({ where: { thumbnailOfId: asset.id } })).toBe(
      expected.mime.startsWith('image/') ? 1 : 0,
    );
    expect(asset).toMatchObject({
      role: 'output',
      mime: expected.mime,
      bytes: expected.bytes.length,
      sha256: sha256(expected.bytes),
    });
    if (expected.width !== undefined) expect([asset.width, asset.height]).toEqual([expected.width, expected.height]);
    expect(media.items.map((item) => item.assetId)).toEqual([asset.id]);
    expect(sha256((await t.deps.media.get(asset.storageKey)) ?? Buffer.alloc(0))).toBe(asset.sha256);
    expect(mediaDeliveriesOf(t.notifier, generationId)).toHaveLength(1);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id: generationId } });
    // The caption names the model by its name in the models file.
    const modelName = t.deps.config.models.find((model) => model.id === expected.model)?.name;
    expect(renderText(media).startsWith(`Done with ${modelName}: `), renderText(media)).toBe(true);
    expect(generation).toMatchObject({
      status: 'succeeded',
      provider: expected.provider,
      model: expected.model,
      cost: expected.cost,
    });
    expect(await ledgerOf(t.database.prisma, generationId)).toEqual([
      ['reserve', -expected.cost],
      ['capture', 0],
    ]);
  }

  it('delivers a Google image: the bytes the API made are stored under their sha256 and reach the chat, charged once', async () => {
    const user = await newUser();
    const prompt = 'a red fox in fresh snow';
    const id = await admit(user, 'imagine', `${prompt} --ar 16:9`);
    await expectDeliveredOnce(id, {
      bytes: makePng(1344, 768, colorForText(prompt)),
      mime: 'image/png',
      width: 1344,
      height: 768,
      provider: 'google',
      model: 'gemini-2.5-flash-image',
      cost: 1,
    });
    const calls = google.requests.filter((request) => isGenerateContent(request) && mentions(prompt)(request));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
    expect(calls[0]!.body).toMatchObject({ generationConfig: { imageConfig: { aspectRatio: '16:9' } } });
    expect(await balanceOf(t, user.platformUserId)).toBe(9);
  });

  it('delivers an OpenRouter image the same way', async () => {
    const user = await newUser();
    const prompt = 'a paper boat on a puddle';
    const id = await admit(user, 'imagine', `${prompt} --ar 9:16 --model google/gemini-2.5-flash-image`);
    await expectDeliveredOnce(id, {
      bytes: makePng(768, 1344, colorForText(prompt)),
      mime: 'image/png',
      width: 768,
      height: 1344,
      provider: 'openrouter',
      model: 'google/gemini-2.5-flash-image',
      cost: 1,
    });
    const calls = openai.requests.filter((request) => isOpenRouterCompletion(request) && mentions(prompt)(request));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({
      model: 'google/gemini-2.5-flash-image',
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '9:16' },
    });
    expect(google.requests.some(mentions(prompt))).toBe(false);
  });

  it('delivers an OpenAI image the same way', async () => {
    const user = await newUser();
    const prompt = 'a tin robot watering tulips';
    const id = await admit(user, 'imagine', `${prompt} --ar 3:2 --model gpt-image-1`);
    await expectDeliveredOnce(id, {
      bytes: makePng(1536, 1024, colorForText(prompt)),
      mime: 'image/png',
      width: 1536,
      height: 1024,
      provider: 'openai',
      model: 'gpt-image-1',
      cost: 1,
    });
    const calls = openai.requests.filter((request) => isOpenAiImage(request) && mentions(prompt)(request));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ model: 'gpt-image-1', size: '1536x1024', n: 1 });
  });

  it('fails over to the next provider when the first answers 500 to every try of its route, and charges once', async () => {
    const user = await newUser();
    const prompt = 'a lantern in the fog';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), { status: 500, times: 3 });
    const id = await admit(user, 'imagine', prompt);
    await expectDeliveredOnce(id, {
      bytes: makePng(1024, 1024, colorForText(prompt)),
      mime: 'image/png',
      provider: 'openrouter',
      model: 'google/gemini-2.5-flash-image',
      cost: 1,
    });
    expect(google.requests.filter((request) => isGenerateContent(request) && mentions(prompt)(request))).toHaveLength(
      3,
    );
    expect(
      openai.requests.filter((request) => isOpenRouterCompletion(request) && mentions(prompt)(request)),
    ).toHaveLength(1);
    expect(openai.requests.filter((request) => isOpenAiImage(request) && mentions(prompt)(request))).toHaveLength(0);
    expect(await balanceOf(t, user.platformUserId)).toBe(9);
  });

  it('tries the same provider again when a call hangs past its per-request timeout', async () => {
    const user = await newUser();
    const prompt = 'a kite above the dunes';
    google.hangNext((request) => isGenerateContent(request) && mentions(prompt)(request));
    const startedAt = Date.now();
    const id = await admit(user, 'imagine', prompt);
    await expectDeliveredOnce(id, {
      bytes: makePng(1024, 1024, colorForText(prompt)),
      mime: 'image/png',
      provider: 'google',
      model: 'gemini-2.5-flash-image',
      cost: 1,
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(GOOGLE_TIMEOUT_MS);
    expect(google.requests.filter((request) => isGenerateContent(request) && mentions(prompt)(request))).toHaveLength(
      2,
    );
    expect(openai.requests.filter(mentions(prompt))).toHaveLength(0);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ providerAttempts: 2, providerLastError: 'google:timeout' });
    expect(await balanceOf(t, user.platformUserId)).toBe(9);
  });

  it('ends a refused prompt blocked with a full refund, and asks no other provider', async () => {
    const user = await newUser();
    const prompt = 'a zebracorn portrait';
    google.promptBlockTriggers.push('zebracorn');
    const id = await admit(user, 'imagine', prompt);
    const blocked = await waitForStatus(t.notifier, id, 'job.blocked');
    expect(blocked).toMatchObject({ text: { vars: { cost: 1, category: '{category.provider_safety}' } } });
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'blocked', errorCode: 'blocked:provider_safety', provider: 'google' });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(10);
    expect(google.requests.filter((request) => isGenerateContent(request) && mentions(prompt)(request))).toHaveLength(
      1,
    );
    expect(openai.requests.filter(mentions(prompt))).toHaveLength(0);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(0);
    const moderation = await t.database.prisma.moderationEvent.findMany({
      where: { generationId: id },
      select: { stage: true, verdict: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(moderation).toEqual([
      { stage: 'local', verdict: 'allowed' },
      { stage: 'provider:google', verdict: 'blocked' },
    ]);
  });

  it('makes a Veo video: starts one operation, stores its name before polling, polls it to done and delivers the file', async () => {
    const user = await newUser();
    const prompt = 'waves under a full moon';
    const id = await admit(user, 'video', `${prompt} --seconds 4`);
    const firstPoll = await google.waitForRequest(
      (request) => request.method === 'GET' && request.path.includes('/operations/'),
      10_000,
    );
    const stored = await t.database.prisma.generation.findUniqueOrThrow({
      where: { id },
      select: { providerOperation: true },
    });
    expect(stored.providerOperation).toMatch(/^models\/veo-3\.0-fast-generate-001\/operations\/[a-z0-9]+$/);
    expect(firstPoll.path).toBe(`/v1beta/${stored.providerOperation}`);

    const media = await waitForMedia(t.notifier, id, 20_000);
    const video = [...google.videos.values()].find((bytes) => bytes.includes(Buffer.from(prompt)));
    if (!video) throw new Error('the fake made no video for the prompt');
    expect(media.kind).toBe('video');
    expect(sha256(await media.items[0]!.load())).toBe(sha256(video));
    await expectDeliveredOnce(id, {
      bytes: video,
      mime: 'video/mp4',
      provider: 'google',
      model: 'veo-3.0-fast-generate-001',
      cost: 8,
    });

    const starts = google.requests.filter(
      (request) => request.path.endsWith(':predictLongRunning') && mentions(prompt)(request),
    );
    expect(starts).toHaveLength(1);
    expect(starts[0]!.body).toMatchObject({ parameters: { aspectRatio: '16:9', durationSeconds: 4 } });
    const polls = google.requests.filter(
      (request) => request.method === 'GET' && request.path === `/v1beta/${stored.providerOperation}`,
    );
    expect(polls).toHaveLength(google.videoPollsUntilDone);
    expect(await balanceOf(t, user.platformUserId)).toBe(2);
  });

  it('keeps the ledger consistent for every user', async () => {
    expect(await findLedgerViolations(t.database.prisma)).toEqual([]);
  });
});
