import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, GoogleGenAI, Modality } from '@google/genai';
import type { GenerateVideosOperation } from '@google/genai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGoogleGenAIApi, GOOGLE_FILES_ORIGIN } from '#tests/fakes/google-genai-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';

const IMAGE_MODEL = 'gemini-2.5-flash-image';
const VIDEO_MODEL = 'veo-3.0-generate-001';

describe('FakeGoogleGenAIApi with the real @google/genai SDK', () => {
  let fake: FakeGoogleGenAIApi;
  let ai: GoogleGenAI;
  let tempDir: string | undefined;

  beforeEach(async () => {
    fake = await FakeGoogleGenAIApi.start({
      promptBlockTriggers: ['blockme'],
      imageSafetyTriggers: ['unsafeimg'],
      videoRaiTriggers: ['raiblock'],
      videoErrorTriggers: ['explode'],
    });
    ai = new GoogleGenAI({ apiKey: fake.apiKey, httpOptions: { baseUrl: fake.baseUrl } });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  });

  async function pollUntilDone(operation: GenerateVideosOperation): Promise<GenerateVideosOperation> {
    let current = operation;
    for (let poll = 0; poll < 10 && !current.done; poll += 1) {
      current = await ai.operations.getVideosOperation({ operation: current });
    }
    return current;
  }

  it('generateContent with IMAGE returns a text part and a PNG inlineData part sized by aspect ratio', async () => {
    const response = await ai.models.generateContent({
      model: IMAGE_MODEL,
      contents: 'a paper boat',
      config: { responseModalities: [Modality.TEXT, Modality.IMAGE], imageConfig: { aspectRatio: '16:9' } },
    });

    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]?.text).toBeTruthy();
    const inline = parts.find((p) => p.inlineData)?.inlineData;
    expect(inline?.mimeType).toBe('image/png');
    const png = readPng(Buffer.from(inline?.data ?? '', 'base64'));
    expect(png).toMatchObject({ width: 1344, height: 768, topLeft: colorForText('a paper boat') });
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');

    const request = await fake.waitForRequest((r) => r.path === `/v1beta/models/${IMAGE_MODEL}:generateContent`);
    expect(request.headers['x-goog-api-key']).toBe(fake.apiKey);
    expect(request.body).toMatchObject({
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
  });

  it('records input inlineData parts for image editing', async () => {
    const input = makePng(16, 16, [10, 20, 30, 255]);
    await ai.models.generateContent({
      model: IMAGE_MODEL,
      contents: [
        {
          role: 'user',
          parts: [{ text: 'make it blue' }, { inlineData: { mimeType: 'image/png', data: input.toString('base64') } }],
        },
      ],
      config: { responseModalities: [Modality.IMAGE] },
    });

    const request = await fake.waitForRequest((r) => r.path.endsWith(':generateContent'));
    expect(FakeGoogleGenAIApi.inlineDataOf(request)).toEqual([{ mimeType: 'image/png', data: input }]);
  });

  it('simulates both safety refusals: promptFeedback.blockReason and finishReason IMAGE_SAFETY', async () => {
    const config = { responseModalities: [Modality.TEXT, Modality.IMAGE] };

    const blocked = await ai.models.generateContent({ model: IMAGE_MODEL, contents: 'please blockme now', config });
    expect(blocked.promptFeedback?.blockReason).toBe('SAFETY');
    expect(blocked.candidates).toBeUndefined();

    const unsafe = await ai.models.generateContent({ model: IMAGE_MODEL, contents: 'an unsafeimg scene', config });
    expect(unsafe.candidates?.[0]?.finishReason).toBe('IMAGE_SAFETY');
    expect(unsafe.candidates?.[0]?.content).toBeUndefined();
    expect(unsafe.data).toBeUndefined();
  });

  it('an injected 500 raises ApiError with status 500 and Google’s error JSON', async () => {
    fake.failNext(`POST /v1beta/models/${IMAGE_MODEL}:generateContent`, { status: 500 });
    const error = await ai.models.generateContent({ model: IMAGE_MODEL, contents: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    expect(JSON.parse((error as ApiError).message)).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
  });

  it('a wrong key raises ApiError 400 API_KEY_INVALID', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'nope', httpOptions: { baseUrl: fake.baseUrl } });
    const error = await wrong.models.generateContent({ model: IMAGE_MODEL, contents: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain('API_KEY_INVALID');
  });

  it('a hung request is cut by httpOptions.timeout', async () => {
    fake.hangNext('/v1beta/models/*');
    const error = await ai.models
      .generateContent({ model: IMAGE_MODEL, contents: 'x', config: { httpOptions: { timeout: 300 } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(1);
  });

  it('counts requests in flight as the API sees them: answered and abandoned ones stop counting', async () => {
    fake.delayMs = 150;
    await Promise.all([1, 2, 3].map((n) => ai.models.generateContent({ model: IMAGE_MODEL, contents: `call ${n}` })));
    expect(fake.peakInFlight).toBe(3);
    expect(fake.inFlight).toBe(0);
    expect(
      fake.requests.every(
        (request) => request.endedAt !== undefined && request.endedAt.getTime() - request.at.getTime() >= 140,
      ),
    ).toBe(true);

    fake.hangNext('/v1beta/models/*');
    const abandoned = ai.models
      .generateContent({ model: IMAGE_MODEL, contents: 'hang', config: { httpOptions: { timeout: 500 } } })
      .catch((e: unknown) => e);
    await expect.poll(() => fake.inFlight, { interval: 10 }).toBe(1);
    expect(fake.requests.at(-1)?.endedAt).toBeUndefined();
    expect(await abandoned).toMatchObject({ name: 'AbortError' });
    await expect.poll(() => fake.inFlight).toBe(0);
    expect(fake.requests.at(-1)?.endedAt).toBeInstanceOf(Date);
    expect(fake.peakInFlight).toBe(3);
  });

  it('Veo: predictLongRunning, polls until done, then files.download writes the video bytes', async () => {
    const started = await ai.models.generateVideos({
      model: VIDEO_MODEL,
      source: { prompt: 'a cat surfing' },
      config: { aspectRatio: '16:9', numberOfVideos: 1 },
    });
    expect(started.name).toMatch(new RegExp(`^models/${VIDEO_MODEL}/operations/[a-z0-9]+$`));
    expect(started.done).toBeFalsy();

    const firstPoll = await ai.operations.getVideosOperation({ operation: started });
    expect(firstPoll.done).toBeFalsy();
    const done = await pollUntilDone(firstPoll);
    expect(done.done).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/operations/'))).toHaveLength(2);

    const video = done.response?.generatedVideos?.[0];
    const uri = video?.video?.uri ?? '';
    expect(uri.startsWith(`${GOOGLE_FILES_ORIGIN}/v1beta/files/`)).toBe(true);
    const fileId = /files\/([a-z0-9]+):download/.exec(uri)?.[1] ?? '';

    tempDir = await mkdtemp(join(tmpdir(), 'fake-veo-'));
    const downloadPath = join(tempDir, 'video.mp4');
    await ai.files.download({ file: video ?? '', downloadPath });

    const bytes = await readFile(downloadPath);
    expect(bytes.equals(fake.videos.get(fileId) ?? Buffer.alloc(0))).toBe(true);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(bytes.toString('latin1')).toContain('FAKE-VEO');
    const download = await fake.waitForRequest((r) => r.path === `/v1beta/files/${fileId}:download`);
    expect(download.query).toEqual({ alt: 'media' });

    const predict = await fake.waitForRequest((r) => r.path.endsWith(':predictLongRunning'));
    expect(predict.body).toMatchObject({
      instances: [{ prompt: 'a cat surfing' }],
      parameters: { aspectRatio: '16:9' },
    });
  });

  it('Veo: an RAI-filtered operation has no video; a failed one carries error', async () => {
    const filtered = await pollUntilDone(
      await ai.models.generateVideos({ model: VIDEO_MODEL, source: { prompt: 'raiblock please' } }),
    );
    expect(filtered.done).toBe(true);
    expect(filtered.response?.generatedVideos).toBeUndefined();
    expect(filtered.response?.raiMediaFilteredCount).toBe(1);
    expect(filtered.response?.raiMediaFilteredReasons?.[0]).toBeTruthy();

    fake.videoPollsUntilDone = 1;
    const failed = await pollUntilDone(
      await ai.models.generateVideos({ model: VIDEO_MODEL, source: { prompt: 'explode' } }),
    );
    expect(failed.done).toBe(true);
    expect(failed.error).toMatchObject({ code: 13 });
  });
});
