import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoogleVideoProvider } from '#core/providers/google/google-video-provider';
import type { VideoPoll, VideoProvider, VideoRequest } from '#core/providers/ports';
import { FakeGoogleGenAIApi } from '#tests/fakes/google-genai-api';
import { makePng } from '#tests/fakes/test-png';
import { providerErrorOf } from '#tests/core/providers/provider-error-of';

const MODEL = 'veo-3.0-fast-generate-001';
const REQUEST: VideoRequest = { prompt: 'a cat surfing a wave', model: MODEL, aspectRatio: '16:9', durationSeconds: 8 };

type PredictBody = {
  instances: Array<{ prompt?: string; image?: { bytesBase64Encoded?: string; mimeType?: string } }>;
  parameters: { aspectRatio?: string; durationSeconds?: number; sampleCount?: number };
};

async function veoTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('imagine-veo-'));
}

describe('createGoogleVideoProvider over the real @google/genai SDK', () => {
  let fake: FakeGoogleGenAIApi;
  let provider: VideoProvider;

  beforeEach(async () => {
    fake = await FakeGoogleGenAIApi.start({
      videoPollsUntilDone: 2,
      videoRaiTriggers: ['raiblock'],
      videoErrorTriggers: ['explode'],
    });
    provider = createGoogleVideoProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  const predictBody = async (): Promise<PredictBody> =>
    (await fake.waitForRequest((r) => r.path === `/v1beta/models/${MODEL}:predictLongRunning`)).body as PredictBody;

  it('presents itself as google with Veo 3 fast as the default model, one video at a time', () => {
    expect(provider.name).toBe('google');
    expect(provider.capabilities).toEqual({ models: ['veo-3.0-fast-generate-001'], canEdit: true, maxCount: 1 });
  });

  it('starts an operation, polls running then done, and returns the downloaded bytes', async () => {
    const tempBefore = await veoTempDirs();
    const { operation } = await provider.startVideo(REQUEST);
    expect(operation).toMatch(new RegExp(`^models/${MODEL}/operations/[a-z0-9]+$`));

    const first = await provider.pollVideo(operation);
    expect(first).toEqual({ state: 'running' });
    const second = await provider.pollVideo(operation);
    if (second.state !== 'done') throw new Error(`expected done, got ${second.state}`);

    const [fileId, expected] = [...fake.videos.entries()][0] ?? ['', Buffer.alloc(0)];
    expect(second.file.bytes.equals(expected)).toBe(true);
    expect(second.file.bytes.toString('latin1')).toContain(`FAKE-VEO ${fileId} ${REQUEST.prompt}`);
    expect(second.file.mime).toBe('video/mp4');
    expect(fake.requests.some((r) => r.path === `/v1beta/files/${fileId}:download`)).toBe(true);
    expect(await veoTempDirs()).toEqual(tempBefore);

    const body = await predictBody();
    expect(body).toEqual({
      instances: [{ prompt: REQUEST.prompt }],
      parameters: { aspectRatio: '16:9', durationSeconds: 8, sampleCount: 1 },
    });
  });

  it('resumes polling in a new provider instance given only the stored operation name', async () => {
    const { operation } = await provider.startVideo(REQUEST);
    const stored = String(operation);

    const restarted = createGoogleVideoProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const polls: VideoPoll[] = [];
    for (let i = 0; i < 5; i++) {
      const poll = await restarted.pollVideo(stored);
      polls.push(poll);
      if (poll.state === 'done') break;
    }

    expect(polls.map((poll) => poll.state)).toEqual(['running', 'done']);
    const done = polls[1];
    const expected = [...fake.videos.values()][0];
    expect(done?.state === 'done' && expected !== undefined && done.file.bytes.equals(expected)).toBe(true);
    const polled = fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1beta/${stored}`);
    expect(polled).toHaveLength(2);
  });

  it('maps portrait ratios to 9:16, lengths Veo lacks to the next longer one, and sends the photo', async () => {
    const photo = makePng(8, 8, [0, 0, 255, 255]);
    await provider.startVideo({
      ...REQUEST,
      aspectRatio: '3:4',
      durationSeconds: 5,
      inputImage: { bytes: photo, mime: 'image/png' },
    });

    const body = await predictBody();
    expect(body.parameters).toEqual({ aspectRatio: '9:16', durationSeconds: 6, sampleCount: 1 });
    expect(body.instances[0]?.image).toEqual({ bytesBase64Encoded: photo.toString('base64'), mimeType: 'image/png' });
  });

  it('a video withheld by the RAI filter is refused', async () => {
    const { operation } = await provider.startVideo({ ...REQUEST, prompt: 'raiblock this' });
    expect((await provider.pollVideo(operation)).state).toBe('running');

    const error = await providerErrorOf(provider.pollVideo(operation));
    expect([error.provider, error.kind]).toEqual(['google', 'refused']);
    expect(error.message).toContain('safety filter');
    expect(fake.videos.size).toBe(0);
  });

  it('an operation that ends with an internal error is transient', async () => {
    fake.videoPollsUntilDone = 1;
    const { operation } = await provider.startVideo({ ...REQUEST, prompt: 'explode please' });

    const error = await providerErrorOf(provider.pollVideo(operation));
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('code 13');
  });

  it('a 500 on start and on poll is transient', async () => {
    fake.failNext(`POST /v1beta/models/${MODEL}:predictLongRunning`, { status: 500 });
    const onStart = await providerErrorOf(provider.startVideo(REQUEST));
    expect([onStart.kind, onStart.status]).toEqual(['transient', 500]);

    const { operation } = await provider.startVideo(REQUEST);
    fake.failNext(`GET /v1beta/${operation}`, { status: 503 });
    const onPoll = await providerErrorOf(provider.pollVideo(operation));
    expect([onPoll.kind, onPoll.status]).toEqual(['transient', 503]);
  });

  it('a hung poll is cut by the timeout and is transient', async () => {
    const impatient = createGoogleVideoProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 200 });
    const { operation } = await impatient.startVideo(REQUEST);
    fake.hangNext(`GET /v1beta/${operation}`);

    const error = await providerErrorOf(impatient.pollVideo(operation));
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
  });

  it('a hung download is cut by the download limit and is transient', async () => {
    const impatient = createGoogleVideoProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, downloadTimeoutMs: 200 });
    fake.videoPollsUntilDone = 1;
    const { operation } = await impatient.startVideo(REQUEST);
    fake.hangNext('/v1beta/files/*');

    const error = await providerErrorOf(impatient.pollVideo(operation));
    expect(error.kind).toBe('transient');
    expect(fake.requests.some((r) => r.path.startsWith('/v1beta/files/'))).toBe(true);
  });

  it('the caller’s abort ends a hung poll at once', async () => {
    const { operation } = await provider.startVideo(REQUEST);
    fake.hangNext(`GET /v1beta/${operation}`);
    const controller = new AbortController();
    const pending = providerErrorOf(provider.pollVideo(operation, controller.signal));
    await fake.waitForRequest((r) => r.method === 'GET' && r.path === `/v1beta/${operation}`);

    controller.abort();
    const error = await pending;
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('aborted by the caller');
  });

  it('a wrong key is auth', async () => {
    const wrong = createGoogleVideoProvider({ apiKey: 'not-the-key', baseUrl: fake.baseUrl });
    const error = await providerErrorOf(wrong.startVideo(REQUEST));
    expect([error.kind, error.status]).toEqual(['auth', 400]);
  });
});
