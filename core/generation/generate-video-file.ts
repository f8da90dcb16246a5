import type { CoreDeps } from '#core/core-deps';
import { ProviderError } from '#core/providers/provider-error';
import type { AspectRatio, MediaFile, VideoPoll } from '#core/providers/ports';
import type { Route } from '#core/providers/route-model';
import { assertStillRunning } from '#core/generation/generation-ended';

/** Pause between polls of a video operation. */
export const VIDEO_POLL_INTERVAL_MS = 5_000;

/**
 * Starts (or resumes, when `operation` was stored by an earlier attempt) a provider's video
 * operation and polls it until done, the job's deadline, or abort. The operation name is stored
 * before the first poll so a restarted worker continues the same operation instead of paying twice.
 * Before each further poll it checks that the generation is still running, so a cancelled video
 * stops holding the worker and the provider's slot (throws `GenerationEndedError`).
 */
export async function generateVideoFile(
  deps: CoreDeps,
  input: {
    generationId: string;
    route: Route;
    prompt: string;
    options: { aspectRatio?: AspectRatio; durationSeconds?: number };
    operation: string | null;
    signal: AbortSignal;
    inputImage: MediaFile | undefined;
    pollIntervalMs?: number;
    /** Called with the operation's progress (0..1) when the provider reports one, for the status message. */
    onProgress?: (fraction: number) => void;
  },
): Promise<MediaFile> {
  const provider = deps.providers.video.find((candidate) => candidate.name === input.route.provider);
  if (!provider)
    throw new ProviderError(input.route.provider, 'transient', 'video provider not configured in this process');
  let operation = input.operation;
  if (!operation) {
    const started = await provider.startVideo({
      prompt: input.prompt,
      model: input.route.model,
      aspectRatio: input.options.aspectRatio ?? '16:9',
      durationSeconds: input.options.durationSeconds ?? 5,
      ...(input.inputImage ? { inputImage: input.inputImage } : {}),
      signal: input.signal,
    });
    operation = started.operation;
    await deps.prisma.generation.update({ where: { id: input.generationId }, data: { providerOperation: operation } });
  }
  const interval = input.pollIntervalMs ?? VIDEO_POLL_INTERVAL_MS;
  for (;;) {
    input.signal.throwIfAborted();
    const poll = await pollOrForget(deps, input.generationId, () =>
      provider.pollVideo(operation as string, input.signal),
    );
    if (poll.state === 'done') return poll.file;
    if (poll.progress !== undefined) input.onProgress?.(poll.progress);
    await sleep(interval, input.signal);
    await assertStillRunning(deps, input.generationId, poll.progress === undefined ? undefined : poll.progress * 100);
  }
}

/** Polls once; an operation that itself failed is forgotten, so a retry starts a new one instead of polling a dead one. */
async function pollOrForget(deps: CoreDeps, generationId: string, poll: () => Promise<VideoPoll>): Promise<VideoPoll> {
  try {
    return await poll();
  } catch (error) {
    if (error instanceof ProviderError && error.reason === 'operation_failed') {
      await deps.prisma.generation.update({ where: { id: generationId }, data: { providerOperation: null } });
    }
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
