import type { CoreDeps } from '#core/core-deps';
import { buildProgressStatus } from '#core/generation/build-progress-status';
import { estimateRunningSeconds } from '#core/generation/estimate-seconds-left';
import { GenerationEndedError } from '#core/generation/generation-ended';
import { notifyProgress } from '#core/generation/notify-progress';
import { measureModelTimesCached } from '#core/models/measure-model-times';
import type { ImageProgress, ImageProgressReader, ProgressQuery } from '#core/providers/ports';

/** How often a running job looks at its backend's progress and at its own row (a cancel from another process). */
export const PROGRESS_TICK_MS = 1_000;

/** The progress of one running job, for as long as its provider works. */
export type ProgressTracker = {
  /**
   * Fires when the job was ended elsewhere (cancelled by its owner, swept as overdue): the
   * provider call is aborted with it, so the backend is told to stop (Stable Diffusion's
   * `/sdapi/v1/interrupt`, ComfyUI's `/interrupt` or queue delete).
   */
  ended: AbortSignal;
  /** The backend call now running, whose progress to read (an image provider that can say). */
  watch(reader: ImageProgressReader | undefined, query: ProgressQuery): void;
  /** A progress the job learnt itself (a video operation's poll), 0..1. */
  report(fraction: number): void;
  /** Stops ticking, once a tick under way has finished (so no edit lands after the next status). */
  stop(): Promise<void>;
};

/**
 * Follows a running job until `stop`: every {@link PROGRESS_TICK_MS} it checks the job is still
 * running (else fires `ended`), reads the backend's real percentage where there is one, and edits
 * the status message (`notifyProgress`: paced per chat, unchanged texts skipped) with that
 * percentage, the time left (`estimateRunningSeconds`, from the model's measured median over the
 * last 24 h when the backend says nothing) and the Cancel button.
 */
export function trackJobProgress(
  deps: CoreDeps,
  job: { generationId: string; kind: 'image' | 'video'; model: string | null; startedAt: Date },
): ProgressTracker {
  const ended = new AbortController();
  let reader: { reader: ImageProgressReader; query: ProgressQuery } | undefined;
  let reported: number | undefined;
  let isStopped = false;
  let tick: Promise<unknown> = Promise.resolve();
  const median = measureModelTimesCached(deps)
    .then((times) => (job.model ? times.get(`${job.kind}/${job.model}`) : undefined))
    .catch(() => undefined);

  const readBackend = async (): Promise<ImageProgress | undefined> => {
    if (reported !== undefined) return { fraction: reported };
    if (!reader) return undefined;
    return reader.reader.readProgress(reader.query).catch(() => undefined);
  };

  const runTick = async () => {
    const row = await deps.prisma.generation.findUnique({
      where: { id: job.generationId },
      select: { status: true },
    });
    if (row?.status !== 'running') {
      ended.abort(new GenerationEndedError(job.generationId));
      return;
    }
    const backend = await readBackend();
    const etaSeconds = estimateRunningSeconds({
      medianSeconds: await median,
      elapsedSeconds: (Date.now() - job.startedAt.getTime()) / 1000,
      fraction: backend?.fraction,
      backendEtaSeconds: backend?.etaSeconds,
    });
    if (isStopped) return;
    await notifyProgress(
      deps,
      job.generationId,
      buildProgressStatus(job.generationId, { phase: 'running', fraction: backend?.fraction, etaSeconds }),
      'running',
    );
  };

  let isTicking = false;
  const timer = setInterval(() => {
    if (isTicking) return; // a slow tick (database, chat) is not doubled
    isTicking = true;
    tick = runTick()
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, generationId: job.generationId }, 'progress tick failed');
      })
      .finally(() => {
        isTicking = false;
      });
  }, PROGRESS_TICK_MS);
  timer.unref();

  return {
    ended: ended.signal,
    watch(next, query) {
      reader = next ? { reader: next, query } : undefined;
    },
    report(fraction) {
      reported = Math.min(1, Math.max(0, fraction));
    },
    async stop() {
      isStopped = true;
      clearInterval(timer);
      await tick;
    },
  };
}
