import { describe, expect, it } from 'vitest';
import { encodeDemoVideoOperation } from '#core/providers/demo/demo-video-operation';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import type { VideoPoll, VideoRequest } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { decodeGif } from '#tests/core/providers/demo/decode-gif';

const REQUEST: VideoRequest = {
  prompt: 'waves rolling onto a beach',
  model: 'demo',
  aspectRatio: '16:9',
  durationSeconds: 2,
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

async function pollUntilDone(operation: string, limit = 10): Promise<VideoPoll[]> {
  const provider = createDemoVideoProvider({ longEdge: 96 });
  const polls: VideoPoll[] = [];
  while (polls.length < limit) {
    const poll = await provider.pollVideo(operation);
    polls.push(poll);
    if (poll.state === 'done') break;
  }
  return polls;
}

describe('createDemoVideoProvider', () => {
  it('presents itself as the demo provider, one video at a time', () => {
    const provider = createDemoVideoProvider();
    expect(provider.name).toBe('demo');
    expect(provider.capabilities).toEqual({ models: ['demo'], canEdit: true, maxCount: 1 });
  });

  it('names an operation after everything in the request, the same name for the same request', async () => {
    const provider = createDemoVideoProvider();
    const { operation } = await provider.startVideo(REQUEST);
    expect(operation).toMatch(/^demo-video:[A-Za-z0-9_-]+$/u);
    expect((await createDemoVideoProvider().startVideo(REQUEST)).operation).toBe(operation);
    expect((await provider.startVideo({ ...REQUEST, durationSeconds: 3 })).operation).not.toBe(operation);
    expect(
      (await provider.startVideo({ ...REQUEST, inputImage: { bytes: Buffer.from('photo'), mime: 'image/jpeg' } }))
        .operation,
    ).not.toBe(operation);
  });

  it('finishes an operation in a fresh instance given only its name: running, running, then an animated GIF', async () => {
    const { operation } = await createDemoVideoProvider().startVideo(REQUEST);
    const polls = await pollUntilDone(operation);
    expect(polls.map((poll) => poll.state)).toEqual(['running', 'running', 'done']);
    expect(polls.slice(0, 2)).toEqual([
      { state: 'running', progress: 1 / 3 },
      { state: 'running', progress: 2 / 3 },
    ]);
    const done = polls[2];
    if (done?.state !== 'done') throw new Error('not done');
    expect([done.file.mime, done.file.width, done.file.height]).toEqual(['image/gif', 96, 54]);
    const gif = decodeGif(done.file.bytes);
    expect([gif.width, gif.height, gif.frames.length]).toEqual([96, 54, 20]);
  });

  it('gives the same file for the same operation in any instance, and another for another prompt', async () => {
    const { operation } = await createDemoVideoProvider().startVideo(REQUEST);
    const other = encodeDemoVideoOperation({ prompt: 'a desert at noon', aspectRatio: '16:9', durationSeconds: 2 });
    const [first, second, third] = await Promise.all([
      pollUntilDone(operation),
      pollUntilDone(operation),
      pollUntilDone(other),
    ]);
    const fileOf = (polls: VideoPoll[] | undefined): Buffer => {
      const last = polls?.at(-1);
      if (last?.state !== 'done') throw new Error('not done');
      return last.file.bytes;
    };
    expect(fileOf(first).equals(fileOf(second))).toBe(true);
    expect(fileOf(first).equals(fileOf(third))).toBe(false);
  });

  it('can be told how many polls run before done', async () => {
    const provider = createDemoVideoProvider({ pollsBeforeDone: 0, longEdge: 64 });
    const { operation } = await provider.startVideo(REQUEST);
    expect((await provider.pollVideo(operation)).state).toBe('done');
  });

  it.each([
    ['another provider’s name', 'veo:operations/123'],
    ['a damaged payload', 'demo-video:***'],
    ['a payload that is not a job', `demo-video:${Buffer.from('{"prompt":1}').toString('base64url')}`],
  ])('refuses %s as invalid', async (_, operation) => {
    const error = await rejection(createDemoVideoProvider().pollVideo(operation));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'demo', kind: 'invalid' });
  });

  it.each([0, -1, Number.NaN])('refuses a duration of %s seconds as invalid', async (durationSeconds) => {
    expect(await rejection(createDemoVideoProvider().startVideo({ ...REQUEST, durationSeconds }))).toMatchObject({
      kind: 'invalid',
    });
  });

  it('rejects start and poll as a transient ProviderError once the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const provider = createDemoVideoProvider();
    const { operation } = await provider.startVideo(REQUEST);
    const startError = await rejection(provider.startVideo({ ...REQUEST, signal: controller.signal }));
    const pollError = await rejection(provider.pollVideo(operation, controller.signal));
    expect(startError).toBeInstanceOf(ProviderError);
    expect(pollError).toMatchObject({ provider: 'demo', kind: 'transient' });
  });
});
