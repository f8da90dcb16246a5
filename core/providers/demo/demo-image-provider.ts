import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ImageProvider, ImageRequest, MediaFile } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { waitOrAbort } from '#core/providers/demo/abort-demo-work';
import { DEFAULT_LONG_EDGE } from '#core/providers/demo/demo-dimensions';
import { renderDemoImage } from '#core/providers/demo/render-demo-image';

const NAME = 'demo';
const MAX_COUNT = 4;

/** Options of {@link createDemoImageProvider}. */
export type DemoImageProviderOptions = {
  /** Waits this long before answering, like a real provider would; for benchmarks. Default 0. */
  latencyMs?: number;
  /** Long edge of `standard` pictures in pixels (default 768); `hd` ones are 4/3 of it. */
  longEdge?: number;
};

/**
 * The provider used when no AI provider is configured: it draws placeholder pictures locally
 * (see `renderDemoImage`), so the whole service works with no keys and no network. Every model
 * name is accepted and ignored, so routing can hand it any tier's model.
 *
 * - `count` pictures, 1..4, each different (index 0..count-1); other counts are `invalid`.
 * - `quality: 'hd'` renders a third larger on the long edge (1024 px by default).
 * - `seed` picks the pictures: the same prompt, seed, count and size give the same bytes. Without
 *   one a random seed is drawn; every picture reports the request's seed (a set of `count` is
 *   made again with that seed and that count; the first picture with `count` 1).
 * - With `inputImage` it draws the framed "DEMO EDIT" variant, seeded also by the input's bytes,
 *   so different photos give different results; the photo itself is not used.
 * - `signal` is honoured before, during the artificial latency and between pictures: the call
 *   rejects with a `ProviderError` of kind `transient` (see `abort-demo-work.ts` for why).
 */
export function createDemoImageProvider(options: DemoImageProviderOptions = {}): ImageProvider {
  const latencyMs = options.latencyMs ?? 0;
  const longEdge = options.longEdge ?? DEFAULT_LONG_EDGE;
  return {
    name: NAME,
    capabilities: { models: ['demo'], canEdit: true, maxCount: MAX_COUNT },
    async generateImages(request: ImageRequest): Promise<MediaFile[]> {
      if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
        throw new ProviderError(
          NAME,
          'invalid',
          `The demo provider makes 1 to ${MAX_COUNT} images, not ${request.count}`,
        );
      }
      await waitOrAbort(NAME, latencyMs, request.signal);
      const inputSeed = request.inputImage === undefined ? 0 : crc32(request.inputImage.bytes);
      const seed = request.seed ?? randomInt(0, 2 ** 31);
      const files: MediaFile[] = [];
      for (let index = 0; index < request.count; index++) {
        if (index > 0) await waitOrAbort(NAME, 0, request.signal);
        const file = renderDemoImage({
          prompt: request.prompt,
          aspectRatio: request.aspectRatio,
          index,
          seed: (seed ^ inputSeed) >>> 0,
          longEdge: request.quality === 'hd' ? Math.round((longEdge * 4) / 3) : longEdge,
          isEdit: request.inputImage !== undefined,
        });
        files.push({ ...file, seed });
      }
      return files;
    },
  };
}
