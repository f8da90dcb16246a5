import { crc32 } from 'node:zlib';
import type { VideoPoll, VideoProvider, VideoRequest } from '#core/providers/ports';
import { ProviderError } from '#core/providers/provider-error';
import { throwIfDemoAborted, waitOrAbort } from '#core/providers/demo/abort-demo-work';
import { decodeDemoVideoOperation, encodeDemoVideoOperation } from '#core/providers/demo/demo-video-operation';
import { DEMO_ANIMATION_LONG_EDGE, renderDemoAnimation } from '#core/providers/demo/render-demo-animation';

const NAME = 'demo';

/** Options of {@link createDemoVideoProvider}. */
export type DemoVideoProviderOptions = {
  /** How many polls answer `running` before one answers `done`. Default 2. */
  pollsBeforeDone?: number;
  /** Long edge of the animation in pixels; default 384. */
  longEdge?: number;
};

/**
 * The video provider used when none is configured. Its "video" is an animated GIF of the demo
 * scene (`mime: 'image/gif'`; see `renderDemoAnimation`), because encoding MP4 needs a codec we
 * do not ship. The operation name encodes the whole request, so `pollVideo` works in any process
 * given only the name; the only state is a per-instance count of polls, so a fresh instance (a
 * restarted worker) answers `running` `pollsBeforeDone` times and then `done`, just as a real
 * long-running operation looks. A name that is not a demo operation is a `ProviderError` of kind
 * `invalid`; an aborted `signal` is one of kind `transient`.
 */
export function createDemoVideoProvider(options: DemoVideoProviderOptions = {}): VideoProvider {
  const pollsBeforeDone = options.pollsBeforeDone ?? 2;
  const longEdge = options.longEdge ?? DEMO_ANIMATION_LONG_EDGE;
  const pollsSeen = new Map<string, number>();
  return {
    name: NAME,
    capabilities: { models: ['demo'], canEdit: true, maxCount: 1 },
    async startVideo(request: VideoRequest): Promise<{ operation: string }> {
      throwIfDemoAborted(NAME, request.signal);
      if (!Number.isFinite(request.durationSeconds) || request.durationSeconds <= 0) {
        throw new ProviderError(NAME, 'invalid', `A demo video cannot last ${request.durationSeconds} seconds`);
      }
      const operation = encodeDemoVideoOperation({
        prompt: request.prompt,
        aspectRatio: request.aspectRatio,
        durationSeconds: request.durationSeconds,
        ...(request.inputImage === undefined ? {} : { seed: crc32(request.inputImage.bytes) }),
      });
      return { operation };
    },
    async pollVideo(operation: string, signal?: AbortSignal): Promise<VideoPoll> {
      throwIfDemoAborted(NAME, signal);
      const job = decodeDemoVideoOperation(operation);
      if (job === undefined) throw new ProviderError(NAME, 'invalid', 'Not a demo video operation');
      const seen = pollsSeen.get(operation) ?? 0;
      if (seen < pollsBeforeDone) {
        pollsSeen.set(operation, seen + 1);
        return { state: 'running', progress: (seen + 1) / (pollsBeforeDone + 1) };
      }
      pollsSeen.delete(operation);
      await waitOrAbort(NAME, 0, signal);
      const file = renderDemoAnimation({ ...job, longEdge });
      return { state: 'done', file };
    },
  };
}
