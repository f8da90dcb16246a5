import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '#core/metrics/create-metrics';
import { createGoogleImageProvider } from '#core/providers/google/google-image-provider';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import { createOpenAiImageProvider } from '#core/providers/openai/openai-image-provider';
import {
  admit,
  balanceOf,
  ledgerOf,
  mediaDeliveriesOf,
  sha256,
  statusKeysOf,
  waitForMedia,
  waitForStatus,
} from '#tests/core/generation/generation-helpers';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import type { RecordedRequest } from '#tests/fakes/http-recorder';
import { FakeOpenAIApi } from '#tests/fakes/openai-api';
import { colorForText, makePng } from '#tests/fakes/test-png';
import { ChatUser } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { createTestCore, type TestCore } from '#tests/support/test-core';

/** How long an opened circuit skips its provider in the breaker tests: long enough for a second job to meet it open on a loaded machine. */
const BREAKER_OPEN_MS = 4_000;

/** Per-request timeout of the Google adapter here: long enough that a loaded machine never times a call out by accident. */
const GOOGLE_TIMEOUT_MS = 10_000;

const isGenerateContent = (request: RecordedRequest) =>
  request.method === 'POST' && request.path.endsWith(':generateContent');
const isOpenAiImage = (request: RecordedRequest) => request.method === 'POST' && request.path.startsWith('/v1/images/');
const mentions = (text: string) => (request: RecordedRequest) => request.rawBody.toString('utf8').includes(text);
const googleCallsFor = (google: FakeGoogleGenAIApi, prompt: string) =>
  google.requests.filter((request) => isGenerateContent(request) && mentions(prompt)(request));
const openAiCallsFor = (openai: FakeOpenAIApi, prompt: string) =>
  openai.requests.filter((request) => isOpenAiImage(request) && mentions(prompt)(request));

type Setup = {
  google: FakeGoogleGenAIApi;
  openai: FakeOpenAIApi;
  t: TestCore;
  metrics: Metrics;
  newUser(): Promise<ChatUser>;
};

/** Both fakes and a core with Google first and OpenAI second, short backoffs and the given settings. */
async function openSetup(env: Record<string, string>, firstUser: number): Promise<Setup> {
  const google = await FakeGoogleGenAIApi.start();
  const openai = await FakeOpenAIApi.start();
  const t = await createTestCore({
    env: { PROVIDER_RETRY_BASE_MS: '50', PROVIDER_RETRY_MAX_MS: '200', PROVIDER_ATTEMPTS_PER_ROUTE: '3', ...env },
    providers: {
      image: [
        createGoogleImageProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl, timeoutMs: GOOGLE_TIMEOUT_MS }),
        createOpenAiImageProvider({ apiKey: openai.apiKey, baseUrl: openai.baseURL }),
      ],
      video: [createGoogleVideoProvider({ apiKey: google.apiKey, baseUrl: google.baseUrl })],
    },
  });
  const metrics = createMetrics({ queue: t.deps.queue, logger: t.deps.logger });
  t.deps.metrics = metrics;
  let nextUser = firstUser;
  return {
    google,
    openai,
    t,
    metrics,
    newUser: async () => {
      nextUser += 1;
      const user = new ChatUser(t, String(nextUser));
      await user.onboard();
      return user;
    },
  };
}

async function closeSetup(setup: Setup | undefined): Promise<void> {
  await setup?.t.close();
  await setup?.google.close();
  await setup?.openai.close();
}

/** The value of one labelled series of a counter in the process's /metrics registry. */
async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const series = metric?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return series?.value ?? 0;
}

/** Checks that a Google picture for `prompt` reached the chat once and the job was charged once. */
async function expectGooglePicture(setup: Setup, generationId: string, prompt: string, provider = 'google') {
  const media = await waitForMedia(setup.t.notifier, generationId, 20_000);
  const width = 1024;
  expect(sha256(await media.items[0]!.load())).toBe(sha256(makePng(width, width, colorForText(prompt))));
  expect(mediaDeliveriesOf(setup.t.notifier, generationId)).toHaveLength(1);
  const generation = await setup.t.database.prisma.generation.findUniqueOrThrow({ where: { id: generationId } });
  expect(generation).toMatchObject({ status: 'succeeded', provider, cost: 1 });
  expect(await ledgerOf(setup.t.database.prisma, generationId)).toEqual([
    ['reserve', -1],
    ['capture', 0],
  ]);
  return generation;
}

describe('transient provider failures cost the user nothing', () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await openSetup({ PROVIDER_BREAKER_FAILURES: '50' }, 7000);
  });

  afterAll(async () => {
    await closeSetup(setup);
  });

  it('retries a provider that answers 503 twice on the same model, delivers its picture and charges once', async () => {
    const { google, openai, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a lighthouse at dawn';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), { status: 503, times: 2 });
    const id = await admit(user, 'imagine', prompt);
    const generation = await expectGooglePicture(setup, id, prompt);
    expect(googleCallsFor(google, prompt)).toHaveLength(3);
    expect(openAiCallsFor(openai, prompt)).toHaveLength(0);
    expect(generation).toMatchObject({
      providerAttempts: 3,
      providerLastError: 'google:server_error:503',
      model: 'gemini-2.5-flash-image',
    });
    expect(statusKeysOf(t.notifier, id)).toContain('job.provider_busy');
    expect(await balanceOf(t, user.platformUserId)).toBe(9);
    expect(
      await counterValue(setup.metrics, 'imagine_provider_retries_total', {
        provider: 'google',
        cause: 'server_error',
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('retries a call whose connection was reset', async () => {
    const { google } = setup;
    const user = await setup.newUser();
    const prompt = 'a windmill in the rain';
    google.resetNext((request) => isGenerateContent(request) && mentions(prompt)(request));
    const id = await admit(user, 'imagine', prompt);
    const generation = await expectGooglePicture(setup, id, prompt);
    expect(googleCallsFor(google, prompt)).toHaveLength(2);
    expect(generation).toMatchObject({ providerAttempts: 2, providerLastError: 'google:network' });
  });

  it('waits out a 429 with Retry-After: 2, and the next job on that provider waits too', async () => {
    const { google, openai, t } = setup;
    const [first, second] = [await setup.newUser(), await setup.newUser()];
    const firstPrompt = 'a heron in the reeds';
    const secondPrompt = 'a fox under the stars';
    google.failNext((request) => isGenerateContent(request) && mentions(firstPrompt)(request), {
      status: 429,
      headers: { 'retry-after': '2' },
      times: 1,
    });
    const firstId = await admit(first, 'imagine', firstPrompt);
    const throttled = await google.waitForRequest(
      (request) => isGenerateContent(request) && mentions(firstPrompt)(request),
      10_000,
    );
    const secondId = await admit(second, 'imagine', secondPrompt);

    await expectGooglePicture(setup, firstId, firstPrompt);
    await expectGooglePicture(setup, secondId, secondPrompt);
    const firstCalls = googleCallsFor(google, firstPrompt);
    expect(firstCalls).toHaveLength(2);
    expect(firstCalls[1]!.at.getTime() - throttled.at.getTime()).toBeGreaterThanOrEqual(1_950);
    const secondCalls = googleCallsFor(google, secondPrompt);
    expect(secondCalls).toHaveLength(1);
    expect(secondCalls[0]!.at.getTime() - throttled.at.getTime()).toBeGreaterThanOrEqual(1_950);
    expect(openAiCallsFor(openai, firstPrompt)).toHaveLength(0);
    expect(statusKeysOf(t.notifier, secondId)).toContain('job.provider_busy');
    expect(
      await counterValue(setup.metrics, 'imagine_provider_retries_total', {
        provider: 'google',
        cause: 'rate_limited',
      }),
    ).toBe(1);
  });

  it('never retries a safety refusal: one call at the provider, blocked and refunded', async () => {
    const { google, openai, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a wolfbat on a roof';
    google.promptBlockTriggers.push('wolfbat');
    const id = await admit(user, 'imagine', prompt);
    await waitForStatus(t.notifier, id, 'job.blocked');
    expect(googleCallsFor(google, prompt)).toHaveLength(1);
    expect(openai.requests.filter(mentions(prompt))).toHaveLength(0);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(statusKeysOf(t.notifier, id)).not.toContain('job.provider_busy');
  });

  it('never retries an authentication failure: the next provider is asked at once', async () => {
    const { google, openai } = setup;
    const user = await setup.newUser();
    const prompt = 'a kettle singing';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), { status: 403, times: 5 });
    const id = await admit(user, 'imagine', prompt);
    await waitForMedia(setup.t.notifier, id, 20_000);
    expect(googleCallsFor(google, prompt)).toHaveLength(1);
    expect(openAiCallsFor(openai, prompt)).toHaveLength(1);
    google.clearInjections();
  });

  it('refunds at once when every provider refuses our key, asking each only once', async () => {
    const { google, openai, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a parrot reading a map';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), { status: 401, times: 5 });
    openai.failNext((request) => isOpenAiImage(request) && mentions(prompt)(request), { status: 401, times: 5 });
    const id = await admit(user, 'imagine', prompt);
    const failed = await waitForStatus(t.notifier, id, 'job.failed', 10_000);
    expect(failed).toMatchObject({ text: { vars: { cost: 1, reason: '{reason.provider_unavailable}' } } });
    expect(googleCallsFor(google, prompt)).toHaveLength(1);
    expect(openAiCallsFor(openai, prompt)).toHaveLength(1);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    google.clearInjections();
    openai.clearInjections();
  });

  it('fails over to the second configured provider when the first stays down', async () => {
    const { google, openai, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a canoe on a still lake';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), {
      status: 500,
      times: 1_000,
    });
    const id = await admit(user, 'imagine', prompt);
    const media = await waitForMedia(t.notifier, id, 20_000);
    expect(sha256(await media.items[0]!.load())).toBe(sha256(makePng(1024, 1024, colorForText(prompt))));
    expect(googleCallsFor(google, prompt)).toHaveLength(3);
    expect(openAiCallsFor(openai, prompt)).toHaveLength(1);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({
      status: 'succeeded',
      provider: 'openai',
      model: 'gpt-image-1',
      providerAttempts: 4,
    });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['capture', 0],
    ]);
    google.clearInjections();
  });

  it('retries a failed poll of a video by resuming the same operation, never paying for a second one', async () => {
    const { google, t } = setup;
    const user = await setup.newUser();
    const prompt = 'tides over a basalt shore';
    google.failNext((request) => request.method === 'GET' && request.path.includes('/operations/'), {
      status: 503,
      times: 1,
    });
    const id = await admit(user, 'video', `${prompt} --seconds 4`);
    await waitForMedia(t.notifier, id, 30_000);
    expect(
      google.requests.filter((request) => request.path.endsWith(':predictLongRunning') && mentions(prompt)(request)),
    ).toHaveLength(1);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({
      status: 'succeeded',
      providerAttempts: 2,
      providerLastError: 'google:server_error:503',
    });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -8],
      ['capture', 0],
    ]);
  });

  it('starts a new video operation when the stored one failed, and charges once', async () => {
    const { google, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a glacier calving at noon';
    google.videoErrorTriggers.push('glacier');
    const isStart = (request: RecordedRequest) =>
      request.path.endsWith(':predictLongRunning') && mentions(prompt)(request);
    const id = await admit(user, 'video', `${prompt} --seconds 4`);
    await google.waitForRequest(isStart, 10_000);
    // Only the first operation is made to fail: the fake decides when it starts one, which it has once it is polled.
    await google.waitForRequest((request) => request.method === 'GET' && request.path.includes('/operations/'), 10_000);
    google.videoErrorTriggers.splice(google.videoErrorTriggers.indexOf('glacier'), 1);
    await waitForMedia(t.notifier, id, 30_000);
    expect(google.requests.filter(isStart)).toHaveLength(2);
    expect(await t.database.prisma.generation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'succeeded',
      providerAttempts: 2,
      providerLastError: 'google:operation_failed',
    });
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -8],
      ['capture', 0],
    ]);
  });

  it('keeps the ledger consistent for every user', async () => {
    expect(await findLedgerViolations(setup.t.database.prisma)).toEqual([]);
  });
});

describe('a provider that keeps failing', () => {
  let setup: Setup;

  beforeAll(async () => {
    setup = await openSetup(
      {
        PROVIDER_BREAKER_FAILURES: '3',
        PROVIDER_BREAKER_OPEN_SECONDS: String(BREAKER_OPEN_MS / 1000),
        IMAGE_JOB_TIMEOUT_SECONDS: '6',
      },
      7100,
    );
  });

  afterAll(async () => {
    await closeSetup(setup);
  });

  it('opens its circuit: later jobs skip it and go straight to the next provider, until one probe finds it back', async () => {
    const { google, openai, t } = setup;
    const first = await setup.newUser();
    const firstPrompt = 'a barn owl at dusk';
    google.failNext((request) => isGenerateContent(request) && mentions(firstPrompt)(request), {
      status: 503,
      times: 3,
    });
    const firstId = await admit(first, 'imagine', firstPrompt);
    await waitForMedia(t.notifier, firstId, 20_000);
    expect(googleCallsFor(google, firstPrompt)).toHaveLength(3);
    expect(openAiCallsFor(openai, firstPrompt)).toHaveLength(1);

    const second = await setup.newUser();
    const secondPrompt = 'a snail on a leaf';
    const secondId = await admit(second, 'imagine', secondPrompt);
    await waitForMedia(t.notifier, secondId, 20_000);
    expect(googleCallsFor(google, secondPrompt)).toHaveLength(0);
    expect(openAiCallsFor(openai, secondPrompt)).toHaveLength(1);
    expect(
      await counterValue(setup.metrics, 'imagine_provider_skips_total', { provider: 'google', reason: 'breaker_open' }),
    ).toBeGreaterThanOrEqual(1);

    const openedAt = googleCallsFor(google, firstPrompt)[2]!.at.getTime();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openedAt + BREAKER_OPEN_MS + 200 - Date.now())));
    const third = await setup.newUser();
    const thirdPrompt = 'a cat on a warm stove';
    const thirdId = await admit(third, 'imagine', thirdPrompt);
    await expectGooglePicture(setup, thirdId, thirdPrompt);
    expect(googleCallsFor(google, thirdPrompt)).toHaveLength(1);
    expect(openAiCallsFor(openai, thirdPrompt)).toHaveLength(0);
  });

  it('refunds when every provider stays down past the deadline, saying the service was unavailable', async () => {
    const { google, openai, t } = setup;
    const user = await setup.newUser();
    const prompt = 'a comet over the harbour';
    google.failNext((request) => isGenerateContent(request) && mentions(prompt)(request), {
      status: 503,
      times: 1_000,
    });
    openai.failNext((request) => isOpenAiImage(request) && mentions(prompt)(request), { status: 502, times: 1_000 });
    const startedAt = Date.now();
    const id = await admit(user, 'imagine', prompt);
    const failed = await waitForStatus(t.notifier, id, 'job.failed', 20_000);
    expect(failed).toMatchObject({
      text: { key: 'job.failed', vars: { cost: 1, reason: '{reason.provider_unavailable}' } },
    });
    expect(Date.now() - startedAt).toBeLessThan(8_000);
    expect(googleCallsFor(google, prompt).length).toBeGreaterThan(1);
    expect(openAiCallsFor(openai, prompt).length).toBeGreaterThan(1);
    const generation = await t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation.status).toBe('failed');
    expect(generation.errorCode).toBe('provider_unavailable');
    expect(generation.providerAttempts).toBeGreaterThan(2);
    expect(await ledgerOf(t.database.prisma, id)).toEqual([
      ['reserve', -1],
      ['release', 1],
    ]);
    expect(await balanceOf(t, user.platformUserId)).toBe(10);
    expect(mediaDeliveriesOf(t.notifier, id)).toHaveLength(0);
    google.clearInjections();
    openai.clearInjections();
  });
});
