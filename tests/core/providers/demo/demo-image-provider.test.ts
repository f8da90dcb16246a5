import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import {
  computeFrameThickness,
  DEMO_BADGE_COLOR,
  DEMO_FRAME_COLOR,
  layoutDemoBadge,
} from '#core/providers/demo/draw-demo-marks';
import type { ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { readPngTexts } from '#tests/core/providers/demo/read-png-chunks';

const REQUEST: ImageRequest = {
  prompt: 'a lighthouse in a storm',
  model: 'demo',
  aspectRatio: '16:9',
  count: 1,
  quality: 'standard',
};

function digest(file: MediaFile): string {
  return createHash('sha256').update(file.bytes).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('createDemoImageProvider', () => {
  it('presents itself as the demo provider that can edit and make up to 4 images', () => {
    const provider = createDemoImageProvider();
    expect(provider.name).toBe('demo');
    expect(provider.capabilities).toEqual({ models: ['demo'], canEdit: true, maxCount: 4 });
  });

  it('makes count distinct PNGs of the asked aspect ratio, described by the prompt', async () => {
    const files = await createDemoImageProvider().generateImages({ ...REQUEST, count: 4 });
    expect(files).toHaveLength(4);
    expect(new Set(files.map(digest)).size).toBe(4);
    for (const file of files) {
      const image = PNG.sync.read(file.bytes);
      expect([file.mime, image.width, image.height, file.width, file.height]).toEqual([
        'image/png',
        768,
        432,
        768,
        432,
      ]);
      expect(readPngTexts(file.bytes).get('Description')).toBe(REQUEST.prompt);
    }
  });

  it('answers the same request with the same pictures, and another seed with others', async () => {
    const provider = createDemoImageProvider();
    const first = await provider.generateImages({ ...REQUEST, count: 2, seed: 5 });
    const again = await createDemoImageProvider().generateImages({ ...REQUEST, count: 2, seed: 5 });
    const reseeded = await provider.generateImages({ ...REQUEST, count: 2, seed: 6 });
    expect(again.map(digest)).toEqual(first.map(digest));
    expect(reseeded.map(digest)).not.toContain(digest(first[0]!));
  });

  it('reports the seed of its pictures, drawn when none is asked, and the same seed makes the same bytes', async () => {
    const provider = createDemoImageProvider();
    const drawn = await provider.generateImages({ ...REQUEST, count: 2 });
    const seed = drawn[0]?.seed;
    expect(seed).toEqual(expect.any(Number));
    expect(drawn.map((file) => file.seed)).toEqual([seed, seed]);
    const again = await createDemoImageProvider().generateImages({ ...REQUEST, count: 2, seed: seed ?? 0 });
    expect(again.map(digest)).toEqual(drawn.map(digest));
    expect(again.map((file) => file.seed)).toEqual([seed, seed]);
  });

  it('renders hd a third larger and honours a configured long edge', async () => {
    const [hd] = await createDemoImageProvider().generateImages({ ...REQUEST, quality: 'hd' });
    const [small] = await createDemoImageProvider({ longEdge: 256 }).generateImages({ ...REQUEST, aspectRatio: '1:1' });
    expect([hd?.width, hd?.height]).toEqual([1024, 576]);
    expect([small?.width, small?.height]).toEqual([256, 256]);
  });

  it.each([0, 5, 1.5])('refuses count %s as invalid', async (count) => {
    const error = await rejection(createDemoImageProvider().generateImages({ ...REQUEST, count }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'demo', kind: 'invalid' });
  });

  it('draws the DEMO EDIT variant for an edit, different for different input photos', async () => {
    const provider = createDemoImageProvider();
    const photo = (byte: number): MediaFile => ({ bytes: Buffer.alloc(64, byte), mime: 'image/jpeg' });
    const [editA] = await provider.generateImages({ ...REQUEST, inputImage: photo(1), seed: 3 });
    const [editAAgain] = await provider.generateImages({ ...REQUEST, inputImage: photo(1), seed: 3 });
    const [editB] = await provider.generateImages({ ...REQUEST, inputImage: photo(2), seed: 3 });
    const [plain] = await provider.generateImages({ ...REQUEST, seed: 3 });
    expect(digest(editAAgain!)).toBe(digest(editA!));
    expect(digest(editB!)).not.toBe(digest(editA!));
    expect(digest(plain!)).not.toBe(digest(editA!));
    const image = PNG.sync.read(editA!.bytes);
    const colorAt = (x: number, y: number): number[] => [
      ...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 3),
    ];
    const inset = computeFrameThickness(image.width, image.height);
    const badge = layoutDemoBadge(image.width, image.height, 'DEMO EDIT', inset);
    expect(colorAt(0, 0)).toEqual([...DEMO_FRAME_COLOR]);
    expect(colorAt(badge.x + badge.width - badge.scale - 1, badge.y + 1)).toEqual([...DEMO_BADGE_COLOR]);
  });

  it('waits the configured latency before answering', async () => {
    const started = performance.now();
    await createDemoImageProvider({ latencyMs: 150 }).generateImages(REQUEST);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('rejects at once, as a transient ProviderError, when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    const error = await rejection(createDemoImageProvider().generateImages({ ...REQUEST, signal: controller.signal }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'demo', kind: 'transient', cause: controller.signal.reason });
  });

  it('stops waiting out its latency when the signal fires', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = rejection(
      createDemoImageProvider({ latencyMs: 10_000 }).generateImages({ ...REQUEST, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 30);
    expect(await pending).toMatchObject({ kind: 'transient' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('stops between pictures when the signal fires while a batch is rendering', async () => {
    const controller = new AbortController();
    const pending = rejection(
      createDemoImageProvider().generateImages({ ...REQUEST, count: 4, signal: controller.signal }),
    );
    setImmediate(() => controller.abort());
    expect(await pending).toMatchObject({ kind: 'transient' });
  });
});
